#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""make bench-peers: fwtool, RAUC and SWUpdate from Debian, in the same rounds.

Each tool installs the same image (half random, half zeros) from its own
signed bundle into the same loop device, as the inactive slot of an A/B
pair, with the same test PKI (scripts/mkkeys.sh). Each timed install
follows an untimed warm-up dd of the same size into that device, as in
make bench. RAUC runs as its real service on a private D-Bus started here
(its 'install' is a client of the service); SWUpdate streams its .swu
through its raw handler. Neither flushes the device by itself the way
fwtool fsyncs the slot, so both are timed together with 'sync DEVICE'
(an fsync of the device). SWUpdate gets a signer of its own under the same
CA: Debian's build checks the S/MIME purpose, not codeSigning. Results are each tool's time divided by
fwtool's in the same round: median and min-max.

Needs root, losetup, and Debian's rauc, swupdate and squashfs-tools (the
Makefile target installs them); prints why and stops otherwise.
"""
import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402  (same folder)

MIB = 1 << 20


def need(tools):
    missing = [t for t in tools if not shutil.which(t)]
    if os.geteuid() != 0:
        sys.exit("bench-peers: SKIPPED: needs root (loop devices, RAUC's service)")
    if missing:
        sys.exit(f"bench-peers: SKIPPED: {', '.join(missing)} not installed")


def rauc_setup(d, keys, img, loop, other):
    """a signed RAUC bundle, a system.conf and a private bus with the
    service on it; returns (install argv, env, service process)"""
    src = os.path.join(d, "rauc-in")
    os.makedirs(src, exist_ok=True)
    os.link(img, os.path.join(src, "rootfs.img"))
    with open(os.path.join(src, "manifest.raucm"), "w") as f:
        f.write("[update]\ncompatible=bench\nversion=1.0.0\n\n"
                "[image.rootfs]\nfilename=rootfs.img\n")
    bundle = os.path.join(d, "b.raucb")
    subprocess.run(["rauc", "bundle", "--cert", keys["cert"], "--key", keys["key"], src, bundle],
                   check=True, stdout=subprocess.DEVNULL)
    mnt = os.path.join(d, "rauc-mnt")
    os.makedirs(mnt, exist_ok=True)
    conf = os.path.join(d, "rauc.conf")
    with open(conf, "w") as f:
        f.write(f"[system]\ncompatible=bench\nbootloader=noop\nmountprefix={mnt}\n\n"
                f"[keyring]\npath={keys['ca']}\ncheck-purpose=codesign\n\n"
                f"[slot.rootfs.0]\ndevice={other}\ntype=raw\nbootname=A\n\n"
                f"[slot.rootfs.1]\ndevice={loop}\ntype=raw\nbootname=B\n")
    sock = os.path.join(d, "bus")
    busconf = os.path.join(d, "bus.conf")
    with open(busconf, "w") as f:
        f.write("<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration "
                "1.0//EN\" \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
                f"<busconfig><listen>unix:path={sock}</listen><auth>EXTERNAL</auth>"
                "<policy context=\"default\"><allow user=\"*\"/><allow own=\"*\"/>"
                "<allow send_destination=\"*\"/><allow receive_sender=\"*\"/></policy>"
                "</busconfig>\n")
    bus = subprocess.Popen(["dbus-daemon", "--nofork", "--config-file", busconf])
    for _ in range(100):
        if os.path.exists(sock):
            break
        time.sleep(0.05)
    env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=f"unix:path={sock}")
    svc = subprocess.Popen(["rauc", "service", "--conf", conf, "--override-boot-slot", "A"],
                           env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    for _ in range(100):  # the service is up when the client can ask it
        if subprocess.run(["rauc", "status"], env=env, capture_output=True).returncode == 0:
            break
        if svc.poll() is not None:
            sys.exit(f"bench-peers: rauc service ended: {svc.stderr.read().decode()}")
        time.sleep(0.1)
    else:
        sys.exit("bench-peers: rauc service did not come up on the private bus")
    argv = ["sh", "-c", f"rauc install {bundle} && sync {loop}"]
    return argv, env, [svc, bus]


def swupdate_signer(keys):
    """Debian's SWUpdate 2022.12 checks the signer for the S/MIME signing
    purpose (emailProtection), not codeSigning: a signer under the same
    CA with both"""
    k = os.path.dirname(keys["ca"])
    cnf = os.path.join(k, "swu.cnf")
    with open(cnf, "w") as f:
        f.write("[req]\ndistinguished_name = dn\n[dn]\n[v3]\nbasicConstraints = CA:FALSE\n"
                "keyUsage = critical,digitalSignature\n"
                "extendedKeyUsage = codeSigning,emailProtection\n")
    key, csr, pem = (os.path.join(k, "swu." + x) for x in ("key", "csr", "pem"))
    subprocess.run(["openssl", "req", "-new", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", csr, "-subj",
                    "/CN=swupdate bench signer", "-config", cnf], check=True,
                   capture_output=True)
    subprocess.run(["openssl", "x509", "-req", "-in", csr, "-CA", keys["ca"], "-CAkey",
                    os.path.join(k, "ca.key"), "-set_serial", "3", "-days", "30", "-out", pem,
                    "-extfile", cnf, "-extensions", "v3"], check=True, capture_output=True)
    return key, pem


def swupdate_setup(d, keys, img, loop):
    """a signed .swu (CMS, as SWUpdate checks it) with one raw image; the
    board's hardware is given on the command line, not in /etc/hwrevision"""
    key, pem = swupdate_signer(keys)
    src = os.path.join(d, "swu-in")
    os.makedirs(src, exist_ok=True)
    os.link(img, os.path.join(src, "rootfs.img"))
    h = hashlib.sha256()
    with open(img, "rb") as f:
        for b in iter(lambda: f.read(MIB), b""):
            h.update(b)
    with open(os.path.join(src, "sw-description"), "w") as f:
        f.write("software =\n{\n\tversion = \"1.0.0\";\n"
                "\thardware-compatibility = [ \"1.0\" ];\n\timages: (\n\t{\n"
                "\t\tfilename = \"rootfs.img\";\n"
                f"\t\tdevice = \"{loop}\";\n\t\ttype = \"raw\";\n"
                f"\t\tsha256 = \"{h.hexdigest()}\";\n\t}}\n\t);\n}}\n")
    subprocess.run(["openssl", "cms", "-sign", "-in", "sw-description", "-out",
                    "sw-description.sig", "-signer", pem, "-inkey", key,
                    "-outform", "DER", "-nosmimecap", "-binary"], cwd=src, check=True)
    swu = os.path.join(d, "b.swu")
    with open(swu, "wb") as out:
        subprocess.run(["cpio", "-o", "-H", "crc", "--quiet"], cwd=src, check=True, stdout=out,
                       input=b"sw-description\nsw-description.sig\nrootfs.img\n")
    return ["sh", "-c", f"swupdate -H bench:1.0 -k {keys['ca']} -i {swu} && sync {loop}"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--size", type=int, default=1024, help="MiB")
    a = ap.parse_args()
    need(["losetup", "rauc", "swupdate", "mksquashfs", "dbus-daemon", "cpio", "openssl"])
    fw = os.path.join(bench.ROOT, a.build, "fwtool")
    print(f"fwtool bench-peers: {a.size} MiB image, {os.cpu_count()} cores, load average at "
          f"start {' '.join(bench.loadavg())}")
    procs = []
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_DIR", "/var/tmp")) as d:
        keys = bench.make_keys(d)
        bundle, img = bench.make_bundle(fw, keys, d, a.size)
        back = os.path.join(d, "slot-b.img")
        with open(back, "wb") as f:
            f.truncate((a.size + 64) * MIB)
        loop = subprocess.run(["losetup", "--find", "--show", back], capture_output=True,
                              text=True, check=True).stdout.strip()
        try:
            board = bench.Board(fw, keys, d, loop)
            rauc, env, procs = rauc_setup(d, keys, img, loop, board.a)
            swu = swupdate_setup(d, keys, img, loop)
            dd = ["dd", f"if={img}", f"of={loop}", "bs=1M", "conv=fsync", "status=none"]
            cmds = {"fwtool install (read-back on)": board.install(bundle),
                    "dd bs=1M conv=fsync (warm)": dd,
                    "rauc install + sync": rauc,
                    "swupdate -i + sync": swu}
            res = {k: [] for k in cmds}
            for _ in range(a.runs):
                for k, argv in cmds.items():
                    subprocess.run(dd, check=True)
                    res[k].append(bench.run(argv, env=env if k.startswith("rauc") else None))
            base = "fwtool install (read-back on)"
            print(f"\ninstall {a.size} MiB into the same loop device, each after a warm-up dd; "
                  f"ratios are time / fwtool's time in the same round ({a.runs} rounds)")
            for k in cmds:
                r = [res[k][i][0] / res[base][i][0] for i in range(a.runs)]
                bench.row(k, res[k], ratios=r)
            with open(f"/proc/{procs[0].pid}/status") as f:
                hwm = [x.split()[1] for x in f if x.startswith("VmHWM")][0]
            print(f"  (the RAUC service itself, which does the install: peak RSS "
                  f"{int(hwm) / 1024:.1f} MiB; the row above is its client)")
        finally:
            for p in procs:
                p.terminate()
                p.wait()
            subprocess.run(["losetup", "-d", loop])
    print(f"\nload average at end {' '.join(bench.loadavg())}")


if __name__ == "__main__":
    main()
