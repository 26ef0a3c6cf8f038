# SPDX-License-Identifier: GPL-2.0-only
"""Fixtures: the binary under test, a test PKI made with openssl, helpers."""
import os
import shutil
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))
import bundlegen  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FWTOOL = os.environ.get("FWTOOL", os.path.join(
    os.environ.get("FWTOOL_BUILD", os.path.join(ROOT, "build", "test")), "san", "fwtool"))


class Result:
    def __init__(self, p):
        self.rc, self.out, self.err = p.returncode, p.stdout, p.stderr

    def __repr__(self):
        return f"rc={self.rc}\nstdout={self.out[-2000:]}\nstderr={self.err[-2000:]}"


def fw(*args, input=None, env=None, expect=None, timeout=600):
    """Run fwtool; with @expect, assert that it exits with that status."""
    e = dict(os.environ)
    e.pop("FWTOOL_CONF", None)
    if env:
        e.update(env)
    p = subprocess.run([FWTOOL] + [str(a) for a in args], input=input,
                       capture_output=True, env=e, timeout=timeout)
    r = Result(p)
    r.out = r.out.decode(errors="replace") if isinstance(r.out, bytes) else r.out
    r.err = r.err.decode(errors="replace")
    if expect is not None:
        assert r.rc == expect, r
    return r


@pytest.fixture(scope="session")
def keys(tmp_path_factory):
    if not shutil.which("openssl"):
        pytest.skip("openssl is not installed")
    return bundlegen.Keys(str(tmp_path_factory.mktemp("pki")))


@pytest.fixture
def mkbundle(keys, tmp_path):
    """fwtool bundle create with the test signer; returns the path."""
    def make(images, out="b.fwb", version="1.0.0", secver=1, compatible=("acme,*",),
             extra=()):
        args = ["bundle", "create", "-o", tmp_path / out, "--key", keys.signer[0],
                "--cert", keys.signer[1], "--version", version,
                "--security-version", secver]
        for c in compatible:
            args += ["--compatible", c]
        for cls, path in images:
            args += ["--image", f"{cls}={path}"]
        fw(*args, *extra, expect=0)
        return tmp_path / out
    return make


def wait_for(cond, what, timeout=30.0):
    """Poll @cond until it returns something true (and return that); fail
    naming @what after @timeout seconds. For a process under way, instead
    of a sleep that guesses how far it got."""
    import time
    end = time.monotonic() + timeout
    while True:
        v = cond()
        if v:
            return v
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


def rand_file(path, size, zero_tail=0):
    with open(path, "wb") as f:
        f.write(os.urandom(size))
        f.write(bytes(zero_tail))
    return path
