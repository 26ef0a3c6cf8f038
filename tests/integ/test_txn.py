# SPDX-License-Identifier: GPL-2.0-only
"""No path to "good" without the checks: the eleven reproductions of issue 10,
each a sequence of verbs on the simulated board that once made a slot good
without its checks, ended a transaction twice or never, or lost its report.

Exit codes used here (README, fwtool(8)): 0 done, 1 failed, 2 usage,
3 verification failed, 4 not compatible, 5 busy, 6 rolled back, 7 timed out,
8 not activated, 9 local state corrupt, 10 no such transaction.
"""
import hashlib
import json
import os
import shutil
import tarfile

import pytest
from simboard import SimBoard


@pytest.fixture
def board(keys, tmp_path):
    return SimBoard(tmp_path / "board", keys)


def sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def txn_id(board):
    return board.txn()["id"]


def unreachable_reports(board):
    """report_url where nothing listens: reports stay in the outbox"""
    board.set_conf("confirm", "report_url = http://127.0.0.1:9/fwtool")


# 1 -------------------------------------------------------------------------
def test_mark_active_of_unconfirmed_slot_is_a_trial(board, tmp_path):
    """install --no-activate broken, mark-active other, boot, confirm: the
    checks run and fail; B is never good."""
    board.fw("install", "--no-activate", board.bundle(tmp_path, "1.2.0", health="broken"),
             expect=0)
    tid = txn_id(board)
    board.fw("mark-active", "other", expect=0)
    board.boot()
    assert board.booted() == "B"
    r = board.fw("confirm", "--json")
    assert r.rc == 6, r
    t = json.loads(r.out)
    assert t["id"] == tid and t["state"] == "rolled-back"
    assert t["reason"] == "health-check-failed" and t["checks"]
    assert board.bootenv()["BOOT_ORDER"] == "A"
    assert not os.path.exists(board.p("state", "security-version"))
    assert board.fw("wait", "--timeout", "5").rc == 6


def test_wait_on_installed_not_activated_returns_at_once(board, tmp_path):
    board.fw("install", "--no-activate", board.bundle(tmp_path), expect=0)
    r = board.fw("wait", "--json", timeout=30)
    assert r.rc == 8, r
    doc = json.loads(r.out)
    assert doc["schema"] == "fwtool.wait/1" and doc["result"] == "not-activated"
    assert doc["exit"] == 8 and doc["transaction"]["state"] == "installed"
    assert "mark-active" in r.err


# 2 -------------------------------------------------------------------------
def test_repeated_bootname_in_order(board, tmp_path):
    """BOOT_ORDER=A A A A (a hand-edited fw_setenv) is read as A."""
    board.fw("install", "--no-activate", board.bundle(tmp_path), expect=0)
    with open(board.p("state", "bootenv"), "w") as f:
        f.write("BOOT_ORDER=A A A A\nBOOT_A_LEFT=3\nBOOT_B_LEFT=0\n")
    r = board.fw("mark-active", "B")
    assert r.rc == 0, r
    assert board.bootenv()["BOOT_ORDER"] == "B A"
    # install's activation goes the same way
    with open(board.p("state", "bootenv"), "w") as f:
        f.write("BOOT_ORDER=A A A A A A A\nBOOT_A_LEFT=3\nBOOT_B_LEFT=0\n")
    board.fw("install", board.bundle(tmp_path / "2", "1.2.0"), expect=0)
    assert board.bootenv()["BOOT_ORDER"] == "B A"


# 3 -------------------------------------------------------------------------
def test_group_activates_only_when_every_member_is_verified(board, tmp_path):
    only_rootfs = board.bundle(tmp_path / "r", "1.1.0", classes=("rootfs",))
    r = board.fw("install", only_rootfs)
    assert r.rc == 4, r
    assert "router-fw.1" in r.err
    assert not os.path.exists(board.slot_file("B", "rootfs"))  # nothing written
    assert board.bootenv()["BOOT_ORDER"] == "A"
    # once B and A both hold confirmed full bundles, a rootfs-only bundle
    # may go to B: router-fw.1 holds the confirmed 1.1.0
    board.fw("install", board.bundle(tmp_path / "b", "1.1.0"), expect=0)
    board.boot()
    board.fw("confirm", expect=0)
    board.fw("install", board.bundle(tmp_path / "a", "1.2.0"), expect=0)
    board.boot()
    board.fw("confirm", expect=0)
    assert board.booted() == "A"
    board.fw("install", board.bundle(tmp_path / "r2", "1.3.0", classes=("rootfs",)),
             expect=0)
    assert board.bootenv()["BOOT_ORDER"].startswith("B")


