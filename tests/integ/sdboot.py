# SPDX-License-Identifier: GPL-2.0-only
"""systemd-boot 252's choice and its tries counter, as wave2.md §2 found
them in its source and under OVMF, written here apart from fwtool's C so
that each checks the other; and a simulated board that boots through it.
The real systemd-boot runs in QEMU (make e2e); bootctl reads the entries
in test_sdboot.py."""
import functools
import os
import re

from simboard import SimBoard

DIRS = (("loader/entries", ".conf"), ("EFI/Linux", ".efi"))
COUNTER = re.compile(r"^(.*)\+(\d+)(?:-(\d+))?$")


def parse(name, suffix):
    """(id stem, tries left or None, tries done) of an entry file name"""
    stem = name[:-len(suffix)]
    m = COUNTER.match(stem)
    if m and int(m.group(2)) <= 2**31 - 1 and int(m.group(3) or 0) <= 2**31 - 1:
        return m.group(1), int(m.group(2)), int(m.group(3) or 0)
    return stem, None, 0


def verscmp(a, b):
    """strverscmp(3) for the names used here: digit runs as numbers"""
    ta = re.findall(r"\d+|\D+", a)
    tb = re.findall(r"\d+|\D+", b)
    for x, y in zip(ta, tb):
        if x.isdigit() and y.isdigit():
            if int(x) != int(y):
                return -1 if int(x) < int(y) else 1
        elif x != y:
            return -1 if x < y else 1
    return (len(ta) > len(tb)) - (len(ta) < len(tb))


def entries(esp):
    out = []
    for d, suffix in DIRS:
        path = os.path.join(esp, d)
        if not os.path.isdir(path):
            continue
        for name in os.listdir(path):
            if name.lower().endswith(suffix):
                stem, left, done = parse(name, suffix)
                out.append({"dir": path, "file": name, "id": name.lower(), "left": left,
                            "done": done})
    return out


def compare(a, b):
    # tries_left == 0 last; then id, descending (version-aware); then more
    # tries left, then fewer done
    za, zb = a["left"] == 0, b["left"] == 0
    if za != zb:
        return 1 if za else -1
    r = verscmp(b["id"], a["id"])
    if r:
        return r
    la, lb = (a["left"] if a["left"] is not None else -1), (b["left"] if b["left"] is not None else -1)
    if la != lb:
        return -1 if la > lb else 1
    return (a["done"] > b["done"]) - (a["done"] < b["done"])


def choose(esp):
    """the entry systemd-boot boots: no default set, so the first sorted"""
    es = sorted(entries(esp), key=functools.cmp_to_key(compare))
    return es[0] if es else None


def boot(esp, efivars=None):
    """boot once: count the try in the name, as systemd-boot does right
    before it starts the image, after it saved the entry's id (the name
    before the rename) in LoaderEntrySelected; return the options line"""
    e = choose(esp)
    path = os.path.join(e["dir"], e["file"])
    if efivars:
        with open(os.path.join(efivars, "LoaderEntrySelected-4a67b082-0a4c-41cf-b6c7-"
                               "440b29bb8c4f"), "wb") as f:
            f.write(b"\x06\0\0\0" + (e["file"] + "\0").encode("utf-16-le"))
    if e["left"] is not None:
        base, ext = e["file"][:e["file"].rindex("+")], os.path.splitext(e["file"])[1]
        new = f"{base}+{max(e['left'] - 1, 0)}-{e['done'] + 1}{ext}"
        os.rename(path, os.path.join(e["dir"], new))
        path = os.path.join(e["dir"], new)
    for line in open(path):
        if line.startswith("options"):
            return line.split(None, 1)[1].strip()
    return ""


class SdBootBoard(SimBoard):
    """The simulated board with bootloader = systemd-boot: an ESP folder with
    one Type #1 entry per slot, booted by the model above."""

    def __init__(self, path, keys):
        super().__init__(path, keys)
        conf = open(self.conf).read()
        conf = conf.replace("bootloader = sim", "bootloader = systemd-boot")
        conf = conf.replace("[sim]\nenv = state/bootenv\n",
                            "[systemd-boot]\nesp = esp\nefivars = efivars\n")
        open(self.conf, "w").write(conf)
        os.makedirs(self.p("esp", "loader", "entries"))
        os.makedirs(self.p("efivars"))
        for name, slot in (("fwtool-1-a.conf", "A"), ("fwtool-0-b+0.conf", "B")):
            with open(self.p("esp", "loader", "entries", name), "w") as f:
                f.write(f"title fwtool {slot}\nlinux /vmlinuz-{slot}\n"
                        f"options console=ttyS0 fwtool.slot={slot}\n")
        os.remove(self.p("state", "bootenv"))

    def entries(self):
        return sorted(os.listdir(self.p("esp", "loader", "entries")))

    def boot(self, watchdog_reset=False):
        with open(self.p("state", "watchdog.bootstatus"), "w") as f:
            f.write("32\n" if watchdog_reset else "0\n")  # WDIOF_CARDRESET
        self.set_cmdline(boot(self.p("esp"), self.p("efivars")))
