# SPDX-License-Identifier: GPL-2.0-only
"""confirm, rollback, wait, history and mark-* on the simulated board."""
import json
import os
import stat

import pytest
from simboard import SimBoard


@pytest.fixture
def board(keys, tmp_path):
    return SimBoard(tmp_path / "board", keys)


def installed(board, tmp_path, **kw):
    board.fw("install", board.bundle(tmp_path, **kw), expect=0)
    return json.loads(open(board.p("state", "transaction.json")).read())["id"]


def add_check(board, kind, name, script):
    d = board.p("health.d", kind)
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, name)
    with open(path, "w") as f:
        f.write("#!/bin/sh\n" + script + "\n")
    os.chmod(path, 0o755)


def test_confirm_success_marks_good_and_raises_floor(board, tmp_path):
    tid = installed(board, tmp_path, secver=4)
    board.boot()
    assert board.booted() == "B"
    r = board.fw("confirm", "--json", expect=0)
    t = json.loads(r.out)
    assert t["schema"] == "fwtool.transaction/1" and t["state"] == "confirmed" and t["id"] == tid
    assert [c["name"] for c in t["checks"]] == ["10-rootfs-healthy", "50-disk-space"]
    assert all(c["passed"] for c in t["checks"])
    assert board.bootenv()["BOOT_B_LEFT"] == "3"
    assert open(board.p("state", "security-version")).read().strip() == "4"
    wd = open(board.p("state", "watchdog")).read().splitlines()
    assert wd[0].startswith("open") and wd[-1].startswith("close magic")
    board.fw("wait", expect=0)


def test_required_check_failure_rolls_back(board, tmp_path):
    installed(board, tmp_path, health="broken", secver=4)
    board.boot()
    r = board.fw("confirm", "--json")
    assert r.rc == 6, r
    t = json.loads(r.out)
    assert t["state"] == "rolled-back" and t["reason"] == "health-check-failed"
    assert "10-rootfs-healthy" in t["detail"] and "not healthy" in t["detail"]
    env = board.bootenv()
    assert env["BOOT_ORDER"] == "A" and env["BOOT_B_LEFT"] == "0"
    # the floor did not move: the device can still run what it ran
    assert not os.path.exists(board.p("state", "security-version"))
    wd = open(board.p("state", "watchdog")).read().splitlines()
    assert wd[-1].startswith("close armed")  # armed through the reboot
    board.boot()
    assert board.booted() == "A"
    board.fw("confirm", expect=0)  # nothing pending now: quiet, exit 0
    r = board.fw("wait", "--json")
    doc = json.loads(r.out)
    assert r.rc == 6 and doc["result"] == "rolled-back" and doc["exit"] == 6
    assert doc["transaction"]["reason"] == "health-check-failed"


def test_a_check_that_cannot_run_says_why(board, tmp_path):
    """A check fwtool cannot execute (here: not executable) fails, and its
    output says why: an operator reading the report sees the cause."""
    add_check(board, "required", "20-service", "exit 0")
    os.chmod(board.p("health.d", "required", "20-service"), 0o644)
    installed(board, tmp_path)
    board.boot()
    r = board.fw("confirm", "--json")
    t = json.loads(r.out)
    assert t["state"] == "rolled-back", t
    c = [c for c in t["checks"] if c["name"] == "20-service"][0]
    assert not c["passed"] and "20-service" in c["output"], c
    assert "Permission denied" in c["output"], c


def test_a_dangling_check_fails(board, tmp_path):
    """Fail closed: a required check that is a dangling link never passes
    by being skipped (nor does a folder that cannot be read: root, which
    these tests run as, reads every folder)."""
    d = board.p("health.d", "required")
    os.makedirs(d, exist_ok=True)
    os.symlink(os.path.join(str(tmp_path), "gone"), os.path.join(d, "30-gone"))
    installed(board, tmp_path)
    board.boot()
    t = json.loads(board.fw("confirm", "--json").out)
    assert t["state"] == "rolled-back", t
    c = [c for c in t["checks"] if c["name"] == "30-gone"][0]
    assert not c["passed"] and "No such file" in c["output"], c


def test_more_required_checks_than_fwtool_runs_fails(board, tmp_path):
    for i in range(40):
        add_check(board, "required", f"{i:02d}-ok", "exit 0")
    installed(board, tmp_path)
    board.boot()
    t = json.loads(board.fw("confirm", "--json").out)
    assert t["state"] == "rolled-back", t
    assert any("more than" in c["output"] for c in t["checks"]), t["checks"]


def test_every_required_check_runs(board, tmp_path):
    add_check(board, "required", "05-fails-first", "echo first failure; exit 1")
    add_check(board, "required", "20-runs-anyway", "echo still ran")
    installed(board, tmp_path)
    board.boot()
    t = json.loads(board.fw("confirm", "--json").out)
    names = {c["name"]: c for c in t["checks"]}
    assert names["05-fails-first"]["passed"] is False
    assert names["20-runs-anyway"]["passed"] is True
    assert "still ran" in names["20-runs-anyway"]["output"]