# 4 -------------------------------------------------------------------------
def test_compatible_override_on_install_needs_policy(board, tmp_path):
    other = board.bundle(tmp_path, compatible="acme,x1")
    r = board.fw("install", "--compatible", "acme,x1", other)
    assert r.rc == 2 and "--ignore-compatible" in r.err, r
    r = board.fw("install", "--dtb", "/nonexistent.dtb", other)
    assert r.rc == 2, r
    r = board.fw("install", "--ignore-compatible", other)
    assert r.rc == 2 and "allow_ignore_compatible" in r.err, r
    assert board.bootenv()["BOOT_ORDER"] == "A"
    board.set_conf("system", "allow_ignore_compatible = true")
    r = board.fw("install", "--json", "--ignore-compatible", other)
    assert r.rc == 0, r
    t = json.loads(r.out)["transaction"]
    assert t["ignored_compatible"] is True
    assert "ignored" in r.err  # said, not silent
    assert board.txn()["ignored_compatible"] is True


# 5 -------------------------------------------------------------------------
def corrupt_chunk(bundle, member_prefix, offset):
    """flip one byte of a member's data: the header still verifies"""
    with tarfile.open(bundle) as t:
        m = next(m for m in t.getmembers() if m.name.startswith(member_prefix))
    with open(bundle, "r+b") as f:
        f.seek(m.offset_data + offset)
        b = f.read(1)
        f.seek(m.offset_data + offset)
        f.write(bytes([b[0] ^ 0xFF]))


def test_recover_falls_back_to_the_next_bundle(board, tmp_path):
    media = tmp_path / "media"
    media.mkdir()
    good = board.bundle(tmp_path / "s3", "3.0.0", comp="none", extra=("--chunk-size", "65536"))
    bad = board.bundle(tmp_path / "bad", "4.0.0", comp="none", extra=("--chunk-size", "65536"))
    corrupt_chunk(bad, "rootfs", 65536 * 20 + 7)
    shutil.copy(good, media / "s3.fwb")
    shutil.copy(bad, media / "bad.fwb")
    board.set_cmdline("console=ttyS0 root=/dev/sdz1")  # the stick: no slot booted
    r = board.fw("recover", "--json", "--bundle", str(media))
    assert r.rc == 0, r
    assert json.loads(r.out)["transaction"]["version"] == "3.0.0"
    assert "bad.fwb" in r.err and "chunk" in r.err
    assert sha(board.slot_file("A")) == sha(board.image(tmp_path / "s3", "3.0.0"))


def test_recover_never_writes_the_booted_slot(board, tmp_path):
    a_before = sha(board.slot_file("A"))
    assert board.booted() == "A"
    r = board.fw("recover", "--json", "--bundle", board.bundle(tmp_path))
    assert r.rc == 0, r
    t = json.loads(r.out)["transaction"]
    assert t["target"] == "B"
    assert sha(board.slot_file("A")) == a_before
    order = board.bootenv()["BOOT_ORDER"].split()
    assert order == ["B", "A"]
    r = board.fw("recover", "--bundle", board.bundle(tmp_path), "--target-root",
                 board.slot_file("A"))
    assert r.rc == 2 and "booted" in r.err, r


# 6 -------------------------------------------------------------------------
def test_superseded_transaction_is_reported(board, tmp_path):
    unreachable_reports(board)
    board.fw("install", "--no-activate", board.bundle(tmp_path), expect=0)
    first = txn_id(board)
    board.fw("install", board.bundle(tmp_path / "2", "1.2.0"), expect=0)
    hist = {t["id"]: t for t in board.history()}
    assert hist[first]["state"] == "failed" and hist[first]["reason"] == "superseded"
    assert first in board.outbox()


