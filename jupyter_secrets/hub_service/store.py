"""Where the audit service keeps events: SQLite by default, any SQLAlchemy URL
(PostgreSQL) when configured. Rows are only ever inserted: the service has no way to
change or delete one."""

from __future__ import annotations

import json
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

metadata = sa.MetaData()
events = sa.Table(
    "events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("received", sa.String(40), nullable=False),
    sa.Column("user", sa.String(255), nullable=False, index=True),
    sa.Column("claimed_user", sa.String(255)),
    sa.Column("ref", sa.String(300), index=True),
    sa.Column("outcome", sa.String(40)),
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
