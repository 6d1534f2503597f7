"""Malformed lines are skipped and counted; no other event is lost (a property test too)."""

from __future__ import annotations

import json
import tempfile
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jupyter_secrets.audit import OUTCOMES
from jupyter_secrets.audit_report import make_report
from jupyter_secrets.audit_report.period import parse_period
from jupyter_secrets.audit_report.reader import base_ref, read_logs
from jupyter_secrets.errors import InputError

from .events import NOW, days_ago, line, write_log


def _read(user: str, ref: str, days: float = 1, outcome: str = "allowed") -> str:
    return line(days_ago(days), user=user, action="read", ref=ref, outcome=outcome)


@pytest.mark.parametrize(
    "garbage",
    [
        "not json",
        "[1, 2]",
        '"a string"',
        "{}",
        '{"time": "yesterday", "action": "read", "outcome": "allowed", "ref": "dev/a"}',
        '{"time": 1700000000, "action": "read", "outcome": "allowed", "ref": "dev/a"}',
        '{"time": "2026-11-29T10:00:00+00:00", "action": 3, "outcome": "allowed"}',
        '{"time": "2026-11-29T10:00:00+00:00", "action": "read", "outcome": "allowed",'
        ' "ref": ["dev/a"]}',
        '{"time": "2026-11-29T10:00:00+00:00", "action": "read", "outcome": "allowed"}',
        '{"time": "2026-11-29T10:00:00+00:00", "user": {"n": 1}, "action": "read",'
        ' "outcome": "allowed", "ref": "dev/a"}',
        '{"time": "2026-11-29T10:00:00+00:00", "user": "x", "action": "read",'
        ' "outcome": "denied", "ref": "dev/a", "reason": ["nested"]}',
        '{"time": "2026-13-45T10:00:00+00:00", "action": "read", "outcome": "allowed",'
        ' "ref": "dev/a"}',
        '{"time": "", "action": "read", "outcome": "allowed", "ref": "dev/a"}',
        "",
    ],
)
def test_a_malformed_line_in_the_middle_is_skipped_and_counted(
    tmp_path: Path, garbage: str
) -> None:
    log = write_log(
        tmp_path / "audit.log",
        [_read("alice", "dev/a"), _read("alice", "dev/a"), garbage, _read("bob", "dev/a")],
    )
    report = make_report([log], now=NOW)
    assert report["totals"]["skipped_lines"] == 1
    assert report["sources"][0]["skipped_lines"] == [3]
    assert {(r["user"], r["reads"]) for r in report["access"]} == {("alice", 2), ("bob", 1)}


def test_a_torn_write_loses_only_the_torn_part(tmp_path: Path) -> None:
    whole = _read("bob", "prod/b")
    torn = _read("alice", "dev/a")[:37]  # a crash mid-write, the next append on its line
    log = tmp_path / "audit.log"
    log.write_text(f"{_read('alice', 'dev/a')}\n{torn}{whole}\n{_read('carol', 'stg/c')}\n")
    report = make_report([log], now=NOW)
    assert {r["user"] for r in report["access"]} == {"alice", "bob", "carol"}
    assert report["totals"]["skipped_lines"] == 1 and report["totals"]["reads_allowed"] == 3


def test_invalid_utf8_and_binary_noise_are_lines_like_any_other(tmp_path: Path) -> None:
    log = tmp_path / "audit.log"
    log.write_bytes(
        _read("alice", "dev/a").encode()
        + b"\n\xff\xfe\x00garbage\n"
        + b"\x00" * 50
        + b"\n"
        + _read("bob", "dev/a").encode()
        + b"\n"
    )
    report = make_report([log], now=NOW)
    assert report["totals"]["skipped_lines"] == 2 and report["totals"]["reads_allowed"] == 2


def test_times_with_other_offsets_and_without_one(tmp_path: Path) -> None:
    base = json.loads(_read("alice", "dev/a"))
    lines = []
    for text in ("2026-11-29T12:00:00Z", "2026-11-29T14:00:00+02:00", "2026-11-29T12:00:00"):
        lines.append(json.dumps({**base, "time": text}))
    log = write_log(tmp_path / "audit.log", lines)
    report = make_report([log], now=NOW)
    assert report["totals"]["reads_allowed"] == 3
    assert report["secrets"][0]["last_access"] == "2026-11-29T12:00:00+00:00"


def test_a_log_that_cannot_be_read_is_one_error(tmp_path: Path) -> None:
    period = parse_period("30d", None, NOW)
    with pytest.raises(InputError, match=r"no audit log at .*missing\.log; give an existing file"):
        read_logs([tmp_path / "missing.log"], period)
    with pytest.raises(InputError, match="is a directory"):
        read_logs([tmp_path], period)


