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

# FIT images for the fit scenario (issue 15). U-Boot's control DTB is the
# one QEMU makes for this machine (dumped with the arguments tests/e2e/run.py
# boots it with) plus a required public key, as mkimage -K -r writes it; the
# scenario hands it to U-Boot with -dtb. fit-good.itb is signed by that key,
# fit-other.itb by another key of the same name; each is also in a bundle.
fit="$work/fit"
mkdir -p "$fit/keys" "$fit/other"
qemu-system-aarch64 -M virt -cpu cortex-a57 -m 256 -smp 1 -nographic -nic none \
	-bios /usr/lib/u-boot/qemu_arm64/u-boot.bin -device i6300esb \
	-machine dumpdtb="$fit/virt.dtb" >/dev/null 2>&1
head -c 65536 /dev/urandom > "$fit/kernel.bin"
echo '/dts-v1/; / { model = "fwtool router"; };' | dtc -O dtb -o "$fit/board.dtb" 2>/dev/null
cat > "$fit/fit.its" <<'ITS'
/dts-v1/;
/ {
	description = "fwtool e2e router FIT";
	#address-cells = <1>;
	images {
		kernel-1 {
			description = "not a kernel: bootm checks it, then cannot start it";
			data = /incbin/("kernel.bin");
			type = "kernel"; arch = "arm64"; os = "linux"; compression = "none";
			load = <0x48000000>; entry = <0x48000000>;
			hash-1 { algo = "sha256"; };
		};
		fdt-1 {
			description = "board";
			data = /incbin/("board.dtb");
			type = "flat_dt"; arch = "arm64"; compression = "none";
			hash-1 { algo = "sha256"; };
		};
	};
	configurations {
		default = "conf-1";
		conf-1 {
			description = "router";
			kernel = "kernel-1";
			fdt = "fdt-1";
			signature-1 {
				algo = "sha256,rsa2048";
				key-name-hint = "dev";
				sign-images = "fdt", "kernel";
			};
		};
	};
};
ITS
for k in keys other; do
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$fit/$k/dev.key" 2>/dev/null
	openssl req -batch -new -x509 -key "$fit/$k/dev.key" -out "$fit/$k/dev.crt" -subj /CN=dev
done
cp "$fit/virt.dtb" "$out/fit-ctl.dtb"
cp "$fit/virt.dtb" "$fit/throwaway.dtb"
(cd "$fit" && mkimage -f fit.its -k keys -K "$out/fit-ctl.dtb" -r "$work/data/fit-good.itb" >/dev/null &&
	mkimage -f fit.its -k other -K throwaway.dtb -r "$work/data/fit-other.itb" >/dev/null)
# tampered copies of fit-good.itb, each refused by U-Boot's bootm as by
# fwtool: a kernel byte flipped, a hash value changed, the configuration's
# signature removed, an image added to the configuration after signing
g="$work/data/fit-good.itb"
cp "$g" "$work/data/fit-data.itb"
python3 - "$work/data/fit-data.itb" "$fit/kernel.bin" <<'PY'
import sys
f, k = sys.argv[1], open(sys.argv[2], "rb").read()
d = bytearray(open(f, "rb").read())
d[d.index(k[:64]) + 1000] ^= 1
open(f, "wb").write(d)
PY
cp "$g" "$work/data/fit-hash.itb"
# shellcheck disable=SC2046
fdtput -t bx "$work/data/fit-hash.itb" /images/kernel-1/hash-1 value $(printf '00 %.0s' $(seq 32))
cp "$g" "$work/data/fit-unsigned.itb"
fdtput -r "$work/data/fit-unsigned.itb" /configurations/conf-1/signature-1
cp "$g" "$work/data/fit-added.itb"
fdtput -c "$work/data/fit-added.itb" /images/extra-1 /images/extra-1/hash-1
fdtput -t s "$work/data/fit-added.itb" /images/extra-1 type firmware
fdtput -t s "$work/data/fit-added.itb" /images/extra-1/hash-1 algo sha256
fdtput -t bx "$work/data/fit-added.itb" /images/extra-1 data 01 02
# shellcheck disable=SC2046
fdtput -t bx "$work/data/fit-added.itb" /images/extra-1/hash-1 value \
	$(printf '\001\002' | sha256sum | head -c 64 | sed 's/../& /g')
fdtput -t s "$work/data/fit-added.itb" /configurations/conf-1 loadables extra-1
cp "$out/fit-ctl.dtb" "$work/data/fit-ctl.dtb"
for f in good other data hash unsigned added; do
	"$fwhost" bundle create -o "$work/data/fit-$f.fwb" --key "$out/keys/signer.key" \
		--cert "$out/keys/signer.pem" --version 1.2.0 --security-version 1 \
		--compatible 'linux,dummy-virt' --image "rootfs=$work/data/fit-$f.itb" \
		--fit rootfs=conf-1 >/dev/null
done

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
