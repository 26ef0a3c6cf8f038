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
               name=None, compatible="fwtool,sim", classes=("rootfs", "router-fw"),
               size_mib=2, extra=()):
        imgs = os.path.join(str(tmp), "images")
        subprocess.run([os.path.join(ROOT, "images", "mkdemo-images.sh"), imgs, version,
                        health, str(size_mib)], check=True)
        out = os.path.join(str(tmp), name or f"u-{version}-{health}.fwb")
        images = {"rootfs": f"rootfs={imgs}/rootfs-{version}.img:{comp}",
                  "router-fw": f"router-fw={imgs}/router-fw-{version}.bin"}
        args = []
        for c in classes:
            args += ["--image", images[c]]
        fw("bundle", "create", "-o", out, "--key", self.keys.signer[0], "--cert",
           self.keys.signer[1], "--version", version, "--security-version", secver,
           "--compatible", compatible, *args, *extra, expect=0)
        return out

    def image(self, tmp, version, cls="rootfs"):
        name = f"rootfs-{version}.img" if cls == "rootfs" else f"router-fw-{version}.bin"
        return os.path.join(str(tmp), "images", name)

    def txn(self):
        """transaction.json as it is on disk"""
        with open(self.p("state", "transaction.json")) as f:
            return json.load(f)

    def history(self):
        path = self.p("state", "history.jsonl")
        if not os.path.exists(path):
            return []
        with open(path) as f:
            return [json.loads(line) for line in f if line.endswith("\n")]

    def outbox(self):
        d = self.p("state", "outbox")
        return sorted(n[:-5] for n in os.listdir(d) if n.endswith(".json")) \
            if os.path.isdir(d) else []

    def set_conf(self, section, line):
        """add 'key = value' to [section] of system.conf"""
        conf = open(self.conf).read()
        if f"[{section}]\n" in conf:
            conf = conf.replace(f"[{section}]\n", f"[{section}]\n{line}\n", 1)
        else:
            conf += f"\n[{section}]\n{line}\n"
        open(self.conf, "w").write(conf)

    def drop_class(self, cls):
        """remove a slot class from system.conf (a board with rootfs alone)"""
        out, skip = [], False
        for line in open(self.conf).read().splitlines(keepends=True):
            if line.startswith("["):
                skip = line.startswith(f"[slot.{cls}.")
            if not skip:
                out.append(line)
        open(self.conf, "w").write("".join(out))

    def set_cmdline(self, text):
        with open(self.p("state", "cmdline"), "w") as f:
            f.write(text + "\n")

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
        r = self.fw("status", "--json", expect=0)
        return json.loads(r.out)

    def slot_file(self, bootname, cls="rootfs"):
        ext = "img" if cls == "rootfs" else "bin"
        return self.p("slots", f"{cls}-{bootname.lower()}.{ext}")

    def boot(self, watchdog_reset=False):
        args = ["sim-boot"] + (["--watchdog-reset"] if watchdog_reset else [])
        return self.fw(*args, expect=0)
