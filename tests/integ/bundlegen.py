# SPDX-License-Identifier: GPL-2.0-only
"""An independent writer of fwtool bundles, for tests.

It shares no code with fwtool: the manifest is built here, signed with the
openssl command line, and packed with Python's tarfile. That lets the tests
make bundles fwtool would never make (tampered, misordered, hostile) and shows
that the format is what the documentation says.
"""
import gzip
import hashlib
import io
import json
import lzma
import os
import subprocess
import tarfile


def run(*args, **kw):
    return subprocess.run(args, check=True, capture_output=True, **kw)


class Keys:
    """A test PKI made with openssl: a CA, signers good and bad, a CRL."""

    def __init__(self, d):
        self.d = d
        os.makedirs(d, exist_ok=True)
        self._ca("ca")
        self._ca("otherca")
        self.signer = self._leaf("signer", "ca")
        self.rsa = self._leaf("rsa", "ca", rsa=True)
        self.revoked = self._leaf("revoked", "ca")
        self.expired = self._leaf("expired", "ca", days="-1")
        self.stranger = self._leaf("stranger", "otherca")
        self.noeku = self._leaf("noeku", "ca", eku="serverAuth")
        # no extension at all: mbedTLS would let any usage through
        self.no_ku_ext = self._leaf("noku", "ca", ku=None)
        self.no_eku_ext = self._leaf("noekuext", "ca", eku=None)
        self.v1 = self._leaf("v1", "ca", ku=None, eku=None)
        self.other_key = self.p("otherkey.key")
        run("openssl", "genpkey", "-algorithm", "EC", "-pkeyopt",
            "ec_paramgen_curve:P-256", "-out", self.other_key)
        self._crl()
        self.keyring = self.p("ca.pem")
        self.keyring_crl = self.p("keyring-with-crl.pem")
        with open(self.keyring_crl, "w") as f:
            f.write(open(self.p("ca.pem")).read() + open(self.p("ca.crl")).read())

    def p(self, name):
        return os.path.join(self.d, name)

    def _ca(self, name):
        with open(self.p("ca.cnf"), "w") as f:
            f.write("[req]\ndistinguished_name=dn\n[dn]\n[v3]\n"
                    "basicConstraints=critical,CA:TRUE\n"
                    "keyUsage=critical,keyCertSign,cRLSign\n")
        run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
            "ec_paramgen_curve:P-256", "-nodes", "-keyout", self.p(name + ".key"),
            "-out", self.p(name + ".pem"), "-subj", "/CN=" + name, "-days", "3650",
            "-config", self.p("ca.cnf"), "-extensions", "v3")

    def _leaf(self, name, ca, rsa=False, days="365", eku="codeSigning", ku="digitalSignature",
              extra=()):
        key, crt = self.p(name + ".key"), self.p(name + ".pem")
        if rsa:
            run("openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt",
                "rsa_keygen_bits:2048", "-out", key)
        else:
            run("openssl", "genpkey", "-algorithm", "EC", "-pkeyopt",
                "ec_paramgen_curve:P-256", "-out", key)
        run("openssl", "req", "-new", "-key", key, "-out", self.p(name + ".csr"),
            "-subj", "/CN=" + name)
        ext = [] if ku is None and eku is None else ["basicConstraints=CA:FALSE"]
        ext += [f"keyUsage=critical,{ku}"] if ku else []
        ext += [f"extendedKeyUsage={eku}"] if eku else []
        ext += list(extra)
        with open(self.p(name + ".ext"), "w") as f:
            f.write("".join(line + "\n" for line in ext))
        # days="-1" makes a certificate that expired a day before it began;
        # no extensions at all makes an X.509 v1 certificate
        run("openssl", "x509", "-req", "-in", self.p(name + ".csr"), "-CA",
            self.p(ca + ".pem"), "-CAkey", self.p(ca + ".key"), "-set_serial",
            str(sum(map(ord, name)) * 7919), "-out", crt, "-days", days,
            *(["-extfile", self.p(name + ".ext")] if ext else []))
        return (key, crt)

    def long_chain(self, n):
        """a signer under @n intermediate CAs below ca: (key, chain file of
        the leaf and its intermediates)"""
        with open(self.p("int.cnf"), "w") as f:
            f.write("basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign\n")
        parent = "ca"
        for i in range(n):
            name = f"int{i}"
            run("openssl", "req", "-new", "-newkey", "ec", "-pkeyopt",
                "ec_paramgen_curve:P-256", "-nodes", "-keyout", self.p(name + ".key"),
                "-out", self.p(name + ".csr"), "-subj", "/CN=" + name)
            run("openssl", "x509", "-req", "-in", self.p(name + ".csr"), "-CA",
                self.p(parent + ".pem"), "-CAkey", self.p(parent + ".key"), "-set_serial",
                str(1000 + i), "-out", self.p(name + ".pem"), "-days", "365",
                "-extfile", self.p("int.cnf"))
            parent = name
        key, crt = self._leaf(f"deep{n}", parent)
        chain = self.p(f"deep{n}-chain.pem")
        with open(chain, "w") as f:
            for name in [f"deep{n}"] + [f"int{i}" for i in reversed(range(n))]:
                f.write(open(self.p(name + ".pem")).read())
        return key, chain

    def forged_crl_keyring(self):
        """the keyring's CA with a CRL that names it as issuer but is signed
        by another key (a keyring put together wrongly, not a bad bundle)"""
        d = self.p("forged")
        os.makedirs(d, exist_ok=True)
        open(os.path.join(d, "index.txt"), "w").close()
        with open(os.path.join(d, "crlnumber"), "w") as f:
            f.write("01\n")
        # a certificate with the CA's name and the wrong key
        run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
            "-nodes", "-keyout", os.path.join(d, "ca.key"), "-out", os.path.join(d, "ca.pem"),
            "-subj", "/CN=ca", "-days", "3650")
        with open(os.path.join(d, "crl.cnf"), "w") as f:
            f.write(f"[ca]\ndefault_ca=c\n[c]\ndatabase={d}/index.txt\n"
                    f"crlnumber={d}/crlnumber\ndefault_md=sha256\ndefault_crl_days=3650\n")
        run("openssl", "ca", "-config", os.path.join(d, "crl.cnf"), "-gencrl", "-keyfile",
            os.path.join(d, "ca.key"), "-cert", os.path.join(d, "ca.pem"), "-out",
            os.path.join(d, "ca.crl"))
        path = self.p("keyring-forged-crl.pem")
        with open(path, "w") as f:
            f.write(open(self.p("ca.pem")).read() + open(os.path.join(d, "ca.crl")).read())
        return path

    def _crl(self):
        d = self.p("cadb")
        os.makedirs(d, exist_ok=True)
        open(os.path.join(d, "index.txt"), "w").close()
        with open(os.path.join(d, "crlnumber"), "w") as f:
            f.write("01\n")
        with open(self.p("crl.cnf"), "w") as f:
            f.write(f"[ca]\ndefault_ca=c\n[c]\ndatabase={d}/index.txt\n"
                    f"crlnumber={d}/crlnumber\ndefault_md=sha256\ndefault_crl_days=3650\n")
        run("openssl", "ca", "-config", self.p("crl.cnf"), "-revoke", self.revoked[1],
            "-keyfile", self.p("ca.key"), "-cert", self.p("ca.pem"))
        run("openssl", "ca", "-config", self.p("crl.cnf"), "-gencrl", "-keyfile",
            self.p("ca.key"), "-cert", self.p("ca.pem"), "-out", self.p("ca.crl"))


