# SPDX-License-Identifier: GPL-2.0-only
"""A state directory that fills up: an end that cannot be written is never
lost quietly. The command fails loudly, a torn record is cut off before the
next one, and the next run finishes what was left: one history record, the
report queued, the floor where it belongs. On a small tmpfs (root only),
filled by space and by inodes."""
import json
import os
import subprocess

import pytest
from simboard import SimBoard

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="mounting a tmpfs needs root")


@pytest.fixture
def board(keys, tmp_path):
    b = SimBoard(tmp_path / "board", keys)
    state = tmp_path / "fwstate"
    state.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=512k,nr_inodes=64", "fwstate",
                    str(state)], check=True)
    b.statedir = str(state)
    conf = open(b.conf).read().replace("statedir = state\n", f"statedir = {state}\n")
    conf = conf.replace("[confirm]\n", "[confirm]\nreport_url = http://127.0.0.1:9/r\n")
    open(b.conf, "w").write(conf)
    # a record of about 12 KiB: the history line spans pages
    d = b.p("health.d", "wanted")
    for i in range(6):
        path = os.path.join(d, f"6{i}-chatty")
        with open(path, "w") as f:
            f.write("#!/bin/sh\nhead -c 3000 /dev/zero | tr '\\0' 'x'\n")
        os.chmod(path, 0o755)
    yield b
    subprocess.run(["umount", str(state)], check=False)


def fill(board, free_kib):
    """Leave @free_kib KiB free on the state tmpfs."""
    st = os.statvfs(board.statedir)
    room = st.f_bavail * st.f_frsize - free_kib * 1024
    with open(os.path.join(board.statedir, "filler"), "wb") as f:
        while room > 0:
            try:
                f.write(b"\0" * min(room, 4096))
            except OSError:
                break
            room -= 4096


def settle(board, tid):
    """The next run finishes the end: one record, queued, floor raised."""
    os.unlink(os.path.join(board.statedir, "filler"))
    r = board.fw("confirm", "--json")
    assert r.rc in (0, 6), r
    hist = open(os.path.join(board.statedir, "history.jsonl"), "rb").read()
    assert hist.endswith(b"\n")
    lines = [json.loads(line) for line in hist.splitlines()]  # every line whole
    assert [t["id"] for t in lines].count(tid) == 1, lines
    assert lines[-1]["state"] == "confirmed"
    assert os.path.exists(os.path.join(board.statedir, "outbox", tid + ".json"))
    assert open(os.path.join(board.statedir, "security-version")).read().strip() == "2"
    assert board.fw("wait", "--id", tid, "--timeout", "0").rc == 0


@pytest.mark.parametrize("free_kib", [0, 4, 8, 12, 16, 20, 24, 32, 40])
def test_state_disk_full_during_confirm(board, tmp_path, free_kib):
    board.fw("install", board.bundle(tmp_path), expect=0)
    tid = json.load(open(os.path.join(board.statedir, "transaction.json")))["id"]
    board.boot()
    fill(board, free_kib)
    r = board.fw("confirm")
    if r.rc != 0:  # loudly: a message naming what could not be written
        assert "No space left" in r.err, r
    settle(board, tid)


def test_state_inodes_exhausted_during_confirm(board, tmp_path):
    board.fw("install", board.bundle(tmp_path), expect=0)
    tid = json.load(open(os.path.join(board.statedir, "transaction.json")))["id"]
    board.boot()
    n = 0
    while True:
        try:
            open(os.path.join(board.statedir, f"inode-{n}"), "w").close()
        except OSError:
            break
        n += 1
    r = board.fw("confirm")
    assert r.rc == 1 and "No space left" in r.err, r
    for i in range(n):
        os.unlink(os.path.join(board.statedir, f"inode-{i}"))
    open(os.path.join(board.statedir, "filler"), "w").close()
    settle(board, tid)
