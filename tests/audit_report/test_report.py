"""The report over events the real code writes: AuditLog.record and a SecretManager
over the encrypted file store, for two users; inventory checks; the env rule."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from jupyter_secrets.audit import AuditLog
from jupyter_secrets.audit_report import make_report
from jupyter_secrets.config import SecretsConfig
from jupyter_secrets.errors import ScopeDeniedError, SecretNotFoundError
from jupyter_secrets.manager import SecretManager
from tests.support.fakes import fake_secret

from .events import NOW, days_ago, line, write_inventory, write_log


def _settings(tmp_path: Path, scopes: list[str]) -> SecretsConfig:
    return SecretsConfig(
        routes={"": "file"},
        backend_options={"file": {"path": str(tmp_path / "store.enc")}},
        audit_log=str(tmp_path / "audit.log"),
        allowed_scopes=scopes,
    )


@pytest.fixture
def two_users(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """alice (dev, stg, prod) stores and reads; bob (dev only) reads and is denied prod."""
    monkeypatch.delenv("JUPYTER_SECRETS_BACKEND", raising=False)
    monkeypatch.setenv("JUPYTER_SECRETS_PASSPHRASE", secrets.token_urlsafe(12))
    alice = SecretManager(_settings(tmp_path, ["dev", "stg", "prod"]), user="alice")
    bob = SecretManager(_settings(tmp_path, ["dev"]), user="bob")
    values = {ref: fake_secret("audit-", 12) for ref in ("dev/db/password", "prod/db/password")}
    for ref, value in values.items():
        alice.set(ref, value)
    alice.context.update(kernel_id="k-alice", notebook="alice/etl.ipynb", source="kernel")
    for _ in range(3):
        alice.get("prod/db/password", refresh=True)
    alice.get("dev/db/password", refresh=True)
    for _ in range(2):
        bob.get("dev/db/password", refresh=True)
    with pytest.raises(ScopeDeniedError):
        bob.get("prod/db/password")
    with pytest.raises(SecretNotFoundError):
        bob.get("dev/db/missing")
    return {"log": tmp_path / "audit.log", "values": values, "tmp": tmp_path}


def test_each_access_and_denial_goes_to_its_user(two_users: dict[str, Any]) -> None:
    report = make_report([two_users["log"]], since="1h")
    pairs = {(r["ref"], r["user"]): r["reads"] for r in report["access"]}
    assert pairs == {
        ("prod/db/password", "alice"): 3,
        ("dev/db/password", "alice"): 1,
        ("dev/db/password", "bob"): 2,
    }
    users = {r["user"]: r for r in report["users"]}
    assert (users["alice"]["reads"], users["alice"]["denied"]) == (4, 0)
    assert (users["bob"]["reads"], users["bob"]["denied"]) == (2, 1)
    assert users["bob"]["scopes"] == {"dev": 2}
    [denied] = report["denied"]
    assert (denied["user"], denied["ref"], denied["action"], denied["count"]) == (
        "bob",
        "prod/db/password",
        "read",
        1,
    )
    assert "prod" in denied["reason"]  # the manager's own one-line reason, as logged
    secrets_ = {r["ref"]: r for r in report["secrets"]}
    assert secrets_["prod/db/password"]["last_user"] == "alice"
    assert secrets_["dev/db/missing"]["not_found"] == 1
    assert report["totals"]["reads_allowed"] == 6
    assert report["totals"]["users"] == 2
    actions = {(a["action"], a["outcome"]): a["count"] for a in report["actions"]}
    assert actions[("write", "stored")] == 2
    # the last access is the log's last allowed read, and by whom
    events = list(AuditLog(two_users["log"]).events())
    dev_reads = [e for e in events if e["ref"] == "dev/db/password" and e["outcome"] == "allowed"]
    latest = max(e["time"] for e in dev_reads)
    assert secrets_["dev/db/password"]["last_user"] in {
        e["user"] for e in dev_reads if e["time"] == latest
    }
    last_prod = max(
        e["time"] for e in events if e["ref"] == "prod/db/password" and e["outcome"] == "allowed"
    )
    assert secrets_["prod/db/password"]["last_access"] == _seconds(last_prod)


def _seconds(iso: str) -> str:
    moment = datetime.fromisoformat(iso)
    return moment.replace(microsecond=0).isoformat(timespec="seconds")


def test_an_inventory_secret_nobody_read_is_unused(two_users: dict[str, Any]) -> None:
    inventory = write_inventory(
        two_users["tmp"] / "secrets.json",
        [
            {"ref": "prod/db/password", "owner": "data", "env": "prod", "rotation_days": 90},
            {"ref": "dev/db/password", "owner": "data", "env": "dev"},
            {"ref": "prod/legacy/api-key", "owner": ["ops"], "env": "prod"},
        ],
    )
    report = make_report([two_users["log"]], since="1h", inventory=inventory)
    part = report["inventory"]
    assert part["entries"] == 3
    assert [(r["ref"], r["owners"], r["proposal"]) for r in part["unused"]] == [
        ("prod/legacy/api-key", ["ops"], "unused: propose cleanup")
    ]
    assert part["rotation"] == []  # prod/db/password was stored a moment ago
    assert part["env_mismatch"] == []


def test_a_secret_past_its_cadence_is_listed(two_users: dict[str, Any]) -> None:
    inventory = write_inventory(
        two_users["tmp"] / "secrets.json",
        [
            {"ref": "prod/db/password", "owner": "data", "env": "prod", "rotation_days": 90},
            {"ref": "dev/db/password", "owner": "data", "env": "dev", "rotation_days": 365},
            {"ref": "stg/never/written", "owner": "data", "env": "stg", "rotation_days": 30},
        ],
    )
    later = datetime.now(timezone.utc) + timedelta(days=100)  # the report, 100 days on
    report = make_report([two_users["log"]], since="all", inventory=inventory, now=later)
    rows = {r["ref"]: r for r in report["inventory"]["rotation"]}
    assert set(rows) == {"prod/db/password", "stg/never/written"}
    overdue = rows["prod/db/password"]
    assert overdue["status"] == "overdue" and overdue["by"] == "alice"
    assert overdue["age_days"] in (99, 100) and overdue["overdue_days"] == overdue["age_days"] - 90
    assert rows["stg/never/written"]["status"] == "no record"


def test_a_promoted_rotation_resets_the_cadence(tmp_path: Path) -> None:
    log = write_log(
        tmp_path / "audit.log",
        [
            line(days_ago(200), user="alice", action="write", ref="prod/a", outcome="stored"),
            line(days_ago(10), user="ops", action="rotate", ref="prod/a", outcome="promoted"),
            line(days_ago(200), user="alice", action="write", ref="prod/b", outcome="stored"),
            # staged but never promoted: not a new value
            line(days_ago(5), user="ops", action="rotate", ref="prod/b", outcome="staged"),
            line(days_ago(5), user="ops", action="rotate", ref="prod/b", outcome="rolled_back"),
            # after the period's end: not counted
            line(days_ago(-1), user="ops", action="write", ref="prod/b", outcome="stored"),
        ],
    )
    inventory = write_inventory(
        tmp_path / "secrets.json",
        [{"ref": r, "env": "prod", "rotation_days": 90} for r in ("prod/a", "prod/b")],
    )
    report = make_report([log], inventory=inventory, now=NOW)
    [row] = report["inventory"]["rotation"]
    assert (row["ref"], row["status"], row["age_days"], row["overdue_days"]) == (
        "prod/b",
        "overdue",
        200,
        110,
    )


def test_env_mismatch_and_reads_outside_a_users_env(tmp_path: Path) -> None:
    lines = []
    # carol reads dev 19 times and prod once: the prod read is outside her env (5%)
    lines += [line(days_ago(2), user="carol", action="read", ref="dev/x", outcome="allowed")] * 19
    lines.append(line(days_ago(1), user="carol", action="read", ref="prod/x", outcome="allowed"))
    # dave works across envs (half and half): nothing is listed for him
    lines += [line(days_ago(2), user="dave", action="read", ref="dev/x", outcome="allowed")] * 5
    lines += [line(days_ago(2), user="dave", action="read", ref="prod/x", outcome="allowed")] * 5
    # erin mostly prod, some stg (20%): above the 10% share, not listed
    lines += [line(days_ago(2), user="erin", action="read", ref="prod/x", outcome="allowed")] * 8
    lines += [line(days_ago(2), user="erin", action="read", ref="stg/s", outcome="allowed")] * 2
    log = write_log(tmp_path / "audit.log", lines)
    inventory = write_inventory(
        tmp_path / "secrets.json",
        [{"ref": "stg/s", "env": "prod"}, {"ref": "dev/x", "env": "dev"}, {"ref": "prod/x"}],
    )
    report = make_report([log], inventory=inventory, now=NOW)
    outside = report["outside_env"]["rows"]
    assert [(r["user"], r["home_scope"], r["ref"], r["reads"]) for r in outside] == [
        ("carol", "dev", "prod/x", 1)
    ]
    assert report["inventory"]["env_mismatch"] == [
        {"ref": "stg/s", "env": "prod", "scope": "stg", "reads": 2, "users": 1}
    ]


def test_since_and_until_windows(tmp_path: Path) -> None:
    log = write_log(
        tmp_path / "audit.log",
        [
            line(days_ago(40), user="a", action="read", ref="dev/old", outcome="allowed"),
            line(days_ago(25), user="a", action="read", ref="dev/mid", outcome="allowed"),
            line(days_ago(3), user="a", action="read", ref="dev/new", outcome="allowed"),
            line(
                datetime(2026, 11, 10, 23, 59, 59, tzinfo=timezone.utc),
                user="a",
                action="read",
                ref="dev/nov10",
                outcome="allowed",
            ),
            line(
                datetime(2026, 11, 11, 0, 0, 0, tzinfo=timezone.utc),
                user="a",
                action="read",
                ref="dev/nov11",
                outcome="allowed",
            ),
        ],
    )

    def read(since: str | None = None, until: str | None = None) -> set[str]:
        return {r["ref"] for r in make_report([log], since, until, now=NOW)["access"]}

    assert read() == {"dev/mid", "dev/new", "dev/nov10", "dev/nov11"}  # default: 30 days
    assert read(since="1w") == {"dev/new"}
    assert read(since="96h") == {"dev/new"}
    assert read(since="all") == {"dev/old", "dev/mid", "dev/new", "dev/nov10", "dev/nov11"}
    assert read(since="60d", until="10d") == {"dev/old", "dev/mid", "dev/nov10", "dev/nov11"}
    # a date --until includes its whole day; a time --until is exclusive
    assert read(since="2026-11-10", until="2026-11-10") == {"dev/nov10"}
    assert read(since="2026-11-10", until="2026-11-11T00:00Z") == {"dev/nov10"}
    assert read(since="2026-11-11T00:00:00+00:00", until="2026-11-11") == {"dev/nov11"}
    # the unused check sees the last read before the period
    inventory = write_inventory(tmp_path / "secrets.json", [{"ref": "dev/old", "env": "dev"}])
    report = make_report([log], since="7d", inventory=inventory, now=NOW)
    [unused] = report["inventory"]["unused"]
    assert unused["last_read_before_period"] == days_ago(40).isoformat(timespec="seconds")


def test_several_logs_add_up_and_one_log_given_twice_counts_once(tmp_path: Path) -> None:
    first = write_log(
        tmp_path / "a.log",
        [line(days_ago(1), user="a", action="read", ref="dev/x", outcome="allowed")],
    )
    second = write_log(
        tmp_path / "b.log",
        [line(days_ago(1), user="b", action="read", ref="dev/x@3", outcome="allowed")],
    )
    report = make_report([first, second, first], now=NOW)
    assert [(r["ref"], r["reads"], r["users"]) for r in report["secrets"]] == [("dev/x", 2, 2)]
    assert [s["path"] for s in report["sources"]] == [str(first), str(second)]


def test_save_refusals_as_the_server_records_them(tmp_path: Path) -> None:
    # the fields jupyter_secrets/server/state.py's _audit_refusal gives AuditLog.record
    log = AuditLog(tmp_path / "audit.log")
    log.record(
        user="alice",
        action="save-blocked",
        outcome="denied",
        reason="aws-access-key, github-token",
        notebook="etl/load.ipynb",
        source="save-gate",
    )
    log.record(
        user="alice",
        action="save-blocked",
        outcome="denied",
        reason="aws-access-key, github-token",
        notebook="etl/load.ipynb",
        source="save-gate",
    )
    log.record(
        user="bob",
        action="save-refused",
        outcome="denied",
        reason="scan timed out",
        notebook="big.ipynb",
        source="save-gate",
    )
    report = make_report([log.path], since="1h")
    rows = report["save_refusals"]["rows"]
    assert [(r["user"], r["notebook"], r["action"], r["count"]) for r in rows] == [
        ("alice", "etl/load.ipynb", "save-blocked", 2),
        ("bob", "big.ipynb", "save-refused", 1),
    ]
    assert report["totals"]["save_refusals"] == 3
    assert report["denied"] == []  # refused saves are not secret denials
