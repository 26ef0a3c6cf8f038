#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""End-to-end scenarios on real firmware in QEMU (TCG), on four boards: the
x86_64 host (SeaBIOS, GRUB), the arm64 router (U-Boot) and the UEFI host
(OVMF) with bootloader = systemd-boot and with bootloader = efi, each with
Debian's kernel and the i6300esb watchdog.
Each scenario boots a fresh copy of the image built by images/e2e/mkhost.sh,
mkrouter.sh or mkuefi.sh (and of OVMF's variables), drives the guest over
its serial console, and prints its wall time. Serial logs stay in
build/e2e/results/, and the disks too when a scenario fails.

    tests/e2e/run.py [--build build] [--board host|router|uefi|uefi-efi]...
                     [--only NAME|BOARD:NAME]... [--retry N]

--retry reruns a failed scenario up to N times on a fresh disk (TCG timing on
a loaded 2-core machine is the known cause); a pass after a retry says so,
and the failed attempt's log is kept beside the new one.

The fleet scenario (tests/e2e/fleet.py) runs both boards at once and drives
them with the Ansible collection's rolling_update role over SSH (dropbear in
the guests); it needs both boards and ansible-playbook.

Ends with 'N passed, N failed'. Skips, with the reason, where QEMU is missing.
"""
import argparse
import os
import shutil
import subprocess
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vm import VM  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


OVMF = ["-M", "q35", "-drive",
        "if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd",
        "-drive", "if=pflash,format=raw,unit=1,file={vars}"]

BOARDS = {
    # name: (image builder [its argument], folder, disks (the first boots), qemu,
    # machine arguments)
    "host": ("mkhost.sh", "x86", ["host.img", "flash.img"], "qemu-system-x86_64", ["-M", "q35"]),
    "router": ("mkrouter.sh", "arm64", ["router.img"], "qemu-system-aarch64",
               ["-M", "virt", "-cpu", "cortex-a57", "-bios", "{out}/u-boot.bin"]),
    # OVMF: its code read-only, its variables a copy per machine ({vars})
    "uefi": ("mkuefi.sh", "uefi", ["uefi.img"], "qemu-system-x86_64", OVMF),
    # the same machine with bootloader = efi (BootNext, BootOrder)
    "uefi-efi": ("mkuefi.sh efi", "uefi-efi", ["uefi.img"], "qemu-system-x86_64", OVMF),
}


class Host:
    """One board and its disk, through boots and power cuts."""

    def __init__(self, board, out, results, name, nic=("-nic", "none")):
        _, _, disks, qemu, machine = BOARDS[board]
        self.board = board
        vars_copy = os.path.join(results, f"{name}.OVMF_VARS_4M.fd")
        self.disks = []
        if board.startswith("uefi"):
            shutil.copy(os.path.join(out, "OVMF_VARS_4M.fd"), vars_copy)
            self.disks.append(vars_copy)  # dropped with the disks on a pass
        self.argv = [qemu] + [a.format(out=out, vars=vars_copy) for a in machine] + [
            "-m", "256", "-smp", "1", "-nographic", *nic,
            "-device", "i6300esb", "-action", "watchdog=reset"]
        for i, disk in enumerate(disks):
            copy = os.path.join(results, f"{name}.{disk}")
            # sparse: the images are mostly empty partitions
            subprocess.run(["cp", "--sparse=always", os.path.join(out, disk), copy],
                           check=True)
            self.disks.append(copy)
            self.argv += ["-drive", f"if=none,id=d{i},format=raw,file={copy}",
                          "-device", f"virtio-blk-pci,drive=d{i},bootindex={i + 1}"]
        self.img = self.disks[-len(disks)]
        self.out = out
        self.log = os.path.join(results, f"{name}.serial.log")
        self.cuts = 0
        self.vm = VM(self.argv, self.log)

    def stop(self):
        """SIGKILL QEMU: whatever the guest had not flushed is gone."""
        self.vm.p.kill()
        self.vm.p.wait()
        self.vm.log.close()

    def start(self, extra=()):
        """Power the same disks on again (with @extra QEMU arguments)."""
        self.cuts += 1
        self.vm = VM(self.argv + list(extra), f"{self.log}.{self.cuts}")

    def power_cut(self):
        self.stop()
        self.start()

    def boot(self, expect_slot, timeout=90):
        """Wait for the bootloader's choice, userspace and confirm's result."""
        m = self.vm.expect(r"AB: chose slot (\w)[^\r\n]*\r?\n", timeout)
        slot = m.group(1).decode()
        assert slot == expect_slot, f"bootloader chose {slot}, expected {expect_slot}"
        self.vm.expect(r"FWTEST-USERSPACE[^\r\n]*\r?\n", timeout)
        m = self.vm.expect(r"FWTEST-CONFIRM rc=(\d+)\r?\n", timeout)
        return int(m.group(1))

    def shell(self):
        self.vm.expect(r"FWSH# ", 30)

    def run(self, cmd, timeout=180):
        return self.vm.run(cmd, timeout)

    def close(self):
        self.vm.close()


def tries(h):
    """the tries a trial gets (images/e2e/common.sh: max_tries = 2); one
    where the trial is BootNext"""
    return 1 if h.board == "uefi-efi" else 2


def scenario_good_update(h):
    """A installs 1.1.0 into B, reboots; GRUB boots B; confirm passes."""
    assert h.boot("A") == 0
    h.shell()
    rc, out = h.run("fwtool install --no-progress /data/update-1.1.0.fwb")
    assert rc == 0, out
    rc, out = h.run("fwtool status --json")
    assert '"primary": "B"' in out, out
    if h.board == "uefi-efi":  # BootNext names B, BootOrder still boots A
        rc, out = h.run("/usr/bin/efibootmgr -v")
        assert rc == 0 and "BootNext: " in out, out
        print("    guest: efibootmgr -v:", out.replace("\r\n", "\n      ").strip())
    h.vm.send("reboot -f")
    assert h.boot("B") == 0
    h.shell()
    rc, out = h.run("fwtool wait --json")
    assert rc == 0 and '"state": "confirmed"' in out, out
    rc, out = h.run("cat /etc/slot-version")
    assert "1.1.0" in out
    rc, out = h.run("fwtool status")
    assert "B  good" in out, out
    print("    guest:", out.replace("\r\n", "\n      ").strip())
    if h.board == "uefi-efi":  # confirmed: B first in BootOrder, no BootNext
        rc, out = h.run("/usr/bin/efibootmgr")
        assert rc == 0 and "BootNext" not in out, out
        print("    guest: efibootmgr:", out.replace("\r\n", "\n      ").strip())


def scenario_check_fails(h):
    """B boots 1.2.0, its required check fails: marked bad, back to A."""
    assert h.boot("A") == 0
    h.shell()
    rc, out = h.run("fwtool install --no-progress /data/update-1.2.0.fwb")
    assert rc == 0, out
    h.vm.send("reboot -f")
    h.vm.expect(r"AB: chose slot B[^\r\n]*\r?\n", 90)
    h.vm.expect(r"FWTEST-USERSPACE version=1.2.0[^\r\n]*\r?\n", 90)
    # confirm marks B bad and reboots by itself, before it can print
    assert h.boot("A") == 0
    h.shell()
    rc, out = h.run("fwtool wait")
    assert rc == 6 and "health-check-failed" in out, out
    print("    guest:", out.replace("\r\n", "\n      ").strip())


def scenario_watchdog(h):
    """fwtool freezes during the checks of 1.3.0: the i6300esb resets the
    board; B's tries run out; A boots and records the reason."""
    assert h.boot("A") == 0
    h.shell()
    rc, out = h.run("fwtool install --no-progress /data/update-1.3.0.fwb")
    assert rc == 0, out
    h.vm.send("reboot -f")
    # two tries of B, each ended by the watchdog (the check stops fwtool);
    # one with bootloader = efi (BootNext)
    for left in (1, 0)[:tries(h)]:
        if h.board == "uefi":  # the entry systemd-boot chose, before its rename
            h.vm.expect(rf"AB: chose slot B \(systemd-boot entry fwtool-1-b\+{left + 1}"
                        rf"(-\d+)?\.conf\)\r?\n", 120)
        elif h.board == "uefi-efi":  # the firmware took BootNext
            h.vm.expect(r"AB: chose slot B[^\r\n]*\r?\n", 120)
        else:
            h.vm.expect(rf"AB: chose slot B \(partition 3\); now (BOOT_)?A_LEFT=\w+ "
                        rf"(BOOT_)?B_LEFT={left}\r?\n", 90)
        h.vm.expect(r"FWTEST-USERSPACE version=1.3.0[^\r\n]*\r?\n", 90)
    # back on A, confirm reads the i6300esb's boot status (WDIOF_CARDRESET)
    assert h.boot("A", timeout=120) == 6
    h.shell()
    rc, out = h.run("fwtool wait")
    assert rc == 6 and "watchdog-reset" in out, out
    print("    guest:", out.replace("\r\n", "\n      ").strip())


