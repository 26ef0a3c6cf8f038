# SPDX-License-Identifier: GPL-2.0-only
"""bundle create, info, verify: formats, compression, openssl interop."""
import json
import os
import shutil
import subprocess
import tarfile

import bundlegen as bg
import pytest
from conftest import FWTOOL, fw, rand_file, wait_for


@pytest.mark.parametrize("comp", ["none", "gzip", "xz", "zstd"])
def test_create_then_verify_each_compression(keys, tmp_path, comp):
    img = rand_file(tmp_path / "root.img", 3 << 20, zero_tail=2 << 20)
    out = tmp_path / "b.fwb"
    fw("bundle", "create", "-o", out, "--key", keys.signer[0], "--cert", keys.signer[1],
       "--version", "2.1.0", "--compatible", "acme,*", "--image", f"rootfs={img}:{comp}",
       expect=0)
    r = fw("verify", "--json", "--keyring", keys.keyring, "--compatible", "acme,x1", out,
           expect=0)
    doc = json.loads(r.out)
    assert doc["schema"] == "fwtool.verify/1" and doc["result"] == "ok"
    im = doc["manifest"]["images"][0]
    assert im["compression"] == comp and im["installed_size"] == 5 << 20


@pytest.mark.parametrize("comp", ["gzip+members", "xz+concat", "zstd+frames", "zstd+long"])
def test_valid_streams_build_tools_write_are_taken(keys, tmp_path, comp):
    """several gzip members, xz streams with stream padding, zstd frames
    after a skippable frame, a zstd window of 2^27 ('zstd --long'): valid
    streams, written by build systems; verify decodes each whole"""
    data = open(rand_file(tmp_path / "root.img", 3 << 20, zero_tail=1 << 20), "rb").read()
    b = bg.build(str(tmp_path / "b.fwb"), keys, [("rootfs", data, comp)])
    r = fw("verify", "--json", "--keyring", keys.keyring, "--compatible", "acme,x1", b)
    assert r.rc == 0, r.err
    assert json.loads(r.out)["manifest"]["images"][0]["installed_size"] == 4 << 20


def test_bundle_layout_is_plain_tar_in_order(mkbundle, tmp_path):
    a = rand_file(tmp_path / "a", 10000)
    b = rand_file(tmp_path / "b", 20000)
    out = mkbundle([("rootfs", a), ("router-fw", b)])
    with tarfile.open(out) as t:
        names = [m.name for m in t.getmembers()]
        assert all(m.isreg() for m in t.getmembers())
    assert names == ["manifest.json", "manifest.sig", "signer.pem",
                     "rootfs.img", "router-fw.img"]


def test_fwtool_signature_verifies_with_openssl(mkbundle, keys, tmp_path):
    out = mkbundle([("rootfs", rand_file(tmp_path / "a", 5000))])
    with tarfile.open(out) as t:
        t.extract("manifest.json", tmp_path)
        t.extract("manifest.sig", tmp_path)
    subprocess.run(["openssl", "x509", "-in", keys.signer[1], "-pubkey", "-noout",
                    "-out", tmp_path / "pub.pem"], check=True)
    r = subprocess.run(["openssl", "dgst", "-sha256", "-verify", tmp_path / "pub.pem",
                        "-signature", tmp_path / "manifest.sig", tmp_path / "manifest.json"],
                       capture_output=True, text=True)
    assert "Verified OK" in r.stdout


@pytest.mark.parametrize("signer,sigopt", [("signer", ""), ("rsa", ""),
                                           ("rsa", "-sigopt rsa_padding_mode:pss")])
def test_sign_cmd_with_openssl(keys, tmp_path, signer, sigopt):
    key, cert = getattr(keys, signer)
    out = tmp_path / "b.fwb"
    fw("bundle", "create", "-o", out, "--sign-cmd",
       f"openssl dgst -sha256 -sign {key} {sigopt}", "--cert", cert, "--version", "1.0.0",
       "--compatible", "acme,*", "--image", f"rootfs={rand_file(tmp_path / 'i', 9000)}",
       expect=0)
    fw("verify", "--keyring", keys.keyring, "--compatible", "acme,1", out, expect=0)


