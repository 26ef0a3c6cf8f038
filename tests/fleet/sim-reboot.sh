#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# A reboot of a simulated board, as its boot script and init do it: the
# bootloader picks a slot (fwtool sim-boot), init runs fwtool confirm. A
# confirm that rolls back asks for a reboot: that one happens too. When the
# board folder holds a file 'hang' naming a bootname, a trial of that slot
# hangs like a frozen check: the watchdog resets the board (the next boot
# says so) until the bootloader's tries run out.
#   sim-reboot.sh FWTOOL SYSTEM.CONF
set -u
fw=${1:?} conf=${2:?}
dir=$(dirname "$conf")
export FWTOOL_CONF="$conf"
wd=""
for boot in 1 2 3 4 5 6 7 8; do
	"$fw" sim-boot $wd >/dev/null || exit 1
	wd=""
	slot=$(sed -n 's/.*fwtool\.slot=\([A-Za-z0-9]*\).*/\1/p' "$dir/state/cmdline")
	if [ -f "$dir/hang" ] && [ "$slot" = "$(cat "$dir/hang")" ] &&
		"$fw" status --json | grep -q '"on_trial": true'; then
		wd=--watchdog-reset
		continue
	fi
	"$fw" confirm --no-reboot >/dev/null
	[ $? -eq 6 ] || exit 0 # 6: rolled back, a reboot asked for
done
echo "sim-reboot: the board did not settle in $boot boots" >&2
exit 1
