# SPDX-License-Identifier: GPL-2.0-only
"""Power cuts at every durable write of install, activation and confirm.

fwtool stops itself at the Nth write boundary (FWTOOL_CUT_AFTER=N, built with
CONFIG_FAULT_INJECT): what is on disk then is what a power cut leaves, since
every earlier write was fsynced. For every N, the board must boot a slot whose
content is good, the state must say what happened, and a new update must
still go through.
"""
import hashlib
import json
import os
import shutil

import pytest
from efifw import EfiBoard
from sdboot import SdBootBoard
from simboard import SimBoard

BOARDS = {"sim": SimBoard, "systemd-boot": SdBootBoard, "efi": EfiBoard}


def sha(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


@pytest.fixture(scope="module", params=sorted(BOARDS))
def setup(keys, tmp_path_factory, request):
    """the simulated board with the sim bootloader (RAUC's variables in one
    file, replaced atomically), with systemd-boot (a rename per entry) and
    with efi (BootOrder, BootNext and efi-trial, one write each)"""
    d = tmp_path_factory.mktemp("cut")
    proto = BOARDS[request.param](d / "proto", keys)
    bundle = proto.bundle(d, comp="zstd")
    return proto, bundle, d


def fresh(setup, n, phase):
    proto, bundle, d = setup
    path = d / f"{phase}-{n}"
    if path.exists():
        shutil.rmtree(path)
    shutil.copytree(proto.path, path)
    b = type(proto).__new__(type(proto))
    b.path, b.keys = str(path), proto.keys
    b.conf = os.path.join(b.path, "system.conf")
    b.env = {"FWTOOL_CONF": b.conf}
    return b


def points(board, *args):
    log = board.p("cutlog")
    board.fw(*args, env={"FWTOOL_CUT_LOG": log})
    return len(open(log).read().splitlines())


def booted_content_is_good(board, image, a_content):
    """Boot once and check the slot the bootloader picked."""
    board.boot()
    slot = board.booted()
    got = sha(board.slot_file(slot))
    if slot == "A":
        assert got == a_content, "A changed"
    else:
        assert got == sha(image), "booted B with content that is not the image"
    return slot


def one_try(board, n, t):
    """efi's trial is one try (BootNext): a cut before confirm put the slot
    in BootOrder sends the next boot back to A, and the transaction ends
    rolled-back, A still good; True when that is what happened"""
    if not isinstance(board, EfiBoard) or board.booted() != "A":
        return False
    assert t["state"] == "rolled-back" and t["reason"] == "tries-exhausted", (n, t)
    assert board.status()["primary"] == "A", n
    return True


def test_powercut_sweep_install(setup):
    proto, bundle, d = setup
    image = os.path.join(d, "images", "rootfs-1.1.0.img")
    a_content = sha(proto.slot_file("A"))
    total = points(fresh(setup, 0, "count-install"), "install", bundle)
    assert total > 20
    for n in range(1, total + 1):
        b = fresh(setup, n, "install")
        r = b.fw("install", bundle, env={"FWTOOL_CUT_AFTER": str(n)})
        assert r.rc == 99, (n, r)
        slot = booted_content_is_good(b, image, a_content)
        # the boot-time confirm settles whatever was in flight
        r = b.fw("confirm", "--json")
        assert r.rc in (0, 6), (n, r)
        st = b.status()
        t = st["transaction"]
        if t is not None:
            assert t["state"] in ("confirmed", "failed"), (n, t)
            assert t["state"] == ("confirmed" if slot == "B" else "failed"), (n, t)
            hist = [json.loads(l) for l in open(b.p("state", "history.jsonl"))]
            assert [h["id"] for h in hist].count(t["id"]) == 1, n
        # and the board takes a new update afterwards
        r = b.fw("install", "--force", bundle)
        if slot == "B":  # B confirmed: the update goes to A now
            assert r.rc == 0 and json.loads(open(b.p("state", "transaction.json")).read())["target"] == "A", (n, r)
        else:
            assert r.rc == 0, (n, r)


def test_powercut_sweep_confirm(setup):
    proto, bundle, d = setup
    image = os.path.join(d, "images", "rootfs-1.1.0.img")

    def on_trial(n):
        b = fresh(setup, n, "confirm")
        b.fw("install", bundle, expect=0)
        b.boot()
        return b

    total = points(on_trial(0), "confirm")
    assert total >= 6
    for n in range(1, total + 1):
        b = on_trial(n)
        r = b.fw("confirm", env={"FWTOOL_CUT_AFTER": str(n)})
        assert r.rc == 99, (n, r)
        # next boot: B still has tries (the trial is not over), or was marked good
        b.boot()
        assert sha(b.slot_file(b.booted())) in (sha(image), sha(proto.slot_file("A")))
        b.fw("confirm", expect=0 if b.booted() == "B" else None)
        t = json.loads(open(b.p("state", "transaction.json")).read())
        if one_try(b, n, t):
            continue
        assert t["state"] == "confirmed", (n, t)
        hist = [json.loads(l)["id"] for l in open(b.p("state", "history.jsonl"))]
        assert hist.count(t["id"]) == 1, (n, hist)
        assert open(b.p("state", "security-version")).read().strip() == "2"


def test_powercut_sweep_mark_good(setup):
    """mark-good of the trial slot by hand: the same guarantees as confirm."""
    proto, bundle, d = setup

    def on_trial(n):
        b = fresh(setup, n, "markgood")
        b.fw("install", bundle, expect=0)
        b.boot()
        return b

    total = points(on_trial(0), "mark-good", "booted")
    assert total >= 4
    for n in range(1, total + 1):
        b = on_trial(n)
        r = b.fw("mark-good", "booted", env={"FWTOOL_CUT_AFTER": str(n)})
        assert r.rc == 99, (n, r)
        b.boot()
        b.fw("confirm")
        t = json.loads(open(b.p("state", "transaction.json")).read())
        if one_try(b, n, t):
            continue
        assert t["state"] == "confirmed", (n, t)
        hist = [json.loads(l)["id"] for l in open(b.p("state", "history.jsonl"))]
        assert hist.count(t["id"]) == 1, (n, hist)
