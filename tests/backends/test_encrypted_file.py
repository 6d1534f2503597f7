"""The encrypted file backend: real files, real AES-GCM and scrypt, real processes."""

from __future__ import annotations

import base64
import fcntl
import getpass
import io
import json
import os
import secrets
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from jupyter_secrets.backends import encrypted_file
from jupyter_secrets.backends.base import Viability
from jupyter_secrets.backends.encrypted_file import EncryptedFileBackend
from jupyter_secrets.errors import (
    BackendUnavailableError,
    ConfigError,
    InputError,
    SecretNotFoundError,
)
from jupyter_secrets.refs import SecretRef
from jupyter_secrets.testing import BackendContract
from tests.support.fakes import fake_secret
from tests.support.process import wait_until

REPO = Path(__file__).resolve().parents[2]
REF = SecretRef("dev/db/password")


def test_set_get_versions(file_backend: EncryptedFileBackend) -> None:
    first, second, third = fake_secret(), fake_secret(), fake_secret()
    assert file_backend.set(REF, first) == "1"
    assert file_backend.set(REF, second) == "2"
    assert file_backend.set(REF, third) == "3"
    current = file_backend.get(REF)
    assert current.value == third, "current value differs"
    assert current.version == "3"
    assert current.created is not None
    assert file_backend.get(SecretRef(REF.path, version="previous")).value == second, "@previous"
    assert file_backend.get(SecretRef(REF.path, version="1")).value == first, "@1 differs"
    assert third not in repr(current), "value leaked into repr"


def test_keeps_max_versions(tmp_path: Path, passphrase: str) -> None:
    backend = EncryptedFileBackend(path=str(tmp_path / "s.enc"), max_versions=2)
    for _ in range(4):
        backend.set(REF, fake_secret())
    assert backend.get(REF).version == "4"
    with pytest.raises(SecretNotFoundError, match="versions kept: 3, 4"):
        backend.get(SecretRef(REF.path, version="1"))


def test_missing_secret_and_versions(file_backend: EncryptedFileBackend) -> None:
    with pytest.raises(SecretNotFoundError, match="no encrypted store at"):
        file_backend.get(REF)
    assert file_backend.list() == []
    file_backend.set(REF, fake_secret())
    with pytest.raises(SecretNotFoundError, match="only one version"):
        file_backend.get(SecretRef(REF.path, version="previous"))
    with pytest.raises(SecretNotFoundError, match="jupyter-secrets set dev/other/x --backend file"):
        file_backend.get(SecretRef("dev/other/x"))


def test_list_and_delete(file_backend: EncryptedFileBackend) -> None:
    value = fake_secret()
    file_backend.set(REF, value)
    file_backend.set(REF, value)
    file_backend.set(SecretRef("prod/api/key"), value)
    infos = file_backend.list()
    assert [(i.path, i.version, i.backend) for i in infos] == [
        ("dev/db/password", "2", "file"),
        ("prod/api/key", "1", "file"),
    ]
    assert all(i.updated is not None for i in infos)
    assert [i.path for i in file_backend.list("prod")] == ["prod/api/key"]
    assert value not in repr(infos), "value leaked into list()"
    file_backend.delete(REF)
    assert [i.path for i in file_backend.list()] == ["prod/api/key"]
    with pytest.raises(SecretNotFoundError, match="nothing to delete"):
        file_backend.delete(REF)


