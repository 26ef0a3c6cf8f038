#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Build the arm64 router test machine for tests/e2e: QEMU virt with U-Boot
# from Debian's u-boot-qemu, Debian's arm64 kernel, a busybox initramfs per
# slot with a static arm64 fwtool ($FWTOOL_BUILD/arm64: make e2e-images).
#   p1 FAT  16M  boot.scr (mkimage from board/qemu-arm64-uboot/boot.cmd)
#   p2 ext4 96M  slot A: /boot/Image, /boot/initrd.img (version 1.0.0)
#   p3      96M  slot B: empty (factory state: not in BOOT_ORDER)
#   p4 extended: p5 raw U-Boot env (mkenvimage, 0x20000), p6 ext4 data
# Usage: mkrouter.sh OUTDIR
set -euo pipefail
out=$(realpath -m "${1:?usage: mkrouter.sh OUTDIR}")
top=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# shellcheck source=images/e2e/common.sh
. "$(dirname "$0")/common.sh"
fw="$build/arm64/fwtool"
[ -x "$fw" ] || { echo "mkrouter: build $fw first (make e2e-images)" >&2; exit 1; }
fetch_kernel arm64
[ -f "$out/keys/ca.pem" ] || "$top/scripts/mkkeys.sh" "$out/keys"
dropbear_fetch arm64
if [ ! -x "$out/busybox-arm64/bin/busybox" ]; then
	dpkg-deb -x "$(deb_fetch busybox-static arm64)" "$out/busybox-arm64"
fi

printf '%s\n' 'mount -t ext4 /dev/vda6 /data || echo "FWTEST-WARN no /data"' > "$work/mounts.sh"
cp "$top/board/qemu-arm64-uboot/fw_env.config" "$out/fw_env.config"
e2e_conf uboot $'[uboot]\nfw_env_config = /etc/fw_env.config' dtb

slots_and_bundles Image "$out/busybox-arm64/bin/busybox" "$fw" 96M 'linux,dummy-virt'

mkimage -A arm64 -O linux -T script -C none -n ab-boot \
	-d "$top/board/qemu-arm64-uboot/boot.cmd" "$work/boot.scr" >/dev/null
mkfs.vfat -C -n BOOT "$work/p1.img" 16384 >/dev/null
mcopy -i "$work/p1.img" "$work/boot.scr" ::/boot.scr
printf 'BOOT_ORDER=A\nBOOT_A_LEFT=3\nBOOT_B_LEFT=0\n' > "$work/env.txt"
mkenvimage -s 0x20000 -o "$work/env.bin" "$work/env.txt"
mkfs.ext4 -q -F -L data -d "$work/data" "$work/p6.img" 192M >/dev/null
cp /usr/lib/u-boot/qemu_arm64/u-boot.bin "$out/u-boot.bin"
img="$out/router.img"
rm -f "$img"
truncate -s 406M "$img"
sfdisk -q "$img" <<'PT'
label: dos
start=1MiB, size=16MiB, type=c, bootable
start=17MiB, size=96MiB, type=83
start=113MiB, size=96MiB, type=83
start=209MiB, size=196MiB, type=5
start=210MiB, size=1MiB, type=da
start=212MiB, size=192MiB, type=83
PT
dd if="$work/p1.img" of="$img" bs=1M seek=1 conv=notrunc status=none
dd if="$work/slotA.img" of="$img" bs=1M seek=17 conv=notrunc status=none
dd if="$work/env.bin" of="$img" bs=1M seek=210 conv=notrunc status=none
dd if="$work/p6.img" of="$img" bs=1M seek=212 conv=notrunc status=none
# the host reads the same env: fw_printenv -c $out/fw_env.host
echo "$img 0xD200000 0x20000" > "$out/fw_env.host"
echo "mkrouter: $img (kernel $KV)"
