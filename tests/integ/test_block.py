# SPDX-License-Identifier: GPL-2.0-only
"""Block-device slots on loop devices (needs root and losetup)."""
import hashlib
import json
import os
import shutil
import subprocess

import pytest
from simboard import SimBoard

needs_root = pytest.mark.skipif(
    os.geteuid() != 0 or not shutil.which("losetup"),
    reason="loop devices need root and losetup (util-linux)")


@pytest.fixture
def loops(tmp_path):
    devs = []
    for name in ("a", "b"):
        img = tmp_path / f"loop-{name}.img"
        with open(img, "wb") as f:
            f.truncate(16 << 20)
        r = subprocess.run(["losetup", "--find", "--show", img], capture_output=True,
                           text=True)
        if r.returncode:
            pytest.skip(f"losetup failed: {r.stderr.strip()}")
        devs.append(r.stdout.strip())
    yield devs
    for d in devs:
        subprocess.run(["losetup", "-d", d])


@needs_root
def test_install_into_loop_device_slots(keys, tmp_path, loops):
    board = SimBoard(tmp_path / "board", keys)
    conf = open(board.conf).read()
    conf = conf.replace("device = slots/rootfs-a.img\ntype = file",
                        f"device = {loops[0]}\ntype = block")
    conf = conf.replace("device = slots/rootfs-b.img\ntype = file",
                        f"device = {loops[1]}\ntype = block")
    open(board.conf, "w").write(conf)
    b = board.bundle(tmp_path)
    r = board.fw("install", "--json", b, expect=0)
    assert json.loads(r.out)["transaction"]["target"] == "B"
    img = open(os.path.join(tmp_path, "images", "rootfs-1.1.0.img"), "rb").read()
    with open(loops[1], "rb") as f:
        assert hashlib.sha256(f.read(len(img))).digest() == hashlib.sha256(img).digest()
    # installed again: re-hashed from the device and skipped
    r = board.fw("install", "--json", b, expect=0)
    assert json.loads(r.out)["images"][0]["result"] == "already-installed"


@needs_root
def test_mounted_block_slot_is_refused(keys, tmp_path, loops):
    if not shutil.which("mkfs.ext4"):
        pytest.skip("mkfs.ext4 (e2fsprogs) is not installed")
    board = SimBoard(tmp_path / "board", keys)
    conf = open(board.conf).read().replace(
        "device = slots/rootfs-b.img\ntype = file", f"device = {loops[1]}\ntype = block")
    open(board.conf, "w").write(conf)
    subprocess.run(["mkfs.ext4", "-q", loops[1]], check=True)
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    if subprocess.run(["mount", loops[1], mnt]).returncode:
        pytest.skip("cannot mount here")
    try:
        r = board.fw("install", board.bundle(tmp_path))
        assert r.rc == 1 and "mounted on" in r.err, r
    finally:
        subprocess.run(["umount", mnt])


@needs_root
def test_image_larger_than_block_slot_fails_cleanly(keys, tmp_path, loops):
    board = SimBoard(tmp_path / "board", keys)
    board.drop_class("router-fw")
    conf = open(board.conf).read().replace(
        "device = slots/rootfs-b.img\ntype = file", f"device = {loops[1]}\ntype = block")
    open(board.conf, "w").write(conf)
    big = tmp_path / "big.img"
    big.write_bytes(os.urandom(17 << 20))
    from conftest import fw
    out = tmp_path / "big.fwb"
    fw("bundle", "create", "-o", out, "--key", keys.signer[0], "--cert", keys.signer[1],
       "--version", "2.0.0", "--compatible", "fwtool,sim", "--image", f"rootfs={big}",
       expect=0)
    r = board.fw("install", out)
    assert r.rc == 1 and "larger than the slot" in r.err, r
    assert board.bootenv()["BOOT_ORDER"] == "A"


