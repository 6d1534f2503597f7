"""The CLI as users run it: a subprocess, an isolated HOME, the encrypted file store."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.fixture
def cli_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SECRET_", "JUPYTER_SECRETS_"))}
    env.update(
        HOME=str(tmp_path),
        JUPYTER_DATA_DIR=str(tmp_path / "data"),
        JUPYTER_CONFIG_DIR=str(tmp_path / "config"),
        JUPYTER_SECRETS_PASSPHRASE=secrets.token_urlsafe(12),
        JUPYTER_SECRETS_BACKEND="file",
    )
    return env


def run(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "jupyter_secrets", *args],
        check=False,
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def test_set_get_list_delete(cli_env: dict[str, str], tmp_path: Path) -> None:
    value = secrets.token_urlsafe(18)
    stored = run(cli_env, "set", "dev/db/password", stdin=value + "\n")
    assert stored.returncode == 0
    assert stored.stderr.strip() == "stored dev/db/password in backend 'file' as version 1"
    assert value not in stored.stdout + stored.stderr

    hidden = run(cli_env, "get", "dev/db/password")
    assert hidden.returncode == 0 and hidden.stdout == ""
    assert "add --reveal to print it" in hidden.stderr
    revealed = run(cli_env, "get", "dev/db/password", "--reveal")
    assert revealed.returncode == 0 and revealed.stdout == value + "\n"

    listing = run(cli_env, "list", "--json")
    rows = json.loads(listing.stdout)["secrets"]
    assert [(r["ref"], r["backend"], r["version"]) for r in rows] == [
        ("dev/db/password", "file", "1")
    ]
    assert value not in listing.stdout

    on_disk = b"".join(p.read_bytes() for p in tmp_path.rglob("*") if p.is_file())
    assert value.encode() not in on_disk, "plaintext value on disk"
    assert b"dev/db/password" not in (tmp_path / "data/jupyter_secrets/secrets.enc").read_bytes()

    assert run(cli_env, "delete", "dev/db/password").returncode == 0
    missing = run(cli_env, "get", "dev/db/password")
    assert missing.returncode == 4
    assert missing.stderr.count("\n") == 1
    assert "jupyter-secrets set dev/db/password" in missing.stderr


def test_value_is_never_taken_from_argv(cli_env: dict[str, str]) -> None:
    result = run(cli_env, "set", "dev/db/password", "hunter2-value")
    assert result.returncode == 2
    assert "unrecognized arguments" in result.stderr


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("get", "password"), 2, "it needs a scope and a name separated by '/'"),
        (("get", "qa/x/y"), 3, "scope 'qa' of 'qa/x/y' is not allowed here"),
        (("list", "qa"), 3, "scope 'qa' is not allowed here"),
        (("set", "dev/db#field"), 2, "store the whole secret as 'dev/db'"),
    ],
)
def test_errors_are_one_line_with_exit_codes(
    cli_env: dict[str, str], args: tuple[str, ...], code: int, message: str
) -> None:
    result = run(cli_env, *args, stdin="x\n")
    assert result.returncode == code
    assert message in result.stderr
    assert result.stderr.startswith("jupyter-secrets: error: ") and result.stderr.count("\n") == 1


def test_wrong_passphrase_is_one_line(cli_env: dict[str, str]) -> None:
    assert run(cli_env, "set", "dev/a/b", stdin="value-1\n").returncode == 0
    wrong = dict(cli_env, JUPYTER_SECRETS_PASSPHRASE="not-the-passphrase")
    result = run(wrong, "get", "dev/a/b")
    assert result.returncode == 5
    assert result.stderr.count("\n") == 1 and "passphrase" in result.stderr


def test_doctor_explains_backends(cli_env: dict[str, str]) -> None:
    env = dict(cli_env)
    del env["JUPYTER_SECRETS_BACKEND"]
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    result = run(env, "doctor", "--json")
    assert result.returncode == 0
    rows = {r["name"]: r for r in json.loads(result.stdout)["backends"]}
    assert set(rows) >= {"env", "keyring", "file"}
    assert rows["keyring"]["viable"] is False and rows["keyring"]["reason"]
    assert rows["file"]["viable"] is True and rows["file"]["is_default"] is True
    text = run(env, "doctor")
    assert text.returncode == 0 and "keyring" in text.stdout


def test_jupyter_subcommand_works(cli_env: dict[str, str]) -> None:
    jupyter = Path(sys.executable).with_name("jupyter")
    result = subprocess.run(
        [str(jupyter), "secrets", "list"],
        check=False,
        capture_output=True,
        text=True,
        env=cli_env,
        timeout=60,
    )
    assert result.returncode == 0
    assert "no secrets found" in result.stderr


def test_set_reads_a_masked_prompt_on_a_terminal(cli_env: dict[str, str]) -> None:
    """On a real terminal the value is asked twice and never echoed."""
    import pty
    import select

    value = secrets.token_urlsafe(18)
    pid, fd = pty.fork()
    if pid == 0:  # the child: the CLI on the pty
        os.execve(  # noqa: S606 (a fixed argv; no shell involved)
            sys.executable, [sys.executable, "-m", "jupyter_secrets", "set", "dev/tty/pw"], cli_env
        )
    transcript = b""

    def read_until(marker: bytes) -> None:
        nonlocal transcript
        deadline = 30.0
        while marker not in transcript and deadline > 0:
            ready, _, _ = select.select([fd], [], [], 0.5)
            deadline -= 0.5
            if ready:
                try:
                    transcript += os.read(fd, 1024)
                except OSError:
                    break

    read_until(b"Value for dev/tty/pw: ")
    os.write(fd, value.encode() + b"\n")
    read_until(b"Repeat: ")
    os.write(fd, value.encode() + b"\n")
    read_until(b"stored dev/tty/pw")
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    assert os.waitstatus_to_exitcode(status) == 0
    assert b"stored dev/tty/pw in backend 'file'" in transcript
    assert value.encode() not in transcript, "the value was echoed to the terminal"
    assert run(cli_env, "get", "dev/tty/pw", "--reveal").stdout == value + "\n"
