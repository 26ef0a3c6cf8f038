# SPDX-License-Identifier: GPL-2.0-only
"""The uboot, grub and systemd-boot backends against the real tools, and one
contract that every backend (sim, uboot, grub, systemd-boot) must keep."""
import json
import os
import shutil
import struct
import subprocess
import zlib

import pytest
from conftest import fw

pytestmark = pytest.mark.skipif(
    not (shutil.which("mkenvimage") and shutil.which("fw_printenv")
         and shutil.which("grub-editenv")),
    reason="u-boot-tools, libubootenv-tool and grub-common are needed")

ENV_SIZE = 0x4000


class Board:
    """A board with file slots and the given bootloader backend."""

    def __init__(self, d, backend, redundant=False, extra=""):
        self.d, self.backend = str(d), backend
        os.makedirs(self.p("slots"), exist_ok=True)
        with open(self.p("cmdline"), "w") as f:
            f.write("root=/dev/x rauc.slot=A\n")
        conf = (f"[system]\ncompatible = acme,b\nbootloader = {backend}\n"
                f"statedir = state\ncmdline = cmdline\nmax_tries = 3\n{extra}")
        if backend == "uboot":
            conf += "[uboot]\nfw_env_config = fw_env.config\n"
            lines = [f"{self.p('env0.bin')} 0x0 0x{ENV_SIZE:x}"]
            if redundant:
                lines.append(f"{self.p('env1.bin')} 0x0 0x{ENV_SIZE:x}")
            with open(self.p("fw_env.config"), "w") as f:
                f.write("\n".join(lines) + "\n")
            with open(self.p("env.txt"), "w") as f:
                f.write("BOOT_ORDER=A\nBOOT_A_LEFT=3\nBOOT_B_LEFT=0\n"
                        "bootcmd=run ab_boot\n.flags=ethaddr:mo\n")
            for i in range(2 if redundant else 1):
                subprocess.run(["mkenvimage", "-s", hex(ENV_SIZE)] + (["-r"] if redundant else [])
                               + ["-o", self.p(f"env{i}.bin"), self.p("env.txt")], check=True)
        elif backend == "grub":
            conf += "[grub]\ngrubenv = grubenv\n"
            subprocess.run(["grub-editenv", self.p("grubenv"), "create"], check=True)
            subprocess.run(["grub-editenv", self.p("grubenv"), "set", "ORDER=A",
                            "A_OK=1", "A_TRY=0", "A_LEFT=3", "B_OK=0", "B_TRY=0", "B_LEFT=0",
                            "saved_entry=x\\y"], check=True)
        elif backend == "systemd-boot":
            conf += "[systemd-boot]\nesp = esp\nefivars = efivars\n"
            os.makedirs(self.p("esp", "loader", "entries"))
            for name, slot in (("fwtool-1-a.conf", "A"), ("fwtool-0-b+0.conf", "B")):
                with open(self.p("esp", "loader", "entries", name), "w") as f:
                    f.write(f"title fwtool {slot}\nlinux /vmlinuz\noptions fwtool.slot={slot}\n")
        else:
            conf += "[sim]\nenv = state/bootenv\n"
            os.makedirs(self.p("state"), exist_ok=True)
            with open(self.p("state", "bootenv"), "w") as f:
                f.write("BOOT_ORDER=A\nBOOT_A_LEFT=3\nBOOT_B_LEFT=0\n")
        conf += ("[slot.rootfs.0]\ndevice = slots/a\ntype = file\nbootname = A\n"
                 "[slot.rootfs.1]\ndevice = slots/b\ntype = file\nbootname = B\n")
        with open(self.p("system.conf"), "w") as f:
            f.write(conf)
        # B holds confirmed content, as an earlier install and confirm
        # leave it: only then may it be made primary without a trial
        os.makedirs(self.p("state"), exist_ok=True)
        with open(self.p("state", "slots.json"), "w") as f:
            json.dump({"rootfs.1": {"version": "1.0.0", "status": "ok", "confirmed": True,
                                    "security_version": 1}}, f)
        self.env = {"FWTOOL_CONF": self.p("system.conf")}

    def p(self, *n):
        return os.path.join(self.d, *n)

    def fw(self, *a, **kw):
        return fw(*a, env=self.env, **kw)

    def state(self):
        """bootname -> (in order, good, tries) from fwtool status"""
        st = json.loads(self.fw("status", "--json", expect=0).out)
        return st["primary"], {s["bootname"]: (s["boot"]["state"], s["boot"]["tries_left"])
                               for s in st["slots"]}

    def printenv(self):
        r = subprocess.run(["fw_printenv", "-c", self.p("fw_env.config")],
                           capture_output=True, text=True, check=True)
        return dict(l.split("=", 1) for l in r.stdout.splitlines() if "=" in l)

    def grublist(self):
        r = subprocess.run(["grub-editenv", self.p("grubenv"), "list"], capture_output=True,
                           text=True, check=True)
        return dict(l.split("=", 1) for l in r.stdout.splitlines())


