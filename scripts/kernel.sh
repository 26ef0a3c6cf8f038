#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Debian's kernel for images built without installing it; sourced by
# scripts/mkrecovery, images/e2e/common.sh and scripts/install-deps, not run.

# The .debs the test images are made of (a kernel, dropbear, arm64 busybox,
# arm64 libfdt-dev) are not installed on this machine, only unpacked into
# images. scripts/install-deps e2e downloads them into this cache, and the
# image builders take them from there: once the dependencies are present,
# building the images (make check, make e2e) needs no network.
DEB_CACHE=${FWTOOL_DEB_CACHE:-/var/cache/fwtool/debs}

# deb_path NAME ARCH: the cached NAME_*_ARCH.deb (or _all), or nothing
deb_path() {
	local f
	for f in "$DEB_CACHE/$1"_*_"$2".deb "$DEB_CACHE/$1"_*_all.deb; do
		[ -f "$f" ] && { echo "$f"; return 0; }
	done
	return 1
}

# deb_fetch NAME ARCH: print the path of NAME:ARCH's .deb, downloading it
# into the cache only when it is not there yet
deb_fetch() {
	deb_path "$1" "$2" && return 0
	mkdir -p "$DEB_CACHE"
	(cd "$DEB_CACHE" && apt-get download -q -o APT::Sandbox::User=root "$1:$2" >/dev/null) ||
		{ echo "deb: cannot download $1:$2 (run scripts/install-deps e2e with the network)" >&2; return 1; }
	deb_path "$1" "$2"
}

# dropbear for the fleet scenario, and the libraries it links
DROPBEAR_PKGS="dropbear-bin libtomcrypt1 libtommath1 libgmp10 libcrypt1 zlib1g libc6"

# e2e_debs: every NAME:ARCH the e2e images and the recovery stick unpack
e2e_debs() {
	local kv p
	kv=$(kernel_abi)
	[ -n "$kv" ] || { echo "kernel: cannot resolve the kernel ABI (apt-get update?)" >&2; return 1; }
	echo "linux-image-$kv-amd64:amd64 linux-image-$kv-arm64:arm64 busybox-static:arm64 libfdt-dev:arm64"
	for p in $DROPBEAR_PKGS; do echo "$p:amd64 $p:arm64"; done
}

# kernel_abi: the ABI of Debian's current kernel, from linux-image-amd64's
# dependency in apt's lists (no network), never hard-coded
kernel_abi() {
	apt-cache depends linux-image-amd64 | sed -n 's/.*Depends: linux-image-\(.*\)-amd64$/\1/p' | head -1
}

# kernel_fetch ARCH OUT: extract Debian's current kernel for ARCH
# (amd64, arm64) from its .deb into OUT/kernel-KV-ARCH, once. The ABI comes
# from linux-image-amd64's dependency, never hard-coded.
# Sets KV (the ABI), kroot (the extracted tree) and moddir.
kernel_fetch() {
	local arch=$1 out=$2 deb
	KV=$(kernel_abi)
	[ -n "$KV" ] || { echo "kernel: cannot resolve the kernel ABI (apt-get update?)" >&2; return 1; }
	kroot="$out/kernel-$KV-$arch"
	if [ ! -d "$kroot/lib/modules/$KV-$arch" ]; then
		deb=$(deb_fetch "linux-image-$KV-$arch" "$arch") || return 1
		rm -rf "$kroot"
		dpkg-deb -x "$deb" "$kroot"
		depmod -b "$kroot" "$KV-$arch"
	fi
	moddir="$kroot/lib/modules/$KV-$arch"
}

# kernel_module_path NAME: the module's path relative to $moddir ('-' and
# '_' in NAME are the same, as for modprobe: xhci_pci is xhci-pci.ko)
kernel_module_path() {
	local rel
	rel=$(grep -oE "^kernel/[^:]*/${1//[-_]/[-_]}\.ko" "$moddir/modules.dep" | head -1)
	[ -n "$rel" ] || { echo "kernel: module $1 not found" >&2; return 1; }
	echo "$rel"
}

# kernel_module_add ROOT REL: REL's dependencies, then REL, into
# ROOT/lib/modules, each listed once in ROOT/etc/modules.order in load order
kernel_module_add() {
	local root=$1 rel=$2 d
	grep -qxF "$rel" "$root/etc/modules.order" 2>/dev/null && return 0
	# modules.dep lists a module's dependencies as words on one line
	# shellcheck disable=SC2013
	for d in $(grep -E "^$rel:" "$moddir/modules.dep" | cut -d: -f2); do
		kernel_module_add "$root" "$d"
	done
	install -D -m644 "$moddir/$rel" "$root/lib/modules/$rel"
	echo "$rel" >> "$root/etc/modules.order"
}

# copy_prog ROOT PROG: PROG into ROOT with the libraries it links
copy_prog() {
	install -D -m755 "$2" "$1$2"
	if ! file -L "$2" | grep -q 'statically linked'; then
		ldd "$2" | grep -o '/[^ ]*' | while read -r lib; do
			install -D -m755 "$lib" "$1$lib"
		done
	fi
}
