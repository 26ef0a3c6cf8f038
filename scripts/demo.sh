#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# make demo: the main job on the simulated board, start to finish.
set -eu
build=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
fw="$top/$build/fwtool"
work="$top/$build/demo"
bold=$(printf '\033[1m') off=$(printf '\033[0m')
[ -t 1 ] || { bold=''; off=''; }
step() { printf '\n%s== %s ==%s\n' "$bold" "$*" "$off"; }
run() { printf '$ fwtool %s\n' "$*"; "$fw" "$@"; }

rm -rf "$work"
mkdir -p "$work"
step "1. keys: a test CA and a code-signing certificate (openssl)"
"$top/scripts/mkkeys.sh" "$work/keys"
openssl x509 -in "$work/keys/signer.pem" -noout -subject -issuer

step "2. images (images/mkdemo-images.sh): rootfs 1.1.0 and router firmware"
"$top/images/mkdemo-images.sh" "$work/images" 1.1.0 healthy
"$top/images/mkdemo-images.sh" "$work/images" 1.2.0 broken
ls -l "$work/images"

step "3. a signed bundle: rootfs zstd-compressed, chunk-hashed"
cd "$work"
run bundle create -o update-1.1.0.fwb --key keys/signer.key --cert keys/signer.pem \
	--version 1.1.0 --security-version 2 --compatible 'fwtool,sim*' \
	--image "rootfs=images/rootfs-1.1.0.img:zstd" --image "router-fw=images/router-fw-1.1.0.bin"
run info --keyring keys/ca.pem update-1.1.0.fwb

step "4. the simulated board, factory state: slot A good, slot B empty"
"$top/scripts/sim-board.sh" "$work/board" keys/ca.pem
export FWTOOL_CONF="$work/board/system.conf"
run board
run status

step "5. install: verify, mark B bad, stream into B, read back, make B primary"
run install --progress update-1.1.0.fwb

step "6. reboot: the bootloader takes B (3 tries, one used)"
run sim-boot

step "7. confirm under the watchdog: health checks, then mark B good"
run confirm
run status
printf '$ fwtool wait --json   # what orchestration gates on\n'
"$fw" wait --json && echo "(exit 0: confirmed)"

step "8. a bad update: 1.2.0 boots but fails its health check"
run bundle create -o update-1.2.0.fwb --key keys/signer.key --cert keys/signer.pem \
	--version 1.2.0 --security-version 3 --compatible 'fwtool,sim*' \
	--image "rootfs=images/rootfs-1.2.0.img:zstd" --image "router-fw=images/router-fw-1.2.0.bin" >/dev/null
run install --no-progress update-1.2.0.fwb
run sim-boot
run confirm || echo "(exit $?: rolled back)"
run sim-boot
run confirm
printf '$ fwtool wait\n'
"$fw" wait || echo "(exit $?: rolled back; orchestration stops the roll here)"
run status

step "9. history: every transaction and how it ended"
run history
step "done: the board runs B (1.1.0), A was rolled back, the floor is security version 2"
