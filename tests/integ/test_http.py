# SPDX-License-Identifier: GPL-2.0-only
"""install, verify and info from http:// and https:// URLs, against a real
server on 127.0.0.1 (httpserve.py): TLS with a test CA, links that drop or
stall and are resumed byte-exact, a bundle replaced under the download,
statuses, redirects, a token, basic auth and a client certificate."""
import base64
import hashlib
import json
import os
import random

import pytest
from httpserve import PKI, Server
from simboard import SimBoard

NO_PROXY = {"http_proxy": "", "https_proxy": "", "HTTPS_PROXY": "", "all_proxy": "",
            "ALL_PROXY": "", "no_proxy": ""}


def sha(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return PKI(str(tmp_path_factory.mktemp("httppki")))


@pytest.fixture
def board(keys, tmp_path):
    b = SimBoard(tmp_path / "board", keys)
    b.env.update(NO_PROXY)
    b.first_order = b.bootenv()["BOOT_ORDER"]
    return b


@pytest.fixture
def http():
    s = Server()
    yield s
    s.close()


@pytest.fixture
def https(pki):
    s = Server(pki)
    yield s
    s.close()


def serve(server, board, tmp_path, **kw):
    """a bundle of @board on @server at /u.fwb: (url, bundle path)"""
    b = board.bundle(tmp_path, **kw)
    server.put("/u.fwb", open(b, "rb").read())
    return server.url("/u.fwb"), b


def installed(board, tmp_path, version="1.1.0"):
    """the target slots hold the images, byte for byte"""
    assert board.bootenv()["BOOT_ORDER"] == "B A"
    assert sha(board.slot_file("B")) == sha(board.image(tmp_path, version))
    assert sha(board.slot_file("B", "router-fw")) == \
        sha(board.image(tmp_path, version, "router-fw"))


def untouched(board):
    assert board.bootenv()["BOOT_ORDER"] == board.first_order
    assert open(board.slot_file("A")).read().startswith("fwtool-demo rootfs 1.0.0")


def test_install_over_http(board, http, tmp_path):
    url, _ = serve(http, board, tmp_path)
    r = board.fw("install", "--json", url, expect=0)
    doc = json.loads(r.out)
    assert doc["transaction"]["bundle"] == url
    installed(board, tmp_path)
    assert board.txn()["bundle"] == url and board.txn()["retries"] == 0
    # one GET, the whole file, no range
    assert [(e["status"], e["range"]) for e in http.log] == [(200, None)]


def test_verify_and_info_over_http(board, http, tmp_path):
    url, _ = serve(http, board, tmp_path)
    board.fw("verify", url, expect=0)
    r = board.fw("info", "--json", url, expect=0)
    doc = json.loads(r.out)
    assert doc["manifest"]["version"] == "1.1.0" and doc["bundle"] == url


def test_install_over_https_with_the_test_ca(board, https, pki, tmp_path):
    url, _ = serve(https, board, tmp_path)
    board.set_conf("download", f"ca = {pki.ca}")
    board.fw("install", url, expect=0)
    installed(board, tmp_path)
    # the name the certificate was made for works as well as the address
    assert "localhost" in open(pki.server[0].replace(".pem", ".ext")).read()


@pytest.mark.parametrize("ca", ["other", "system"])
def test_https_with_an_untrusted_certificate_is_refused(board, https, pki, tmp_path, ca):
    url, _ = serve(https, board, tmp_path)
    if ca == "other":
        board.set_conf("download", f"ca = {pki.other_ca}")
    r = board.fw("install", url, expect=3)
    assert "not trusted" in r.err and r.err.count("\n") == 1, r
    untouched(board)
    assert not os.path.exists(board.p("state", "transaction.json"))


def test_https_name_must_match_the_certificate(board, https, pki, tmp_path):
    serve(https, board, tmp_path)
    board.set_conf("download", f"ca = {pki.ca}")
    # 127.0.0.1 is the same server; the certificate names only localhost
    r = board.fw("install", https.url("/u.fwb", host="127.0.0.1"), expect=3)
    assert "not trusted" in r.err, r
    untouched(board)


def resumed(board, server, tmp_path, fault, conf=(), size_mib=6, comp="zstd", **fkw):
    url, b = serve(server, board, tmp_path, size_mib=size_mib, comp=comp)
    size = os.path.getsize(b)
    server.faults["/u.fwb"] = dict(fault(size), **fkw)
    for line in conf:
        board.set_conf("download", line)
    r = board.fw("install", "--events", url, expect=0)
    installed(board, tmp_path)
    events = [json.loads(line) for line in r.out.splitlines() if line.startswith("{")]
    return size, [e for e in events if e["phase"] == "retry"]


@pytest.mark.parametrize("where", ["header", "first-image", "late", "random"])
def test_a_dropped_link_is_resumed_byte_exact(board, http, tmp_path, where):
    def at(size):
        n = {"header": 700, "first-image": 20000, "late": size - 3000,
             "random": random.randrange(1, size - 1)}[where]
        return {"drop_after": n, "once": True}
    size, retries = resumed(board, http, tmp_path, at)
    assert len(retries) == 1 and 0 < retries[0]["offset"] < size
    # the second request asked from the first byte not read yet
    assert http.log[1]["range"] == f"bytes={retries[0]['offset']}-"
    assert http.log[1]["status"] == 206
    assert http.sent("/u.fwb") == size
    assert board.txn()["retries"] == 1
    assert "download resumed 1 time" in board.fw("status", expect=0).out


def test_a_link_that_drops_again_and_again_still_finishes(board, https, pki, tmp_path):
    # TLS, every connection cut after 1 MiB: each try brings new bytes
    size, retries = resumed(board, https, tmp_path, lambda s: {"drop_after": 1 << 20},
                            conf=[f"ca = {pki.ca}", "retries = 1"], comp="none")
    assert len(retries) == (size - 1) // (1 << 20)
    assert [e["attempt"] for e in retries] == list(range(1, len(retries) + 1))


def test_a_stalled_link_is_resumed(board, http, tmp_path):
    size, retries = resumed(board, http, tmp_path,
                            lambda s: {"stall_after": s // 2, "stall_for": 30, "once": True},
                            conf=["stall_timeout = 1"])
    assert len(retries) == 1 and "stall timeout" in retries[0]["reason"]


def test_a_chunked_body_is_read_and_resumed(board, http, tmp_path):
    size, retries = resumed(board, http, tmp_path,
                            lambda s: {"drop_after": s // 3, "once": True}, chunked=True)
    assert len(retries) == 1


def test_a_server_that_ignores_range_is_read_past(board, http, tmp_path):
    # a 200 to the resumed GET: the bytes already read are skipped
    url, b = serve(http, board, tmp_path, size_mib=4)
    http.faults["/u.fwb"] = {"drop_after": 50000, "once": True}
    http.sticky["/u.fwb"] = {"ignore_range": True}
    board.fw("install", url, expect=0)
    installed(board, tmp_path)
    assert [e["status"] for e in http.log] == [200, 200]


def test_a_bundle_replaced_on_the_server_is_refused(board, http, tmp_path):
    url, b = serve(http, board, tmp_path, size_mib=4)
    other = board.bundle(tmp_path / "v2", version="1.2.0")

    def replace():
        http.put("/u.fwb", open(other, "rb").read())
    http.faults["/u.fwb"] = {"drop_after": os.path.getsize(b) // 2, "once": True,
                             "then": replace}
    r = board.fw("install", url, expect=1)
    assert "changed on the server" in r.err, r
    assert board.txn()["state"] == "failed"
    untouched(board)


def test_a_server_that_resumes_elsewhere_is_refused(board, http, tmp_path):
    url, b = serve(http, board, tmp_path, size_mib=4)
    http.faults["/u.fwb"] = {"drop_after": os.path.getsize(b) // 2, "wrong_range": True}
    r = board.fw("install", url, expect=1)
    assert "another part" in r.err, r
    untouched(board)


@pytest.mark.parametrize("status,code", [(404, 2), (410, 2), (403, 2), (500, 1), (503, 1)])
def test_statuses(board, http, tmp_path, status, code):
    url, _ = serve(http, board, tmp_path)
    http.faults["/u.fwb"] = {"status": status}
    board.set_conf("download", "retries = 2")
    r = board.fw("install", url, expect=code)
    last = r.err.splitlines()[-1]
    assert str(status) in last and last.startswith("fwtool: bundle: "), r
    # each retry is told on a line of its own
    assert r.err.count("\n") == (3 if status >= 500 else 1), r
    untouched(board)
    # a 5xx is tried again, a 4xx is not
    assert len(http.log) == (3 if status >= 500 else 1)


def test_a_passing_server_error_is_tried_again(board, http, tmp_path):
    url, _ = serve(http, board, tmp_path)
    http.faults["/u.fwb"] = {"status": 503, "once": True}
    board.fw("install", url, expect=0)
    installed(board, tmp_path)


@pytest.mark.parametrize("code", [301, 302, 303, 307, 308])
def test_redirects_are_followed(board, http, tmp_path, code):
    url, _ = serve(http, board, tmp_path)
    http.faults["/old.fwb"] = {"redirect": "/u.fwb", "code": code}
    r = board.fw("install", "--json", http.url("/old.fwb"), expect=0)
    installed(board, tmp_path)
    # the transaction keeps the URL asked for
    assert json.loads(r.out)["transaction"]["bundle"] == http.url("/old.fwb")


def test_redirect_loops_and_downgrades_are_refused(board, https, http, pki, tmp_path):
    board.set_conf("download", f"ca = {pki.ca}")
    https.faults["/loop"] = {"redirect": "/loop"}
    r = board.fw("install", https.url("/loop"), expect=2)
    assert "more than 5 redirects" in r.err, r
    https.faults["/down"] = {"redirect": http.url("/u.fwb")}
    r = board.fw("install", https.url("/down"), expect=2)
    assert "plain http refused" in r.err, r
    untouched(board)


def test_a_token_is_sent_and_never_logged(board, http, tmp_path):
    url, _ = serve(http, board, tmp_path)
    http.token = "s3cr3t-t0ken"
    r = board.fw("install", url, expect=2)
    assert "access refused (HTTP 401)" in r.err, r
    board.set_conf("download", "token = s3cr3t-t0ken")
    r = board.fw("-v", "install", url, expect=0)
    assert "s3cr3t" not in r.err + r.out
    assert "s3cr3t" not in open(board.p("state", "transaction.json")).read()
    installed(board, tmp_path)


def test_a_token_does_not_follow_a_redirect_to_another_origin(board, http, tmp_path):
    other = Server()
    try:
        url, _ = serve(other, board, tmp_path)
        http.faults["/u.fwb"] = {"redirect": url}
        board.set_conf("download", "token = s3cr3t-t0ken")
        board.fw("install", http.url("/u.fwb"), expect=0)
        assert http.log[0]["auth"] == "Bearer s3cr3t-t0ken"
        assert other.log[0]["auth"] is None
    finally:
        other.close()


def test_basic_auth(board, http, tmp_path):
    url, _ = serve(http, board, tmp_path)
    http.basic = base64.b64encode(b"fleet:pa ss:word").decode()
    board.set_conf("download", "username = fleet")
    board.set_conf("download", "password = pa ss:word")
    board.fw("install", url, expect=0)
    installed(board, tmp_path)


def test_a_client_certificate(board, pki, tmp_path):
    s = Server(pki, client_cert=True)
    try:
        url, _ = serve(s, board, tmp_path)
        board.set_conf("download", f"ca = {pki.ca}")
        board.fw("install", url, expect=1)
        untouched(board)
        board.set_conf("download", f"client_cert = {pki.client[0]}")
        board.set_conf("download", f"client_key = {pki.client[1]}")
        board.fw("install", url, expect=0)
        installed(board, tmp_path)
    finally:
        s.close()


def test_a_proxy_from_the_environment(board, http, tmp_path):
    # the server itself serves as the proxy: an absolute-form request for
    # a path it holds; no_proxy then skips it
    url, _ = serve(http, board, tmp_path)
    target = "http://fleet.invalid/u.fwb"
    board.fw("install", target, env={"http_proxy": f"127.0.0.1:{http.port}"}, expect=0)
    assert http.log[0]["target"] == target
    installed(board, tmp_path)
    r = board.fw("install", http.url("/u.fwb"), expect=0,
                 env={"http_proxy": "127.0.0.1:1", "no_proxy": "localhost,127.0.0.1"})
    assert http.log[1]["target"] == "/u.fwb"


@pytest.mark.parametrize("url,what", [
    ("http://user:pw@127.0.0.1/u.fwb", "credentials in a URL"),
    ("http://127.0.0.1:99999/u.fwb", "bad port"),
    ("http:///u.fwb", "no host"),
    ("https://exa mple/u.fwb", "spaces"),
])
def test_bad_urls(board, url, what):
    r = board.fw("install", url, expect=2)
    assert what in r.err and r.err.count("\n") == 1, r
    untouched(board)


def test_a_server_that_is_not_there(board, tmp_path):
    board.set_conf("download", "retries = 1")
    r = board.fw("install", "http://127.0.0.1:1/u.fwb", expect=1)
    assert "gave up after 2 tries" in r.err and "refused" in r.err.lower(), r
    untouched(board)
