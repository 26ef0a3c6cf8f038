#!/usr/bin/python
# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-2.0-only

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: fwtool_update
short_description: Stage a signed fwtool bundle into the slot that is not running
description:
  - Runs C(fwtool install --skip-if-running --id ID BUNDLE) on the host. fwtool
    verifies the bundle before it writes a byte, writes the other slot and
    activates it for a trial at the next boot; the trial is confirmed (or
    rolled back) by the host itself, and M(fwtool.fleet.fwtool_wait) reads the
    outcome.
  - Idempotent, C(changed=false), when the bundle is what the host runs,
    confirmed, or already the pending trial (then its transaction is returned);
    fwtool decides by the images' hashes.
  - In check mode nothing is written; C(fwtool info) says which version the
    bundle holds, and the result (with --diff, the versions) says what would change.
version_added: "1.0.0"
author: fwtool developers (!UNKNOWN)
extends_documentation_fragment: fwtool.fleet.fwtool
options:
  bundle:
    description:
      - The bundle, a path on the host, or an C(http://) or C(https://) URL
        the host pulls it from (streamed, resumed if the link drops; TLS and
        credentials from the [download] section of its system.conf).
    type: str
    required: true
  id:
    description:
      - The transaction's id (hex digits and dashes). Choose it on the
        controller, so that a play that loses the connection during the
        install still knows which transaction to ask about.
      - One is made up when none is given.
    type: str
  activate:
    description: Make the written slot the next to boot (a trial). False leaves it installed.
    type: bool
    default: true
'''

EXAMPLES = r'''
- name: Stage the update
  fwtool.fleet.fwtool_update:
    bundle: /data/update-1.1.0.fwb
    id: "{{ (inventory_hostname ~ now(utc=true).isoformat()) | to_uuid }}"
  register: staged
'''

RETURN = r'''
transaction:
  description: The transaction's id, the one begun (or the pending one when the bundle was already on trial).
  returned: when a transaction is involved
  type: str
skipped:
  description: Why nothing was done, C(running) or C(pending); null when the bundle was written.
  returned: always
  type: str
version:
  description: The bundle's version.
  returned: always
  type: str
version_before:
  description: What the host ran before.
  returned: always
  type: str
target:
  description: The bootname written.
  returned: when written
  type: str
fwtool_exit:
  description: fwtool's exit status as a word (usage, verification-failed, incompatible, busy, ...).
  returned: on failure
  type: str
'''

import uuid

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.fwtool.fleet.plugins.module_utils import fwtool as fw


def main():
    spec = dict(fw.COMMON_ARGS)
    spec.update(bundle=dict(type="str", required=True), id=dict(type="str"),
                activate=dict(type="bool", default=True))
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
    p = module.params
    tid = p["id"] or str(uuid.uuid4())
    before, confirmed = fw.running(fw.status(module))
    if module.check_mode:
        rc, info, err = fw.run(module, "info", "--json", p["bundle"])
        if rc != 0 or not info:
            module.fail_json(msg="fwtool info %s: %s" % (p["bundle"], err), rc=rc,
                             fwtool_exit=fw.EXIT.get(rc, "failed"))
        version = info["manifest"]["version"]
        changed = not (confirmed and version == before)
        module.exit_json(changed=changed, skipped=None if changed else "running",
                         version=version, version_before=before,
                         diff=dict(before="version: %s\n" % before,
                                   after="version: %s\n" % version))
    args = ["install", "--json", "--no-progress", "--skip-if-running", "--id", tid]
    if not p["activate"]:
        args.append("--no-activate")
    rc, doc, err = fw.run(module, *args + [p["bundle"]])
    if rc != 0:
        module.fail_json(msg="fwtool install: %s" % err, rc=rc, transaction=tid,
                         fwtool_exit=fw.EXIT.get(rc, "failed"), version_before=before)
    t = doc.get("transaction") or {}
    version = doc.get("version") or t.get("version")
    module.exit_json(changed=doc.get("skipped") is None, skipped=doc.get("skipped"),
                     transaction=t.get("id"), version=version, version_before=before,
                     target=t.get("target"),
                     diff=dict(before="version: %s\n" % before,
                               after="version: %s\n" % version))


if __name__ == "__main__":
    main()
