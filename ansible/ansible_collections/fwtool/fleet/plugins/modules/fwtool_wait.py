#!/usr/bin/python
# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-2.0-only

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: fwtool_wait
short_description: Wait for a named fwtool transaction to end, and fail unless it was confirmed
description:
  - Runs C(fwtool wait --json --id ID --timeout SECONDS) on the host. After
    the reboot, the host's own confirm runs the health checks under its
    watchdog and keeps the new slot or rolls back.
  - Fails the task on anything but C(confirmed), with the reason, the
    failing check and the end of its output, so that a rolling play stops
    there. C(degraded) says a wanted (not required) check failed.
version_added: "1.0.0"
author: fwtool developers (!UNKNOWN)
extends_documentation_fragment: fwtool.fleet.fwtool
options:
  id:
    description: The transaction, as M(fwtool.fleet.fwtool_update) returned it.
    type: str
    required: true
  timeout:
    description: Seconds to wait for the end; 0 looks once.
    type: int
    default: 600
'''

EXAMPLES = r'''
- name: Wait for the host's verdict
  fwtool.fleet.fwtool_wait:
    id: "{{ staged.transaction }}"
    timeout: 900
'''

RETURN = r'''
outcome:
  description: >-
    confirmed, rolled-back, failed; or timeout (still pending), not-activated,
    unknown (no such transaction: the install never began), corrupt.
  returned: always
  type: str
kind:
  description: What began the transaction (install, recover, ...).
  returned: when there is one
  type: str
reason:
  description: Why it rolled back or failed (health-check-failed, watchdog-reset, tries-exhausted, ...).
  returned: always
  type: str
failed_check:
  description: The first required check that failed.
  returned: when one did
  type: str
check_output:
  description: The end of that check's output.
  returned: when one failed
  type: str
degraded:
  description: Confirmed, but a wanted check failed (degraded_checks names them).
  returned: always
  type: bool
version:
  description: The transaction's version.
  returned: when there is one
  type: str
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.fwtool.fleet.plugins.module_utils import fwtool as fw


def main():
    spec = dict(fw.COMMON_ARGS)
    spec.update(id=dict(type="str", required=True), timeout=dict(type="int", default=600))
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
    p = module.params
    if module.check_mode:
        module.exit_json(changed=False, outcome="check-mode", skipped=True)
    rc, doc, err = fw.run(module, "wait", "--json", "--id", p["id"],
                          "--timeout", str(p["timeout"]))
    doc = doc or {}
    t = doc.get("transaction") or {}
    name, output = fw.failing_check(t)
    res = dict(changed=False, outcome=doc.get("result", fw.EXIT.get(rc, "failed")),
               kind=t.get("kind"), reason=t.get("reason", ""), version=t.get("version"),
               transaction=p["id"], degraded=bool(doc.get("degraded")),
               degraded_checks=doc.get("degraded_checks", []), rc=rc)
    if name:
        res.update(failed_check=name, check_output=output)
    if rc == 0 and res["outcome"] == "confirmed":
        module.exit_json(**res)
    msg = "transaction %s: %s" % (p["id"], res["outcome"])
    if res["reason"]:
        msg += " (%s)" % res["reason"]
    if name:
        msg += "; check %s: %s" % (name, output.strip().splitlines()[-1] if output.strip() else "")
    elif doc.get("message") or err:
        msg += "; %s" % (doc.get("message") or err)
    module.fail_json(msg=msg, **res)


if __name__ == "__main__":
    main()
