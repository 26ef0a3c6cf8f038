#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Build the x86_64 hypervisor-host test machine for tests/e2e: Debian's amd64
# kernel, a busybox initramfs per slot variant with fwtool in it, and a disk
# with GRUB (grub-mkimage; no loop devices, no mounts):
#   p1 ext2 16M  /grub/grub.cfg (board/qemu-x86_64-grub), /grub/grubenv
#   p2 ext4 64M  slot A: /boot/vmlinuz, /boot/initrd.img (version 1.0.0)
#   p3      64M  slot B: empty (factory state: never in ORDER)
#   p4 ext4 192M data: fwtool state, update bundles
# and a second disk, flash.img, whose two 4 MiB partitions the guest turns
# into /dev/mtd0 and /dev/mtd1 with block2mtd (64 KiB eraseblocks): the
# firmware.0/1 slots that follow rootfs.0/1. It starts full of random bytes,
# so an erase that did not happen shows. nandsim (a NAND chip with bad
# blocks, loaded by the mtd scenario) gets its own config in /data/nand.
# rescue.img is a recovery stick (scripts/mkrecovery) for this machine.
# The fwtool in the guest is the Debian package's (make deb-root unpacks it
# into $FWTOOL_BUILD/deb/root): the reboot tests run what is shipped.
# Usage: mkhost.sh OUTDIR   (needs scripts/install-deps e2e, make e2e-images)
set -euo pipefail
out=$(realpath -m "${1:?usage: mkhost.sh OUTDIR}")
top=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# shellcheck source=images/e2e/common.sh
. "$(dirname "$0")/common.sh"
fw="$build/deb/root/usr/sbin/fwtool"
[ -x "$fw" ] || { echo "mkhost: no packaged fwtool at $fw (make e2e-images)" >&2; exit 1; }
fetch_kernel amd64
[ -f "$out/keys/ca.pem" ] || "$top/scripts/mkkeys.sh" "$out/keys"
dropbear_fetch amd64

# the guest expands $p
# shellcheck disable=SC2016
printf '%s\n' 'mount -t ext2 /dev/vda1 /boot || echo "FWTEST-WARN no /boot"' \
	'mount -t ext4 /dev/vda4 /data || echo "FWTEST-WARN no /data"' \
	'for p in /dev/vdb1 /dev/vdb2; do echo $p,65536 > /sys/module/block2mtd/parameters/block2mtd; done' \
	> "$work/mounts.sh"
e2e_conf grub $'[grub]\ngrubenv = /boot/grub/grubenv' dmi "$(printf '%s\n' \
	'[slot.firmware.0]' 'device = /dev/mtd0' 'type = mtd' 'parent = rootfs.0' \
	'[slot.firmware.1]' 'device = /dev/mtd1' 'type = mtd' 'parent = rootfs.1')"

# the stick restores the disk's slots; it has no MTD (block2mtd) of its own
grep -v -e '^\[slot.firmware' -e '^device = /dev/mtd' -e '^type = mtd' -e '^parent = ' \
	"$work/system.conf" > "$work/stick.conf"

export E2E_MODULES="block2mtd late:nandsim zstd late:ubifs"
export E2E_TOOLS="/usr/sbin/nanddump /usr/sbin/mtd_debug /usr/sbin/flash_erase
	/usr/sbin/ubiformat /usr/sbin/ubiattach /usr/sbin/ubimkvol /usr/sbin/ubiupdatevol"
# every update carries the firmware.1 that boots with its rootfs.1
head -c 200003 /dev/urandom > "$work/firmware-base.bin"
export E2E_BUNDLE_IMAGES="--image firmware=$work/firmware-base.bin"
slots_and_bundles vmlinuz /bin/busybox "$fw" 64M 'qemu,*'

# --- the mtd scenario's updates --------------------------------------------------
# 1.5.0: rootfs and a firmware blob that ends mid-page, mid-block
head -c 3000037 /dev/urandom > "$work/firmware-1.5.0.bin"
sha256sum < "$work/firmware-1.5.0.bin" | cut -d' ' -f1 > "$work/data/firmware-1.5.0.sha256"
cp "$work/firmware-1.5.0.bin" "$out/firmware-1.5.0.bin"
slotimage vmlinuz /bin/busybox "$fw" 64M 1.5.0 healthy "$work/slot-1.5.0.img"
"$fwhost" bundle create -o "$work/data/update-1.5.0.fwb" \
	--key "$out/keys/signer.key" --cert "$out/keys/signer.pem" \
	--version 1.5.0 --security-version 1 --compatible 'qemu,*' \
	--image "rootfs=$work/slot-1.5.0.img:zstd" --image "firmware=$work/firmware-1.5.0.bin" \
	>/dev/null
# NAND: slot B of a second config is nandsim's /dev/mtd2, switched through a
# GRUB env block of its own (the packaged fwtool has no sim bootloader)
mkdir -p "$work/data/nand"
grub-editenv "$work/data/nand/grubenv" create
grub-editenv "$work/data/nand/grubenv" set ORDER=A A_OK=1 A_TRY=0 A_LEFT=3 B_OK=0 B_TRY=0 B_LEFT=0
printf '%s\n' '[system]' 'compatible = nandsim' 'bootloader = grub' \
	'keyring = /etc/fwtool/keyring.pem' 'statedir = state' 'lock = state/lock' \
	'cmdline = cmdline' 'check_time = false' '[grub]' 'grubenv = grubenv' \
	'[slot.fw.0]' 'device = fw-a.bin' 'type = file' 'bootname = A' \
	'[slot.fw.1]' 'device = /dev/mtd2' 'type = mtd' 'bootname = B' \
	> "$work/data/nand/nand.conf"
