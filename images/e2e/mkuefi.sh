#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Build the UEFI hypervisor-host test machine for tests/e2e: OVMF, Debian's
# systemd-boot and amd64 kernel, and a GPT disk (sfdisk, mkfs.vfat, mtools;
# no loop devices, no mounts):
#   p1 FAT32 64M the ESP: EFI/BOOT/BOOTX64.EFI (systemd-bootx64.efi), vmlinuz,
#                initrd.img (picks the slot), loader/loader.conf,
#                loader/entries/fwtool-1-a.conf and fwtool-0-b+0.conf
#   p2 ext4  64M slot A: a root file system with fwtool (version 1.0.0)
#   p3       64M slot B: empty (factory state: an entry at +0)
#   p4 ext4 192M data: fwtool state, update bundles
# and OVMF_VARS_4M.fd, copied per machine by tests/e2e/run.py. The fwtool in
# the guest is the Debian package's, as on the other boards.
# BACKEND: systemd-boot (the default), or efi: the same disk, the slots'
# system.conf saying bootloader = efi, and efibootmgr in the slots: the
# first boot (systemd-boot, through the removable-media path) creates the
# two Boot#### entries, the kernel's EFI stub with the command line in the
# entry, as an installer would; every later boot is the firmware's.
# Usage: mkuefi.sh OUTDIR [BACKEND]   (needs scripts/install-deps e2e, make e2e-images)
set -euo pipefail
out=$(realpath -m "${1:?usage: mkuefi.sh OUTDIR [systemd-boot|efi]}")
backend=${2:-systemd-boot}
top=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# shellcheck source=images/e2e/common.sh
. "$(dirname "$0")/common.sh"
fw="$build/deb/root/usr/sbin/fwtool"
[ -x "$fw" ] || { echo "mkuefi: no packaged fwtool at $fw (make e2e-images)" >&2; exit 1; }
sdboot=/usr/lib/systemd/boot/efi/systemd-bootx64.efi
ovmf=/usr/share/OVMF
for f in "$sdboot" "$ovmf/OVMF_CODE_4M.fd" "$ovmf/OVMF_VARS_4M.fd"; do
	[ -f "$f" ] || { echo "mkuefi: $f is missing (scripts/install-deps e2e)" >&2; exit 1; }
done
fetch_kernel amd64
[ -f "$out/keys/ca.pem" ] || "$top/scripts/mkkeys.sh" "$out/keys"

# in the slot's root, after the switch: the ESP, the data partition, efivarfs
# shellcheck disable=SC2016
printf '%s\n' 'mount -t vfat /dev/vda1 /boot/efi || echo "FWTEST-WARN no ESP"' \
	'mount -t ext4 /dev/vda4 /data || echo "FWTEST-WARN no /data"' \
	'mount -t efivarfs efivarfs /sys/firmware/efi/efivars || echo "FWTEST-WARN no efivarfs"' \
	> "$work/mounts.sh"
if [ "$backend" = efi ]; then
	e2e_conf efi '' dmi
	export E2E_TOOLS=/usr/bin/efibootmgr
	[ -x /usr/bin/efibootmgr ] || { echo "mkuefi: efibootmgr is missing (scripts/install-deps e2e)" >&2; exit 1; }
	# the first boot (through the removable-media path) makes the slots'
	# entries, as an installer would: A in BootOrder, B created only
	for slot in A B; do
		opt=-c
		[ $slot = A ] || opt=-C
		printf '%s\n' "/usr/bin/efibootmgr | grep -q ' $slot\$' || /usr/bin/efibootmgr -q $opt -d /dev/vda -p 1 -L $slot -l '\\vmlinuz' -u 'initrd=\\initrd.img console=ttyS0,115200 fwtool.slot=$slot panic=5 loglevel=4' || echo 'FWTEST-WARN efibootmgr'"
	done >> "$work/mounts.sh"
else
	e2e_conf systemd-boot $'[systemd-boot]\nesp = /boot/efi' dmi
fi

# slotroot VERSION HEALTH OUT: an ext4 slot holding a whole root file system
# (mkinitramfs's tree: busybox, fwtool, /etc/fwtool, the /init that runs
# confirm); the modules are the ESP initramfs's, loaded before the switch
slotroot() {
	mkinitramfs /bin/busybox "$fw" "$work/system.conf" "$1" "$2" "$work/unused.cpio"
	mkdir -p "$work/initrd-$1/boot/efi"
	rm -f "$3"
	mkfs.ext4 -q -F -L "slot-$1" -d "$work/initrd-$1" "$3" 64M >/dev/null
}
slotroot 1.0.0 healthy "$work/slotA.img"
for v in 1.1.0:healthy 1.2.0:broken 1.3.0:hang 1.4.0:panic; do
	slotroot "${v%%:*}" "${v#*:}" "$work/slot-${v%%:*}.img"
	bundle "${v%%:*}" "$work/slot-${v%%:*}.img" 'qemu,*'
