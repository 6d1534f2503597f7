"""``jupyter-secrets rotate`` as users run it: bad input is one line and an exit code
from the README's table, and nothing is half-written."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.cli import run_cli
from tests.support.fakes import fake_secret
from tests.support.jupyter_env import isolated_env

REF = "dev/api/token"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return isolated_env(
        tmp_path / "home",
        {
            "JUPYTER_SECRETS_PASSPHRASE": fake_secret("", 12),
            "JUPYTER_SECRETS_BACKEND": "file",
        },  # pragma: allowlist secret
    )


cli = run_cli


@pytest.fixture
def stored(env: dict[str, str]) -> str:
    value = fake_secret()
    assert cli(env, "set", REF, stdin=value).returncode == 0
    return value


def current(env: dict[str, str]) -> str:
    return cli(env, "get", REF, "--reveal").stdout.rstrip("\n")


def one_error_line(result: subprocess.CompletedProcess[str], code: int) -> str:
    assert result.returncode == code, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("jupyter-secrets: error: "), lines
    return lines[0]


def test_rotate_with_a_typed_value_and_a_validation(env: dict[str, str], stored: str) -> None:
    new = fake_secret()
    check = f"{sys.executable} -c \"import os,sys; sys.exit(os.environ['JUPYTER_SECRETS_NEW_VALUE'] == '' )\""
    result = cli(env, "rotate", REF, "--validate", check, stdin=new)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"rotated {REF} in backend 'file': version 1 -> 2\n"
    assert current(env) == new
    assert stored not in result.stdout + result.stderr and new not in result.stdout + result.stderr


def test_dry_run_prints_the_plan_and_changes_nothing(env: dict[str, str], stored: str) -> None:
    result = cli(env, "rotate", REF, "--generate", "--validate", "true", "--dry-run")
    assert result.returncode == 0
    assert result.stdout.splitlines()[0] == f"rotate {REF} in backend 'file'"
    assert "  4. validate the new version: command true" in result.stdout
    assert current(env) == stored


@pytest.mark.parametrize(
    ("plan", "message"),
    [
        ("ref: [unclosed", "is not valid YAML at line 1"),
        ("ref: dev/api/token\nvalidate: {command: 'psql -c select'}", "not a shell string"),
        ("ref: dev/api/token\nschedule: weekly", "unknown key(s) schedule"),
        ("generate: db-password", "no 'ref'"),
        ("ref: dev/api/token\ngenerate: db-password\nwindow: soon", "'window' must look like 30m"),
        ("ref: dev/api/token\ngenerate: {length: 8}", "length must be a number from 16"),
        ("ref: dev/api/token\napply: {notebook: x.ipynb}", "a notebook can validate, not apply"),
        ("ref: dev/api/token\nvalidate: {command: [x], python: 'a:b'}", "give exactly one of"),
        ("rotations: []", "must be a mapping with 'ref'"),
        ("ref: dev/api/token@previous", "rotate the whole secret 'dev/api/token'"),
        ("ref: dev/../prod/db", "invalid secret ref"),
        ('ref: "dev/db\\0x"', "invalid secret ref"),
        ("ref: 'dev/db;rm -rf ~'", "invalid secret ref"),
        ("ref: dev/api/token\nbackend: nowhere\ngenerate: true", "unknown backend 'nowhere'"),
    ],
)
def test_bad_plans_are_one_line_and_change_nothing(
    env: dict[str, str], stored: str, tmp_path: Path, plan: str, message: str
) -> None:
    path = tmp_path / "rotation.yaml"
    path.write_text(plan)
    line = one_error_line(cli(env, "rotate", "--plan", str(path)), 2)
    assert message in line
    assert current(env) == stored


@pytest.mark.parametrize(
    "ref", ["dev/../prod/db", "dev/db\x01x", "dev/db$(id)", "dev/db`id`", "dev/db|cat"]
)
def test_refs_that_are_no_refs(env: dict[str, str], ref: str) -> None:
    line = one_error_line(cli(env, "rotate", ref, "--generate"), 2)
    assert "invalid secret ref" in line


def test_a_missing_secret_and_a_missing_plan(env: dict[str, str], tmp_path: Path) -> None:
    line = one_error_line(cli(env, "rotate", "dev/none/here", "--generate"), 4)
    assert "cannot read the current value of 'dev/none/here' to rotate it" in line
    line = one_error_line(cli(env, "rotate", "--plan", str(tmp_path / "nope.yaml")), 2)
    assert "does not exist; fix the path" in line


def test_a_read_only_store_says_where_to_rotate(env: dict[str, str]) -> None:
    ro = {**env, "JUPYTER_SECRETS_BACKEND": "env", "SECRET_DEV_API_TOKEN": fake_secret()}
    line = one_error_line(cli(ro, "rotate", REF, "--generate"), 6)
    assert "read-only: rotate it in the store behind it (environment variables" in line


def test_a_hanging_apply_is_stopped_and_nothing_changes(env: dict[str, str], stored: str) -> None:
    hang = f'{sys.executable} -c "import time; time.sleep(300)"'
    result = cli(env, "rotate", REF, "--generate", "--apply", hang, "--timeout", "1")
    line = result.stderr.strip().splitlines()[-1]
    assert result.returncode == 7
    assert "apply failed: command " in line and "did not finish within 1 s" in line
    assert "nothing was stored" in line
    assert current(env) == stored


def test_the_plan_picks_a_rotation_by_ref(env: dict[str, str], stored: str, tmp_path: Path) -> None:
    plan = {
        "rotations": [{"ref": REF, "generate": "api-token"}, {"ref": "dev/other", "generate": True}]
    }
    path = tmp_path / "rotation.json"
    path.write_text(json.dumps(plan))
    result = cli(env, "rotate", REF, "--plan", str(path))
    assert result.returncode == 0, result.stderr
    assert len(current(env)) == 43 and current(env) != stored
    missing = one_error_line(cli(env, "rotate", "dev/third", "--plan", str(path)), 2)
    assert "has no rotation for dev/third; it has dev/api/token, dev/other" in missing