def _block_board(keys, tmp_path, loops, size, verify="true"):
    """a board whose B slot is a loop device, and a bundle of @size bytes"""
    board = SimBoard(tmp_path / "board", keys)
    board.drop_class("router-fw")
    conf = open(board.conf).read().replace(
        "device = slots/rootfs-b.img\ntype = file", f"device = {loops[1]}\ntype = block")
    conf = conf.replace("[system]\n", f"[system]\nverify_writes = {verify}\n", 1)
    open(board.conf, "w").write(conf)
    img = tmp_path / "img"
    img.write_bytes(os.urandom(size))
    from conftest import fw
    out = tmp_path / "b.fwb"
    fw("bundle", "create", "-o", out, "--key", keys.signer[0], "--cert", keys.signer[1],
       "--version", "2.0.0", "--compatible", "fwtool,sim", "--image", f"rootfs={img}:none",
       expect=0)
    return board, out


# The kernel here has no dm-flakey, so the test build flips one byte of what
# the read-back returns (FWTOOL_CORRUPT_READ): a medium that hands back other
# bytes than were written, at a place the test chooses.
@needs_root
@pytest.mark.parametrize("size,at,where", [
    (3 << 20, (1 << 20) + 5, "0x100000"),  # compared beside the writes
    ((2 << 20) + 1000, (2 << 20) + 999, "0x200000"),  # the unaligned tail, after the flush
])
def test_read_back_refuses_a_medium_that_returns_other_bytes(keys, tmp_path, loops, size, at,
                                                             where):
    board, b = _block_board(keys, tmp_path, loops, size)
    r = board.fw("install", b, env={"FWTOOL_CORRUPT_READ": str(at)})
    assert r.rc == 3, r
    assert f"the device returns other bytes than were written at {where}" in r.err, r
    assert board.bootenv()["BOOT_ORDER"] == "A"
    slots = json.loads(board.fw("status", "--json").out)
    assert slots["transaction"]["state"] == "failed", slots


@needs_root
def test_read_back_off_does_not_read(keys, tmp_path, loops):
    """the same medium with verify_writes = false: nothing reads it back"""
    board, b = _block_board(keys, tmp_path, loops, 3 << 20, verify="false")
    r = board.fw("install", b, env={"FWTOOL_CORRUPT_READ": str((1 << 20) + 5)})
    assert r.rc == 0, r


@needs_root
@pytest.mark.parametrize("comp", ["none", "zstd-seekable"])
def test_adaptive_download_reads_a_block_slot(keys, tmp_path, loops, comp):
    """from a URL, the chunks the target block device already holds are read
    there: only the changed ones are fetched (test_http.py has the rest),
    stored uncompressed or as seekable zstd frames"""
    import random
    from httpserve import Server
    from test_http import CHUNK, NCHUNKS, NO_PROXY, images, rootfs_bundle
    board = SimBoard(tmp_path / "board", keys)
    board.env.update(NO_PROXY)
    board.drop_class("router-fw")
    conf = open(board.conf).read()
    for name, dev in (("a", loops[0]), ("b", loops[1])):
        conf = conf.replace(f"device = slots/rootfs-{name}.img\ntype = file",
                            f"device = {dev}\ntype = block")
    open(board.conf, "w").write(conf)
    v1, v2 = images(tmp_path, random.sample(range(1, NCHUNKS), 5), half=comp != "none")
    srv = Server()
    try:
        for version, img in (("1.1.0", v1), ("1.2.0", v2)):
            b = rootfs_bundle(board, img, version, tmp_path, comp)
            srv.put(f"/{version}.fwb", open(b, "rb").read())
            n = len(srv.log)
            board.fw("install", srv.url(f"/{version}.fwb"), expect=0)
            sent = sum(e["sent"] for e in srv.log[n:])
        # the second install replaced the pending first in B, reading it there
        # (a seekable manifest lists every frame: up to 40 KiB more of it)
        low = 5 * CHUNK if comp == "none" else 5 * CHUNK // 2
        assert low <= sent <= 6 * CHUNK + (128 << 10), srv.log
        assert board.txn()["copied"] == (NCHUNKS - 5) * CHUNK
        data = open(v2, "rb").read()
        with open(loops[1], "rb") as f:
            assert hashlib.sha256(f.read(len(data))).digest() == hashlib.sha256(data).digest()
    finally:
        srv.close()
