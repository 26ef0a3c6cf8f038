#!/usr/bin/python
# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-2.0-only

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: fwtool_facts
short_description: What fwtool says the host runs, for plays to gate on
description:
  - Runs C(fwtool status --json) and C(fwtool board --json) on the host and
    returns them as facts, so that a later play (the application upgrade
    after the host patching) can go on only where the host runs the wanted
    version, confirmed.
version_added: "1.0.0"
author: fwtool developers (!UNKNOWN)
extends_documentation_fragment: fwtool.fleet.fwtool
'''

EXAMPLES = r'''
- name: Read what the host runs
  fwtool.fleet.fwtool_facts:

- name: Go on only past confirmed hosts
  ansible.builtin.assert:
    that:
      - fwtool_running_version == "1.1.0"
      - fwtool_confirmed
'''

RETURN = r'''
ansible_facts:
  description: The facts.
  returned: always
  type: dict
  contains:
    fwtool_running_version:
      description: The version the booted slot runs; null for what the board came with.
      type: str
    fwtool_confirmed:
      description: The booted slot's content passed its checks (or came with the board) and is not on trial.
      type: bool
    fwtool_pending:
      description: The transaction that has not ended yet (id, state, target, version), or null.
      type: dict
    fwtool_booted:
      description: The booted bootname.
      type: str
    fwtool_security_version:
      description: The anti-rollback floor.
      type: int
    fwtool_compatible:
      description: The board's compatible strings.
      type: list
      elements: str
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.fwtool.fleet.plugins.module_utils import fwtool as fw


def main():
    module = AnsibleModule(argument_spec=dict(fw.COMMON_ARGS), supports_check_mode=True)
    st = fw.status(module)
    version, confirmed = fw.running(st)
    t = st.get("transaction")
    pending = None
    if t and t.get("state") not in ("confirmed", "rolled-back", "failed"):
        pending = {k: t.get(k) for k in ("id", "state", "target", "version", "kind")}
    rc, board, err = fw.run(module, "board", "--json")
    module.exit_json(changed=False, ansible_facts=dict(
        fwtool_running_version=version,
        fwtool_confirmed=confirmed,
        fwtool_pending=pending,
        fwtool_booted=st.get("booted"),
        fwtool_security_version=st.get("security_version"),
        fwtool_compatible=(board or {}).get("compatible", []) if rc == 0 else [],
    ))


if __name__ == "__main__":
    main()