def openssl_sign(key, data, pss=False):
    args = ["openssl", "dgst", "-sha256", "-sign", key]
    if pss:
        args += ["-sigopt", "rsa_padding_mode:pss"]
    return subprocess.run(args, input=data, check=True, capture_output=True).stdout


def zstd(data, *args):
    return subprocess.run(["zstd", "-q", "-c", *args], input=data, check=True,
                          capture_output=True).stdout


def compress(data, comp):
    """@comp: none, gzip, xz, zstd, or a valid variant that build tools
    write: gzip+members, xz+concat (with stream padding), zstd+frames
    (after a skippable frame), zstd+long (a 128 MiB window)"""
    half = len(data) // 2
    if comp == "gzip+members":
        return gzip.compress(data[:half]) + gzip.compress(data[half:])
    if comp == "xz+concat":
        return lzma.compress(data[:half]) + bytes(4) + lzma.compress(data[half:]) + bytes(8)
    if comp == "zstd+frames":
        skippable = b"\x50\x2a\x4d\x18" + (5).to_bytes(4, "little") + b"hello"
        return skippable + zstd(data[:half]) + zstd(data[half:])
    if comp == "zstd+long":
        return zstd(data, "--long=27")
    if comp == "gzip":
        return gzip.compress(data)
    if comp == "xz":
        return lzma.compress(data)
    if comp == "zstd":
        return subprocess.run(["zstd", "-q", "-c"], input=data, check=True,
                              capture_output=True).stdout
    return data


