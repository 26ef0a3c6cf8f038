# SPDX-License-Identifier: GPL-2.0-only
"""The static recovery binary (board/recovery/defconfig, built by make check
into build/test/recovery/fwtool): static, and it verifies and recovers for real
on loop devices through a GRUB environment block."""
import hashlib
import json
import os
import shutil
import subprocess

import pytest
from conftest import ROOT
from simboard import SimBoard
from test_block import loops, needs_root  # noqa: F401  (a fixture)

STATIC = os.path.join(os.environ.get("FWTOOL_BUILD", os.path.join(ROOT, "build", "test")),
                      "recovery", "fwtool")


@pytest.fixture
def static():
    if not os.path.exists(STATIC):
        pytest.skip(f"{STATIC} is not built (make O=build/recovery recovery_defconfig all)")
    return STATIC


def run(*args, expect=None):
    r = subprocess.run([str(a) for a in args], capture_output=True, text=True)
    if expect is not None:
        assert r.returncode == expect, r
    return r


def test_recovery_binary_is_static(static):
    r = run("ldd", static)
    assert "not a dynamic executable" in (r.stdout + r.stderr), r
    assert "statically linked" in run("file", static).stdout
    usage = run(static).stderr
    verbs = [line.split()[0] for line in usage.split("verbs:")[1].split("\n\n")[0].splitlines()
             if line.strip()]
    assert "recover" in verbs and "bundle" not in verbs, usage


def test_static_binary_verifies(static, keys, tmp_path):
    board = SimBoard(tmp_path / "board", keys)
    b = board.bundle(tmp_path)
    run(static, "verify", "--keyring", keys.keyring, "--compatible", "fwtool,sim", b, expect=0)
    with open(b, "r+b") as f:  # one byte of the last image
        f.seek(-2000, os.SEEK_END)
        byte = f.read(1)
        f.seek(-2000, os.SEEK_END)
        f.write(bytes([byte[0] ^ 1]))
    r = run(static, "verify", "--keyring", keys.keyring, "--compatible", "fwtool,sim", b)
    assert r.returncode == 3 and len(r.stderr.strip().splitlines()) == 1, r


@needs_root
def test_static_binary_recovers_loop_devices(static, keys, tmp_path, loops):  # noqa: F811
    if not shutil.which("grub-editenv"):
        pytest.skip("grub-editenv (grub-common) is not installed")
    board = SimBoard(tmp_path / "board", keys)
    b = board.bundle(tmp_path)
    grubenv = tmp_path / "grubenv"
    run("grub-editenv", grubenv, "create", expect=0)
    run("grub-editenv", grubenv, "set", "ORDER=A B", "A_OK=1", "A_TRY=0", "B_OK=1",
        "B_TRY=0", expect=0)
    for d in loops:  # both slots "erased": the machine does not boot
        with open(d, "r+b") as f:
            f.write(b"\0" * (1 << 20))
    conf = tmp_path / "recovery.conf"
    conf.write_text(f"""[system]
compatible = fwtool,sim
bootloader = grub
keyring = {keys.keyring}
statedir = {tmp_path}/state
lock = {tmp_path}/lock
check_time = false
max_tries = 3
[grub]
grubenv = {grubenv}
[slot.rootfs.0]
device = {loops[0]}
type = block
bootname = A
[slot.rootfs.1]
device = {loops[1]}
type = block
bootname = B
""")
    os.makedirs(tmp_path / "state")
    img = open(os.path.join(tmp_path, "images", "rootfs-1.1.0.img"), "rb").read()
    # the router-fw image has no slot in this config: refused, nothing written
    r = run(static, "--conf", conf, "recover", "--bundle", b)
    assert r.returncode != 0 and "router-fw" in r.stderr, r
    bundle_rootfs = tmp_path / "rootfs-only.fwb"
    subprocess.run([os.environ.get("FWTOOL", "fwtool"), "bundle", "create", "-o",
                    bundle_rootfs, "--key", keys.signer[0], "--cert", keys.signer[1],
                    "--version", "1.1.0", "--compatible", "fwtool,sim", "--image",
                    f"rootfs={tmp_path}/images/rootfs-1.1.0.img:zstd"], check=True,
                   capture_output=True)
    r = run(static, "--conf", conf, "--json", "recover", "--all-slots", "--bundle",
            bundle_rootfs, expect=0)
    assert json.loads(r.stdout)["transaction"]["state"] == "recovered"
    for d in loops:
        with open(d, "rb") as f:
            assert hashlib.sha256(f.read(len(img))).digest() == hashlib.sha256(img).digest()
    env = dict(line.split("=", 1) for line in
               run("grub-editenv", grubenv, "list", expect=0).stdout.splitlines())
    assert env["ORDER"] == "A B" and env["A_OK"] == "1" and env["B_OK"] == "1", env
    assert env["A_TRY"] == "0" and env["B_TRY"] == "0", env