def test_openssl_signed_manifest_is_accepted(keys, tmp_path):
    """A bundle written by the independent generator (openssl signature)."""
    path = bg.build(str(tmp_path / "x.fwb"), keys, [("rootfs", os.urandom(20000), "zstd")])
    fw("verify", "--keyring", keys.keyring, "--compatible", "acme,1", path, expect=0)


def test_sign_key_must_match_cert(keys, tmp_path):
    r = fw("bundle", "create", "-o", tmp_path / "b.fwb", "--key", keys.other_key,
           "--cert", keys.signer[1], "--version", "1.0.0", "--compatible", "a",
           "--image", f"rootfs={rand_file(tmp_path / 'i', 100)}")
    assert r.rc == 3 and "does not match --cert" in r.err, r
    assert not (tmp_path / "b.fwb").exists()
    assert not [p for p in os.listdir(tmp_path) if ".tmp-" in p]


def test_info_shows_manifest_and_no_verify_warns(mkbundle, keys, tmp_path):
    out = mkbundle([("rootfs", rand_file(tmp_path / "a", 5000))], version="3.4.5")
    r = fw("info", "--keyring", keys.keyring, out, expect=0)
    assert "3.4.5" in r.out and "verified, signed by CN=signer" in r.out
    r = fw("info", "--keyring", keys.p("otherca.pem"), out)
    assert r.rc == 3, r
    r = fw("info", "--no-verify", out, expect=0)
    assert "NOT VERIFIED" in r.out and "NOT checked" in r.err


def test_verify_from_stdin(mkbundle, keys, tmp_path):
    out = mkbundle([("rootfs", rand_file(tmp_path / "a", 300000))])
    r = fw("verify", "--keyring", keys.keyring, "--compatible", "acme,1", "-",
           input=open(out, "rb").read(), expect=0)
    assert "result:     ok" in r.out


def test_keyring_directory_with_crl_file(mkbundle, keys, tmp_path):
    """a keyring folder's *.crl is used: the signer it revokes is refused,
    and only because of it (the same folder without it accepts)"""
    ring = tmp_path / "ring"
    ring.mkdir()
    shutil.copy(keys.keyring, ring / "ca.pem")
    good = mkbundle([("rootfs", rand_file(tmp_path / "a", 500))])
    bad = bg.build(str(tmp_path / "revoked.fwb"), keys, [("rootfs", b"x" * 500, "none")],
                   signer=keys.revoked)
    fw("verify", "--keyring", ring, "--compatible", "acme,1", bad, expect=0)
    shutil.copy(keys.p("ca.crl"), ring / "ca.crl")
    r = fw("verify", "--keyring", ring, "--compatible", "acme,1", bad)
    assert r.rc == 3 and "revoked" in r.err, r
    fw("verify", "--keyring", ring, "--compatible", "acme,1", good, expect=0)


def test_a_chain_too_long_is_named_as_such(keys, tmp_path):
    """mbedTLS stops at 8 intermediate CAs with a fatal error and every flag
    set: that read as 'revoked (validity expired)' (issue 11)"""
    signer = keys.long_chain(10)
    b = bg.build(str(tmp_path / "b.fwb"), keys, [("rootfs", b"x" * 5000, "none")],
                 signer=signer)
    r = fw("verify", "--keyring", keys.keyring, "--compatible", "acme,x1", b)
    assert r.rc == 3 and "revoked" not in r.err and "expired" not in r.err, r.err
    assert "chain" in r.err, r.err
    # a short one is fine: the chain in signer.pem is used
    b = bg.build(str(tmp_path / "ok.fwb"), keys, [("rootfs", b"x" * 5000, "none")],
                 signer=keys.long_chain(2))
    fw("verify", "--keyring", keys.keyring, "--compatible", "acme,x1", b, expect=0)