def test_nothing_readable_on_disk(file_backend: EncryptedFileBackend) -> None:
    value = fake_secret()
    file_backend.set(SecretRef("dev/very/distinctive_name"), value)
    raw = file_backend.path.read_bytes()
    assert value.encode() not in raw, "value stored in clear"
    assert b"distinctive_name" not in raw, "secret name stored in clear"
    envelope = json.loads(raw)
    assert envelope["format"] == "jupyter-secrets-file"
    assert envelope["version"] == 1
    assert envelope["kdf"]["name"] == "scrypt"
    assert set(envelope) == {"format", "version", "kdf", "nonce", "ciphertext"}
    assert stat.S_IMODE(file_backend.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(file_backend.path.parent.stat().st_mode) == 0o700
    leftovers = [p.name for p in file_backend.path.parent.iterdir()]
    assert sorted(leftovers) == ["secrets.enc", "secrets.enc.lock"], "temp file left behind"


def test_fresh_nonce_same_salt_on_every_write(file_backend: EncryptedFileBackend) -> None:
    envelopes = []
    for _ in range(3):
        file_backend.set(REF, fake_secret())
        envelopes.append(json.loads(file_backend.path.read_bytes()))
    assert len({e["nonce"] for e in envelopes}) == 3
    assert len({e["kdf"]["salt"] for e in envelopes}) == 1


def test_kdf_runs_once_per_process(
    file_backend: EncryptedFileBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = []

    def counting_scrypt(**kwargs: Any) -> Scrypt:
        calls.append(1)  # one Scrypt object per key derivation
        return Scrypt(**kwargs)

    monkeypatch.setattr(encrypted_file, "Scrypt", counting_scrypt)
    for _ in range(3):
        file_backend.set(REF, fake_secret())
    fresh_instance = EncryptedFileBackend(path=str(file_backend.path))
    fresh_instance.get(REF)
    assert len(calls) == 1


def test_wrong_passphrase_is_one_line(
    file_backend: EncryptedFileBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    file_backend.set(REF, fake_secret())
    before = file_backend.path.read_bytes()
    monkeypatch.setenv("JUPYTER_SECRETS_PASSPHRASE", "not-the-passphrase")
    with pytest.raises(BackendUnavailableError) as caught:
        file_backend.get(REF)
    message = str(caught.value)
    assert "passphrase does not match the one the file was created with" in message
    assert "\n" not in message
    with pytest.raises(BackendUnavailableError):
        file_backend.set(REF, fake_secret())
    assert file_backend.path.read_bytes() == before, "a failed write changed the file"


def test_locked_without_passphrase_or_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))  # not a tty
    backend = EncryptedFileBackend(path=str(tmp_path / "s.enc"))
    with pytest.raises(BackendUnavailableError) as caught:
        backend.set(REF, fake_secret())
    assert str(caught.value) == (
        f"the encrypted secret file {tmp_path / 's.enc'} is locked; set "
        "JUPYTER_SECRETS_PASSPHRASE or run in a terminal to be prompted"
    )
    assert not backend.path.exists()
    assert "no terminal to prompt" in backend.viable().reason


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_prompts_in_a_terminal_and_confirms_new_passphrase(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers = iter(["typed-passphrase", "typed-passphrase"])
    prompts: list[str] = []

    def fake_getpass(prompt: str = "") -> str:
        # getpass itself needs a real terminal; this stands in for the user's typing.
        prompts.append(prompt)
        return next(answers)

    monkeypatch.setattr(sys, "stdin", _Terminal(""))
    monkeypatch.setattr(getpass, "getpass", fake_getpass)
    backend = EncryptedFileBackend(path=str(tmp_path / "s.enc"))
    assert "will prompt" in backend.viable().reason
    value = fake_secret()
    backend.set(REF, value)
    assert len(prompts) == 2 and "Choose a passphrase" in prompts[0]
    assert backend.get(REF).value == value, "value differs"
    assert len(prompts) == 2, "the derived key should be reused, not prompted again"
    # The typed passphrase is the one the file is encrypted with.
    monkeypatch.setenv("JUPYTER_SECRETS_PASSPHRASE", "typed-passphrase")
    encrypted_file._KEY_CACHE.clear()
    assert EncryptedFileBackend(path=str(backend.path)).get(REF).value == value


def test_mismatched_new_passphrases_store_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers = iter(["one", "two"])
    monkeypatch.setattr(sys, "stdin", _Terminal(""))
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": next(answers))
    backend = EncryptedFileBackend(path=str(tmp_path / "s.enc"))
    with pytest.raises(InputError, match="two passphrases differ"):
        backend.set(REF, fake_secret())
    assert not backend.path.exists()


@pytest.mark.parametrize(
    "damage",
    [
        lambda raw: raw[: len(raw) // 2],
        lambda raw: b"not json at all",
        lambda raw: raw.replace(b'"jupyter-secrets-file"', b'"something-else"'),
        lambda raw: raw.replace(b'"nonce": "', b'"nonce": "!!'),
    ],
    ids=["truncated", "garbage", "wrong-format", "bad-base64"],
)
def test_corrupted_file_is_one_line_and_left_untouched(
    file_backend: EncryptedFileBackend, damage: object
) -> None:
    file_backend.set(REF, fake_secret())
    damaged = damage(file_backend.path.read_bytes())  # type: ignore[operator]
    file_backend.path.write_bytes(damaged)
    for action in (lambda: file_backend.get(REF), lambda: file_backend.set(REF, fake_secret())):
        with pytest.raises(BackendUnavailableError) as caught:
            action()
        assert "is corrupted" in str(caught.value) and "left untouched" in str(caught.value)
        assert "\n" not in str(caught.value)
    assert file_backend.path.read_bytes() == damaged, "the corrupted file was modified"


def test_header_is_authenticated(file_backend: EncryptedFileBackend) -> None:
    file_backend.set(REF, fake_secret())
    envelope = json.loads(file_backend.path.read_bytes())
    envelope["kdf"]["salt"] = base64.b64encode(b"0" * 16).decode()
    file_backend.path.write_text(json.dumps(envelope))
    with pytest.raises(BackendUnavailableError, match=r"does not match|altered"):
        file_backend.get(REF)


def test_absurd_kdf_parameters_are_refused(file_backend: EncryptedFileBackend) -> None:
    file_backend.set(REF, fake_secret())
    envelope = json.loads(file_backend.path.read_bytes())
    envelope["kdf"]["n"] = 2**30
    file_backend.path.write_text(json.dumps(envelope))
    with pytest.raises(BackendUnavailableError, match="invalid scrypt parameters"):
        file_backend.get(REF)


def test_default_path_is_in_jupyter_data_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, passphrase: str
) -> None:
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path / "data"))
    backend = EncryptedFileBackend()
    assert backend.path == tmp_path / "data" / "jupyter_secrets" / "secrets.enc"
    assert "will be created on first set" in backend.viable().reason
    backend.set(REF, fake_secret())
    assert backend.path.is_file()
    assert "exists" in backend.viable().reason
    assert "passphrase from $JUPYTER_SECRETS_PASSPHRASE" in backend.viable().reason


