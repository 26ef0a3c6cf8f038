#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""make bench: fwtool against dd / openssl / sha256sum in one run.

Runs alternate (A B A B ...), the median of each is reported, and results are
ratios, so the machine's speed cancels out. Peak RSS comes from wait4().
Nothing here asserts; it prints figures for people.
"""
import argparse
import os
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
        extra = os.environ.get("BENCH_EXTRA")
        if extra:
            for mod in extra.split(","):
                __import__(mod).bench(fw, keys, d, a, compare, make_bundle)


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    main()
