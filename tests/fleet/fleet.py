# SPDX-License-Identifier: GPL-2.0-only
"""A fleet of simulated boards behind a real OpenSSH server on 127.0.0.1, and
ansible-playbook driving the fwtool.fleet collection over it."""
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "integ"))
from simboard import SimBoard  # noqa: E402

COLLECTIONS = os.path.join(ROOT, "ansible")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


USER = "fwtoolfleet"


def traversable(path):
    """Let the fleet's account reach @path (pytest's and mkdtemp's folders are 0700)."""
    p = path
    while p != "/":
        os.chmod(p, os.stat(p).st_mode | 0o111)
        p = os.path.dirname(p)


def fleet_user():
    """The account the fleet logs in as: /bin/sh, no home. Not root: a
    root login here runs root's shell start-up for every command (0.7 s on
    this kind of machine), and fwtool needs no root on simulated boards."""
    import pwd
    try:
        pwd.getpwnam(USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "--home-dir", "/nonexistent",
                        "--shell", "/bin/sh", USER], check=True)
    # "*": no password, but not locked ("!"), which sshd without PAM refuses
    subprocess.run(["usermod", "-p", "*", USER], check=True)
    return pwd.getpwnam(USER)


class Sshd:
    """OpenSSH's sshd on 127.0.0.1 with its own host key and one authorized key."""

    def __init__(self, d):
        self.d = d
        self.user = fleet_user()
        os.makedirs(d, exist_ok=True)
        os.chmod(d, 0o755)
        traversable(d)
        self.key = os.path.join(d, "id_ed25519")
        hostkey = os.path.join(d, "host_ed25519")
        for k in (self.key, hostkey):
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", k],
                           check=True)
        shutil.copy(self.key + ".pub", os.path.join(d, "authorized_keys"))
        os.chmod(os.path.join(d, "authorized_keys"), 0o644)
        self.port = free_port()
        cfg = os.path.join(d, "sshd_config")
        with open(cfg, "w") as f:
            f.write(f"ListenAddress 127.0.0.1\nHostKey {hostkey}\nPidFile {d}/sshd.pid\n"
                    f"AuthorizedKeysFile {d}/authorized_keys\nUsePAM no\nStrictModes no\n"
                    f"PasswordAuthentication no\nPermitRootLogin no\nAllowUsers {USER}\n"
                    "Subsystem sftp /usr/lib/openssh/sftp-server\nMaxSessions 50\n"
                    "MaxStartups 50:30:100\n")
        os.makedirs("/run/sshd", mode=0o755, exist_ok=True)
        self.p = subprocess.Popen(["/usr/sbin/sshd", "-D", "-e", "-f", cfg, "-p", str(self.port)],
                                  stdout=subprocess.DEVNULL, stderr=open(f"{d}/sshd.log", "w"))
        for _ in range(100):
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                    if s.recv(8).startswith(b"SSH-"):
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("sshd did not start: " + open(f"{d}/sshd.log").read())

    def stop(self):
        self.p.terminate()
        self.p.wait(10)


