#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Debian's kernel for images built without installing it; sourced by
# scripts/mkrecovery and images/e2e/common.sh, not run.

# kernel_fetch ARCH OUT WORK: extract Debian's current kernel for ARCH
# (amd64, arm64) from its .deb into OUT/kernel-KV-ARCH, once. The ABI comes
# from linux-image-amd64's dependency, never hard-coded.
# Sets KV (the ABI), kroot (the extracted tree) and moddir.
kernel_fetch() {
	local arch=$1 out=$2 work=$3
	KV=$(apt-cache depends linux-image-amd64 | sed -n 's/.*Depends: linux-image-\(.*\)-amd64$/\1/p' | head -1)
	[ -n "$KV" ] || { echo "kernel: cannot resolve the kernel ABI (apt-get update?)" >&2; return 1; }
	kroot="$out/kernel-$KV-$arch"
	if [ ! -d "$kroot/lib/modules/$KV-$arch" ]; then
		(cd "$work" && apt-get download -q "linux-image-$KV-$arch:$arch" >/dev/null)
		rm -rf "$kroot"
		dpkg-deb -x "$work"/linux-image-"$KV"-"$arch"_*.deb "$kroot"
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