@pytest.mark.parametrize(
    ("raw", "path"),
    [
        ("dev/a", "dev/a"),
        ("prod/db@3", "prod/db"),
        ("prod/db#user", "prod/db"),
        ("secret://stg/x@previous#f", "stg/x"),
    ],
)
def test_refs_count_by_their_path(raw: str, path: str) -> None:
    assert base_ref(raw) == path


# -- the property: valid events among garbage lose nothing ----------------------------

USERS = ["alice", "bob", "carol", None]
REFS = ["dev/db/password", "dev/api#token", "stg/s3/key@2", "prod/db/password", "prod/x@previous"]
ACTIONS = ["read", "read", "read", "write", "rotate", "delete", "save-blocked"]
START = NOW - timedelta(days=10)


@st.composite
def events(draw: st.DrawFn) -> dict[str, Any]:
    action = draw(st.sampled_from(ACTIONS))
    seconds = draw(st.integers(0, 20 * 86400))  # half of them before the 10-day period
    event: dict[str, Any] = {
        "time": (START - timedelta(days=10) + timedelta(seconds=seconds)).isoformat(
            timespec="milliseconds"
        ),
        "user": draw(st.sampled_from(USERS)),
        "action": action,
        "ref": None if action.startswith("save-") else draw(st.sampled_from(REFS)),
        "outcome": draw(st.sampled_from(OUTCOMES)),
        "reason": draw(st.one_of(st.none(), st.text(max_size=20))),
        "notebook": draw(st.one_of(st.none(), st.sampled_from(["a.ipynb", "b/c.ipynb"]))),
    }
    return event


def _garbage() -> st.SearchStrategy[bytes]:
    """Lines that can never be a valid event (and hold no newline)."""
    no_newline = st.text(st.characters(exclude_characters="\n"), max_size=60)
    valid = events().map(lambda e: json.dumps(e).encode())
    return st.one_of(
        no_newline.map(lambda t: ("#" + t).encode()),  # not JSON
        st.binary(max_size=40).map(lambda b: b"\xff" + b.replace(b"\n", b"")),  # not UTF-8
        st.one_of(st.integers(), st.lists(st.integers()), no_newline).map(
            lambda v: json.dumps(v).encode()  # JSON, not an object
        ),
        events().map(lambda e: json.dumps({**e, "time": "not a time"}).encode()),
        events().map(lambda e: json.dumps({**e, "action": 7}).encode()),
        events().map(lambda e: json.dumps({k: v for k, v in e.items() if k != "time"}).encode()),
        valid.flatmap(lambda b: st.integers(1, len(b) - 1).map(lambda n: b[:n])),  # truncated
    )


def _expected(valid: list[dict[str, Any]]) -> dict[str, Any]:
    since, until = START.timestamp(), NOW.timestamp()
    inside = [e for e in valid if since <= datetime.fromisoformat(e["time"]).timestamp() < until]
    reads = Counter(
        (base_ref(e["ref"]), e["user"] or "(unknown)")
        for e in inside
        if e["action"] == "read" and e["outcome"] == "allowed"
    )
    denied = sum(1 for e in inside if e["outcome"] == "denied" and e["action"] != "save-blocked")
    saves = sum(1 for e in inside if e["outcome"] == "denied" and e["action"] == "save-blocked")
    return {"events": len(inside), "reads": dict(reads), "denied": denied, "saves": saves}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.one_of(events().map(lambda e: ("event", e)), _garbage().map(lambda g: ("junk", g))),
        max_size=40,
    )
)
def test_counts_equal_the_valid_events_among_garbage(items: list[tuple[str, Any]]) -> None:
    valid = [item for kind, item in items if kind == "event"]
    junk = sum(1 for kind, _ in items if kind == "junk")
    data = b"".join(
        (json.dumps(item).encode() if kind == "event" else item) + b"\n" for kind, item in items
    )
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "audit.log"
        log.write_bytes(data)
        report = make_report([log], since=START.isoformat(), now=NOW)
    expected = _expected(valid)
    assert report["totals"]["skipped_lines"] == junk
    assert report["sources"][0]["events"] == len(valid)
    assert report["totals"]["events"] == expected["events"]
    assert {(r["ref"], r["user"]): r["reads"] for r in report["access"]} == expected["reads"]
    assert report["totals"]["denied"] == expected["denied"]
    assert report["totals"]["save_refusals"] == expected["saves"]
    timeline = sum(sum(row["counts"].values()) for row in report["timeline"]["rows"])
    assert timeline == sum(expected["reads"].values())


def test_the_period_of_the_property_test_is_what_it_claims() -> None:
    # a guard on the test above: half its times fall before the period, none after
    period = parse_period(START.isoformat(), None, NOW)
    assert period.since == START.astimezone(timezone.utc) and period.until == NOW
