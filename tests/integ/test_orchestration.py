# SPDX-License-Identifier: GPL-2.0-only
"""What an orchestrator reads and gates on (issue 13): the running version
and whether it is confirmed, an install that does nothing when there is
nothing to do, a transaction id chosen by the caller and present in every
outcome, a degraded confirm."""
import hashlib
import json
import os

import pytest
from simboard import SimBoard


@pytest.fixture
def board(keys, tmp_path):
    return SimBoard(tmp_path / "board", keys)


def fingerprint(board):
    h = hashlib.sha256()
    for d in ("state", "slots"):
        for root, _, files in sorted(os.walk(board.p(d))):
            for f in sorted(files):
                if f not in ("lock",):
                    h.update(f.encode() + open(os.path.join(root, f), "rb").read())
    return h.hexdigest()


def test_status_says_what_runs_and_whether_it_is_confirmed(board, tmp_path):
    r = json.loads(board.fw("status", "--json", expect=0).out)["running"]
    assert r == {"bootname": "A", "version": None, "security_version": 0,
                 "confirmed": True, "on_trial": False}  # what the board came with
    board.fw("install", board.bundle(tmp_path), expect=0)
    board.boot()
    r = json.loads(board.fw("status", "--json", expect=0).out)["running"]
    assert r["bootname"] == "B" and r["version"] == "1.1.0"
    assert r["on_trial"] is True and r["confirmed"] is False
    board.fw("confirm", expect=0)
    r = json.loads(board.fw("status", "--json", expect=0).out)["running"]
    assert r["version"] == "1.1.0" and r["confirmed"] is True and r["security_version"] == 2
    assert "running:    1.1.0 (confirmed)" in board.fw("status", expect=0).out


def test_install_skip_if_running(board, tmp_path):
    b = board.bundle(tmp_path)
    # pending: the activated trial of the same bundle is what will happen
    r = board.fw("install", "--json", b, expect=0)
    tid = json.loads(r.out)["transaction"]["id"]
    before = fingerprint(board)
    r = board.fw("install", "--json", "--skip-if-running", b, expect=0)
    doc = json.loads(r.out)
    assert doc["skipped"] == "pending" and doc["transaction"]["id"] == tid
    assert fingerprint(board) == before
    board.boot()
    board.fw("confirm", expect=0)
    # running, confirmed: nothing to do, nothing written, no transaction
    before = fingerprint(board)
    r = board.fw("install", "--json", "--skip-if-running", b, expect=0)
    doc = json.loads(r.out)
    assert doc["skipped"] == "running" and doc["version"] == "1.1.0"
    assert doc["transaction"] is None
    assert fingerprint(board) == before
    assert "nothing to do" in board.fw("install", "--skip-if-running", b, expect=0).out
    # another bundle is installed; without the flag the same one is too
    r = board.fw("install", "--json", "--skip-if-running",
                 board.bundle(tmp_path / "2", "1.2.0"), expect=0)
    assert json.loads(r.out)["skipped"] is None
    assert board.txn()["version"] == "1.2.0"
    # a bundle that does not verify is refused, flag or not
    bad = tmp_path / "bad.fwb"
    data = bytearray(open(b, "rb").read())
    data[600] ^= 1
    bad.write_bytes(bytes(data))
    assert board.fw("install", "--skip-if-running", bad).rc == 3


def test_install_id_chosen_by_the_caller_is_in_every_outcome(board, tmp_path):
    tid = "0badc0de-0000-4000-8000-000000000001"
    r = board.fw("install", "--json", "--events", "--no-progress", "--id", tid,
                 board.bundle(tmp_path), expect=0)
    lines = r.out.splitlines()
    first = json.loads(lines[0])
    assert first == {"schema": "fwtool.event/1", "phase": "transaction", "transaction": tid}
    assert board.txn()["id"] == tid
    # taken: refused
    r = board.fw("install", "--json", "--id", tid, board.bundle(tmp_path))
    assert r.rc == 2 and "exists" in r.err
    # refused before it began: the error names the id; wait says it never began
    other = "0badc0de-0000-4000-8000-000000000002"
    r = board.fw("install", "--json", "--id", other,
                 board.bundle(tmp_path / "x", "1.3.0", compatible="acme,x1"))
    assert r.rc == 4 and json.loads(r.out)["transaction"] == other
    w = board.fw("wait", "--json", "--id", other, "--timeout", "0")
    assert w.rc == 10 and json.loads(w.out)["result"] == "unknown"
    # a generated id is in the error too
    r = board.fw("install", "--json", tmp_path / "missing.fwb")
    assert r.rc == 2 and len(json.loads(r.out)["transaction"]) == 36
    assert board.fw("install", "--id", "not an id!", board.bundle(tmp_path)).rc == 2


def test_wait_says_degraded_when_a_wanted_check_failed(board, tmp_path):
    path = board.p("health.d", "wanted", "70-flaky")
    with open(path, "w") as f:
        f.write("#!/bin/sh\necho flaky; exit 1\n")
    os.chmod(path, 0o755)
    board.fw("install", board.bundle(tmp_path), expect=0)
    board.boot()
    board.fw("confirm", expect=0)
    r = board.fw("wait", "--json", expect=0)
    doc = json.loads(r.out)
    assert doc["result"] == "confirmed" and doc["degraded"] is True
    assert doc["degraded_checks"] == ["70-flaky"]
