"""End to end: rotate a real PostgreSQL user's password with ``jupyter-secrets rotate
--plan``, validated by a notebook run headless, and a running kernel that re-reads
with ``%secret --refresh`` connects with the new one.

PostgreSQL is Debian's, a private cluster on 127.0.0.1 (the ``postgres`` fixture,
tests/support/postgres.py). The store is the encrypted file; the apply step is the
shipped SCRAM recipe, so the new password is never sent to the server in clear text.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from jupyter_secrets.rotation.recipes import scram_sha256_verifier
from tests.kernel.harness import Kernel
from tests.support.cli import run_cli
from tests.support.fakes import fake_alnum
from tests.support.jupyter_env import isolated_env
from tests.support.postgres import Postgres

REF = "prod/warehouse/password"


@pytest.fixture
def app_user(postgres: Postgres) -> Iterator[str]:
    """The ``app`` role with a fresh password (set as a SCRAM verifier, never in clear)."""
    password = fake_alnum(24)
    verifier = scram_sha256_verifier(password)
    postgres.superuser(f"DROP ROLE IF EXISTS app; CREATE ROLE app LOGIN PASSWORD '{verifier}'")
    assert postgres.accepts(password), "the verifier made here does not log in"
    yield password


@pytest.fixture
def cli_env(tmp_path: Path) -> dict[str, str]:
    return isolated_env(
        tmp_path / "home",
        {
            "JUPYTER_SECRETS_PASSPHRASE": fake_alnum(16),  # pragma: allowlist secret
            "JUPYTER_SECRETS_BACKEND": "file",
        },
    )


def cli(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return run_cli(env, *args, stdin=stdin, timeout=300)  # a rotation runs a notebook


def health_notebook(path: Path, dsn: str) -> None:
    check = (
        "import psycopg\n"
        f"with psycopg.connect({dsn!r}, password=pw, connect_timeout=10) as c:\n"
        "    assert c.execute('SELECT 1').fetchone() == (1,)"
    )
    cells = [f"pw = %secret {REF}", check]
    notebook = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "cells": [
            {"cell_type": "code", "id": f"c{i}", "metadata": {}, "execution_count": None,
             "outputs": [], "source": source}
            for i, source in enumerate(cells)
        ],
    }  # fmt: skip
    path.write_text(json.dumps(notebook))


def write_plan(directory: Path, postgres: Postgres, dbname: str = "postgres") -> Path:
    health_notebook(directory / "warehouse-health.ipynb", postgres.dsn(dbname))
    plan = {
        "ref": REF,
        "window": "24h",
        "generate": "db-password",
        "apply": {
            "python": "jupyter_secrets.rotation.recipes:postgres_password",
            "args": {"dsn": postgres.dsn()},
        },
        "validate": {"notebook": "warehouse-health.ipynb", "timeout": 120},
        "approvers": ["platform-team"],
    }
    path = directory / "rotation.json"
    path.write_text(json.dumps(plan))
    return path


def test_rotation_changes_the_password_and_a_refreshed_kernel_connects(
    postgres: Postgres, app_user: str, cli_env: dict[str, str], tmp_path: Path
) -> None:
    old = app_user
    assert cli(cli_env, "set", REF, stdin=old).returncode == 0
    plan = write_plan(tmp_path, postgres)

    kernel = Kernel(tmp_path, cli_env)
    kernel.planted.append(old)
    try:
        connect = f"import psycopg\npsycopg.connect({postgres.dsn()!r}, password=pw, connect_timeout=10).close()"
        kernel.ok(f"pw = %secret {REF}\n{connect}")

        rotated = cli(cli_env, "rotate", "--plan", str(plan), "--approve", "platform-team")
        assert rotated.returncode == 0, kernel.safe(rotated.stderr)
        assert "rotated prod/warehouse/password in backend 'file': version 1 -> 2" in rotated.stdout
        new = cli(cli_env, "get", REF, "--reveal").stdout.rstrip("\n")
        kernel.planted.append(new)
        assert new != old and len(new) == 32
        for text in (rotated.stdout, rotated.stderr):
            assert old not in text and new not in text, "a value was printed"
        assert postgres.accepts(new), "PostgreSQL does not accept the new password"
        assert not postgres.accepts(old), "PostgreSQL still accepts the old password"
        previous = cli(cli_env, "get", f"{REF}@previous", "--reveal").stdout.rstrip("\n")
        assert previous == old, "@previous is not the old password"

        stale = kernel.run(connect)  # the kernel still holds the old value
        assert stale.reply["status"] == "error" and stale.reply["ename"] == "OperationalError"
        kernel.ok(f"pw = %secret {REF} --refresh\n{connect}")
    finally:
        kernel.shutdown()
    audit = (tmp_path / "home").rglob("audit.log")
    events = [json.loads(line) for log in audit for line in log.read_text().splitlines()]
    outcomes = [e["outcome"] for e in events if e["action"] == "rotate"]
    assert outcomes == ["approved", "applied", "staged", "validated", "promoted"]
    assert all(old not in json.dumps(e) and new not in json.dumps(e) for e in events)


def test_a_failing_health_check_puts_the_old_password_back(
    postgres: Postgres, app_user: str, cli_env: dict[str, str], tmp_path: Path
) -> None:
    old = app_user
    assert cli(cli_env, "set", REF, stdin=old).returncode == 0
    plan = write_plan(tmp_path, postgres, dbname="no_such_database")  # the check cannot pass
    rotated = cli(cli_env, "rotate", "--plan", str(plan), "--approve", "platform-team")
    assert rotated.returncode == 7, rotated.stderr[-500:].replace(old, "<old>")
    last = rotated.stderr.strip().splitlines()[-1]
    assert last.startswith("jupyter-secrets: error: validate failed: validation notebook")
    assert "failed in cell 2 (OperationalError)" in last
    assert "rolled back" in last and "apply was reverted" in last
    assert old not in rotated.stderr + rotated.stdout
    assert postgres.accepts(old), "the old password no longer logs in"
    current = cli(cli_env, "get", REF, "--reveal").stdout.rstrip("\n")
    assert current == old, "the store's current value changed"
