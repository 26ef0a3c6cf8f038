# SPDX-License-Identifier: GPL-2.0-only
"""A real HTTP/1.1 server on 127.0.0.1 for the download tests: Python's
http.server with byte ranges (RFC 9110 14), ETag and Last-Modified, TLS
from a test CA made with openssl (bundlegen's way), and faults a test turns
on: drop or stall the connection at a byte of the file, answer with a
status, redirect,
ask for a token, basic auth or a client certificate. Every request goes
into an access log: what was asked, what was sent."""
import email.utils
import hashlib
import http.server
import os
import socket
import ssl
import threading
import time

import bundlegen


class PKI(bundlegen.Keys):
    """A CA, a server certificate for localhost, a client one: bundlegen's
    way of making them, other names and key usages."""

    def __init__(self, d):  # not Keys' own: none of its signers
        self.d = d
        os.makedirs(d, exist_ok=True)
        self._ca("httpca")
        self._ca("otherhttpca")
        self.ca, self.other_ca = self.p("httpca.pem"), self.p("otherhttpca.pem")
        # (certificate, key), as ssl.load_cert_chain() takes them
        self.server = self._leaf("server", "httpca", eku="serverAuth",
                                 extra=["subjectAltName=DNS:localhost"])[::-1]
        self.client = self._leaf("client", "httpca", eku="clientAuth")[::-1]


class Server:
    """Serves files put with put(); faults per path in self.faults."""

    def __init__(self, pki=None, client_cert=False):
        self.files = {}  # path -> (bytes, etag, last_modified)
        self.log = []  # dicts: path, range, status, sent
        self.faults = {}  # path -> dict (see handle()); "once": the next request only
        self.sticky = {}  # path -> dict, for every request
        self.token = None
        self.basic = None
        self.lock = threading.Lock()
        srv = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_GET(self):
                srv.handle(self)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.https = pki is not None
        if pki:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(*pki.server)
            if client_cert:
                ctx.verify_mode = ssl.CERT_REQUIRED
                ctx.load_verify_locations(pki.ca)
            self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path, host=None):
        # mbedTLS 2.28 checks DNS names only, not IP addresses in a SAN
        host = host or ("localhost" if self.https else "127.0.0.1")
        return f"{'https' if self.https else 'http'}://{host}:{self.port}{path}"

    def put(self, path, data, etag=True, last_modified=True):
        tag = '"%s"' % hashlib.sha256(data).hexdigest()[:16] if etag else None
        lm = email.utils.formatdate(time.time(), usegmt=True) if last_modified else None
        with self.lock:
            self.files[path] = (data, tag, lm)

    def sent(self, path):
        return sum(e["sent"] for e in self.log if e["path"] == path)

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    # ---- one request ---------------------------------------------------
    def handle(self, h):
        path = h.path.split("?")[0]
        if path.startswith("http://"):  # absolute form: we are the proxy
            path = "/" + path[7:].partition("/")[2]
        entry = {"path": path, "target": h.path, "range": h.headers.get("Range"), "status": 0, "sent": 0,
                 "auth": h.headers.get("Authorization")}
        with self.lock:
            self.log.append(entry)
            f = self.faults.get(path, {})
            fault = dict(self.sticky.get(path, {}), **f)
            if f.get("once"):  # a status or redirect for the next request only
                self.faults.pop(path)
            body = self.files.get(path)
        if "status" in fault:
            return self.reply(h, entry, fault["status"], b"no\n")
        if "redirect" in fault:
            entry["status"] = fault.get("code", 302)
            h.send_response(entry["status"])
            h.send_header("Location", fault["redirect"])
            h.send_header("Content-Length", "0")
            h.end_headers()
            return
        if self.token and h.headers.get("Authorization") != "Bearer " + self.token:
            return self.reply(h, entry, 401, b"token\n")
        if self.basic and h.headers.get("Authorization") != "Basic " + self.basic:
            return self.reply(h, entry, 401, b"basic\n")
        if body is None:
            return self.reply(h, entry, 404, b"not found\n")
        data, tag, lm = body
        start, end, status = 0, len(data), 200
        rng = h.headers.get("Range")
        if rng and not fault.get("ignore_range"):
            a, _, b = rng.split("=", 1)[1].partition("-")
            start = int(a)
            end = min(int(b) + 1, len(data)) if b else len(data)
            status = 206
            if fault.get("wrong_range"):
                start = max(0, start - 1)
            if start >= len(data):
                return self.reply(h, entry, 416, b"")
        entry["status"] = status
        h.send_response(status)
        if tag:
            h.send_header("ETag", tag)
        if lm:
            h.send_header("Last-Modified", lm)
        h.send_header("Accept-Ranges", "bytes")
        chunked = fault.get("chunked")
        if status == 206:
            h.send_header("Content-Range", f"bytes {start}-{end - 1}/{len(data)}")
        if chunked:
            h.send_header("Transfer-Encoding", "chunked")
        else:
            h.send_header("Content-Length", str(end - start))
        h.end_headers()
        self.body(h, entry, start, data[start:end], fault, chunked, path)

    def body(self, h, entry, start, data, fault, chunked, path):
        """@data is the file from byte @start. Faults: "drop_at"/"stall_at"
        a file offset (the first response to reach it ends there: dropped,
        or silent for "stall_for" s), "drop_every" N bytes of each response"""
        pos = 0
        try:
            while pos < len(data):
                n = min(65536, len(data) - pos)
                cut = None
                for key in ("drop_at", "stall_at"):
                    if key in fault and start + pos <= fault[key] < start + pos + n:
                        n, cut = fault[key] - start - pos, key
                if "drop_every" in fault and entry["sent"] + n >= fault["drop_every"]:
                    n, cut = fault["drop_every"] - entry["sent"], "drop_every"
                piece = data[pos:pos + n]
                if n:
                    h.wfile.write(b"%x\r\n" % n + piece + b"\r\n" if chunked else piece)
                    pos += n
                    entry["sent"] += n
                if cut:
                    h.wfile.flush()
                    with self.lock:
                        if cut != "drop_every":
                            self.faults.get(path, {}).pop(cut, None)
                    if cut == "stall_at":
                        time.sleep(fault.get("stall_for", 60))
                    elif "then" in fault:
                        fault["then"]()
                    # a dropped link: the body ends short
                    h.connection.shutdown(socket.SHUT_RDWR)
                    h.close_connection = True
                    return
            if chunked:
                h.wfile.write(b"0\r\n\r\n")
            h.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError, OSError):
            h.close_connection = True

    def reply(self, h, entry, status, text):
        entry["status"] = status
        h.send_response(status)
        h.send_header("Content-Length", str(len(text)))
        h.end_headers()
        h.wfile.write(text)
