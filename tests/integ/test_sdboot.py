# SPDX-License-Identifier: GPL-2.0-only
"""bootloader = systemd-boot: the whole update on the simulated board booted
by a model of systemd-boot 252 (sdboot.py), the entries read by the real
bootctl, renames on a real FAT file system, and what fwtool refuses."""
import json
import os
import shutil
import subprocess

import pytest
from sdboot import SdBootBoard, choose


@pytest.fixture
def board(keys, tmp_path):
    return SdBootBoard(tmp_path / "board", keys)


def txn(board):
    return json.loads(open(board.p("state", "transaction.json")).read())


def test_update_confirmed(board, tmp_path):
    """install arms B with +3 and ranks it first; systemd-boot counts one try
    in the name; confirm blesses it (the counter dropped)"""
    b = board.bundle(tmp_path)
    assert board.entries() == ["fwtool-0-b+0.conf", "fwtool-1-a.conf"]
    board.fw("install", b, expect=0)
    assert board.entries() == ["fwtool-0-a.conf", "fwtool-1-b+3.conf"]
    board.boot()
    assert board.booted() == "B"
    assert board.entries() == ["fwtool-0-a.conf", "fwtool-1-b+2-1.conf"]
    st = board.status()
    assert st["primary"] == "B" and txn(board)["state"] == "activated"
    board.fw("confirm", expect=0)
    assert board.entries() == ["fwtool-0-a.conf", "fwtool-1-b.conf"]
    assert txn(board)["state"] == "confirmed"
    board.boot()
    assert board.booted() == "B" and board.entries()[1] == "fwtool-1-b.conf"


def test_the_booted_slot_from_loader_entry_selected(board, tmp_path):
    """a command line that names no slot: the entry systemd-boot started,
    as it saved it in LoaderEntrySelected (before its rename), says"""
    board.fw("install", board.bundle(tmp_path), expect=0)
    board.boot()
    board.set_cmdline("console=ttyS0 root=/dev/nothing")
    st = board.status()
    assert st["booted"] == "B", st
    board.fw("confirm", expect=0)
    assert txn(board)["state"] == "confirmed"


def test_failed_check_rolls_back(board, tmp_path):
    b = board.bundle(tmp_path, health="broken")
    board.fw("install", b, expect=0)
    board.boot()
    r = board.fw("confirm", "--json")
    assert r.rc == 6, r
    t = txn(board)
    assert t["state"] == "rolled-back" and t["reason"] == "health-check-failed", t
    assert board.entries() == ["fwtool-0-b+0.conf", "fwtool-1-a.conf"]
    board.boot()
    assert board.booted() == "A"


def test_tries_exhausted(board, tmp_path):
    """a kernel that never reaches confirm: three tries counted down by
    systemd-boot's renames, then +0 sorts B below A"""
    board.fw("install", board.bundle(tmp_path), expect=0)
    for left in (2, 1, 0):
        board.boot()
        assert board.booted() == "B"
        assert f"fwtool-1-b+{left}-{3 - left}.conf" in board.entries()
    board.boot()
    assert board.booted() == "A"
    r = board.fw("confirm", "--json")
    assert r.rc == 6, r
    assert txn(board)["reason"] == "tries-exhausted", txn(board)
    assert board.status()["primary"] == "A"


def test_watchdog_reset(board, tmp_path):
    """B hangs on every try: the watchdog resets the board each time until
    systemd-boot's counter is used up and A boots; the reason says why"""
    board.fw("install", board.bundle(tmp_path), expect=0)
    for _ in range(3):
        board.boot(watchdog_reset=True)
        assert board.booted() == "B"
    board.boot(watchdog_reset=True)
    assert board.booted() == "A"
    r = board.fw("confirm", "--json")
    assert r.rc == 6 and txn(board)["reason"] == "watchdog-reset", txn(board)
    assert "fwtool-0-b+0.conf" in board.entries()


def test_bless_boot_renames_are_understood(board, tmp_path):
    """systemd-bless-boot good/bad rename to the same scheme: a counter
    dropped, or +0; fwtool reads both as systemd-bless-boot means them"""
    board.fw("install", board.bundle(tmp_path), expect=0)
    board.boot()
    d = board.p("esp", "loader", "entries")
    os.rename(os.path.join(d, "fwtool-1-b+2-1.conf"), os.path.join(d, "fwtool-1-b+0-1.conf"))
    slots = {s["bootname"]: s["boot"] for s in board.status()["slots"]}
    assert slots["B"]["tries_left"] == 0
    os.rename(os.path.join(d, "fwtool-1-b+0-1.conf"), os.path.join(d, "fwtool-1-b.conf"))
    assert board.status()["primary"] == "B"


