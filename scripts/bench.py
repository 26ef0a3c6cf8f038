#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""make bench: fwtool against dd, openssl and sha256sum, in one run.

Figures, not assertions. Ratios carry over to another machine; seconds do
not. Rules that keep the baseline fair:

- On a VM that hands freed memory back to its host, a dd that starts after
  a few idle seconds pays 2-4x more system time than one that runs right
  after another write. So every timed write into the slot, dd's and
  fwtool's alike, follows an untimed warm-up dd of the same size into the
  same device. The cold dd (after 5 idle seconds) is shown on its own line
  so a reader sees the difference; no ratio uses it.
- Each timed run reads its input first (untimed): fwtool's bundle as dd's
  warm-up reads dd's image, so neither is read from the disk.
- Rounds alternate (A B C A B C ...). Each round gives a ratio against the
  dd of that round; the table shows the median ratio and its min-max.
- The load average is printed at the start and at the end.

Peak RSS and CPU come from GNU time, which forks from a small process.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MIB = 1 << 20


def run(argv, env=None, cwd=None):
    """(wall s, peak RSS MiB, CPU s) of one command."""
    t = time.monotonic()
    p = subprocess.run(["/usr/bin/time", "-f", "@@%M %U %S"] + [str(x) for x in argv],
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=cwd)
    dt = time.monotonic() - t
    err = p.stderr.decode(errors="replace")
    if p.returncode != 0:
        sys.exit(f"bench: {' '.join(map(str, argv))} failed: {err}")
    rss, user, sys_ = err[err.rindex("@@") + 2:].split()
    return dt, int(rss) / 1024.0, float(user) + float(sys_)


def loadavg():
    return open("/proc/loadavg").read().split()[:3]


def make_image(d, size_mib):
    """half random, half zeros: what a root filesystem image looks like"""
    img = os.path.join(d, f"img-{size_mib}")
    if not os.path.exists(img):
        with open(img, "wb") as f:
            half = size_mib // 2
            for _ in range(half):
                f.write(os.urandom(MIB))
            f.truncate(size_mib * MIB)
    return img


def make_bundle(fw, keys, d, size_mib, comp="none"):
    img = make_image(d, size_mib)
    out = os.path.join(d, f"b-{size_mib}-{comp}.fwb")
    if not os.path.exists(out):
        subprocess.run([fw, "bundle", "create", "-o", out, "--key", keys["key"], "--cert",
                        keys["cert"], "--version", "1.0.0", "--compatible", "bench", "--image",
                        f"rootfs={img}:{comp}"], check=True, stdout=subprocess.DEVNULL)
        # the new files' writeback would otherwise land in the timed runs
        # (a 4 GiB row once took 6.3 s against 4.4 s with it done first)
        os.sync()
    return out, img


def make_keys(d):
    subprocess.run(["sh", os.path.join(ROOT, "scripts", "mkkeys.sh"), os.path.join(d, "keys")],
                   check=True, stdout=subprocess.DEVNULL)
    k = os.path.join(d, "keys")
    return {"key": os.path.join(k, "signer.key"), "cert": os.path.join(k, "signer.pem"),
            "ca": os.path.join(k, "ca.pem")}


def row(label, vals, base=None, ratios=None):
    wall = statistics.median(v[0] for v in vals)
    cpu = statistics.median(v[2] for v in vals)
    rss = max(v[1] for v in vals)
    r = ""
    if ratios:
        r = f"{statistics.median(ratios):5.2f}x ({min(ratios):.2f}-{max(ratios):.2f})"
    print(f"  {label:38s} {wall:7.3f} s  {r:22s} cpu {cpu:6.2f} s  peak RSS {rss:6.1f} MiB")
    return wall


def read_file(path):
    with open(path, "rb") as f:
        while f.read(8 * MIB):
            pass


def rounds(cmds, runs, warm=None, base="dd", inputs=None):
    """@cmds: {label: argv}; each timed run after reading its file in
    @inputs ({label: path}), then @warm (argv), if given.
    Returns {label: [(wall, rss, cpu)]} and {label: [ratio to @base]}.

    The input is read first because this VM hands page cache that has gone
    cold back to its host within seconds: a 4 GiB bundle made before the
    rounds was read from the disk again by each install (7.0 s against
    4.5 s from the page cache), while dd's image is always the one its
    warm-up dd has just read."""
    res = {k: [] for k in cmds}
    inputs = inputs or {}
    for _ in range(runs):
        for k, argv in cmds.items():
            if k in inputs:
                read_file(inputs[k])
            if warm:
                subprocess.run(warm, check=True)
            res[k].append(run(argv))
    # a reference run that the warm-up did not warm (seen: 5.85 s against
    # 1.1-1.4 s in the same run) would make its round's ratios meaningless:
    # time it again, at most twice, and say so
    if base in res and runs >= 3:
        med = statistics.median(v[0] for v in res[base])
        for i, v in enumerate(res[base]):
            for _ in range(2):
                if res[base][i][0] <= 2 * med:
                    break
                if base in inputs:
                    read_file(inputs[base])
                if warm:
                    subprocess.run(warm, check=True)
                again = run(cmds[base])
                print(f"  (round {i + 1}: {base} took {res[base][i][0]:.3f} s, over twice "
                      f"the median {med:.3f} s; again: {again[0]:.3f} s)")
                if again[0] < res[base][i][0]:
                    res[base][i] = again
    ratios = {k: [res[k][i][0] / res[base][i][0] for i in range(runs)] for k in cmds}
    return res, ratios