@pytest.mark.parametrize("backend", ["sim", "uboot", "grub", "systemd-boot"])
def test_boot_contract(tmp_path, backend):
    """The same operations mean the same thing on every backend."""
    b = Board(tmp_path, backend)
    assert b.state() == ("A", {"A": ("good", 3), "B": ("bad", 0)})
    b.fw("mark-active", "B", expect=0)
    assert b.state() == ("B", {"A": ("good", 3), "B": ("good", 3)})
    b.fw("mark-bad", "B", expect=0)
    assert b.state() == ("A", {"A": ("good", 3), "B": ("bad", 0)})
    b.fw("mark-good", "B", expect=0)
    assert b.state()[1]["B"] == ("good", 3)
    b.fw("mark-bad", "A", expect=0)
    assert b.state() == ("B", {"A": ("bad", 0), "B": ("good", 3)})
    # never the last slot the bootloader would boot
    r = b.fw("mark-bad", "B")
    assert r.rc == 2 and "no other slot" in r.err, r
    assert b.state() == ("B", {"A": ("bad", 0), "B": ("good", 3)})
    # A came with the board: marked bad, it is still known good
    b.fw("mark-good", "A", expect=0)
    assert b.state() == ("B", {"A": ("good", 3), "B": ("good", 3)})
    assert b.fw("mark-good", "C").rc == 2


def test_uboot_reads_mkenvimage_and_fw_printenv_reads_fwtool(tmp_path):
    b = Board(tmp_path, "uboot")
    shutil.copy(b.p("env0.bin"), b.p("ref.bin"))
    assert b.state()[0] == "A"
    b.fw("mark-active", "B", expect=0)
    env = b.printenv()
    assert env["BOOT_ORDER"] == "B A" and env["BOOT_B_LEFT"] == "3"
    assert env["bootcmd"] == "run ab_boot"
    # the same change made by the real fw_setenv, in one call, gives the
    # same environment up to its terminating empty string. (libubootenv
    # 0.3.2, and so Debian 12's fw_setenv, leaves the padding after it
    # uninitialised and mangles a .flags variable on every store; fwtool
    # links the same library and inherits both.)
    with open(b.p("ref.config"), "w") as f:
        f.write(f"{b.p('ref.bin')} 0x0 0x{ENV_SIZE:x}\n")
    subprocess.run(["fw_setenv", "-c", b.p("ref.config"), "BOOT_ORDER", "B A",
                    "BOOT_A_LEFT", "3", "BOOT_B_LEFT", "3"], check=True)
    def data(path):
        return open(path, "rb").read()[4:].split(b"\0\0")[0]
    assert data(b.p("ref.bin")) == data(b.p("env0.bin"))


def test_uboot_counters_are_hex(tmp_path):
    b = Board(tmp_path, "uboot")
    subprocess.run(["fw_setenv", "-c", b.p("fw_env.config"), "BOOT_A_LEFT", "a"], check=True)
    assert b.state()[1]["A"] == ("good", 10)
    b.fw("mark-good", "A", expect=0)  # back to max_tries, written in hex
    assert b.printenv()["BOOT_A_LEFT"] == "3"


def test_uboot_redundant_copies_alternate_and_fall_back(tmp_path):
    b = Board(tmp_path, "uboot", redundant=True)

    def flags():
        return [open(b.p(f"env{i}.bin"), "rb").read()[4] for i in (0, 1)]

    f0 = flags()
    b.fw("mark-active", "B", expect=0)
    f1 = flags()
    assert sorted(f1) != sorted(f0) and max(f1) == max(f0) + 1
    newer = f1.index(max(f1))
    b.fw("mark-bad", "A", expect=0)  # the other copy now
    f2 = flags()
    assert f2.index(max(f2)) != newer
    assert b.printenv()["BOOT_ORDER"] == "B"
    # corrupt the newest copy: readers fall back to the older one
    newest = f2.index(max(f2))
    with open(b.p(f"env{newest}.bin"), "r+b") as f:
        f.seek(100)
        f.write(b"\xff\x00")
    assert b.printenv()["BOOT_ORDER"] == "B A"
    assert b.state()[0] == "B" and b.state()[1]["A"] == ("good", 3)


