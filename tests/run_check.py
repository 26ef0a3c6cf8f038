#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Run every test suite fwtool has and end with one line: N passed, N failed.

Suites: cmocka unit programs (build/san/tests/test_*), the USB DFU model
under umockdev (build/san/usbtests/test_dfu), pytest integration
tests driving the sanitized binary (tests/integ), the A/B state machine
against its reference model for a bounded time (tests/model, MODEL_SECONDS,
default 120), the Ansible collection (ansible-lint, and tests/fleet: the
rolling-update role over a real sshd against six sim boards), the fuzz
corpus replayed
through the gcc replay drivers (build/san/fuzz/*), when clang's libFuzzer
build exists each fuzzer for a short bounded time, and the first three
real-reboot scenarios on both QEMU boards plus the host's USB recovery
(tests/e2e; skipped, with the reason, where QEMU is missing).
"""
import argparse
import glob
import os
import re
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Tally:
    def __init__(self):
        self.passed = self.failed = self.skipped = 0
        self.failures = []

    def add(self, name, passed, failed, skipped=0):
        self.passed += passed
        self.failed += failed
        self.skipped += skipped
        if failed:
            self.failures.append(name)


def cmocka_counts(p):
    """A cmocka program's output, passed and failed counts."""
    out = p.stdout + p.stderr
    ok = re.search(r"\[  PASSED  \] (\d+) test", out)
    bad = re.search(r"\[  FAILED  \] (\d+) test", out)
    npass = int(ok.group(1)) if ok else 0
    nfail = int(bad.group(1)) if bad else 0
    if p.returncode and not nfail:
        nfail = 1  # crashed, or a sanitizer stopped it
    return out, npass, nfail


def run_unit(build, t):
    bins = sorted(glob.glob(os.path.join(build, "san", "tests", "test_*")))
    if not bins:
        print("unit: no test programs built", flush=True)
        t.add("unit", 0, 1)
        return
    for b in bins:
        p = subprocess.run([b], cwd=ROOT, capture_output=True, text=True)
        out, npass, nfail = cmocka_counts(p)
        name = os.path.basename(b)
        print(f"unit: {name}: {npass} passed, {nfail} failed", flush=True)
        if nfail:
            sys.stdout.write(out[-4000:])
        t.add(name, npass, nfail)


def run_usb(build, t):
    """libusb against the DFU device model: needs umockdev's preload."""
    import shutil
    b = os.path.join(build, "san", "usbtests", "test_dfu")
    if not os.path.exists(b):
        print("usb: SKIPPED: build/san/usbtests/test_dfu not built "
              "(CONFIG_SLOT_DFU off, or no libumockdev-dev)", flush=True)
        t.add("usb", 0, 0, 1)
        return
    wrapper = shutil.which("umockdev-wrapper")
    if not wrapper:
        print("usb: SKIPPED: umockdev-wrapper missing (apt-get install umockdev)", flush=True)
        t.add("usb", 0, 0, 1)
        return
    env = dict(os.environ)
    # umockdev's preload comes before the ASan runtime: allowed, on purpose
    env["ASAN_OPTIONS"] = "verify_asan_link_order=0:detect_leaks=1"
    p = subprocess.run([wrapper, b], cwd=ROOT, env=env, capture_output=True, text=True)
    out, npass, nfail = cmocka_counts(p)
    print(f"usb: test_dfu: {npass} passed, {nfail} failed", flush=True)
    if nfail:
        sys.stdout.write(out[-4000:])
    t.add("usb:test_dfu", npass, nfail)


def pytest_counts(p, out):
    """A pytest run's (passed, failed, skipped), from its last summary line;
    a run that failed without saying so counts one failure."""
    last = [l for l in out.splitlines() if re.search(r"\d+ (passed|failed|error|skipped)", l)]
    summary = last[-1] if last else ""

    def count(word):
        m = re.search(r"(\d+) " + word, summary)
        return int(m.group(1)) if m else 0
    npass, nfail = count("passed"), count("failed") + count("error")
    if p.returncode not in (0, 5) and not nfail:
        nfail = 1
    return npass, nfail, count("skipped")


def run_integ(build, t, extra):
    env = dict(os.environ)
    env["FWTOOL"] = os.path.join(ROOT, build, "san", "fwtool")
    env["FWTOOL_BUILD"] = os.path.join(ROOT, build)
    env.setdefault("ASAN_OPTIONS", "detect_leaks=1")
    cmd = [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider",
           "tests/integ"] + extra
    # the tests are independent (each its own board, PKI and ports): one
    # worker per core, when pytest-xdist is there (scripts/install-deps)
    import importlib.util
    if extra:
        pass  # a selection (make integ ARGS): one worker, in order
    elif importlib.util.find_spec("xdist"):
        cmd += ["-n", str(min(os.cpu_count() or 1, 4))]
    else:
        print("integ: one worker (python3-pytest-xdist is not installed)", flush=True)
    p = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    out = p.stdout + p.stderr
    print(out if p.returncode else "\n".join(
        l for l in out.splitlines() if l.startswith("SKIPPED")), flush=True)
    npass, nfail, nskip = pytest_counts(p, out)
    print(f"integ: {npass} passed, {nfail} failed, {nskip} skipped", flush=True)
    t.add("integ", npass, nfail, nskip)


def corpus_dirs(build, name):
    base = os.path.join(ROOT, "tests", "fuzz", "corpus", name.replace("fuzz_", ""))
    gen = os.path.join(ROOT, build, "corpus", name.replace("fuzz_", ""))
    return [d for d in (base, gen) if os.path.isdir(d)]


def run_replay(build, t):
    for b in sorted(glob.glob(os.path.join(build, "san", "fuzz", "fuzz_*"))):
        name = os.path.basename(b)
        dirs = corpus_dirs(build, name)
        files = [f for d in dirs for f in sorted(glob.glob(os.path.join(d, "*")))]
        if not files:
            print(f"fuzz-replay: {name}: no corpus", flush=True)
            t.add(name, 0, 1)
            continue
        p = subprocess.run([b] + files, capture_output=True, text=True)
        ok = p.returncode == 0
        print(f"fuzz-replay: {name}: {len(files)} inputs, {'ok' if ok else 'FAILED'}",
              flush=True)
        if not ok:
            sys.stdout.write((p.stdout + p.stderr)[-3000:])
        t.add(name, 1 if ok else 0, 0 if ok else 1)


def run_fuzz(build, t, seconds):
    bins = sorted(glob.glob(os.path.join(build, "fuzz", "fuzz_*")))
    bins = [b for b in bins if os.access(b, os.X_OK) and not b.endswith(".o")]
    if not bins:
        print("fuzz: SKIPPED: no clang libFuzzer build (needs clang and libclang-rt-14-dev)",
              flush=True)
        t.add("fuzz", 0, 0, 1)
        return
    for b in bins:
        name = os.path.basename(b)
        work = os.path.join(build, "fuzz-work", name)
        os.makedirs(work, exist_ok=True)
        artifacts = os.path.join(build, "fuzz-artifacts") + "/"
        os.makedirs(artifacts, exist_ok=True)
        cmd = [b, f"-max_total_time={seconds}", "-rss_limit_mb=1024", "-timeout=10",
               f"-artifact_prefix={artifacts}{name}-", work] + corpus_dirs(build, name)
        p = subprocess.run(cmd, capture_output=True, text=True)
        ok = p.returncode == 0
        runs = re.findall(r"#(\d+)\s+DONE", p.stderr)
        print(f"fuzz: {name}: {seconds}s, {runs[-1] if runs else '?'} runs, "
              f"{'ok' if ok else 'CRASH (see ' + artifacts + ')'}", flush=True)
        if not ok:
            sys.stdout.write(p.stderr[-3000:])
        t.add(name, 1 if ok else 0, 0 if ok else 1)


def run_style(t):
    """clang-format (STYLE 3.8) and shellcheck: one pass/fail each."""
    import shutil
    srcs = sorted(glob.glob(os.path.join(ROOT, "fwtool", "*.[ch]")) +
                  glob.glob(os.path.join(ROOT, "tests", "unit", "*.[ch]")) +
                  glob.glob(os.path.join(ROOT, "tests", "unit", "fakes", "*.c")) +
                  glob.glob(os.path.join(ROOT, "tests", "fuzz", "*.[ch]")) +
                  glob.glob(os.path.join(ROOT, "tests", "usb", "*.[ch]")))
    if shutil.which("clang-format"):
        p = subprocess.run(["clang-format", "--dry-run", "-Werror"] + srcs,
                           capture_output=True, text=True)
        ok = p.returncode == 0
        print(f"style: clang-format on {len(srcs)} files: {'ok' if ok else 'FAILED (make format)'}",
              flush=True)
        if not ok:
            sys.stdout.write(p.stderr[-2000:])
        t.add("clang-format", int(ok), int(not ok))
    else:
        print("style: SKIPPED clang-format: not installed", flush=True)
        t.add("clang-format", 0, 0, 1)
    shells = [os.path.join(ROOT, f) for f in ("scripts/install-deps", ".ci/run")]
    shells += glob.glob(os.path.join(ROOT, "scripts", "*.sh"))
    shells += glob.glob(os.path.join(ROOT, "images", "*.sh"))
    shells += glob.glob(os.path.join(ROOT, "images", "e2e", "*.sh"))
    shells += [os.path.join(ROOT, "init", "fwtool-confirm.init"),
               os.path.join(ROOT, "completion", "fwtool.bash")]
    shells += glob.glob(os.path.join(ROOT, "board", "*", "health.d", "*", "*"))
    if shutil.which("shellcheck"):
        p = subprocess.run(["shellcheck"] + shells, capture_output=True, text=True)
        ok = p.returncode == 0
        print(f"style: shellcheck on {len(shells)} scripts: {'ok' if ok else 'FAILED'}", flush=True)
        if not ok:
            sys.stdout.write(p.stdout[-2000:])
        t.add("shellcheck", int(ok), int(not ok))
    else:
        print("style: SKIPPED shellcheck: not installed", flush=True)
        t.add("shellcheck", 0, 0, 1)


def start_model(build, seconds, binary):
    """The A/B state machine against its reference model: random sequences
    of verbs and power cuts on the sim board, invariants after every step.
    A bounded run (the sanitized binary in make check; make fuzz runs the
    release one longer). Bounded by time, not steps, so it runs beside
    another suite; finish_model() waits for it."""
    argv = [sys.executable, os.path.join(ROOT, "tests", "model", "abmodel.py"),
            "--fwtool", os.path.join(ROOT, build, *binary), "--seconds", str(seconds)]
    if os.environ.get("MODEL_SEED"):
        argv += ["--seed", os.environ["MODEL_SEED"]]
    out = tempfile.TemporaryFile(mode="w+")
    return subprocess.Popen(argv, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                            text=True), out


def finish_model(t, started):
    p, out = started
    rc = p.wait()
    out.seek(0)
    text = out.read()
    sys.stdout.write(text if rc else "\n".join(
        l for l in text.splitlines() if l.startswith("model:")) + "\n")
    sys.stdout.flush()
    t.add("model", 1 if rc == 0 else 0, 0 if rc == 0 else 1)


def run_fleet(build, t):
    """ansible-lint on the collection, then the rolling-update role over a
    real sshd (tests/fleet, on the release binary: the role's timing is the
    point, the sanitizers ran on the same code in integ)."""
    import shutil
    coll = os.path.join(ROOT, "ansible", "ansible_collections", "fwtool", "fleet")
    if shutil.which("ansible-lint"):
        env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, "ansible"))
        p = subprocess.run(["ansible-lint", "--offline", "--nocolor", "--profile", "production"],
                           cwd=coll, env=env, capture_output=True, text=True)
        ok = p.returncode == 0
        print(f"fleet: ansible-lint (production profile): {'ok' if ok else 'FAILED'}", flush=True)
        if not ok:
            sys.stdout.write((p.stdout + p.stderr)[-3000:])
        t.add("ansible-lint", int(ok), int(not ok))
    else:
        print("fleet: SKIPPED ansible-lint: not installed (scripts/install-deps)", flush=True)
        t.add("ansible-lint", 0, 0, 1)
    env = dict(os.environ, FWTOOL_BUILD=os.path.join(ROOT, build))
    p = subprocess.run([sys.executable, "-m", "pytest", "-q", "-rs", "-s", "-p", "no:cacheprovider",
                        "tests/fleet"], cwd=ROOT, env=env, capture_output=True, text=True)
    out = p.stdout + p.stderr
    sys.stdout.write(out if p.returncode else "\n".join(
        l for l in out.splitlines() if "SKIPPED" in l or "fleet:" in l) + "\n")
    npass, nfail, nskip = pytest_counts(p, out)
    print(f"fleet: {npass} passed, {nfail} failed, {nskip} skipped", flush=True)
    t.add("fleet", npass, nfail, nskip)


# scenarios 1-3 of issue 5 on the GRUB and U-Boot boards, the recovery stick
# (issue 6), the good update and the watchdog through the real systemd-boot
# under OVMF (issue 14: about 140 s more; the efi backend's board runs in
# make e2e only); BOARD:NAME runs on that board only
E2E_IN_CHECK = [f"{b}:{n}" for b in ("host", "router") for n in
                ("good-update", "check-fails", "watchdog")] + [
    "uefi:good-update", "uefi:watchdog", "usb-recovery", "fit", "http-pull"]


def run_e2e(build, t):
    argv = [sys.executable, os.path.join(ROOT, "tests", "e2e", "run.py"), "--build", build,
            "--retry", "1"]
    for name in E2E_IN_CHECK:
        argv += ["--only", name]
    p = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True)
    last = ""
    for line in p.stdout:
        sys.stdout.write(line)
        sys.stdout.flush()
        last = line
    p.wait()
    m = re.match(r"(\d+) passed, (\d+) failed, (\d+) skipped", last)
    if not m:
        t.add("e2e", 0, 1)
        return
    npass, nfail, nskip = map(int, m.groups())
    t.add("e2e", npass, nfail + (1 if p.returncode and not nfail else 0), nskip)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--only", choices=["unit", "integ", "model", "fleet", "fuzz", "style", "e2e"])
    ap.add_argument("--model-seconds", type=int,
                    default=int(os.environ.get("MODEL_SECONDS", "120")))
    ap.add_argument("--fuzz-seconds", type=int,
                    default=int(os.environ.get("FUZZ_SECONDS", "8")))
    ap.add_argument("pytest_args", nargs="*")
    a = ap.parse_args()
    t = Tally()
    start = time.monotonic()
    if a.only in (None, "style"):
        run_style(t)
    if a.only in (None, "unit"):
        run_unit(a.build, t)
        run_usb(a.build, t)
    if a.only in (None, "integ"):
        run_integ(a.build, t, a.pytest_args)
    # the model runs for its time beside the fleet (each mostly one core)
    model = start_model(a.build, a.model_seconds, ("san", "fwtool")) \
        if a.only in (None, "model") else None
    if a.only in (None, "fleet"):
        run_fleet(a.build, t)
    if model:
        finish_model(t, model)
    if a.only == "fuzz":  # make fuzz: the long run, on the release build
        finish_model(t, start_model(a.build, a.model_seconds, ("fwtool",)))
    if a.only in (None, "fuzz"):
        gen = os.path.join(ROOT, "tests", "fuzz", "gen-corpus.py")
        if os.path.exists(gen):
            subprocess.run([sys.executable, gen, os.path.join(a.build, "corpus")], check=True)
        run_replay(a.build, t)
        run_fuzz(a.build, t, a.fuzz_seconds)
    if a.only in (None, "e2e"):
        run_e2e(a.build, t)
    if t.failures:
        print("failed: " + ", ".join(t.failures))
    print(f"({time.monotonic() - start:.0f} s)")
    print(f"{t.passed} passed, {t.failed} failed, {t.skipped} skipped")
    return 1 if t.failed else 0


if __name__ == "__main__":
    sys.exit(main())
