"""``--since``/``--until``: durations, dates and times; anything else is one error."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from jupyter_secrets.audit_report.period import parse_period
from jupyter_secrets.errors import InputError

from .events import NOW


@pytest.mark.parametrize(
    ("since", "expected"),
    [
        ("30d", NOW - timedelta(days=30)),
        ("12h", NOW - timedelta(hours=12)),
        ("2w", NOW - timedelta(weeks=2)),
        ("2026-11-01", datetime(2026, 11, 1, tzinfo=timezone.utc)),
        ("2026-11-01T08:30", datetime(2026, 11, 1, 8, 30, tzinfo=timezone.utc)),
        ("2026-11-01T08:30Z", datetime(2026, 11, 1, 8, 30, tzinfo=timezone.utc)),
        ("2026-11-01T10:30:00+02:00", datetime(2026, 11, 1, 8, 30, tzinfo=timezone.utc)),
        (None, NOW - timedelta(days=30)),
        ("all", None),
    ],
)
def test_since(since: str | None, expected: datetime | None) -> None:
    period = parse_period(since, None, NOW)
    assert period.since == expected and period.until == NOW


def test_a_date_until_includes_its_day_a_time_does_not() -> None:
    assert parse_period("2026-11-01", "2026-11-30", NOW).until == datetime(
        2026, 12, 1, tzinfo=timezone.utc
    )
    assert parse_period("2026-11-01", "2026-11-30T00:00Z", NOW).until == datetime(
        2026, 11, 30, tzinfo=timezone.utc
    )
    assert parse_period("60d", "7d", NOW).until == NOW - timedelta(days=7)


@pytest.mark.parametrize(
    ("since", "until", "message"),
    [
        ("yesterday", None, "--since 'yesterday' is neither a duration"),
        ("30", None, "--since '30' is neither"),
        ("3 days", None, "neither a duration (12h, 30d, 2w) nor a date"),
        ("-5d", None, "--since '-5d'"),
        ("2026-02-30", None, "--since '2026-02-30'"),
        ("2026-11-01T25:00", None, "--since '2026-11-01T25:00'"),
        ("30d", "tomorrow", "--until 'tomorrow'"),
        ("2026-11-10", "2026-11-01", "must be before --until"),
        ("1d", "2d", "must be before --until"),
    ],
)
def test_a_bad_period_is_one_line(since: str, until: str | None, message: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_period(since, until, NOW)
    assert message in caught.value.message
    assert "\n" not in str(caught.value) and caught.value.exit_code == 2


def test_a_long_bad_value_is_not_echoed_whole() -> None:
    with pytest.raises(InputError) as caught:
        parse_period("x" * 500, None, NOW)
    assert "x" * 41 not in caught.value.message