@pytest.mark.parametrize("what,fix", [
    ("loader.conf", lambda b: open(b.p("esp", "loader", "loader.conf"), "w").write(
        "timeout 0\n# default old\ndefault fwtool-1-b*\n")),
    ("LoaderEntryDefault", lambda b: open(b.p(
        "efivars", "LoaderEntryDefault-4a67b082-0a4c-41cf-b6c7-440b29bb8c4f"), "wb").write(
        b"\x07\0\0\0" + "fwtool-1-a.conf\0".encode("utf-16-le"))),
    ("LoaderEntryOneShot", lambda b: open(b.p(
        "efivars", "LoaderEntryOneShot-4a67b082-0a4c-41cf-b6c7-440b29bb8c4f"), "wb").write(
        b"\x07\0\0\0" + "fwtool-0-b+0.conf\0".encode("utf-16-le"))),
])
def test_a_default_is_refused_before_anything_is_written(board, tmp_path, what, fix):
    """systemd-boot 252 boots a default even at +0: fwtool's choice rests on
    the sort order, so a default is refused, named, with the way out"""
    b = board.bundle(tmp_path)
    fix(board)
    before = board.entries()
    r = board.fw("install", b)
    assert r.rc == 2 and what in r.err and r.err.count("\n") == 1, r
    assert board.entries() == before
    assert not os.path.exists(board.p("state", "transaction.json"))
    # nor would status say what will boot: it refuses too
    r = board.fw("status")
    assert r.rc == 2 and what in r.err, r


def test_two_entries_for_one_slot_are_corrupt(board):
    shutil.copy(board.p("esp", "loader", "entries", "fwtool-1-a.conf"),
                board.p("esp", "loader", "entries", "fwtool-0-a+1.conf"))
    r = board.fw("status")
    assert r.rc == 9 and "two entries for slot A" in r.err, r


def test_a_missing_entry_is_named(board):
    os.remove(board.p("esp", "loader", "entries", "fwtool-0-b+0.conf"))
    r = board.fw("status")
    assert r.rc == 9 and "no entry for slot B" in r.err and r.err.count("\n") == 1, r


# ---- the real tools ---------------------------------------------------------

def bootctl(esp, *args):
    r = subprocess.run(["bootctl", f"--esp-path={esp}", "--no-pager", *args, "list"],
                       capture_output=True, text=True,
                       env=dict(os.environ, SYSTEMD_RELAX_ESP_CHECKS="1"))
    assert r.returncode == 0, r.stderr
    return r.stdout


def bootctl_list(esp):
    """bootctl's entries (JSON, one per line) and the file of the one it
    marks "(default)" (252's JSON does not say)"""
    listed = [json.loads(l) for l in bootctl(esp, "--json=short").splitlines() if l.strip()]
    default = None
    for block in bootctl(esp).split("\n\n"):
        if "(default)" in block:
            default = [l.split(":", 1)[1].strip() for l in block.splitlines()
                       if l.strip().startswith("source:")][0]
    return listed, default


needs_root_and_bootctl = pytest.mark.skipif(
    os.geteuid() != 0 or not shutil.which("bootctl"),
    reason="needs root (bootctl wants the ESP to be a mount point: a bind mount "
           "here) and bootctl (systemd-boot)")


@pytest.fixture
def mounted_board(board):
    """the ESP folder bind-mounted on itself, so that bootctl takes it (this
    kernel has no vfat, so renames on a real FAT are tried in QEMU only:
    make e2e)"""
    esp = board.p("esp")
    subprocess.run(["mount", "--bind", esp, esp], check=True)
    try:
        yield board
    finally:
        subprocess.run(["umount", esp], check=True)


@needs_root_and_bootctl
def test_bootctl_reads_what_fwtool_wrote(mounted_board, tmp_path):
    """after each step bootctl's default is fwtool's primary (and the
    model's choice), and its tries are the counter fwtool and systemd-boot
    wrote"""
    board = mounted_board
    esp = board.p("esp")

    def check():
        listed, default = bootctl_list(esp)
        primary = board.status()["primary"]
        first = [e for e in listed if e["path"] == default]
        assert first and first[0]["options"].endswith(f"fwtool.slot={primary}"), listed
        assert choose(esp)["file"] == os.path.basename(default), listed
        # (bootctl leaves out a count of 0 done)
        return {e["options"][-1]: (e["triesLeft"], e.get("triesDone", 0)) if "triesLeft" in e
                else (None, None) for e in listed}

    assert check() == {"A": (None, None), "B": (0, 0)}
    board.fw("install", board.bundle(tmp_path), expect=0)
    assert check() == {"A": (None, None), "B": (3, 0)}
    board.boot()
    assert check() == {"A": (None, None), "B": (2, 1)}
    board.fw("confirm", expect=0)
    assert check() == {"A": (None, None), "B": (None, None)}
    board.fw("mark-bad", "B", expect=0)
    assert check() == {"A": (None, None), "B": (0, 0)}


def test_an_empty_entry_left_by_a_cut_rename_is_ignored(board):
    """Linux vfat writes a renamed entry empty and fills it in later: a cut
    between leaves the old name beside an empty new one (the UEFI board's
    power-cut scenario found it). The empty one is ignored, with a warning;
    the slot keeps the state its old name says"""
    open(board.p("esp", "loader", "entries", "fwtool-1-b+3.conf"), "w").close()
    r = board.fw("status", "--json", expect=0)
    assert "fwtool-1-b+3.conf is empty" in r.err, r
    st = json.loads(r.out)
    assert st["primary"] == "A"
    assert {s["bootname"]: s["boot"]["state"] for s in st["slots"]}["B"] == "bad"
