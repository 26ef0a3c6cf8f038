# SPDX-License-Identifier: GPL-2.0-only
"""The command line as documented: every option a verb accepts is in its
--help and in fwtool(8), and nothing else is (tried against the binary,
not read from the source); every system.conf key is in
fwtool-system.conf(5) and the reverse; the conventions an operator
expects (-v, -q, -c, --conf=FILE, one line per verb, actions, errors)."""
import os
import re
import shutil
import subprocess

import pytest
from conftest import ROOT, fw

MAN8 = os.path.join(ROOT, "docs", "fwtool.8")
MAN5 = os.path.join(ROOT, "docs", "fwtool-system.conf.5")
COMMON = {"--json", "--conf", "-c", "--verbose", "-v", "--quiet", "-q", "--help", "-h"}
# verbs with an action word, as the user types them
ACTIONS = {"bundle": "bundle create", "usb": "usb list"}
# the simulated board's bootloader: in test builds only, so not in the man page
TEST_ONLY = {"sim-boot"}


def verbs():
    """the verbs fwtool --help lists, one line each with what it does"""
    r = fw("--help", expect=0)
    block = r.out.split("verbs:\n")[1].split("\n\n")[0]
    out = []
    for line in block.splitlines():
        name, what = line.split(None, 1)
        assert len(what) > 10, f"{name}: no word on what it does"
        out.append(ACTIONS.get(name, name))
    return out


def source_options():
    """every long option in the source's tables, and whether it takes a
    value: the candidates tried against each verb"""
    opts = {}
    for name in os.listdir(os.path.join(ROOT, "fwtool")):
        if not name.endswith((".c", ".h")):
            continue
        with open(os.path.join(ROOT, "fwtool", name)) as f:
            text = f.read()
        for m in re.finditer(r'\{\s*"([a-z][a-z0-9-]*)",\s*(no|required)_argument,\s*NULL,'
                             r"\s*(?:'([a-zA-Z])'|\w+)", text):
            opts["--" + m.group(1)] = m.group(2) == "required"
            if m.group(3):
                opts["-" + m.group(3)] = m.group(2) == "required"
    return opts


def option_tokens(text):
    return set(re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]*|-[a-zA-Z])(?![\w-])", text))


def help_options(verb):
    r = fw(*verb.split(), "--help", expect=0)
    assert r.out.startswith("usage: fwtool " + verb), r.out
    return option_tokens(r.out)


def accepted(verb, opt, takes_value):
    if opt.startswith("--"):
        args = [f"{opt}=1"] if takes_value else [opt]
    else:
        args = [opt, "1"] if takes_value else [opt]
    r = fw(*verb.split(), *args, "--help")
    assert "unknown option" in r.err or r.rc in (0, 2), r
    return "unknown option" not in r.err


def roff_plain(line):
    line = re.sub(r"^\.(?:B|I|BR|BI|IR|RB|IB|RI) +", "", line)
    line = re.sub(r"\\f[BIRP]", "", line)
    return line.replace("\\-", "-").replace('"', " ")


def man_sections(path, macro):
    """{title: set of option tokens or words on the lines after .TP}"""
    secs, cur, after_tp = {}, None, False
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith(macro + " "):
                cur = roff_plain(line[len(macro) + 1:]).strip()
                secs[cur] = []
            elif line.startswith(".SH"):
                cur = None
                if line.startswith(".SH OPTIONS"):
                    cur = "OPTIONS"
                    secs[cur] = []
            elif line == ".TP":
                after_tp = True
                continue
            elif after_tp and cur:
                secs[cur].append(roff_plain(line))
            after_tp = False
    return secs


def man_verb_options():
    out = {}
    for title, heads in man_sections(MAN8, ".SS").items():
        for verb in title.split(","):
            out[verb.strip()] = option_tokens(" ".join(heads))
    return out


def test_every_verb_has_one_line_and_its_help():
    vs = verbs()
    assert "install" in vs and "bundle create" in vs, vs
    for v in vs:
        help_options(v)


