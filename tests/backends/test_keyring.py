"""The keyring backend against the real Secret Service (gnome-keyring on a private bus).

Run under ``scripts/with-secret-service``; without it these tests skip, or
fail when JUPYTER_SECRETS_STRICT_TESTS=1.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import keyring
import keyring.backend
import pytest
from keyring.backends import SecretService, fail, null

from jupyter_secrets.backends.keyring import INDEX_USERNAME, UNLOCK_COMMAND, KeyringBackend
from jupyter_secrets.errors import BackendUnavailableError, SecretNotFoundError
from jupyter_secrets.refs import SecretRef
from jupyter_secrets.testing import BackendContract
from tests.support.fakes import fake_secret
from tests.support.strict import require

from .conftest import SECRET_SERVICE

REPO = Path(__file__).resolve().parents[2]
REF = SecretRef("dev/db/password")
LOCKED_MESSAGE = (
    "the Secret Service keyring is locked; unlock it (e.g. log in to the desktop session or run "
    "gnome-keyring-daemon --unlock) or route this ref to another backend with "
    "JUPYTER_SECRETS_BACKEND=file"
)


def new_keyring(cls: type[keyring.backend.KeyringBackend]) -> keyring.backend.KeyringBackend:
    """An instance of one of keyring's backend classes, typed as keyring's base class:
    its methods are annotated there, not in every backend (SecretService's are not)."""
    return cls()


@pytest.mark.keyring_service
def test_set_get_previous(keyring_backend: KeyringBackend) -> None:
    first, second = fake_secret(), fake_secret()
    keyring_backend.set(REF, first)
    assert keyring_backend.get(REF).value == first, "stored value differs"
    keyring_backend.set(REF, second)
    assert keyring_backend.get(REF).value == second, "current value differs"
    previous = keyring_backend.get(SecretRef(REF.path, version="previous"))
    assert previous.value == first, "@previous differs"
    assert previous.version == "previous"


@pytest.mark.keyring_service
def test_values_live_in_the_secret_service(keyring_backend: KeyringBackend) -> None:
    value = fake_secret()
    keyring_backend.set(REF, value)
    direct = new_keyring(SecretService.Keyring).get_password(keyring_backend.service, REF.path)
    assert direct == value, "value not found in the Secret Service"


@pytest.mark.keyring_service
def test_reads_values_seeded_by_secret_tool(secret_service: None) -> None:
    value = fake_secret()
    path = f"dev/seeded/{secrets.token_hex(4)}"
    attributes = ["service", "jupyter-secrets", "username", path]
    subprocess.run(
        ["secret-tool", "store", "--label=x", *attributes], input=value.encode(), check=True
    )
    try:
        backend = KeyringBackend(keyring_backend=SECRET_SERVICE)  # the default service name
        assert backend.get(SecretRef(path)).value == value, "secret-tool value differs"
    finally:
        subprocess.run(["secret-tool", "clear", *attributes], check=True)


@pytest.mark.keyring_service
def test_versions_and_not_found_messages(keyring_backend: KeyringBackend) -> None:
    with pytest.raises(SecretNotFoundError) as caught:
        keyring_backend.get(REF)
    assert "secret-tool store" in str(caught.value)
    assert f"service {keyring_backend.service} username dev/db/password" in str(caught.value)
    keyring_backend.set(REF, fake_secret())
    with pytest.raises(SecretNotFoundError, match="no previous version"):
        keyring_backend.get(SecretRef(REF.path, version="previous"))
    with pytest.raises(SecretNotFoundError, match="current and previous versions only"):
        keyring_backend.get(SecretRef(REF.path, version="3"))


@pytest.mark.keyring_service
def test_index_lists_names_and_times_only(keyring_backend: KeyringBackend) -> None:
    value = fake_secret()
    keyring_backend.set(REF, value)
    keyring_backend.set(SecretRef("prod/api/key"), value)
    infos = keyring_backend.list()
    assert [(i.path, i.backend) for i in infos] == [
        ("dev/db/password", "keyring"),
        ("prod/api/key", "keyring"),
    ]
    assert all(i.updated is not None for i in infos)
    assert [i.path for i in keyring_backend.list("prod")] == ["prod/api/key"]
    raw_index = new_keyring(SecretService.Keyring).get_password(
        keyring_backend.service, INDEX_USERNAME
    )
    assert raw_index is not None
    assert value not in raw_index, "value leaked into the index"
    assert set(json.loads(raw_index)["dev/db/password"]) == {"updated"}


@pytest.mark.keyring_service
def test_delete_removes_current_previous_and_index(keyring_backend: KeyringBackend) -> None:
    keyring_backend.set(REF, fake_secret())
    keyring_backend.set(REF, fake_secret())
    keyring_backend.delete(REF)
    direct = new_keyring(SecretService.Keyring)
    assert direct.get_password(keyring_backend.service, REF.path) is None
    assert direct.get_password(keyring_backend.service, REF.path + "@previous") is None
    assert keyring_backend.list() == []
    with pytest.raises(SecretNotFoundError, match="nothing to delete"):
        keyring_backend.delete(REF)


@pytest.mark.keyring_service
def test_corrupted_index(keyring_backend: KeyringBackend) -> None:
    keyring_backend.set(REF, fake_secret())
    new_keyring(SecretService.Keyring).set_password(
        keyring_backend.service, INDEX_USERNAME, "{not json"
    )
    with pytest.raises(BackendUnavailableError, match=r"index item .* is corrupted"):
        keyring_backend.list()
    keyring_backend.set(SecretRef("dev/other/x"), fake_secret())  # rebuilds the index
    assert [i.path for i in keyring_backend.list()] == ["dev/other/x"]
    assert keyring_backend.get(REF).value, "the value itself must survive"


@pytest.mark.keyring_service
def test_viable_names_the_keyring(keyring_backend: KeyringBackend) -> None:
    viability = keyring_backend.viable()
    assert viability.ok, viability.reason
    assert "keyring.backends.SecretService.Keyring" in viability.reason


@pytest.mark.keyring_service
def test_default_keyring_follows_python_keyring_backend(secret_service: None) -> None:
    # scripts/with-secret-service sets PYTHON_KEYRING_BACKEND to the Secret Service.
    assert os.environ.get("PYTHON_KEYRING_BACKEND") == SECRET_SERVICE
    keyring.core.init_backend()
    backend = KeyringBackend()
    assert isinstance(backend.os_keyring(), SecretService.Keyring)
    assert backend.viable().ok


_LOCKED_SCRIPT = """
import json, secrets, secretstorage
from jupyter_secrets.backends.keyring import KeyringBackend
from jupyter_secrets.refs import SecretRef
from jupyter_secrets.errors import BackendUnavailableError
backend = KeyringBackend(service="locked-test")
value = "fake-" + secrets.token_urlsafe(16)
ref = SecretRef("dev/db/password")
backend.set(ref, value)
connection = secretstorage.dbus_init()
collection = secretstorage.get_default_collection(connection)
collection.lock()
assert collection.is_locked()
result = {}
for name, action in [
    ("get", lambda: backend.get(ref)),
    ("set", lambda: backend.set(ref, "fake-other")),
    ("list", lambda: backend.list()),
]:
    try:
        action()
        result[name] = "no error"
    except BackendUnavailableError as exc:
        result[name] = str(exc)
viability = backend.viable()
result["viable"] = [viability.ok, viability.reason, viability.locked]
verdict = backend.check()
result["check"] = [verdict.ok, verdict.reason, verdict.locked]
# The CLI as users run it against the locked keyring (the automatic default).
import os, subprocess, sys, tempfile
work = tempfile.mkdtemp()
cli_env = dict(os.environ, JUPYTER_DATA_DIR=work + "/data", JUPYTER_CONFIG_DIR=work + "/config")
result["cli"] = {}
for args in (["list"], ["list", "--json"], ["list", "dev"], ["get", "dev/db/password"], ["doctor"]):
    done = subprocess.run(
        [sys.executable, "-m", "jupyter_secrets", *args], capture_output=True, text=True,
        env=cli_env, stdin=subprocess.DEVNULL, timeout=60,
    )
    result["cli"][" ".join(args)] = [done.returncode, done.stdout, done.stderr]
# A locked keyring stays the automatic default: the user is told to unlock it,
# instead of being silently sent to another store that lacks the secret.
from jupyter_secrets.config import SecretsConfig
from jupyter_secrets.manager import SecretManager
settings = SecretsConfig(backend_options={"keyring": {"service": "locked-test"}})
manager = SecretManager(settings, user="t")
result["routed"] = manager.router.backend_for(ref).name
try:
    manager.get("dev/db/password")
    result["manager"] = "no error"
except BackendUnavailableError as exc:
    result["manager"] = str(exc)
result["value_leaked"] = any(value in json.dumps(v) for v in result.values())
print(json.dumps(result))
"""


def _in_own_secret_service(script: str, timeout: int) -> dict[str, Any]:
    """Run ``script`` in a nested with-secret-service (a daemon and keyring of its own,
    so the other tests' stay as they are); its last stdout line is a JSON result."""
    _gnome_keyring_or_skip()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("JUPYTER_SECRETS_KEEP_HOME", None)
    done = subprocess.run(
        [str(REPO / "scripts" / "with-secret-service"), sys.executable, "-c", script],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, f"nested Secret Service script failed: {done.stderr[-2000:]}"
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


@pytest.mark.keyring_service
def test_locked_keyring_gives_one_line_fix() -> None:
    """Locks the real collection in a Secret Service of its own (a nested
    with-secret-service), so the other tests' keyring stays unlocked."""
    result = _in_own_secret_service(_LOCKED_SCRIPT, timeout=120)
    assert result["value_leaked"] is False, "value leaked into an error message"
    for action in ("get", "set", "list"):
        assert result[action] == LOCKED_MESSAGE, f"{action}: {result[action]}"
    assert result["viable"] == [False, LOCKED_MESSAGE, True]
    assert result["routed"] == "keyring"
    assert result["manager"] == LOCKED_MESSAGE
    assert result["check"] == [False, LOCKED_MESSAGE, True]
    cli = result["cli"]
    listed = f"jupyter-secrets: error: cannot list backend 'keyring': {LOCKED_MESSAGE}\n"
    assert cli["list"] == [5, "", listed], "a locked keyring must not list as empty"
    assert cli["list dev"] == [5, "", listed]
    code, stdout, stderr = cli["list --json"]
    assert (code, stderr) == (5, listed)
    assert json.loads(stdout) == {
        "secrets": [],
        "errors": [{"backend": "keyring", "message": LOCKED_MESSAGE}],
    }
    assert cli["get dev/db/password"] == [5, "", f"jupyter-secrets: error: {LOCKED_MESSAGE}\n"]
    code, stdout, stderr = cli["doctor"]
    assert code == 1, "the default backend does not work: doctor must say so"
    assert f"no  keyring    {LOCKED_MESSAGE} [default; writable]" in stdout.splitlines()
    assert stderr.count("\n") == 1 and "backend 'keyring' (the default) does not work" in stderr
    assert "Traceback" not in json.dumps(cli)


_RESTART_SCRIPT = """
import json, os, secrets, signal, time
from jeepney import DBusAddress, new_method_call
from jeepney.io.blocking import open_dbus_connection
from jupyter_secrets.backends.keyring import KeyringBackend
from jupyter_secrets.refs import SecretRef
bus = open_dbus_connection(bus="SESSION")
dbus = DBusAddress("/org/freedesktop/DBus", bus_name="org.freedesktop.DBus",
                   interface="org.freedesktop.DBus")
def owner_pid():
    call = new_method_call(dbus, "GetConnectionUnixProcessID", "s", ("org.freedesktop.secrets",))
    reply = bus.send_and_get_reply(call)
    return reply.body[0] if reply.header.message_type.name == "method_return" else None
ref = SecretRef("dev/db/password")
value = "fake-" + secrets.token_urlsafe(16)
KeyringBackend(service="restart-test").set(ref, value)
first = owner_pid()
os.kill(first, signal.SIGKILL)
deadline = time.monotonic() + 60
while owner_pid() == first and time.monotonic() < deadline:
    time.sleep(0.05)
result = {"killed": owner_pid() != first}
try:
    result["read_back"] = KeyringBackend(service="restart-test").get(ref).value == value
except Exception as exc:
    result["read_back"] = type(exc).__name__
result["restarted"] = owner_pid() not in (None, first)
print(json.dumps(result))
"""


@pytest.mark.keyring_service
def test_a_dead_daemon_comes_back_unlocked() -> None:
    """with-secret-service's own D-Bus service file: when gnome-keyring-daemon
    dies mid-run (it did once on a loaded machine), the next call restarts it
    unlocked over the same keyring files, instead of Debian's daemon that finds
    the collection locked and cannot prompt. Its own nested session, so the
    other tests' daemon is left alone."""
    result = _in_own_secret_service(_RESTART_SCRIPT, timeout=180)
    assert result == {"killed": True, "read_back": True, "restarted": True}


@pytest.mark.keyring_service
def test_check_reaches_the_collection(keyring_backend: KeyringBackend) -> None:
    keyring_backend.set(REF, fake_secret())
    verdict = keyring_backend.check()
    assert verdict.ok, verdict.reason
    assert verdict.reason == (
        f"uses {SECRET_SERVICE} (service '{keyring_backend.service}'), collection 'Login': "
        "reached, 1 secret indexed"
    )


def _gnome_keyring_or_skip() -> None:
    require(
        bool(shutil.which("dbus-run-session") and shutil.which("gnome-keyring-daemon")),
        "dbus-run-session or gnome-keyring-daemon not installed",
    )


def _without_session_bus(tmp_path: Path) -> dict[str, str]:
    """The environment of an ssh login or a container: gnome-keyring installed, no bus."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DBUS_SESSION_BUS_ADDRESS", "PYTHON_KEYRING_BACKEND")
        and not k.startswith(("GNOME_KEYRING", "XDG_"))
    }
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    env.update(HOME=str(tmp_path), XDG_RUNTIME_DIR=str(runtime), PYTHONPATH=str(REPO))
    return env


_CHECK_SCRIPT = """
import json
from jupyter_secrets.backends.keyring import KeyringBackend
backend = KeyringBackend()
viable, check = backend.viable(), backend.check()
print(json.dumps([viable.ok, viable.reason, check.ok, check.reason]))
"""


def test_check_explains_a_missing_session_bus(tmp_path: Path) -> None:
    """gnome-keyring installed but no D-Bus session: doctor says why, and how to use it."""
    _gnome_keyring_or_skip()
    done = subprocess.run(
        [sys.executable, "-c", _CHECK_SCRIPT],
        env=_without_session_bus(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    viable_ok, viable_reason, check_ok, check_reason = json.loads(done.stdout)
    assert not viable_ok and not check_ok
    assert viable_reason == (
        "no OS keyring works here (keyring found none); use the 'file' backend, or run "
        "jupyter-secrets doctor to see why"
    )
    assert check_reason.startswith(
        "the OS keyring is not used: gnome-keyring is installed but there is no D-Bus session"
    )
    assert check_reason.endswith(UNLOCK_COMMAND)


def test_the_suggested_command_unlocks_the_keyring(tmp_path: Path) -> None:
    """The command doctor suggests works as printed (with a check for jupyter lab)."""
    _gnome_keyring_or_skip()
    command = UNLOCK_COMMAND.replace("exec jupyter lab", 'exec "$CHECK_PYTHON" -c "$CHECK_SCRIPT"')
    assert command != UNLOCK_COMMAND
    env = _without_session_bus(tmp_path)
    env.update(CHECK_PYTHON=sys.executable, CHECK_SCRIPT=_CHECK_SCRIPT)
    done = subprocess.run(
        ["sh", "-c", command],
        input="throwaway-keyring-password\n",
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    viable_ok, _, check_ok, check_reason = json.loads(done.stdout.strip().splitlines()[-1])
    assert viable_ok and check_ok, check_reason
    assert "collection 'Login': reached, 0 secrets indexed" in check_reason


# -- keyring selection: no Secret Service needed ----------------------------


class ThirdPartyKeyring(keyring.backend.KeyringBackend):
    """A stand-in for an installed keyring plugin (e.g. keyrings.cryptfile)."""

    priority = 3

    def get_password(self, service: str, username: str) -> str | None:
        raise AssertionError("must not be used")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise AssertionError("must not be used")

    def delete_password(self, service: str, username: str) -> None:
        raise AssertionError("must not be used")


class PlaintextKeyring(ThirdPartyKeyring):
    pass


class Chain(ThirdPartyKeyring):
    """Looks like keyring's ChainerBackend: a ``backends`` list, best first."""

    def __init__(self, members: list[Any]) -> None:
        self.backends = members


@pytest.mark.parametrize("name", ["keyring.backends.fail.Keyring", "keyring.backends.null.Keyring"])
def test_fail_and_null_keyrings_are_not_viable(name: str) -> None:
    backend = KeyringBackend(keyring_backend=name)
    viability = backend.viable()
    assert not viability.ok
    assert name in viability.reason
    with pytest.raises(BackendUnavailableError, match="use the 'file' backend"):
        backend.get(REF)


def test_plaintext_keyring_is_not_viable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(keyring, "get_keyring", PlaintextKeyring)
    viability = KeyringBackend().viable()
    assert not viability.ok
    assert "PlaintextKeyring" in viability.reason


def test_automatic_chain_without_os_keyring_is_not_viable(monkeypatch: pytest.MonkeyPatch) -> None:
    chain = Chain([new_keyring(ThirdPartyKeyring), new_keyring(fail.Keyring)])
    monkeypatch.setattr(keyring, "get_keyring", lambda: chain)
    viability = KeyringBackend().viable()
    assert not viability.ok
    assert "no OS keyring is available here" in viability.reason
    assert "ThirdPartyKeyring" in viability.reason


def test_automatic_chain_prefers_the_os_keyring(monkeypatch: pytest.MonkeyPatch) -> None:
    # null is shipped with keyring but stores nothing, so it must be skipped too.
    chain = Chain(
        [
            new_keyring(ThirdPartyKeyring),
            new_keyring(null.Keyring),
            new_keyring(SecretService.Keyring),
        ]
    )
    monkeypatch.setattr(keyring, "get_keyring", lambda: chain)
    assert isinstance(KeyringBackend().os_keyring(), SecretService.Keyring)


def test_unloadable_keyring_is_one_line() -> None:
    backend = KeyringBackend(keyring_backend="no.such.module.Keyring")
    viability = backend.viable()
    assert not viability.ok
    assert "cannot load 'no.such.module.Keyring'" in viability.reason
    assert "\n" not in viability.reason


# -- the backend contract (jupyter_secrets.testing) ---------------------------


@pytest.mark.keyring_service
class TestKeyringContract(BackendContract):
    """KeyringBackend over the real Secret Service, in a service name of its own."""

    supports_previous = True  # the value set replaced, kept as <path>@previous

    @pytest.fixture
    def backend(self, keyring_backend: KeyringBackend) -> KeyringBackend:
        return keyring_backend

    @pytest.fixture(params=["fail-keyring", "null-keyring", "no-session-bus"])
    def unavailable_backend(
        self, request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> KeyringBackend:
        if request.param == "no-session-bus":  # the bus address of a bus that is not there
            monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", f"unix:path={tmp_path / 'no-bus'}")
            return KeyringBackend(
                service="jupyter-secrets-test-none", keyring_backend=SECRET_SERVICE
            )
        which = request.param.split("-")[0]
        return KeyringBackend(keyring_backend=f"keyring.backends.{which}.Keyring")