class Fleet:
    """N sim boards as inventory hosts h1..hN, routers r1.. carried by h1."""

    def __init__(self, d, keys, sshd, fwtool, hosts=6, routers=1):
        self.d, self.keys, self.sshd, self.fwtool = d, keys, sshd, fwtool
        self.boards = {}
        for i in range(1, hosts + 1):
            self.boards[f"h{i}"] = SimBoard(os.path.join(d, f"h{i}"), keys)
        for i in range(1, routers + 1):
            self.boards[f"r{i}"] = SimBoard(os.path.join(d, f"r{i}"), keys)
        self.routers = [f"r{i}" for i in range(1, routers + 1)]
        self.bundle = self.boards["h1"].bundle(os.path.join(d, "bundle"), "1.1.0")
        # the fleet's account owns the boards, and reaches the bundle
        for root, dirs, files in os.walk(d):
            for n in dirs + files:
                os.chown(os.path.join(root, n), sshd.user.pw_uid, sshd.user.pw_gid)
        os.chown(d, sshd.user.pw_uid, sshd.user.pw_gid)
        traversable(d)
        self.summary = os.path.join(d, "summary.jsonl")
        self.bundle_src = "host"  # or "url", with self.bundle a URL
        self.port = {n: sshd.port for n in self.boards}
        self.bin = {n: fwtool for n in self.boards}

    def inventory(self):
        path = os.path.join(self.d, "inventory.ini")
        reboot = os.path.join(HERE, "sim-reboot.sh")

        def host(n):
            b = self.boards[n]
            line = (f"{n} ansible_port={self.port[n]} fwtool_conf={b.conf} "
                    f"fwtool_bin={self.bin[n]} "
                    f"fwtool_reboot_command='{reboot} {self.bin[n]} {b.conf}'")
            if n == "h1" and self.routers:
                line += f" fwtool_routers='{json.dumps(self.routers)}'"
            if n in self.routers:  # as a busybox router: raw and --json
                line += " fwtool_python=false"
            return line + "\n"

        with open(path, "w") as f:
            f.write("[hypervisors]\n")
            f.writelines(host(n) for n in self.boards if n not in self.routers)
            f.write("[routers]\n")
            f.writelines(host(n) for n in self.routers)
            f.write("[fleet:children]\nhypervisors\nrouters\n[fleet:vars]\n")
            for k, v in (("ansible_host", "127.0.0.1"), ("ansible_user", USER),
                         ("ansible_ssh_private_key_file", self.sshd.key),
                         ("ansible_python_interpreter", "/usr/bin/python3"),
                         ("ansible_ssh_common_args",
                          "'-o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=no'"),
                         ("fwtool_reboot", "command"), ("fwtool_bundle_src", self.bundle_src),
                         ("fwtool_python", "true"),
                         ("fwtool_bundle", self.bundle), ("fwtool_version", "1.1.0"),
                         ("fwtool_summary_file", self.summary),
                         ("fwtool_connect_timeout", "3"), ("fwtool_wait_timeout", "60")):
                f.write(f"{k}={v}\n")
        return path

    def play(self, *extra):
        """ansible-playbook fwtool.fleet.rollout; (exit code, output, seconds)."""
        env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_PIPELINING="True",
                   ANSIBLE_HOST_KEY_CHECKING="False", ANSIBLE_NOCOLOR="1",
                   ANSIBLE_LOCAL_TEMP=os.path.join(self.d, "ansible-tmp"),
                   ANSIBLE_REMOTE_TEMP="/tmp/.ansible-" + USER,
                   ANSIBLE_RETRY_FILES_ENABLED="False", ANSIBLE_FORKS="10")
        t0 = time.monotonic()
        p = subprocess.run(["ansible-playbook", "-i", self.inventory(), "fwtool.fleet.rollout",
                            *extra], env=env, capture_output=True, text=True, timeout=900)
        return p.returncode, p.stdout + p.stderr, time.monotonic() - t0

    def status(self, name):
        r = self.boards[name].fw("status", "--json")
        return json.loads(r.out)

    def records(self):
        if not os.path.exists(self.summary):
            return []
        return [json.loads(line) for line in open(self.summary)]

    def touched(self, name):
        """Did anything change on the board: a transaction, a slot B?"""
        b = self.boards[name]
        return os.path.exists(b.p("state", "transaction.json")) or \
            os.path.exists(b.slot_file("B"))

    def recap(self, out):
        """PLAY RECAP: host -> {ok, changed, failed, unreachable, ...}"""
        res = {}
        for m in re.finditer(r"^(\S+)\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+"
                             r"failed=(\d+)", out, re.M):
            res[m.group(1)] = dict(ok=int(m.group(2)), changed=int(m.group(3)),
                                   unreachable=int(m.group(4)), failed=int(m.group(5)))
        return res