class Board:
    """a sim-bootloader board whose B slot is a loop device"""

    def __init__(self, fw, keys, d, loop):
        self.fw, self.d = fw, os.path.join(d, "board")
        os.makedirs(os.path.join(self.d, "state"), exist_ok=True)
        self.cmdline = os.path.join(self.d, "cmdline")
        open(self.cmdline, "w").write("fwtool.slot=A\n")
        self.a = os.path.join(self.d, "a.img")
        open(self.a, "wb").close()
        self.conf = {}
        for verify in ("true", "false"):
            path = os.path.join(self.d, f"system-{verify}.conf")
            with open(path, "w") as f:
                f.write(f"[system]\ncompatible = bench\nbootloader = sim\nkeyring = {keys['ca']}\n"
                        f"statedir = {self.d}/state\ncmdline = {self.cmdline}\n"
                        f"verify_writes = {verify}\n"
                        f"[slot.rootfs.0]\ndevice = {self.a}\ntype = file\nbootname = A\n"
                        f"[slot.rootfs.1]\ndevice = {loop}\ntype = block\nbootname = B\n")
            self.conf[verify] = path

    def install(self, bundle, verify="true"):
        return [self.fw, "--conf", self.conf[verify], "install", "--force", bundle]


def bench_verify(fw, keys, d, size, runs):
    bundle, _ = make_bundle(fw, keys, d, size)
    cmds = {
        "openssl dgst -sha256 BUNDLE": ["openssl", "dgst", "-sha256", bundle],
        "fwtool verify BUNDLE": [fw, "verify", "--keyring", keys["ca"], "--compatible", "bench",
                                 bundle],
        "sha256sum BUNDLE": ["sha256sum", bundle],
    }
    res, ratios = rounds(cmds, runs, base="openssl dgst -sha256 BUNDLE",
                         inputs={k: bundle for k in cmds})
    print(f"\nverify, {size} MiB bundle (page cache warm; ratios to openssl)")
    for k in cmds:
        row(k, res[k], ratios=ratios[k])


def bench_install(fw, keys, d, size, runs, board, loop):
    bundle, img = make_bundle(fw, keys, d, size)
    zbundle, _ = make_bundle(fw, keys, d, size, "zstd")
    dd = ["dd", f"if={img}", f"of={loop}", "bs=1M", "conv=fsync", "status=none"]
    cmds = {
        "dd bs=1M conv=fsync (warm)": dd,
        "fwtool install, read-back on": board.install(bundle),
        "fwtool install, read-back off": board.install(bundle, "false"),
        "fwtool install zstd, read-back on": board.install(zbundle),
    }
    inputs = {k: zbundle if "zstd" in k else bundle for k in cmds if k.startswith("fwtool")}
    res, ratios = rounds(cmds, runs, warm=dd, base="dd bs=1M conv=fsync (warm)",
                         inputs=inputs)
    print(f"\ninstall {size} MiB into a loop-device slot (each run after a warm-up dd; "
          "ratios to the warm dd of the same round)")
    for k in cmds:
        row(k, res[k], ratios=ratios[k])
    for k in list(cmds)[1:]:
        cpu = statistics.median(v[2] for v in res[k])
        print(f"  {'':38s} {k[7:]}: {cpu / (size / 1024):.2f} CPU s per GiB")
    cold = []
    for _ in range(min(runs, 3)):
        time.sleep(5)
        cold.append(run(dd))
    row("dd, cold (after 5 idle seconds)", cold)