def scenario_kernel_panic(h):
    """B's kernel panics at every boot: no fwtool runs there, no watchdog is
    open; the bootloader's count alone brings A back."""
    assert h.boot("A") == 0
    h.shell()
    rc, out = h.run("fwtool install --no-progress /data/update-1.4.0.fwb")
    assert rc == 0, out
    h.vm.send("reboot -f")
    for _ in range(tries(h)):
        h.vm.expect(r"AB: chose slot B[^\r\n]*\r?\n", 90)
        h.vm.expect(r"FWTEST-PANIC", 90)
    assert h.boot("A", timeout=120) == 6
    h.shell()
    rc, out = h.run("fwtool wait")
    assert rc == 6 and "tries-exhausted" in out, out
    print("    guest:", out.replace("\r\n", "\n      ").strip())


def scenario_stdin_and_back(h):
    """An update piped through stdin, then a second one back to A."""
    assert h.boot("A") == 0
    h.shell()
    rc, out = h.run("cat /data/update-1.1.0.fwb | fwtool install --no-progress -")
    assert rc == 0, out
    h.vm.send("reboot -f")
    assert h.boot("B") == 0
    h.shell()
    rc, out = h.run("fwtool install --no-progress /data/update-1.1.0.fwb")
    assert rc == 0 and "A" in out, out
    h.vm.send("reboot -f")
    assert h.boot("A") == 0
    h.shell()
    rc, out = h.run("fwtool history")
    assert rc == 0 and out.count("confirmed") == 2, out


