# SPDX-License-Identifier: GPL-2.0-only
"""The fwtool.fleet collection rolls an update over six simulated hosts (and
the router h1 carries) through ansible-playbook and a real OpenSSH server.
The fault matrix: all good; a required check fails on h3 (one at a time, and
in batches of two); h2's new slot hangs until the watchdog and its tries run
out; a power cut during h4's install; h5 unreachable at install; and the play
run again after each stop. Counted every time: hosts reported confirmed that
are not (0), hosts touched after the first failure (0)."""
import json
import os
import pathlib
import shutil
import stat
import sys
import tempfile

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "integ"))
import bundlegen  # noqa: E402
from fleet import Fleet, Sshd, ROOT  # noqa: E402

pytestmark = [
    pytest.mark.skipif(not shutil.which("ansible-playbook"),
                       reason="ansible-core is not installed (scripts/install-deps)"),
    pytest.mark.skipif(not os.path.exists("/usr/sbin/sshd"),
                       reason="openssh-server is not installed (scripts/install-deps)"),
    pytest.mark.skipif(os.geteuid() != 0, reason="needs root: the test sshd and its login user (useradd)"),
]

FWTOOL = os.path.join(os.environ.get("FWTOOL_BUILD", os.path.join(ROOT, "build", "test")), "fwtool")
ORDER = ["h1", "r1", "h2", "h3", "h4", "h5", "h6"]  # the order of the roll


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    return bundlegen.Keys(str(tmp_path_factory.mktemp("pki")))


@pytest.fixture(scope="module")
def sshd(tmp_path_factory):
    s = Sshd(str(tmp_path_factory.mktemp("sshd")))
    yield s
    s.stop()


@pytest.fixture
def fleet(keys, sshd):
    # not under pytest's basetemp: another pytest run of root's resets that
    # to 0700 and locks the fleet's account out of its boards mid-play
    d = tempfile.mkdtemp(prefix="fwtool-fleet-", dir="/tmp")
    yield Fleet(os.path.join(d, "fleet"), keys, sshd, FWTOOL)
    shutil.rmtree(d, ignore_errors=True)


def check_truth(f):
    """Every summary line that says confirmed is: the board runs 1.1.0,
    confirmed. Returns the targets that are confirmed."""
    done = []
    for rec in f.records():
        if rec["outcome"] in ("confirmed", "unchanged"):
            r = f.status(rec["target"])["running"]
            assert r["version"] == "1.1.0" and r["confirmed"], (rec, r)
            done.append(rec["target"])
    return sorted(set(done))


def untouched_after(f, failed):
    """Nothing after the first failure was touched (a transaction, a slot)."""
    later = ORDER[ORDER.index(failed) + 1:]
    touched = [n for n in later if f.touched(n)]
    assert touched == [], f"touched after {failed} failed: {touched}"


def add_failing_check(board):
    d = board.p("health.d", "required")
    path = os.path.join(d, "20-service")
    with open(path, "w") as fh:
        fh.write("#!/bin/sh\necho 'service: connection refused'; exit 1\n")
    os.chmod(path, stat.S_IRWXU)
    st = os.stat(d)  # the fleet's account runs it
    os.chown(path, st.st_uid, st.st_gid)
    return path


def test_roll_all_good_then_again_changes_nothing(fleet, capsys):
    rc, out, secs = fleet.play("--check", "--diff")
    assert rc == 0, out[-3000:]
    assert not any(fleet.touched(n) for n in ORDER), "check mode changed a board"
    assert "version: 1.1.0" in out  # --diff: before and after
    rc, out, secs = fleet.play()
    assert rc == 0, out[-3000:]
    recs = fleet.records()
    assert [r["target"] for r in recs if r["outcome"] != "check-mode"] == ORDER
    assert sorted(check_truth(fleet)) == sorted(ORDER)
    # the router only once its host was confirmed
    h1 = json.loads(fleet.boards["h1"].fw("wait", "--json", "--id",
                                          recs[-7]["transaction"]).out)["transaction"]
    r1 = json.loads(fleet.boards["r1"].fw("wait", "--json", "--id",
                                          recs[-6]["transaction"]).out)["transaction"]
    assert h1["ended"] <= r1["started"]
    with capsys.disabled():
        print(f"\n    fleet: 6 hosts and a router rolled and confirmed in {secs:.1f} s")
    # again: every host up to date, nothing changes
    rc, out, _ = fleet.play()
    assert rc == 0, out[-3000:]
    assert all(v["changed"] == 0 for v in fleet.recap(out).values()), fleet.recap(out)
    assert [r["outcome"] for r in fleet.records()[-7:]] == ["unchanged"] * 7


