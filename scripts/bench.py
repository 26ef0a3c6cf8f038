#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""make bench: fwtool against dd / openssl / sha256sum in one run.

Runs alternate (A B A B ...), the median of each is reported, and results are
ratios, so the machine's speed cancels out. Peak RSS comes from wait4().
Nothing here asserts; it prints figures for people.
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


def run(argv, stdin=None):
    """Wall time, peak RSS (MiB) and CPU seconds of one command. Peak RSS comes
    from GNU time, which forks from a small process: a child forked from
    Python would carry Python's own high-water mark across exec."""
    t = time.monotonic()
    p = subprocess.run(["/usr/bin/time", "-f", "@@%M %U %S"] + [str(x) for x in argv],
                       stdin=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    dt = time.monotonic() - t
    err = p.stderr.decode()
    if p.returncode != 0:
        sys.exit(f"bench: {' '.join(map(str, argv))} failed: {err}")
    rss, user, sys_ = err[err.rindex("@@") + 2:].split()
    return dt, int(rss) / 1024.0, float(user) + float(sys_)


def compare(name, cmds, runs):
    """cmds: {label: argv}; alternate them @runs times."""
    res = {k: [] for k in cmds}
    for _ in range(runs):
        for k, argv in cmds.items():
            res[k].append(run(argv))
    print(f"\n{name} (median of {runs}, alternating)")
    base = None
    for k, r in res.items():
        wall = statistics.median(x[0] for x in r)
        rss = max(x[1] for x in r)
        cpu = statistics.median(x[2] for x in r)
        base = base or wall
        print(f"  {k:34s} {wall:7.3f} s  {wall / base:5.2f}x  cpu {cpu:6.2f} s  peak RSS {rss:7.1f} MiB")
    return res


def make_bundle(fw, keys, d, size_mib, comp="none", name="b.fwb"):
    img = os.path.join(d, f"img-{size_mib}")
    if not os.path.exists(img):
        with open(img, "wb") as f:
            half = size_mib // 2
            for _ in range(half):
                f.write(os.urandom(1 << 20))
            f.write(bytes((size_mib - half) << 20))
    out = os.path.join(d, name)
    subprocess.run([fw, "bundle", "create", "-o", out, "--key", keys[0], "--cert", keys[1],
                    "--version", "1.0.0", "--compatible", "bench", "--image",
                    f"rootfs={img}:{comp}"], check=True, stdout=subprocess.DEVNULL)
    return out, img


def make_keys(d):
    k, c = os.path.join(d, "k.pem"), os.path.join(d, "c.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-keyout", k, "-out", c,
                    "-subj", "/CN=bench", "-days", "30", "-addext",
                    "keyUsage=critical,digitalSignature,keyCertSign"],
                   check=True, capture_output=True)
    return k, c


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--size", type=int, default=1024, help="MiB")
    a = ap.parse_args()
    fw = os.path.join(ROOT, a.build, "fwtool")
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_DIR", "/var/tmp")) as d:
        keys = make_keys(d)
        print(f"fwtool bench: {a.size} MiB image (half random, half zeros), {os.cpu_count()} cores")
        bundle, img = make_bundle(fw, keys, d, a.size)
        verify = [fw, "verify", "--keyring", keys[1], "--compatible", "bench", bundle]
        compare("verify (page cache warm)", {
            "openssl dgst -sha256 BUNDLE": ["openssl", "dgst", "-sha256", bundle],
            "fwtool verify BUNDLE": verify,
            "sha256sum BUNDLE": ["sha256sum", bundle],
        }, a.runs)
        bench_install(fw, keys, d, a, bundle, img)


def bench_install(fw, keys, d, a, bundle, img):
    """install into a loop-device slot against dd into the same device."""
    if os.geteuid() != 0 or not shutil.which("losetup"):
        print("\ninstall: SKIPPED (needs root and losetup for a loop-device slot)")
        return
    back = os.path.join(d, "slot-b.img")
    with open(back, "wb") as f:
        f.truncate((a.size + 64) << 20)
    loop = subprocess.run(["losetup", "--find", "--show", back], capture_output=True,
                          text=True, check=True).stdout.strip()
    try:
        board = os.path.join(d, "board")
        os.makedirs(os.path.join(board, "state"), exist_ok=True)
        with open(os.path.join(board, "state", "cmdline"), "w") as f:
            f.write("fwtool.slot=A\n")
        def conf(verify):
            with open(os.path.join(board, "system.conf"), "w") as f:
                f.write(f"[system]\ncompatible = bench\nbootloader = sim\nkeyring = {keys[1]}\n"
                        f"statedir = state\ncmdline = state/cmdline\nverify_writes = {verify}\n"
                        f"[slot.rootfs.0]\ndevice = {img}\ntype = file\nbootname = A\n"
                        f"[slot.rootfs.1]\ndevice = {loop}\ntype = block\nbootname = B\n")
            return os.path.join(board, "system.conf")
        zbundle, _ = make_bundle(fw, keys, d, a.size, "zstd", "z.fwb")
        dd = ["dd", f"if={img}", f"of={loop}", "bs=1M", "conv=fsync", "status=none"]
        c_on, c_off = conf("true"), None
        shutil.copy(c_on, c_on + ".on")
        c_off = conf("false")
        shutil.move(c_off, c_off + ".off")
        res = compare(f"install {a.size} MiB into a loop-device slot", {
            "dd bs=1M conv=fsync": dd,
            "fwtool install (read-back on)": [fw, "--conf", c_on + ".on", "install", "--force", bundle],
            "fwtool install (read-back off)": [fw, "--conf", c_off + ".off", "install", "--force", bundle],
            "fwtool install zstd (read-back off)": [fw, "--conf", c_off + ".off", "install", "--force", zbundle],
        }, a.runs)
        small = max(a.size // 4, 16)
        sb, simg = make_bundle(fw, keys, d, small, "none", "s.fwb")
        compare(f"install {small} MiB (fixed costs weigh more)", {
            "dd bs=1M conv=fsync": ["dd", f"if={simg}", f"of={loop}", "bs=1M", "conv=fsync", "status=none"],
            "fwtool install (read-back off)": [fw, "--conf", c_off + ".off", "install", "--force", sb],
        }, a.runs)
    finally:
        subprocess.run(["losetup", "-d", loop])


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    main()
