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
import tarfile

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
    # the file once, in ranges that follow each other
    at = 0
    for e in http.log:
        assert e["status"] == 206 and e["range"].startswith(f"bytes={at}-"), http.log
        at += e["sent"]
    assert at == os.path.getsize(_) == board.txn()["fetched"]


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
        return {"drop_at": n}
    size, retries = resumed(board, http, tmp_path, at)
    assert len(retries) == 1 and 0 < retries[0]["offset"] < size
    # the request after the cut asked from the first byte not read yet
    cut = [i for i, e in enumerate(http.log)
           if e["range"].startswith(f"bytes={retries[0]['offset']}-")]
    assert cut and http.log[cut[0]]["status"] == 206, http.log
    assert http.sent("/u.fwb") == size
    assert board.txn()["retries"] == 1
    assert "download resumed 1 time" in board.fw("status", expect=0).out


def test_a_link_that_drops_again_and_again_still_finishes(board, https, pki, tmp_path):
    # TLS, every connection cut after 1 MiB: each try brings new bytes
    size, retries = resumed(board, https, tmp_path, lambda s: {"drop_every": 1 << 20},
                            conf=[f"ca = {pki.ca}", "retries = 1"], comp="none")
    assert len(retries) >= (size >> 20) - 2
    assert [e["attempt"] for e in retries] == list(range(1, len(retries) + 1))
    offsets = [e["offset"] for e in retries]
    assert offsets == sorted(set(offsets))


