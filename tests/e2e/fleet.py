# SPDX-License-Identifier: GPL-2.0-only
"""The fleet scenario of tests/e2e: the rolling_update role of
ansible/ansible_collections/fwtool/fleet drives both QEMU boards over SSH
(Debian's dropbear in the busybox initramfs, QEMU user networking with a
host forward on 127.0.0.1 only) through real reboots by GRUB and U-Boot.

Run 1: the x86 host, then the arm64 router it carries, go from 1.0.0 to
1.1.0 and are confirmed, the router only once its host is. Run 2 wants
1.2.0 on the router, whose required check fails: the router boots it,
fails, falls back by itself, and the play stops with the router
rolled back; the host is unchanged.

Both boards are busybox machines without Python: the role reaches them
with raw and fwtool's --json, and reboots them with a raw 'reboot -f'.
"""
import json
import os
import shutil
import socket
import subprocess
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def nic(port):
    """QEMU arguments: a user-mode NIC whose guest port 22 answers on
    127.0.0.1:@port, and no other way out (restrict=on)."""
    return ["-nic", f"user,model=virtio-net-pci,restrict=on,"
                    f"hostfwd=tcp:127.0.0.1:{port}-:22"]


def missing():
    """Why the scenario cannot run here, or None."""
    for tool in ("ansible-playbook", "ssh"):
        if not shutil.which(tool):
            return f"{tool} is not installed (scripts/install-deps)"
    return None


class Target:
    """One board as the controller sees it: an SSH port and a key."""

    def __init__(self, name, port, key):
        self.name, self.port, self.key = name, port, key

    def ssh(self, cmd, timeout=60):
        return subprocess.run(
            ["ssh", "-p", str(self.port), "-i", self.key, "-o", "BatchMode=yes",
             "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
             "-o", "LogLevel=ERROR", "root@127.0.0.1", cmd],
            capture_output=True, text=True, timeout=timeout)

    def status(self):
        p = self.ssh("fwtool status --json")
        assert p.returncode == 0, f"{self.name}: status: {p.stderr}"
        return json.loads(p.stdout)


def inventory(d, host, router, router_version):
    path = os.path.join(d, "inventory.ini")
    common = ("ansible_host=127.0.0.1 ansible_user=root fwtool_python=false "
              "fwtool_reboot=raw fwtool_bundle_src=host fwtool_bin=/usr/sbin/fwtool")
    with open(path, "w") as f:
        f.write("[hypervisors]\n"
                f"host ansible_port={host.port} ansible_ssh_private_key_file={host.key} "
                f"{common} fwtool_version=1.1.0 fwtool_bundle=/data/update-1.1.0.fwb "
                "fwtool_routers='[\"router\"]'\n"
                "[routers]\n"
                f"router ansible_port={router.port} ansible_ssh_private_key_file={router.key} "
                f"{common} fwtool_version={router_version} "
                f"fwtool_bundle=/data/update-{router_version}.fwb\n"
                "[all:vars]\n"
                # a fresh host key at every boot (dropbear -R, in RAM)
                "ansible_ssh_common_args='-o StrictHostKeyChecking=no "
                "-o UserKnownHostsFile=/dev/null'\n"
                "fwtool_reboot_timeout=600\nfwtool_wait_timeout=600\n")
    return path


def play(d, inv, summary):
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, "ansible"),
               ANSIBLE_HOST_KEY_CHECKING="False", ANSIBLE_NOCOLOR="1",
               ANSIBLE_LOCAL_TEMP=os.path.join(d, "tmp"), ANSIBLE_RETRY_FILES_ENABLED="False")
    t0 = time.monotonic()
    p = subprocess.run(["ansible-playbook", "-i", inv, "fwtool.fleet.rollout",
                        "-e", f"fwtool_summary_file={summary}"],
                       cwd=d, env=env, capture_output=True, text=True, timeout=1800)
    with open(os.path.join(d, "play.log"), "a") as f:
        f.write(p.stdout + p.stderr)
    return p.returncode, p.stdout + p.stderr, time.monotonic() - t0


def records(summary, start=0):
    with open(summary) as f:
        return [json.loads(line) for line in f.read().splitlines()[start:]]


def scenario(host_vm, router_vm, host, router, d):
    """@host_vm, @router_vm: the e2e Hosts, powered on, their NICs forwarded
    to @host.port and @router.port."""
    summary = os.path.join(d, "summary.jsonl")
    open(summary, "w").close()
    for vm, t in ((host_vm, host), (router_vm, router)):
        assert vm.boot("A") == 0, f"{t.name}: the factory slot did not confirm"
        vm.vm.drain()
        end = time.monotonic() + 30
        while t.ssh("true").returncode != 0:
            assert time.monotonic() < end, f"{t.name}: no SSH on port {t.port}"
            time.sleep(1)

    # run 1: the host, then its router, to 1.1.0
    rc, out, secs = play(d, inventory(d, host, router, "1.1.0"), summary)
    assert rc == 0, out[-4000:]
    recs = records(summary)
    assert [(r["target"], r["outcome"]) for r in recs] == \
        [("host", "confirmed"), ("router", "confirmed")], recs
    for t in (host, router):
        s = t.status()
        assert s["running"]["version"] == "1.1.0" and s["running"]["confirmed"], s
    h = json.loads(host.ssh(f"fwtool wait --json --id {recs[0]['transaction']}").stdout)
    r = json.loads(router.ssh(f"fwtool wait --json --id {recs[1]['transaction']}").stdout)
    assert h["result"] == r["result"] == "confirmed", (h, r)
    # the router was touched only once its host had confirmed
    assert h["transaction"]["ended"] <= r["transaction"]["started"], (h, r)
    print(f"e2e: fleet run 1: host and router confirmed on 1.1.0 ({secs:.0f} s)", flush=True)

    # run 2: the router's 1.2.0 fails its check; the play stops there
    rc, out, secs = play(d, inventory(d, host, router, "1.2.0"), summary)
    assert rc != 0, out[-4000:]
    recs = records(summary, 2)
    assert [(r["target"], r["outcome"]) for r in recs] == \
        [("host", "unchanged"), ("router", "rolled-back")], recs
    s = router.status()
    assert s["running"]["version"] == "1.1.0" and s["running"]["confirmed"], s
    assert s["transaction"]["state"] == "rolled-back", s["transaction"]
    assert s["transaction"]["reason"] == "health-check-failed", s["transaction"]
    assert "connection refused" in out, out[-4000:]  # the check's own words
    s = host.status()
    assert s["running"]["version"] == "1.1.0" and s["running"]["confirmed"], s
    print(f"e2e: fleet run 2: router rolled back from 1.2.0, play stopped ({secs:.0f} s)",
          flush=True)