def scenario_power_cut(h):
    """Power cut mid-stream: A boots, the transaction says 'interrupted', a
    new install goes through. Power cut after activation, before the reboot:
    B boots on trial and is confirmed."""
    assert h.boot("A") == 0
    h.shell()
    # a stream that stalls after 5 MB: the cut lands while B is half-written
    h.vm.send("(head -c 5000000 /data/update-1.1.0.fwb; sleep 600) | "
              "fwtool install --no-progress - > /tmp/i.log 2>&1 &")
    h.run("sleep 3")
    rc, out = h.run("fwtool status --json")
    assert '"state": "installing"' in out, out
    h.power_cut()
    assert h.boot("A") == 0  # B was out of the order before its first byte
    h.shell()
    rc, out = h.run("fwtool wait")
    assert rc == 1 and "interrupted" in out, out
    rc, out = h.run("fwtool install --no-progress /data/update-1.1.0.fwb")
    assert rc == 0, out
    h.power_cut()  # activated, never rebooted cleanly
    assert h.boot("B") == 0
    h.shell()
    rc, out = h.run("fwtool wait")
    assert rc == 0, out
    print("    guest:", out.replace("\r\n", "\n      ").strip())


FIRMWARE_SIZE = 3000037  # images/e2e/mkhost.sh
NAND_SIZE = 1234567