echo "fwtool.slot=A" > "$work/data/nand/cmdline"
head -c 1234567 /dev/urandom > "$work/nand.bin"
sha256sum < "$work/nand.bin" | cut -d' ' -f1 > "$work/data/nand/nand.sha256"
"$fwhost" bundle create -o "$work/data/nand/nand.fwb" \
	--key "$out/keys/signer.key" --cert "$out/keys/signer.pem" \
	--version 2.0.0 --compatible nandsim --image "fw=$work/nand.bin" >/dev/null
# UBI on the same nandsim chip, after the NAND test: two volumes as the
# slots of a third config, one named ubiX:NAME and one by its node
mkdir -p "$work/data/ubi"
grub-editenv "$work/data/ubi/grubenv" create
grub-editenv "$work/data/ubi/grubenv" set ORDER=A A_OK=1 A_TRY=0 A_LEFT=3 B_OK=0 B_TRY=0 B_LEFT=0
printf '%s\n' '[system]' 'compatible = nandsim' 'bootloader = grub' \
	'keyring = /etc/fwtool/keyring.pem' 'statedir = state' 'lock = state/lock' \
	'cmdline = cmdline' 'check_time = false' '[grub]' 'grubenv = grubenv' \
	'[slot.vol.0]' 'device = ubi0:root-a' 'type = ubivol' 'bootname = A' \
	'[slot.vol.1]' 'device = /dev/ubi0_1' 'type = ubivol' 'bootname = B' \
	> "$work/data/ubi/ubi.conf"
echo "fwtool.slot=A" > "$work/data/ubi/cmdline"
head -c 700001 /dev/urandom > "$work/ubi.bin"
sha256sum < "$work/ubi.bin" | cut -d' ' -f1 > "$work/data/ubi/ubi.sha256"
head -c 1200000 /dev/urandom > "$work/ubi-big.bin"
for b in ubi ubi-big; do
	"$fwhost" bundle create -o "$work/data/ubi/$b.fwb" \
		--key "$out/keys/signer.key" --cert "$out/keys/signer.pem" \
		--version 3.0.0 --compatible nandsim --image "vol=$work/$b.bin:zstd" >/dev/null
done

# --- the disk ------------------------------------------------------------------
mkdir -p "$work/bootfs/grub"
cp "$top/board/qemu-x86_64-grub/grub.cfg" "$work/bootfs/grub/"
grub-editenv "$work/bootfs/grub/grubenv" create
grub-editenv "$work/bootfs/grub/grubenv" set ORDER=A A_OK=1 A_TRY=0 A_LEFT=3 B_OK=0 B_TRY=0 B_LEFT=0
mkfs.ext2 -q -F -L boot -d "$work/bootfs" "$work/p1.img" 16M >/dev/null
mkfs.ext4 -q -F -L data -d "$work/data" "$work/p4.img" 192M >/dev/null
grub-mkimage -O i386-pc -o "$work/core.img" -p '(hd0,msdos1)/grub' \
	biosdisk part_msdos ext2 normal configfile loadenv test echo linux serial \
	terminal sleep reboot halt
img="$out/host.img"
rm -f "$img"
truncate -s 338M "$img"
sfdisk -q "$img" <<'PT'
label: dos
start=1MiB, size=16MiB, type=83, bootable
start=17MiB, size=64MiB, type=83
start=81MiB, size=64MiB, type=83
start=145MiB, size=192MiB, type=83
PT
dd if=/usr/lib/grub/i386-pc/boot.img of="$img" bs=440 count=1 conv=notrunc status=none
dd if="$work/core.img" of="$img" bs=512 seek=1 conv=notrunc status=none
dd if="$work/p1.img" of="$img" bs=1M seek=1 conv=notrunc status=none
dd if="$work/slotA.img" of="$img" bs=1M seek=17 conv=notrunc status=none
dd if="$work/p4.img" of="$img" bs=1M seek=145 conv=notrunc status=none
flash="$out/flash.img"
head -c 9M /dev/urandom > "$flash"
sfdisk -q "$flash" <<'PT'
label: dos
start=1MiB, size=4MiB, type=83
start=5MiB, size=4MiB, type=83
PT
echo "mkhost: $img (kernel $KV)"

# --- the recovery stick (scripts/mkrecovery) ---------------------------------------
"$fwhost" bundle create -o "$work/other-board.fwb" \
	--key "$out/keys/signer.key" --cert "$out/keys/signer.pem" \
	--version 9.0.0 --compatible 'acme,other' --image "rootfs=$work/slot-1.1.0.img:zstd" >/dev/null
"$fwhost" bundle create -o "$work/rescue-1.1.0.fwb" \
	--key "$out/keys/signer.key" --cert "$out/keys/signer.pem" \
	--version 1.1.0 --security-version 1 --compatible 'qemu,*' \
	--image "rootfs=$work/slot-1.1.0.img:zstd" >/dev/null
"$top/scripts/mkrecovery" -o "$out/rescue.img" --conf "$work/stick.conf" \
	--keyring "$out/keys/ca.pem" --bundle "$work/rescue-1.1.0.fwb" \
	--bundle "$work/other-board.fwb" --mount /dev/vda1:/boot:ext2 \
	--mount /dev/vda4:/data:ext4 --cache "$out" --size 128 \
	--fwtool "$build/recovery/fwtool" >/dev/null
