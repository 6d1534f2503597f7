"""Reading audit logs in one streaming pass: nothing but the aggregates stays in memory.

Each line is parsed with orjson and folded into :class:`Tally` at once, so a
million events take seconds and the memory use follows the number of distinct
(ref, user) pairs, not of events. A line that is not a valid event (not JSON,
not an object, a missing or invalid ``time``, a field of the wrong type) is
skipped and counted, and costs no other line: a write torn in the middle and
continued by the next append (``{"time":..., "us{"time":...}``) loses the torn
part only, the complete event after it is still read.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from ..errors import InputError
from .period import Period

UNKNOWN_USER = "(unknown)"
#: Actions whose events always name a ref.
_REF_ACTIONS = frozenset({"read", "write", "delete", "rotate"})
#: How many malformed line numbers are kept per file, to point at them.
_KEEP_BAD_LINES = 5
_EVENT_START = b'{"time"'
_DAY = 86400.0


@dataclass
class SourceStats:
    """One log file: how many events it gave, how many lines were skipped and where."""

    path: str
    events: int = 0
    skipped: int = 0
    bad_lines: list[int] = field(default_factory=list)
    first: float | None = None
    last: float | None = None


@dataclass
class Tally:
    """Everything the report needs, folded event by event.

    Keys use the ref's path (version and field dropped: ``prod/db#user@2`` is
    ``prod/db``) and the user's name. Values are ``[count, last time]`` lists,
    times as POSIX seconds (UTC).
    """

    #: allowed reads in the period, per (ref, user)
    reads: dict[tuple[str, str], list[float]] = field(default_factory=dict)
    #: allowed reads per (UTC day number, scope), in the period
    daily: dict[tuple[int, str], int] = field(default_factory=dict)
    #: the last allowed read of each ref before the period
    read_before: dict[str, float] = field(default_factory=dict)
    #: reads in the period that failed, per (ref, outcome): not_found, error, ...
    failed_reads: dict[tuple[str, str], int] = field(default_factory=dict)
    #: denied attempts in the period, per (user, ref, action, reason)
    denied: dict[tuple[str, str, str, str], list[float]] = field(default_factory=dict)
    #: refused saves in the period, per (user, notebook, action, reason)
    save_refusals: dict[tuple[str, str, str, str], list[float]] = field(default_factory=dict)
    #: the last new value of each ref (write stored, rotate promoted) before the period's end
    last_rotation: dict[str, tuple[float, str, str]] = field(default_factory=dict)
    #: events in the period per (action, outcome)
    actions: dict[tuple[str, str], int] = field(default_factory=dict)
    #: events in the period (valid ones), and those read but outside it
    in_period: int = 0
    outside_period: int = 0
    sources: list[SourceStats] = field(default_factory=list)


def base_ref(ref: str) -> str:
    """The ref's path: no ``secret://``, no ``@version``, no ``#field``."""
    if ref.startswith("secret://"):
        ref = ref[len("secret://") :]
    return ref.partition("#")[0].partition("@")[0]


def _text(value: object) -> str | None:
    """A scalar field as text (the log allows any scalar); None for anything else."""
    if value is None:
        return ""
    if isinstance(value, (str, int, float)):  # bool is an int
        return str(value)
    return None


def _salvage(line: bytes) -> Any:
    """The event after a torn write on the same line, if there is one."""
    at = line.rfind(_EVENT_START)
    if at <= 0:
        return None
    try:
        return orjson.loads(line[at:])
    except orjson.JSONDecodeError:
        return None


def _open(path: Path) -> BinaryIO:
    try:
        if path.is_dir():
            raise InputError(f"the audit log {path} is a directory; give the log file")
        return path.open("rb")
    except FileNotFoundError:
        raise InputError(f"no audit log at {path}; give an existing file with --log") from None
    except OSError as exc:
        raise InputError(f"cannot read the audit log {path}: {exc.strerror}") from None


def read_logs(paths: list[Path], period: Period) -> Tally:
    """Fold every event of ``paths`` (each once, in order) into one Tally."""
    tally = Tally()
    seen: set[str] = set()
    handles = []
    for path in paths:  # open them all first: a bad path fails before any work
        key = os.path.realpath(path)
        if key in seen:
            continue
        seen.add(key)
        handles.append((path, _open(path)))
    for path, handle in handles:
        with handle:
            tally.sources.append(_fold(str(path), handle, period, tally))
    return tally


def read_lines(name: str, lines: Iterable[bytes], period: Period) -> Tally:
    """Fold the JSON lines ``lines`` (e.g. from the hub audit service) into a Tally."""
    tally = Tally()
    tally.sources.append(_fold(name, lines, period, tally))
    return tally


