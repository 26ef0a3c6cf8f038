# SPDX-License-Identifier: GPL-2.0-only
"""What a distribution takes: make install into a staging root with the
GNU/FHS variables, and the Debian package make check builds (make
deb-root: the one the e2e host board boots) checked with lintian and for
what it must and must not hold."""
import glob
import os
import shutil
import subprocess

import pytest
from conftest import ROOT

BUILD = os.environ.get("FWTOOL_BUILD", os.path.join(ROOT, "build", "test"))


def run(*args, **kw):
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, **kw)


@pytest.fixture(scope="module")
def deb():
    debs = glob.glob(os.path.join(BUILD, "deb", "fwtool_*.deb"))
    if not debs:
        pytest.skip(f"no package in {BUILD}/deb (make deb-root; needs debhelper)")
    return debs[0]


def test_make_install_honours_the_directories(tmp_path):
    o = tmp_path / "build"
    r = run("make", "-s", "-C", ROOT, f"O={o}", "install", f"DESTDIR={tmp_path}/root",
            "PREFIX=/opt/fw", "SYSCONFDIR=/opt/etc", "SYSTEMDUNITDIR=/opt/units", "-j2")
    assert r.returncode == 0, r.stderr[-2000:]
    root = tmp_path / "root"
    for f in ("opt/fw/sbin/fwtool", "opt/fw/share/man/man8/fwtool.8",
              "opt/fw/share/man/man5/fwtool-system.conf.5",
              "opt/fw/share/bash-completion/completions/fwtool",
              "opt/fw/share/doc/fwtool/examples/system.conf",
              "opt/units/fwtool-confirm.service", "opt/units/fwtool-report.timer"):
        assert (root / f).exists(), f
    unit = (root / "opt/units/fwtool-confirm.service").read_text()
    assert "ExecStart=/opt/fw/sbin/fwtool confirm" in unit
    assert "ConditionPathExists=/opt/etc/fwtool/system.conf" in unit
    out = run(root / "opt/fw/sbin/fwtool", "--help").stdout
    assert "/opt/etc/fwtool/system.conf" in out
    # the product configuration: no simulated board, no fault injection
    assert "sim-boot" not in out
    with open(root / "opt/fw/sbin/fwtool", "rb") as f:
        assert b"FWTOOL_CUT_AFTER" not in f.read()


def test_package_is_lintian_clean(deb):
    if not shutil.which("lintian"):
        pytest.skip("lintian is not installed")
    changes = deb[:-len(".deb")] + ".changes"
    r = run("lintian", "--fail-on", "error,warning", changes if os.path.exists(changes) else deb)
    tags = [line for line in r.stdout.splitlines() if line[:2] in ("E:", "W:")]
    assert r.returncode == 0 and not tags, r.stdout + r.stderr


def test_package_holds_what_an_operator_needs(deb):
    files = run("dpkg-deb", "-c", deb).stdout
    for f in ("./usr/sbin/fwtool", "./usr/share/man/man8/fwtool.8.gz",
              "./usr/share/man/man5/fwtool-system.conf.5.gz",
              "./usr/share/bash-completion/completions/fwtool",
              "./usr/share/doc/fwtool/examples/system.conf",
              "./lib/systemd/system/fwtool-confirm.service",
              "./lib/systemd/system/fwtool-report.timer"):
        assert f in files, f
    depends = run("dpkg-deb", "-f", deb, "Depends").stdout
    assert "libcurl4" in depends  # dlopen()ed: dpkg-shlibdeps cannot see it
    binary = os.path.join(BUILD, "deb", "root", "usr", "sbin", "fwtool")
    out = run(binary, "--help").stdout
    assert "install" in out and "sim-boot" not in out
    with open(binary, "rb") as f:
        assert b"FWTOOL_CUT_AFTER" not in f.read()
