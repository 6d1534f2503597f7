"""The repository's own pre-commit hooks run here, and its own secret scan passes.

``.pre-commit-config.yaml`` runs commands of the development environment; a hook
naming a command that is not there, or a scan that fails on the committed tree,
would fail every contributor's commit, so both are checked in CI too.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
HOOKS = [
    hook
    for repo in yaml.safe_load((REPO / ".pre-commit-config.yaml").read_text())["repos"]
    for hook in repo["hooks"]
]
BIN = Path(sys.executable).parent


def _tracked_files() -> list[str]:
    done = subprocess.run(
        ["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=False, timeout=60
    )
    if done.returncode != 0:
        pytest.fail("not a git checkout: the repository's scan needs its tracked files")
    return [name for name in done.stdout.decode().split("\0") if name]


@pytest.mark.parametrize("hook", HOOKS, ids=lambda h: h["id"])
def test_each_hook_runs_a_command_of_the_environment(hook: dict[str, object]) -> None:
    assert hook["language"] == "system", "a hook that downloads its tools breaks offline"
    command = shlex.split(str(hook["entry"]))[0]
    assert (BIN / command).exists() or shutil.which(command), f"{command} is not installed"


def test_the_repository_passes_its_own_scan() -> None:
    hook = next(h for h in HOOKS if h["id"] == "jupyter-secrets-scan")
    entry = shlex.split(str(hook["entry"]))
    files = [f for f in _tracked_files() if (REPO / f).is_file()]
    done = subprocess.run(
        [str(BIN / entry[0]), *entry[1:], *files],
        cwd=REPO, capture_output=True, text=True, check=False, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, (
        "the repository's scan found secrets that are not in .secrets.baseline (review them, "
        "then update the baseline as .pre-commit-config.yaml says):\n" + done.stdout[-3000:]
    )
