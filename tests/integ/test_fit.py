# SPDX-License-Identifier: GPL-2.0-only
"""FIT images in bundles (issue 15): a router-fw image marked as a FIT is
checked, as the router's U-Boot will check it, against the keys of its
control DTB before fwtool writes a byte of it. The FITs and the control
DTB are made by Debian's mkimage; fit.c's own cases are in
tests/unit/test_fit.c."""
import json
import os
import shutil
import subprocess

import pytest
from conftest import fw
from simboard import SimBoard

pytestmark = pytest.mark.skipif(
    not all(shutil.which(t) for t in ("mkimage", "dtc", "openssl")),
    reason="mkimage (u-boot-tools), dtc (device-tree-compiler) and openssl are needed")

ITS = """/dts-v1/;
/ {
  description = "router firmware"; #address-cells = <1>;
  images {
    kernel-1 { description = "k"; data = /incbin/("kernel.bin"); type = "kernel";
      arch = "arm64"; os = "linux"; compression = "none"; load = <0x40400000>;
      entry = <0x40400000>; hash-1 { algo = "sha256"; }; };
    fdt-1 { description = "d"; data = /incbin/("board.dtb"); type = "flat_dt";
      arch = "arm64"; compression = "none"; hash-1 { algo = "sha256"; }; };
  };
  configurations { default = "conf-1";
    conf-1 { description = "c"; kernel = "kernel-1"; fdt = "fdt-1";
      signature-1 { algo = "sha256,rsa2048"; key-name-hint = "dev";
        sign-images = "fdt", "kernel"; }; }; };
};
"""


