"""Where the audit service keeps events: SQLite by default, any SQLAlchemy URL
(PostgreSQL) when configured. Rows are only ever inserted: the service has no way to
change or delete one."""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

#: The fields a sender may set; ``user`` (the hub's identity) and ``received`` are the service's.
SENT_FIELDS = (
    "time", "action", "ref", "backend", "version", "outcome", "reason",
    "kernel_id", "notebook", "source", "step", "approver",
)  # fmt: skip
MAX_FIELD = 1000
#: The sent fields that also get a column of their own, and its length: these must be text
#: that fits (PostgreSQL, unlike SQLite, enforces both). ``user`` is the claimed name.
FIELD_LIMITS = {"ref": 300, "outcome": 40, "user": 255}

metadata = sa.MetaData()
events = sa.Table(
    "events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("received", sa.String(40), nullable=False),
    sa.Column("user", sa.String(255), nullable=False, index=True),
    sa.Column("claimed_user", sa.String(FIELD_LIMITS["user"])),
    sa.Column("ref", sa.String(FIELD_LIMITS["ref"]), index=True),
    sa.Column("outcome", sa.String(FIELD_LIMITS["outcome"])),
    sa.Column("event", sa.Text, nullable=False),
)


class EventStore:
    def __init__(self, url: str) -> None:
        self.engine = sa.create_engine(url, future=True)
        if self.engine.dialect.name == "sqlite":
            with self.engine.begin() as connection:
                connection.exec_driver_sql("PRAGMA journal_mode=WAL")
        metadata.create_all(self.engine)
        self._lock = threading.Lock()

    def add(self, user: str, received: str, batch: Iterable[dict[str, Any]]) -> int:
        rows = []
        for sent in batch:
            event = {k: sent.get(k) for k in SENT_FIELDS if sent.get(k) is not None}
            event["user"] = user
            event["received"] = received
            claimed = sent.get("user")
            if isinstance(claimed, str) and claimed != user:
                event["claimed_user"] = claimed  # what the sender said: kept, never trusted
            rows.append(
                {
                    "received": received,
                    "user": user,
                    "claimed_user": claimed
                    if isinstance(claimed, str) and claimed != user
                    else None,
                    "ref": event.get("ref"),
                    "outcome": event.get("outcome"),
                    "event": json.dumps(event, separators=(",", ":")),
                }
            )
        if rows:
            with self._lock, self.engine.begin() as connection:
                connection.execute(events.insert(), rows)
        return len(rows)

    def read(self, user: str | None, limit: int, after: int = 0) -> list[dict[str, Any]]:
        query = sa.select(events.c.id, events.c.event).where(events.c.id > after)
        if user is not None:
            query = query.where(events.c.user == user)
        query = query.order_by(events.c.id).limit(limit)
        with self.engine.connect() as connection:
            return [{"id": row.id, **json.loads(row.event)} for row in connection.execute(query)]

    def count(self) -> int:
        with self.engine.connect() as connection:
            return int(
                connection.execute(sa.select(sa.func.count()).select_from(events)).scalar_one()
            )


def event_problem(event: object) -> str | None:
    """Why the store could not keep ``event`` as sent, in one line naming the field (never
    its value, nor a name the store does not know), or None: an object of scalar fields,
    text at most ``MAX_FIELD`` characters (those with a column of their own: text within
    ``FIELD_LIMITS``), with no NUL or unpaired surrogate, numbers finite."""
    if not isinstance(event, dict):
        return "not an object"
    for key, value in event.items():
        field = key if key in SENT_FIELDS or key == "user" else "a field"
        limit = FIELD_LIMITS.get(key)
        if value is None:
            continue
        if limit is not None and not isinstance(value, str):
            return f"{field} must be a string"
        if isinstance(value, (bool, int)):
            continue
        if isinstance(value, float):
            if not math.isfinite(value):
                return f"{field} is not a finite number"
            continue
        if not isinstance(value, str):
            return f"{field} is not a scalar"
        limit = limit or MAX_FIELD
        if len(value) > limit:
            return f"{field} is longer than {limit} characters"
        if "\x00" in value or not _encodes(value):
            return f"{field} holds a NUL or an unpaired surrogate"
    return None


def _encodes(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
