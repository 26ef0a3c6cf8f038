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
# Usage: mkhost.sh OUTDIR   (needs scripts/install-deps e2e, build/fwtool)
set -euo pipefail
out=$(realpath -m "${1:?usage: mkhost.sh OUTDIR}")
top=$(cd "$(dirname "$0")/../.." && pwd)
fw="$top/build/fwtool"
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# --- kernel: extracted from the .deb, never installed; ABI resolved here ---
KV=$(apt-cache depends linux-image-amd64 | sed -n 's/.*Depends: linux-image-\(.*\)-amd64$/\1/p' | head -1)
[ -n "$KV" ] || { echo "mkhost: cannot resolve the kernel ABI (apt-get update?)" >&2; exit 1; }
kroot="$out/kernel-$KV"
if [ ! -f "$kroot/boot/vmlinuz-$KV-amd64" ]; then
	(cd "$work" && apt-get download -q "linux-image-$KV-amd64" >/dev/null)
	rm -rf "$kroot"
	dpkg-deb -x "$work"/linux-image-"$KV"-amd64_*.deb "$kroot"
	depmod -b "$kroot" "$KV-amd64"
fi
moddir="$kroot/lib/modules/$KV-amd64"

# --- keys and the bundle signer ------------------------------------------------
[ -f "$out/keys/ca.pem" ] || "$top/scripts/mkkeys.sh" "$out/keys"

# initramfs SLOTVERSION HEALTH OUT: busybox, modules, fwtool and its libraries,
# /etc/fwtool (system.conf, keyring, a health check), /init
mkinitramfs() {
	local version=$1 health=$2 dest=$3
	local r="$work/initrd-$version"
	rm -rf "$r"
	mkdir -p "$r"/{bin,sbin,usr/sbin,etc/fwtool/health.d/required,proc,sys,dev,tmp,boot,data,lib/modules,run}
	cp /bin/busybox "$r/bin/busybox"
	for a in sh mount umount insmod mkdir cat echo sleep ls sed grep dd sync reboot \
		head tail printf tr cut wc cp mv rm uname setsid cttyhack kill ps pidof \
		stat dmesg readlink true false; do
		ln -s busybox "$r/bin/$a"
	done
	cp "$fw" "$r/usr/sbin/fwtool"
	# the libraries the dynamic fwtool needs, as ldd finds them
	ldd "$fw" | grep -o '/[^ ]*' | while read -r lib; do
		install -D -m755 "$lib" "$r$lib"
	done
	: > "$r/etc/modules.order"
	declare -A seen=()
	add() {
		local rel=$1 d
		[ -n "${seen[$rel]:-}" ] && return
		seen[$rel]=1
		# modules.dep lists a module's dependencies as words on one line
		# shellcheck disable=SC2013
		for d in $(grep -E "^$rel:" "$moddir/modules.dep" | cut -d: -f2); do add "$d"; done
		install -D -m644 "$moddir/$rel" "$r/lib/modules/$rel"
		echo "$rel" >> "$r/etc/modules.order"
	}
	for m in crc32c_generic virtio_pci virtio_blk ext4 i6300esb; do
		rel=$(grep -oE "^kernel/[^:]*/$m\.ko" "$moddir/modules.dep" | head -1)
		[ -n "$rel" ] || { echo "mkhost: module $m not found" >&2; exit 1; }
		add "$rel"
	done
	echo "$version" > "$r/etc/slot-version"
	cp "$out/keys/ca.pem" "$r/etc/fwtool/keyring.pem"
	cat > "$r/etc/fwtool/system.conf" <<-EOF
	[system]
	compatible = dmi
	bootloader = grub
	keyring = /etc/fwtool/keyring.pem
	statedir = /data/fwtool
	max_tries = 2
	[grub]
	grubenv = /boot/grub/grubenv
	[watchdog]
	device = /dev/watchdog0
	timeout = 10
	[confirm]
	deadline = 120
	reboot_cmd = reboot -f
	[slot.rootfs.0]
	device = /dev/vda2
	type = block
	bootname = A
	[slot.rootfs.1]
	device = /dev/vda3
	type = block
	bootname = B
	EOF
	local check="$r/etc/fwtool/health.d/required/10-service"
	# $PPID in the hang check is the guest's, expanded there, not here
	# shellcheck disable=SC2016
	case $health in
	healthy) printf '#!/bin/sh\necho "service %s up"\n' "$version" > "$check" ;;
	broken) printf '#!/bin/sh\necho "service %s: connection refused"\nexit 1\n' "$version" > "$check" ;;
	# fwtool itself stops answering: no more petting, the watchdog fires
	hang) printf '#!/bin/sh\necho "freezing fwtool"\nkill -STOP $PPID\nsleep 1000\n' > "$check" ;;
	esac
	chmod +x "$check"
	cat > "$r/init" <<-'EOF'
	#!/bin/sh
	export PATH=/bin:/sbin:/usr/sbin
	mount -t proc proc /proc; mount -t sysfs sysfs /sys; mount -t devtmpfs devtmpfs /dev
	while read -r m; do insmod /lib/modules/$m || echo "FWTEST-WARN insmod $m"; done < /etc/modules.order
	mount -t ext2 /dev/vda1 /boot || echo "FWTEST-WARN no /boot"
	mount -t ext4 /dev/vda4 /data || echo "FWTEST-WARN no /data"
	echo "FWTEST-USERSPACE version=$(cat /etc/slot-version) cmdline=$(cat /proc/cmdline)"
	fwtool confirm
	echo "FWTEST-CONFIRM rc=$?"
	export PS1='FWSH# '
	exec setsid cttyhack sh
	EOF
	chmod +x "$r/init"
	(cd "$r" && find . | cpio -o -H newc --quiet | gzip -1) > "$dest"
}

