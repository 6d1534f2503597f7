"""``%unload_ext jupyter_secrets`` before any fetch leaves redaction on: a value fetched
afterwards through the Python API is still masked in every output."""

from __future__ import annotations

from pathlib import Path

from tests.kernel.conftest import write_secrets_config
from tests.kernel.harness import Kernel, leaked_forms
from tests.support.fakes import fake_secret
from tests.support.jupyter_env import isolated_env

MARKER = "[REDACTED dev/u/token]"


def test_fetch_after_unload_is_still_redacted(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    value = fake_secret("Uv", 18)  # pragma: allowlist secret
    write_secrets_config(home, {"": "env"})
    env = isolated_env(home, {"SECRET_DEV_U_TOKEN": value, "JUPYTER_SECRETS_AUTOLOAD": "0"})
    kernel = Kernel(home, env)
    kernel.planted.append(value)
    try:
        kernel.ok("%load_ext jupyter_secrets")
        kernel.ok("%unload_ext jupyter_secrets")
        assert kernel.run("%secrets").reply["status"] == "error", "magics survived unload"
        kernel.ok("from jupyter_secrets import secret; pw = secret('dev/u/token')")
        cells = [
            "print(pw)",
            "pw",
            "import subprocess; subprocess.run(['echo', str(pw)])",
            "raise ValueError(str(pw))",
        ]
        for code in cells:
            shown = kernel.run(code).everything()
            assert leaked_forms(shown, value) == [], f"leak after unload from: {code}"
            assert MARKER in shown or "<secret dev/u/token>" in shown, code
        kernel.ok("%load_ext jupyter_secrets")  # loading again must not stack filters
        assert kernel.ok("print(pw)").stdout == MARKER + "\n"
        assert "dev/u/token" in kernel.ok("%secrets").stdout
    finally:
        kernel.shutdown()
