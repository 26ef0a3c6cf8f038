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
    board.fw("install", board.bundle(tmp_path), check=0)
    board.boot()
    r = board.fw("confirm", check=0)
    assert "not delivered" in r.err
    outbox = board.p("state", "outbox")
    queued = [n for n in os.listdir(outbox) if n.endswith(".json")]
    assert len(queued) == 1 and os.path.exists(os.path.join(outbox, queued[0] + ".retry"))
    # still waiting out its backoff: nothing is tried
    r = board.fw("report", "--json", check=0)
    assert json.loads(r.out)["waiting"] == 1
    # the server comes up, the wait is over
    Sink.got = []
    srv = http.server.HTTPServer(("127.0.0.1", port), Sink)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    try:
        os.unlink(os.path.join(outbox, queued[0] + ".retry"))
        r = board.fw("report", "--json", check=0)
        assert json.loads(r.out)["sent"] == 1
    finally:
        srv.shutdown()
    assert Sink.got[0]["state"] == "confirmed" and Sink.got[0]["schema"] == "fwtool.transaction/1"
    assert not os.listdir(outbox)


def test_rollback_is_reported_at_once(board, tmp_path):
    port = free_port()
    set_url(board, port)
    Sink.got = []
    srv = http.server.HTTPServer(("127.0.0.1", port), Sink)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        board.fw("install", board.bundle(tmp_path, health="broken"), check=0)
        board.boot()
        assert board.fw("confirm").rc == 6
    finally:
        srv.shutdown()
    assert [(g["state"], g["reason"]) for g in Sink.got] == [("rolled-back", "health-check-failed")]
