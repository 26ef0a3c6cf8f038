#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Generate the hostile-bundle corpus: one file per case, named after what it
asserts, with the exit code and message fwtool must give. Nothing binary is
checked in; run as a script to write the corpus to a directory:
    tests/hostile/gen_corpus.py OUTDIR      (writes OUTDIR/cases.tsv too)
"""
import json
import os
import sys
import tarfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integ"))
import bundlegen as bg  # noqa: E402

# A 5-chunk image (4 KiB chunks) so that "chunk 3" exists.
IMG = bytes(range(256)) * 80


def flip(b, off):
    b = bytearray(b)
    b[off] ^= 0x01
    return bytes(b)


def m_set(key, value):
    return {"manifest": lambda p: p["manifest"].update({key: value})}


def img_set(key, value):
    return {"manifest": lambda p: p["manifest"]["images"][0].update({key: value})}


def resigned(fn):
    """the manifest's bytes changed by @fn, then signed as they are"""
    def mutate(p):
        p["mjson"] = fn(p["mjson"])
        p["sig"] = bg.openssl_sign(p["key"], p["mjson"])
    return {"signed": mutate}


def der_long_length(sig):
    """SEQUENCE length in long form (0x81 LL) where the short form fits"""
    assert sig[0] == 0x30 and sig[1] < 0x80
    return b"\x30\x81" + sig[1:]


def der_padded_r(sig):
    """r with one more leading zero byte than its shortest form"""
    assert sig[0] == 0x30 and sig[2] == 0x02
    rlen = sig[3]
    body = b"\x02" + bytes([rlen + 1]) + b"\x00" + sig[4:4 + rlen] + sig[4 + rlen:]
    return bytes([0x30, len(body)]) + body


def members(fn):
    return {"members": fn}


