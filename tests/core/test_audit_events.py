"""The "events" audit sink: its schema holds every event the audit log records and nothing
else, real jupyter_events EventLoggers take the events, a failing one fails reads of guarded
prefixes closed, and the admin policy can add the sink but no user can remove it."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import subprocess
import sys
import threading
import warnings
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jupyter_events import EventLogger
from jupyter_events.schema import EventSchema
from traitlets.config import Config

from jupyter_secrets import audit_events
from jupyter_secrets.admin_policy import AdminPolicy, apply_to_secrets, load_admin_policy
from jupyter_secrets.audit import _FIELDS, OUTCOMES, AuditLog
from jupyter_secrets.audit_events import (
    SCHEMA_ID,
    SCHEMA_PATH,
    SCHEMA_VERSION,
    EventsAuditSink,
    EventTarget,
    register_schema,
)
from jupyter_secrets.config import SecretsConfig
from jupyter_secrets.errors import BackendUnavailableError
from jupyter_secrets.manager import SecretManager, build_audit
from tests.support.fakes import fake_secret
from tests.support.jupyter_env import isolated_env
from tests.support.process import wait_until


@pytest.fixture(scope="module")
def schema() -> EventSchema:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # e.g. jupyter_events' warning for an integer version
        return EventSchema(SCHEMA_PATH)


def file_logger(path: Path) -> EventLogger:
    return EventLogger(config=Config({"EventLogger": {"handlers": [logging.FileHandler(path)]}}))


def emitted(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def refused(schema: EventSchema, event: dict[str, Any]) -> bool:
    try:
        schema.validate(event)
    except Exception as exc:  # jsonschema's ValidationError (jsonschema ships no types)
        return type(exc).__name__ == "ValidationError"
    return False


def test_jupyter_events_takes_the_schema(schema: EventSchema) -> None:
    assert schema.id == SCHEMA_ID and json.loads(repr(schema))["version"] == SCHEMA_VERSION
    assert SCHEMA_ID == "https://events.jupyter-secrets.org/audit" and SCHEMA_VERSION == "1"
    assert SCHEMA_PATH.name == f"v{SCHEMA_VERSION}.yaml"


def test_the_schema_has_the_audit_fields_and_no_others(schema: EventSchema) -> None:
    """Drift guard: a field added to the audit log needs a new schema version."""
    document = json.loads(repr(schema))
    assert set(schema.properties) == {"time", *_FIELDS}
    assert set(document["required"]) == {"time", *_FIELDS}
    assert document["additionalProperties"] is False
    assert schema.properties["outcome"]["enum"] == list(OUTCOMES)


_scalar = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    # Lone surrogates cannot be written as UTF-8 at all (the log refuses them).
    | st.text(st.characters(exclude_categories=["Cs"]), max_size=40)
)
_fields = st.fixed_dictionaries(
    {"outcome": st.sampled_from(OUTCOMES)},
    optional={name: _scalar for name in _FIELDS if name != "outcome"},
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(fields=_fields)
def test_every_event_the_log_records_is_valid(
    fields: dict[str, Any], schema: EventSchema, tmp_path: Path
) -> None:
    schema.validate(AuditLog(tmp_path / "audit.log").record(**fields))


@pytest.mark.parametrize(
    "change",
    [
        {"value": "x"},  # an extra field: the way a value would be smuggled in
        {"reason": {"value": "x"}},  # an object inside a field
        {"ref": ["dev/db/pw", "x"]},
        {"outcome": "leaked"},
    ],
    ids=["extra field", "object in a field", "list in a field", "unknown outcome"],
)
def test_anything_else_is_refused(
    change: dict[str, Any], schema: EventSchema, tmp_path: Path
) -> None:
    event = AuditLog(tmp_path / "audit.log").record(user="alice", action="read", outcome="allowed")
    assert refused(schema, {**event, **change})
    missing = dict(event)
    del missing["ref"]
    assert refused(schema, missing)
    assert not refused(schema, event)


def test_a_read_goes_to_the_configured_handlers_without_its_value(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    value = fake_secret("Ev")  # pragma: allowlist secret
    monkeypatch.setenv("SECRET_DEV_DB_PW", value)
    events = tmp_path / "events.log"
    config = Config({"EventLogger": {"handlers": [logging.FileHandler(events)]}})
    settings = SecretsConfig(
        config=config, routes={"": "env"}, audit_log=str(tmp_path / "audit.log"),
        audit_sinks=["file", "events"],
    )  # fmt: skip
    manager = SecretManager(settings, user="alice")
    assert manager.get("dev/db/pw").reveal() == value
    [event] = emitted(events)
    assert event["__schema__"] == SCHEMA_ID and event["__schema_version__"] == SCHEMA_VERSION
    assert {k: event[k] for k in ("user", "action", "ref", "backend", "outcome")} == {
        "user": "alice", "action": "read", "ref": "dev/db/pw", "backend": "env",
        "outcome": "allowed",
    }  # fmt: skip
    assert value not in events.read_text(), "the value reached the events"


def test_no_handlers_is_a_no_op_said_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(audit_events, "_told_no_handlers", False)
    monkeypatch.setenv("SECRET_DEV_DB_PW", fake_secret())
    caplog.set_level(logging.INFO, logger="jupyter_secrets.audit")
    for user in ("alice", "bob"):
        settings = SecretsConfig(
            routes={"": "env"}, audit_log=str(tmp_path / "audit.log"), audit_sinks=["events"],
            audit_fail_closed_prefixes=["dev/"],
        )  # fmt: skip
        SecretManager(settings, user=user).get("dev/db/pw")
    said = [r for r in caplog.records if "no EventLogger.handlers" in r.getMessage()]
    assert len(said) == 1 and said[0].levelno == logging.INFO
    assert len(AuditLog(tmp_path / "audit.log").read()) == 2  # the file sink still has both


def test_no_handlers_does_not_load_jupyter_events(tmp_path: Path) -> None:
    """jsonschema takes seconds to import: a kernel whose config names no handlers skips it."""
    script = (
        "import sys\n"
        "from jupyter_secrets.manager import SecretManager\n"
        "SecretManager(user='alice').get('dev/db/pw')\n"
        "print('jupyter_events' in sys.modules)\n"
    )
    home = tmp_path / "home"
    config = home / ".jupyter" / "jupyter_secrets_config.json"
    config.parent.mkdir(parents=True)
    config.write_text(
        json.dumps({"SecretsConfig": {"routes": {"": "env"}, "audit_sinks": ["events"]}})
    )
    env = isolated_env(home, {"SECRET_DEV_DB_PW": fake_secret()})
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                          text=True, timeout=120, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "False"


def test_a_broken_handler_config_fails_guarded_reads_closed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Like the hub sink: a guarded read fails closed, any other read goes on with a warning."""
    monkeypatch.setenv("SECRET_DEV_DB_PW", fake_secret())
    monkeypatch.setenv("SECRET_PROD_DB_PW", fake_secret())
    caplog.set_level(logging.WARNING, logger="jupyter_secrets.audit")
    config = Config({"EventLogger": {"handlers": ["not a handler"]}})
    settings = SecretsConfig(
        config=config, routes={"": "env"}, audit_log=str(tmp_path / "audit.log"),
        audit_sinks=["events"], audit_fail_closed_prefixes=["prod/"],
    )  # fmt: skip
    manager = SecretManager(settings, user="alice")
    assert manager.get("dev/db/pw")
    assert (
        "an audit event for dev/db/pw did not reach the jupyter_events logger: TraitError in "
        "EventLogger.handlers" in caplog.text
    )
    with pytest.raises(BackendUnavailableError) as caught:
        manager.get("prod/db/pw")
    assert str(caught.value).startswith(
        "the audit trail is down (the jupyter_events logger: TraitError in EventLogger.handlers)"
        ", so reads of prod/ fail closed"
    )