def scenario_mtd(h):
    """1.5.0 carries a rootfs and a firmware blob for the raw flash slot that
    follows it (block2mtd, NOR-like); then a NAND chip (nandsim: 512-byte
    pages, 16 KiB blocks, blocks 3 and 7 bad) through a second config."""
    assert h.boot("A") == 0
    h.shell()
    rc, out = h.run("cat /proc/mtd")
    assert rc == 0 and "mtd1:" in out, out
    rc, out = h.run("fwtool install --no-progress /data/update-1.5.0.fwb")
    assert rc == 0 and "firmware.1" in out, out
    # mtd-utils read the slot back: the image, and nothing but 0xff after it
    rc, out = h.run(f"mtd_debug read /dev/mtd1 0 {FIRMWARE_SIZE} /tmp/fw >/dev/null && "
                    "sha256sum /tmp/fw && cat /data/firmware-1.5.0.sha256")
    words = out.split()
    assert rc == 0 and words[0] == words[-1], out
    h.vm.send("reboot -f")  # no sync: what install wrote must be durable already
    assert h.boot("B") == 0
    h.shell()
    rc, out = h.run("fwtool wait")
    assert rc == 0, out
    rc, out = h.run("insmod /lib/modules/late/nandsim.ko id_bytes=0x20,0x73 badblocks=3,7 && "
                    "cat /sys/class/mtd/mtd2/writesize /sys/class/mtd/mtd2/erasesize")
    assert rc == 0 and out.split() == ["512", "16384"], out
    rc, out = h.run("FWTOOL_CONF=/data/nand/nand.conf fwtool install --no-progress "
                    "/data/nand/nand.fwb")
    assert rc == 0 and "fw.1" in out, out
    rc, out = h.run(f"nanddump -q --bb=skipbad -f /tmp/nand /dev/mtd2 && "
                    f"head -c {NAND_SIZE} /tmp/nand | sha256sum && cat /data/nand/nand.sha256 && "
                    f"dmesg | grep -c 'erase a bad block'")
    words = out.split()
    assert words[0] == words[-2] and words[-1] == "0", out
    print("    guest: nand slot written around bad blocks 3 and 7; nanddump agrees")
    # UBI on the same chip: two 1 MiB volumes (69 LEBs of 15 KiB) as slots
    rc, out = h.run("ubiformat -y -q /dev/mtd2 && ubiattach -m 2 >/dev/null && "
                    "ubimkvol /dev/ubi0 -N root-a -s 1MiB >/dev/null && "
                    "ubimkvol /dev/ubi0 -N root-b -s 1MiB >/dev/null && "
                    "cat /sys/class/ubi/ubi0_1/name /sys/class/ubi/ubi0_1/data_bytes")
    assert rc == 0 and out.split()[0] == "root-b", out
    ubi = "FWTOOL_CONF=/data/ubi/ubi.conf fwtool install --no-progress"
    rc, out = h.run(f"{ubi} /data/ubi/ubi-big.fwb")
    assert rc == 1 and "larger than UBI volume ubi0_1" in out, out
    rc, out = h.run("cat /sys/class/ubi/ubi0_1/upd_marker")
    assert out.strip() == "0", out  # refused before the update began
    # a mounted volume is refused (UBIFS formats an empty one at mount)
    rc, out = h.run("insmod /lib/modules/late/ubifs.ko && "
                    "ubiupdatevol -t /dev/ubi0_1 && "
                    "mkdir -p /mnt && "
                    "mount -t ubifs ubi0:root-b /mnt && "
                    f"{{ {ubi} /data/ubi/ubi.fwb; echo rc=$?; umount /mnt; }}")
    assert "rc=1" in out and "is mounted" in out, out
    rc, out = h.run(f"{ubi} /data/ubi/ubi.fwb")
    assert rc == 0 and "vol.1" in out, out
    rc, out = h.run("cat /sys/class/ubi/ubi0_1/upd_marker /sys/class/ubi/ubi0_1/corrupted && "
                    "head -c 700001 /dev/ubi0_1 | sha256sum && cat /data/ubi/ubi.sha256")
    words = out.split()
    assert rc == 0 and words[:2] == ["0", "0"] and words[2] == words[-1], out
    print("    guest: ubi volume root-b updated (UBI_IOCVOLUP), read back by dd; too big and "
          "mounted refused")
    h.close()
    # the host reads the flash disk: slot B's firmware and erased flash after
    # it; slot A's partition (the running slot's firmware) untouched
    with open(h.disks[1], "rb") as f, open(os.path.join(h.out, "flash.img"), "rb") as orig:
        f.seek(5 << 20)
        b = f.read(4 << 20)
        with open(os.path.join(h.out, "firmware-1.5.0.bin"), "rb") as fw:
            assert b[:FIRMWARE_SIZE] == fw.read(), "mtd1 differs from the firmware image"
        assert b[FIRMWARE_SIZE:] == b"\xff" * ((4 << 20) - FIRMWARE_SIZE), "mtd1 not erased"
        f.seek(1 << 20)
        orig.seek(1 << 20)
        assert f.read(4 << 20) == orig.read(4 << 20), "mtd0 (the running slot's) changed"


