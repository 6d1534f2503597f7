"""What the README and CHANGELOG promise about releases and the CLI stays true."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from jupyter_secrets.backends.keyring import UNLOCK_COMMAND
from jupyter_secrets.cli import main

REPO = Path(__file__).resolve().parents[2]
README = (REPO / "README.md").read_text(encoding="utf-8")
CHANGELOG = (REPO / "CHANGELOG.md").read_text(encoding="utf-8")
VERSION = json.loads((REPO / "package.json").read_text(encoding="utf-8"))["version"]


def test_the_pre_commit_snippet_is_copyable() -> None:
    match = re.search(r"```yaml\nrepos:\n  - repo: (\S+)\n    rev: (\S+)\n    hooks:\n", README)
    assert match, "the README's .pre-commit-config.yaml snippet is gone"
    repo, rev = match.groups()
    assert repo == "https://github.com/jupyter-secrets/jupyter-secrets"
    assert rev == f"v{VERSION}", "rev: must be the tag of package.json's version (vX.Y.Z)"
    hooks = (REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")
    assert "- id: jupyter-secrets-scan\n" in hooks


def test_the_changelog_follows_the_tag_scheme() -> None:
    assert "## [Unreleased]" in CHANGELOG
    assert f"`v{VERSION}`" in CHANGELOG or f"## [{VERSION}] - " in CHANGELOG
    for version in re.findall(r"^## \[(\d[^\]]*)\] - \d{4}-\d{2}-\d{2}$", CHANGELOG, re.M):
        assert re.fullmatch(r"\d+\.\d+\.\d+", version), f"not X.Y.Z: {version}"


def test_the_readme_shows_the_command_doctor_suggests() -> None:
    assert UNLOCK_COMMAND in README


def test_scan_help_says_how_hashes_become_stable(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["scan", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "changes on every run" in text and "$JUPYTER_SECRETS_HASH_KEY" in text
    assert "JUPYTER_SECRETS_HASH_KEY" in README and "changes on every run" in README