def test_a_stalled_link_is_resumed(board, http, tmp_path):
    size, retries = resumed(board, http, tmp_path,
                            lambda s: {"stall_at": s // 2, "stall_for": 30},
                            conf=["stall_timeout = 1"])
    assert len(retries) == 1 and "stall timeout" in retries[0]["reason"]


def test_a_chunked_body_is_read_and_resumed(board, http, tmp_path):
    size, retries = resumed(board, http, tmp_path,
                            lambda s: {"drop_at": s // 3}, chunked=True)
    assert len(retries) == 1


def test_a_server_that_ignores_range_is_read_past(board, http, tmp_path):
    # a 200 to the resumed GET: the bytes already read are skipped
    url, b = serve(http, board, tmp_path, size_mib=4)
    http.faults["/u.fwb"] = {"drop_at": 50000}
    http.sticky["/u.fwb"] = {"ignore_range": True}
    board.fw("install", url, expect=0)
    installed(board, tmp_path)
    # the whole file again after the cut, and no more range asked for
    assert [e["status"] for e in http.log] == [200, 200], http.log
    assert http.log[1]["range"] is None


def test_a_bundle_replaced_on_the_server_is_refused(board, http, tmp_path):
    url, b = serve(http, board, tmp_path, size_mib=4)
    other = board.bundle(tmp_path / "v2", version="1.2.0")

    def replace():
        http.put("/u.fwb", open(other, "rb").read())
    http.faults["/u.fwb"] = {"drop_at": os.path.getsize(b) // 2, "then": replace}
    r = board.fw("install", url, expect=1)
    assert "changed on the server" in r.err, r
    assert board.txn()["state"] == "failed"
    untouched(board)


def test_a_server_that_resumes_elsewhere_is_refused(board, http, tmp_path):
    url, b = serve(http, board, tmp_path, size_mib=4)
    http.faults["/u.fwb"] = {"drop_at": os.path.getsize(b) // 2}
    http.sticky["/u.fwb"] = {"wrong_range": True}
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
    assert {e["target"] for e in http.log} == {target}
    installed(board, tmp_path)
    n = len(http.log)
    r = board.fw("install", "--force", http.url("/u.fwb"), expect=0,
                 env={"http_proxy": "127.0.0.1:1", "no_proxy": "localhost,127.0.0.1"})
    assert {e["target"] for e in http.log[n:]} == {"/u.fwb"}


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


# ---- adaptive: only the chunks no slot holds are fetched -------------------

CHUNK = 64 << 10
NCHUNKS = 256  # a 16 MiB image


def images(tmp_path, changed, half=False):
    """v1, and v2 that differs from it in the chunks @changed (@half: each
    chunk half random, half zeros, so that it compresses)"""
    def chunk():
        return os.urandom(CHUNK // 2) + bytes(CHUNK // 2) if half else os.urandom(CHUNK)

    head = b"fwtool-demo rootfs 1.1.0 status=healthy\n"
    v1 = bytearray(b"".join(chunk() for _ in range(NCHUNKS)))
    v1[:len(head)] = head
    v2 = bytearray(v1)
    for k in changed:
        v2[k * CHUNK:(k + 1) * CHUNK] = chunk()
    paths = []
    for name, data in (("v1.img", v1), ("v2.img", v2)):
        with open(tmp_path / name, "wb") as f:
            f.write(data)
        paths.append(tmp_path / name)
    return paths


def rootfs_bundle(board, img, version, tmp_path, comp="none"):
    out = tmp_path / f"r-{version}.fwb"
    board.fw("bundle", "create", "-o", out, "--key", board.keys.signer[0], "--cert",
             board.keys.signer[1], "--version", version, "--security-version", 2,
             "--compatible", "fwtool,sim", "--image", f"rootfs={img}:{comp}",
             "--chunk-size", CHUNK, expect=0)
    return out


def adaptive_install(board, http, bundle):
    """install @bundle from @http: (bytes the server sent, the transfer event)"""
    http.put("/r.fwb", open(bundle, "rb").read())
    n = len(http.log)
    r = board.fw("install", "--events", http.url("/r.fwb"), expect=0)
    sent = sum(e["sent"] for e in http.log[n:])
    ev = [json.loads(x) for x in r.out.splitlines() if '"transfer"' in x]
    assert len(ev) == 1, r
    assert ev[0]["fetched"] == sent == board.txn()["fetched"]
    assert ev[0]["copied"] == board.txn()["copied"]
    return sent, ev[0]


@pytest.fixture
def rootfs_board(board):
    board.drop_class("router-fw")
    return board


def test_adaptive_fetches_only_what_the_running_slot_lacks(rootfs_board, http, tmp_path):
    board = rootfs_board
    changed = random.sample(range(1, NCHUNKS), 8)  # 3.1 % of the chunks
    v1, v2 = images(tmp_path, changed)
    b1, b2 = rootfs_bundle(board, v1, "1.1.0", tmp_path), rootfs_bundle(board, v2, "1.2.0",
                                                                         tmp_path)
    # the first install has nothing to copy: slot A holds 1.0.0
    sent, ev = adaptive_install(board, http, b1)
    assert sent >= os.path.getsize(b1) and ev["copied"] < CHUNK
    board.boot()
    board.fw("confirm", expect=0)
    assert board.booted() == "B"
    # the second: B runs v1, A is the target; only the 8 chunks travel
    sent, ev = adaptive_install(board, http, b2)
    size = os.path.getsize(b2)
    print(f"adaptive, running slot: fetched {sent} of {size} bytes "
          f"({100 * sent / size:.2f} %), copied {ev['copied']}")
    assert 8 * CHUNK <= sent <= 8 * CHUNK + 3 * NET_OVERHEAD, http.log
    assert ev["copied"] == (NCHUNKS - 8) * CHUNK
    assert sha(board.slot_file("A")) == sha(v2)


def test_adaptive_reads_the_targets_old_content(rootfs_board, http, tmp_path):
    board = rootfs_board
    changed = random.sample(range(1, NCHUNKS), 8)
    v1, v2 = images(tmp_path, changed)
    b1, b2 = rootfs_bundle(board, v1, "1.1.0", tmp_path), rootfs_bundle(board, v2, "1.2.0",
                                                                         tmp_path)
    adaptive_install(board, http, b1)
    # not booted: v2 replaces the pending v1 in B, reading v1 from B
    sent, ev = adaptive_install(board, http, b2)
    assert 8 * CHUNK <= sent <= 8 * CHUNK + 3 * NET_OVERHEAD, http.log
    assert sha(board.slot_file("B")) == sha(v2)
    # a slot whose chunk no longer matches is fetched, not trusted: the
    # pipeline checks every chunk against the signed list
    with open(board.slot_file("B"), "r+b") as f:
        f.seek(5 * CHUNK + 7)
        f.write(b"X")
    sent, ev = adaptive_install(board, http, b2)
    assert sha(board.slot_file("B")) == sha(v2)
    assert CHUNK <= sent <= CHUNK + 3 * NET_OVERHEAD


def test_adaptive_off_fetches_everything(rootfs_board, http, tmp_path):
    board = rootfs_board
    v1, _ = images(tmp_path, [])
    b1 = rootfs_bundle(board, v1, "1.1.0", tmp_path)
    adaptive_install(board, http, b1)
    board.set_conf("download", "adaptive = false")
    sent, ev = adaptive_install(board, http, b1)
    assert sent == os.path.getsize(b1) and ev["copied"] == 0


# the signed header, tar headers and padding fetched beside the chunks
NET_OVERHEAD = 64 << 10


def frame_bytes(bundle, ks):
    """the stored sizes of the frames @ks of a seekable bundle, and its
    manifest's length"""
    with tarfile.open(bundle) as t:
        mj = t.extractfile("manifest.json").read()
    fr = json.loads(mj)["images"][0]["frames"]
    return sum(fr[k] for k in ks), len(mj)


def test_adaptive_seekable_zstd_fetches_only_the_changed_frames(rootfs_board, http, tmp_path):
    """the chunk-seekable compressed form: 8 of 256 chunks changed, only
    their frames travel (the server's access log counts them), the rest is
    read from the running slot and checked against content_chunks"""
    board = rootfs_board
    changed = random.sample(range(1, NCHUNKS), 8)
    v1, v2 = images(tmp_path, changed, half=True)
    b1 = rootfs_bundle(board, v1, "1.1.0", tmp_path, "zstd-seekable")
    b2 = rootfs_bundle(board, v2, "1.2.0", tmp_path, "zstd-seekable")
    sent, ev = adaptive_install(board, http, b1)
    assert sent >= os.path.getsize(b1) and ev["copied"] == 0
    board.boot()
    board.fw("confirm", expect=0)
    sent, ev = adaptive_install(board, http, b2)
    size = os.path.getsize(b2)
    want, mlen = frame_bytes(b2, changed)
    print(f"adaptive, seekable zstd: fetched {sent} of {size} bytes "
          f"({100 * sent / size:.2f} %), the 8 frames {want}, copied {ev['copied']}")
    assert want <= sent <= want + mlen + 3 * NET_OVERHEAD, http.log
    assert ev["copied"] == (NCHUNKS - 8) * CHUNK
    assert sha(board.slot_file("A")) == sha(v2)
    # again, into A's old content (v2) with one changed chunk of it spoiled:
    # the running B (v1) lacks it too, so that frame alone travels
    k = changed[0]
    with open(board.slot_file("A"), "r+b") as f:
        f.seek(k * CHUNK + 3)
        f.write(b"Y")
    sent, ev = adaptive_install(board, http, b2)
    want, _ = frame_bytes(b2, [k])
    assert want <= sent <= want + mlen + 3 * NET_OVERHEAD, http.log
    assert sha(board.slot_file("A")) == sha(v2)


def test_seekable_zstd_resumes_in_a_frame(rootfs_board, http, tmp_path):
    """a link cut inside a fetched frame: the range resumes there, the frame
    is checked whole before it is decoded"""
    board = rootfs_board
    v1, v2 = images(tmp_path, list(range(100, 140)), half=True)
    b1 = rootfs_bundle(board, v1, "1.1.0", tmp_path, "zstd-seekable")
    b2 = rootfs_bundle(board, v2, "1.2.0", tmp_path, "zstd-seekable")
    adaptive_install(board, http, b1)
    board.boot()
    board.fw("confirm", expect=0)
    http.put("/r.fwb", open(b2, "rb").read())
    http.faults["/r.fwb"] = {"drop_at": os.path.getsize(b2) // 2}
    r = board.fw("install", http.url("/r.fwb"), expect=0)
    assert board.txn()["retries"] >= 1, r
    assert sha(board.slot_file("A")) == sha(v2)


# ---- hostile servers: one line, the documented exit code, nothing written --

class Raw:
    """A server that answers every connection with canned bytes, then
    closes (or, with hold, keeps it open and silent)."""

    def __init__(self, reply, hold=False):
        import socket
        import threading
        self.s = socket.socket()
        self.s.bind(("127.0.0.1", 0))
        self.s.listen(8)
        self.port = self.s.getsockname()[1]
        self.reply, self.hold, self.conns = reply, hold, []
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            try:
                c, _ = self.s.accept()
            except OSError:
                return
            self.conns.append(c)
            try:
                c.recv(65536)
                c.sendall(self.reply)
                if not self.hold:
                    c.close()
            except OSError:
                pass

    def close(self):
        self.s.close()
        for c in self.conns:
            c.close()


HOSTILE = [
    ("garbage", b"SSH-2.0-OpenSSH_9.2\r\n\r\n", 3, "not an HTTP/1.x status line"),
    ("no-head-end", b"HTTP/1.1 200 OK\r\n" + b"X-Pad: " + b"a" * 40000, 3,
     "response head over"),
    ("two-lengths", b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\nContent-Length: 11\r\n\r\n",
     3, "bad Content-Length"),
    ("bad-chunk", b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 3,
     "bad chunk size line"),
    ("gzip", b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", 3, "not supported"),
    ("inverted-range", b"HTTP/1.1 206 Partial\r\nContent-Range: bytes 9-1/10\r\n\r\n", 3,
     "bad Content-Range"),
    ("range-and-length-disagree", b"HTTP/1.1 206 Partial\r\nContent-Range: bytes 0-9/10\r\n"
     b"Content-Length: 4\r\n\r\nabcd", 3, "for a range of 10 bytes"),
    ("wrong-part", b"HTTP/1.1 206 Partial\r\nContent-Range: bytes 5-9/10\r\n"
     b"Content-Length: 5\r\n\r\nabcde", 1, "another part"),
    ("not-a-tar", b"HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nhello world", 3, "bundle"),
    ("empty", b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 3, "bundle"),
    ("redirect-nowhere", b"HTTP/1.1 302 Found\r\nContent-Length: 0\r\n\r\n", 3,
     "without a Location"),
    ("redirect-ftp", b"HTTP/1.1 302 Found\r\nLocation: ftp://h/x\r\n\r\n", 2,
     "only http:// and https://"),
    ("closed", b"", 1, "gave up after 2 tries"),
]


@pytest.mark.parametrize("name,reply,code,what", HOSTILE, ids=[h[0] for h in HOSTILE])
def test_a_hostile_server(board, name, reply, code, what):
    srv = Raw(reply)
    try:
        board.set_conf("download", "retries = 1")
        r = board.fw("install", f"http://127.0.0.1:{srv.port}/u.fwb", expect=code)
        last = r.err.splitlines()[-1]
        assert what in last and last.startswith("fwtool: "), r
        untouched(board)
        assert not os.path.exists(board.p("state", "transaction.json"))
    finally:
        srv.close()


def test_a_server_that_says_nothing_times_out(board):
    srv = Raw(b"", hold=True)
    try:
        board.set_conf("download", "stall_timeout = 1")
        board.set_conf("download", "retries = 1")
        r = board.fw("install", f"http://127.0.0.1:{srv.port}/u.fwb", expect=1)
        assert "stall timeout" in r.err.splitlines()[-1], r
        untouched(board)
    finally:
        srv.close()


def test_a_head_trickled_byte_by_byte_times_out(board):
    """each byte within the stall timeout, the head never whole in it"""
    import socket
    import threading
    import time
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(4)
    stop = threading.Event()

    def trickle():
        while not stop.is_set():
            try:
                c, _ = s.accept()
            except OSError:
                return
            c.recv(65536)
            for ch in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 1000:
                if stop.is_set():
                    break
                try:
                    c.send(bytes([ch]))
                except OSError:
                    break
                time.sleep(0.2)
            c.close()
    threading.Thread(target=trickle, daemon=True).start()
    try:
        board.set_conf("download", "stall_timeout = 1")
        board.set_conf("download", "retries = 0")
        t = time.monotonic()
        r = board.fw("install", f"http://127.0.0.1:{s.getsockname()[1]}/u.fwb", expect=1)
        assert "no whole response head in 1 s" in r.err, r
        assert time.monotonic() - t < 10
        untouched(board)
    finally:
        stop.set()
        s.close()


def test_tls_to_a_plain_http_server(board, http, pki, tmp_path):
    serve(http, board, tmp_path)
    board.set_conf("download", f"ca = {pki.ca}")
    board.set_conf("download", "retries = 0")
    r = board.fw("install", f"https://localhost:{http.port}/u.fwb")
    assert r.rc in (1, 3) and r.err.count("\n") == 1 and "TLS" in r.err, r
    untouched(board)


def test_sigterm_stops_a_stalled_download(board, tmp_path):
    import signal
    import subprocess
    import time
    from conftest import FWTOOL
    srv = Raw(b"", hold=True)
    try:
        env = dict(os.environ, **board.env)
        p = subprocess.Popen([FWTOOL, "install", f"http://127.0.0.1:{srv.port}/u.fwb"],
                             env=env, stderr=subprocess.PIPE, text=True)
        time.sleep(1)
        t = time.monotonic()
        p.send_signal(signal.SIGTERM)
        err = p.communicate(timeout=10)[1]
        assert p.returncode == 1 and "interrupted" in err, err
        assert time.monotonic() - t < 2
        untouched(board)
    finally:
        srv.close()