def image_entry(cls, data, comp="none", chunk=4096, file=None):
    if comp == "zstd-seekable":
        return seekable_entry(cls, data, chunk, file)
    stored = compress(data, comp)
    comp = comp.split("+")[0]
    chunks = "".join(hashlib.sha256(stored[i:i + chunk]).hexdigest()
                     for i in range(0, len(stored), chunk))
    ext = {"none": "", "gzip": ".gz", "xz": ".xz", "zstd": ".zst"}[comp]
    return {
        "class": cls, "file": file or f"{cls}.img{ext}", "size": len(stored),
        "installed_size": len(data), "compression": comp,
        "sha256": hashlib.sha256(data).hexdigest(), "chunk_size": chunk,
        "chunks": chunks,
    }, stored


def seekable_entry(cls, data, chunk, file=None, cuts=None):
    """fwtool's seekable form, written here with the zstd CLI, one frame per
    chunk (@cuts: other installed offsets to cut the frames at, for
    hostile cases)"""
    cuts = cuts or list(range(0, len(data), chunk))
    pieces = [data[a:b] for a, b in zip(cuts, cuts[1:] + [len(data)])]
    frames = [zstd(p) for p in pieces]
    sha = lambda b: hashlib.sha256(b).hexdigest()
    return {
        "class": cls, "file": file or f"{cls}.img.zst", "size": sum(map(len, frames)),
        "installed_size": len(data), "compression": "zstd", "sha256": sha(data),
        "chunk_size": chunk, "chunks": "".join(sha(f) for f in frames),
        "frames": [len(f) for f in frames],
        "content_chunks": "".join(sha(data[i:i + chunk])
                                  for i in range(0, len(data), chunk)),
    }, b"".join(frames)


def manifest(images, version="1.0.0", secver=1, compatible=("acme,*",)):
    return {
        "format": 1, "version": version, "security_version": secver,
        "compatible": list(compatible), "created": "2026-11-25T00:00:00Z",
        "images": images,
    }


def member(name, data, kind=tarfile.REGTYPE, link="", size=None):
    ti = tarfile.TarInfo(name)
    ti.type = kind
    ti.linkname = link
    ti.mode = 0o644
    ti.size = len(data) if size is None else size
    return ti, data


def write_tar(path, members):
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as t:
        for ti, data in members:
            if ti.type == tarfile.REGTYPE:
                t.addfile(ti, io.BytesIO(data))
            else:
                ti.size = 0
                t.addfile(ti)


def build(path, keys, images, signer=None, mutate=None, **mkw):
    """Write a bundle; @images are (class, bytes, comp) triples.
    @mutate(parts) may change the dict of parts before packing:
    manifest (dict), mjson (bytes), sig, chain, members (list)."""
    signer = signer or keys.signer
    entries, stored = [], []
    for cls, data, comp in images:
        e, s = image_entry(cls, data, comp)
        entries.append(e)
        stored.append(s)
    parts = {"manifest": manifest(entries, **mkw), "stored": stored,
             "key": signer[0], "cert": signer[1]}
    if mutate and mutate.get("manifest"):
        mutate["manifest"](parts)
    parts["mjson"] = json.dumps(parts["manifest"], indent=1).encode()
    parts["sig"] = openssl_sign(parts["key"], parts["mjson"])
    parts["chain"] = open(parts["cert"], "rb").read()
    if mutate and mutate.get("signed"):
        mutate["signed"](parts)
    parts["members"] = [member("manifest.json", parts["mjson"]),
                        member("manifest.sig", parts["sig"]),
                        member("signer.pem", parts["chain"])]
    for e, s in zip(parts["manifest"]["images"], parts["stored"]):
        parts["members"].append(member(e["file"], s))
    if mutate and mutate.get("members"):
        mutate["members"](parts)
    write_tar(path, parts["members"])
    return path
