#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# shellcheck disable=SC2154  # out, work and top are set by the caller
# Shared by mkhost.sh and mkrouter.sh; sourced, not run. The caller sets:
#   out (output folder), work (scratch folder), top (source tree)

# shellcheck source=scripts/kernel.sh
. "$top/scripts/kernel.sh"

# the test build (make e2e: build/test); its fwtool makes the bundles here
build=${FWTOOL_BUILD:-$top/build/test}
fwhost="$build/fwtool"

# fetch_kernel ARCH: Debian's kernel for ARCH into $out (sets KV kroot moddir)
fetch_kernel() {
	kernel_fetch "$1" "$out"
}

# dropbear_fetch ARCH: Debian's dropbear and the libraries it links, for
# ARCH, unpacked into $out/dropbear; and the key the fleet scenario logs in
# with ($out/keys/fleet_ed25519). The boards get an SSH server only for the
# fleet scenario (tests/e2e/fleet.py): it starts where QEMU gave a NIC.
dropbear_fetch() {
	local arch=$1 d="$out/dropbear" p deb
	[ -f "$out/keys/fleet_ed25519" ] ||
		ssh-keygen -q -t ed25519 -N '' -C fwtool-e2e -f "$out/keys/fleet_ed25519"
	local pkgs="$DROPBEAR_PKGS"
	[ "$(cat "$d/.packages" 2>/dev/null)" = "$pkgs" ] && return 0
	rm -rf "$d"
	mkdir -p "$d"
	for p in $pkgs; do
		deb=$(deb_fetch "$p" "$arch") || return 1
		dpkg-deb -x "$deb" "$d"
	done
	echo "$pkgs" > "$d/.packages"
}

