#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Lay out a fresh simulated board in DIR from board/sim: factory state with
# slot A holding version 1.0.0 and slot B empty, never in the boot order.
#   sim-board.sh DIR KEYRING.pem
set -eu
dir=${1:?} keyring=${2:?}
top=$(cd "$(dirname "$0")/.." && pwd)
rm -rf "$dir"
mkdir -p "$dir/state" "$dir/slots"
cp "$top/board/sim/system.conf" "$dir/"
cp -r "$top/board/sim/health.d" "$dir/"
cp "$keyring" "$dir/keyring.pem"
printf 'BOOT_ORDER=A\nBOOT_A_LEFT=3\nBOOT_B_LEFT=0\n' > "$dir/state/bootenv"
printf 'console=ttyS0 fwtool.slot=A\n' > "$dir/state/cmdline"
: > "$dir/state/watchdog"
printf 'fwtool-demo rootfs 1.0.0 status=healthy\n' > "$dir/slots/rootfs-a.img"
printf 'router-fw 1.0.0\n' > "$dir/slots/router-fw-a.bin"
