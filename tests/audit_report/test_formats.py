"""Every format says the same: JSON equals the text's numbers, CSV parses, HTML stands
alone (no link, no script, its own SVG charts), and no value ever appears."""

from __future__ import annotations

import csv
import io
import json
import re
import secrets
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from jupyter_secrets.audit_report import FORMATS, make_report, render
from jupyter_secrets.audit_report.formats import CSV_COLUMNS, TABLE_LIMIT
from jupyter_secrets.audit_report.report import OUTSIDE_RULE, SAVE_REFUSALS_NOTE
from jupyter_secrets.config import SecretsConfig
from jupyter_secrets.errors import ScopeDeniedError
from jupyter_secrets.manager import SecretManager
from tests.support.fakes import fake_secret

from .events import NOW, days_ago, line, write_inventory, write_log

HOSTILE_USER = '<script>alert("x")</script>'
FORMULA_USER = "=HYPERLINK(evil)"


@pytest.fixture
def report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """A report with something in every section, from a real manager plus chosen lines."""
    monkeypatch.delenv("JUPYTER_SECRETS_BACKEND", raising=False)
    monkeypatch.setenv("JUPYTER_SECRETS_PASSPHRASE", secrets.token_urlsafe(12))
    log = tmp_path / "audit.log"

    def settings(scopes: list[str]) -> SecretsConfig:
        return SecretsConfig(
            routes={"": "file"},
            allowed_scopes=scopes,
            audit_log=str(log),
            backend_options={"file": {"path": str(tmp_path / "s.enc")}},
        )

    alice = SecretManager(settings(["dev", "stg", "prod"]), user="alice")
    bob = SecretManager(settings(["dev"]), user="bob")
    values = [fake_secret("value-", 16) for _ in range(3)]
    for ref, value in zip(
        ("dev/db/password", "prod/db/password", "stg/api/key"), values, strict=True
    ):
        alice.set(ref, value)
    for _ in range(5):
        alice.get("dev/db/password", refresh=True)
    alice.get("prod/db/password", refresh=True)
    alice.get("stg/api/key", refresh=True)
    bob.get("dev/db/password", refresh=True)
    with pytest.raises(ScopeDeniedError):
        bob.get("prod/db/password")
    with log.open("a", encoding="utf-8") as out:  # what the manager cannot write on demand
        for text in [
            line(
                _just_now(),
                user=HOSTILE_USER,
                action="read",
                ref="dev/db/password",
                outcome="allowed",
            ),
            line(
                _just_now(),
                user=FORMULA_USER,
                action="read",
                ref="dev/db/password",
                outcome="denied",
                reason="scope 'dev' is not allowed here",
            ),
            line(
                _just_now(),
                user="alice",
                action="save-blocked",
                outcome="denied",
                reason="aws-access-key",
                notebook="etl/load.ipynb",
                source="save-gate",
            ),
            "this line is garbage",
        ]:
            out.write(text + "\n")
    inventory = write_inventory(
        tmp_path / "secrets.json",
        [
            {"ref": "dev/db/password", "owner": "data", "env": "dev", "rotation_days": 30},
            {"ref": "prod/db/password", "owner": "data", "env": "prod", "rotation_days": 1},
            {"ref": "prod/unused/key", "owner": "ops", "env": "prod", "rotation_days": 30},
            {"ref": "stg/api/key", "owner": "web", "env": "prod"},
        ],
    )
    result = make_report([log], since="1d", inventory=inventory)
    result["_values"] = values
    result["_log"] = log.read_text(encoding="utf-8")
    return result


def _just_now() -> datetime:
    return datetime.now(timezone.utc) - timedelta(seconds=1)


def _clean(report: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in report.items() if not k.startswith("_")}


def test_json_equals_the_texts_numbers(report: dict[str, Any]) -> None:
    data = json.loads(render(_clean(report), "json"))
    assert data == json.loads(json.dumps(_clean(report)))
    text = render(_clean(report), "text")
    summary = dict(
        (label, int(n)) for label, n in re.findall(r"^  ([a-z][a-z ]+?)\s{2,}(\d+)$", text, re.M)
    )
    totals = data["totals"]
    assert summary["allowed reads"] == totals["reads_allowed"] == 9
    assert summary["denied attempts"] == totals["denied"] == 2
    assert summary["save refusals"] == totals["save_refusals"] == 1
    assert summary["users"] == totals["users"] == 4
    assert summary["secrets read"] == totals["secrets_read"] == 3
    assert summary["malformed lines skipped"] == totals["skipped_lines"] == 1
    assert summary["events in the period"] == totals["events"]
    per_secret = text.split("Accesses per secret")[1].split("\n\n")[0]
    for row in data["secrets"]:
        assert re.search(
            rf"^  {re.escape(row['ref'])}\s+{row['reads']}\s+{row['users']}\s", per_secret, re.M
        ), row["ref"]
    assert "prod/unused/key" in text.split("propose cleanup")[1].split("\n\n")[0]
    rotation = text.split("Past their rotation cadence")[1].split("\n\n")[0]
    assert re.search(r"^  prod/unused/key\s+ops\s+30\s+-\s+-\s+-\s+no record$", rotation, re.M)
    assert "prod/db/password" not in rotation  # stored a moment ago: within its 1-day cadence