@pytest.mark.parametrize("serial", ["1", "2"])
def test_roll_stops_at_a_failing_check(fleet, serial):
    check = add_failing_check(fleet.boards["h3"])
    rc, out, _ = fleet.play("-e", f"fwtool_serial={serial}")
    assert rc != 0
    recs = {r["target"]: r for r in fleet.records()}
    assert recs["h3"]["outcome"] == "rolled-back", recs["h3"]
    t = fleet.status("h3")
    assert t["transaction"]["state"] == "rolled-back"
    assert t["transaction"]["reason"] == "health-check-failed"
    assert t["running"]["version"] is None and t["running"]["confirmed"]  # back on A
    done = check_truth(fleet)
    assert {"h1", "r1", "h2"} <= set(done)
    if serial == "1":
        untouched_after(fleet, "h3")
    else:  # h4 shares h3's batch: it ran beside it, later batches did not
        untouched_after(fleet, "h4")
    if serial == "2":
        return
    # fixed, the play again finishes the rest; the hosts done stay unchanged
    os.unlink(check)
    n = len(fleet.records())
    rc, out, _ = fleet.play("-e", f"fwtool_serial={serial}")
    assert rc == 0, out[-3000:]
    again = {r["target"]: r["outcome"] for r in fleet.records()[n:]}
    assert again["h1"] == again["r1"] == again["h2"] == "unchanged"
    assert again["h3"] == "confirmed"
    assert sorted(check_truth(fleet)) == sorted(ORDER)


def test_roll_stops_at_a_busybox_router_that_fails_its_check(fleet):
    """r1 is driven through raw and --json: its rollback stops the roll
    just as a host's does, with the check's own words."""
    add_failing_check(fleet.boards["r1"])
    rc, out, _ = fleet.play()
    assert rc != 0
    recs = {r["target"]: r for r in fleet.records()}
    assert recs["r1"]["outcome"] == "rolled-back", recs["r1"]
    assert recs["r1"]["reason"] == "health-check-failed", recs["r1"]
    assert "20-service" in out and "connection refused" in out, out[-3000:]
    assert check_truth(fleet) == ["h1"]
    untouched_after(fleet, "r1")


def test_roll_stops_when_a_slot_hangs_until_the_watchdog(fleet):
    with open(fleet.boards["h2"].p("hang"), "w") as fh:
        fh.write("B")
    rc, out, _ = fleet.play()
    assert rc != 0
    t = fleet.status("h2")["transaction"]
    assert t["state"] == "rolled-back" and t["reason"] == "watchdog-reset", t
    assert {r["target"]: r for r in fleet.records()}["h2"]["outcome"] == "rolled-back"
    check_truth(fleet)
    untouched_after(fleet, "h2")


def test_power_cut_during_an_install(fleet):
    """h4's fwtool stops at a durable write in the middle of its install, as
    a power cut would leave it; the host comes back on its old slot."""
    wrapper = pathlib.Path(fleet.d) / "fwtool-cut"  # the fleet's account runs it
    wrapper.write_text("#!/bin/sh\nfor a; do [ \"$a\" = install ] && export "
                       f"FWTOOL_CUT_AFTER=12; done\nexec {FWTOOL} \"$@\"\n")
    wrapper.chmod(0o755)
    fleet.bin["h4"] = str(wrapper)
    rc, out, _ = fleet.play()
    assert rc != 0
    assert {r["target"]: r for r in fleet.records()}["h4"]["outcome"] == "failed"
    check_truth(fleet)
    untouched_after(fleet, "h4")
    # the power comes back: the board boots (its old slot) and settles
    import subprocess
    from fleet import USER
    subprocess.run(["runuser", "-u", USER, "--", os.path.join(HERE, "sim-reboot.sh"), FWTOOL,
                    fleet.boards["h4"].conf], check=True)
    r = fleet.status("h4")
    assert r["running"]["version"] is None and r["running"]["confirmed"]
    fleet.bin["h4"] = FWTOOL
    rc, out, _ = fleet.play()
    assert rc == 0, out[-3000:]
    assert sorted(check_truth(fleet)) == sorted(ORDER)


def test_host_unreachable_at_install(fleet):
    from fleet import free_port
    fleet.port["h5"] = free_port()  # nothing listens there
    rc, out, _ = fleet.play()
    assert rc != 0
    assert {"h1", "r1", "h2", "h3", "h4"} <= set(check_truth(fleet))
    untouched_after(fleet, "h5")
    assert not fleet.touched("h5")


def test_roll_pulls_the_bundle_from_a_url(fleet):
    """fwtool_bundle_src=url: each target, the busybox router too, pulls the
    bundle from a server on 127.0.0.1; one link is cut midway, and resumed"""
    from httpserve import Server
    srv = Server()
    try:
        data = open(fleet.bundle, "rb").read()
        srv.put("/update-1.1.0.fwb", data)
        fleet.bundle, fleet.bundle_src = srv.url("/update-1.1.0.fwb"), "url"
        srv.faults["/update-1.1.0.fwb"] = {"drop_at": len(data) // 2}
        rc, out, _ = fleet.play()
        assert rc == 0, out[-3000:]
        assert sorted(check_truth(fleet)) == sorted(ORDER)
        assert "drop_at" not in srv.faults["/update-1.1.0.fwb"]  # the cut happened
        # every target pulled the whole bundle (info first, on Python hosts)
        assert srv.sent("/update-1.1.0.fwb") >= len(ORDER) * len(data)
        installs = [t for n in ORDER for t in fleet.boards[n].history() if t["kind"] == "install"]
        assert len(installs) == len(ORDER)
        assert {t["bundle"] for t in installs} == {fleet.bundle}
        assert sum(t["retries"] for t in installs) == 1, installs
    finally:
        srv.close()