def sh(cwd, *cmd):
    subprocess.run(cmd, cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def fits(tmp_path_factory):
    """x.itb signed with keys/, whose public key is in ctl.dtb (required);
    other.itb signed with another key of the same name"""
    d = str(tmp_path_factory.mktemp("fit"))
    with open(os.path.join(d, "kernel.bin"), "wb") as f:
        f.write(os.urandom(20000))
    subprocess.run(["dtc", "-O", "dtb", "-o", os.path.join(d, "board.dtb")],
                   input=b'/dts-v1/; / { model = "r"; };', check=True, capture_output=True)
    with open(os.path.join(d, "x.its"), "w") as f:
        f.write(ITS)
    for kdir, ctl, out in (("keys", "ctl.dtb", "x.itb"), ("other", "ctl-other.dtb", "other.itb")):
        os.makedirs(os.path.join(d, kdir))
        sh(d, "openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048",
           "-out", f"{kdir}/dev.key")
        sh(d, "openssl", "req", "-batch", "-new", "-x509", "-key", f"{kdir}/dev.key",
           "-out", f"{kdir}/dev.crt", "-subj", "/CN=dev")
        subprocess.run(["dtc", "-O", "dtb", "-o", os.path.join(d, ctl)], input=b"/dts-v1/; / { };",
                       check=True, capture_output=True)
        sh(d, "mkimage", "-f", "x.its", "-k", kdir, "-K", ctl, "-r", out)
    return d


def bundle(board, tmp, fit, first=True, fit_arg="router-fw=conf-1", name="fit.fwb"):
    """rootfs from the demo images and router-fw = @fit, marked as a FIT"""
    imgs = str(tmp / "images")
    subprocess.run([os.path.join(os.path.dirname(__file__), "..", "..", "images",
                                 "mkdemo-images.sh"), imgs, "1.1.0", "healthy", "1"], check=True)
    rootfs = ["--image", f"rootfs={imgs}/rootfs-1.1.0.img"]
    router = ["--image", f"router-fw={fit}", "--fit", fit_arg]
    out = str(tmp / name)
    fw("bundle", "create", "-o", out, "--key", board.keys.signer[0], "--cert",
       board.keys.signer[1], "--version", "1.1.0", "--security-version", "2", "--compatible",
       "fwtool,sim", *(router + rootfs if first else rootfs + router), expect=0)
    return out


@pytest.fixture
def board(tmp_path, keys, fits):
    b = SimBoard(tmp_path / "board", keys)
    b.set_conf("system", f"fit_keys = {fits}/ctl.dtb")
    return b


def slots(board):
    return {c: open(board.slot_file(bn, c), "rb").read()
            for c in ("rootfs", "router-fw") for bn in ("B",)
            if os.path.exists(board.slot_file(bn, c))}


def test_verify_shows_what_was_checked(board, fits, tmp_path):
    b = bundle(board, tmp_path, f"{fits}/x.itb")
    r = board.fw("verify", b, expect=0)
    assert "fit:        configuration conf-1: sha256,rsa2048, verified with key-dev" in r.out
    assert "image kernel-1 (20000 bytes): sha256" in r.out, r.out
    doc = json.loads(board.fw("verify", "--json", b, expect=0).out)
    img = doc["manifest"]["images"][0]
    assert img["class"] == "router-fw" and img["fit"] == {"config": "conf-1"}
    assert img["fit_checked"]["keys"] == ["key-dev"]
    assert [i["name"] for i in img["fit_checked"]["images"]] == ["kernel-1", "fdt-1"]
    # info shows the mark without checking it
    assert "a U-Boot FIT, configuration conf-1" in board.fw("info", b, expect=0).out


def test_install_writes_a_good_fit(board, fits, tmp_path):
    b = bundle(board, tmp_path, f"{fits}/x.itb")
    board.fw("install", b, expect=0)
    assert open(board.slot_file("B", "router-fw"), "rb").read() == \
        open(f"{fits}/x.itb", "rb").read()
    assert board.bootenv()["BOOT_ORDER"].split()[0] == "B"


def test_fit_signed_by_another_key_refused_before_anything(board, fits, tmp_path):
    """the FIT comes first in the bundle: refused before the install
    begins, with no transaction and no bootloader store"""
    b = bundle(board, tmp_path, f"{fits}/other.itb")
    env, before = board.bootenv(), slots(board)
    assert board.fw("verify", b).rc == 3
    r = board.fw("install", b)
    assert r.rc == 3, r
    assert "image router-fw: FIT: configuration conf-1: required key key-dev" in r.err, r.err
    assert "does not verify" in r.err and len(r.err.strip().splitlines()) == 1, r.err
    assert board.bootenv() == env and slots(board) == before
    assert not os.path.exists(board.p("state", "transaction.json"))


def test_fit_later_in_the_bundle_refused_before_its_slot(board, fits, tmp_path):
    b = bundle(board, tmp_path, f"{fits}/other.itb", first=False)
    before = open(board.slot_file("B", "router-fw"), "rb").read() \
        if os.path.exists(board.slot_file("B", "router-fw")) else None
    r = board.fw("install", b)
    assert r.rc == 3 and "does not verify" in r.err, r
    after = open(board.slot_file("B", "router-fw"), "rb").read() \
        if os.path.exists(board.slot_file("B", "router-fw")) else None
    assert after == before
    t = board.txn()
    assert t["state"] == "failed" and t["reason"] == "verification-failed", t
    assert board.bootenv()["BOOT_ORDER"] == "A"  # B out of the order, never activated


def test_the_same_fit_forced_on_fails_the_other_checks_too(board, fits, tmp_path):
    """a tampered FIT: one byte of the kernel flipped after signing"""
    data = bytearray(open(f"{fits}/x.itb", "rb").read())
    k = open(f"{fits}/kernel.bin", "rb").read()
    data[data.index(k[:32]) + 1000] ^= 1
    bad = tmp_path / "bad.itb"
    bad.write_bytes(bytes(data))
    b = bundle(board, tmp_path, bad)
    r = board.fw("verify", b)
    assert r.rc == 3 and "bad sha256 hash value for 'hash-1' hash node in 'kernel-1'" in r.err, r


def test_without_fit_keys_a_fit_is_not_taken(board, fits, tmp_path):
    b = bundle(board, tmp_path, f"{fits}/x.itb")
    conf = open(board.conf).read().replace(f"fit_keys = {fits}/ctl.dtb\n", "")
    open(board.conf, "w").write(conf)
    r = board.fw("install", b)
    assert r.rc == 2 and "fit_keys" in r.err, r
    # and a control DTB that cannot be read is the device's fault, exit 2
    r = board.fw("verify", "--fit-keys", str(tmp_path / "none.dtb"), b)
    assert r.rc == 2 and "fit_keys" in r.err, r
    r = board.fw("verify", "--fit-keys", f"{fits}/ctl-other.dtb", b)
    assert r.rc == 3, r


def test_fit_marks_need_an_image_and_a_name(board, fits, tmp_path):
    r = fw("bundle", "create", "-o", tmp_path / "x.fwb", "--key", board.keys.signer[0],
           "--cert", board.keys.signer[1], "--version", "1.0.0", "--compatible", "x",
           "--image", f"router-fw={fits}/x.itb", "--fit", "rootfs")
    assert r.rc == 2 and "--fit rootfs: no --image of class rootfs" in r.err, r
    r = fw("bundle", "create", "-o", tmp_path / "x.fwb", "--key", board.keys.signer[0],
           "--cert", board.keys.signer[1], "--version", "1.0.0", "--compatible", "x",
           "--image", f"router-fw={fits}/x.itb", "--fit", "router-fw=")
    assert r.rc == 2 and "configuration name" in r.err, r


@pytest.mark.parametrize("fit,why", [("yes", "not an object"),
                                     ({"config": "conf 1"}, "not a FIT node name"),
                                     ({"conf": "conf-1"}, "unknown field")])
def test_manifest_fit_field_is_checked(board, keys, tmp_path, fit, why):
    import bundlegen as bg
    b = bg.build(str(tmp_path / "h.fwb"), keys, [("rootfs", os.urandom(5000), "none")],
                 compatible=("fwtool,sim",),
                 mutate={"manifest": lambda p: p["manifest"]["images"][0].update(fit=fit)})
    r = board.fw("verify", b)
    assert r.rc == 3 and why in r.err, r
