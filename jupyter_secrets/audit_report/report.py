"""The report's content, built from a :class:`~.reader.Tally`: one JSON-ready dict.

Every format renders this dict (text, JSON, CSV, HTML), so they agree on every
number. What it holds are names (refs, users, notebooks, backends' actions),
counts and times, and the ``reason`` text the log itself holds; never a value.

The checks against the inventory:

- **unused**: an inventory secret with no allowed read in the period ("propose
  cleanup"); its last read before the period is shown when the logs have one.
- **rotation**: an inventory secret with ``rotation_days`` whose last new value
  (a ``write`` that ``stored``, a ``rotate`` that ``promoted``) in the logs, at
  any time before the period's end, is older than its cadence at the period's
  end: ``overdue``; with no such event in the logs: ``no record`` (the logs may
  start after its last rotation: check the store).
- **env mismatch**: an inventory secret whose ``env`` is not its ref's scope
  (``prod/shared/key`` with env ``stg``): each read of it crosses envs.

Reads outside a user's env (no inventory needed): a user's *home scope* is the
scope of more than half of their allowed reads in the period; their reads of
any other scope that make up at most 10% of their reads are listed. A user
with no majority scope works across envs, and nothing is listed for them. The
log does not say which env a kernel or notebook serves, so this is the rule:
a habit and its exceptions, not a proof of misuse.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from ..refs import DEFAULT_SCOPES
from .inventory import Entry
from .period import Period
from .reader import Tally

#: A home scope holds more than this share of a user's reads.
HOME_SHARE = 0.5
#: Reads of another scope are listed when they are at most this share of the user's reads.
OUTSIDE_SHARE = 0.10
#: Periods longer than this many days are charted by week.
DAILY_CHART_DAYS = 120
OUTSIDE_RULE = (
    "a user's home scope is the scope of more than half of their allowed reads in the "
    "period; their reads of another scope that are at most 10% of their reads are listed"
)
SAVE_REFUSALS_NOTE = (
    "the server's save gate audits every save it refuses (action save-blocked or "
    "save-refused, outcome denied, reason: the types of finding)"
)
_DAY = 86400


def iso(ts: float | None) -> str | None:
    """POSIX seconds as ISO 8601 UTC (seconds precision), None for None."""
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, timezone.utc).isoformat(timespec="seconds")


def build_report(  # noqa: C901, PLR0912, PLR0915 (one section after another)
    tally: Tally,
    period: Period,
    now: datetime,
    inventory: list[Entry] | None = None,
    inventory_path: str | None = None,
    inventory_problems: list[str] | None = None,
) -> dict[str, Any]:
    """The report as a dict of lists, dicts, strings and numbers (what ``--format json`` prints)."""
    # -- per secret, per user, per pair -----------------------------------
    per_ref: dict[str, dict[str, Any]] = {}
    per_user: dict[str, dict[str, Any]] = {}
    access: list[dict[str, Any]] = []
    by_user: dict[str, list[tuple[str, int, float]]] = {}
    for (ref, user), (count, last) in tally.reads.items():
        n = int(count)
        by_user.setdefault(user, []).append((ref, n, last))
        access.append({"ref": ref, "user": user, "reads": n, "last_access": iso(last)})
        row = per_ref.setdefault(ref, _ref_row(ref))
        row["reads"] += n
        row["users"] += 1
        if row["_last"] is None or last > row["_last"]:
            row["_last"], row["last_user"] = last, user
        urow = per_user.setdefault(user, _user_row(user))
        urow["reads"] += n
        urow["secrets"] += 1
        scope = ref.partition("/")[0]
        urow["scopes"][scope] = urow["scopes"].get(scope, 0) + n
        if urow["_last"] is None or last > urow["_last"]:
            urow["_last"] = last
    for (ref, outcome), count in tally.failed_reads.items():
        row = per_ref.setdefault(ref, _ref_row(ref))
        key = "not_found" if outcome == "not_found" else "errors"
        row[key] += count
    denied: list[dict[str, Any]] = []
    for (user, ref, action, reason), (count, last) in tally.denied.items():
        n = int(count)
        denied.append(
            {
                "user": user,
                "ref": ref,
                "action": action,
                "reason": reason,
                "count": n,
                "last": iso(last),
            }
        )
        if ref:
            per_ref.setdefault(ref, _ref_row(ref))["denied"] += n
        per_user.setdefault(user, _user_row(user))["denied"] += n
    saves: list[dict[str, Any]] = []
    for (user, notebook, action, reason), (count, last) in tally.save_refusals.items():
        n = int(count)
        saves.append(
            {
                "user": user,
                "notebook": notebook,
                "action": action,
                "reason": reason,
                "count": n,
                "last": iso(last),
            }
        )
        per_user.setdefault(user, _user_row(user))["save_refusals"] += n
    for row in (*per_ref.values(), *per_user.values()):
        row["last_access"] = iso(row.pop("_last"))
    secrets = sorted(per_ref.values(), key=lambda r: (-r["reads"], r["ref"]))
    users = sorted(per_user.values(), key=lambda r: (-r["reads"], r["user"]))
    for urow in users:
        urow["scopes"] = dict(sorted(urow["scopes"].items(), key=lambda kv: scope_order(kv[0])))
    access.sort(key=lambda r: (r["ref"], -r["reads"], r["user"]))
    denied.sort(key=lambda r: (-r["count"], r["user"], r["ref"], r["action"], r["reason"]))
    saves.sort(key=lambda r: (-r["count"], r["user"], r["notebook"], r["action"], r["reason"]))

    # -- reads outside a user's env -----------------------------------------
    outside: list[dict[str, Any]] = []
    for urow in users:
        total = urow["reads"]
        if not total:
            continue
        home = max(urow["scopes"].items(), key=lambda kv: kv[1])
        if home[1] <= HOME_SHARE * total:
            continue
        for ref, count, last in by_user[urow["user"]]:
            scope = ref.partition("/")[0]
            if scope != home[0] and urow["scopes"][scope] <= OUTSIDE_SHARE * total:
                outside.append(
                    {
                        "user": urow["user"],
                        "home_scope": home[0],
                        "scope": scope,
                        "ref": ref,
                        "reads": count,
                        "last": iso(last),
                    }
                )
    outside.sort(key=lambda r: (r["user"], r["scope"], r["ref"]))

    # -- the timeline ---------------------------------------------------------
    timeline = _timeline(tally, period)

    # -- the inventory ------------------------------------------------------
    inventory_part: dict[str, Any] | None = None
    if inventory is not None:
        end = period.until.timestamp()
        unused: list[dict[str, Any]] = []
        rotation: list[dict[str, Any]] = []
        mismatch: list[dict[str, Any]] = []
        for entry in sorted(inventory, key=lambda e: e.ref):
            found = per_ref.get(entry.ref)
            if found is None or not found["reads"]:
                unused.append(
                    {
                        "ref": entry.ref,
                        "owners": list(entry.owners),
                        "env": entry.env,
                        "last_read_before_period": iso(tally.read_before.get(entry.ref)),
                        "proposal": "unused: propose cleanup",
                    }
                )
            if entry.rotation_days is not None:
                last_new = tally.last_rotation.get(entry.ref)
                if last_new is None:
                    rotation.append(
                        {
                            "ref": entry.ref,
                            "owners": list(entry.owners),
                            "rotation_days": entry.rotation_days,
                            "last_rotated": None,
                            "by": None,
                            "age_days": None,
                            "overdue_days": None,
                            "status": "no record",
                        }
                    )
                else:
                    age = int((end - last_new[0]) // _DAY)
                    if age > entry.rotation_days:
                        rotation.append(
                            {
                                "ref": entry.ref,
                                "owners": list(entry.owners),
                                "rotation_days": entry.rotation_days,
                                "last_rotated": iso(last_new[0]),
                                "by": last_new[2],
                                "age_days": age,
                                "overdue_days": age - entry.rotation_days,
                                "status": "overdue",
                            }
                        )
            if entry.env and entry.env != entry.scope:
                mismatch.append(
                    {
                        "ref": entry.ref,
                        "env": entry.env,
                        "scope": entry.scope,
                        "reads": found["reads"] if found else 0,
                        "users": found["users"] if found else 0,
                    }
                )
        rotation.sort(key=lambda r: (r["status"] != "overdue", -(r["overdue_days"] or 0), r["ref"]))
        inventory_part = {
            "path": inventory_path,
            "entries": len(inventory),
            "problems": list(inventory_problems or ()),
            "unused": unused,
            "rotation": rotation,
            "env_mismatch": mismatch,
        }

    skipped = sum(s.skipped for s in tally.sources)
    return {
        "report": "jupyter-secrets audit report",
        "generated": now.astimezone(timezone.utc).isoformat(timespec="seconds"),
        "period": {
            "since": period.since.isoformat(timespec="seconds") if period.since else None,
            "until": period.until.isoformat(timespec="seconds"),
        },
        "sources": [
            {
                "path": s.path,
                "events": s.events,
                "skipped": s.skipped,
                "skipped_lines": list(s.bad_lines),
                "first": iso(s.first),
                "last": iso(s.last),
            }
            for s in tally.sources
        ],
        "totals": {
            "events": tally.in_period,
            "reads_allowed": sum(r["reads"] for r in secrets),
            "denied": sum(r["count"] for r in denied),
            "save_refusals": sum(r["count"] for r in saves),
            "secrets_read": sum(1 for r in secrets if r["reads"]),
            "users": len(users),
            "skipped_lines": skipped,
        },
        "actions": [
            {"action": a, "outcome": o, "count": n}
            for (a, o), n in sorted(tally.actions.items(), key=lambda kv: (-kv[1], kv[0]))
        ],
        "secrets": secrets,
        "users": users,
        "access": access,
        "denied": denied,
        "save_refusals": {"note": SAVE_REFUSALS_NOTE, "rows": saves},
        "outside_env": {"rule": OUTSIDE_RULE, "rows": outside},
        "inventory": inventory_part,
        "timeline": timeline,
    }


def scope_order(scope: str) -> tuple[int, str]:
    """dev, stg, prod first (least to most sensitive), then the others by name."""
    return (DEFAULT_SCOPES.index(scope) if scope in DEFAULT_SCOPES else len(DEFAULT_SCOPES), scope)


def _ref_row(ref: str) -> dict[str, Any]:
    return {
        "ref": ref,
        "scope": ref.partition("/")[0],
        "reads": 0,
        "users": 0,
        "last_access": None,
        "last_user": None,
        "denied": 0,
        "not_found": 0,
        "errors": 0,
        "_last": None,
    }


def _user_row(user: str) -> dict[str, Any]:
    return {
        "user": user,
        "reads": 0,
        "secrets": 0,
        "scopes": {},
        "denied": 0,
        "save_refusals": 0,
        "last_access": None,
        "_last": None,
    }


def _timeline(tally: Tally, period: Period) -> dict[str, Any]:
    """Allowed reads per day (per week for long periods) and scope, every bucket listed."""
    days = [day for day, _ in tally.daily]
    end_day = int((period.until.timestamp() - 1e-6) // _DAY)
    if period.since is not None:
        start_day = int(period.since.timestamp() // _DAY)
    else:
        start_day = min(days) if days else end_day
    weekly = end_day - start_day + 1 > DAILY_CHART_DAYS
    step = 7 if weekly else 1
    if weekly:  # weeks start on Monday (day 0 of the epoch was a Thursday)
        start_day -= (start_day + 3) % 7
    scopes = sorted({scope for _, scope in tally.daily}, key=scope_order)
    buckets: dict[int, dict[str, int]] = {}
    for (day, scope), count in tally.daily.items():
        start = day - (day - start_day) % step
        counts = buckets.setdefault(start, {})
        counts[scope] = counts.get(scope, 0) + count
    rows: list[dict[str, Any]] = []
    for start in range(start_day, end_day + 1, step):
        counts = buckets.get(start, {})
        rows.append(
            {
                "start": datetime.fromtimestamp(start * _DAY, timezone.utc).date().isoformat(),
                "counts": {scope: counts.get(scope, 0) for scope in scopes},
            }
        )
    return {"bucket": "week" if weekly else "day", "scopes": scopes, "rows": rows}
