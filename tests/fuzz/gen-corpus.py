#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Write generated fuzz seeds (binary ones are not checked in):
bundle/: small tar bundles, valid in shape and hostile; dtb/: dtc output."""
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
    for name, blob in seeds.items():
        with open(os.path.join(b, name), "wb") as f:
            f.write(blob)
    if shutil.which("dtc"):
        d = os.path.join(out, "dtb")
        os.makedirs(d, exist_ok=True)
        src = '/dts-v1/; / { model = "M"; compatible = "acme,x1", "soc,y"; n { p = <1>; }; };'
        subprocess.run(["dtc", "-I", "dts", "-O", "dtb", "-o", os.path.join(d, "board.dtb")],
                       input=src.encode(), check=True, capture_output=True)


if __name__ == "__main__":
    main(sys.argv[1])