def test_unwritable_directory(tmp_path: Path, passphrase: str) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    backend = EncryptedFileBackend(path=str(blocker / "sub" / "s.enc"))
    with pytest.raises(BackendUnavailableError, match="cannot write the encrypted secret file"):
        backend.set(REF, fake_secret())


@pytest.mark.parametrize(
    "options", [{"max_versions": 0}, {"max_versions": "3"}, {"passphrase_env": ""}, {"x": 1}]
)
def test_bad_options(options: dict[str, object]) -> None:
    with pytest.raises(ConfigError):
        EncryptedFileBackend(**options)


_WRITER = """
import pathlib, secrets, sys, time
from jupyter_secrets.backends.encrypted_file import EncryptedFileBackend
from jupyter_secrets.refs import SecretRef
path, name, count, go = sys.argv[1], sys.argv[2], int(sys.argv[3]), pathlib.Path(sys.argv[4])
backend = EncryptedFileBackend(path=path, max_versions=1000)
backend.list()  # derive the key before the race starts
go.with_name("ready-" + name).touch()
while not go.exists():
    time.sleep(0.005)
for i in range(count):
    backend.set(SecretRef(f"dev/{name}/k{i}"), secrets.token_urlsafe(8))
    backend.set(SecretRef("dev/shared/counter"), secrets.token_urlsafe(8))
"""


def test_two_processes_setting_at_once_lose_nothing(tmp_path: Path, passphrase: str) -> None:
    path = tmp_path / "shared.enc"
    backend = EncryptedFileBackend(path=str(path), max_versions=1000)
    backend.set(SecretRef("dev/seed/x"), fake_secret())  # both writers open an existing store
    go = tmp_path / "go"
    count = 25
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", _WRITER, str(path), name, str(count), str(go)], env=env
        )
        for name in ("alpha", "beta")
    ]
    # Both have imported and unlocked the store before either writes.
    wait_until(
        lambda: all((tmp_path / f"ready-{name}").exists() for name in ("alpha", "beta")),
        120,
        "both writers to unlock the store",
    )
    go.touch()
    assert [w.wait(timeout=120) for w in writers] == [0, 0]
    paths = {info.path for info in backend.list()}
    for name in ("alpha", "beta"):
        assert {f"dev/{name}/k{i}" for i in range(count)} <= paths, f"lost a write of {name}"
    counter = next(i for i in backend.list() if i.path == "dev/shared/counter")
    assert counter.version == str(2 * count)
    assert counter.extra["versions"] == 2 * count


# -- check(): what doctor reports, verified -----------------------------------


def test_check_decrypts_the_store(
    file_backend: EncryptedFileBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = file_backend.path
    fresh = file_backend.check()
    assert fresh.ok and fresh.reason.startswith(f"no file yet: {path} is created on first set")
    value = fake_secret()
    file_backend.set(REF, value)
    stored = EncryptedFileBackend(path=str(path)).check()
    assert stored == Viability(
        True,
        f"encrypted store {path}: decrypted with the passphrase from "
        "$JUPYTER_SECRETS_PASSPHRASE (1 secret)",
    )
    monkeypatch.setenv("JUPYTER_SECRETS_PASSPHRASE", "not-the-passphrase")
    wrong = EncryptedFileBackend(path=str(path))
    assert wrong.viable().ok, "viable() stays cheap: it never decrypts"
    verdict = wrong.check()
    assert not verdict.ok and not verdict.locked
    assert verdict.reason.startswith("wrong passphrase: $JUPYTER_SECRETS_PASSPHRASE does not")
    assert value not in repr([fresh, stored, verdict])


def test_check_reports_a_locked_store_without_prompting(
    file_backend: EncryptedFileBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    file_backend.set(REF, fake_secret())
    encrypted_file._KEY_CACHE.clear()
    monkeypatch.delenv("JUPYTER_SECRETS_PASSPHRASE")

    def no_prompt(prompt: str = "") -> str:
        raise AssertionError("check() must never prompt")

    monkeypatch.setattr(getpass, "getpass", no_prompt)
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))  # no terminal
    locked = file_backend.check()
    assert not locked.ok and locked.locked
    assert locked.reason == (
        f"locked: set $JUPYTER_SECRETS_PASSPHRASE to unlock {file_backend.path} "
        "(or run in a terminal to be prompted)"
    )
    monkeypatch.setattr(sys, "stdin", _Terminal(""))  # a human could type it
    on_terminal = file_backend.check()
    assert on_terminal.ok and "commands will prompt for the passphrase" in on_terminal.reason


