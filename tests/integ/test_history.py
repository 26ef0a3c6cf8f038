# SPDX-License-Identifier: GPL-2.0-only
"""History at 100,000 past transactions: streamed, read from its end, never
a record lost or doubled. Memory is asserted (a bound, on the release
binary), never time."""
import json
import os
import shutil
import subprocess
import uuid

import pytest
from conftest import ROOT
from simboard import SimBoard

N = 100000


@pytest.fixture(scope="module")
def big(keys, tmp_path_factory):
    d = tmp_path_factory.mktemp("hist")
    board = SimBoard(d / "board", keys)
    rec = {"schema": "fwtool.transaction/1", "id": "", "kind": "install", "state": "confirmed",
           "phase": "health checks", "done": 1, "total": 1, "bundle": "/data/u.fwb",
           "version": "1.1.0", "security_version": 2, "target": "B", "previous": "A",
           "slots": ["rootfs.1", "router-fw.1"], "started": 1795668000, "updated": 1795668003,
           "ended": 1795668003, "reason": "", "detail": "", "ignored_compatible": False,
           "checks": [{"name": "10-rootfs-healthy", "required": True, "passed": True,
                       "duration_ms": 42, "output": "rootfs 1.1.0 status=healthy\n"}]}
    ids = []
    with open(board.p("state", "history.jsonl"), "w") as f:
        for i in range(N):
            rec["id"] = str(uuid.UUID(int=i + 1, version=4))
            rec["state"] = ("confirmed", "rolled-back", "failed")[i % 3]
            ids.append((rec["id"], rec["state"]))
            f.write(json.dumps(rec, separators=(",", ":")) + "\n")
        f.write('{"schema":"fwtool.transaction/1","id":"torn-by-a-cut","sta')
    return board, ids


def release_fwtool():
    path = os.path.join(os.environ.get("FWTOOL_BUILD", os.path.join(ROOT, "build")), "fwtool")
    return path if os.path.exists(path) else None


def test_history_streams_every_record_in_bounded_memory(big, tmp_path):
    board, ids = big
    fw = release_fwtool()
    if not fw or not shutil.which("time"):
        pytest.skip("needs the release build and /usr/bin/time")
    out = tmp_path / "h.json"
    with open(out, "w") as f:
        p = subprocess.run(["/usr/bin/time", "-f", "%M", fw, "history", "--json"], stdout=f,
                           stderr=subprocess.PIPE, text=True, env=dict(board.env, **os.environ,
                                                                      FWTOOL_CONF=board.conf))
    assert p.returncode == 0, p.stderr
    doc = json.load(open(out))
    assert doc["schema"] == "fwtool.history/1"
    assert [(t["id"], t["state"]) for t in doc["transactions"]] == ids  # torn tail skipped
    rss_kib = int(p.stderr.strip().splitlines()[-1])
    assert rss_kib < 32 * 1024, f"history --json took {rss_kib} KiB"  # 687 MiB at 7cb1179


def test_history_since_and_wait_read_from_the_end(big):
    board, ids = big
    r = board.fw("history", "--json", "--since", ids[-3][0], expect=0)
    assert [t["id"] for t in json.loads(r.out)["transactions"]] == [i for i, _ in ids[-2:]]
    assert board.fw("history", "--since", "no-such-id").rc == 10
    for tid, state in (ids[0], ids[N // 2], ids[-1]):
        want = {"confirmed": 0, "rolled-back": 6, "failed": 1}[state]
        assert board.fw("wait", "--id", tid, "--timeout", "0").rc == want
    assert board.fw("wait", "--id", "torn-by-a-cut", "--timeout", "0").rc == 10


def test_next_end_after_a_torn_tail_is_a_record_of_its_own(big, tmp_path):
    board, ids = big
    path = board.p("state", "history.jsonl")
    backup = open(path, "rb").read()
    try:
        board.fw("install", board.bundle(tmp_path), expect=0)
        board.boot()
        r = board.fw("confirm", "--json", expect=0)
        tid = json.loads(r.out)["id"]
        with open(path, "rb") as f:
            f.seek(-70000, os.SEEK_END)
            tail = f.read().splitlines()
        assert b"torn-by-a-cut" not in b"".join(tail)
        assert json.loads(tail[-1])["id"] == tid and json.loads(tail[-2])["id"] == ids[-1][0]
        assert board.fw("wait", "--id", tid, "--timeout", "0").rc == 0
    finally:
        open(path, "wb").write(backup)
