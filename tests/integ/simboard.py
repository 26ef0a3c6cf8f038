# SPDX-License-Identifier: GPL-2.0-only
"""A simulated board laid out by scripts/sim-board.sh, driven through fwtool."""
import json
import os
import subprocess

from conftest import ROOT, fw


class SimBoard:
    def __init__(self, path, keys):
        self.path = str(path)
        self.keys = keys
        subprocess.run([os.path.join(ROOT, "scripts", "sim-board.sh"), self.path,
                        keys.keyring], check=True)
        self.conf = os.path.join(self.path, "system.conf")
        self.env = {"FWTOOL_CONF": self.conf}

    def p(self, *names):
        return os.path.join(self.path, *names)

    def fw(self, *args, **kw):
        env = dict(self.env)
        env.update(kw.pop("env", {}))
        return fw(*args, env=env, **kw)

    def bundle(self, tmp, version="1.1.0", secver=2, health="healthy", comp="zstd",
               name=None, compatible="fwtool,sim"):
        imgs = os.path.join(str(tmp), "images")
        subprocess.run([os.path.join(ROOT, "images", "mkdemo-images.sh"), imgs, version,
                        health, "2"], check=True)
        out = os.path.join(str(tmp), name or f"u-{version}-{health}.fwb")
        fw("bundle", "create", "-o", out, "--key", self.keys.signer[0], "--cert",
           self.keys.signer[1], "--version", version, "--security-version", secver,
           "--compatible", compatible,
           "--image", f"rootfs={imgs}/rootfs-{version}.img:{comp}",
           "--image", f"router-fw={imgs}/router-fw-{version}.bin", check=0)
        return out

    def bootenv(self):
        env = {}
        with open(self.p("state", "bootenv")) as f:
            for line in f:
                k, _, v = line.strip().partition("=")
                env[k] = v
        return env

    def booted(self):
        with open(self.p("state", "cmdline")) as f:
            return f.read().split("fwtool.slot=")[1].split()[0]

    def status(self):
        r = self.fw("status", "--json", check=0)
        return json.loads(r.out)

    def slot_file(self, bootname, cls="rootfs"):
        ext = "img" if cls == "rootfs" else "bin"
        return self.p("slots", f"{cls}-{bootname.lower()}.{ext}")

    def boot(self, watchdog_reset=False):
        args = ["sim-boot"] + (["--watchdog-reset"] if watchdog_reset else [])
        return self.fw(*args, check=0)