def scenario_usb_recovery(h):
    """Both slots erased: the machine cannot boot. The recovery stick
    (scripts/mkrecovery) boots from USB (xHCI, usb-storage), passes over a
    bundle for another board, writes 1.1.0 into A, powers off; without the
    stick the machine boots A: the recovery is a trial, and its checks
    confirm it."""
    h.stop()
    with open(h.img, "r+b") as f:
        for start in (17, 81):  # p2, p3 (images/e2e/mkhost.sh)
            f.seek(start << 20)
            f.write(b"\0" * (64 << 20))
    stick = os.path.join(os.path.dirname(h.img), "rescue.img")
    shutil.copy(os.path.join(h.out, "rescue.img"), stick)
    h.start(["-device", "qemu-xhci,id=xhci",
             "-drive", f"if=none,id=stick,format=raw,file={stick}",
             "-device", "usb-storage,bus=xhci.0,drive=stick,bootindex=0"])
    h.vm.expect(r"RECOVERY: bundles on /dev/sd\w+: [^\r\n]*\r?\n", 120)
    m = h.vm.expect(r"recover: passing over [^\r\n]*other[^\r\n]*\r?\n", 120)
    print("    guest:", m.group(0).decode().strip())
    m = h.vm.expect(r"RECOVERY: fwtool recover rc=(\d+)\r?\n", 180)
    assert m.group(1) == b"0"
    h.vm.expect(r"RECOVERY: powering off", 30)
    h.vm.p.wait(60)  # poweroff -f ends QEMU
    h.vm.log.close()
    h.start()  # the stick pulled
    assert h.boot("A") == 0
    h.shell()
    rc, out = h.run("fwtool wait")
    assert rc == 0 and "(recover): confirmed" in out, out
    print("    guest:", out.replace("\r\n", "\n      ").strip())
    rc, out = h.run("cat /etc/slot-version; fwtool status")
    assert "1.1.0" in out and "A  good" in out, out


def bootm(h, fit):
    """At U-Boot's prompt: bootm a FIT from the data partition; its output"""
    h.vm.send(f"setenv m DONE; load virtio 0:6 ${{loadaddr}} /{fit} && "
              "bootm ${loadaddr}#conf-1; echo FWTEST-BOOTM-${m}")
    m = h.vm.expect(r"(?:.|\n)*?(?:FWTEST-BOOTM-DONE\r?\n|Starting kernel)", 60)
    return m.group(0).decode(errors="replace")


