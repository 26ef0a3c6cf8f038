# SPDX-License-Identifier: GPL-2.0-only
"""install on the simulated board: what is written where, and what is not."""
import hashlib
import json
import os
import subprocess
import threading
import time

import pytest
from conftest import FWTOOL, fw, wait_for
from simboard import SimBoard


@pytest.fixture
def board(keys, tmp_path):
    return SimBoard(tmp_path / "board", keys)


def lock_held(board):
    """fwtool holds STATEDIR/lock (flock) right now"""
    import fcntl
    try:
        fd = os.open(board.p("state", "lock"), os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return False
    except BlockingIOError:
        return True
    finally:
        os.close(fd)


def reading_stdin(pid):
    """its main thread waits in read() or poll() (x86-64 syscalls 0 and 7)"""
    try:
        return open(f"/proc/{pid}/syscall").read().split()[0] in ("0", "7")
    except OSError:
        return False


def txn_state(board):
    try:
        return json.loads(open(board.p("state", "transaction.json")).read())
    except (OSError, ValueError):
        return None


def sha(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def snapshot(board):
    """Everything a failed install must leave as it was."""
    files = {}
    for d in ("slots", "state"):
        for n in sorted(os.listdir(board.p(d))):
            if n in ("history.jsonl", "transaction.json", "slots.json", "lock"):
                continue
            files[f"{d}/{n}"] = sha(board.p(d, n))
    return files


def test_install_writes_target_and_activates(board, tmp_path):
    b = board.bundle(tmp_path)
    r = board.fw("install", "--json", b, expect=0)
    doc = json.loads(r.out)
    assert doc["schema"] == "fwtool.install/1"
    t = doc["transaction"]
    assert t["state"] == "activated" and t["previous"] == "A" and t["target"] == "B"
    assert [i["result"] for i in doc["images"]] == ["written", "written"]
    env = board.bootenv()
    assert env["BOOT_ORDER"] == "B A" and env["BOOT_B_LEFT"] == "3"
    img = os.path.join(tmp_path, "images", "rootfs-1.1.0.img")
    assert sha(board.slot_file("B")) == sha(img)
    assert open(board.slot_file("A")).read().startswith("fwtool-demo rootfs 1.0.0")
    st = board.status()
    slots = {s["name"]: s for s in st["slots"]}
    assert slots["rootfs.1"]["boot"]["state"] == "pending"
    assert slots["rootfs.1"]["installed"]["version"] == "1.1.0"
    assert st["booted"] == "A" and st["primary"] == "B"


def test_install_from_stdin(board, tmp_path):
    b = board.bundle(tmp_path)
    board.fw("install", "-", input=open(b, "rb").read(), expect=0)
    assert board.bootenv()["BOOT_ORDER"] == "B A"


@pytest.mark.parametrize("kind", ["incompatible", "tampered", "downgrade", "unsigned"])
def test_refused_install_writes_nothing(board, keys, tmp_path, kind):
    if kind == "incompatible":
        b = board.bundle(tmp_path, compatible="other,board")
        code = 4
    elif kind == "downgrade":
        with open(board.p("state", "security-version"), "w") as f:
            f.write("5\n")
        b = board.bundle(tmp_path, secver=3)
        code = 3
    elif kind == "unsigned":
        b = board.bundle(tmp_path)
        board.env["FWTOOL_CONF"] = board.conf
        with open(board.p("keyring.pem"), "w") as f:
            f.write(open(keys.p("otherca.pem")).read())
        code = 3
    else:
        b = board.bundle(tmp_path)
        data = bytearray(open(b, "rb").read())
        data[-3000] ^= 1  # in the last image
        open(b, "wb").write(bytes(data))
        code = 3
    before = snapshot(board)
    r = board.fw("install", b)
    assert r.rc == code, r
    after = snapshot(board)
    if kind == "tampered":
        # the target was marked bad before writing began; A untouched
        assert after["slots/rootfs-a.img"] == before["slots/rootfs-a.img"]
        assert board.bootenv()["BOOT_ORDER"] == "A"
        assert board.status()["primary"] == "A"
    else:
        assert after == before
    if kind != "tampered":
        # refused before anything was written: no transaction began
        assert not os.path.exists(board.p("state", "transaction.json"))
        assert not os.path.exists(board.p("state", "history.jsonl"))
        return
    # refused midway: the transaction began (the target was marked bad) and
    # ended failed, once, in history
    t = json.loads(open(board.p("state", "transaction.json")).read())
    assert t["state"] == "failed" and t["reason"] == "verification-failed"
    hist = open(board.p("state", "history.jsonl")).read().splitlines()
    assert json.loads(hist[-1])["id"] == t["id"]


def test_tampered_chunk_mid_image_stops_with_target_bad(board, tmp_path):
    b = board.bundle(tmp_path, comp="none")
    data = bytearray(open(b, "rb").read())
    # a byte 1.5 MiB into the 2 MiB rootfs image, past its first chunk
    off = data.index(b"fwtool-demo rootfs 1.1.0") + (3 << 19)
    data[off] ^= 0x80
    open(b, "wb").write(bytes(data))
    r = board.fw("install", b)
    assert r.rc == 3 and "chunk 1 " in r.err, r
    env = board.bootenv()
    assert env["BOOT_ORDER"] == "A" and env["BOOT_B_LEFT"] == "0"
    # the bad chunk never reached the slot: only chunk 0 was written
    assert os.path.getsize(board.slot_file("B")) <= 1 << 20
    slots = {s["name"]: s for s in board.status()["slots"]}
    assert slots["rootfs.1"]["installed"]["status"] == "failed"
    assert slots["rootfs.0"]["boot"]["state"] == "good"


def test_tampered_first_chunk_leaves_the_slot_as_it_was(board, tmp_path):
    """Nothing reaches a slot before its first chunk is authenticated: not
    even a truncation of the old content (issue 11)."""
    board.fw("install", "--no-activate", board.bundle(tmp_path, version="1.1.0"), expect=0)
    before = open(board.slot_file("B"), "rb").read()
    b = board.bundle(tmp_path, version="1.2.0", comp="none")
    data = bytearray(open(b, "rb").read())
    data[data.index(b"fwtool-demo rootfs 1.2.0") + 100] ^= 0x80
    open(b, "wb").write(bytes(data))
    r = board.fw("install", b)
    assert r.rc == 3 and "chunk 0 " in r.err, r
    assert open(board.slot_file("B"), "rb").read() == before


def test_sigterm_stops_an_install_waiting_for_its_first_byte(board, tmp_path):
    """stdin open but silent before the bundle header: SIGTERM ends the
    install at once, with its lock released and nothing begun (issue 11)."""
    import signal
    import subprocess
    import time
    from conftest import FWTOOL
    env = dict(os.environ, FWTOOL_CONF=board.conf)
    p = subprocess.Popen([FWTOOL, "install", "-"], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    wait_for(lambda: lock_held(board) and reading_stdin(p.pid), "install to wait on stdin")
    p.send_signal(signal.SIGTERM)
    try:
        p.wait(timeout=20)  # stdin stays open: communicate() would close it
    except subprocess.TimeoutExpired:
        p.kill()
        raise AssertionError("install ignored SIGTERM while waiting for stdin")
    finally:
        p.stdin.close()
    err = p.stderr.read()
    assert p.returncode not in (0, -signal.SIGTERM), (p.returncode, err)
    assert b"interrupted" in err, err
    # the lock is free: the next install goes through
    board.fw("install", board.bundle(tmp_path), expect=0)


def test_reinstall_is_skipped_unless_forced(board, tmp_path):
    b = board.bundle(tmp_path)
    board.fw("install", b, expect=0)
    mtime = os.stat(board.slot_file("B")).st_mtime_ns
    r = board.fw("install", "--json", b, expect=0)
    assert [i["result"] for i in json.loads(r.out)["images"]] == ["already-installed"] * 2
    assert os.stat(board.slot_file("B")).st_mtime_ns == mtime
    r = board.fw("install", "--json", "--force", b, expect=0)
    assert [i["result"] for i in json.loads(r.out)["images"]] == ["written"] * 2
    # a slot changed behind fwtool's back is rewritten: the re-hash decides
    with open(board.slot_file("B"), "r+b") as f:
        f.write(b"X")
    r = board.fw("install", "--json", b, expect=0)
    assert json.loads(r.out)["images"][0]["result"] == "written"


def test_second_concurrent_install_is_refused(board, tmp_path):
    b = board.bundle(tmp_path)
    # hold the lock through a slow stdin, then try a second install
    p = subprocess.Popen([FWTOOL, "install", "-"], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         env=dict(os.environ, **board.env))
    data = open(b, "rb").read()
    p.stdin.write(data[:10000])
    p.stdin.flush()
    wait_for(lambda: lock_held(board), "the first install to take the lock")
    r = board.fw("install", b)
    assert r.rc == 5 and "holds" in r.err, r
    p.stdin.write(data[10000:])
    p.stdin.close()
    assert p.wait(timeout=60) == 0


def test_interrupted_install_fails_cleanly(board, tmp_path):
    b = board.bundle(tmp_path)
    p = subprocess.Popen([FWTOOL, "install", "-"], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         env=dict(os.environ, **board.env))
    p.stdin.write(open(b, "rb").read()[:300000])
    p.stdin.flush()
    wait_for(lambda: (txn_state(board) or {}).get("state") == "installing",
             "the install to begin writing")
    p.terminate()
    assert p.wait(timeout=30) == 1
    t = json.loads(open(board.p("state", "transaction.json")).read())
    assert t["state"] == "failed" and t["reason"] == "interrupted", t
    assert board.bootenv()["BOOT_ORDER"] == "A"
    # the lock went with the process
    board.fw("install", b, expect=0)


def test_status_shows_phase_during_install(board, tmp_path):
    b = board.bundle(tmp_path)
    p = subprocess.Popen([FWTOOL, "install", "-"], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         env=dict(os.environ, **board.env))
    p.stdin.write(open(b, "rb").read()[:200000])
    p.stdin.flush()
    st = wait_for(lambda: (lambda s: s if s.get("transaction", {}).get("state") == "installing"
                           else None)(board.status()), "status to show the install")
    p.stdin.write(open(b, "rb").read()[200000:])
    p.stdin.close()
    assert p.wait() == 0
    assert st["transaction"]["state"] == "installing"
    assert st["transaction"]["phase"].startswith("write rootfs.1")


def test_events_are_json_lines(board, tmp_path):
    b = board.bundle(tmp_path)
    r = board.fw("install", "--events", b, expect=0)
    events = [json.loads(l) for l in r.out.splitlines() if l.startswith("{")]
    assert events and all(e["schema"] == "fwtool.event/1" for e in events)
    assert events[-1]["done"] == events[-1]["total"] > 0


def test_never_writes_the_booted_slot(board, tmp_path):
    with open(board.conf, "a") as f:
        f.write("[slot.extra.0]\ndevice = slots/x\ntype = file\nparent = rootfs.0\n")
    imgs = tmp_path / "x.img"
    imgs.write_bytes(b"x" * 100)
    b = tmp_path / "x.fwb"
    fw("bundle", "create", "-o", b, "--key", board.keys.signer[0], "--cert",
       board.keys.signer[1], "--version", "1.0.0", "--compatible", "fwtool,sim",
       "--image", f"extra={imgs}", expect=0)
    r = board.fw("install", b)
    assert r.rc == 2 and "boots the running system" in r.err, r


def test_trial_slot_blocks_a_new_install(board, tmp_path):
    board.fw("install", board.bundle(tmp_path), expect=0)
    board.boot()
    r = board.fw("install", board.bundle(tmp_path, version="1.1.1"))
    assert r.rc == 5 and "on trial" in r.err, r


@pytest.mark.parametrize("verify_writes", ["true", "false"])
def test_wrong_final_hash_never_activates(board, keys, tmp_path, verify_writes):
    """Every chunk matches but the signed whole-image sha256 does not: caught
    by the read-back (verify_writes) or by the stream's own hash."""
    import bundlegen as bg
    conf = open(board.conf).read().replace("max_tries = 3",
                                           f"max_tries = 3\nverify_writes = {verify_writes}")
    open(board.conf, "w").write(conf)
    board.drop_class("router-fw")
    b = bg.build(str(tmp_path / "h.fwb"), keys, [("rootfs", os.urandom(50000), "zstd")],
                 compatible=("fwtool,sim",),
                 mutate={"manifest": lambda p: p["manifest"]["images"][0].update(sha256="ab" * 32)})
    r = board.fw("install", b)
    assert r.rc == 3 and "sha256" in r.err, r
    env = board.bootenv()
    assert env["BOOT_ORDER"] == "A" and env["BOOT_B_LEFT"] == "0"


def test_sigterm_ends_an_install_from_a_file(board, tmp_path):
    """a bundle file's data is read with pread(), not through the read
    callback that looks at the stop flag: a SIGTERM must still end the
    install at the next chunk, failed as interrupted, the old slot kept"""
    board.drop_class("router-fw")
    b = board.bundle(tmp_path, comp="none", size_mib=384, classes=("rootfs",))
    p = subprocess.Popen([FWTOOL, "install", b], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, env=dict(os.environ, **board.env))
    wait_for(lambda: p.poll() is not None or os.path.exists(board.p("state", "slots.json")),
             "the install to begin writing")
    assert p.poll() is None, ("the install ended before the signal", p.communicate())
    p.terminate()
    _, err = p.communicate(timeout=60)
    assert p.returncode == 1 and b"interrupted" in err, (p.returncode, err)
    t = json.loads(open(board.p("state", "transaction.json")).read())
    assert t["state"] == "failed" and t["reason"] == "interrupted", t
    assert board.bootenv()["BOOT_ORDER"] == "A"