def test_a_keyring_crl_signed_by_another_key_blames_the_keyring(mkbundle, keys, tmp_path):
    """not the bundle's fault: exit 2 (the device's configuration), naming
    the keyring's CRL"""
    b = mkbundle([("rootfs", rand_file(tmp_path / "a", 5000))])
    r = fw("verify", "--keyring", keys.forged_crl_keyring(), "--compatible", "acme,x1", b)
    assert r.rc == 2 and "CRL" in r.err and "keyring" in r.err, r


def test_check_time_false_accepts_expired_signer(keys, tmp_path):
    path = bg.build(str(tmp_path / "e.fwb"), keys, [("rootfs", b"x" * 100, "none")],
                    signer=keys.expired)
    base = ["verify", "--keyring", keys.keyring, "--compatible", "acme,1"]
    fw(*base, path, expect=3)
    conf = tmp_path / "c.conf"
    conf.write_text("[system]\nbootloader = sim\ncheck_time = false\n")
    fw(*base, "--conf", conf, path, expect=0)


def test_board_identity_from_dtb(mkbundle, keys, tmp_path):
    if not shutil.which("dtc"):
        pytest.skip("dtc (device-tree-compiler) is not installed")
    dts = tmp_path / "b.dts"
    dts.write_text('/dts-v1/; / { model = "Acme X1"; compatible = "acme,router-x1", "mediatek,mt7622"; };')
    subprocess.run(["dtc", "-I", "dts", "-O", "dtb", "-o", tmp_path / "b.dtb", dts], check=True)
    r = fw("board", "--json", "--dtb", tmp_path / "b.dtb", expect=0)
    doc = json.loads(r.out)
    assert doc["schema"] == "fwtool.board/1"
    assert doc["compatible"] == ["acme,router-x1", "mediatek,mt7622"]
    out = mkbundle([("rootfs", rand_file(tmp_path / "a", 500))], compatible=["acme,router-*"])
    fw("verify", "--keyring", keys.keyring, "--dtb", tmp_path / "b.dtb", out, expect=0)
    out = mkbundle([("rootfs", rand_file(tmp_path / "a", 500))], compatible=["acme,switch-*"],
                   out="s.fwb")
    r = fw("verify", "--keyring", keys.keyring, "--dtb", tmp_path / "b.dtb", out)
    assert r.rc == 4 and "acme,switch-*" in r.err and "acme,router-x1" in r.err, r


def test_board_identity_from_system_conf(tmp_path):
    conf = tmp_path / "c.conf"
    conf.write_text("[system]\nbootloader = sim\ncompatible = acme,from-conf\n")
    r = fw("board", "--conf", conf, expect=0)
    assert "compatible: acme,from-conf" in r.out and "source:     config" in r.out


def test_usage_errors_exit_2(tmp_path):
    assert fw("nosuchverb").rc == 2
    assert fw("verify").rc == 2
    assert fw("verify", "--bogus", "x").rc == 2
    assert fw("bundle", "create", "-o", tmp_path / "x").rc == 2
    assert fw("verify", "--help").rc == 0


def test_verify_from_a_pipe_reads_the_writers_padding(keys, tmp_path):
    """A writer that sends the tar padding after the end-of-archive blocks,
    a moment later, is not cut off by a broken pipe ('create | verify -',
    'curl | install -' under pipefail)."""
    import time
    img = rand_file(tmp_path / "img", 100000)
    b = bg.build(str(tmp_path / "b.fwb"), keys, [("rootfs", open(img, "rb").read(), "none")])
    data = open(b, "rb").read() + bytes(8192)  # more zero padding: valid tar
    env = dict(os.environ)
    p = subprocess.Popen([os.environ.get("FWTOOL", "fwtool"), "verify", "--keyring",
                          keys.keyring, "--compatible", "acme,1", "-"],
                         stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, env=env)
    p.stdin.write(data[:-8192])
    p.stdin.flush()
    time.sleep(0.5)
    p.stdin.write(data[-8192:])  # BrokenPipeError if verify is gone
    p.stdin.close()
    assert p.wait(60) == 0, p.stderr.read()