def test_a_failing_logger_fails_guarded_reads_closed(tmp_path: Path) -> None:
    logger = file_logger(tmp_path / "events.log")
    register_schema(logger)

    def broken(schema_id: str, data: dict[str, Any]) -> dict[str, Any]:
        raise RuntimeError("modifier down")

    logger.add_modifier(schema_id=SCHEMA_ID, modifier=broken)
    log = AuditLog(tmp_path / "audit.log", (EventsAuditSink(EventTarget(logger)),), ("prod/",))
    log.record(action="read", ref="dev/db/pw", outcome="allowed")
    with pytest.raises(BackendUnavailableError, match=r"jupyter_events logger: RuntimeError"):
        log.record(action="read", ref="prod/db/pw", outcome="allowed")
    log.record(action="read", ref="prod/db/pw", outcome="denied")  # a denial is never held up


def test_an_event_from_another_thread_is_emitted_on_the_loggers_loop(tmp_path: Path) -> None:
    """In a server, listeners (e.g. /api/events/subscribe) are tasks on its loop; REST
    writes are audited in executor threads, where emitting directly would fail."""
    loop = asyncio.new_event_loop()
    runner = threading.Thread(target=loop.run_forever, daemon=True)
    runner.start()
    try:
        logger = file_logger(tmp_path / "events.log")
        register_schema(logger)
        heard: list[tuple[str, int]] = []

        async def listener(logger: EventLogger, schema_id: str, data: dict[str, Any]) -> None:
            heard.append((data["ref"], threading.get_ident()))

        logger.add_listener(schema_id=SCHEMA_ID, listener=listener)
        log = AuditLog(
            tmp_path / "audit.log", (EventsAuditSink(EventTarget(logger, loop)),), ("dev/",)
        )
        log.record(action="read", ref="dev/db/pw", outcome="allowed")
        assert wait_until(lambda: heard, 10, "the listener to hear the event") == [
            ("dev/db/pw", runner.ident)
        ]
        assert [e["ref"] for e in emitted(tmp_path / "events.log")] == ["dev/db/pw"]
    finally:
        loop.call_soon_threadsafe(loop.stop)
        runner.join(10)
        loop.close()


