"""Store credentials a kernel inherits in its environment never reach a cell's output.

A server started with ``JUPYTER_SECRETS_PASSPHRASE`` exported hands it to every
kernel. At extension load the kernel takes it out of ``os.environ`` (so no
subprocess inherits it), overwrites it in the initial environment block (so
``/proc/<kernel pid>/environ`` no longer shows it), registers it for output
redaction and announces it to the save gate; the file store still unlocks.
"""

from __future__ import annotations

import hashlib
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from jupyter_secrets.backends.encrypted_file import EncryptedFileBackend
from jupyter_secrets.refs import SecretRef
from tests.kernel.conftest import write_secrets_config
from tests.kernel.harness import Kernel, leaked_forms
from tests.leaks import traces
from tests.support.fakes import fake_secret
from tests.support.jupyter_env import isolated_env

PASSPHRASE_ENV = "JUPYTER_SECRETS_PASSPHRASE"

# Every way a cell can look at its own environment or its kernel's.
ENV_VIEWS = {
    "%env": "%env",
    "%env NAME": f"%env {PASSPHRASE_ENV}",
    "os.environ": f"import os; print(os.environ.get({PASSPHRASE_ENV!r}))",
    "os.environb": f"import os; print(os.environb.get({PASSPHRASE_ENV.encode()!r}))",
    "posix.environ": f"import posix; print(posix.environ.get({PASSPHRASE_ENV.encode()!r}))",
    "!env": "!env",
    "child /proc/self/environ": "import subprocess; subprocess.run(['cat', '/proc/self/environ'])",
    "kernel /proc/$PPID/environ": "import subprocess; subprocess.run(['sh', '-c', 'cat /proc/$PPID/environ'])",
    "open /proc/self/environ": "print(open('/proc/self/environ', 'rb').read())",
}
# Views of a child's environment: there the variable must be gone, name and all.
CHILD_VIEWS = {"%env", "!env", "child /proc/self/environ"}


@pytest.fixture
def home(tmp_path: Path) -> Path:
    path = tmp_path / "home"
    path.mkdir()
    return path


@pytest.fixture
def passphrase() -> str:
    return fake_secret("Pp", 18)  # pragma: allowlist secret


