# SPDX-License-Identifier: GPL-2.0-only
"""Health checks that try to wedge confirm (issue 11): children left
behind, setsid, SIGTERM ignored, floods of output, loose permissions.
confirm must come back with a verdict, keep petting the watchdog, leave no
process of a check behind, and keep its record small."""
import json
import os
import shutil
import subprocess

import pytest
from simboard import SimBoard

# confirm runs in well under this; a check that wedges it makes the test fail
# by its timeout (a hang is a functional failure here, not a slow run)
LONG = 300


@pytest.fixture
def board(keys, tmp_path):
    b = SimBoard(tmp_path / "board", keys)
    b.set_conf("confirm", "check_timeout = 3")
    return b


def add_check(board, name, script, mode=0o755, kind="required"):
    d = board.p("health.d", kind)
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, name)
    with open(path, "w") as f:
        f.write("#!/bin/sh\n" + script + "\n")
    os.chmod(path, mode)
    return path


def on_trial(board, tmp_path):
    board.fw("install", board.bundle(tmp_path), expect=0)
    board.boot()


def confirm(board):
    r = board.fw("confirm", "--json", timeout=LONG / 5)
    return json.loads(r.out)


def check(t, name):
    return [c for c in t["checks"] if c["name"] == name][0]


def leftover(marker):
    p = subprocess.run(["pgrep", "-f", marker], capture_output=True, text=True)
    return p.stdout.split()


@pytest.fixture
def sleeper(tmp_path):
    """a copy of sleep under a name no other process has"""
    path = str(tmp_path / f"fwtool-torture-sleep-{os.getpid()}")
    shutil.copy(shutil.which("sleep"), path)
    yield path
    for pid in leftover(path):
        os.kill(int(pid), 9)


def test_a_child_left_holding_the_output_does_not_hold_confirm(board, tmp_path, sleeper):
    add_check(board, "20-bg", f"{sleeper} {LONG} &\necho started")
    on_trial(board, tmp_path)
    t = confirm(board)
    assert t["state"] == "confirmed", t
    assert "started" in check(t, "20-bg")["output"]
    assert leftover(sleeper) == [], "the check's child outlived confirm"


def test_a_setsid_child_does_not_outlive_confirm(board, tmp_path, sleeper):
    if not shutil.which("setsid"):
        pytest.skip("setsid (util-linux) is not installed")
    add_check(board, "20-daemon", f"setsid {sleeper} {LONG} &\necho forked")
    on_trial(board, tmp_path)
    t = confirm(board)
    assert t["state"] == "confirmed", t
    assert leftover(sleeper) == [], "a setsid child of the check outlived confirm"


def test_a_check_that_ignores_sigterm_is_stopped_at_its_timeout(board, tmp_path, sleeper):
    add_check(board, "20-stubborn", f"trap '' TERM\n{sleeper} {LONG}")
    on_trial(board, tmp_path)
    t = confirm(board)
    assert t["state"] == "rolled-back", t
    c = check(t, "20-stubborn")
    assert not c["passed"] and "timed out" in c["output"], c
    assert leftover(sleeper) == []
    pings = [l for l in open(board.p("state", "watchdog")).read().splitlines()
             if l.startswith("ping")]
    assert len(pings) >= 3  # petted while the check hung


def test_a_flood_of_binary_output_keeps_one_small_record(board, tmp_path):
    add_check(board, "20-flood", "head -c 20000000 /dev/urandom; printf '\\033[31mred\\n'")
    on_trial(board, tmp_path)
    t = confirm(board)
    assert t["state"] == "confirmed", t
    line = open(board.p("state", "history.jsonl"), "rb").read().splitlines()[-1]
    assert len(line) < 48 * 1024
    assert b"\x1b" not in line  # escaped, never raw
    json.loads(line)


def test_a_check_cannot_drive_the_terminal(board, tmp_path):
    """what a failing check printed is shown, its escape sequences as text"""
    add_check(board, "20-ansi", "printf '\\033[2J\\033]0;owned\\007down\\n'; exit 1")
    on_trial(board, tmp_path)
    r = board.fw("confirm")
    assert r.rc == 6, r
    assert "\x1b" not in r.out and "\x07" not in r.out, repr(r.out)
    assert "\\x1b[2J" in r.out and "down" in r.out, r.out
    r = board.fw("status")
    assert "\x1b" not in r.out, repr(r.out)


@pytest.mark.parametrize("mode", [0o777, 0o775])
def test_a_check_others_can_write_is_refused(board, tmp_path, mode):
    path = add_check(board, "20-loose", "exit 0", mode=mode)
    on_trial(board, tmp_path)
    t = confirm(board)
    assert t["state"] == "rolled-back", t
    c = check(t, "20-loose")
    assert not c["passed"] and "writable" in c["output"] and path in c["output"], c


def test_a_check_folder_others_can_write_is_refused(board, tmp_path):
    add_check(board, "20-ok", "exit 0")
    os.chmod(board.p("health.d", "required"), 0o777)
    on_trial(board, tmp_path)
    t = confirm(board)
    assert t["state"] == "rolled-back", t
    assert any("writable" in c["output"] for c in t["checks"]), t["checks"]


def test_a_hundred_checks_fail_closed(board, tmp_path):
    for i in range(100):
        add_check(board, f"{i:03d}-ok", "exit 0")
    on_trial(board, tmp_path)
    t = confirm(board)
    assert t["state"] == "rolled-back", t
    assert any("more than" in c["output"] for c in t["checks"])