# slotimage VERSION HEALTH OUT: an ext4 slot holding the kernel and initramfs
slotimage() {
	local version=$1 health=$2 dest=$3 s="$work/slot-$1-$2"
	mkdir -p "$s/boot"
	cp "$kroot/boot/vmlinuz-$KV-amd64" "$s/boot/vmlinuz"
	mkinitramfs "$version" "$health" "$s/boot/initrd.img"
	rm -f "$dest"
	mkfs.ext4 -q -F -L "slot-$version" -d "$s" "$dest" 64M
}

slotimage 1.0.0 healthy "$work/slotA.img"
for v in 1.1.0:healthy 1.2.0:broken 1.3.0:hang; do
	ver=${v%%:*} health=${v#*:}
	slotimage "$ver" "$health" "$work/slot-$ver.img"
	mkdir -p "$work/data"
	"$fw" bundle create -o "$work/data/update-$ver.fwb" --key "$out/keys/signer.key" \
		--cert "$out/keys/signer.pem" --version "$ver" --security-version 1 \
		--compatible 'qemu,*' --image "rootfs=$work/slot-$ver.img:zstd" >/dev/null
done

# --- the disk ------------------------------------------------------------------
mkdir -p "$work/bootfs/grub"
cp "$top/board/qemu-x86_64-grub/grub.cfg" "$work/bootfs/grub/"
grub-editenv "$work/bootfs/grub/grubenv" create
grub-editenv "$work/bootfs/grub/grubenv" set ORDER=A A_OK=1 A_TRY=0 A_LEFT=3 B_OK=0 B_TRY=0 B_LEFT=0
mkfs.ext2 -q -F -L boot -d "$work/bootfs" "$work/p1.img" 16M
mkfs.ext4 -q -F -L data -d "$work/data" "$work/p4.img" 192M
grub-mkimage -O i386-pc -o "$work/core.img" -p '(hd0,msdos1)/grub' \
	biosdisk part_msdos ext2 normal configfile loadenv test echo linux serial \
	terminal sleep reboot halt
img="$out/host.img"
rm -f "$img"
truncate -s 338M "$img"
sfdisk -q "$img" <<-'EOF'
label: dos
start=1MiB, size=16MiB, type=83, bootable
start=17MiB, size=64MiB, type=83
start=81MiB, size=64MiB, type=83
start=145MiB, size=192MiB, type=83
EOF
dd if=/usr/lib/grub/i386-pc/boot.img of="$img" bs=440 count=1 conv=notrunc status=none
dd if="$work/core.img" of="$img" bs=512 seek=1 conv=notrunc status=none
dd if="$work/p1.img" of="$img" bs=1M seek=1 conv=notrunc status=none
dd if="$work/slotA.img" of="$img" bs=1M seek=17 conv=notrunc status=none
dd if="$work/p4.img" of="$img" bs=1M seek=145 conv=notrunc status=none
echo "mkhost: $img (kernel $KV)"
