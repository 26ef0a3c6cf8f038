# SPDX-License-Identifier: GPL-2.0-only
"""A system.conf that could destroy the running system is refused at load
(issue 11): one line naming the file, the line and what is wrong, exit 2,
and nothing written, whatever the verb."""
import hashlib
import os
import re

import pytest
from simboard import SimBoard


@pytest.fixture
def board(keys, tmp_path):
    return SimBoard(tmp_path / "board", keys)


def edit(board, old, new):
    conf = open(board.conf).read()
    assert old in conf, old
    open(board.conf, "w").write(conf.replace(old, new, 1))


def digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def refused(board, tmp_path, *words):
    """status and install both refuse, naming system.conf:LINE and @words;
    no slot changed."""
    before = {n: digest(board.p("slots", n)) for n in os.listdir(board.p("slots"))}
    bundle = board.bundle(tmp_path)
    for args in (("status",), ("install", bundle)):
        r = board.fw(*args)
        assert r.rc == 2, (args, r)
        line = r.err.strip()
        assert len(line.splitlines()) == 1, line
        assert re.search(r"system\.conf:\d+: ", line), line
        for w in words:
            assert w in line, (w, line)
    after = {n: digest(board.p("slots", n)) for n in os.listdir(board.p("slots"))}
    assert after == before


@pytest.mark.parametrize("how", ["same", "dot", "symlink", "absolute"])
def test_two_slots_on_one_file(board, tmp_path, how):
    target = {"same": "slots/rootfs-a.img", "dot": "slots/./rootfs-a.img",
              "symlink": "slots/link-to-a", "absolute": board.p("slots", "rootfs-a.img")}[how]
    if how == "symlink":
        os.symlink("rootfs-a.img", board.p("slots", "link-to-a"))
    edit(board, "device = slots/rootfs-b.img", f"device = {target}")
    refused(board, tmp_path, "rootfs.1", "rootfs.0")


def test_two_classes_on_one_device(board, tmp_path):
    edit(board, "device = slots/router-fw-b.bin", "device = slots/rootfs-b.img")
    refused(board, tmp_path, "router-fw.1", "rootfs.1")


@pytest.mark.parametrize("name", ["B C", "B;C", "B$x", "", "B=1", "ABCDEFGHIJKLMNOPQ"])
def test_bootname_outside_the_safe_charset(board, tmp_path, name):
    edit(board, "bootname = B", f"bootname = {name}")
    refused(board, tmp_path, "bootname")


def test_two_slots_with_one_bootname(board, tmp_path):
    edit(board, "bootname = B", "bootname = A")
    refused(board, tmp_path, "bootname", "rootfs.0")


def test_unknown_slot_type(board, tmp_path):
    edit(board, "device = slots/rootfs-b.img\ntype = file",
         "device = slots/rootfs-b.img\ntype = flie")
    refused(board, tmp_path, "type", "flie")


@pytest.mark.parametrize("section,key", [("confirm", "check_timeout"), ("confirm", "deadline"),
                                         ("watchdog", "timeout"), ("confirm", "report_timeout")])
def test_zero_is_not_a_timeout(board, tmp_path, section, key):
    board.set_conf(section, f"{key} = 0")
    refused(board, tmp_path, key)


def test_inline_comment_is_refused_not_swallowed(board, tmp_path):
    edit(board, "compatible = fwtool,sim", "compatible = fwtool,sim # the sim board")
    refused(board, tmp_path, "comment")


def test_a_command_is_never_cut_at_a_semicolon(board, tmp_path):
    """inih would cut 'false ; true' to 'false' (and 'true ; false' to
    'true': a check that passes)"""
    board.set_conf("check.api", "command = [ -d / ] ; false")
    refused(board, tmp_path, "comment", "command")


def test_the_readme_example_loads(board, tmp_path):
    """README's system.conf, copied as it is, passes the parser (the device
    nodes it names do not exist here: what follows the load may fail)."""
    readme = open(os.path.join(os.path.dirname(__file__), "..", "..", "README.md")).read()
    block = readme.split("### system.conf", 1)[1].split("```ini\n", 1)[1].split("```", 1)[0]
    conf = tmp_path / "readme.conf"
    conf.write_text(block)
    r = board.fw("status", "--conf", str(conf))
    assert "readme.conf:" not in r.err, r.err


def test_the_shipped_configurations_load(board):
    """the boards' own system.conf files pass the same validation"""
    assert board.fw("status").rc == 0


def test_check_config_says_what_it_found(board, tmp_path):
    import json
    doc = json.loads(board.fw("check-config", "--json", expect=0).out)
    assert doc["schema"] == "fwtool.config/1"
    slots = {s["name"]: s for s in doc["slots"]}
    assert slots["rootfs.0"]["identity"].startswith("file, inode ")
    assert slots["router-fw.1"]["parent"] == "rootfs.1"
    edit(board, "device = slots/rootfs-b.img", "device = slots/./rootfs-a.img")
    r = board.fw("check-config")
    assert r.rc == 2 and "[slot.rootfs.1] device is [slot.rootfs.0]'s" in r.err, r
