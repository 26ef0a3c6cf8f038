# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-2.0-only
"""The options every fwtool.fleet module takes: which fwtool, which system.conf."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):
    DOCUMENTATION = r'''
options:
  conf:
    description: The system.conf fwtool uses (C(--conf)); its default otherwise.
    type: path
  fwtool:
    description: The fwtool binary.
    type: str
    default: fwtool
'''
