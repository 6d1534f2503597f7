"""The audit service's store (SQLite through SQLAlchemy): the hub's identity is what is
stored, a claimed other name is kept beside it, events are only ever added."""

from __future__ import annotations

from pathlib import Path

from jupyter_secrets.hub_service.store import EventStore


def test_identity_claims_and_paging(tmp_path: Path) -> None:
    store = EventStore(f"sqlite:///{tmp_path / 'audit.sqlite'}")
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
    reopened = EventStore(f"sqlite:///{tmp_path / 'audit.sqlite'}")
    assert reopened.count() == 3, "events did not survive a restart"
    assert not any(hasattr(store, name) for name in ("delete", "update", "remove"))