@pytest.fixture
def stored(home: Path, passphrase: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A file store under ``home`` holding dev/f/token; returns the value."""
    value = fake_secret("Fv", 18)  # pragma: allowlist secret
    store = home / "store" / "secrets.enc"
    monkeypatch.setenv(PASSPHRASE_ENV, passphrase)
    EncryptedFileBackend(path=str(store)).set(SecretRef("dev/f/token"), value)
    monkeypatch.delenv(PASSPHRASE_ENV)
    write_secrets_config(
        home, {"dev/f/": "file", "": "env"}, backend_options={"file": {"path": str(store)}}
    )
    return value


@pytest.fixture
def kernel(home: Path, passphrase: str, stored: str) -> Iterator[Kernel]:
    k = Kernel(home, isolated_env(home, {PASSPHRASE_ENV: passphrase}))
    k.planted += [passphrase, stored]
    try:
        yield k
    finally:
        k.shutdown()


def test_passphrase_is_in_no_view_of_the_environment(kernel: Kernel, passphrase: str) -> None:
    for view, code in ENV_VIEWS.items():
        shown = kernel.run(code).everything()
        assert leaked_forms(shown, passphrase) == [], f"{view} shows the passphrase"
        # Not even masked: the value must be absent, not merely redacted.
        # (Booleans, so a failure shows no environment dump.)
        masked = "[REDACTED" in shown
        assert not masked, f"{view} still holds the passphrase (masked)"
        named = f"{PASSPHRASE_ENV}=" in shown
        assert not (named and view in CHILD_VIEWS), f"{view} still has the variable"
    environ = Path(f"/proc/{kernel.pid}/environ").read_bytes()
    assert not any(t in environ for t in traces(passphrase)), "kernel's environ block"


def test_file_store_still_unlocks(kernel: Kernel, stored: str) -> None:
    kernel.ok("tok = %secret dev/f/token")
    digest = hashlib.sha256(stored.encode()).hexdigest()
    same = kernel.ok(
        f"import hashlib; print(hashlib.sha256(tok.encode()).hexdigest() == {digest!r})"
    )
    assert same.stdout.strip() == "True"
    shown = kernel.ok("print(tok)").stdout
    assert shown == "[REDACTED dev/f/token]\n"


def test_passphrase_in_memory_is_redacted(kernel: Kernel, passphrase: str) -> None:
    execution = kernel.ok(
        "from jupyter_secrets.backends.base import credential_env\n"
        f"p = credential_env({PASSPHRASE_ENV!r}); print(p); p"
    )
    shown = execution.everything()
    assert leaked_forms(shown, passphrase) == []
    assert "[REDACTED store passphrase]" in execution.stdout


def test_passphrase_is_announced_to_the_gate(home: Path, passphrase: str, stored: str) -> None:
    env = isolated_env(home, {PASSPHRASE_ENV: passphrase, "JUPYTER_SECRETS_AUTOLOAD": "0"})
    kernel = Kernel(home, env)
    kernel.planted += [passphrase, stored]
    try:
        kernel.ok(
            "import jupyter_secrets.kernel_link as link\n"
            "announced = []\n"
            "link.announce = lambda ref, value: announced.append((ref, value))\n"
        )
        kernel.ok("%load_ext jupyter_secrets")
        digest = hashlib.sha256(passphrase.encode()).hexdigest()
        found = kernel.ok(
            "import hashlib\n"
            f"print([r for r, v in announced if hashlib.sha256(v.encode()).hexdigest() == {digest!r}])"
        )
        assert found.stdout.strip() == "['store passphrase']"
    finally:
        kernel.shutdown()


# A variable no built-in backend declares (the built-in vault backend has VAULT_TOKEN),
# so the label shown is the plugin's own.
PLUGIN = textwrap.dedent(
    """
    from jupyter_secrets.backends.base import Backend, Viability


    class VaultLike(Backend):
        name = "vaultlike"
        credential_env_vars = {"VAULTLIKE_TOKEN": "vaultlike token"}

        def viable(self):
            return Viability(True, "test plugin")

        def get(self, ref):
            raise self.not_found(ref)

        def list(self, scope=None):
            return []
    """
)


def test_plugin_declared_credentials_are_protected_too(home: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "fake_vault_plugin-1.0.dist-info").mkdir(parents=True)
    (site / "fake_vault_plugin.py").write_text(PLUGIN)
    dist = site / "fake_vault_plugin-1.0.dist-info"
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: fake-vault-plugin\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        "[jupyter_secrets.backends]\nvaultlike = fake_vault_plugin:VaultLike\n"
    )
    token = fake_secret("hvs.", 24)  # pragma: allowlist secret
    write_secrets_config(home, {"": "env"})
    kernel = Kernel(home, isolated_env(home, {"VAULTLIKE_TOKEN": token, "PYTHONPATH": str(site)}))
    kernel.planted.append(token)
    try:
        for view, code in {
            "os.environ": "import os; print(os.environ.get('VAULTLIKE_TOKEN'))",
            "!env": "!env",
            "kernel /proc/$PPID/environ": ENV_VIEWS["kernel /proc/$PPID/environ"],
        }.items():
            shown = kernel.run(code).everything()
            assert leaked_forms(shown, token) == [], f"{view} shows the token"
            masked = "[REDACTED" in shown
            assert not masked, f"{view} still holds the token (masked)"
        environ = Path(f"/proc/{kernel.pid}/environ").read_bytes()
        assert not any(t in environ for t in traces(token)), "kernel's environ block"
        through_api = kernel.ok(
            "from jupyter_secrets.backends.base import credential_env\n"
            "print(credential_env('VAULTLIKE_TOKEN'))"
        )
        assert through_api.stdout == "[REDACTED vaultlike token]\n"
    finally:
        kernel.shutdown()
