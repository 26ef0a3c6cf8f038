# SPDX-License-Identifier: GPL-2.0-only
"""A UEFI boot manager over a folder laid out as efivarfs (wave2.md §3):
BootNext taken once and deleted, else the first entry of BootOrder that
exists; BootCurrent set; the Linux stub's command line from the entry's
optional data. Written here apart from fwtool's C so that each checks the
other; OVMF itself runs in QEMU (make e2e)."""
import os
import struct

from simboard import SimBoard

GUID = "8be4df61-93ca-11d2-aa0d-00e098032b8c"


def path(d, name):
    return os.path.join(d, f"{name}-{GUID}")


def read(d, name):
    p = path(d, name)
    if not os.path.exists(p):
        return None
    return open(p, "rb").read()[4:]


def write(d, name, value, attrs=7):
    with open(path(d, name), "wb") as f:
        f.write(struct.pack("<I", attrs) + value)


def u16s(value):
    return list(struct.unpack(f"<{len(value) // 2}H", value)) if value else []


def loadopt(desc, cmdline, loader="\\vmlinuz"):
    """an EFI_LOAD_OPTION: active, a file path node, the command line as
    the optional data (what efibootmgr -u writes)"""
    f = (loader + "\0").encode("utf-16-le")
    dp = struct.pack("<BBH", 4, 4, 4 + len(f)) + f + bytes([0x7f, 0xff, 4, 0])
    return (struct.pack("<IH", 1, len(dp)) + (desc + "\0").encode("utf-16-le") + dp
            + cmdline.encode("utf-16-le"))


def parse_loadopt(value):
    _, plen = struct.unpack("<IH", value[:6])
    end = 6
    while value[end:end + 2] != b"\0\0":
        end += 2
    desc = value[6:end].decode("utf-16-le")
    return desc, value[end + 2 + plen:].decode("utf-16-le")


def boot(d):
    """one boot: the entry's number and its command line"""
    nxt = read(d, "BootNext")
    order = u16s(read(d, "BootOrder") or b"")
    if nxt is not None:
        os.remove(path(d, "BootNext"))
        order = u16s(nxt) + order
    for n in order:
        opt = read(d, f"Boot{n:04X}")
        if opt is not None:
            write(d, "BootCurrent", struct.pack("<H", n), attrs=6)
            return n, parse_loadopt(opt)[1]
    raise RuntimeError("no boot entry: the firmware would stop in its menu")


class EfiBoard(SimBoard):
    """The simulated board with bootloader = efi: Boot0000 the firmware's
    own app, Boot0001 slot A, Boot0002 slot B; BootOrder 1, 0"""

    def __init__(self, path_, keys):
        super().__init__(path_, keys)
        conf = open(self.conf).read()
        conf = conf.replace("bootloader = sim", "bootloader = efi")
        conf = conf.replace("[sim]\nenv = state/bootenv\n", "[efi]\nefivars = efivars\n")
        open(self.conf, "w").write(conf)
        d = self.p("efivars")
        os.makedirs(d)
        write(d, "Boot0000", loadopt("UiApp", "", "\\UiApp"))
        for n, slot in ((1, "A"), (2, "B")):
            write(d, f"Boot{n:04X}", loadopt(slot, f"console=ttyS0 fwtool.slot={slot}"))
        write(d, "BootOrder", struct.pack("<2H", 1, 0))
        os.remove(self.p("state", "bootenv"))

    def var(self, name):
        return read(self.p("efivars"), name)

    def order(self):
        return u16s(self.var("BootOrder"))

    def boot(self, watchdog_reset=False):
        with open(self.p("state", "watchdog.bootstatus"), "w") as f:
            f.write("32\n" if watchdog_reset else "0\n")  # WDIOF_CARDRESET
        self.set_cmdline(boot(self.p("efivars"))[1])
