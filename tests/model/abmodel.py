#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Model-based test of fwtool's A/B state machine (issue 10).

Random sequences of verbs run against the real binary on the simulated
board: install (good, broken, for another board, below the floor, tampered
midway, rootfs alone, --no-activate, --force), mark-good/-bad/-active,
rollback, sim-boot (with and without a watchdog reset), confirm, recover
from a "stick", and power cuts at a random durable write of any of them
(FWTOOL_CUT_AFTER).

Two checks after every step:

* The reference model (Model below, a few hundred lines of Python that
  state the rules) takes the state read from the board's files before the
  step and predicts the exit code and the state after it: boot order and
  tries, the booted slot, every slot's record, the current transaction,
  history, the security floor. Predicting from the real state each time
  means a power cut needs no special case: the next step starts from
  whatever the cut left.
* Invariants from the ground truth (the bytes in the slot files, what the
  report sink received, the bundles' health): the booted slot never holds
  unverified or half-written content; content fwtool records as confirmed
  passed its checks, came with the board, or was marked good by hand; every
  transaction ends once, in history and delivered or queued; wait --id
  returns 0 only for a confirmed transaction; the floor is the highest
  security version ever confirmed; a refused command changes nothing; a
  boot into content that was never confirmed always runs the checks.

Seeded and reproducible; a failing sequence is shrunk (steps removed while
it still fails) and printed shortest first.

    abmodel.py --seconds 120            what make check runs
    abmodel.py --steps 100000 --jobs 2  the long run (make fuzz)
    abmodel.py --seed 1234 --replay     one sequence, every step printed
"""
import argparse
import copy
import hashlib
import http.server
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NAMES = ("A", "B")
SLOTS = {"rootfs.0": ("A", "rootfs"), "router-fw.0": ("A", "router-fw"),
         "rootfs.1": ("B", "rootfs"), "router-fw.1": ("B", "router-fw")}
FILES = {"rootfs.0": "rootfs-a.img", "router-fw.0": "router-fw-a.bin",
         "rootfs.1": "rootfs-b.img", "router-fw.1": "router-fw-b.bin"}
MAX_TRIES = 3
ENDED = ("confirmed", "rolled-back", "failed")
NEW = "<new>"


def slots_of(bn):
    return [s for s, (b, _) in SLOTS.items() if b == bn]


def other(bn):
    return "B" if bn == "A" else "A"


# ---- the bundles --------------------------------------------------------------
class Bundle:
    def __init__(self, name, version, secver, healthy=True, compatible="fwtool,sim",
                 classes=("rootfs", "router-fw"), tamper=False):
        self.name, self.version, self.secver = name, version, secver
        self.healthy, self.compatible, self.classes = healthy, compatible, classes
        self.tamper = tamper
        self.path = None
        self.images = {}  # class -> sha256 of the installed content


BUNDLES = [
    Bundle("good", "1.1.0", 2),
    Bundle("newer", "1.3.0", 3),
    Bundle("major", "2.0.0", 5),
    Bundle("broken", "1.2.0", 2, healthy=False),
    Bundle("foreign", "1.4.0", 2, compatible="acme,x1"),
    Bundle("old", "0.9.0", 1),
    Bundle("tampered", "1.6.0", 3, tamper=True),
    Bundle("rootfs-only", "1.5.0", 3, classes=("rootfs",)),
]
FACTORY = {"rootfs": b"fwtool-demo rootfs 1.0.0 status=healthy\n", "router-fw": b"router-fw 1.0.0\n"}


def sha(data):
    return hashlib.sha256(data).hexdigest()


class Fixture:
    """Keys, images and bundles, made once."""

    def __init__(self, work, fwtool):
        self.work, self.fwtool = work, fwtool
        keys = os.path.join(work, "keys")
        subprocess.run([os.path.join(ROOT, "scripts", "mkkeys.sh"), keys], check=True,
                       capture_output=True)
        self.keyring = os.path.join(keys, "ca.pem")
        rnd = random.Random(7)
        self.known = {}  # sha -> (label, healthy)
        for cls, data in FACTORY.items():
            self.known[sha(data)] = (f"factory:{cls}", True)
        for b in BUNDLES:
            args = []
            for cls in b.classes:
                if cls == "rootfs":
                    head = f"fwtool-demo rootfs {b.version} status="
                    head += "healthy\n" if b.healthy else "broken\n"
                    data = head.encode() + rnd.randbytes(96 << 10)
                else:
                    data = f"router-fw {b.version}\n".encode() + rnd.randbytes(20000)
                path = os.path.join(work, f"{b.name}-{cls}.img")
                with open(path, "wb") as f:
                    f.write(data)
                b.images[cls] = sha(data)
                self.known[sha(data)] = (f"{b.name}:{cls}", b.healthy)
                args += ["--image", f"{cls}={path}:{'gzip' if cls == 'rootfs' else 'none'}"]
            b.path = os.path.join(work, f"{b.name}.fwb")
            subprocess.run([fwtool, "bundle", "create", "-o", b.path, "--key",
                            os.path.join(keys, "signer.key"), "--cert",
                            os.path.join(keys, "signer.pem"), "--version", b.version,
                            "--security-version", str(b.secver), "--compatible",
                            b.compatible, "--chunk-size", "16384"] + args,
                           check=True, capture_output=True)
            if b.tamper:  # one byte in the rootfs member's 3rd chunk: found midway
                import tarfile
                with tarfile.open(b.path) as t:
                    m = next(m for m in t.getmembers() if m.name.startswith("rootfs"))
                with open(b.path, "r+b") as f:
                    f.seek(m.offset_data + 3 * 16384 + 5)
                    c = f.read(1)
                    f.seek(m.offset_data + 3 * 16384 + 5)
                    f.write(bytes([c[0] ^ 0x55]))
        self.by_name = {b.name: b for b in BUNDLES}
        # folders a recovery stick may hold
        self.sticks = {}
        for name, members in (("newer", ["newer"]), ("tampered+good", ["tampered", "good"]),
                              ("foreign+good", ["foreign", "good"]),
                              ("old+newer", ["old", "newer"]), ("tampered", ["tampered"])):
            d = os.path.join(work, "stick-" + name)
            os.makedirs(d)
            for m in members:
                os.symlink(self.by_name[m].path, os.path.join(d, m + ".fwb"))
            self.sticks[name] = (d, members)


# ---- the report sink ----------------------------------------------------------
class Sink:
    """A report_url that records the ids it received; one per worker."""

    def __init__(self):
        got = self.got = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers["Content-Length"])
                got.append(json.loads(self.rfile.read(n))["id"])
                self.send_response(204)
                self.end_headers()

            def log_message(self, *a):
                pass

        self.srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.srv.server_address[1]
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()


# ---- the board and its state --------------------------------------------------
class Board:
    def __init__(self, path, fix, fwtool, port):
        self.path, self.fix, self.fwtool = path, fix, fwtool
        subprocess.run([os.path.join(ROOT, "scripts", "sim-board.sh"), path, fix.keyring],
                       check=True)
        conf = open(self.p("system.conf")).read().replace(
            "[confirm]\n", f"[confirm]\nreport_url = http://127.0.0.1:{port}/r\n")
        open(self.p("system.conf"), "w").write(conf)
        self.env = dict(os.environ, FWTOOL_CONF=self.p("system.conf"),
                        ASAN_OPTIONS="detect_leaks=0")
        self.env.pop("FWTOOL_CUT_AFTER", None)

    def p(self, *n):
        return os.path.join(self.path, *n)

    def run(self, args, cut=None):
        env = dict(self.env)
        if cut:
            env["FWTOOL_CUT_AFTER"] = str(cut)
        r = subprocess.run([self.fwtool] + args, env=env, capture_output=True, text=True,
                           timeout=120)
        return r.returncode, r.stdout, r.stderr

    def read(self):
        s = {}
        env = {}
        for line in open(self.p("state", "bootenv")):
            k, _, v = line.strip().partition("=")
            env[k] = v
        order = []
        for n in env.get("BOOT_ORDER", "A").split():
            if n in NAMES and n not in order:
                order.append(n)
        s["order"] = order
        s["left"] = {n: int(env.get(f"BOOT_{n}_LEFT", "3"), 16) for n in NAMES}
        cl = open(self.p("state", "cmdline")).read()
        s["booted"] = cl.split("fwtool.slot=")[1].split()[0] if "fwtool.slot=" in cl else None
        try:
            t = json.load(open(self.p("state", "transaction.json")))
            s["cur"] = {k: t[k] for k in ("id", "state", "target", "kind", "reason",
                                          "version", "security_version")}
        except FileNotFoundError:
            s["cur"] = None
        s["hist"] = []
        if os.path.exists(self.p("state", "history.jsonl")):
            for line in open(self.p("state", "history.jsonl")):
                if line.endswith("\n"):
                    t = json.loads(line)
                    s["hist"].append({k: t[k] for k in ("id", "state", "target", "kind",
                                                        "reason", "version",
                                                        "security_version")})
        try:
            recs = json.load(open(self.p("state", "slots.json")))
        except FileNotFoundError:
            recs = {}
        s["rec"] = {}
        for slot in SLOTS:
            r = recs.get(slot)
            s["rec"][slot] = None if r is None else {
                "status": r["status"], "confirmed": r.get("confirmed", False),
                "factory": r.get("factory", False), "txn": r["transaction"],
                "sha": r["sha256"], "version": r["version"],
                "security_version": r.get("security_version", 0)}
        try:
            s["floor"] = int(open(self.p("state", "security-version")).read())
        except FileNotFoundError:
            s["floor"] = 0
        s["content"] = {}
        for slot, f in FILES.items():
            try:
                s["content"][slot] = sha(open(self.p("slots", f), "rb").read())
            except FileNotFoundError:
                s["content"][slot] = "absent"
        d = self.p("state", "outbox")
        s["outbox"] = sorted(n[:-5] for n in os.listdir(d) if n.endswith(".json")) \
            if os.path.isdir(d) else []
        return s

    def fingerprint(self):
        """every byte of state and slots, for 'a refused command changes nothing'"""
        h = hashlib.sha256()
        for d in ("state", "slots"):
            for root, dirs, files in sorted(os.walk(self.p(d))):
                dirs.sort()
                for f in sorted(files):
                    if f in ("cmdline", "watchdog", "lock") or ".tmp-" in f or f.endswith(".retry"):
                        continue
                    h.update(os.path.join(root, f).encode())
                    h.update(open(os.path.join(root, f), "rb").read())
        return h.hexdigest()


# ---- the reference model --------------------------------------------------------
class Refused(Exception):
    def __init__(self, rc):
        self.rc = rc


class Model:
    """The rules, stated once more. Each verb takes the state read before it
    (a deep copy) and turns it into the state expected after it; it returns
    the expected exit code."""

    def __init__(self, s, fix, watchdog_reset):
        self.s, self.fix, self.wd = s, fix, watchdog_reset

    # -- queries --
    def good(self, bn):
        return bn in self.s["order"] and self.s["left"][bn] > 0

    def pending(self):
        c = self.s["cur"]
        return c if c and c["state"] not in ENDED else None

    def content(self, bn):
        recs = [self.s["rec"][x] for x in slots_of(bn)]
        if any(r and r["status"] != "ok" for r in recs):
            return "broken"
        missing = sum(r is None for r in recs)
        if missing == len(recs):
            return "confirmed" if self.good(bn) else "empty"
        if missing:
            return "broken"
        return "verified" if any(not r["confirmed"] for r in recs) else "confirmed"

    def written_by(self, bn, tid):
        return all(self.s["rec"][x] and self.s["rec"][x]["status"] == "ok"
                   and self.s["rec"][x]["txn"] == tid for x in slots_of(bn))

    def trial_target(self, bn):
        p = self.pending()
        if not p or p["target"] != bn or p["state"] == "installed":
            return False
        if p["state"] != "installing":
            return True
        return self.good(bn) and self.written_by(bn, p["id"])

    def fallback(self, except_):
        for bn in NAMES:
            if bn != except_ and self.good(bn) and self.content(bn) in ("verified", "confirmed"):
                return bn
        return None

    # -- the bootloader model --
    def set_primary(self, bn):
        self.s["left"][bn] = MAX_TRIES
        if bn in self.s["order"]:
            self.s["order"].remove(bn)
        self.s["order"].insert(0, bn)

    def mark_good(self, bn):
        self.s["left"][bn] = MAX_TRIES
        if bn not in self.s["order"]:
            self.s["order"].append(bn)

    def mark_bad(self, bn):
        if bn in self.s["order"]:
            self.s["order"].remove(bn)
        self.s["left"][bn] = 0

    # -- the transaction lifecycle --
    def new_txn(self, kind, target, version="", secver=0):
        return {"id": NEW, "state": "installing", "target": target, "kind": kind,
                "reason": "", "version": version, "security_version": secver}

    def txn_for(self, kind, bn):
        r = self.s["rec"][f"rootfs.{NAMES.index(bn)}"]
        return self.new_txn(kind, bn, r["version"] if r else "",
                            r["security_version"] if r else 0)

    def finish(self, t):
        s = self.s
        if t["state"] == "confirmed":
            for x in slots_of(t["target"]):
                r = s["rec"][x]
                if r is None:
                    s["rec"][x] = {"status": "ok", "confirmed": True, "factory": True,
                                   "txn": "", "sha": "0" * 64, "version": "",
                                   "security_version": 0}
                elif r["status"] == "ok":
                    r["confirmed"] = True
            s["floor"] = max(s["floor"], t["security_version"])
        s["outbox"] = sorted(set(s["outbox"]) | {t["id"]})
        s["hist"].append(dict(t))

    def open(self):
        """txn_open: an end a cut left half done is finished first"""
        c = self.s["cur"]
        if c and c["state"] in ENDED and (not self.s["hist"] or self.s["hist"][-1]["id"] != c["id"]):
            self.finish(c)

    def end(self, t, state, reason):
        t["state"], t["reason"] = state, reason
        self.s["cur"] = t
        self.finish(t)

    def save(self, t):
        self.s["cur"] = t

    # -- verbs --
    def install(self, b, no_activate=False, force=False):
        s = self.s
        self.open()
        booted = s["booted"]
        p = self.pending()
        if p and p["target"] == booted and p["state"] != "installed":
            raise Refused(5)
        if not self.good(booted):
            raise Refused(2)
        if b.compatible != "fwtool,sim":
            raise Refused(4)
        if b.secver < s["floor"]:
            raise Refused(3)
        target = other(booted)
        for x in slots_of(target):
            if SLOTS[x][1] not in b.classes:
                r = s["rec"][x]
                if not r or r["status"] != "ok" or not r["confirmed"]:
                    raise Refused(4)
        t = self.new_txn("install", target, b.version, b.secver)
        self.mark_bad(target)
        if p:
            self.end(p, "failed", "interrupted" if p["state"] == "installing" else "superseded")
        self.save(t)
        for cls in b.classes:
            x = f"{cls}.{NAMES.index(target)}"
            r = s["rec"][x]
            if (not force and r and r["status"] == "ok" and r["sha"] == b.images[cls]
                    and s["content"][x] == b.images[cls]):
                continue  # already there: not rewritten, its record kept
            if b.tamper and cls == "rootfs":
                s["rec"][x] = {"status": "failed", "confirmed": False, "factory": False,
                               "txn": NEW, "sha": b.images[cls], "version": b.version,
                               "security_version": b.secver}
                s["content"][x] = "torn"
                self.end(t, "failed", "verification-failed")
                return 3
            s["rec"][x] = {"status": "ok", "confirmed": False, "factory": False, "txn": NEW,
                           "sha": b.images[cls], "version": b.version,
                           "security_version": b.secver}
            s["content"][x] = b.images[cls]
        if not no_activate:
            self.set_primary(target)
        t["state"] = "installed" if no_activate else "activated"
        return 0

    def sim_boot(self):
        s = self.s
        for bn in s["order"]:
            if s["left"][bn] > 0:
                s["left"][bn] -= 1
                s["booted"] = bn
                return 0
        for bn in s["order"]:
            s["left"][bn] = MAX_TRIES
        bn = s["order"][0] if s["order"] else "A"
        s["left"][bn] = MAX_TRIES - 1
        s["booted"] = bn
        return 0

    def healthy(self, bn):
        lab = self.fix.known.get(self.s["content"][f"rootfs.{NAMES.index(bn)}"])
        return bool(lab and lab[1])

    def commit(self, t, reason=""):
        self.mark_good(t["target"])
        self.end(t, "confirmed", reason)

    def reject(self, t, reason):
        if self.fallback(t["target"]):
            self.mark_bad(t["target"])
            self.end(t, "rolled-back", reason)
            return 6
        self.mark_good(t["target"])
        self.end(t, "failed", reason)
        return 1

    def trial(self, t):
        if self.healthy(t["target"]):
            self.commit(t)
            return 0
        return self.reject(t, "health-check-failed")

    def confirm(self):
        s = self.s
        self.open()
        x = s["booted"]
        p = self.pending()
        rc = 0
        if p and p["target"] == x:
            if p["state"] != "installing" or self.trial_target(x):
                if p["state"] != "recovered":
                    p["state"] = "activated"
                return self.trial(p)
            self.end(p, "failed", "interrupted")
        elif p:
            if p["state"] == "installing" and not self.trial_target(p["target"]):
                self.end(p, "failed", "interrupted")
            elif p["state"] != "installed":
                tgt = p["target"]
                tried = s["left"][tgt] < MAX_TRIES
                if not (self.good(tgt) and not tried):
                    if tgt not in s["order"]:
                        self.end(p, "rolled-back", "cancelled")
                    else:
                        self.mark_bad(tgt)
                        self.end(p, "rolled-back",
                                 "watchdog-reset" if self.wd else "tries-exhausted")
                    rc = 6
        c = self.content(x)
        if c == "confirmed":
            if self.good(x) and s["left"][x] < MAX_TRIES:
                self.mark_good(x)
            for y in slots_of(x):
                if s["rec"][y] is None:
                    s["rec"][y] = {"status": "ok", "confirmed": True, "factory": True,
                                   "txn": "", "sha": "0" * 64, "version": "",
                                   "security_version": 0}
            return rc
        p = self.pending()
        if p:
            self.end(p, "failed", "superseded")
        t = self.txn_for("boot", x)
        t["state"] = "activated"
        if c != "verified":
            return self.reject(t, "unverified-content")
        return self.trial(t)

    def mark(self, verb, what):
        s = self.s
        self.open()
        bn = {"booted": s["booted"], "other": other(s["booted"])}.get(what, what)
        c = self.content(bn)
        p = self.pending()
        if verb == "mark-good":
            if c in ("broken", "empty"):
                raise Refused(2)
            if p and p["target"] == bn:
                self.commit(p, "marked-good")
            elif c == "confirmed":
                self.mark_good(bn)
            elif p:
                raise Refused(2)
            else:
                t = self.txn_for("mark-good", bn)
                self.commit(t, "marked-good")
            return 0
        if verb == "mark-bad":
            if p and p["target"] == bn:
                self.mark_bad(bn)
                self.end(p, "rolled-back", "marked-bad")
                return 0
            if not self.fallback(bn):
                raise Refused(2)
            if c == "confirmed":
                for y in slots_of(bn):
                    if s["rec"][y] is None:
                        s["rec"][y] = {"status": "ok", "confirmed": True, "factory": True,
                                       "txn": "", "sha": "0" * 64, "version": "",
                                       "security_version": 0}
            self.mark_bad(bn)
            return 0
        # mark-active
        if c in ("broken", "empty"):
            raise Refused(2)
        mine = p and p["target"] == bn
        cancel = p if p and not mine and self.trial_target(p["target"]) else None
        if p and not mine and not cancel and c != "confirmed":
            raise Refused(2)
        self.set_primary(bn)
        if cancel:
            self.mark_bad(cancel["target"])
            self.end(cancel, "rolled-back", "manual")
        if not mine and c == "confirmed":
            return 0
        t = p if mine else self.txn_for("mark-active", bn)
        if t["state"] != "recovered":
            t["state"] = "activated"
        self.save(t)
        return 0

    def rollback(self):
        s = self.s
        self.open()
        x = s["booted"]
        p = self.pending()
        if p and p["target"] == x and self.trial_target(x):
            if not self.fallback(x):
                raise Refused(2)
            self.mark_bad(x)
            self.end(p, "rolled-back", "manual")
            return 0
        if p:
            self.mark_bad(p["target"])
            self.end(p, "rolled-back", "manual")
            return 0
        o = other(x)
        if not (self.good(o) and self.content(o) == "confirmed"):
            raise Refused(2)
        t = self.txn_for("rollback", o)
        self.set_primary(o)
        self.end(t, "rolled-back", "manual")
        return 0

    def recover(self, stick):
        s = self.s
        self.open()
        d, members = self.fix.sticks[stick]
        cands = [self.fix.by_name[m] for m in members]
        cands = [b for b in cands if b.compatible == "fwtool,sim" and b.secver >= s["floor"]]
        if not cands:
            raise Refused(1)
        cands.sort(key=lambda b: [int(v) for v in b.version.split(".")], reverse=True)
        # each is read through before it is written: a corrupt one is passed over
        if all(b.tamper for b in cands):
            raise Refused(3)
        cands = [b for b in cands if not b.tamper]
        target = "A"
        t = None
        for i, b in enumerate(cands):
            if t is None:
                t = self.new_txn("recover", target, b.version, b.secver)
                self.mark_bad(target)
                p = self.pending()
                if p:
                    self.end(p, "failed",
                             "interrupted" if p["state"] == "installing" else "superseded")
                self.save(t)
            t["version"], t["security_version"] = b.version, b.secver
            failed = False
            for cls in b.classes:
                x = f"{cls}.0"
                r = s["rec"][x]
                if r and r["status"] == "ok" and r["sha"] == b.images[cls] \
                        and s["content"][x] == b.images[cls]:
                    continue
                if b.tamper and cls == "rootfs":
                    s["rec"][x] = {"status": "failed", "confirmed": False, "factory": False,
                                   "txn": NEW, "sha": b.images[cls], "version": b.version,
                                   "security_version": b.secver}
                    s["content"][x] = "torn"
                    failed = True
                    break
                s["rec"][x] = {"status": "ok", "confirmed": False, "factory": False,
                               "txn": NEW, "sha": b.images[cls], "version": b.version,
                               "security_version": b.secver}
                s["content"][x] = b.images[cls]
            if failed:
                if i + 1 == len(cands):
                    self.end(t, "failed", "verification-failed")
                    return 3
                continue
            good = [target]
            if all(s["rec"][y] and s["rec"][y]["status"] == "ok" and not s["rec"][y]["factory"]
                   and s["content"][y] == s["rec"][y]["sha"] for y in slots_of("B")):
                good.append("B")
            s["order"] = list(good)
            for bn in NAMES:
                s["left"][bn] = MAX_TRIES if bn in good else 0
            t["state"] = "recovered"
            return 0
        return 0


# ---- comparing ----------------------------------------------------------------
def resolve_ids(pred, real, before):
    """The model calls a transaction it begins <new>: the board has its id."""
    known = {t["id"] for t in before["hist"]} | ({before["cur"]["id"]} if before["cur"] else set())
    new = None
    for t in ([real["cur"]] if real["cur"] else []) + real["hist"]:
        if t["id"] not in known:
            new = t["id"]
    for t in ([pred["cur"]] if pred["cur"] else []) + pred["hist"]:
        if t["id"] == NEW:
            t["id"] = new
    for r in pred["rec"].values():
        if r and r["txn"] == NEW:
            r["txn"] = new
    pred["outbox"] = sorted(new if i == NEW else i for i in pred["outbox"])


def diff(pred, real):
    out = []
    for k in ("order", "left", "booted", "floor", "cur"):
        if pred[k] != real[k]:
            out.append(f"{k}: model {pred[k]} board {real[k]}")
    if [(t["id"], t["state"], t["reason"]) for t in pred["hist"]] != \
            [(t["id"], t["state"], t["reason"]) for t in real["hist"]]:
        out.append(f"history: model {[(t['state'], t['reason']) for t in pred['hist']]} "
                   f"board {[(t['state'], t['reason']) for t in real['hist']]}")
    for x in SLOTS:
        a, b = pred["rec"][x], real["rec"][x]
        pa = a and (a["status"], a["confirmed"], a["txn"] if not a["factory"] else "")
        pb = b and (b["status"], b["confirmed"], b["txn"] if not b["factory"] else "")
        if pa != pb:
            out.append(f"record {x}: model {pa} board {pb}")
        if pred["content"][x] not in ("torn", real["content"][x]):
            out.append(f"content {x}: model {pred['content'][x][:12]} board {real['content'][x][:12]}")
    return out


# ---- invariants from the ground truth -------------------------------------------
class Truth:
    def __init__(self, fix, sink):
        self.fix, self.sink = fix, sink
        self.marked_good = set()  # content shas an operator marked good by hand
        self.confirmed = set()  # (slot, sha) seen confirmed, and judged then
        self.ends = {}  # id -> end state, as first seen in history

    def booted_content_ok(self, s):
        bn = s["booted"]
        for x in slots_of(bn):
            if s["content"][x] not in self.fix.known:
                return f"booted {bn}: slot {x} holds unverified or half-written content"
        return None

    def check(self, before, after, step, rc, out):
        errs = []
        fix = self.fix
        # confirmed content passed its checks, came with the board, or was
        # marked good: judged when a record becomes confirmed, by the root
        # filesystem it was confirmed with (what the check reads)
        for x, r in after["rec"].items():
            if r and r["confirmed"] and not r["factory"]:
                c = after["content"][x]
                if c != r["sha"]:
                    errs.append(f"{x}: recorded confirmed, but holds other content")
                if (x, c) in self.confirmed:
                    continue
                # the rootfs it was confirmed with: in this step an end
                # finished first may confirm it before a write replaces it
                ok = any(fix.known.get(st["content"][f"rootfs.{x[-1]}"], ("", False))[1] or
                         st["content"][f"rootfs.{x[-1]}"] in self.marked_good
                         for st in (before, after))
                if c not in fix.known or not ok:
                    errs.append(f"{x}: confirmed, but its checks cannot have passed")
                self.confirmed.add((x, c))
            if r and r["status"] == "ok" and not r["factory"] and after["content"][x] != r["sha"]:
                errs.append(f"{x}: recorded ok, but holds other content")
        # every transaction ends once; in history; delivered or queued
        ids = [t["id"] for t in after["hist"]]
        if len(ids) != len(set(ids)):
            errs.append("a transaction is in history twice")
        for t in after["hist"]:
            if self.ends.setdefault(t["id"], t["state"]) != t["state"]:
                errs.append(f"transaction {t['id']} ended twice")
            if t["id"] not in self.sink.got and t["id"] not in after["outbox"]:
                errs.append(f"transaction {t['id']}: its report is neither sent nor queued")
            if t["state"] == "confirmed" and t["reason"] != "marked-good" and t["kind"] != "rollback":
                b = next((b for b in BUNDLES if b.version == t["version"]), None)
                if b and not b.healthy:
                    errs.append(f"history says {t['version']} confirmed: its checks fail")
        c = after["cur"]
        if c and c["state"] in ENDED and step[0] in MUTATING and rc != 99 and c["id"] not in ids:
            errs.append("the current transaction ended, but is not in history")
        # the floor: the highest security version ever confirmed
        conf = [t["security_version"] for t in after["hist"] if t["state"] == "confirmed"]
        if c and c["state"] == "confirmed":
            conf.append(c["security_version"])
        if after["floor"] < before["floor"] or after["floor"] > max(conf + [0]):
            errs.append(f"floor {before['floor']} -> {after['floor']}, confirmed {conf}")
        # a boot into content never confirmed runs the checks
        if step[0] == "confirm" and rc != 99 and before["booted"]:
            bn = before["booted"]
            recs = [before["rec"][x] for x in slots_of(bn)]
            unconfirmed = any(r and not r["confirmed"] for r in recs)
            c = before["cur"]
            if c and c["state"] == "confirmed" and c["target"] == bn and \
                    c["id"] not in [t["id"] for t in before["hist"]]:
                unconfirmed = False  # a confirm cut after its record: finished now
            if unconfirmed and '"nothing-pending"' in out:
                errs.append(f"confirm on {bn}: content never confirmed, and no checks ran")
        return errs


# ---- the driver -----------------------------------------------------------------
VERBS = (
    [("install", b) for b in ("good", "newer", "major", "broken", "foreign", "old",
                              "tampered", "rootfs-only")] * 2
    + [("install-noact", b) for b in ("good", "broken", "newer")]
    + [("install-force", "good")]
    + [("sim-boot", "")] * 8 + [("sim-boot-wd", "")] * 2
    + [("confirm", "")] * 8
    + [(m, w) for m in ("mark-good", "mark-bad", "mark-active") for w in ("A", "B", "booted", "other")]
    + [("rollback", "")] * 2
    + [("recover", k) for k in ("newer", "tampered+good", "foreign+good", "old+newer", "tampered")]
)
MUTATING = ("install", "install-noact", "install-force", "confirm", "mark-good", "mark-bad",
            "mark-active", "rollback", "recover")


def gen_steps(seed, n):
    rnd = random.Random(seed)
    steps = []
    for _ in range(n):
        verb, arg = rnd.choice(VERBS)
        cut = rnd.randint(1, 45) if verb in MUTATING and rnd.random() < 0.12 else None
        steps.append((verb, arg, cut, rnd.random()))
    return steps


def args_of(fix, verb, arg):
    if verb.startswith("install"):
        a = ["install", "--json", "--no-progress"]
        a += ["--no-activate"] if verb == "install-noact" else []
        a += ["--force"] if verb == "install-force" else []
        return a + [fix.by_name[arg].path]
    if verb == "sim-boot":
        return ["sim-boot"]
    if verb == "sim-boot-wd":
        return ["sim-boot", "--watchdog-reset"]
    if verb == "confirm":
        return ["confirm", "--json", "--no-reboot"]
    if verb == "rollback":
        return ["rollback", "--json", "--no-reboot"]
    if verb == "recover":
        return ["recover", "--json", "--no-progress", "--bundle", fix.sticks[arg][0]]
    return [verb, arg]


def predict(fix, before, verb, arg, wd):
    m = Model(copy.deepcopy(before), fix, wd)
    try:
        if verb.startswith("install"):
            rc = m.install(fix.by_name[arg], verb == "install-noact", verb == "install-force")
        elif verb.startswith("sim-boot"):
            rc = m.sim_boot()
        elif verb == "confirm":
            rc = m.confirm()
        elif verb == "rollback":
            rc = m.rollback()
        elif verb == "recover":
            m.s["booted"] = None
            rc = m.recover(arg)
        else:
            rc = m.mark(verb, arg)
    except Refused as e:
        # refused: nothing changes but the end of a transaction that a cut
        # left half done, which every verb finishes first
        return e.rc, m.s, True
    if verb in ("confirm", "rollback"):  # they deliver what is queued (the sink is up)
        m.s["outbox"] = []
    return rc, m.s, False


class Failure(Exception):
    pass


def run_sequence(fix, fwtool, sink, work, steps, verbose=False, stats=None):
    """Run @steps on a fresh board; raise Failure with the step index."""
    board_dir = os.path.join(work, "board")
    if os.path.exists(board_dir):
        shutil.rmtree(board_dir)
    board = Board(board_dir, fix, fwtool, sink.port)
    truth = Truth(fix, sink)
    sink.got.clear()
    wd = False
    after_cut = False
    last_stick = None
    for i, (verb, arg, cut, r) in enumerate(steps):
        if after_cut == "recover":
            # power comes back with the stick still in: it boots and recovers again
            verb, arg, cut = "recover", last_stick, None
        elif after_cut and not verb.startswith("sim-boot"):
            verb, arg, cut = "sim-boot", "", None  # a power cut is followed by a boot
        before = board.read()
        if before["booted"] is None and verb not in ("sim-boot", "sim-boot-wd", "recover"):
            verb, arg, cut = "sim-boot", "", None
        fp = board.fingerprint()
        if verb == "recover":
            with open(board.p("state", "cmdline"), "w") as f:
                f.write("console=ttyS0 root=/dev/sdz1\n")  # booted from the stick
        if verb.startswith("sim-boot"):
            wd = verb == "sim-boot-wd"
        rc_want, pred, refused = predict(fix, before, verb, arg, wd)
        rc, out, err = board.run(args_of(fix, verb, arg), cut)
        after = board.read()
        tag = f"step {i}: {verb} {arg}{f' (cut after write {cut})' if cut else ''}"
        if verbose:
            print(f"  {tag}: rc {rc} order {after['order']} left {after['left']} "
                  f"booted {after['booted']} cur {after['cur'] and (after['cur']['state'], after['cur']['reason'])}")
        if "runtime error" in err or "AddressSanitizer" in err:
            raise Failure(f"{tag}: sanitizer: {err[-1500:]}")
        if rc == 99 and cut:
            after_cut = "recover" if verb == "recover" else True
            last_stick = arg
            if stats is not None:
                stats["cuts"] += 1
        else:
            after_cut = False
            if rc != rc_want:
                raise Failure(f"{tag}: exit {rc}, the model says {rc_want}\n{err.strip()[-800:]}")
            resolve_ids(pred, after, before)
            if refused and pred == before and board.fingerprint() != fp:
                raise Failure(f"{tag}: refused (exit {rc}), but something changed")
            d = diff(pred, after)
            if d:
                raise Failure(f"{tag}: the board differs from the model:\n    " + "\n    ".join(d))
        if verb == "mark-good" and rc in (0, 99):  # given, even if power failed after
            bn = {"booted": before["booted"], "other": before["booted"] and other(before["booted"])}.get(arg, arg)
            truth.marked_good.add(after["content"][f"rootfs.{NAMES.index(bn)}"])
        if verb.startswith("sim-boot"):
            e = truth.booted_content_ok(after)
            if e:
                raise Failure(f"{tag}: {e}")
        errs = truth.check(before, after, (verb, arg), rc, out)
        if errs:
            raise Failure(f"{tag}: " + "; ".join(errs))
        # wait --id X answers 0 only for a confirmed transaction
        known = [t["id"] for t in after["hist"]] + ([after["cur"]["id"]] if after["cur"] else [])
        if known and r < 0.3:
            tid = known[int(r * 1000) % len(known)]
            wrc, wout, _ = board.run(["wait", "--json", "--timeout", "0", "--id", tid])
            state = next((t["state"] for t in after["hist"] if t["id"] == tid),
                         after["cur"]["state"] if after["cur"] and after["cur"]["id"] == tid else None)
            want = {"confirmed": 0, "rolled-back": 6, "failed": 1, "installed": 8}.get(state, 7)
            if wrc != want:
                raise Failure(f"{tag}: wait --id {tid} ({state}) exit {wrc}, want {want}")
        if stats is not None:
            stats["steps"] += 1
            stats["states"].add(json.dumps([after["order"], after["left"], after["booted"],
                                            after["cur"] and (after["cur"]["state"], after["cur"]["target"]),
                                            {x: r and (r["status"], r["confirmed"]) for x, r in after["rec"].items()},
                                            after["floor"]], sort_keys=True))
            stats["verbs"][verb] = stats["verbs"].get(verb, 0) + 1
            for t in after["hist"][len(before["hist"]):]:
                k = f"{t['kind']}:{t['state']}{'/' + t['reason'] if t['reason'] else ''}"
                stats["ends"][k] = stats["ends"].get(k, 0) + 1
    return len(steps)


def shrink(fix, fwtool, sink, work, steps):
    """Remove steps while the sequence still fails: the shortest one found."""
    best = steps
    chunk = max(1, len(best) // 2)
    while chunk >= 1:
        i, changed = 0, False
        while i < len(best):
            cand = best[:i] + best[i + chunk:]
            try:
                run_sequence(fix, fwtool, sink, work, cand)
                i += chunk
            except Failure:
                best, changed = cand, True
        if not changed:
            chunk //= 2
    return best


def worker(args, fwtool, seeds, deadline, result, work):
    fix = result["fix"]
    sink = Sink()
    stats = {"steps": 0, "cuts": 0, "states": set(), "verbs": {}, "ends": {}}
    seqs = 0
    for seed in seeds:
        if time.monotonic() > deadline or (args.steps and stats["steps"] >= args.steps):
            break
        steps = gen_steps(seed, args.length)
        try:
            run_sequence(fix, fwtool, sink, work, steps, stats=stats)
            seqs += 1
        except Failure as e:
            small = shrink(fix, fwtool, sink, work, steps)
            try:
                run_sequence(fix, fwtool, sink, work, small)
                msg = str(e)
            except Failure as e2:
                msg = str(e2)
            result["failures"].append((seed, small, msg))
            break
    result["stats"].append((stats, seqs))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fwtool", default=os.environ.get("FWTOOL", os.path.join(ROOT, "build", "san", "fwtool")))
    ap.add_argument("--seconds", type=float, default=0)
    ap.add_argument("--steps", type=int, default=0)
    ap.add_argument("--length", type=int, default=40, help="steps per sequence")
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--replay", action="store_true")
    a = ap.parse_args()
    if not a.seconds and not a.steps:
        a.seconds = 120
    base = a.seed if a.seed is not None else int(time.time())
    work = tempfile.mkdtemp(prefix="abmodel-")
    # a copy: a rebuild during a long run must not change the binary under it
    shutil.copy(a.fwtool, os.path.join(work, "fwtool"))
    a.fwtool = os.path.join(work, "fwtool")
    try:
        fix = Fixture(work, a.fwtool)
        if a.replay:
            steps = gen_steps(base, a.length)
            try:
                run_sequence(fix, a.fwtool, Sink(), os.path.join(work, "w0"), steps, verbose=True)
                print(f"model: seed {base}: {len(steps)} steps, no invariant broken")
                return 0
            except Failure as e:
                print(f"model: seed {base}: FAILED: {e}")
                return 1
        t0 = time.monotonic()
        deadline = t0 + (a.seconds if a.seconds else 1e9)
        result = {"fix": fix, "failures": [], "stats": []}
        threads = []
        for j in range(a.jobs):
            wk = os.path.join(work, f"w{j}")
            os.makedirs(wk)
            seeds = range(base + j, base + 10 ** 9, a.jobs)
            th = threading.Thread(target=worker, args=(a, a.fwtool, seeds, deadline, result, wk))
            th.start()
            threads.append(th)
        for th in threads:
            th.join()
        steps = sum(s["steps"] for s, _ in result["stats"])
        seqs = sum(n for _, n in result["stats"])
        cuts = sum(s["cuts"] for s, _ in result["stats"])
        states = set().union(*[s["states"] for s, _ in result["stats"]])
        verbs, ends = {}, {}
        for s, _ in result["stats"]:
            for k, v in s["verbs"].items():
                verbs[k] = verbs.get(k, 0) + v
            for k, v in s["ends"].items():
                ends[k] = ends.get(k, 0) + v
        took = time.monotonic() - t0
        print(f"model: {steps} steps in {seqs} sequences ({took:.0f} s, seeds from {base}), "
              f"{cuts} power cuts, {len(states)} distinct states")
        print("model: steps per verb: " + ", ".join(f"{k} {v}" for k, v in sorted(verbs.items())))
        print("model: transactions ended (kind:state/reason): " +
              ", ".join(f"{k} {v}" for k, v in sorted(ends.items())))
        for seed, small, msg in result["failures"]:
            print(f"model: FAILED (seed {seed}); shortest failing sequence ({len(small)} steps):")
            for v, arg, cut, _ in small:
                print(f"    {v} {arg}{f'  [power cut after write {cut}]' if cut else ''}")
            print(f"  {msg}")
        return 1 if result["failures"] else 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