def test_accepted_options_are_documented_both_ways():
    cands = source_options()
    man = man_verb_options()
    for verb in verbs():
        documented = help_options(verb)
        assert COMMON <= documented, f"{verb}: --help lacks {COMMON - documented}"
        # getopt_long takes a unique prefix (--key for --keyring) as GNU tools do
        took = {o for o, v in cands.items() if accepted(verb, o, v)
                and (o in documented or not any(d.startswith(o) for d in documented))}
        assert took == documented & set(cands), (
            f"{verb}: accepted but not in --help: {sorted(took - documented)}; "
            f"in --help but refused: {sorted((documented & set(cands)) - took)}")
        if verb in TEST_ONLY:
            continue
        assert verb in man, f"{verb}: no section in fwtool(8)"
        assert man[verb] == documented - COMMON, (
            f"{verb}: fwtool(8) has {sorted(man[verb] - documented)} that --help has not, "
            f"--help has {sorted(documented - COMMON - man[verb])} that fwtool(8) has not")


def test_global_options_match_the_man_page():
    r = fw("--help", expect=0)
    opts = option_tokens(r.out.split("options")[1].split("\n\n")[0])
    man = option_tokens(" ".join(man_sections(MAN8, ".SS")["OPTIONS"]))
    assert opts == man == COMMON | {"--version"}, (opts, man)
    assert set(man_verb_options()) - {"OPTIONS"} >= set(verbs()) - TEST_ONLY


def config_keys():
    """{section: {keys}} from the key tables of fwtool/config.c"""
    with open(os.path.join(ROOT, "fwtool", "config.c")) as f:
        src = f.read()
    tables = {}
    for m in re.finditer(r"static const struct key (\w+)_keys\[\] = \{(.*?)\};", src, re.S):
        tables[m.group(1)] = set(re.findall(r'\{"([a-z_]+)",', m.group(2)))
    names = dict(re.findall(r'\{"([\w-]+)", (\w+)_keys\}', src))
    secs = {f"[{s}]": tables[t] for s, t in names.items()}
    secs["[slot.CLASS.N]"] = tables["slot"]
    secs["[check.NAME]"] = tables["check"]
    return secs


def test_every_config_key_is_in_the_man_page():
    man = {t.replace(" ", ""): {h.split()[0] for h in heads}
           for t, heads in man_sections(MAN5, ".SS").items()}
    keys = config_keys()
    assert set(man) == set(keys), (sorted(man), sorted(keys))
    for sec, ks in keys.items():
        assert man[sec] == ks, f"{sec}: undocumented {ks - man[sec]}, unknown {man[sec] - ks}"
    # every key says its default or that it is required, and numbers their bounds
    with open(MAN5) as f:
        text = f.read()
    for entry in text.split(".TP\n")[1:]:
        body = roff_plain(entry.split(".SS")[0].split(".SH")[0])
        assert re.search(r"Default|Required|Exactly one", body), body[:60]


@pytest.mark.parametrize("page", [MAN8, MAN5])
def test_man_pages_render_without_warnings(page):
    if not shutil.which("man"):
        pytest.skip("man is not installed (man-db)")
    p = subprocess.run(["man", "--warnings", "-E", "UTF-8", "-l", "-Tutf8", "-Z", page],
                       capture_output=True, text=True,
                       env=dict(os.environ, MANWIDTH="80", LC_ALL="C.UTF-8"))
    assert p.returncode == 0 and p.stderr == "", p.stderr


def test_example_config_loads_and_has_every_section(tmp_path):
    example = os.path.join(ROOT, "docs", "system.conf.example")
    fw("--conf", example, "check-config", expect=0)
    with open(example) as f:
        sections = set(re.findall(r"^\[([\w-]+)", f.read(), re.M))
    assert {s.strip("[]").split(".")[0] for s in config_keys()} - {"sim"} <= sections


def test_one_version_everywhere():
    with open(os.path.join(ROOT, "VERSION")) as f:
        version = f.read().strip()
    assert fw("--version", expect=0).out == f"fwtool {version}\n"
    with open(os.path.join(ROOT, "debian", "changelog")) as f:
        assert f.readline().startswith(f"fwtool ({version})")
    for page in (MAN8, MAN5):
        with open(page) as f:
            assert f'"fwtool {version}"' in f.read(), page


