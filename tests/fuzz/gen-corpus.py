#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Write generated fuzz seeds (binary ones are not checked in):
bundle/: small tar bundles, valid in shape and hostile; dtb/: dtc output;
bootenv/: an environment of each bootloader backend with rule operations
(fuzz_bootenv.c)."""
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import zlib


def tar(members):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for name, data in members:
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            t.addfile(ti, io.BytesIO(data))
    return buf.getvalue()


def bundle(data, comp="none", chunk=4096, tweak=None):
    stored = zlib.compress(data) if comp == "gzip" else data
    if comp == "gzip":
        c = zlib.compressobj(wbits=31)
        stored = c.compress(data) + c.flush()
    m = {"format": 1, "version": "1.0.0", "security_version": 1, "compatible": ["a"],
         "created": "2026-01-01T00:00:00Z",
         "images": [{"class": "rootfs", "file": "rootfs.img", "size": len(stored),
                     "installed_size": len(data), "compression": comp,
                     "sha256": hashlib.sha256(data).hexdigest(), "chunk_size": chunk,
                     "chunks": "".join(hashlib.sha256(stored[i:i + chunk]).hexdigest()
                                       for i in range(0, len(stored), chunk))}]}
    if tweak:
        tweak(m)
    members = [("manifest.json", json.dumps(m).encode()), ("manifest.sig", b"\x30\x00"),
               ("signer.pem", b"-----BEGIN CERTIFICATE-----\n"), ("rootfs.img", stored)]
    return tar(members)


def seekable(data, chunk=4096):
    """the seekable zstd form: one frame per chunk, made by the zstd CLI"""
    frames = [subprocess.run(["zstd", "-q", "-c"], input=data[i:i + chunk], check=True,
                             capture_output=True).stdout for i in range(0, len(data), chunk)]
    stored = b"".join(frames)
    sha = lambda b: hashlib.sha256(b).hexdigest()
    m = {"format": 1, "version": "1.0.0", "security_version": 1, "compatible": ["a"],
         "created": "2026-01-01T00:00:00Z",
         "images": [{"class": "rootfs", "file": "rootfs.img.zst", "size": len(stored),
                     "installed_size": len(data), "compression": "zstd",
                     "sha256": sha(data), "chunk_size": chunk,
                     "chunks": "".join(map(sha, frames)), "frames": list(map(len, frames)),
                     "content_chunks": "".join(sha(data[i:i + chunk])
                                               for i in range(0, len(data), chunk))}]}
    return tar([("manifest.json", json.dumps(m).encode()), ("manifest.sig", b"\x30\x00"),
                ("signer.pem", b"-----BEGIN CERTIFICATE-----\n"), ("rootfs.img.zst", stored)])


def main(out):
    b = os.path.join(out, "bundle")
    os.makedirs(b, exist_ok=True)
    data = bytes(range(256)) * 40
    seeds = {
        "plain": bundle(data),
        "gzip": bundle(data, "gzip"),
        "bomb": bundle(bytes(100000), "gzip", tweak=lambda m: m["images"][0].update(installed_size=10)),
        "short": bundle(data)[:1500],
        "extra": bundle(data) + tar([("x", b"y")]),
    }
    if shutil.which("zstd"):
        seeds["seekable"] = seekable(bytes(range(256)) * 40 + os.urandom(6000))
    for name, blob in seeds.items():
        with open(os.path.join(b, name), "wb") as f:
            f.write(blob)
    e = os.path.join(out, "bootenv")
    os.makedirs(e, exist_ok=True)
    ops = bytes([0x08 | 0x60, 0x04, 0x01 | 0x60, 0x02 | 0x08, 0x03 | 0x60, 0x04, 0x04, 0x10])
    rauc = [b"BOOT_ORDER=B A", b"BOOT_A_LEFT=3", b"BOOT_B_LEFT=2", b"bootcmd=run ab"]
    grub = b"# GRUB Environment Block\nORDER=A A B C\nA_OK=1\nA_TRY=0\nA_LEFT=3\n" \
           b"B_OK=0\nB_TRY=1\nB_LEFT=0\nsaved_entry=x\\\\y\n"
    envs = {
        "sim": bytes([0, len(ops)]) + ops + b"\n".join(rauc) + b"\n",
        "sim-repeats": bytes([0, 3]) + ops[:3] + b"BOOT_ORDER=A A A A A\nBOOT_A_LEFT=ff\n",
        "uboot": bytes([1, len(ops)]) + ops + b"\0".join(rauc) + b"\0\0",
        "grub": bytes([2, len(ops)]) + ops + grub.ljust(1024, b"#"),
        "grub-full": bytes([2, 2]) + ops[:2] + (grub + b"X=" + b"y" * 800 + b"\n").ljust(1024, b"#"),
    }
    for name, blob in envs.items():
        with open(os.path.join(e, name), "wb") as f:
            f.write(blob)
    if shutil.which("dtc"):
        d = os.path.join(out, "dtb")
        os.makedirs(d, exist_ok=True)
        src = '/dts-v1/; / { model = "M"; compatible = "acme,x1", "soc,y"; n { p = <1>; }; };'
        subprocess.run(["dtc", "-I", "dts", "-O", "dtb", "-o", os.path.join(d, "board.dtb")],
                       input=src.encode(), check=True, capture_output=True)
        # fit/: FITs in the shape mkimage writes, signed and hashed fields
        # filled with stand-ins (a real signature cannot be fuzzed into)
        f = os.path.join(out, "fit")
        os.makedirs(f, exist_ok=True)
        sig = ('signature-1 { algo = "sha256,rsa2048"; key-name-hint = "dev"; '
               'value = [%s]; hashed-strings = <0 0x40>; };' % ("00 " * 256))
        for name, conf_sig, ext in (("signed.itb", sig, ""), ("unsigned.itb", "", ""),
                                    ("external.itb", sig, "ext")):
            data = ('data-size = <4>; data-offset = <0>;' if ext else 'data = [01 02 03 04];')
            its = ('/dts-v1/; / { description = "t"; timestamp = <1>; images { '
                   'kernel-1 { %s type = "kernel"; hash-1 { algo = "sha256"; value = [%s]; }; '
                   'hash-2 { algo = "crc32"; value = <0>; }; }; }; configurations { '
                   'default = "conf-1"; conf-1 { kernel = "kernel-1"; %s }; }; };'
                   % (data, hashlib.sha256(b"\x01\x02\x03\x04").hexdigest(), conf_sig))
            p = subprocess.run(["dtc", "-I", "dts", "-O", "dtb"], input=its.encode(),
                               check=True, capture_output=True)
            with open(os.path.join(f, name), "wb") as o:
                o.write(p.stdout + (b"\x01\x02\x03\x04" if ext else b""))


if __name__ == "__main__":
    main(sys.argv[1])
