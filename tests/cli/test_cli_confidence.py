"""Confidence in the CLI's reports: the text line, JSON, SARIF levels, --min-confidence.

One file holds a verified, a likely and a possible finding, all fakes generated here.
"""

from __future__ import annotations

import json
from pathlib import Path

import orjson
import pytest

from jupyter_secrets.cli import main
from jupyter_secrets.scanner import Scanner
from jupyter_secrets.scanner.formats import to_sarif

from ..scanner.fakes import Fakes
from ..scanner.nbutil import code, notebook

F = Fakes(seed=211)


@pytest.fixture
def three_levels(tmp_path: Path) -> Path:
    source = (
        f'gh = Github("{F.github()}")\n'  # a CRC32-checksummed token: verified
        f'key_id = "{F.aws()}"\n'  # a vendor shape: likely
        'url = "amqp://guest:guest@localhost:5672/"\n'  # a default: possible
    )
    path = tmp_path / "levels.ipynb"
    path.write_bytes(orjson.dumps(notebook(code(source, cell_id="c0"))))
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    rc = main(list(argv))
    out = capsys.readouterr()
    return rc, out.out, out.err


def levels_of(doc: dict[str, list[dict[str, object]]]) -> list[str]:
    return sorted(str(f["confidence"]) for f in doc["findings"])


def test_json_carries_confidence(three_levels: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = run(capsys, "scan", "--format", "json", str(three_levels))
    assert rc == 1
    assert levels_of(json.loads(out)) == ["likely", "possible", "verified"]


def test_text_report_shows_confidence(
    three_levels: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, out, _ = run(capsys, "scan", str(three_levels))
    lines = out.splitlines()
    assert any("GitHub Token (verified)" in line for line in lines)
    assert any("AWS Access Key (likely)" in line for line in lines)
    assert any("URI Credentials (possible)" in line for line in lines)


@pytest.mark.parametrize(
    ("minimum", "expected", "rc"),
    [
        ("possible", ["likely", "possible", "verified"], 1),
        ("likely", ["likely", "verified"], 1),
        ("verified", ["verified"], 1),
    ],
)
def test_min_confidence_filters_what_is_reported(
    three_levels: Path,
    capsys: pytest.CaptureFixture[str],
    minimum: str,
    expected: list[str],
    rc: int,
) -> None:
    code_, out, _ = run(
        capsys, "scan", "--format", "json", "--min-confidence", minimum, str(three_levels)
    )
    assert code_ == rc
    assert levels_of(json.loads(out)) == expected


def test_min_confidence_decides_the_exit_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    weak = tmp_path / "weak.py"
    weak.write_text('password = "hunter22"\n')  # pragma: allowlist secret
    assert run(capsys, "scan", str(weak))[0] == 1
    rc, out, err = run(capsys, "scan", "--min-confidence", "likely", str(weak))
    assert rc == 0 and out == "" and "0 finding(s)" in err
    with pytest.raises(SystemExit):
        main(["scan", "--min-confidence", "certain", str(weak)])


def test_sarif_level_follows_confidence(three_levels: Path) -> None:
    findings = Scanner(hash_key=b"k").scan_file(three_levels)
    doc = json.loads(to_sarif(findings, sources={str(three_levels): three_levels.read_text()}))
    results = doc["runs"][0]["results"]
    by_rule = {r["ruleId"]: (r["level"], r["properties"]["confidence"]) for r in results}
    assert by_rule == {
        "GithubToken": ("error", "verified"),
        "AwsAccessKey": ("error", "likely"),
        "UriCredentials": ("warning", "possible"),
    }


def test_sarif_from_the_cli(three_levels: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = run(capsys, "scan", "--format", "sarif", "--jobs", "1", str(three_levels))
    assert rc == 1
    levels = sorted(r["level"] for r in json.loads(out)["runs"][0]["results"])
    assert levels == ["error", "error", "warning"]