@pytest.mark.skipif(os.environ.get("FWTOOL_SKIP_HUGE") == "1", reason="FWTOOL_SKIP_HUGE=1")
def test_member_over_8_gib_streams_through_pax(keys, tmp_path):
    """A sparse 8.5 GiB image: created to stdout, piped into verify on stdin,
    so no 8 GiB file is ever written. ustar cannot hold the size; pax can."""
    img = tmp_path / "huge.img"
    with open(img, "wb") as f:
        f.truncate((8 << 30) + (512 << 20))
        f.write(b"head")
    env = dict(os.environ)
    create = subprocess.Popen(
        [os.environ.get("FWTOOL", "fwtool"), "bundle", "create", "-o", "-", "--key",
         keys.signer[0], "--cert", keys.signer[1], "--version", "1.0.0", "--compatible",
         "acme,*", "--chunk-size", "4194304", "--image", f"rootfs={img}"],
        stdout=subprocess.PIPE, env=env)
    verify = subprocess.run(
        [os.environ.get("FWTOOL", "fwtool"), "verify", "--json", "--keyring", keys.keyring,
         "--compatible", "acme,1", "-"], stdin=create.stdout, capture_output=True, env=env)
    create.stdout.close()
    created = create.wait()
    assert verify.returncode == 0, verify.stderr  # first: a verify that stops early
    assert created == 0                            # leaves create a broken pipe
    doc = json.loads(verify.stdout)
    assert doc["manifest"]["images"][0]["size"] == (8 << 30) + (512 << 20)


# ---- the seekable zstd form: one frame per chunk ----------------------------

def frames_of(bundle, tmp_path):
    """(manifest image, stored member bytes) of a one-image bundle"""
    with tarfile.open(bundle) as t:
        m = json.load(t.extractfile("manifest.json"))["images"][0]
        return m, t.extractfile(m["file"]).read()


