"""The command backend against the real password-store (Debian's ``pass`` + gpg).

Each test module run makes a throwaway GNUPGHOME with a fresh key without a
passphrase and a password store encrypted to it; values are written with the real
``pass insert`` and read back by the backend through ``pass show``, as a user has it.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from jupyter_secrets.backends.command import CommandBackend, shown_stderr
from jupyter_secrets.errors import (
    BackendUnavailableError,
    ConfigError,
    ScopeDeniedError,
    SecretNotFoundError,
)
from jupyter_secrets.refs import SecretRef
from jupyter_secrets.testing import BackendContract
from tests.support.fakes import fake_secret
from tests.support.process import wait_until
from tests.support.strict import require

UID = "jupyter-secrets test <test@invalid>"


class PasswordStore:
    def __init__(self, home: Path) -> None:
        self.gnupghome = home / "gnupg"
        self.directory = home / "password-store"
        self.env = {
            **os.environ,
            "GNUPGHOME": str(self.gnupghome),
            "PASSWORD_STORE_DIR": str(self.directory),
        }

    def run(self, *argv: str, stdin: str | None = None) -> None:
        subprocess.run(argv, input=stdin, env=self.env, check=True, capture_output=True, text=True)

    def insert(self, path: str, value: str) -> None:
        # A trailing newline, as `pass insert` typed on a terminal writes it.
        self.run("pass", "insert", "--multiline", "--force", path, stdin=value + "\n")

    def options(self, **extra: object) -> dict[str, object]:
        return {
            "preset": "pass",
            "env": {"GNUPGHOME": str(self.gnupghome), "PASSWORD_STORE_DIR": str(self.directory)},
            "list_command": ["find", str(self.directory), "-name", "*.gpg", "-printf", "%P\\n"],
            "list_suffix": ".gpg",
            **extra,
        }


@pytest.fixture(scope="module")
def password_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PasswordStore]:
    require(shutil.which("pass") is not None and shutil.which("gpg") is not None,
            "pass and gpg are not installed (scripts/bootstrap.sh installs them)")  # fmt: skip
    store = PasswordStore(tmp_path_factory.mktemp("pass"))
    store.gnupghome.mkdir(mode=0o700)
    store.run("gpg", "--batch", "--passphrase", "", "--quick-gen-key", UID, "future-default",
              "default", "never")  # fmt: skip
    store.run("pass", "init", "test@invalid")
    yield store
    subprocess.run(["gpgconf", "--kill", "gpg-agent"], env=store.env, check=False)


@pytest.fixture
def store_path(password_store: PasswordStore) -> Iterator[PasswordStore]:
    yield password_store
    for child in password_store.directory.iterdir():  # keep .gpg-id, drop the secrets
        if child.is_dir():
            shutil.rmtree(child)


class TestPassContract(BackendContract):
    """CommandBackend with the "pass" preset over a real password store."""

    writable = False
    supports_delete = False

    @pytest.fixture
    def backend(self, store_path: PasswordStore) -> CommandBackend:
        return CommandBackend(**store_path.options())

    @pytest.fixture
    def seed(self, store_path: PasswordStore) -> object:
        return lambda ref, value: store_path.insert(ref.path, value)

    @pytest.fixture(params=["not-installed", "hangs", "fails"])
    def unavailable_backend(self, request: pytest.FixtureRequest, tmp_path: Path) -> CommandBackend:
        if request.param == "not-installed":
            argv = [str(tmp_path / "no-such-op"), "read", "op://{path}"]
            return CommandBackend(command=argv, list_command=argv[:1])
        if request.param == "hangs":
            argv = ["sleep", "60"]
            return CommandBackend(command=argv, list_command=argv, timeout=0.5)
        script = tmp_path / "not-signed-in"
        script.write_text("#!/bin/sh\necho '[ERROR] you are not currently signed in' >&2\nexit 1\n")
        script.chmod(0o755)
        return CommandBackend(command=[str(script), "{path}"], list_command=[str(script)])


def test_missing_entry_and_folder_are_not_found(store_path: PasswordStore) -> None:
    backend = CommandBackend(**store_path.options())
    store_path.insert("dev/db/password", fake_secret())
    for missing in ("dev/none", "dev/db"):  # `pass show dev/db` would print a tree
        with pytest.raises(SecretNotFoundError, match=f"no entry {missing} .*pass insert"):
            backend.get(SecretRef(missing))


def test_pass_own_words_when_it_fails(store_path: PasswordStore, tmp_path: Path) -> None:
    """Without the preset's check, pass's own exit status and message decide."""
    options = store_path.options()
    del options["preset"]
    backend = CommandBackend(command=["pass", "show", "{path}"], **options)
    (store_path.directory / "dev").mkdir(exist_ok=True)
    # No packet starts with a byte whose high bit is clear: gpg refuses it every time
    # (random bytes made gpg exit 0 in 2 of 300 tries here: a packet it could read).
    (store_path.directory / "dev" / "broken.gpg").write_bytes(b"not an OpenPGP message\n" * 2)
    with pytest.raises(BackendUnavailableError, match="pass exited with 2"):
        backend.get(SecretRef("dev/broken"))


def test_a_ref_reaches_the_program_as_one_argument(tmp_path: Path) -> None:
    """No shell: each placeholder is filled inside its own argument, nothing is split
    or expanded (a real Python child prints the argv it got, as JSON)."""
    probe = [sys.executable, "-c", "import json,sys; print(json.dumps(sys.argv[1:]))"]
    backend = CommandBackend(command=[*probe, "{path}", "x-{scope}-{name}", "$HOME", "`id`"])
    record = backend.get(SecretRef("prod/app.v2/api-key_1"))
    assert record.value == '["prod/app.v2/api-key_1", "x-prod-app.v2/api-key_1", "$HOME", "`id`"]'


def test_versions_only_when_the_command_names_one(tmp_path: Path) -> None:
    probe = [sys.executable, "-c", "import sys; print(sys.argv[1])"]
    plain = CommandBackend(command=[*probe, "{path}"])
    with pytest.raises(SecretNotFoundError, match="reads current versions only"):
        plain.get(SecretRef("dev/x", version="previous"))
    versioned = CommandBackend(command=[*probe, "{path}@{version}"])
    assert versioned.get(SecretRef("dev/x", version="3")).value == "dev/x@3"


def test_a_hanging_program_and_its_children_are_stopped(tmp_path: Path) -> None:
    pid_file = tmp_path / "child.pid"
    script = tmp_path / "hang"
    script.write_text(f"#!/bin/sh\nsleep 300 &\necho $! > {pid_file}\nwait\n")
    script.chmod(0o755)
    backend = CommandBackend(command=[str(script)], timeout=1)
    started = time.monotonic()
    with pytest.raises(BackendUnavailableError, match=r"hang did not answer .* within 1 s"):
        backend.get(SecretRef("dev/x"))
    assert time.monotonic() - started < 30, "the timeout was not applied"
    child = int(
        wait_until(
            lambda: pid_file.read_text().strip() if pid_file.exists() else "",
            30,
            "the program's child wrote its pid",
        )
    )

    def gone() -> bool:
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            return True
        # a zombie waiting for init counts as gone
        state = Path(f"/proc/{child}/stat").read_text().split(")")[-1].split()[0]
        return state == "Z"

    wait_until(gone, 30, "the program's child stopped with it")


def test_stderr_is_shown_without_token_like_runs(tmp_path: Path) -> None:
    value = fake_secret()
    script = tmp_path / "leaky"
    script.write_text(f"#!/bin/sh\necho 'error: bad token {value} for you' >&2\nexit 7\n")
    script.chmod(0o755)
    backend = CommandBackend(command=[str(script), "{path}"])
    with pytest.raises(BackendUnavailableError) as caught:
        backend.get(SecretRef("dev/x"))
    message = str(caught.value)
    assert "leaky exited with 7: error: bad token … for you" in message
    assert value not in message and value[5:25] not in message


@pytest.mark.parametrize(
    ("options", "code", "expected"),
    [
        ({"not_found_codes": [4]}, 4, SecretNotFoundError),
        ({"denied_codes": [3]}, 3, ScopeDeniedError),
        ({}, 3, BackendUnavailableError),
    ],
)
def test_exit_codes_map_to_errors(
    tmp_path: Path, options: dict[str, object], code: int, expected: type[Exception]
) -> None:
    script = tmp_path / "corp-cli"
    script.write_text(f"#!/bin/sh\nexit {code}\n")
    script.chmod(0o755)
    backend = CommandBackend(command=[str(script), "{path}"], **options)
    with pytest.raises(expected, match=f"corp-cli exited with {code}"):
        backend.get(SecretRef("dev/x"))


def test_output_that_is_no_secret(tmp_path: Path) -> None:
    big = [sys.executable, "-c", "import sys; sys.stdout.write('x' * (2 * 1024 * 1024))"]
    with pytest.raises(BackendUnavailableError, match="printed over 1024 KiB"):
        CommandBackend(command=big).get(SecretRef("dev/x"))
    binary = [sys.executable, "-c", "import sys; sys.stdout.buffer.write(b'\\xff\\xfe')"]
    with pytest.raises(BackendUnavailableError, match="not UTF-8"):
        CommandBackend(command=binary).get(SecretRef("dev/x"))


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"command": "op read op://{path}"}, "not a shell string"),
        ({"command": []}, "non-empty list of strings"),
        ({"command": ["op", "read", "{item}"]}, r"unknown placeholder\(s\) \{item\}"),
        ({"preset": "lastpass"}, "preset 'lastpass' is unknown; use one of gopass, op, pass"),
        ({"command": ["op"], "timeout": 0}, "'timeout' must be a positive number"),
        ({"command": ["op"], "denied_codes": "3"}, "list of exit codes"),
    ],
)
def test_bad_options_are_one_line_errors(options: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        CommandBackend(**options)


def test_viable_says_what_is_missing(tmp_path: Path) -> None:
    assert "no command configured" in CommandBackend().viable().reason
    missing = CommandBackend(command=[str(tmp_path / "op"), "read"]).viable()
    assert not missing.ok and "is not on PATH; install it" in missing.reason


def test_presets_pass_the_documented_arguments(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No 1Password or gopass account can exist here: a stand-in program named ``op``
    on PATH prints the arguments it got, which are what 1Password documents."""
    for name in ("op", "gopass"):
        script = tmp_path / name
        script.write_text('#!/bin/sh\nprintf "%s|" "$@"\n')
        script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    op = CommandBackend(preset="op").get(SecretRef("prod/warehouse/password"))
    assert op.value == "read|--no-newline|op://prod/warehouse/password|"
    gopass = CommandBackend(preset="gopass").get(SecretRef("dev/api/key"))
    assert gopass.value == "show|--password|dev/api/key|"


def test_shown_stderr_keeps_one_short_line() -> None:
    noise = "\n\n  first line  \nsecond " + "y" * 3
    assert shown_stderr(noise.encode()) == "first line"
    assert len(shown_stderr(("w " * 200).encode())) == 160
    token = secrets.token_hex(12)
    assert token not in shown_stderr(f"bad {token}".encode())
