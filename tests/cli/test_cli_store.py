"""The CLI as users run it: a subprocess, an isolated HOME, the encrypted file store."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.cli import run_cli
from tests.support.fakes import fake_secret
from tests.support.jupyter_env import JupyterDirs, isolated_env


@pytest.fixture
def cli_env(tmp_path: Path) -> dict[str, str]:
    return isolated_env(
        tmp_path,
        {
            "JUPYTER_SECRETS_PASSPHRASE": fake_secret("", 12),  # pragma: allowlist secret
            "JUPYTER_SECRETS_BACKEND": "file",
        },
    )


def store_path(tmp_path: Path) -> Path:
    """Where the CLI under ``cli_env`` keeps its file store (the default path)."""
    return JupyterDirs(tmp_path).data / "jupyter_secrets" / "secrets.enc"


def run(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return run_cli(env, *args, stdin=stdin, timeout=60)


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
    assert b"dev/db/password" not in store_path(tmp_path).read_bytes()

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


# -- a store that cannot be read: every command says so, with exit code 5 ----------

STORE_STATES = {
    # state: (what every command's error says, how doctor's row starts)
    "locked": (
        "is locked; set JUPYTER_SECRETS_PASSPHRASE or run in a terminal to be prompted",
        "locked: set $JUPYTER_SECRETS_PASSPHRASE to unlock",
    ),
    "wrong-passphrase": (
        "the passphrase does not match the one the file was created with",
        "wrong passphrase: $JUPYTER_SECRETS_PASSPHRASE does not decrypt",
    ),
    "corrupt": ("is corrupted (not JSON); it was left untouched", "corrupt: the encrypted"),
    "not-a-file": ("exists but is not a file; move it away", "the encrypted secret file"),
}
COMMANDS = [
    ("list",),
    ("list", "--json"),
    ("list", "dev"),
    ("get", "dev/db/password"),
    ("get", "dev/db/password", "--reveal"),
    ("set", "dev/db/other"),
    ("delete", "dev/db/password"),
]


def without_session_bus(env: dict[str, str]) -> dict[str, str]:
    """No OS keyring reachable (as on a headless machine): the file store is all there is."""
    return {
        k: v
        for k, v in env.items()
        if k not in ("DBUS_SESSION_BUS_ADDRESS", "PYTHON_KEYRING_BACKEND")
    }


@pytest.fixture
def stored(cli_env: dict[str, str]) -> tuple[dict[str, str], str]:
    """A file store holding one fake secret; returns the environment and the value."""
    env = without_session_bus(cli_env)
    value = secrets.token_urlsafe(18)
    assert run(env, "set", "dev/db/password", stdin=value + "\n").returncode == 0
    return env, value


def break_store(env: dict[str, str], tmp_path: Path, state: str) -> dict[str, str]:
    store = store_path(tmp_path)
    broken = dict(env)
    if state == "locked":
        del broken["JUPYTER_SECRETS_PASSPHRASE"]  # and no terminal: stdin is a pipe
    elif state == "wrong-passphrase":
        broken["JUPYTER_SECRETS_PASSPHRASE"] = "not-the-passphrase"
    elif state == "corrupt":
        store.write_bytes(b"garbage")
    else:
        store.unlink()
        store.mkdir()
    return broken


def assert_one_line_error(result: subprocess.CompletedProcess[str], value: str) -> str:
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("jupyter-secrets: error: ")
    assert result.stderr.count("\n") == 1, result.stderr
    assert value not in result.stdout + result.stderr, "a secret value was printed"
    return result.stderr


@pytest.mark.parametrize("state", STORE_STATES)
@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_an_unreadable_store_is_exit_5_in_one_line(
    stored: tuple[dict[str, str], str], tmp_path: Path, state: str, args: tuple[str, ...]
) -> None:
    env, value = stored
    result = run(break_store(env, tmp_path, state), *args, stdin="fake-new-value\n")
    assert result.returncode == 5, result.stderr
    message = assert_one_line_error(result, value)
    assert STORE_STATES[state][0] in message
    if args[0] == "list":
        assert "cannot list backend 'file': " in message
        assert "incomplete" not in message and "no secrets found" not in message
    if args == ("list", "--json"):
        report = json.loads(result.stdout)
        assert report["secrets"] == []
        assert [e["backend"] for e in report["errors"]] == ["file"]
        assert STORE_STATES[state][0] in report["errors"][0]["message"]
    else:
        assert result.stdout == ""


@pytest.mark.parametrize("state", STORE_STATES)
def test_doctor_reports_an_unreadable_store(
    stored: tuple[dict[str, str], str], tmp_path: Path, state: str
) -> None:
    env, value = stored
    env = break_store(env, tmp_path, state)
    result = run(env, "doctor")
    assert result.returncode == 1, "the backend every ref goes to does not work"
    assert "Traceback" not in result.stdout + result.stderr
    assert value not in result.stdout + result.stderr
    row = next(line for line in result.stdout.splitlines() if line.startswith("no  file "))
    assert row[len("no  file       ") :].startswith(STORE_STATES[state][1]), row
    assert result.stderr.count("\n") == 1 and "does not work here" in result.stderr
    report = run(env, "doctor", "--json")
    assert report.returncode == 1
    rows = {r["name"]: r for r in json.loads(report.stdout)["backends"]}
    assert rows["file"]["viable"] is False and rows["file"]["forced"] is True
    assert rows["file"]["locked"] is (state == "locked")


def test_doctor_verifies_a_working_store(stored: tuple[dict[str, str], str]) -> None:
    env, value = stored
    result = run(env, "doctor")
    assert result.returncode == 0 and result.stderr == ""
    row = next(line for line in result.stdout.splitlines() if line.startswith("ok  file "))
    assert "decrypted with the passphrase from $JUPYTER_SECRETS_PASSPHRASE (1 secret)" in row
    assert value not in result.stdout


def test_a_partial_list_says_it_is_incomplete(
    stored: tuple[dict[str, str], str], tmp_path: Path
) -> None:
    env, value = stored
    env = break_store(env, tmp_path, "locked")
    env["SECRET_DEV_API_TOKEN"] = fake_secret(nbytes=12)  # pragma: allowlist secret
    result = run(env, "list")
    assert result.returncode == 5, "a partial list must not look complete"
    assert result.stdout.split()[:2] == ["dev/api_token", "env"]
    message = assert_one_line_error(result, value)
    assert message.startswith("jupyter-secrets: error: cannot list backend 'file', so the list")
    assert "is locked; set JUPYTER_SECRETS_PASSPHRASE" in message
    assert env["SECRET_DEV_API_TOKEN"] not in result.stdout + result.stderr
    report = run(env, "list", "--json")
    assert report.returncode == 5
    data = json.loads(report.stdout)
    assert [(r["ref"], r["backend"]) for r in data["secrets"]] == [("dev/api_token", "env")]
    assert [e["backend"] for e in data["errors"]] == ["file"]


def test_a_keyring_that_is_not_viable_is_no_list_error(cli_env: dict[str, str]) -> None:
    """No D-Bus session: the OS keyring holds nothing reachable; list does not fail on
    it (nothing routes to it), and doctor says why it is not used."""
    env = without_session_bus(cli_env)
    del env["JUPYTER_SECRETS_BACKEND"]  # the automatic default: the file store
    listing = run(env, "list")
    assert listing.returncode == 0, listing.stderr
    assert listing.stderr.startswith("no secrets found")
    assert json.loads(run(env, "list", "--json").stdout) == {"secrets": [], "errors": []}
    doctor = run(env, "doctor")
    assert doctor.returncode == 0, doctor.stderr
    row = next(line for line in doctor.stdout.splitlines() if line.startswith("no  keyring "))
    assert "the OS keyring is not used" in row
    routed = dict(env, JUPYTER_SECRETS_BACKEND="keyring")  # now refs go to it: an error
    result = run(routed, "list")
    assert result.returncode == 5
    assert result.stderr.startswith("jupyter-secrets: error: cannot list backend 'keyring': ")
    assert result.stderr.count("\n") == 1