def _fold(name: str, handle: Iterable[bytes], period: Period, tally: Tally) -> SourceStats:  # noqa: C901, PLR0912, PLR0915 (one flat loop: it runs once per event)
    stats = SourceStats(name)
    since, until = period.since_ts, period.until_ts
    loads, decode_error = orjson.loads, orjson.JSONDecodeError
    fromiso, utc = datetime.fromisoformat, timezone.utc
    refs: dict[str, tuple[str, str]] = {}  # raw ref -> (path, scope)
    reads, daily, read_before = tally.reads, tally.daily, tally.read_before
    failed, denied, saves = tally.failed_reads, tally.denied, tally.save_refusals
    rotation, actions = tally.last_rotation, tally.actions
    events = skipped = in_period = outside = 0
    first = last = None
    bad_lines = stats.bad_lines
    lineno = 0
    event: Any
    ref: Any
    user: Any
    reason: Any
    place: Any
    try:
        for line in handle:
            lineno += 1
            try:
                event = loads(line)
            except decode_error:
                event = _salvage(line)
                if event is None:
                    skipped += 1
                    if len(bad_lines) < _KEEP_BAD_LINES:
                        bad_lines.append(lineno)
                    continue
                skipped += 1  # the torn part; the event after it is read below
                if len(bad_lines) < _KEEP_BAD_LINES:
                    bad_lines.append(lineno)
            try:
                if type(event) is not dict:
                    raise ValueError
                when = event.get("time")
                action = event.get("action")
                outcome = event.get("outcome")
                user = event.get("user")
                ref = event.get("ref")
                if type(when) is not str or type(action) is not str or type(outcome) is not str:
                    raise ValueError
                if user is None:
                    user = UNKNOWN_USER
                elif type(user) is not str:
                    raise ValueError
                if ref is None:
                    if action in _REF_ACTIONS:
                        raise ValueError
                    scope = ""
                elif type(ref) is not str:
                    raise ValueError
                else:
                    known = refs.get(ref)
                    if known is None:
                        path = base_ref(ref)
                        known = refs[ref] = (path, path.partition("/")[0])
                    ref, scope = known
                if outcome == "denied":
                    reason = _text(event.get("reason"))
                    place = _text(event.get("notebook")) if action.startswith("save-") else ""
                    if reason is None or place is None:
                        raise ValueError
                moment = fromiso(when if when[-1:] != "Z" else when[:-1] + "+00:00")
                if moment.tzinfo is None:
                    moment = moment.replace(tzinfo=utc)
                ts = moment.timestamp()
            except (ValueError, OverflowError):
                skipped += 1
                if len(bad_lines) < _KEEP_BAD_LINES:
                    bad_lines.append(lineno)
                continue
            events += 1
            if first is None or ts < first:
                first = ts
            if last is None or ts > last:
                last = ts
            if ts >= until:
                outside += 1
                continue
            inside = ts >= since
            if action == "read" and outcome == "allowed":
                if inside:
                    key = (ref, user)
                    cell = reads.get(key)
                    if cell is None:
                        reads[key] = [1, ts]
                    else:
                        cell[0] += 1
                        cell[1] = max(cell[1], ts)
                    day = (int(ts // _DAY), scope)
                    daily[day] = daily.get(day, 0) + 1
                elif read_before.get(ref, -1.0) < ts:
                    read_before[ref] = ts
            elif (action == "write" and outcome == "stored") or (
                action == "rotate" and outcome == "promoted"
            ):
                best = rotation.get(ref)
                if best is None or ts > best[0]:
                    rotation[ref] = (ts, action, user)
            if not inside:
                outside += 1
                continue
            in_period += 1
            pair = (action, outcome)
            actions[pair] = actions.get(pair, 0) + 1
            if outcome == "denied":
                if action.startswith("save-"):
                    dkey = (user, place, action, reason)
                    table = saves
                else:
                    dkey = (user, ref or "", action, reason)
                    table = denied
                cell = table.get(dkey)
                if cell is None:
                    table[dkey] = [1, ts]
                else:
                    cell[0] += 1
                    cell[1] = max(cell[1], ts)
            elif action == "read" and outcome != "allowed":
                fkey = (ref, outcome)
                failed[fkey] = failed.get(fkey, 0) + 1
    except OSError as exc:
        raise InputError(f"cannot read the audit log {name}: {exc.strerror}") from None
    stats.events, stats.skipped, stats.first, stats.last = events, skipped, first, last
    tally.in_period += in_period
    tally.outside_period += outside
    return stats
