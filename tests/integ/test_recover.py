# SPDX-License-Identifier: GPL-2.0-only
"""recover on the simulated board: a machine whose slots are gone gets a
verified bundle written back and a bootloader state that boots only what is
known good."""
import hashlib
import json
import os
import shutil
import subprocess

import pytest
from conftest import FWTOOL, ROOT
from simboard import SimBoard


@pytest.fixture
def board(keys, tmp_path):
    b = SimBoard(tmp_path / "board", keys)
    b.set_cmdline("console=ttyS0 root=/dev/sdz1")  # booted from the stick: no slot runs
    return b


def sha(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def erase(board, *bootnames):
    for bn in bootnames:
        for cls in ("rootfs", "router-fw"):
            with open(board.slot_file(bn, cls), "wb") as f:
                f.write(b"\0" * 4096)


def image(tmp_path, version, cls="rootfs"):
    name = f"rootfs-{version}.img" if cls == "rootfs" else f"router-fw-{version}.bin"
    return os.path.join(str(tmp_path), "images", name)


def test_recover_writes_first_slot_and_boots_only_it(board, tmp_path):
    b = board.bundle(tmp_path)
    erase(board, "A", "B")
    r = board.fw("recover", "--json", "--bundle", b, expect=0)
    doc = json.loads(r.out)
    assert doc["schema"] == "fwtool.recover/1"
    t = doc["transaction"]
    assert t["state"] == "recovered" and t["kind"] == "recover" and t["target"] == "A"
    assert [i["slot"] for i in doc["images"]] == ["rootfs.0", "router-fw.0"]
    assert sha(board.slot_file("A")) == sha(image(tmp_path, "1.1.0"))
    assert sha(board.slot_file("A", "router-fw")) == sha(image(tmp_path, "1.1.0", "router-fw"))
    # B holds zeros: it must not be a fallback
    env = board.bootenv()
    assert env["BOOT_ORDER"] == "A" and env["BOOT_A_LEFT"] == "3" and env["BOOT_B_LEFT"] == "0"
    # a trial: pending until its boot's checks, the floor not raised yet
    r = board.fw("wait", "--json", "--timeout", "1")
    assert r.rc == 7 and json.loads(r.out)["transaction"]["state"] == "recovered"
    assert board.status()["security_version"] == 0
    assert board.history() == []
    # the next boot boots it and its checks confirm it; the floor rises
    assert board.boot().rc == 0 and board.booted() == "A"
    r = board.fw("confirm", "--json", expect=0)
    assert json.loads(r.out)["state"] == "confirmed"
    assert board.status()["security_version"] == 2
    assert [(h["id"], h["state"]) for h in board.history()] == [(t["id"], "confirmed")]


def test_recover_all_slots(board, tmp_path):
    b = board.bundle(tmp_path)
    erase(board, "A", "B")
    board.fw("recover", "--all-slots", "--bundle", b, expect=0)
    for bn in "AB":
        assert sha(board.slot_file(bn)) == sha(image(tmp_path, "1.1.0"))
    env = board.bootenv()
    assert env["BOOT_ORDER"] == "A B" and env["BOOT_B_LEFT"] == "3"


def test_recover_keeps_a_slot_that_still_reads_back(board, tmp_path):
    """B was installed (recorded, re-hashes right): it stays a fallback."""
    b = board.bundle(tmp_path)
    board.set_cmdline("console=ttyS0 fwtool.slot=A")
    board.fw("install", "--no-activate", b, expect=0)
    board.set_cmdline("console=ttyS0 root=/dev/sdz1")
    erase(board, "A")
    b2 = board.bundle(tmp_path / "v2", version="1.2.0")
    board.fw("recover", "--bundle", b2, expect=0)
    assert board.bootenv()["BOOT_ORDER"] == "A B"
    # ... unless its content changed since it was recorded
    erase(board, "B")
    board.fw("recover", "--bundle", b2, expect=0)
    assert board.bootenv()["BOOT_ORDER"] == "A"


def test_recover_target_root_picks_the_slot(board, tmp_path):
    b = board.bundle(tmp_path)
    erase(board, "A", "B")
    r = board.fw("recover", "--json", "--bundle", b, "--target-root",
                 board.slot_file("B"), expect=0)
    assert json.loads(r.out)["transaction"]["target"] == "B"
    assert sha(board.slot_file("B")) == sha(image(tmp_path, "1.1.0"))
    assert board.bootenv()["BOOT_ORDER"] == "B"
    r = board.fw("recover", "--bundle", b, "--target-root", "/dev/nonexistent", expect=2)
    assert "no slot" in r.err and "/dev/nonexistent" in r.err


def test_recover_picks_newest_acceptable_bundle_in_a_folder(board, keys, tmp_path):
    media = tmp_path / "media"
    media.mkdir()
    for v in ("1.1.0", "1.3.0"):
        shutil.copy(board.bundle(tmp_path / v, version=v), media / f"u-{v}.fwb")
    # newer, but for another board: passed over, with the reason
    shutil.copy(board.bundle(tmp_path / "other", version="9.0.0", compatible="acme,other"),
                media / "other.fwb")
    (media / "junk.fwb").write_bytes(b"not a bundle")
    (media / "notes.txt").write_text("ignored")
    r = board.fw("recover", "--json", "--bundle", str(media), expect=0)
    assert json.loads(r.out)["transaction"]["version"] == "1.3.0"
    assert "other.fwb" in r.err and "junk.fwb" in r.err and "u-1.1.0.fwb" in r.err
    empty = tmp_path / "empty"
    empty.mkdir()
    r = board.fw("recover", "--bundle", str(empty), expect=None)
    assert r.rc != 0 and "no bundle" in r.err and len(r.err.strip().splitlines()) == 1


def snapshot(board):
    return {n: sha(board.p("slots", n)) for n in os.listdir(board.p("slots"))} | {
        "bootenv": sha(board.p("state", "bootenv"))}


def test_recover_is_no_back_door(board, keys, tmp_path):
    """An untrusted signer, another board, a downgrade: refused like install,
    nothing written."""
    other = tmp_path / "otherkeys"
    subprocess.run([os.path.join(ROOT, "scripts", "mkkeys.sh"), str(other)], check=True,
                   capture_output=True)
    untrusted = tmp_path / "untrusted.fwb"
    imgs = os.path.dirname(image(tmp_path / "x", "1.1.0"))
    board.bundle(tmp_path / "x")
    subprocess.run([FWTOOL, "bundle", "create", "-o", str(untrusted), "--key",
                    str(other / "signer.key"), "--cert", str(other / "signer.pem"),
                    "--version", "1.1.0", "--compatible", "fwtool,sim", "--image",
                    f"rootfs={imgs}/rootfs-1.1.0.img"], check=True, capture_output=True)
    before = snapshot(board)
    r = board.fw("recover", "--bundle", str(untrusted), expect=3)
    assert len(r.err.strip().splitlines()) == 1
    assert snapshot(board) == before
    r = board.fw("recover", "--bundle",
                 board.bundle(tmp_path / "y", compatible="acme,other"), expect=4)
    assert snapshot(board) == before
    # the floor: 1.1.0 at security version 2 recovered and confirmed, 1.0.5 at 1 refused
    board.fw("recover", "--bundle", board.bundle(tmp_path / "z"), expect=0)
    board.boot()
    board.fw("confirm", expect=0)
    board.set_cmdline("console=ttyS0 root=/dev/sdz1")  # the stick again
    before = snapshot(board)
    low = board.bundle(tmp_path / "low", version="1.0.5", secver=1)
    r = board.fw("recover", "--bundle", low, expect=3)
    assert "security" in r.err
    assert snapshot(board) == before
    r = board.fw("recover", "--all-slots", "--bundle", "-", expect=2)
    assert "stdin" in r.err


def test_power_cut_during_recover(board, tmp_path):
    """Cut at every durable write of a recovery onto a board whose slots are
    erased but still listed: A, the slot written, is never bootable once its
    first byte is written until it holds the bundle's image, and a second recover always finishes (B, never
    written, leaves the order)."""
    b = board.bundle(tmp_path)
    want = sha(image(tmp_path, "1.1.0"))
    erased = hashlib.sha256(b"\0" * 4096).hexdigest()
    points = 0
    for n in range(1, 200):
        erase(board, "A", "B")
        shutil.rmtree(board.p("state"))
        os.makedirs(board.p("state"))
        with open(board.p("state", "bootenv"), "w") as f:
            f.write("BOOT_ORDER=A B\nBOOT_A_LEFT=3\nBOOT_B_LEFT=3\n")
        r = board.fw("recover", "--bundle", b, expect=None, env={"FWTOOL_CUT_AFTER": str(n)})
        if r.rc == 0:
            break
        points += 1
        env = board.bootenv()
        if "A" in env.get("BOOT_ORDER", "").split() and int(env.get("BOOT_A_LEFT", "0"), 16):
            # as the board was before recovery, or the whole image: never
            # a slot that recovery began to write
            assert sha(board.slot_file("A")) in (want, erased), f"cut {n}: A half-written"
        board.fw("recover", "--bundle", b, expect=0)
        assert board.bootenv()["BOOT_ORDER"] == "A"
        assert sha(board.slot_file("A")) == want
    assert points > 10
