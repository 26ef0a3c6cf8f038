# SPDX-License-Identifier: GPL-2.0-only
"""bootloader = efi: BootNext for the one try, BootOrder on confirm, on the
simulated board booted by a model of a UEFI boot manager (efifw.py)."""
import json
import os
import struct

import pytest
from efifw import EfiBoard, loadopt, read


@pytest.fixture
def board(keys, tmp_path):
    return EfiBoard(tmp_path / "board", keys)


def txn(board):
    return json.loads(open(board.p("state", "transaction.json")).read())


def test_update_confirmed(board, tmp_path):
    board.fw("install", board.bundle(tmp_path), expect=0)
    # one try through BootNext; BootOrder still boots A after any reset
    assert struct.unpack("<H", board.var("BootNext"))[0] == 2
    assert board.order() == [1, 0]
    assert board.status()["primary"] == "B"
    board.boot()
    assert board.booted() == "B" and board.var("BootNext") is None
    board.fw("confirm", expect=0)
    assert txn(board)["state"] == "confirmed"
    # B first; the firmware's own entry stays where it was, after the slots
    assert board.order() == [2, 1, 0]
    assert not os.path.exists(board.p("state", "efi-trial"))
    board.boot()
    assert board.booted() == "B"


def test_the_booted_slot_from_boot_current(board, tmp_path):
    """a command line that names no slot: BootCurrent's entry says"""
    board.fw("install", board.bundle(tmp_path), expect=0)
    board.boot()
    board.set_cmdline("console=ttyS0")
    assert board.status()["booted"] == "B"
    board.fw("confirm", expect=0)
    assert board.order() == [2, 1, 0]


def test_failed_check_rolls_back(board, tmp_path):
    board.fw("install", board.bundle(tmp_path, health="broken"), expect=0)
    board.boot()
    assert board.fw("confirm").rc == 6
    assert txn(board)["reason"] == "health-check-failed"
    assert board.order() == [1, 0] and board.var("BootNext") is None
    board.boot()
    assert board.booted() == "A"


def test_one_try_then_the_old_slot(board, tmp_path):
    """a kernel that panics: the firmware consumed BootNext, so the next
    boot is BootOrder's first, A"""
    board.fw("install", board.bundle(tmp_path), expect=0)
    board.boot()
    assert board.booted() == "B"
    board.boot()  # B panicked before confirm
    assert board.booted() == "A"
    assert board.fw("confirm").rc == 6
    assert txn(board)["reason"] == "tries-exhausted", txn(board)
    assert board.status()["primary"] == "A"


def test_watchdog_reset(board, tmp_path):
    board.fw("install", board.bundle(tmp_path), expect=0)
    board.boot()
    board.boot(watchdog_reset=True)
    assert board.booted() == "A"
    assert board.fw("confirm").rc == 6
    assert txn(board)["reason"] == "watchdog-reset", txn(board)


def test_an_entry_the_firmware_dropped_is_written_again(board, tmp_path):
    """fwtool keeps each slot's load option as it found it, and writes it
    back under a free number when the firmware dropped it"""
    want = read(board.p("efivars"), "Boot0002")
    board.fw("status", expect=0)  # seen once: saved
    os.remove(os.path.join(board.p("efivars"), "Boot0002-8be4df61-93ca-11d2-aa0d-00e098032b8c"))
    r = board.fw("install", board.bundle(tmp_path), expect=0)
    assert "dropped the entry of slot B" in r.err, r
    assert read(board.p("efivars"), "Boot0002") == want
    board.boot()
    assert board.booted() == "B"


def test_status_writes_nothing_once_the_entries_are_saved(board):
    """the copies of the load options are written when they change, not
    at every status (each would be a durable write on eMMC)"""
    board.fw("status", expect=0)
    saved = board.p("state", "efi-Boot-B")
    before = os.stat(saved).st_mtime_ns
    os.utime(saved, ns=(before - 10**9, before - 10**9))
    board.fw("status", expect=0)
    assert os.stat(saved).st_mtime_ns == before - 10**9


def test_an_entry_never_seen_is_asked_for(board, tmp_path):
    os.remove(os.path.join(board.p("efivars"), "Boot0002-8be4df61-93ca-11d2-aa0d-00e098032b8c"))
    r = board.fw("install", board.bundle(tmp_path))
    assert r.rc == 2 and "no Boot#### entry described 'B'" in r.err and "efibootmgr" in r.err, r


def test_mark_verbs(board, tmp_path):
    """mark-active is a trial (one try); mark-good puts a slot in BootOrder;
    mark-bad takes it out; never the last one"""
    board.fw("install", "--no-activate", board.bundle(tmp_path), expect=0)
    board.fw("mark-active", "B", expect=0)
    assert struct.unpack("<H", board.var("BootNext"))[0] == 2 and board.order() == [1, 0]
    board.boot()
    board.fw("mark-good", "booted", expect=0)
    assert board.order() == [2, 1, 0] and board.var("BootNext") is None
    board.fw("mark-bad", "A", expect=0)
    assert board.order() == [2, 0]
    r = board.fw("mark-bad", "B")
    assert r.rc == 2 and "no other slot" in r.err, r


@pytest.mark.parametrize("name,value", [
    ("BootOrder", b"\x07\0\0\0\x01"),  # odd length
    ("Boot0001", b"\x07\0\0\0" + loadopt("A", "")[:9]),  # description cut short
])
def test_malformed_variables(board, name, value):
    with open(os.path.join(board.p("efivars"), f"{name}-8be4df61-93ca-11d2-aa0d-00e098032b8c"),
              "wb") as f:
        f.write(value)
    r = board.fw("status")
    if name == "BootOrder":
        assert r.rc == 9 and "BootOrder is malformed" in r.err, r
    else:  # not a slot's entry any more: A has none
        assert r.rc == 0 and json.loads(board.fw("status", "--json").out)["primary"] != "A"