def test_the_admin_policy_adds_the_sink_and_users_cannot_remove_it() -> None:
    policy = AdminPolicy(
        secrets={"audit_sinks": ["events"]},
        sources={"SecretsConfig.audit_sinks": "/etc/jupyter/jupyter_secrets_policy.json"},
        files=["/etc/jupyter/jupyter_secrets_policy.json"],
    )
    for mine, effective in ((["file"], ["events", "file"]), ([], ["events"]), (["events"], ["events"])):  # fmt: skip
        settings = SecretsConfig(config=Config({"SecretsConfig": {"audit_sinks": mine}}))
        assert apply_to_secrets(settings, policy) == []  # adding is no weakening
        assert settings.audit_sinks == effective
        assert any(isinstance(s, EventsAuditSink) for s in build_audit(settings).sinks)


@pytest.mark.skipif(os.geteuid() != 0, reason="trusted files are root's: run as root")
def test_a_trusted_policy_file_keeps_the_sink(tmp_path: Path) -> None:
    directory = tmp_path / "etc"
    directory.mkdir(mode=0o755)
    directory.chmod(0o755)
    path = directory / "jupyter_secrets_policy.json"
    path.write_text(json.dumps({"SecretsConfig": {"audit_sinks": ["events"]}}))
    path.chmod(0o644)
    settings = SecretsConfig(config=Config({"SecretsConfig": {"audit_sinks": []}}))
    apply_to_secrets(settings, load_admin_policy([path]))
    assert settings.audit_sinks == ["events"]