def test_check_without_file_or_passphrase_is_locked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    verdict = EncryptedFileBackend(path=str(tmp_path / "s.enc")).check()
    assert not verdict.ok and verdict.locked
    assert verdict.reason.startswith("no file yet:") and "set $JUPYTER_SECRETS_PASSPHRASE" in (
        verdict.reason
    )


def test_check_reports_corrupt_and_unreadable_stores(
    file_backend: EncryptedFileBackend, tmp_path: Path
) -> None:
    file_backend.set(REF, fake_secret())
    file_backend.path.write_bytes(file_backend.path.read_bytes()[:40])
    corrupt = file_backend.check()
    assert not corrupt.ok and corrupt.reason.startswith("corrupt: the encrypted secret file")
    directory = tmp_path / "a-directory.enc"
    directory.mkdir()
    backend = EncryptedFileBackend(path=str(directory))
    assert not backend.check().ok and "is not a file" in backend.check().reason
    with pytest.raises(BackendUnavailableError, match="exists but is not a file; move it away"):
        backend.get(REF)


# -- the backend contract (jupyter_secrets.testing) ---------------------------


class TestFileContract(BackendContract):
    """EncryptedFileBackend over a real file in a temporary directory."""

    supports_previous = True
    supports_numbered_versions = True

    @pytest.fixture
    def backend(self, file_backend: EncryptedFileBackend) -> EncryptedFileBackend:
        return file_backend

    @pytest.fixture(params=["locked", "wrong-passphrase", "corrupt"])
    def unavailable_backend(
        self,
        request: pytest.FixtureRequest,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
        passphrase: str,
    ) -> EncryptedFileBackend:
        made = EncryptedFileBackend(path=str(tmp_path / "made.enc"))
        made.set(REF, fake_secret())
        path = tmp_path / f"{request.param}.enc"
        shutil.copyfile(made.path, path)  # a path whose key this process never derived
        if request.param == "locked":  # no passphrase, and no terminal to ask for one
            monkeypatch.delenv("JUPYTER_SECRETS_PASSPHRASE")
            monkeypatch.setattr(sys, "stdin", io.StringIO(""))
        elif request.param == "wrong-passphrase":
            monkeypatch.setenv("JUPYTER_SECRETS_PASSPHRASE", secrets.token_urlsafe(16))
        else:
            path.write_bytes(path.read_bytes()[:-40])
        return EncryptedFileBackend(path=str(path))


def test_delete_without_a_store_creates_nothing(tmp_path: Path, passphrase: str) -> None:
    store = tmp_path / "not-yet" / "s.enc"
    backend = EncryptedFileBackend(path=str(store))
    with pytest.raises(SecretNotFoundError, match="nothing to delete"):
        backend.delete(REF)
    assert not store.parent.exists(), "a delete made the store's folder (or its lock file)"


def test_delete_asks_for_the_passphrase_before_it_locks_the_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A prompt under the write lock would hold every other writer while a human types.
    passphrase = fake_secret()
    monkeypatch.setenv("JUPYTER_SECRETS_PASSPHRASE", passphrase)
    backend = EncryptedFileBackend(path=str(tmp_path / "s.enc"))
    backend.set(REF, fake_secret())
    encrypted_file._KEY_CACHE.clear()
    monkeypatch.delenv("JUPYTER_SECRETS_PASSPHRASE")
    locked_when_asked: list[bool] = []

    def answer(prompt: str = "") -> str:
        locked_when_asked.append(_write_locked(backend))
        return passphrase

    monkeypatch.setattr(sys, "stdin", _Terminal(""))
    monkeypatch.setattr(getpass, "getpass", answer)
    backend.delete(REF)
    assert locked_when_asked == [False], "the passphrase was asked for under the write lock"
    with pytest.raises(SecretNotFoundError):
        backend.get(REF)


def _write_locked(backend: EncryptedFileBackend) -> bool:
    """Whether another writer would wait now: try the store's write lock without blocking."""
    lock = backend.path.with_name(backend.path.name + ".lock")
    if not lock.exists():
        return False
    with lock.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
        return False