def test_uboot_single_copy_can_be_refused(tmp_path):
    b = Board(tmp_path, "uboot", extra="")
    with open(b.p("system.conf"), "a") as f:
        f.write("[uboot]\nrequire_redundant = true\n")
    r = b.fw("mark-active", "B")
    assert r.rc == 2 and "one environment copy" in r.err, r


def read_redundant(copies):
    """formats.md 1.2: the valid copy of a redundant env (incremental flags)."""
    ok = []
    for c in copies:
        crc = struct.unpack("<I", c[:4])[0]
        ok.append(zlib.crc32(c[5:]) == crc)
    if ok[0] and ok[1]:
        a, b = copies[0][4], copies[1][4]
        pick = 1 if (b == (a + 1) % 256) else 0
    elif ok[0] or ok[1]:
        pick = 0 if ok[0] else 1
    else:
        return None
    data = copies[pick][5:]
    return dict(v.split("=", 1) for v in data.split(b"\0\0")[0].decode().split("\0") if v)


def test_uboot_torn_store_leaves_old_or_new(tmp_path):
    """Cut the store of the non-current copy after every byte count N: the
    environment reads back as the old or the new one, never corrupt, never
    empty, and the real fw_printenv agrees at sampled points."""
    b = Board(tmp_path, "uboot", redundant=True)
    old = [open(b.p(f"env{i}.bin"), "rb").read() for i in (0, 1)]
    b.fw("mark-active", "B", expect=0)
    new = [open(b.p(f"env{i}.bin"), "rb").read() for i in (0, 1)]
    changed = [i for i in (0, 1) if old[i] != new[i]]
    assert len(changed) == 1  # only the non-current copy was written
    w = changed[0]
    old_env, new_env = read_redundant(old), read_redundant(new)
    assert old_env["BOOT_ORDER"] == "A" and new_env["BOOT_ORDER"] == "B A"
    for n in range(ENV_SIZE + 1):
        torn = bytearray(old[w])
        torn[:n] = new[w][:n]
        copies = list(old)
        copies[w] = bytes(torn)
        got = read_redundant(copies)
        assert got in (old_env, new_env), n
        if n % 1021 == 0 or n in (4, 5, ENV_SIZE - 1):
            with open(b.p(f"env{w}.bin"), "wb") as f:
                f.write(torn)
            order = b.printenv()["BOOT_ORDER"]
            assert order == got["BOOT_ORDER"], n


def test_grub_block_is_byte_identical_to_grub_editenv(tmp_path):
    b = Board(tmp_path, "grub")
    shutil.copy(b.p("grubenv"), b.p("ref"))
    b.fw("mark-active", "B", expect=0)
    # the same change with grub-editenv, in fwtool's order
    subprocess.run(["grub-editenv", b.p("ref"), "set", "ORDER=B A", "A_OK=1", "A_TRY=0",
                    "A_LEFT=3", "B_OK=1", "B_TRY=0", "B_LEFT=3"], check=True)
    assert open(b.p("grubenv"), "rb").read() == open(b.p("ref"), "rb").read()
    env = b.grublist()
    assert env["ORDER"] == "B A" and env["B_LEFT"] == "3"
    assert env["saved_entry"] == "x\\y"  # escaping kept
    assert os.path.getsize(b.p("grubenv")) == 1024


def test_grub_store_rewrites_the_block_in_place(tmp_path):
    """Same inode, same size, never truncated: no filesystem metadata changes
    (a rename on GRUB's non-journalled /boot needed fsck after a power cut in
    the QEMU host test)."""
    b = Board(tmp_path, "grub")
    ino = os.stat(b.p("grubenv")).st_ino
    b.fw("mark-active", "B", expect=0)
    assert os.stat(b.p("grubenv")).st_ino == ino
    assert os.path.getsize(b.p("grubenv")) == 1024
    assert not [n for n in os.listdir(b.d) if ".tmp-" in n]
    # a block that does not exist yet is created (through a temp file)
    os.unlink(b.p("grubenv"))
    b.fw("mark-active", "A", expect=0)
    assert b.grublist()["ORDER"] == "A" and os.path.getsize(b.p("grubenv")) == 1024


def test_grub_reads_rauc_style_without_left(tmp_path):
    b = Board(tmp_path, "grub")
    subprocess.run(["grub-editenv", b.p("grubenv"), "unset", "A_LEFT", "B_LEFT"], check=True)
    # RAUC's rule: OK=1 and TRY=0 is one try
    assert b.state()[1]["A"] == ("good", 1)
    subprocess.run(["grub-editenv", b.p("grubenv"), "set", "A_TRY=1"], check=True)
    assert b.state()[1]["A"] == ("bad", 0)