def test_csv_parses_with_one_row_per_fact(report: dict[str, Any]) -> None:
    rows = list(csv.DictReader(io.StringIO(render(_clean(report), "csv"))))
    assert tuple(rows[0]) == CSV_COLUMNS
    access = {(r["ref"], r["user"]): int(r["count"]) for r in rows if r["section"] == "access"}
    assert access == {(r["ref"], r["user"]): r["reads"] for r in report["access"]}
    assert access[("dev/db/password", "alice")] == 5
    denied = [(r["user"], r["ref"], int(r["count"])) for r in rows if r["section"] == "denied"]
    assert sorted(denied) == sorted(
        [("bob", "prod/db/password", 1), ("'" + FORMULA_USER, "dev/db/password", 1)]
    )
    assert [r["ref"] for r in rows if r["section"] == "unused"] == ["prod/unused/key"]
    assert [r["detail"] for r in rows if r["section"] == "save_refusal"] == ["aws-access-key"]
    assert {r["ref"] for r in rows if r["section"] == "rotation"} == {"prod/unused/key"}
    [mismatch] = [r for r in rows if r["section"] == "env_mismatch"]
    assert (mismatch["ref"], mismatch["detail"]) == ("stg/api/key", "inventory env prod")
    [skipped] = [r for r in rows if r["section"] == "skipped_lines"]
    assert int(skipped["count"]) == 1
    # no cell is a formula a spreadsheet would run
    assert not any(cell.startswith(("=", "+", "@")) for r in rows for cell in r.values())


def test_html_is_one_self_contained_file(report: dict[str, Any]) -> None:
    page = render(_clean(report), "html")
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    for outside in ("http://", "https://", "src=", "<link", "<script", "@import", "url(", "//cdn"):
        assert outside not in page, outside
    assert page.count("<svg") == 2 and page.count("</svg>") == 2
    assert 'aria-label="Allowed reads per day and scope"' in page
    assert 'aria-label="Top 10 secrets by allowed reads"' in page
    assert "<title>Secrets audit report:" in page and "Period:" in page and "Generated:" in page
    assert "Scopes:" in page  # the legend
    for scope in ("dev", "stg", "prod"):
        assert f">{scope}</text>" in page, scope  # in the chart's own legend too
    assert page.count("<table>") >= 8
    for row in report["secrets"]:
        assert f"<td>{row['ref']}</td>" in page
    assert "prod/unused/key" in page.split("propose cleanup")[1]
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page  # escaped, not run


def test_the_timeline_adds_up_to_the_allowed_reads(report: dict[str, Any]) -> None:
    timeline = report["timeline"]
    assert timeline["bucket"] == "day" and timeline["scopes"] == ["dev", "stg", "prod"]
    counted = sum(sum(row["counts"].values()) for row in timeline["rows"])
    assert counted == report["totals"]["reads_allowed"]


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_no_value_appears_in_any_format(report: dict[str, Any], fmt: str) -> None:
    output = render(_clean(report), fmt)
    for value in report["_values"]:
        assert value not in output, f"a secret value is in the {fmt} report"
        assert value[:12] not in output


def _strings(node: Any) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for v in node.values() for s in _strings(v)]
    if isinstance(node, list):
        return [s for v in node for s in _strings(v)]
    return []


def test_the_json_holds_only_names_from_the_log_times_and_its_own_words(
    report: dict[str, Any],
) -> None:
    logged: set[str] = set()
    for text in report["_log"].splitlines():
        try:
            logged |= {v for v in json.loads(text).values() if isinstance(v, str)}
        except ValueError:
            continue
    own = {
        "jupyter-secrets audit report",
        OUTSIDE_RULE,
        SAVE_REFUSALS_NOTE,
        "day",
        "week",
        "unused: propose cleanup",
        "overdue",
        "no record",
        "(unknown)",
    }
    inventory = report["inventory"]
    names = {inventory["path"], "data", "ops", "web", "prod/unused/key", "dev", "stg", "prod"}
    names |= {s["path"] for s in report["sources"]}
    time = re.compile(r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}\+00:00)?$")
    strange = [
        s for s in _strings(_clean(report)) if s not in logged | own | names and not time.match(s)
    ]
    assert strange == []


def test_long_tables_are_cut_in_text_and_html_not_in_json_or_csv(tmp_path: Path) -> None:
    lines = [
        line(days_ago(1), user=f"u{i}", action="read", ref="dev/x", outcome="allowed")
        for i in range(TABLE_LIMIT + 7)
    ]
    report = make_report([write_log(tmp_path / "audit.log", lines)], now=NOW)
    assert "and 7 more rows (--format json or csv has them all)" in render(report, "text")
    assert "and 7 more rows (--format json or csv has them all)" in render(report, "html")
    assert len(json.loads(render(report, "json"))["access"]) == TABLE_LIMIT + 7
    assert render(report, "csv").count("\naccess,") == TABLE_LIMIT + 7


def test_an_empty_period_renders_in_every_format(tmp_path: Path) -> None:
    report = make_report([write_log(tmp_path / "audit.log", [])], now=NOW)
    assert "no allowed reads in the period" in render(report, "text")
    page = render(report, "html")
    assert page.count("<svg") == 2 and "no allowed reads in the period" in page
    assert json.loads(render(report, "json"))["totals"]["events"] == 0
    assert render(report, "csv").splitlines()[0] == ",".join(CSV_COLUMNS)