# the tampered copies of fit-good.itb (images/e2e/mkrouter.sh) and what
# fwtool says of each; U-Boot's bootm must refuse each too
TAMPERED = [
    ("data", "bad sha256 hash value for 'hash-1' hash node in 'kernel-1' image node"),
    ("hash", "does not verify"),
    ("unsigned", "has no signature node"),
    ("added", "does not verify"),
]


def scenario_fit(h):
    """U-Boot's control DTB holds a required key (QEMU's -dtb, as the board's
    would). fwtool refuses a bundle whose FIT another key signed, before it
    writes anything, and verifies the one the key signed; U-Boot's own bootm
    then refuses and accepts the same two FITs."""
    h.stop()
    h.start(["-dtb", os.path.join(h.out, "fit-ctl.dtb")])
    assert h.boot("A") == 0
    h.shell()
    rc, out = h.run("sed 's|^\\[system\\]$|[system]\\nfit_keys = /data/fit-ctl.dtb|' "
                    "/etc/fwtool/system.conf > /tmp/fit.conf && grep fit_keys /tmp/fit.conf")
    assert rc == 0, out
    rc, out = h.run("fwtool -c /tmp/fit.conf verify --no-progress /data/fit-good.fwb")
    assert rc == 0 and "verified with key-dev" in out, out
    print("    guest:", [ln for ln in out.splitlines() if ln.startswith("fit:")][0].strip())
    # booti handed the kernel U-Boot's control DTB: the key is where the
    # running system can read it, so fit_keys = /sys/firmware/fdt works
    rc, out = h.run("fwtool verify --no-progress --fit-keys /sys/firmware/fdt "
                    "/data/fit-good.fwb")
    assert rc == 0 and "verified with key-dev" in out, out
    _, before = h.run("fwtool status --json; cat /data/fwtool/transaction.json")
    rc, out = h.run("fwtool -c /tmp/fit.conf install --no-progress /data/fit-other.fwb")
    assert rc == 3 and "does not verify" in out, out
    print("    guest:", out.strip().splitlines()[-1])
    _, after = h.run("fwtool status --json; cat /data/fwtool/transaction.json")
    assert after == before, (before, after)  # no transaction, no store, nothing written
    for name, why in TAMPERED:
        rc, out = h.run(f"fwtool -c /tmp/fit.conf verify --no-progress /data/fit-{name}.fwb")
        assert rc == 3 and why in out, (name, out)
        print(f"    guest: fit-{name}.itb:", out.strip().splitlines()[-1])
    h.vm.send("reboot -f")
    h.vm.expect(r"Hit any key to stop autoboot", 90)
    h.vm.send("")
    h.vm.expect(r"=> ", 30)
    out = bootm(h, "fit-other.itb")
    assert "Failed to verify required signature" in out and "Bad Data Hash" in out, out
    print("    u-boot: fit-other.itb:", [ln for ln in out.splitlines()
                                          if "dev-" in ln or "Bad Data" in ln][0].strip())
    for name, _ in TAMPERED:
        out = bootm(h, f"fit-{name}.itb")
        assert "Bad Data Hash" in out, (name, out)
        print(f"    u-boot: fit-{name}.itb:", " / ".join(
            ln.strip() for ln in out.splitlines()
            if "error" in ln or "Bad hash" in ln or "No '" in ln or "Failed" in ln))
    out = bootm(h, "fit-good.itb")
    assert "sha256,rsa2048:dev+" in out, out
    print("    u-boot: fit-good.itb:", [ln for ln in out.splitlines() if "dev+" in ln][0].strip())


