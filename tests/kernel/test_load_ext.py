"""`%load_ext jupyter_secrets` works where the start-up file did not load it, once only."""

from __future__ import annotations

from pathlib import Path

from tests.support.fakes import fake_secret
from tests.support.jupyter_env import isolated_env

from .conftest import write_secrets_config
from .harness import Kernel, leaked_forms


def test_load_ext_by_hand_then_unload(home: Path) -> None:
    value = fake_secret("Lv", 18)
    write_secrets_config(home, {"": "env"})
    env = isolated_env(home, {"SECRET_DEV_LOAD_TOKEN": value, "JUPYTER_SECRETS_AUTOLOAD": "0"})
    kernel = Kernel(home, env)
    kernel.planted.append(value)
    try:
        before = kernel.run("%secret dev/load/token")
        assert before.reply["status"] == "error" and before.reply["ename"] == "UsageError"
        assert "Line magic function `%secret` not found" in before.everything()
        kernel.ok("%load_ext jupyter_secrets")
        kernel.ok("%load_ext jupyter_secrets")  # a second load must not stack filters
        kernel.ok("pw = %secret dev/load/token")
        shown = kernel.ok("print(pw)").stdout
        assert shown == "[REDACTED dev/load/token]\n"
        assert leaked_forms(kernel.ok("pw").everything(), value) == []
        kernel.ok("%unload_ext jupyter_secrets")
        gone = kernel.run("%secrets")
        assert gone.reply["status"] == "error", "%secrets is still there after unload"
        # The value is still in memory, so its redaction must outlive the unload.
        assert kernel.ok("print(pw)").stdout == "[REDACTED dev/load/token]\n"
        kernel.ok("%load_ext jupyter_secrets")
        assert "dev/load/token" in kernel.ok("%secrets").stdout
    finally:
        kernel.shutdown()
