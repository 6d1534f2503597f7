"""The audit service's store (SQLAlchemy), on SQLite and on a real PostgreSQL: the hub's
identity is what is stored, a claimed other name is kept beside it, events are only ever
added, and every event the service accepts is one the store can keep (PostgreSQL, unlike
SQLite, enforces column lengths and types and refuses NUL characters)."""

from __future__ import annotations

import itertools
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from jupyter_secrets.hub_service.store import (
    FIELD_LIMITS,
    MAX_FIELD,
    SENT_FIELDS,
    EventStore,
    event_problem,
)
from tests.support.postgres import Postgres

_databases = itertools.count()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database on each engine (one PostgreSQL cluster per module)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'audit.sqlite'}"
    server: Postgres = request.getfixturevalue("postgres")
    url: str = server.database(f"audit_{next(_databases)}")
    return url


def test_identity_claims_and_paging(store_url: str) -> None:
    store = EventStore(store_url)
    sent = [{"time": "t1", "action": "read", "ref": "dev/x", "outcome": "allowed", "user": "bob"},
            {"time": "t2", "action": "read", "ref": "prod/y", "outcome": "denied", "extra": "dropped"}]  # fmt: skip
    assert store.add("alice", "r1", sent) == 2
    assert (
        store.add(
            "bob", "r2", [{"time": "t3", "action": "read", "ref": "dev/x", "outcome": "allowed"}]
        )
        == 1
    )
    alice = store.read("alice", 10)
    assert [(e["user"], e["time"], e.get("claimed_user")) for e in alice] == [
        ("alice", "t1", "bob"),
        ("alice", "t2", None),
    ]
    assert "extra" not in alice[1]
    assert [e["user"] for e in store.read(None, 10)] == ["alice", "alice", "bob"]
    assert [e["time"] for e in store.read(None, 10, after=alice[0]["id"])] == ["t2", "t3"]
    assert store.count() == 3
    store.engine.dispose()
    reopened = EventStore(store_url)
    assert reopened.count() == 3, "events did not survive a restart"
    assert not any(hasattr(store, name) for name in ("delete", "update", "remove"))


def test_the_schema_is_made_once_with_its_indexes(store_url: str) -> None:
    EventStore(store_url).engine.dispose()
    store = EventStore(store_url)  # a second start finds the table and keeps it
    inspector = sa.inspect(store.engine)
    assert "events" in inspector.get_table_names()
    columns = {c["name"] for c in inspector.get_columns("events")}
    assert columns == {"id", "received", "user", "claimed_user", "ref", "outcome", "event"}
    indexed = {tuple(i["column_names"]) for i in inspector.get_indexes("events")}
    assert {("user",), ("ref",)} <= indexed
    assert store.count() == 0


def test_concurrent_adds_each_land_once_in_order(store_url: str) -> None:
    """The service adds from a thread pool: every event lands once, ids strictly rising."""
    store = EventStore(store_url)
    threads, batches = 8, 15

    def send(worker: int) -> None:
        for n in range(batches):
            batch = [{"time": f"{worker}-{n}-{i}", "action": "read", "ref": "dev/x",
                      "outcome": "allowed"} for i in range(2)]  # fmt: skip
            store.add(f"user{worker}", "r", batch)

    running = [threading.Thread(target=send, args=(w,)) for w in range(threads)]
    for thread in running:
        thread.start()
    for thread in running:
        thread.join()
    rows = store.read(None, 10_000)
    assert len(rows) == store.count() == threads * batches * 2
    assert len({e["time"] for e in rows}) == len(rows), "an event landed twice"
    ids = [e["id"] for e in rows]
    assert ids == sorted(set(ids))
    for worker in range(threads):
        assert all(e["time"].startswith(f"{worker}-") for e in store.read(f"user{worker}", 1000))


def _at_limit() -> dict[str, object]:
    """An event with every field the service accepts at its longest, in non-ASCII text."""
    event: dict[str, object] = {
        name: "é" * FIELD_LIMITS.get(name, MAX_FIELD) for name in SENT_FIELDS
    }
    event["user"] = "ü" * FIELD_LIMITS["user"]
    return event


def test_every_event_the_service_accepts_the_store_keeps(store_url: str) -> None:
    store = EventStore(store_url)
    longest = _at_limit()
    scalars = {"time": "t", "action": "read", "ref": None, "outcome": "allowed",
               "version": 3, "step": 2.5, "source": True}  # fmt: skip
    for event in (longest, scalars):
        assert event_problem(event) is None
    assert store.add("alice", "r", [longest, scalars]) == 2
    kept = store.read("alice", 10)
    assert {k: v for k, v in kept[0].items() if k in SENT_FIELDS} == {
        k: v for k, v in longest.items() if k != "user"
    }
    assert kept[0]["claimed_user"] == longest["user"]
    assert (kept[1]["version"], kept[1]["step"], kept[1]["source"]) == (3, 2.5, True)


OVER: list[tuple[dict[str, object], str]] = [
    ({"ref": "r" * (FIELD_LIMITS["ref"] + 1)}, f"ref is longer than {FIELD_LIMITS['ref']}"),
    ({"outcome": "o" * (FIELD_LIMITS["outcome"] + 1)}, "outcome is longer than"),
    ({"user": "u" * (FIELD_LIMITS["user"] + 1)}, "user is longer than"),
    ({"notebook": "n" * (MAX_FIELD + 1)}, f"notebook is longer than {MAX_FIELD}"),
    ({"ref": 5}, "ref must be a string"),
    ({"outcome": True}, "outcome must be a string"),
    ({"ref": "dev/\x00x"}, "ref holds a NUL or an unpaired surrogate"),
    ({"notebook": "a\ud800.ipynb"}, "notebook holds a NUL or an unpaired surrogate"),
    ({"version": float("nan")}, "version is not a finite number"),
    ({"reason": {"nested": 1}}, "reason is not a scalar"),
    ({"x" * 5000: [1]}, "a field is not a scalar"),  # an unknown name is not echoed
]


@pytest.mark.parametrize(("event", "message"), OVER, ids=[m for _, m in OVER])
def test_what_the_store_could_not_keep_is_refused_in_one_line(
    event: dict[str, object], message: str
) -> None:
    problem = event_problem({"time": "t", "action": "read", **event})
    assert problem is not None and problem.startswith(message), problem
    assert "\n" not in problem and len(problem) < 120
    assert event_problem("not an object") == "not an object"


def test_a_batch_postgresql_refuses_is_kept_not_at_all(postgres: Postgres) -> None:
    """Why the service checks first: PostgreSQL (unlike SQLite) refuses an over-long ref,
    and with it the whole batch, none of which is kept."""
    store = EventStore(postgres.database("audit_refused"))
    good = {"time": "t", "action": "read", "ref": "dev/x", "outcome": "allowed"}
    with pytest.raises(sa.exc.DataError):
        store.add("alice", "r", [good, {**good, "ref": "r" * (FIELD_LIMITS["ref"] + 1)}])
    assert store.count() == 0, "part of a refused batch was kept"
    assert store.add("alice", "r", [good]) == 1
