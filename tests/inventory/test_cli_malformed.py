"""Malformed inventories through the CLI: skipped entries are one line each (exit 1), a file
that is no inventory is one line (exit 2); never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .support import problem_lines, run, store_env, write


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return store_env(tmp_path / "home")


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("secrets.yaml", "secrets: [\n  - ref: dev/a/b\n", "is not valid YAML (line 2)"),
        ("secrets.yaml", "\tref:\n", "is not valid YAML"),
        ("secrets.yaml", "42\n", "is a number, not a list of entries"),
        ("secrets.yaml", "just words\n", "is a string, not a list of entries"),
        ("secrets.yml", "owners: {}\n", "is a mapping without a 'secrets' list"),
        ("secrets.json", "{not json", "is not valid JSON (line 1)"),
        ("secrets.json", '"a string"', "is a string, not a list of entries"),
    ],
)
def test_a_file_that_is_no_inventory_is_one_line_exit_2(
    env: dict[str, str], tmp_path: Path, name: str, text: str, expected: str
) -> None:
    repo = tmp_path / "repo"
    write(repo, name, text)
    done = run(env, "inventory", "check", "--no-store", cwd=repo)
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith(f"jupyter-secrets: error: inventory {name} ")
    assert expected in done.stderr


def test_malformed_entries_are_skipped_and_counted(env: dict[str, str], tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    write(
        repo,
        "secrets.yaml",
        "secrets:\n"  # 1
        "  - ref: dev/good/one\n"  # 2
        "    owner: ops\n"
        "    env: dev\n"
        "    rotation_days: 30\n"
        "  - just a string\n"  # 6
        "  - [a, list]\n"  # 7
        "  - owner: ops\n"  # 8
        "  - ref: 'no slash'\n"  # 9
        "  - ref: dev/good/one\n"  # 10
        "  - ref: dev/cadence/text\n"  # 11
        "    rotation_days: 90 days\n"
        "  - ref: dev/cadence/float\n"  # 13
        "    rotation_days: 7.5\n",
    )
    write(repo, "use.py", 'secret("dev/good/one")\n')
    done = run(env, "inventory", "check", "--no-store", cwd=repo)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    lines = problem_lines(done)
    assert [line.split(":", 2)[1] for line in lines] == ["6", "7", "8", "9", "10", "11", "13"]
    assert all(line.endswith("; entry skipped") for line in lines), lines
    assert "entry 2 is a string, not a mapping" in lines[0]
    assert "entry 3 is a list, not a mapping" in lines[1]
    assert "entry 4 has no 'ref'" in lines[2]
    assert "entry 5: invalid secret ref 'no slash'" in lines[3]
    assert "duplicate ref 'dev/good/one' (first at line 2)" in lines[4]
    assert "rotation_days must be a whole number of days, not a string" in lines[5]
    assert "rotation_days must be a whole number of days, not a number" in lines[6]

    as_json = json.loads(
        run(env, "inventory", "check", "--no-store", "--format", "json", cwd=repo).stdout
    )
    assert as_json["checked"]["entries"] == 1
    assert as_json["checked"]["malformed_entries"] == 7
    assert {p["kind"] for p in as_json["problems"]} == {"malformed-entry"}
    # The skipped duplicate still names the ref: the use of it is listed (by the first entry).
    assert all(p["kind"] != "unlisted-ref" for p in as_json["problems"])


def test_usage_errors_exit_2(env: dict[str, str], tmp_path: Path) -> None:
    write(tmp_path, "secrets.yaml", "[]\n")
    bad_date = run(env, "inventory", "check", "--as-of", "next tuesday", cwd=tmp_path)
    assert bad_date.returncode == 2 and "not an ISO 8601 date" in bad_date.stderr
    no_path = run(env, "inventory", "check", "nowhere", cwd=tmp_path)
    assert no_path.returncode == 2
    assert no_path.stderr.strip() == "jupyter-secrets: error: no such file or directory: nowhere"
    bare = run(env, "inventory", cwd=tmp_path)
    assert bare.returncode == 2 and "check" in bare.stderr
    empty = run(env, "inventory", "check", "--no-store", cwd=tmp_path)
    assert empty.returncode == 0, empty.stderr