done

# --- the initramfs on the ESP: load the modules, say which slot systemd-boot
# chose (the entry it saved in LoaderEntrySelected, before its rename), copy
# that slot into RAM and switch to it
r="$work/esp-initrd"
mkdir -p "$r"/{bin,proc,sys,dev,slot,newroot,etc,lib/modules}
cp /bin/busybox "$r/bin/busybox"
for a in sh mount umount insmod mkdir cat echo sed tail tr cp switch_root sleep; do
	ln -s busybox "$r/bin/$a"
done
: > "$r/etc/modules.order"
for m in crc32c_generic virtio_pci virtio_blk ext4 i6300esb fat vfat nls_cp437 nls_ascii \
	nls_utf8 efivarfs; do
	kernel_module_add "$r" "$(kernel_module_path "$m")"
done
cat > "$r/init" <<'INIT'
#!/bin/sh
export PATH=/bin
mount -t proc proc /proc; mount -t sysfs sysfs /sys; mount -t devtmpfs devtmpfs /dev
while read -r m; do insmod /lib/modules/$m || echo "FWTEST-WARN insmod $m"; done < /etc/modules.order
mount -t efivarfs efivarfs /sys/firmware/efi/efivars
slot=$(sed -n 's/.*fwtool\.slot=\([A-Za-z0-9_]*\).*/\1/p' /proc/cmdline)
sel=$(tail -c +5 /sys/firmware/efi/efivars/LoaderEntrySelected-4a67b082-0a4c-41cf-b6c7-440b29bb8c4f 2>/dev/null | tr -d '\000')
case $slot in A) dev=/dev/vda2 ;; B) dev=/dev/vda3 ;; *) dev=none ;; esac
echo "AB: chose slot $slot (systemd-boot entry $sel)"
if mount -t ext4 -o ro "$dev" /slot && mount -t tmpfs -o size=96m tmpfs /newroot &&
	cp -a /slot/. /newroot/ && umount /slot; then
	umount /sys/firmware/efi/efivars; umount /proc; umount /sys; umount /dev
	exec switch_root /newroot /init
fi
echo "FWTEST-WARN cannot start slot $slot from $dev"
exec sh
INIT
chmod +x "$r/init"
(cd "$r" && find . | cpio -o -H newc --quiet | gzip -1) > "$work/initrd.img"

# --- the ESP: FAT32, filled with mtools -------------------------------------------
esp="$work/esp.img"
rm -f "$esp"
mkfs.vfat -F 32 -n ESP -C "$esp" $((64 * 1024)) >/dev/null
export MTOOLS_SKIP_CHECK=1
mmd -i "$esp" ::/EFI ::/EFI/BOOT ::/loader ::/loader/entries
mcopy -i "$esp" "$sdboot" ::/EFI/BOOT/BOOTX64.EFI
mcopy -i "$esp" "$kroot"/boot/vmlinuz-* ::/vmlinuz
mcopy -i "$esp" "$work/initrd.img" ::/initrd.img
mcopy -i "$esp" "$top/board/qemu-x86_64-uefi/loader.conf" ::/loader/loader.conf
for e in a:A:fwtool-1-a.conf b:B:fwtool-0-b+0.conf; do
	IFS=: read -r _ slot name <<< "$e"
	printf '%s\n' "title fwtool slot $slot" 'linux /vmlinuz' 'initrd /initrd.img' \
		"options console=ttyS0,115200 fwtool.slot=$slot panic=5 loglevel=4" \
		> "$work/$name"
	mcopy -i "$esp" "$work/$name" "::/loader/entries/$name"
done

# --- the disk --------------------------------------------------------------------
mkfs.ext4 -q -F -L data -d "$work/data" "$work/p4.img" 192M >/dev/null
img="$out/uefi.img"
rm -f "$img"
truncate -s 386M "$img"
sfdisk -q "$img" <<'PT'
label: gpt
start=1MiB, size=64MiB, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name=ESP
start=65MiB, size=64MiB, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name=slot-a
start=129MiB, size=64MiB, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name=slot-b
start=193MiB, size=192MiB, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name=data
PT
dd if="$esp" of="$img" bs=1M seek=1 conv=notrunc status=none
dd if="$work/slotA.img" of="$img" bs=1M seek=65 conv=notrunc status=none
dd if="$work/p4.img" of="$img" bs=1M seek=193 conv=notrunc status=none
cp "$ovmf/OVMF_VARS_4M.fd" "$out/OVMF_VARS_4M.fd"
echo "mkuefi: $img (kernel $KV, $(basename "$sdboot"))"
