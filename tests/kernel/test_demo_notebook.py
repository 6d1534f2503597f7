"""The quick start's demo: a secret in the default encrypted file store, and the
shipped Welcome notebook run cell by cell in a real kernel without showing it."""

from __future__ import annotations

import secrets
import subprocess
import sys
from pathlib import Path

import jupyter_secrets
from tests.support import notebooks as nbf
from tests.support.fakes import fake_secret
from tests.support.jupyter_env import isolated_env

from .harness import Kernel, leaked_forms

DEMO = Path(jupyter_secrets.__file__).parent / "demo" / "Welcome.ipynb"


def test_demo_notebook_runs_and_never_shows_the_token(home: Path) -> None:
    value = fake_secret("demo-", 24)  # pragma: allowlist secret
    env = isolated_env(
        home,
        {
            "JUPYTER_SECRETS_PASSPHRASE": secrets.token_urlsafe(12),
            # As on a headless machine with no desktop keyring: the file store is the default.
            "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
        },
    )
    stored = subprocess.run(
        [sys.executable, "-m", "jupyter_secrets", "set", "dev/demo/api_token"],
        input=value + "\n", capture_output=True, text=True, env=env, timeout=60, check=False,
    )  # fmt: skip
    assert stored.returncode == 0, stored.stderr
    assert "in backend 'file'" in stored.stderr
    kernel = Kernel(home, env)
    kernel.planted.append(value)
    try:
        notebook = nbf.read(DEMO, as_version=4)
        code_cells = [c.source for c in notebook.cells if c.cell_type == "code"]
        assert code_cells, "the demo notebook has no code"
        for source in code_cells:
            execution = kernel.ok(source)
            assert leaked_forms(execution.everything(), value) == [], f"demo cell leaked: {source}"
        shown = "".join(e.everything() for e in kernel.all)
        assert "<secret dev/demo/api_token>" in shown
        assert "Authorization: Bearer [REDACTED dev/demo/api_token]" in shown
    finally:
        kernel.shutdown()
