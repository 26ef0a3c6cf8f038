#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""make bench-http: install one bundle from a file and from nginx on
127.0.0.1, alternating, into a file slot of a simulated board; then the
same bundle again with adaptive on, the target already holding it. Figures,
not assertions: medians, min-max, and the per-round ratio (URL / file).

    scripts/bench_http.py [--build build/test] [--size MIB] [--runs N]
"""
import argparse
import os
import shutil
import statistics as st
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NGINX_CONF = """worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log;
events {{ worker_connections 64; }}
http {{
  access_log {d}/access.log;
  sendfile on;
  server {{ listen 127.0.0.1:{port}; root {d}/www; }}
}}
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build/test")
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--runs", type=int, default=9)
    a = ap.parse_args()
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not os.path.exists(nginx):
        print("bench-http: skipped: nginx is not installed (apt-get install nginx-light)")
        return
    fwtool = os.path.abspath(os.path.join(a.build, "fwtool"))
    os.environ["FWTOOL"] = fwtool
    sys.path.insert(0, os.path.join(ROOT, "tests", "integ"))
    import bundlegen
    from simboard import SimBoard

    tmp = tempfile.mkdtemp(prefix="fwtool-bench-http.", dir="/var/tmp")
    os.chmod(tmp, 0o755)  # nginx's workers run as www-data
    ng = os.path.join(tmp, "nginx")
    os.makedirs(os.path.join(ng, "www"))
    port = free_port()
    with open(os.path.join(ng, "nginx.conf"), "w") as f:
        f.write(NGINX_CONF.format(d=ng, port=port))
    try:
        keys = bundlegen.Keys(os.path.join(tmp, "pki"))
        b = SimBoard(os.path.join(tmp, "board"), keys)
        b.env.update({k: "" for k in ("http_proxy", "all_proxy", "no_proxy")})
        b.drop_class("router-fw")
        img = os.path.join(tmp, "rootfs.img")
        half = (a.size << 20) // 2
        with open(img, "wb") as f:  # half random, half zeros, as make bench
            f.write(b"fwtool-demo rootfs 1.1.0 status=healthy\n")
            f.write(os.urandom(half - 41))
            f.write(bytes(half))
        bundle = os.path.join(ng, "www", "u.fwb")
        b.fw("bundle", "create", "-o", bundle, "--key", keys.signer[0], "--cert",
             keys.signer[1], "--version", "1.1.0", "--security-version", 2,
             "--compatible", "fwtool,sim", "--image", f"rootfs={img}:none", expect=0)
        subprocess.run([nginx, "-p", ng, "-c", os.path.join(ng, "nginx.conf")], check=True)
        url = f"http://127.0.0.1:{port}/u.fwb"

        def run(src):
            t = time.monotonic()
            b.fw("install", "--force", src, expect=0)
            return time.monotonic() - t

        print(f"bench-http: {a.size} MiB bundle (half random, half zeros, uncompressed), "
              f"load {os.getloadavg()[0]:.2f}")
        conf = open(b.conf).read()
        with open(b.conf, "w") as f:
            f.write(conf + "\n[download]\nadaptive = false\n")
        run(bundle)
        run(url)  # warm up both
        tf, tu, ratios = [], [], []
        for i in range(a.runs):
            if i % 2:
                u = run(url)
                fl = run(bundle)
            else:
                fl = run(bundle)
                u = run(url)
            tf.append(fl)
            tu.append(u)
            ratios.append(u / fl)
        with open(b.conf, "w") as f:
            f.write(conf)
        ta = [run(url) for _ in range(a.runs)]

        def row(name, v):
            print(f"  {name:34s} median {st.median(v):6.3f} s  ({min(v):.3f}-{max(v):.3f})")
        row("from the file", tf)
        row("from nginx, adaptive off", tu)
        print(f"  {'ratio nginx / file, per round':34s} median {st.median(ratios):6.2f}   "
              f"({min(ratios):.2f}-{max(ratios):.2f})")
        row("from nginx, adaptive, all in slot", ta)
        print(f"  load at the end {os.getloadavg()[0]:.2f}")
    finally:
        pid = os.path.join(ng, "nginx.pid")
        if os.path.exists(pid):
            subprocess.run(["kill", open(pid).read().strip()])
        shutil.rmtree(tmp, ignore_errors=True)


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


if __name__ == "__main__":
    main()
