# SPDX-License-Identifier: GPL-2.0-only
"""completion/fwtool.bash under bash-completion's own _init_completion:
verbs, a verb's options (read from the binary's --help), actions, slot
names and bootnames from system.conf, bundle files."""
import os
import subprocess

import pytest
from conftest import FWTOOL, ROOT

BASH_COMPLETION = "/usr/share/bash-completion/bash_completion"
COMPLETE = r"""
source "$1"; source "$2"; shift 2
COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
read -ra COMP_WORDS <<< "$COMP_LINE"
[ "${COMP_LINE: -1}" = " " ] && COMP_WORDS+=("")
COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
_fwtool
printf '%s\n' "${COMPREPLY[@]}"
"""


def complete(line):
    if not os.path.exists(BASH_COMPLETION):
        pytest.skip("bash-completion is not installed")
    p = subprocess.run(["bash", "-c", COMPLETE, "complete", BASH_COMPLETION,
                        os.path.join(ROOT, "completion", "fwtool.bash"), line],
                       capture_output=True, text=True, cwd=ROOT)
    assert p.returncode == 0, p.stderr
    return p.stdout.split()


def test_bash_completion(tmp_path):
    assert complete(f"{FWTOOL} ins") == ["install"]
    assert "mark-good" in complete(f"{FWTOOL} mark")
    assert set(complete(f"{FWTOOL} install --no")) == {"--no-activate", "--no-progress"}
    assert complete(f"{FWTOOL} bundle ") == ["create"]
    assert "--chunk-size" in complete(f"{FWTOOL} bundle create --ch")
    conf = tmp_path / "s.conf"
    conf.write_text("[system]\nbootloader = grub\n[slot.rootfs.0]\ndevice = a\ntype = file\n"
                    "bootname = A\n[slot.rootfs.1]\ndevice = b\ntype = file\nbootname = B\n")
    assert set(complete(f"{FWTOOL} -c {conf} mark-bad ")) == {
        "booted", "other", "A", "B", "rootfs.0", "rootfs.1"}
    (tmp_path / "u.fwb").write_bytes(b"")
    assert complete(f"{FWTOOL} install {tmp_path}/u") == [f"{tmp_path}/u.fwb"]