def test_conf_forms_and_a_missing_conf(tmp_path):
    missing = tmp_path / "nope.conf"
    for args in (["--conf", missing, "status"], [f"--conf={missing}", "status"],
                 ["-c", missing, "status"], ["status", "-c", missing],
                 ["status", f"--conf={missing}"]):
        r = fw(*args, expect=2)
        assert str(missing) in r.err and r.err.count("\n") == 1, r


def test_actions_are_named():
    r = fw("bundle", expect=2)
    assert "needs an action" in r.err and "bundle create" in r.err, r
    r = fw("bundle", "make", expect=2)
    assert "unknown action 'make'" in r.err, r
    assert fw("bundle", "--help", expect=0).out.startswith("usage: fwtool bundle create")
    if "usb list" in verbs():
        r = fw("usb", expect=2)
        assert "needs an action" in r.err and "usb list" in r.err, r


def test_unknown_options_say_which(tmp_path):
    r = fw("status", "--since", "x", expect=2)
    assert "unknown option '--since'" in r.err, r
    r = fw("install", "--compatible", "acme,x1", "b.fwb", expect=2)
    assert "--ignore-compatible" in r.err and "for verify" in r.err, r
    r = fw("wait", "--timeout", expect=2)
    assert "needs a value" in r.err, r
    r = fw("--bogus", "status", expect=2)
    assert "unknown option '--bogus'" in r.err, r


def test_image_file_with_a_colon(keys, tmp_path):
    img = tmp_path / "a:b.img"
    img.write_bytes(os.urandom(5000))
    out = tmp_path / "c.fwb"
    base = ["bundle", "create", "-o", out, "--key", keys.signer[0], "--cert", keys.signer[1],
            "--version", "1.0.0", "--compatible", "acme,*"]
    fw(*base, "--image", f"rootfs={img}", expect=0)
    fw(*base, "--image", f"rootfs={img}:zstd", expect=0)
    r = fw(*base, "--image", f"rootfs={tmp_path}/r.img:zst", expect=2)
    assert "compression is none, gzip, xz, zstd or zstd-seekable" in r.err, r


def test_info_without_a_keyring_names_the_options(mkbundle, tmp_path):
    (tmp_path / "r.img").write_bytes(os.urandom(4096))
    b = mkbundle([("rootfs", tmp_path / "r.img")])
    conf = tmp_path / "s.conf"
    conf.write_text(f"[system]\nbootloader = grub\nkeyring = {tmp_path}/none.pem\n")
    r = fw("-c", conf, "info", b, expect=2)
    assert "--keyring" in r.err and "--no-verify" in r.err, r
    r = fw("-c", conf, "info", "--no-verify", b, expect=0)
    assert "NOT checked" in r.err
    r = fw("-c", conf, "-q", "info", "--no-verify", b, expect=0)
    assert r.err == "", r  # -q: errors only
    r = fw("-c", conf, "info", "-q", "--no-verify", b, expect=0)
    assert r.err == "", r


def test_verbose_and_log_level(tmp_path):
    conf = tmp_path / "s.conf"
    conf.write_text("[system]\nbootloader = grub\n")
    assert "configuration" not in fw("-c", conf, "board", "--compatible", "x").err
    r = fw("-v", "-c", conf, "board", "--compatible", "x", expect=0)
    assert f"configuration {conf}" in r.err, r
    r = fw("-c", conf, "board", "--verbose", "--compatible", "x", expect=0)
    assert f"configuration {conf}" in r.err, r
    conf.write_text("[system]\nbootloader = grub\nlog_level = debug\n")
    assert f"configuration {conf}" in fw("-c", conf, "board", "--compatible", "x").err
    assert "configuration" not in fw("-q", "-c", conf, "board", "--compatible", "x").err
    conf.write_text("[system]\nbootloader = grub\nlog_level = loud\n")
    r = fw("-c", conf, "board", expect=2)
    assert f"{conf}: [system] log_level: 'loud'" in r.err, r