def test_seekable_zstd_is_one_frame_per_chunk(keys, tmp_path):
    """:zstd-seekable writes frames that the zstd CLI reads as one stream and
    each alone as its chunk, with the digests a device looks for in its
    slots; verify checks all of it"""
    chunk = 64 << 10
    img = rand_file(tmp_path / "root.img", (3 << 20) + 1234, zero_tail=1 << 20)
    out = tmp_path / "b.fwb"
    fw("bundle", "create", "-o", out, "--key", keys.signer[0], "--cert", keys.signer[1],
       "--version", "2.1.0", "--compatible", "acme,*", "--image", f"rootfs={img}:zstd-seekable",
       "--chunk-size", chunk, expect=0)
    data = open(img, "rb").read()
    m, stored = frames_of(out, tmp_path)
    n = -(-len(data) // chunk)
    assert m["compression"] == "zstd" and len(m["frames"]) == n and sum(m["frames"]) == m["size"]
    whole = subprocess.run(["zstd", "-dc"], input=stored, capture_output=True, check=True)
    assert whole.stdout == data
    at = 0
    for k, size in enumerate(m["frames"]):
        frame = stored[at:at + size]
        at += size
        plain = subprocess.run(["zstd", "-dc"], input=frame, capture_output=True,
                               check=True).stdout
        assert plain == data[k * chunk:(k + 1) * chunk]
        assert m["chunks"][64 * k:64 * k + 64] == bg.hashlib.sha256(frame).hexdigest()
        assert m["content_chunks"][64 * k:64 * k + 64] == bg.hashlib.sha256(plain).hexdigest()
    r = fw("verify", "--json", "--keyring", keys.keyring, "--compatible", "acme,x1", out,
           expect=0)
    im = json.loads(r.out)["manifest"]["images"][0]
    assert im["seekable"] is True and im["chunks"] == n
    r = fw("info", "--keyring", keys.keyring, out, expect=0)
    assert f"seekable: {n} frames" in r.out


def test_seekable_bundle_from_another_writer_verifies(keys, tmp_path):
    """the form as bundlegen writes it with the zstd CLI, chunk by chunk"""
    data = os.urandom(40000) + bytes(50000)
    b = bg.build(str(tmp_path / "b.fwb"), keys, [("rootfs", data, "zstd-seekable")])
    fw("verify", "--keyring", keys.keyring, "--compatible", "acme,x1", b, expect=0)


def bad_content(p):
    im = p["manifest"]["images"][0]
    c = im["content_chunks"]
    im["content_chunks"] = c[:64 * 5] + ("0" if c[64 * 5] != "0" else "1") + c[64 * 5 + 1:]


def shifted_frames(p):
    """as many frames as chunks, but cut elsewhere: frame 8 holds 1.5 chunks
    (of zeros: a frame of 6 KiB random bytes would be refused for its size)"""
    data, c = p["data"], 4096
    cuts = list(range(0, 9 * c, c)) + [8 * c + 6144] + list(range(10 * c, len(data), c))
    e, s = bg.seekable_entry("rootfs", data, c, cuts=cuts)
    e["content_chunks"] = p["manifest"]["images"][0]["content_chunks"]
    p["manifest"]["images"][0] = e
    p["stored"][0] = s


def stored_flip(p):
    s = bytearray(p["stored"][0])
    s[len(s) // 2] ^= 1
    p["stored"][0] = bytes(s)


@pytest.mark.parametrize("mutate,rc,what", [
    ({"manifest": bad_content}, 3, "frame 5 decodes to other bytes than its content_chunks"),
    ({"manifest": shifted_frames}, 3, "frame 8 does not decode to chunk 8 alone"),
    ({"manifest": stored_flip}, 3, "does not match the signed manifest"),
])
def test_seekable_lies_are_refused(keys, tmp_path, mutate, rc, what):
    """a signed manifest whose frames do not hold what it says: verify names
    the frame, one line, exit 3"""
    data = os.urandom(30000) + bytes(30000)
    inner = mutate["manifest"]
    b = bg.build(str(tmp_path / "b.fwb"), keys, [("rootfs", data, "zstd-seekable")],
                 mutate={"manifest": lambda p: (p.__setitem__("data", data), inner(p))})
    r = fw("verify", "--keyring", keys.keyring, "--compatible", "acme,x1", b)
    assert r.rc == rc and what in r.err and r.err.count("\n") == 1, r


def test_a_manifest_too_large_for_a_device_is_not_written(keys, tmp_path):
    """128 MiB in 4 KiB seekable frames lists 32768 frames, two digests
    each: over the 4 MiB a device reads. bundle create says so, and what to
    do, instead of writing a bundle every device refuses"""
    img = tmp_path / "zeros.img"
    with open(img, "wb") as f:
        f.truncate(128 << 20)
    out = tmp_path / "b.fwb"
    r = fw("bundle", "create", "-o", out, "--key", keys.signer[0], "--cert", keys.signer[1],
           "--version", "1.0.0", "--compatible", "acme,*", "--image",
           f"rootfs={img}:zstd-seekable", "--chunk-size", 4096)
    assert r.rc == 2 and "larger --chunk-size" in r.err and r.err.count("\n") == 1, r
    assert not out.exists()


def test_verify_of_a_file_truncated_while_it_is_read(mkbundle, keys, tmp_path):
    """verify hashes a bundle file's images where the page cache holds them
    (mapped): a file cut short under it must end in the same one-line error
    as a short file, not in the SIGBUS a touch past the new end raises"""
    out = mkbundle([("rootfs", rand_file(tmp_path / "a", 64 << 20, zero_tail=192 << 20))])
    p = subprocess.Popen([FWTOOL, "verify", "--keyring", keys.keyring, "--compatible",
                          "acme,1", str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    maps = f"/proc/{p.pid}/maps"

    def mapped():
        try:
            return str(out) in open(maps).read() or p.poll() is not None
        except OSError:
            return p.poll() is not None
    wait_for(mapped, "verify to map the bundle")
    assert p.poll() is None, "verify ended before the file was cut: a larger image is needed"
    os.truncate(out, 32 << 20)
    _, err = p.communicate(timeout=120)
    assert p.returncode == 3, (p.returncode, err)
    assert err.count("\n") == 1 and "ends early" in err, err