def scenario_http_pull(h):
    """The router pulls 1.1.0 over HTTP from a server on the host's
    127.0.0.1 (QEMU user networking: 10.0.2.2 is the host's loopback); the
    link is cut in the middle of the rootfs and the download resumed; B
    boots and is confirmed."""
    sys.path.insert(0, os.path.join(ROOT, "tests", "integ"))
    from httpserve import Server
    bundle = os.path.join(h.out, "data", "update-1.1.0.fwb")
    srv = Server()
    try:
        data = open(bundle, "rb").read()
        srv.put("/update-1.1.0.fwb", data)
        srv.faults["/update-1.1.0.fwb"] = {"drop_at": len(data) // 2}
        assert h.boot("A") == 0
        h.shell()
        url = f"http://10.0.2.2:{srv.port}/update-1.1.0.fwb"
        rc, out = h.run(f"fwtool install --no-progress {url}")
        assert rc == 0, out
        assert "resuming from byte" in out, out
        rc, out = h.run("fwtool status")
        assert "download resumed 1 time" in out and url in out, out
        assert srv.sent("/update-1.1.0.fwb") == len(data), srv.log
        print(f"    server: {len(srv.log)} requests, {len(data)} bytes, one cut at "
              f"{len(data) // 2}")
    finally:
        srv.close()
    h.vm.send("reboot -f")
    assert h.boot("B") == 0
    h.shell()
    rc, out = h.run("fwtool wait --json")
    assert rc == 0 and '"state": "confirmed"' in out, out


def scenario_dropped_entry(h):
    """bootloader = efi: the firmware (here efibootmgr -B) drops B's Boot####
    entry; the next install writes it again from the load option fwtool kept
    when it first saw it, and B boots through it"""
    assert h.boot("A") == 0
    h.shell()
    rc, out = h.run("/usr/bin/efibootmgr")
    num = [line[4:8] for line in out.splitlines() if line.endswith(" B")]
    assert rc == 0 and num, out
    rc, out = h.run(f"/usr/bin/efibootmgr -q -b {num[0]} -B && /usr/bin/efibootmgr")
    assert rc == 0 and not out.rstrip().endswith(" B"), out
    rc, out = h.run("fwtool install --no-progress /data/update-1.1.0.fwb")
    assert rc == 0 and "dropped the entry of slot B" in out, out
    print("    guest:", out.replace("\r\n", "\n      ").strip())
    rc, out = h.run("/usr/bin/efibootmgr -v")
    assert rc == 0 and "BootNext" in out, out
    h.vm.send("reboot -f")
    assert h.boot("B") == 0
    h.shell()
    rc, out = h.run("fwtool wait")
    assert rc == 0, out


# user-mode networking, the host reachable at 10.0.2.2
scenario_http_pull.nic = ("-nic", "user,model=virtio-net-pci")

SCENARIOS = [
    ("good-update", scenario_good_update),
    ("check-fails", scenario_check_fails),
    ("watchdog", scenario_watchdog),
    ("kernel-panic", scenario_kernel_panic),
    ("stdin-and-back", scenario_stdin_and_back),
    ("power-cut", scenario_power_cut),
    ("mtd", scenario_mtd, "host"),
    ("usb-recovery", scenario_usb_recovery, "host"),
    ("fit", scenario_fit, "router"),
    ("http-pull", scenario_http_pull, "router"),
    ("dropped-entry", scenario_dropped_entry, "uefi-efi"),
]


def run_scenario(board, out, results, name, fn, retries):
    """Run one scenario on a fresh copy of the disks; True when it passed."""
    t0 = time.monotonic()
    tag = f"{board}-{name}"
    for attempt in range(retries + 1):
        h = Host(board, out, results, tag, getattr(fn, "nic", ("-nic", "none")))
        try:
            fn(h)
            note = f" after {attempt} failed attempt(s)" if attempt else ""
            print(f"e2e: {board} {name}: ok ({time.monotonic() - t0:.1f} s){note}", flush=True)
            h.close()
            for d in h.disks:  # a pass keeps its serial logs, not its disks
                os.unlink(d)
            return True
        except Exception:
            print(f"e2e: {board} {name}: FAILED ({time.monotonic() - t0:.1f} s); "
                  f"serial log: {results}/{tag}.serial.log", flush=True)
            traceback.print_exc()
        finally:
            h.close()
        if attempt < retries:
            os.replace(h.log, f"{h.log}.attempt-{attempt + 1}")
            print(f"e2e: {board} {name}: retrying", flush=True)
    return False


def run_fleet(outs, results, retries):
    """The fleet scenario (tests/e2e/fleet.py): both boards at once, driven
    by ansible-playbook over SSH; True when it passed."""
    import fleet
    t0 = time.monotonic()
    for attempt in range(retries + 1):
        d = os.path.join(results, "fleet")
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        host = fleet.Target("host", fleet.free_port(),
                            os.path.join(outs["host"], "keys", "fleet_ed25519"))
        router = fleet.Target("router", fleet.free_port(),
                              os.path.join(outs["router"], "keys", "fleet_ed25519"))
        vms = []
        try:
            vms.append(Host("host", outs["host"], results, "fleet-host", fleet.nic(host.port)))
            vms.append(Host("router", outs["router"], results, "fleet-router",
                            fleet.nic(router.port)))
            fleet.scenario(vms[0], vms[1], host, router, d)
            note = f" after {attempt} failed attempt(s)" if attempt else ""
            print(f"e2e: fleet: ok ({time.monotonic() - t0:.1f} s){note}", flush=True)
            for v in vms:
                v.close()
                for disk in v.disks:
                    os.unlink(disk)
            return True
        except Exception:
            print(f"e2e: fleet: FAILED ({time.monotonic() - t0:.1f} s); play log: {d}/play.log, "
                  f"serial logs: {results}/fleet-*.serial.log*", flush=True)
            traceback.print_exc()
        finally:
            for v in vms:
                v.close()
        if attempt < retries:
            print("e2e: fleet: retrying", flush=True)
    return False


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build/test")
    ap.add_argument("--only", action="append",
                    help="scenario name, or BOARD:NAME for one board's")
    ap.add_argument("--board", action="append", choices=list(BOARDS))
    ap.add_argument("--retry", type=int, default=0)
    a = ap.parse_args()
    results = os.path.join(ROOT, a.build, "e2e", "results")
    os.makedirs(results, exist_ok=True)
    passed = failed = skipped = 0
    outs, noqemu = {}, []
    for board in a.board or list(BOARDS):
        builder, sub, _, qemu, _ = BOARDS[board]
        todo = [(n, f) for n, f, *boards in SCENARIOS
                if (not a.only or n in a.only or f"{board}:{n}" in a.only)
                and (not boards or board in boards)]
        if not todo and a.only and "fleet" not in a.only:
            continue  # no scenario of this board asked for: no image either
        if not shutil.which(qemu):
            print(f"e2e: {board}: SKIPPED: {qemu} is not installed (scripts/install-deps e2e)")
            noqemu.append(qemu)
            skipped += len(todo)
            continue
        out = os.path.join(ROOT, a.build, "e2e", sub)
        tool, *targs = builder.split()
        r = subprocess.run([os.path.join(ROOT, "images", "e2e", tool), out, *targs],
                           env=dict(os.environ, FWTOOL_BUILD=os.path.join(ROOT, a.build)),
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if r.returncode:
            print(f"e2e: {board}: image build FAILED: {r.stderr.strip()[-500:]}")
            failed += len(todo)
            continue
        outs[board] = out
        for name, fn in todo:
            if run_scenario(board, out, results, name, fn, a.retry):
                passed += 1
            else:
                failed += 1
    if not a.only or "fleet" in a.only:
        import fleet
        why = fleet.missing() or (f"{noqemu[0]} is not installed" if noqemu else None)
        if why or not {"host", "router"} <= set(a.board or BOARDS):
            print(f"e2e: fleet: SKIPPED: {why or 'needs both boards'}")
            skipped += 1
        elif not {"host", "router"} <= set(outs):
            failed += 1  # a board's image or QEMU is missing: said above
        elif run_fleet(outs, results, a.retry):
            passed += 1
        else:
            failed += 1
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
