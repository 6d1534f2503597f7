"""The report's period: ``--since``/``--until`` as durations (``30d``) or dates.

A duration counts back from now: ``12h``, ``30d``, ``2w``. A date is a UTC day
(``2026-11-01``) or an ISO 8601 time (``2026-11-01T08:00``, ``...Z``,
``...+02:00``; without an offset it is UTC). The period is ``[since, until)``:
a date given to ``--until`` includes that whole day, so ``--since 2026-11-01
--until 2026-11-30`` is November. ``--since all`` starts at the first event.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from ..errors import InputError

_DURATION = re.compile(r"(\d{1,6})([hdw])")
_UNITS = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}
#: The default period: a monthly report.
DEFAULT_SINCE = "30d"


@dataclass(frozen=True)
class Period:
    """``since`` (None: from the first event) up to ``until``, exclusive."""

    since: datetime | None
    until: datetime

    @property
    def since_ts(self) -> float:
        return self.since.timestamp() if self.since is not None else float("-inf")

    @property
    def until_ts(self) -> float:
        return self.until.timestamp()


def parse_when(text: str, now: datetime, option: str, end_of_day: bool = False) -> datetime:
    """``text`` as an aware UTC time; InputError (exit 2) naming ``option`` otherwise."""
    value = text.strip()
    match = _DURATION.fullmatch(value)
    if match:
        return now - int(match.group(1)) * _UNITS[match.group(2)]
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            day = date.fromisoformat(value)
        except ValueError:
            raise _bad(option, text) from None
        start = datetime(day.year, day.month, day.day, tzinfo=timezone.utc)
        return start + timedelta(days=1) if end_of_day else start
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}[T ][0-9:.]+(Z|[+-]\d{2}:?\d{2})?", value):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise _bad(option, text) from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
        return moment.astimezone(timezone.utc)
    raise _bad(option, text)


def _bad(option: str, text: str) -> InputError:
    shown = text if len(text) <= 40 else text[:40] + "..."
    return InputError(
        f"{option} {shown!r} is neither a duration (12h, 30d, 2w) nor a date "
        "(2026-11-01 or 2026-11-01T08:00Z)"
    )


def parse_period(since: str | None, until: str | None, now: datetime) -> Period:
    """The period of ``--since`` (default: the last 30 days) and ``--until`` (default: now)."""
    end = parse_when(until, now, "--until", end_of_day=True) if until else now
    since_text = DEFAULT_SINCE if since is None else since
    start = None if since_text.strip() == "all" else parse_when(since_text, now, "--since")
    if start is not None and start >= end:
        raise InputError(
            f"--since ({start:%Y-%m-%d %H:%M} UTC) must be before --until "
            f"({end:%Y-%m-%d %H:%M} UTC); nothing would be reported"
        )
    return Period(start, end)