# copy_elf ROOT SYSROOT FILE: SYSROOT/FILE into ROOT/FILE with its ELF
# interpreter and every library it needs, found in SYSROOT (any
# architecture: readelf, not ldd)
copy_elf() {
	local root=$1 sys=$2 file=$3 lib path
	[ -e "$root$file" ] && return 0
	install -D -m755 "$(readlink -f "$sys$file")" "$root$file"
	path=$(readelf -l "$sys$file" | sed -n 's/.*interpreter: \(.*\)]$/\1/p')
	[ -z "$path" ] || copy_elf "$root" "$sys" "$path"
	for lib in $(readelf -d "$sys$file" | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p'); do
		path=$(find "$sys/lib" "$sys/usr/lib" -name "$lib" 2>/dev/null | head -1)
		[ -n "$path" ] || { echo "copy_elf: $lib (for $file) not in $sys" >&2; return 1; }
		copy_elf "$root" "$sys" "${path#"$sys"}"
	done
}

# ssh_server ROOT: dropbear, root's login with the fleet key, in ROOT
ssh_server() {
	local r=$1
	copy_elf "$r" "$out/dropbear" /usr/sbin/dropbear
	mkdir -p "$r/etc/dropbear" "$r/root/.ssh"
	echo 'root:x:0:0:root:/root:/bin/sh' > "$r/etc/passwd"
	echo 'root:x:0:' > "$r/etc/group"
	echo /bin/sh > "$r/etc/shells"
	cp "$out/keys/fleet_ed25519.pub" "$r/root/.ssh/authorized_keys"
	chmod 700 "$r/root" "$r/root/.ssh"
	chmod 600 "$r/root/.ssh/authorized_keys"
}

# mkinitramfs BUSYBOX FWTOOL SYSTEM_CONF VERSION HEALTH OUT MODULE...:
# busybox, fwtool (and its libraries when dynamic), the modules in
# dependency order (late:NAME: only its dependencies are loaded at boot; the
# module is /lib/modules/late/NAME.ko, for a test to load with parameters),
# the programs in $E2E_TOOLS, /etc/fwtool (system.conf, keyring, one health
# check that passes, fails, or freezes fwtool), dropbear where
# dropbear_fetch ran, and an /init that runs confirm (after it started
# dropbear, when QEMU gave the machine a NIC).
mkinitramfs() {
	local busybox=$1 fw=$2 conf=$3 version=$4 health=$5 dest=$6
	shift 6
	local r="$work/initrd-$version"
	rm -rf "$r"
	mkdir -p "$r"/{bin,sbin,usr/sbin,etc/fwtool/health.d/required,proc,sys,dev,tmp,boot,data,lib/modules,run,var/lock}
	cp "$busybox" "$r/bin/busybox"
	for a in sh mount umount insmod mkdir cat echo sleep ls sed grep dd sync reboot \
		head tail printf tr cut wc cp mv rm uname setsid cttyhack kill ps pidof \
		stat dmesg readlink true false ip; do
		ln -s busybox "$r/bin/$a"
	done
	copy_prog "$r" "$fw"
	mv "$r$fw" "$r/usr/sbin/fwtool"
	for p in ${E2E_TOOLS:-}; do copy_prog "$r" "$p"; done
	[ ! -d "$out/dropbear" ] || ssh_server "$r"
	: > "$r/etc/modules.order"
	for m in "$@"; do
		rel=$(kernel_module_path "${m#late:}") || exit 1
		if [ "$m" = "${m#late:}" ]; then
			kernel_module_add "$r" "$rel"
			continue
		fi
		# shellcheck disable=SC2013
		for d in $(grep -E "^$rel:" "$moddir/modules.dep" | cut -d: -f2); do
			kernel_module_add "$r" "$d"
		done
		install -D -m644 "$moddir/$rel" "$r/lib/modules/late/${m#late:}.ko"
	done
	echo "$version" > "$r/etc/slot-version"
	cp "$out/keys/ca.pem" "$r/etc/fwtool/keyring.pem"
	cp "$conf" "$r/etc/fwtool/system.conf"
	[ ! -f "$out/fw_env.config" ] || cp "$out/fw_env.config" "$r/etc/fw_env.config"
	local check="$r/etc/fwtool/health.d/required/10-service"
	# $PPID in the hang check is the guest's, expanded there, not here
	# shellcheck disable=SC2016
	case $health in
	healthy) printf '#!/bin/sh\necho "service %s up"\n' "$version" > "$check" ;;
	broken) printf '#!/bin/sh\necho "service %s: connection refused"\nexit 1\n' "$version" > "$check" ;;
	# the kernel panics before userspace gets anywhere (panic=5 reboots)
	panic) printf '#!/bin/sh\nexit 0\n' > "$check"; touch "$r/etc/panic" ;;
	# fwtool itself stops answering: no more petting, the watchdog fires
	hang) printf '#!/bin/sh\necho "freezing fwtool"\nkill -STOP $PPID\nsleep 1000\n' > "$check" ;;
	esac
	chmod +x "$check"
	cat > "$r/init" <<-'INIT'
	#!/bin/sh
	export PATH=/bin:/sbin:/usr/sbin
	mount -t proc proc /proc; mount -t sysfs sysfs /sys; mount -t devtmpfs devtmpfs /dev
	while read -r m; do insmod /lib/modules/$m || echo "FWTEST-WARN insmod $m"; done < /etc/modules.order
	if [ -f /etc/panic ]; then echo "FWTEST-PANIC"; echo c > /proc/sysrq-trigger; fi
	. /etc/mounts.sh
	echo "FWTEST-USERSPACE version=$(cat /etc/slot-version) cmdline=$(cat /proc/cmdline)"
	# QEMU's user network (10.0.2.0/24) where the test gave a NIC: SSH in
	if [ -x /usr/sbin/dropbear ] && ip link set eth0 up 2>/dev/null; then
		ip link set lo up
		ip addr add 10.0.2.15/24 dev eth0
		ip route add default via 10.0.2.2
		mkdir -p /dev/pts && mount -t devpts devpts /dev/pts
		dropbear -R -s -E -p 22 -P /run/dropbear.pid 2>/tmp/dropbear.log &&
			echo "FWTEST-SSH up"
	fi
	fwtool confirm
	echo "FWTEST-CONFIRM rc=$?"
	export PS1='FWSH# '
	exec setsid cttyhack sh
	INIT
	chmod +x "$r/init"
	cp "$work/mounts.sh" "$r/etc/mounts.sh"
	(cd "$r" && find . | cpio -o -H newc --quiet | gzip -1) > "$dest"
}