def test_power_cut_never_loses_a_report(board, tmp_path):
    """Cut the confirm at every durable write: once the next command has run,
    every ended transaction is in history once and in the outbox."""
    unreachable_reports(board)
    bundle = board.bundle(tmp_path)
    proto = os.path.join(os.path.dirname(board.path), "proto")
    shutil.copytree(board.path, proto)
    n = 0
    while True:
        n += 1
        shutil.rmtree(board.path)
        shutil.copytree(proto, board.path)
        board.fw("install", bundle, expect=0)
        board.boot()
        r = board.fw("confirm", env={"FWTOOL_CUT_AFTER": str(n)})
        if r.rc != 99:
            assert r.rc == 0, r
            break
        board.fw("status", expect=0)  # any later command finishes the end
        board.fw("confirm", expect=None)
        t = board.txn()
        if t["state"] in ("confirmed", "rolled-back", "failed"):
            assert [h["id"] for h in board.history()].count(t["id"]) == 1, n
            assert t["id"] in board.outbox(), n
    assert n > 5


# 7 -------------------------------------------------------------------------
def test_rollback_before_reboot_cancels_the_activation(board, tmp_path):
    board.fw("install", board.bundle(tmp_path), expect=0)
    tid = txn_id(board)
    r = board.fw("rollback", "--no-reboot", "--json")
    assert r.rc == 0, r
    t = json.loads(r.out)
    assert t["id"] == tid and t["state"] == "rolled-back" and t["reason"] == "manual"
    assert board.bootenv()["BOOT_ORDER"] == "A"
    board.boot()
    assert board.booted() == "A"
    board.fw("confirm", expect=0)
    assert board.fw("wait", "--id", tid).rc == 6
    assert [h["id"] for h in board.history()] == [tid]


# 8 -------------------------------------------------------------------------
def test_refused_install_keeps_the_pending_trial(board, tmp_path):
    board.fw("install", board.bundle(tmp_path, "1.2.0", health="broken"), expect=0)
    tid = txn_id(board)
    r = board.fw("install", board.bundle(tmp_path / "o", "1.3.0", compatible="acme,x1"))
    assert r.rc == 4, r
    assert board.txn()["id"] == tid and board.txn()["state"] == "activated"
    board.boot()
    assert board.booted() == "B"
    assert board.fw("confirm").rc == 6  # its failing check ran


def test_power_cut_in_a_second_install_never_confirms_what_is_not_there(board, tmp_path):
    """1.1.0 activated, then 2.0.0 (security version 7) cut at each of its
    durable writes, reboot, confirm: whatever history calls confirmed is what
    B holds, and the floor is that bundle's."""
    b1 = board.bundle(tmp_path / "1", "1.1.0", secver=2)
    b2 = board.bundle(tmp_path / "2", "2.0.0", secver=7)
    want = {"1.1.0": (sha(board.image(tmp_path / "1", "1.1.0")), "2"),
            "2.0.0": (sha(board.image(tmp_path / "2", "2.0.0")), "7")}
    proto = os.path.join(os.path.dirname(board.path), "proto")
    shutil.copytree(board.path, proto)
    for n in range(1, 200):
        shutil.rmtree(board.path)
        shutil.copytree(proto, board.path)
        board.fw("install", b1, expect=0)
        r = board.fw("install", b2, env={"FWTOOL_CUT_AFTER": str(n)})
        if r.rc != 99:
            assert r.rc == 0 and n > 5, r
            break
        board.boot()
        board.fw("confirm", expect=None)
        for t in board.history():
            if t["state"] == "confirmed":
                content, floor = want[t["version"]]
                assert sha(board.slot_file(t["target"])) == content, (n, t["version"])
                assert open(board.p("state", "security-version")).read().strip() == floor, n


def test_mark_active_booted_before_reboot_keeps_its_count(board, tmp_path):
    board.fw("install", board.bundle(tmp_path), expect=0)
    tid = txn_id(board)
    board.fw("mark-active", "A", expect=0)
    for _ in range(5):
        board.boot()
        assert board.booted() == "A"
        board.fw("confirm", expect=0)
        assert board.bootenv()["BOOT_A_LEFT"] == "3"
    assert board.fw("wait", "--id", tid).rc == 6  # cancelled by hand


# 9 -------------------------------------------------------------------------
def test_huge_check_output_keeps_one_bounded_record(board, tmp_path):
    d = board.p("health.d", "wanted")
    for i in range(6):
        path = os.path.join(d, f"7{i}-noisy")
        with open(path, "w") as f:
            f.write("#!/bin/sh\nhead -c 4096 /dev/zero | tr '\\0' '\\001'\n")
        os.chmod(path, 0o755)
    board.fw("install", board.bundle(tmp_path), expect=0)
    tid = txn_id(board)
    board.boot()
    board.fw("confirm", expect=0)
    for _ in range(3):
        board.boot()
        board.fw("confirm", expect=0)
    lines = open(board.p("state", "history.jsonl"), "rb").read().splitlines()
    assert len(lines) == 1 and len(lines[0]) <= 64 * 1024
    r = board.fw("history", "--json", expect=0)
    assert [t["id"] for t in json.loads(r.out)["transactions"]] == [tid]
    assert board.fw("wait", "--id", tid).rc == 0


