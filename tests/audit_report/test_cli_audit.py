"""``jupyter-secrets audit report`` as users run it: a subprocess in an isolated HOME."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from tests.support.jupyter_env import JupyterDirs, isolated_env

from .events import line, write_inventory, write_log


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "jupyter_secrets", "audit", "report", *args],
        check=False,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def _ago(days: float) -> datetime:
    return datetime.now(timezone.utc) - timedelta(days=days)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return isolated_env(tmp_path / "home")


@pytest.fixture
def log(tmp_path: Path) -> Path:
    return write_log(
        tmp_path / "audit.log",
        [
            line(_ago(0.5), user="alice", action="read", ref="dev/db/password", outcome="allowed"),
            line(
                _ago(2),
                user="bob",
                action="read",
                ref="prod/db/password",
                outcome="denied",
                reason="scope 'prod' is not allowed here",
            ),
            '{"time": "broken',
            line(_ago(45), user="bob", action="read", ref="dev/old", outcome="allowed"),
            line(_ago(120), user="ops", action="write", ref="prod/db/password", outcome="stored"),
        ],
    )


def test_a_report_and_the_skipped_lines_on_stderr(env: dict[str, str], log: Path) -> None:
    done = run(env, "--log", str(log))
    assert done.returncode == 0, done.stderr
    assert "jupyter-secrets audit report" in done.stdout
    assert f"skipped 1 malformed line in {log} (line 3)" in done.stderr
    assert done.stderr.count("\n") == 1
    assert "dev/old" not in done.stdout  # 45 days ago: before the default 30 days


def test_json_with_since_inventory_and_output_file(
    env: dict[str, str], log: Path, tmp_path: Path
) -> None:
    inventory = write_inventory(
        tmp_path / "secrets.json",
        [
            {"ref": "prod/db/password", "owner": "data", "env": "prod", "rotation_days": 90},
            {"ref": "dev/old", "owner": "data", "env": "dev"},
        ],
    )
    out = tmp_path / "report.json"
    done = run(
        env,
        "--log",
        str(log),
        "--since",
        "60d",
        "--until",
        "1d",
        "--inventory",
        str(inventory),
        "--format",
        "json",
        "-o",
        str(out),
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "" and f"wrote the json report to {out}" in done.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    assert {(r["ref"], r["user"]) for r in data["access"]} == {("dev/old", "bob")}
    assert [(r["user"], r["ref"]) for r in data["denied"]] == [("bob", "prod/db/password")]
    # dev/old was read in this period; a denied read is no use
    assert [r["ref"] for r in data["inventory"]["unused"]] == ["prod/db/password"]
    [overdue] = data["inventory"]["rotation"]
    assert (overdue["ref"], overdue["status"], overdue["by"]) == (
        "prod/db/password",
        "overdue",
        "ops",
    )


def test_csv_and_html_on_stdout(env: dict[str, str], log: Path) -> None:
    table = run(env, "--log", str(log), "--format", "csv")
    assert table.returncode == 0, table.stderr
    rows = list(csv.DictReader(io.StringIO(table.stdout)))
    assert [(r["section"], r["user"]) for r in rows if r["section"] == "access"] == [
        ("access", "alice")
    ]
    page = run(env, "--log", str(log), "--format", "html")
    assert page.returncode == 0 and page.stdout.count("<svg") == 2
    assert "http" not in page.stdout.replace("http-equiv", "")


def test_several_logs(env: dict[str, str], log: Path, tmp_path: Path) -> None:
    other = write_log(
        tmp_path / "carol.log",
        [line(_ago(1), user="carol", action="read", ref="dev/db/password", outcome="allowed")],
    )
    done = run(env, "--log", str(log), "--log", str(other), "--format", "json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert [(r["ref"], r["reads"], r["users"]) for r in data["secrets"] if r["reads"]] == [
        ("dev/db/password", 2, 2)
    ]


def test_the_default_log_is_the_configured_one(tmp_path: Path, log: Path) -> None:
    config = tmp_path / "jupyter_secrets_config.json"
    config.write_text(json.dumps({"SecretsConfig": {"audit_log": str(log)}}), encoding="utf-8")
    env = isolated_env(tmp_path / "home", {"JUPYTER_SECRETS_CONFIG": str(config)})
    done = run(env, "--format", "json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["sources"][0]["path"] == str(log)


def test_the_default_log_is_in_the_jupyter_data_dir(tmp_path: Path) -> None:
    env = isolated_env(tmp_path / "home")
    missing = run(env)
    expected = JupyterDirs(tmp_path / "home").data / "jupyter_secrets" / "audit.log"
    assert missing.returncode == 2
    assert (
        missing.stderr
        == f"jupyter-secrets: error: no audit log at {expected}; give an existing file with --log\n"
    )
    expected.parent.mkdir(parents=True)
    write_log(expected, [line(_ago(1), user="a", action="read", ref="dev/x", outcome="allowed")])
    assert run(env).returncode == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "yesterday"], "--since 'yesterday' is neither a duration (12h, 30d, 2w)"),
        (["--until", "soon"], "--until 'soon' is neither"),
        (["--since", "2026-11-10", "--until", "2026-11-01"], "must be before --until"),
        (["--inventory", "{tmp}/missing.yaml"], "the inventory {tmp}/missing.yaml does not exist"),
        (["--inventory", "{tmp}/bad.yaml"], "cannot use the inventory {tmp}/bad.yaml: inventory"),
        (["--log", "{tmp}/nope.log"], "no audit log at {tmp}/nope.log"),
        (["--log", "{tmp}"], "the audit log {tmp} is a directory"),
        (["-o", "{tmp}/no/such/dir/r.txt"], "cannot write the report to {tmp}/no/such/dir/r.txt"),
    ],
)
def test_a_bad_argument_is_one_line_and_exit_2(
    env: dict[str, str], log: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    (tmp_path / "bad.yaml").write_text("secrets: [unclosed\n", encoding="utf-8")
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    done = run(env, *(["--log", str(log)] if "--log" not in args else []), *args)
    assert done.returncode == 2
    lines = [text for text in done.stderr.splitlines() if "skipped 1 malformed line" not in text]
    assert len(lines) == 1 and lines[0].startswith("jupyter-secrets: error: "), done.stderr
    assert message.replace("{tmp}", str(tmp_path)) in lines[0]
    assert "Traceback" not in done.stderr and done.stdout == ""


def test_an_unknown_format_is_a_usage_error(env: dict[str, str], log: Path) -> None:
    done = run(env, "--log", str(log), "--format", "pdf")
    assert done.returncode == 2 and "invalid choice: 'pdf'" in done.stderr


def test_malformed_inventory_entries_are_counted_on_stderr(
    env: dict[str, str], log: Path, tmp_path: Path
) -> None:
    inventory = write_inventory(
        tmp_path / "secrets.json", [{"ref": "dev/db/password", "env": "dev"}, {"no": "ref"}, 5]
    )
    done = run(env, "--log", str(log), "--inventory", str(inventory), "--format", "json")
    assert done.returncode == 0, done.stderr
    assert f"skipped 2 malformed entries in the inventory {inventory}" in done.stderr
    data = json.loads(done.stdout)["inventory"]
    assert data["entries"] == 1 and len(data["problems"]) == 2


def test_a_closed_stdout_is_no_error(env: dict[str, str], log: Path) -> None:
    reader = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyter_secrets",
            "audit",
            "report",
            "--log",
            str(log),
            "--format",
            "html",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert reader.stdout is not None and reader.stderr is not None
    reader.stdout.close()  # like `| head -0`
    errors = reader.stderr.read().decode()
    assert reader.wait(timeout=60) == 0
    assert "internal error" not in errors and "Traceback" not in errors
