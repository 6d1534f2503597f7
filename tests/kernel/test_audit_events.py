"""The "events" audit sink in a real kernel: no server event logger there, so the sink builds
its own from the ``EventLogger.handlers`` of the jupyter_secrets_config in the kernel's
Jupyter config dir, and a ``%secret`` read lands in that handler's file without its value."""

from __future__ import annotations

import json
from pathlib import Path

from jupyter_secrets.audit_events import SCHEMA_ID, SCHEMA_VERSION
from tests.support.fakes import fake_secret
from tests.support.jupyter_env import JupyterDirs, isolated_env
from tests.support.process import wait_until

from .harness import Kernel, leaked_forms

SECRETS_CONFIG = """\
import logging

c.EventLogger.handlers = [logging.FileHandler({events!r})]
c.SecretsConfig.audit_sinks = ["events"]
c.SecretsConfig.audit_log = {audit!r}
c.SecretsConfig.routes = {{"": "env"}}
"""


def read(path: Path) -> str:
    return path.read_text() if path.exists() else ""


def test_a_secret_read_in_a_kernel_is_an_event(home: Path, tmp_path: Path) -> None:
    events = tmp_path / "events.log"
    config_dir = JupyterDirs(home).config
    config_dir.mkdir(parents=True, exist_ok=True)
    (config_dir / "jupyter_secrets_config.py").write_text(
        SECRETS_CONFIG.format(events=str(events), audit=str(tmp_path / "audit.log"))
    )
    value = fake_secret("Ev", 18)  # pragma: allowlist secret
    kernel = Kernel(home, isolated_env(home, {"SECRET_DEV_ENV_TOKEN": value}))
    kernel.planted.append(value)
    try:
        kernel.ok("pw = %secret dev/env/token")
        text = wait_until(lambda: read(events), 30, "the kernel's audit event")
    finally:
        kernel.shutdown()
    [event] = [json.loads(line) for line in text.splitlines()]
    assert event["__schema__"] == SCHEMA_ID and event["__schema_version__"] == SCHEMA_VERSION
    assert (event["action"], event["ref"], event["outcome"], event["source"]) == (
        "read", "dev/env/token", "allowed", "kernel",
    )  # fmt: skip
    assert event["kernel_id"], "the event names the kernel"
    assert not leaked_forms(events.read_text(), value), "the value reached the events"
