# SPDX-License-Identifier: GPL-2.0-only
"""fwtool install with the router firmware on a USB DFU device: the sim board's
router-fw slots become the two alt settings of the DFU model (tests/usb),
served under umockdev to the sanitized fwtool."""
import hashlib
import json
import os
import re
import shutil
import subprocess

import pytest
from conftest import FWTOOL, ROOT
from simboard import SimBoard

BUILD = os.environ.get("FWTOOL_BUILD", os.path.join(ROOT, "build"))
MODEL = os.path.join(BUILD, "san", "usbtests", "test_dfu")

pytestmark = pytest.mark.skipif(
    not os.path.exists(MODEL) or not shutil.which("umockdev-wrapper"),
    reason="needs build/san/usbtests/test_dfu (CONFIG_SLOT_DFU, libumockdev-dev) "
           "and umockdev-wrapper")


@pytest.fixture
def board(keys, tmp_path):
    b = SimBoard(tmp_path / "board", keys)
    conf = open(b.conf).read()
    for n, alt in (("a", "flash-a"), ("b", "flash-b")):
        conf = conf.replace(f"device = slots/router-fw-{n}.bin\ntype = file",
                            f"device = dfu:1209:df11@{alt}\ntype = dfu\ndfu_timeout = 20")
    open(b.conf, "w").write(conf)
    return b


def served(board, *args, model_args=()):
    env = dict(os.environ, FWTOOL_CONF=board.conf,
               ASAN_OPTIONS="verify_asan_link_order=0:detect_leaks=1")
    p = subprocess.run(["umockdev-wrapper", MODEL, "--serve", *model_args, "--", FWTOOL,
                        *args], capture_output=True, text=True, env=env, timeout=300)
    alts = {int(a): (int(n), h) for a, n, h in
            re.findall(r"model: alt (\d): (\d+) bytes, sha256 (\w+)", p.stderr)}
    return p, alts


def test_install_stages_router_firmware_over_dfu(board, tmp_path):
    b = board.bundle(tmp_path)
    p, alts = served(board, "install", "--json", b)
    assert p.returncode == 0, p.stderr
    doc = json.loads(p.stdout)
    assert doc["transaction"]["target"] == "B"
    assert [i["result"] for i in doc["images"]] == ["written", "written"]
    fw = open(os.path.join(tmp_path, "images", "router-fw-1.1.0.bin"), "rb").read()
    assert alts[1] == (len(fw), hashlib.sha256(fw).hexdigest())
    assert alts[0][0] == 0  # the running side's alt setting untouched
    assert board.bootenv()["BOOT_ORDER"] == "B A"


def test_device_error_fails_install_and_b_stays_unbootable(board, tmp_path):
    b = board.bundle(tmp_path)
    p, alts = served(board, "install", "--json", b, model_args=("--error-block", "0"))
    assert p.returncode == 1, p.stderr
    assert re.search(r"errPROG in state dfuERROR at block 0", p.stderr), p.stderr
    env = board.bootenv()
    assert env["BOOT_ORDER"] == "A" and env["BOOT_B_LEFT"] == "0"
    assert board.booted() == "A"


def test_usb_list_json_shows_the_dfu_device(board):
    p, _ = served(board, "usb", "list", "--json")
    assert p.returncode == 0, p.stderr
    doc = json.loads(p.stdout)
    assert doc["schema"] == "fwtool.usb/1"
    dev = [d for d in doc["devices"] if d["id"] == "1209:df11"]
    assert len(dev) == 1 and dev[0]["path"] == "1-1" and dev[0]["serial"] == "MCU-0001"
    assert [(a["alt"], a["name"], a["mode"]) for a in dev[0]["dfu"]] == \
        [(0, "flash-a", "dfu"), (1, "flash-b", "dfu")]
    assert dev[0]["dfu"][0]["transfer_size"] == 512 and not dev[0]["mass_storage"]
    p, _ = served(board, "usb", "list")
    assert "1209:df11  1-1" in p.stdout and "alt 1 'flash-b'" in p.stdout, p.stdout
