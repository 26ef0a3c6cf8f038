# SPDX-License-Identifier: GPL-2.0-only
"""docs/architecture.md's layers, kept: every #include "..." in fwtool/ goes
to the same layer or one below, with no cycle inside a layer; every module
is in a layer; below the CLI nothing tells the user anything itself."""
import glob
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def layers():
    """module (or cmd_* pattern) -> layer number, from the doc's table"""
    text = open(os.path.join(ROOT, "docs", "architecture.md")).read()
    out = {}
    for m in re.finditer(r"^\| (\d) \S+ \| (.*?) \|", text, re.M):
        for name in re.findall(r"`([a-z0-9_*]+)`", m.group(2)):
            out[name] = int(m.group(1))
    assert out, "no layer table in docs/architecture.md"
    return out


def layer_of(table, module):
    if module in table:
        return table[module]
    if module.startswith("cmd_") and "cmd_*" in table:
        return table["cmd_*"]
    return None


def modules():
    names = {os.path.splitext(os.path.basename(p))[0]
             for p in glob.glob(os.path.join(ROOT, "fwtool", "*.[ch]"))}
    return sorted(names)


def includes(module, exts=(".h", ".c")):
    """the project headers module.h and module.c include"""
    out = set()
    for ext in exts:
        p = os.path.join(ROOT, "fwtool", module + ext)
        if os.path.exists(p):
            out |= set(re.findall(r'^#include "([a-z_]+)\.h"', open(p).read(), re.M))
    out.discard(module)
    return out


def test_every_module_has_a_layer():
    table = layers()
    missing = [m for m in modules() if layer_of(table, m) is None]
    assert not missing, f"not in docs/architecture.md's table: {missing}"


def upward(table, graph):
    """the edges of @graph (module -> included modules) that run up"""
    up = []
    for m, hs in sorted(graph.items()):
        for h in sorted(hs):
            lm, lh = layer_of(table, m), layer_of(table, h)
            if lh is not None and lm is not None and lh > lm:
                up.append(f"{m} (layer {lm}) includes {h}.h (layer {lh})")
    return up


def cycle(graph):
    """one include cycle of @graph as a list, or None"""
    state = {}

    def visit(m, path):
        state[m] = "open"
        for h in sorted(graph.get(m, ())):
            if state.get(h) == "open":
                return path + [m, h]
            if h not in state:
                found = visit(h, path + [m])
                if found:
                    return found
        state[m] = "done"
        return None

    for m in sorted(graph):
        if m not in state:
            found = visit(m, [])
            if found:
                return found
    return None


def test_no_include_runs_up_the_layers():
    up = upward(layers(), {m: includes(m) for m in modules()})
    assert not up, "\n".join(up)


def test_no_include_cycle_between_headers():
    """(a .c may include a private header that includes its own .h:
    install.c, install_job.h, install.h)"""
    c = cycle({m: includes(m, (".h",)) for m in modules()})
    assert not c, "include cycle: " + " -> ".join(c)


def test_below_the_cli_only_warnings_and_traces():
    table = layers()
    talk = []
    for m in modules():
        if layer_of(table, m) == 5 or m == "log":
            continue
        p = os.path.join(ROOT, "fwtool", m + ".c")
        if not os.path.exists(p):
            continue
        for n, line in enumerate(open(p), 1):
            if re.search(r"\blog_(info|err|msg)\s*\(", line):
                talk.append(f"fwtool/{m}.c:{n}: {line.strip()}")
    assert not talk, "\n".join(talk)


def test_the_checks_find_what_they_look_for():
    """not vacuous: an upward edge and a cycle in made-up graphs are found"""
    table = layers()
    assert layer_of(table, "err") == 0 and layer_of(table, "cmd_install") == 5
    assert upward(table, {"config": {"txn"}}) == ["config (layer 1) includes txn.h (layer 3)"]
    assert upward(table, {"txn": {"config"}}) == []
    assert cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert cycle({"a": {"b"}, "b": set()}) is None