def bench_scaling(fw, keys, d, sizes, runs, board, loop):
    """install (read-back on) at each size; fit wall = fixed + per_gib * GiB"""
    print(f"\nscaling: install, read-back on, into the loop device (median of {runs}, "
          "each after a warm-up dd)")
    xs, ys, dds = [], [], []
    for size in sizes:
        bundle, img = make_bundle(fw, keys, d, size)
        dd = ["dd", f"if={img}", f"of={loop}", "bs=1M", "conv=fsync", "status=none"]
        res, ratios = rounds({"dd": dd, "fwtool": board.install(bundle)}, runs, warm=dd,
                             inputs={"fwtool": bundle})
        wall = statistics.median(v[0] for v in res["fwtool"])
        rss = max(v[1] for v in res["fwtool"])
        dwall = statistics.median(v[0] for v in res["dd"])
        print(f"  {size:5d} MiB  fwtool {wall:7.3f} s  dd {dwall:7.3f} s  "
              f"{statistics.median(ratios['fwtool']):5.2f}x  peak RSS {rss:5.1f} MiB")
        xs.append(size / 1024)
        ys.append(wall)
        dds.append(dwall)
        if size >= 1024:
            os.unlink(bundle)
    for label, y in (("fwtool", ys), ("dd", dds)) if len(set(xs)) > 1 else ():
        mx, my = statistics.mean(xs), statistics.mean(y)
        slope = sum((a - mx) * (b - my) for a, b in zip(xs, y)) / sum((a - mx) ** 2 for a in xs)
        print(f"  fit {label:6s}: {(my - slope * mx) * 1000:6.1f} ms fixed + {slope:5.3f} s per GiB")


def timed(argv):
    """wall seconds of one command, without GNU time's own start-up"""
    t = time.monotonic()
    subprocess.run([str(x) for x in argv], check=True, stdout=subprocess.DEVNULL)
    return time.monotonic() - t


def bench_small(fw, keys, d):
    """the fixed costs: a 1 MiB install into a file slot, a confirm with 3
    trivial checks, whole commands, medians of 20"""
    b = os.path.join(d, "small")
    os.makedirs(b, exist_ok=True)
    bundle, _ = make_bundle(fw, keys, d, 1)
    conf = os.path.join(b, "system.conf")
    with open(conf, "w") as f:
        f.write(f"[system]\ncompatible = bench\nbootloader = sim\nkeyring = {keys['ca']}\n"
                f"statedir = {b}/state\ncmdline = {b}/cmdline\n"
                f"[confirm]\nhealth_dir = {b}/none.d\n"
                "[check.a]\ncommand = true\n[check.b]\ncommand = /bin/true\n"
                "[check.c]\ncommand = test -d /\n"
                f"[slot.rootfs.0]\ndevice = {b}/a.img\ntype = file\nbootname = A\n"
                f"[slot.rootfs.1]\ndevice = {b}/b.img\ntype = file\nbootname = B\n")
    inst, conf_t = [], []
    for _ in range(20):
        shutil.rmtree(os.path.join(b, "state"), ignore_errors=True)
        os.makedirs(os.path.join(b, "state"))
        open(os.path.join(b, "cmdline"), "w").write("fwtool.slot=A\n")
        inst.append(timed([fw, "--conf", conf, "install", bundle]))
        subprocess.run([fw, "--conf", conf, "sim-boot"], check=True, stdout=subprocess.DEVNULL)
        conf_t.append(timed([fw, "--conf", conf, "confirm", "--no-reboot"]))
    ver = [timed([fw, "--version"]) for _ in range(20)]
    true = [timed(["/bin/true"]) for _ in range(20)]
    print("\nfixed costs (medians of 20, whole commands)")
    for label, v in (("install 1 MiB into a file slot", inst),
                     ("confirm, 3 trivial checks", conf_t), ("fwtool --version", ver),
                     ("/bin/true (starting a process)", true)):
        print(f"  {label:38s} {statistics.median(v) * 1000:7.1f} ms")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--size", type=int, default=1024, help="MiB")
    ap.add_argument("--scale", default="16,64,256,1024,4096",
                    help="MiB sizes for the scaling rows; empty for none")
    a = ap.parse_args()
    fw = os.path.join(ROOT, a.build, "fwtool")
    sizes = [int(x) for x in a.scale.split(",") if x]
    print(f"fwtool bench: {os.cpu_count()} cores, load average at start "
          f"{' '.join(loadavg())}")
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_DIR", "/var/tmp")) as d:
        keys = make_keys(d)
        bench_verify(fw, keys, d, a.size, a.runs)
        if os.geteuid() != 0 or not shutil.which("losetup"):
            print("\ninstall: SKIPPED (needs root and losetup for a loop-device slot)")
        else:
            back = os.path.join(d, "slot-b.img")
            with open(back, "wb") as f:
                f.truncate((max([a.size] + sizes) + 64) * MIB)
            loop = subprocess.run(["losetup", "--find", "--show", back], capture_output=True,
                                  text=True, check=True).stdout.strip()
            try:
                board = Board(fw, keys, d, loop)
                bench_install(fw, keys, d, a.size, a.runs, board, loop)
                if sizes:
                    bench_scaling(fw, keys, d, sizes, max(3, a.runs // 2), board, loop)
            finally:
                subprocess.run(["losetup", "-d", loop])
        bench_small(fw, keys, d)
    print(f"\nload average at end {' '.join(loadavg())}")


if __name__ == "__main__":
    main()
