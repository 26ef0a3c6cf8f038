# SPDX-License-Identifier: GPL-2.0-only
"""Every hostile bundle is refused with one clear line and its exit code."""
import os
import sys

import pytest
from conftest import fw

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "hostile"))
import gen_corpus  # noqa: E402


@pytest.fixture(scope="module")
def corpus(keys, tmp_path_factory):
    return gen_corpus.generate(str(tmp_path_factory.mktemp("hostile")), keys)


def case_names():
    class K:  # names only; the fixture builds the real cases
        def __getattr__(self, _):
            return ("k", "c")
    names = [c[0] for c in gen_corpus.cases(K())]
    return names + [f"truncated-at-{n}" for n in gen_corpus.TRUNCATE_AT]


@pytest.mark.parametrize("name", case_names())
def test_hostile_bundle_refused(corpus, keys, tmp_path, name):
    case = next(c for c in corpus if c[0] == name)
    _, path, code, msg, extra = case
    args = ["verify", "--keyring", keys.keyring, "--compatible", "acme,x1"]
    conf = None
    if "--keyring" in extra:
        args[2] = extra[extra.index("--keyring") + 1]
    if "floor" in extra:
        state = tmp_path / "state"
        state.mkdir()
        (state / "security-version").write_text("5\n")
        conf = tmp_path / "system.conf"
        conf.write_text(f"[system]\nbootloader = sim\nstatedir = {state}\n")
        args += ["--conf", conf]
    r = fw(*args, path)
    assert r.rc == code, r
    if code == 0:
        return
    lines = r.err.strip().splitlines()
    assert len(lines) == 1, r            # one line
    assert lines[0].startswith("fwtool: "), r
    assert msg in lines[0], r
    assert r.out == "", r                # no result printed


def test_hostile_json_error_document(corpus, keys):
    path = next(c[1] for c in corpus if c[0] == "chunk-3-tampered")
    r = fw("verify", "--json", "--keyring", keys.keyring, "--compatible", "acme,x", path)
    assert r.rc == 3
    import json
    doc = json.loads(r.out)
    assert doc["schema"] == "fwtool.error/1"
    assert doc["error"]["exit"] == 3 and "chunk 3" in doc["error"]["message"]


def test_downgrade_allowed_only_when_policy_permits(corpus, keys, tmp_path):
    path = next(c[1] for c in corpus if c[0] == "downgrade")
    state = tmp_path / "s"
    state.mkdir()
    (state / "security-version").write_text("5\n")
    conf = tmp_path / "c.conf"
    base = ["verify", "--keyring", keys.keyring, "--compatible", "acme,x1", "--conf", conf]
    conf.write_text(f"[system]\nbootloader = sim\nstatedir = {state}\n")
    r = fw(*base, "--allow-downgrade", path)
    assert r.rc == 3 and "allow_downgrade=true" in r.err, r
    conf.write_text(f"[system]\nbootloader = sim\nstatedir = {state}\nallow_downgrade = true\n")
    fw(*base, path, expect=3)
    fw(*base, "--allow-downgrade", path, expect=0)
