# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-2.0-only
"""Shared by the fwtool.fleet modules: run fwtool with --json and read its
documents and exit codes (README's table), nothing else."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json

# fwtool's exit codes (README, fwtool(8))
EXIT = {0: "done", 1: "failed", 2: "usage", 3: "verification-failed",
        4: "incompatible", 5: "busy", 6: "rolled-back", 7: "timeout",
        8: "not-activated", 9: "corrupt", 10: "unknown"}

COMMON_ARGS = dict(
    conf=dict(type="path", required=False),
    fwtool=dict(type="str", default="fwtool"),
)


def argv(module, *args):
    cmd = [module.params["fwtool"]]
    if module.params.get("conf"):
        cmd += ["--conf", module.params["conf"]]
    return cmd + list(args)


def run(module, *args):
    """Run fwtool; return (rc, its JSON document or None, stderr)."""
    rc, out, err = module.run_command(argv(module, *args))
    doc = None
    try:
        doc = json.loads(out)
    except ValueError:
        for line in reversed(out.strip().splitlines()):  # JSON lines (--events)
            try:
                doc = json.loads(line)
                break
            except ValueError:
                continue
    return rc, doc, err.strip()


def status(module):
    """fwtool status --json; the module fails on anything but exit 0."""
    rc, doc, err = run(module, "status", "--json")
    if rc != 0 or not doc:
        module.fail_json(msg="fwtool status failed: %s" % (err or rc), rc=rc,
                         fwtool_exit=EXIT.get(rc, "failed"))
    return doc


def running(doc):
    """(version, confirmed) of what the booted slot runs."""
    r = doc.get("running") or {}
    return r.get("version"), bool(r.get("confirmed"))


def failing_check(txn):
    """The first required check that failed: (name, the end of its output)."""
    for c in (txn or {}).get("checks", []):
        if c.get("required") and not c.get("passed"):
            return c.get("name"), c.get("output", "")[-1000:]
    return None, None