# 10 ------------------------------------------------------------------------
def test_recovered_is_a_trial_not_a_confirm(board, tmp_path):
    board.set_cmdline("console=ttyS0 root=/dev/sdz1")
    board.fw("recover", "--bundle", board.bundle(tmp_path, secver=4), expect=0)
    tid = txn_id(board)
    assert board.txn()["state"] == "recovered"
    assert board.fw("wait", "--timeout", "1").rc == 7
    assert not os.path.exists(board.p("state", "security-version"))
    board.boot()
    r = board.fw("confirm", "--json")
    assert r.rc == 0 and json.loads(r.out)["state"] == "confirmed", r
    assert open(board.p("state", "security-version")).read().strip() == "4"
    assert board.fw("wait", "--id", tid).rc == 0
    assert [(h["id"], h["state"]) for h in board.history()] == [(tid, "confirmed")]


def test_recovered_slot_failing_its_checks_with_nothing_to_fall_back_to(board, tmp_path):
    board.set_cmdline("console=ttyS0 root=/dev/sdz1")
    for bn in "AB":
        with open(board.slot_file(bn), "wb") as f:
            f.write(b"\0" * 4096)
    board.fw("recover", "--bundle", board.bundle(tmp_path, health="broken"), expect=0)
    tid = txn_id(board)
    board.boot()
    r = board.fw("confirm", "--json")
    assert r.rc == 1, r
    t = json.loads(r.out)
    assert t["id"] == tid and t["state"] == "failed" and t["reason"] == "health-check-failed"
    assert "fall back" in t["detail"]
    assert board.bootenv()["BOOT_ORDER"] == "A"  # kept booting, said so
    assert not os.path.exists(board.p("state", "security-version"))


# 11 ------------------------------------------------------------------------
def test_corrupt_transaction_is_named_everywhere(board, tmp_path):
    board.fw("install", board.bundle(tmp_path), expect=0)
    with open(board.p("state", "transaction.json"), "w") as f:
        f.write('{"id": "x", "state": ')
    r = board.fw("status", "--json")
    assert r.rc == 9, r
    doc = json.loads(r.out)
    assert doc["slots"] and doc["transaction"] is None
    assert any("transaction.json" in e for e in doc["errors"])
    for args in (("mark-good", "B"), ("wait",), ("confirm",), ("rollback",),
                 ("install", board.bundle(tmp_path / "2", "1.2.0"))):
        r = board.fw(*args, timeout=30)
        assert r.rc == 9 and "transaction.json" in r.err, (args, r)


def test_corrupt_bootloader_env_is_not_a_bad_bundle(keys, tmp_path):
    conf = tmp_path / "system.conf"
    (tmp_path / "grubenv").write_bytes(b"not a grub env block".ljust(1024, b"#"))
    conf.write_text(f"[system]\nbootloader = grub\nstatedir = {tmp_path}/state\n"
                    f"[grub]\ngrubenv = {tmp_path}/grubenv\n"
                    f"[slot.rootfs.0]\ndevice = {tmp_path}/a\ntype = file\nbootname = A\n"
                    f"[slot.rootfs.1]\ndevice = {tmp_path}/b\ntype = file\nbootname = B\n")
    from conftest import fw
    r = fw("status", "--conf", conf)
    assert r.rc == 9 and "grubenv" in r.err, r


def test_wait_exit_codes_are_distinct(board, tmp_path):
    r = board.fw("wait", "--json")
    assert r.rc == 10 and json.loads(r.out)["result"] == "unknown", r
    board.fw("install", board.bundle(tmp_path), expect=0)
    r = board.fw("wait", "--timeout", "1", "--json")
    assert r.rc == 7 and json.loads(r.out)["result"] == "timeout", r
    assert board.fw("wait", "--id", "no-such-id").rc == 10


def test_unopenable_bundle_is_a_usage_error_and_no_record(board, tmp_path):
    r = board.fw("install", tmp_path / "no-such.fwb")
    assert r.rc == 2 and "no-such.fwb" in r.err, r
    assert not os.path.exists(board.p("state", "transaction.json"))
    assert board.history() == []
