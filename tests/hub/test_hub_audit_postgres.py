"""The audit service on a real PostgreSQL: a hub whose managed audit service keeps its
events in a private cluster (``JUPYTER_SECRETS_AUDIT_DB`` a ``postgresql+psycopg://`` URL
with a password). Events sent with each user's own token through ``HubAuditSink`` (the
kernels' and servers' code path) land in PostgreSQL with the hub's identity; what the
store could not keep is refused in one line and stores nothing; nothing updates or
deletes. No single-user server is spawned: the service needs only the hub and tokens."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
import sqlalchemy as sa

from jupyter_secrets.audit import HubAuditSink, SinkDown
from jupyter_secrets.hub_service.store import FIELD_LIMITS, MAX_FIELD
from tests.netutil import free_port
from tests.support.postgres import Postgres
from tests.support.strict import skip_or_fail

from .hub_process import Hub, HubUnavailable, login_token, start_hub

pytestmark = pytest.mark.hub

USERS = ["alice", "bob"]


@dataclass
class PostgresHub:
    hub: Hub
    db_url: str = field(repr=False)  # holds the audit role's password

    def rows(self) -> list[dict[str, Any]]:
        """The events table as PostgreSQL has it, oldest first."""
        engine = sa.create_engine(self.db_url)
        try:
            with engine.connect() as connection:
                result = connection.execute(sa.text("SELECT * FROM events ORDER BY id"))
                return [dict(row._mapping) for row in result]
        finally:
            engine.dispose()


@pytest.fixture(scope="module")
def pg_hub(tmp_path_factory: pytest.TempPathFactory, postgres: Postgres) -> Iterator[PostgresHub]:
    base = tmp_path_factory.mktemp("hub-pg")
    url = postgres.database("hub_audit")
    try:
        hub = start_hub(base, {}, secrets.token_urlsafe(12), free_port(), audit_db=url)
    except HubUnavailable as exc:
        skip_or_fail(str(exc))
    try:
        created = hub.admin("POST", "users", {"usernames": USERS})
        assert created.status_code == 201, f"creating users: HTTP {created.status_code}"
        for name in USERS:
            hub.tokens[name] = login_token(hub, name)
        yield PostgresHub(hub, url)
    finally:
        hub.stop()


def service(hub: Hub, token: str, method: str = "GET", **kwargs: Any) -> requests.Response:
    headers = {"Authorization": f"token {token}"}
    return requests.request(method, hub.audit_url, headers=headers, timeout=30, **kwargs)


def event(marker: str, **fields: Any) -> dict[str, Any]:
    return {"time": "2026-11-01T10:00:00.000+00:00", "action": "read", "ref": "dev/pg/token",
            "outcome": "allowed", "kernel_id": marker, **fields}  # fmt: skip


def test_events_sent_with_each_users_token_land_in_postgresql_as_the_hub_says(
    pg_hub: PostgresHub,
) -> None:
    hub, run = pg_hub.hub, secrets.token_hex(4)
    for name in USERS:
        sink = HubAuditSink(hub.audit_url, hub.tokens[name])
        for n in range(3):
            sink.send(event(f"{run}-{name}-{n}", user=name))
    # alice claims to be bob: the service keeps her name, and the claim beside it
    HubAuditSink(hub.audit_url, hub.tokens["alice"]).send(event(f"{run}-forged", user="bob"))

    rows = [r for r in pg_hub.rows() if json.loads(r["event"]).get("kernel_id", "").startswith(run)]
    stored = {json.loads(r["event"])["kernel_id"]: (r["user"], r["claimed_user"]) for r in rows}
    expected = {f"{run}-{name}-{n}": (name, None) for name in USERS for n in range(3)}
    assert stored == {**expected, f"{run}-forged": ("alice", "bob")}
    assert len(rows) == len(stored), "an event was stored twice"
    assert all(r["received"] and r["ref"] == "dev/pg/token" for r in rows)

    everyone = service(hub, hub.admin_token, params={"limit": 10000})
    assert everyone.status_code == 200 and everyone.json()["admin"] is True
    through_api = {e["kernel_id"]: e["user"] for e in everyone.json()["events"]
                   if e.get("kernel_id", "").startswith(run)}  # fmt: skip
    assert through_api == {marker: user for marker, (user, _) in stored.items()}
    bobs = service(hub, hub.tokens["bob"]).json()["events"]
    assert {e["user"] for e in bobs} == {"bob"} and f"{run}-forged" not in {
        e["kernel_id"] for e in bobs
    }


REFUSED: list[tuple[dict[str, Any], str]] = [
    ({"ref": "r" * (FIELD_LIMITS["ref"] + 1)}, f"ref is longer than {FIELD_LIMITS['ref']}"),
    ({"outcome": "o" * (FIELD_LIMITS["outcome"] + 1)}, "outcome is longer than"),
    ({"user": "u" * (FIELD_LIMITS["user"] + 1)}, "user is longer than"),
    ({"notebook": "n" * (MAX_FIELD + 1)}, "notebook is longer than"),
    ({"ref": "dev/\x00x"}, "ref holds a NUL"),
    ({"reason": ["a", "list"]}, "reason is not a scalar"),
]


@pytest.mark.parametrize(("fields", "message"), REFUSED, ids=[m for _, m in REFUSED])
def test_an_event_postgresql_could_not_keep_is_refused_in_one_line(
    pg_hub: PostgresHub, fields: dict[str, Any], message: str
) -> None:
    hub = pg_hub.hub
    before = len(pg_hub.rows())
    good = event("kept-beside-a-refused-one")
    reply = service(hub, hub.tokens["alice"], "POST", json={"events": [good, event("x", **fields)]})
    assert reply.status_code == 400, reply.text[:300]
    said = reply.json()["message"]
    assert said.startswith(f"event 1 of the batch: {message}") and said.endswith("none was stored")
    assert "\n" not in said and len(said) < 200
    assert len(pg_hub.rows()) == before, "part of a refused batch was stored"
    with pytest.raises(SinkDown, match=r"^the hub audit service: HTTP 400$"):
        HubAuditSink(hub.audit_url, hub.tokens["alice"]).send(event("x", **fields))
    HubAuditSink(hub.audit_url, hub.tokens["alice"]).send(good)  # the service is still well
    assert len(pg_hub.rows()) == before + 1


def test_malformed_requests_are_refused_and_nothing_changes_or_goes(pg_hub: PostgresHub) -> None:
    hub, token = pg_hub.hub, pg_hub.hub.tokens["bob"]
    before = pg_hub.rows()
    assert before, "the earlier tests stored nothing"
    for body in (b"not json", b"[1, 2]", b'{"events": {"a": 1}}', b'{"events": "x"}'):
        reply = service(hub, token, "POST", data=body)
        assert reply.status_code == 400 and "\n" not in reply.json()["message"]
    many = service(hub, token, "POST", json={"events": [event("m")] * 501})
    assert many.status_code == 400 and "at most 500" in many.json()["message"]
    nothing = service(hub, hub.admin_token, params={"limit": "-1"})  # PostgreSQL refuses LIMIT -1
    assert nothing.status_code == 200 and nothing.json()["events"] == []
    for params in ({"limit": "many"}, {"after": "x"}):
        reply = service(hub, hub.admin_token, params=params)
        assert reply.status_code == 400, f"{params}: HTTP {reply.status_code}"
        assert reply.json()["message"] == f"{next(iter(params))} must be an integer"
    for method in ("PUT", "DELETE", "PATCH"):
        assert service(hub, token, method).status_code in (404, 405)
    assert pg_hub.rows() == before, "the events table changed"


def test_the_database_password_is_in_no_log(pg_hub: PostgresHub) -> None:
    password = sa.engine.make_url(pg_hub.db_url).password
    assert password
    logs: list[Path] = [*pg_hub.hub.log_files(), pg_hub.hub.base / "jupyterhub_config.py"]
    leaked = [p.name for p in logs if p.exists() and str(password) in p.read_text(errors="replace")]
    assert leaked == [], f"the audit database's password is in {leaked}"
