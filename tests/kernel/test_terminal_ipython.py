"""Plain terminal IPython (no kernel): the startup file loads the extension and
stdout/stderr are redacted before each cell."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.support.fakes import fake_secret
from tests.support.jupyter_env import isolated_env

from .conftest import write_secrets_config
from .harness import leaked_forms


def test_terminal_ipython_redacts_prints(home: Path) -> None:
    value = fake_secret("Tv", 18)
    write_secrets_config(home, {"": "env"})
    env = isolated_env(home, {"SECRET_DEV_TERM_TOKEN": value})
    code = (
        "pw = %secret dev/term/token\n"
        "print('token:', pw)\n"
        "import sys, base64; print(base64.b64encode(pw.encode()).decode(), file=sys.stderr)\n"
        "print(repr(pw))\n"
    )
    script = home / "session.ipy"
    script.write_text(code)
    result = subprocess.run(
        [sys.executable, "-m", "IPython", "--no-banner", "--colors=nocolor", str(script)],
        check=False, capture_output=True, text=True, env=env, cwd=home, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-500:].replace(value, "<value>")
    assert leaked_forms(result.stdout + result.stderr, value) == []
    assert "token: [REDACTED dev/term/token]" in result.stdout
    assert "<secret dev/term/token>" in result.stdout
    assert "[REDACTED dev/term/token]" in result.stderr
