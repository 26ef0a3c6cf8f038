# SPDX-License-Identifier: GPL-2.0-only
"""report_url: final reports are queued, POSTed, retried; never in the way."""
import http.server
import json
import os
import socket
import threading

import pytest
from simboard import SimBoard


class Sink(http.server.BaseHTTPRequestHandler):
    got = []

    def do_POST(self):
        n = int(self.headers["Content-Length"])
        Sink.got.append(json.loads(self.rfile.read(n)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *a):
        pass


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


@pytest.fixture
def board(keys, tmp_path):
    return SimBoard(tmp_path / "board", keys)


def set_url(board, port):
    conf = open(board.conf).read().replace(
        "[confirm]\n", f"[confirm]\nreport_url = http://127.0.0.1:{port}/fwtool\n")
    open(board.conf, "w").write(conf)


def test_report_waits_for_the_server_and_never_blocks_confirm(board, tmp_path):
    port = free_port()
    set_url(board, port)  # nothing listens there yet
    board.fw("install", board.bundle(tmp_path), expect=0)
    board.boot()
    r = board.fw("confirm", expect=0)
    assert "not delivered" in r.err
    outbox = board.p("state", "outbox")
    queued = [n for n in os.listdir(outbox) if n.endswith(".json")]
    assert len(queued) == 1 and os.path.exists(os.path.join(outbox, queued[0] + ".retry"))
    # still waiting out its backoff: nothing is tried, and it says so (exit 1)
    r = board.fw("report", "--json", expect=1)
    assert json.loads(r.out)["waiting"] == 1
    # the server comes up, the wait is over
    Sink.got = []
    srv = http.server.HTTPServer(("127.0.0.1", port), Sink)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    try:
        os.unlink(os.path.join(outbox, queued[0] + ".retry"))
        r = board.fw("report", "--json", expect=0)
        assert json.loads(r.out)["sent"] == 1
    finally:
        srv.shutdown()
    assert Sink.got[0]["state"] == "confirmed" and Sink.got[0]["schema"] == "fwtool.transaction/1"
    assert not os.listdir(outbox)


def test_credentials_in_the_report_url_are_never_printed(board, tmp_path):
    port = free_port()  # nothing listens: the warning names the sink
    conf = open(board.conf).read().replace(
        "[confirm]\n", f"[confirm]\nreport_url = http://fleet:s3cret@127.0.0.1:{port}/x\n")
    open(board.conf, "w").write(conf)
    board.fw("install", board.bundle(tmp_path), expect=0)
    board.boot()
    r = board.fw("confirm", expect=0)
    assert "not delivered" in r.err and f"127.0.0.1:{port}" in r.err, r.err
    assert "s3cret" not in r.err + r.out and "fleet:" not in r.err, r.err
    r = board.fw("status", "--json")
    assert "s3cret" not in r.out + r.err


def test_a_sink_that_never_answers_costs_confirm_one_timeout(board, tmp_path):
    """Once a delivery failed, the other queued reports wait for the next
    flush (the timer's): confirm pays one report_timeout, never one per
    report (issue 11)."""
    hole = socket.socket()
    hole.bind(("127.0.0.1", 0))
    hole.listen(16)  # accepts the connection, never answers
    try:
        set_url(board, hole.getsockname()[1])
        board.set_conf("confirm", "report_timeout = 2")
        board.fw("install", "--no-activate", board.bundle(tmp_path, version="1.1.0"), expect=0)
        board.fw("install", "--no-activate", board.bundle(tmp_path, version="1.2.0"), expect=0)
        board.fw("install", board.bundle(tmp_path, version="1.3.0"), expect=0)
        board.boot()
        r = board.fw("confirm", "--json", expect=0)
        assert json.loads(r.out)["state"] == "confirmed"
        outbox = board.p("state", "outbox")
        queued = [n for n in os.listdir(outbox) if n.endswith(".json")]
        tried = [n for n in os.listdir(outbox) if n.endswith(".retry")]
        assert len(queued) == 3 and len(tried) == 1, os.listdir(outbox)
        r = board.fw("report", "--json", expect=1)
        assert json.loads(r.out)["waiting"] >= 1
    finally:
        hole.close()


def test_the_queue_keeps_the_newest_reports_only(board, tmp_path):
    """a sink that stays down must not fill the state disk: the queue keeps
    the newest 64 reports (history keeps them all)"""
    set_url(board, free_port())
    outbox = board.p("state", "outbox")
    os.makedirs(outbox, exist_ok=True)
    for i in range(70):
        p = os.path.join(outbox, f"old-{i:02d}.json")
        open(p, "w").write("{}")
        open(p + ".retry", "w").write("1 0\n")
        os.utime(p, (1000 + i, 1000 + i))
    b = bytearray(open(board.bundle(tmp_path), "rb").read())
    b[b.index(b"fwtool-demo rootfs 1.1.0") + 10] ^= 1  # fails: a report to queue
    open(tmp_path / "bad.fwb", "wb").write(bytes(b))
    board.fw("install", tmp_path / "bad.fwb", expect=3)
    names = sorted(n for n in os.listdir(outbox) if n.endswith(".json"))
    assert len(names) == 64, len(names)
    assert board.txn()["id"] + ".json" in names
    assert "old-00.json" not in names and "old-69.json" in names  # the oldest went
    assert not os.path.exists(os.path.join(outbox, "old-00.json.retry"))


def test_rollback_is_reported_at_once(board, tmp_path):
    port = free_port()
    set_url(board, port)
    Sink.got = []
    srv = http.server.HTTPServer(("127.0.0.1", port), Sink)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        board.fw("install", board.bundle(tmp_path, health="broken"), expect=0)
        board.boot()
        assert board.fw("confirm").rc == 6
    finally:
        srv.shutdown()
    assert [(g["state"], g["reason"]) for g in Sink.got] == [("rolled-back", "health-check-failed")]


def test_every_report_says_which_host(board, tmp_path):
    port = free_port()
    set_url(board, port)
    conf = open(board.conf).read().replace("[system]\n", "[system]\nhostname = rack3-h07\n"
                                           f"machine_id = {tmp_path}/machine-id\n")
    open(board.conf, "w").write(conf)
    (tmp_path / "machine-id").write_text("0123456789abcdef0123456789abcdef\n")
    Sink.got = []
    srv = http.server.HTTPServer(("127.0.0.1", port), Sink)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        board.fw("install", board.bundle(tmp_path), expect=0)
        board.boot()
        board.fw("confirm", expect=0)
    finally:
        srv.shutdown()
    assert Sink.got[0]["host"] == {"hostname": "rack3-h07",
                                   "machine_id": "0123456789abcdef0123456789abcdef",
                                   "compatible": ["fwtool,sim"]}


def report_cmd_board(board, tmp_path, cmd):
    conf = open(board.conf).read().replace(
        "[confirm]\n", f"[confirm]\nreport_cmd = {cmd}\nreport_timeout = 3\n")
    open(board.conf, "w").write(conf)


def test_report_cmd_delivers_on_exit_0(board, tmp_path):
    got = tmp_path / "got"
    report_cmd_board(board, tmp_path, f"cat >> {got}; echo >> {got}")
    board.fw("install", board.bundle(tmp_path, health="broken"), expect=0)
    board.boot()
    assert board.fw("confirm", "--json").rc == 6
    reps = [json.loads(line) for line in open(got).read().splitlines() if line]
    assert [(r["state"], r["reason"]) for r in reps] == [("rolled-back", "health-check-failed")]
    assert not os.listdir(board.p("state", "outbox"))
    assert board.fw("report", "--json", expect=0).out.count('"sent": 0') == 1


def test_report_cmd_failing_or_hanging_keeps_the_report(board, tmp_path):
    report_cmd_board(board, tmp_path, "exec sleep 60")
    board.fw("install", board.bundle(tmp_path), expect=0)
    board.boot()
    r = board.fw("confirm", expect=0, timeout=30)  # killed after report_timeout
    assert "not delivered" in r.err
    queued = [n for n in os.listdir(board.p("state", "outbox")) if n.endswith(".json")]
    assert len(queued) == 1
    r = board.fw("report", expect=1)  # waiting for its next try: exit 1 says so
    assert "still queued" in r.err


def test_static_binary_reports_through_report_cmd(keys, tmp_path):
    """The static builds have no libcurl: report_cmd is how they report."""
    from test_static import STATIC
    if not os.path.exists(STATIC):
        pytest.skip(f"{STATIC} is not built")
    state = tmp_path / "state"
    (state / "outbox").mkdir(parents=True)
    (state / "outbox" / "1234.json").write_text('{"id": "1234"}')
    got = tmp_path / "got"
    conf = tmp_path / "system.conf"
    conf.write_text(f"[system]\nbootloader = grub\nstatedir = {state}\n"
                    f"[grub]\ngrubenv = {tmp_path}/grubenv\n"
                    f"[confirm]\nreport_cmd = cat > {got}\n"
                    f"[slot.rootfs.0]\ndevice = {tmp_path}/a\ntype = file\nbootname = A\n")
    import subprocess
    r = subprocess.run([STATIC, "--conf", str(conf), "report", "--json"], capture_output=True,
                       text=True)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["sent"] == 1
    assert json.loads(got.read_text())["id"] == "1234"
    conf.write_text(conf.read_text().replace("report_cmd = cat > " + str(got),
                                             "report_url = http://127.0.0.1:9/"))
    (state / "outbox" / "5678.json").write_text('{"id": "5678"}')
    r = subprocess.run([STATIC, "--conf", str(conf), "report"], capture_output=True, text=True)
    assert r.returncode == 1 and "report_cmd" in r.stderr  # says what to use instead