def cases(keys):
    """(name, builder kwargs, expected exit, message fragment, extra args)"""
    big = "x" * 200
    return [
        ("good", {}, 0, "", ()),
        ("tampered-manifest", {"signed": lambda p: p.update(mjson=p["mjson"].replace(b'"1.0.0"', b'"1.0.1"'))},
         3, "signature does not verify", ()),
        ("chunk-3-tampered", members(lambda p: p["members"].__setitem__(
            3, bg.member("rootfs.img", flip(p["stored"][0], 3 * 4096 + 7)))), 3, "chunk 3", ()),
        # verify hashes every image whole too (install proves an
        # uncompressed one by its chunks, and does not hash it twice)
        ("final-image-hash-wrong", img_set("sha256", "ab" * 32), 3, "installed content", ()),
        ("final-image-hash-wrong-gzip", img_set("sha256", "ab" * 32), 3, "installed content",
         ("gzip",)),
        ("wrong-signing-key", {"signed": lambda p: p.update(sig=bg.openssl_sign(keys.other_key, p["mjson"]))},
         3, "signature does not verify", ()),
        ("signer-not-chained", {"signer": keys.stranger}, 3, "does not chain", ()),
        ("revoked-signer", {"signer": keys.revoked}, 3, "revoked", ("--keyring", keys.keyring_crl)),
        ("expired-signer", {"signer": keys.expired}, 3, "expired", ()),
        ("signer-without-codesigning", {"signer": keys.noeku}, 3, "codeSigning", ()),
        ("signer-without-keyusage", {"signer": keys.no_ku_ext}, 3, "no keyUsage", ()),
        ("signer-without-extkeyusage", {"signer": keys.no_eku_ext}, 3, "no extendedKeyUsage", ()),
        ("signer-x509-v1", {"signer": keys.v1}, 3, "X.509 v3", ()),
        ("sig-der-long-length", {"signed": lambda p: p.update(sig=der_long_length(p["sig"]))},
         3, "canonical DER", ()),
        ("sig-der-padded-integer", {"signed": lambda p: p.update(sig=der_padded_r(p["sig"]))},
         3, "canonical DER", ()),
        ("semver-leading-zero", m_set("version", "1.2.3-01"), 3, "semantic version", ()),
        ("manifest-repeated-key", resigned(lambda j: j.replace(
            b'"version": "1.0.0"', b'"version": "1.0.0",\n "version": "9.0.0"', 1)),
         3, "a key appears twice", ()),
        ("manifest-repeated-key-nested", resigned(lambda j: j.replace(
            b'"class": "rootfs"', b'"class": "rootfs",\n "class": "rootfs"', 1)),
         3, "a key appears twice", ()),
        ("manifest-raw-control-char", resigned(lambda j: j.replace(
            b'"created": "2026-11-25T00:00:00Z"',
            b'"created": "2026-11-25T00:00:00Z", "description": "\x1b[2J"', 1)),
         3, "raw control character", ()),
        ("duplicate-member", members(lambda p: p["members"].insert(4, p["members"][3])), 3, "duplicate member", ()),
        ("unknown-member", members(lambda p: p["members"].insert(3, bg.member("extra.txt", b"hi"))),
         3, "unexpected member 'extra.txt'", ()),
        ("member-after-images", members(lambda p: p["members"].append(bg.member("late.txt", b"x"))),
         3, "after the last image", ()),
        ("member-out-of-order", members(lambda p: p["members"].insert(0, p["members"].pop(1))),
         3, "unexpected member 'manifest.sig'", ()),
        ("path-traversal", members(lambda p: p["members"].insert(3, bg.member("../evil", b"x"))),
         3, "paths are not allowed", ()),
        ("absolute-path", members(lambda p: p["members"].insert(3, bg.member("/etc/evil", b"x"))),
         3, "paths are not allowed", ()),
        ("symlink-member", members(lambda p: p["members"].insert(3, bg.member("rootfs.img", b"", tarfile.SYMTYPE, "/dev/sda"))),
         3, "is a link", ()),
        ("hardlink-member", members(lambda p: p["members"].insert(3, bg.member("rootfs.img", b"", tarfile.LNKTYPE, "manifest.json"))),
         3, "is a link", ()),
        ("device-member", members(lambda p: p["members"].insert(3, bg.member("rootfs.img", b"", tarfile.BLKTYPE))),
         3, "not a regular file", ()),
        ("member-larger-than-declared", members(lambda p: p["members"].__setitem__(
            3, bg.member("rootfs.img", p["stored"][0] + b"more"))), 3, "more than the", ()),
        ("decompression-bomb", {"manifest": lambda p: p["manifest"]["images"][0].update(installed_size=1000)},
         3, "more than the declared 1000 bytes", ("gzip",)),
        ("version-too-long", m_set("version", "1.0.0-" + big), 3, "too long", ()),
        ("too-many-compatible", m_set("compatible", ["a"] * 40), 3, "compatible", ()),
        ("chunk-size-not-power-of-two", img_set("chunk_size", 5000), 3, "chunk_size", ()),
        ("malformed-json", {"signed": lambda p: p.update(mjson=b'{"format": 1,', sig=bg.openssl_sign(p["key"], b'{"format": 1,'))},
         3, "malformed JSON", ()),
        ("unsupported-format", m_set("format", 2), 3, "unsupported bundle format 2", ()),
        ("downgrade", m_set("security_version", 1), 3, "below this device's floor 5", ("floor",)),
        ("incompatible-board", m_set("compatible", ["other,board"]), 4, "this board is", ()),
    ]


TRUNCATE_AT = [100, 600, 1600, 3000, 9000]


def generate(outdir, keys):
    """Write every case; return [(name, path, exit, message, extra)]."""
    os.makedirs(outdir, exist_ok=True)
    out = []
    for name, mut, code, msg, extra in cases(keys):
        comp = "gzip" if "gzip" in extra else "none"
        kw = {k: v for k, v in mut.items() if k == "signer"}
        mutate = {k: v for k, v in mut.items() if k != "signer"}
        path = os.path.join(outdir, name + ".fwb")
        bg.build(path, keys, [("rootfs", IMG, comp)], mutate=mutate, **kw)
        out.append((name, path, code, msg, tuple(e for e in extra if e != "gzip")))
    good = open(os.path.join(outdir, "good.fwb"), "rb").read()
    for n in TRUNCATE_AT:
        path = os.path.join(outdir, f"truncated-at-{n}.fwb")
        with open(path, "wb") as f:
            f.write(good[:n])
        out.append((f"truncated-at-{n}", path, 3, "", ()))
    with open(os.path.join(outdir, "cases.tsv"), "w") as f:
        for name, path, code, msg, extra in out:
            f.write(f"{name}\t{code}\t{msg}\t{json.dumps(extra)}\n")
    return out


if __name__ == "__main__":
    d = sys.argv[1]
    generate(d, bg.Keys(os.path.join(d, "pki")))