def test_wanted_check_failure_still_confirms(board, tmp_path):
    add_check(board, "wanted", "60-flaky", "echo flaky; exit 3")
    installed(board, tmp_path)
    board.boot()
    t = json.loads(board.fw("confirm", "--json", expect=0).out)
    assert t["state"] == "confirmed"
    flaky = [c for c in t["checks"] if c["name"] == "60-flaky"][0]
    assert flaky["passed"] is False and flaky["required"] is False


def test_check_timeout_fails_the_check(board, tmp_path):
    with open(board.conf, "a") as f:
        f.write("[check.hangs]\ncommand = sleep 30\ntimeout = 1\n")
    installed(board, tmp_path)
    board.boot()
    r = board.fw("confirm", "--json")
    assert r.rc == 6
    t = json.loads(r.out)
    hang = [c for c in t["checks"] if c["name"] == "hangs"][0]
    assert not hang["passed"] and "timed out" in hang["output"]
    pings = [l for l in open(board.p("state", "watchdog")) if l.startswith("ping")]
    assert len(pings) >= 3  # petted while the check hung


def test_never_confirmed_runs_out_of_tries(board, tmp_path):
    installed(board, tmp_path)
    for _ in range(3):  # B boots and hangs before confirm, three times
        board.boot()
        assert board.booted() == "B"
    board.boot()
    assert board.booted() == "A"
    r = board.fw("confirm", "--json")
    assert r.rc == 6
    t = json.loads(r.out)
    assert t["reason"] == "tries-exhausted"
    assert board.fw("wait").rc == 6
    assert board.bootenv()["BOOT_A_LEFT"] == "3"  # refreshed


def test_watchdog_reset_is_named(board, tmp_path):
    installed(board, tmp_path)
    for _ in range(3):
        board.boot(watchdog_reset=True)
    board.boot(watchdog_reset=True)  # the last reset, then back on A
    assert board.booted() == "A"
    t = json.loads(board.fw("confirm", "--json").out)
    assert t["reason"] == "watchdog-reset"


def test_confirm_before_reboot_does_nothing(board, tmp_path):
    installed(board, tmp_path)
    r = board.fw("confirm", "--json", expect=0)
    assert json.loads(r.out)["result"] == "nothing-pending"
    t = json.loads(open(board.p("state", "transaction.json")).read())
    assert t["state"] == "activated"


def test_confirm_is_idempotent_and_refreshes_tries(board, tmp_path):
    board.boot()  # a plain boot of A counts a try down
    assert board.bootenv()["BOOT_A_LEFT"] == "2"
    board.fw("confirm", expect=0)
    assert board.bootenv()["BOOT_A_LEFT"] == "3"
    board.fw("confirm", expect=0)
    assert not os.path.exists(board.p("state", "history.jsonl"))


def test_wait_timeout_exits_7(board, tmp_path):
    installed(board, tmp_path)
    r = board.fw("wait", "--timeout", "1")
    assert r.rc == 7 and "still activated" in r.err


def test_history_lists_every_end(board, tmp_path):
    t1 = installed(board, tmp_path)
    board.boot()
    board.fw("confirm", expect=0)
    t2 = installed(board, tmp_path / "2", version="1.2.0", health="broken")
    board.boot()
    board.fw("confirm")
    r = board.fw("history", "--json", expect=0)
    doc = json.loads(r.out)
    assert doc["schema"] == "fwtool.history/1"
    assert [(t["id"], t["state"]) for t in doc["transactions"]] == \
        [(t1, "confirmed"), (t2, "rolled-back")]
    r = board.fw("history", "--json", "--since", t1, expect=0)
    assert [t["id"] for t in json.loads(r.out)["transactions"]] == [t2]
    assert board.fw("wait", "--id", t1).rc == 0
    assert board.fw("wait", "--id", t2).rc == 6


def test_mark_good_by_hand_confirms_trial(board, tmp_path):
    installed(board, tmp_path)
    board.boot()
    board.fw("mark-good", "booted", expect=0)
    t = json.loads(open(board.p("state", "transaction.json")).read())
    assert t["state"] == "confirmed"


def test_mark_bad_by_hand_rolls_back_trial(board, tmp_path):
    installed(board, tmp_path)
    board.boot()
    board.fw("mark-bad", "booted", expect=0)
    t = json.loads(open(board.p("state", "transaction.json")).read())
    assert t["state"] == "rolled-back" and t["reason"] == "marked-bad"
    assert board.bootenv()["BOOT_ORDER"] == "A"


def test_manual_rollback_switches_to_other_good_slot(board, tmp_path):
    installed(board, tmp_path)
    board.boot()
    board.fw("confirm", expect=0)
    r = board.fw("rollback", "--json", expect=0)
    t = json.loads(r.out)
    assert t["state"] == "rolled-back" and t["reason"] == "manual" and t["target"] == "A"
    assert board.bootenv()["BOOT_ORDER"].startswith("A")
    board.boot()
    assert board.booted() == "A"


def test_mark_active_and_names(board, tmp_path):
    installed(board, tmp_path)
    board.boot()
    board.fw("confirm", expect=0)
    board.fw("mark-active", "rootfs.0", expect=0)
    assert board.bootenv()["BOOT_ORDER"] == "A B"
    board.fw("mark-bad", "other", expect=0)
    assert board.bootenv()["BOOT_ORDER"] == "B"
    assert board.fw("mark-good", "nosuch").rc == 2