# bundle VERSION SLOTIMAGE COMPATIBLE: a signed update into $work/data; a
# board whose rootfs carries other slots with it (parent =) sets
# E2E_BUNDLE_IMAGES to their --image arguments: a bundle carries its group
bundle() {
	mkdir -p "$work/data"
	# E2E_BUNDLE_IMAGES is a list of words
	# shellcheck disable=SC2086
	"$fwhost" bundle create -o "$work/data/update-$1.fwb" \
		--key "$out/keys/signer.key" --cert "$out/keys/signer.pem" \
		--version "$1" --security-version 1 --compatible "$3" \
		--image "rootfs=$2:zstd" ${E2E_BUNDLE_IMAGES:-} >/dev/null
	# and beside the image, for a server on the host side to serve
	mkdir -p "$out/data"
	cp "$work/data/update-$1.fwb" "$out/data/"
}

# e2e_conf BOOTLOADER SECTION COMPATIBLE [SLOTS]: $work/system.conf for a
# test machine; the bootloader, its section and extra slots differ
e2e_conf() {
	{
		printf '[system]\ncompatible = %s\nbootloader = %s\n' "$3" "$1"
		printf '%s\n' 'keyring = /etc/fwtool/keyring.pem' 'statedir = /data/fwtool' \
			'max_tries = 2' 'check_time = false' "$2" \
			'[watchdog]' 'device = /dev/watchdog0' 'timeout = 10' \
			'[confirm]' 'deadline = 120' 'reboot_cmd = reboot -f' \
			'[slot.rootfs.0]' 'device = /dev/vda2' 'type = block' 'bootname = A' \
			'[slot.rootfs.1]' 'device = /dev/vda3' 'type = block' 'bootname = B' \
			"${4:-}"
	} > "$work/system.conf"
}

# slotimage KERNEL BUSYBOX FWTOOL SIZE VERSION HEALTH OUT: an ext4 slot with
# /boot/KERNEL (from the extracted kernel) and /boot/initrd.img
slotimage() {
	local kname=$1 busybox=$2 fw=$3 size=$4 version=$5 health=$6 dest=$7
	local s="$work/slot-$version-$health"
	mkdir -p "$s/boot"
	cp "$kroot"/boot/vmlinuz-* "$s/boot/$kname"
	# E2E_MODULES is a list of words
	# shellcheck disable=SC2086
	mkinitramfs "$busybox" "$fw" "$work/system.conf" "$version" "$health" \
		"$s/boot/initrd.img" crc32c_generic virtio_pci virtio_blk ext4 i6300esb virtio_net \
		${E2E_MODULES:-}
	rm -f "$dest"
	mkfs.ext4 -q -F -L "slot-$version" -d "$s" "$dest" "$size" >/dev/null
}

# slots_and_bundles KERNEL BUSYBOX FWTOOL SIZE COMPATIBLE: slot A (1.0.0) and
# the four updates: healthy, a failing check, fwtool freezing, a kernel panic
slots_and_bundles() {
	slotimage "$1" "$2" "$3" "$4" 1.0.0 healthy "$work/slotA.img"
	for v in 1.1.0:healthy 1.2.0:broken 1.3.0:hang 1.4.0:panic; do
		slotimage "$1" "$2" "$3" "$4" "${v%%:*}" "${v#*:}" "$work/slot-${v%%:*}.img"
		bundle "${v%%:*}" "$work/slot-${v%%:*}.img" "$5"
	done
}
