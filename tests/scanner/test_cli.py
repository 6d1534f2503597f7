"""The scan/strip commands: exit codes, JSON and SARIF shapes, per-file errors, baselines."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
import yaml

from jupyter_secrets.cli import main
from jupyter_secrets.scanner.finding import FINDING_FIELDS
from jupyter_secrets.scanner.strip import MARKER

from .fakes import Fakes
from .nbutil import code, notebook, stream

F = Fakes(seed=5)
ROOT = Path(__file__).resolve().parents[2]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    rc = main(list(argv))
    out = capsys.readouterr()
    return rc, out.out, out.err


@pytest.fixture
def tree(tmp_path: Path) -> dict[str, object]:
    key, pw = F.github(), F.password()
    (tmp_path / "clean.ipynb").write_bytes(orjson.dumps(notebook(code("x = 1", cell_id="c0"))))
    (tmp_path / "leak.ipynb").write_bytes(
        orjson.dumps(notebook(code("x", [stream(f"token {key}\n")], cell_id="c1")))
    )
    ckpt = tmp_path / ".ipynb_checkpoints"
    ckpt.mkdir()
    (ckpt / "leak-checkpoint.ipynb").write_bytes(
        orjson.dumps(notebook(code(f"t = '{key}'", cell_id="c2")))
    )
    (tmp_path / "settings.env").write_text(f"DB_PASSWORD={pw}\n")
    (tmp_path / "image.png").write_bytes(b"\x89PNG\x00" + key.encode())  # not a scanned suffix
    return {"dir": tmp_path, "key": key, "pw": pw}


def test_clean_exit_0(tree: dict, capsys) -> None:  # type: ignore[no-untyped-def,type-arg]
    rc, out, _ = run(capsys, "scan", "--format", "json", str(tree["dir"] / "clean.ipynb"))
    assert rc == 0 and json.loads(out) == {"findings": [], "errors": []}


def test_directory_recursion_json_shape_exit_1(tree: dict, capsys) -> None:  # type: ignore[no-untyped-def,type-arg]
    rc, out, _ = run(capsys, "scan", "--format", "json", str(tree["dir"]))
    assert rc == 1
    assert tree["key"] not in out and tree["pw"] not in out, "plaintext in JSON output"
    doc = json.loads(out)
    assert list(doc) == ["findings", "errors"] and doc["errors"] == []
    assert all(list(f) == list(FINDING_FIELDS) for f in doc["findings"])
    paths = sorted(Path(f["path"]).name for f in doc["findings"])
    assert paths == ["leak-checkpoint.ipynb", "leak.ipynb", "settings.env"]
    env = next(f for f in doc["findings"] if f["path"].endswith(".env"))
    assert env["cell_index"] is None and env["cell_id"] is None and env["location"] == "source"


def test_broken_files_are_scanned_and_unreadable_ones_are_errors(tree: dict, capsys) -> None:  # type: ignore[no-untyped-def,type-arg]
    bad = tree["dir"] / "broken.ipynb"
    bad.write_bytes(b'{"cells": [')
    latin = tree["dir"] / "latin.txt"
    latin.write_bytes(b"caf\xe9\n")
    missing = tree["dir"] / "gone.ipynb"
    rc, out, err = run(
        capsys,
        "scan",
        "--format",
        "json",
        str(bad),
        str(latin),
        str(missing),
        str(tree["dir"] / "leak.ipynb"),
    )
    assert rc == 1, "findings win over errors: a leak must never read as a tool error"
    doc = json.loads(out)
    assert len(doc["findings"]) == 1, "the readable file was not scanned"
    assert [e["path"] for e in doc["errors"]] == [str(missing)]
    assert "cannot read" in doc["errors"][0]["message"]
    lines = [line for line in err.splitlines() if "error" in line]
    assert len(lines) == 1 and "gone.ipynb" in lines[0]
    rc, out, _ = run(capsys, "scan", "--format", "json", str(missing), str(bad))
    assert rc == 2, "errors and no findings: exit 2"
    assert json.loads(out)["findings"] == [] and len(json.loads(out)["errors"]) == 1


def test_sarif_reports_unscannable_files_as_notifications(tree: dict, capsys) -> None:  # type: ignore[no-untyped-def,type-arg]
    missing = tree["dir"] / "gone.ipynb"
    rc, out, _ = run(capsys, "scan", "--format", "sarif", str(missing), str(tree["dir"]))
    assert rc == 1
    invocation = json.loads(out)["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    (note,) = invocation["toolExecutionNotifications"]
    assert note["level"] == "error" and "gone.ipynb" in note["message"]["text"]
    uri = note["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri.endswith("gone.ipynb")
    rc, out, _ = run(capsys, "scan", "--format", "sarif", str(tree["dir"]))
    assert json.loads(out)["runs"][0]["invocations"][0]["executionSuccessful"] is True


@pytest.mark.parametrize("fmt", ["json", "sarif", "text"])
def test_parallel_scan_reports_what_one_process_reports(  # type: ignore[no-untyped-def]
    tree: dict,  # type: ignore[type-arg]
    capsys,
    monkeypatch,
    fmt: str,
) -> None:
    """Forked workers: same findings, same order, same hashes across files, same SARIF
    regions, and errors in the same place as a scan in this process."""
    from jupyter_secrets.scanner import Scanner, batch

    key = F.github()
    for index in range(12):  # one value in many files: hashes must agree across workers
        cells = [code(f"token = '{key}'", cell_id=f"k{index}")]  # pragma: allowlist secret
        cells.append(code("print(1)", [stream(f"db_password = '{F.password()}'\n")]))
        (tree["dir"] / f"nb{index:02}.ipynb").write_bytes(orjson.dumps(notebook(*cells)))
    (tree["dir"] / "zz-broken.ipynb").write_bytes(b"\xff\xfe\x00")
    argv = ["scan", "--format", fmt, str(tree["dir"]), str(tree["dir"] / "gone.ipynb")]
    monkeypatch.setenv("JUPYTER_SECRETS_HASH_KEY", "fixed-for-this-test")
    serial = run(capsys, *argv, "--jobs", "1")
    monkeypatch.setattr(batch, "PARALLEL_MIN_BYTES", 0)
    calls: list[int] = []
    real_parallel = batch._parallel

    def counted(scanner: Scanner, files: list[str], jobs: int, positions: bool) -> Iterator[object]:
        calls.append(1)
        return real_parallel(scanner, files, jobs, positions)

    monkeypatch.setattr(batch, "_parallel", counted)
    parallel = run(capsys, *argv, "--jobs", "2")
    assert calls, "the parallel path did not run"
    assert parallel == serial
    assert serial[0] == 1 and key not in serial[1]
    if fmt == "json":
        doc = json.loads(serial[1])
        tokens = [f for f in doc["findings"] if (f["cell_id"] or "").startswith("k")]
        assert len(tokens) == 12 and len({f["hashed_secret"] for f in tokens}) == 1
        assert [e["path"] for e in doc["errors"]] == [argv[-1]]


def test_jobs_must_be_positive(capsys) -> None:  # type: ignore[no-untyped-def]
    rc, _, err = run(capsys, "scan", "--jobs", "0", ".")
    assert rc == 2 and "--jobs" in err


def test_usage_error_exit_2(capsys) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SystemExit) as info:
        main(["scan", "--format", "xml", "x"])
    assert info.value.code == 2
    rc, _, err = run(capsys, "scan", "--known-values-from", "env:NOPE_NOT_SET_123", ".")
    assert rc == 2 and "NOPE_NOT_SET_123" in err


def test_sarif_shape(tree: dict, capsys) -> None:  # type: ignore[no-untyped-def,type-arg]
    rc, out, _ = run(capsys, "scan", "--format", "sarif", str(tree["dir"]))
    assert rc == 1
    sarif = json.loads(out)
    assert sarif["version"] == "2.1.0" and "sarif" in sarif["$schema"]
    run0 = sarif["runs"][0]
    rules = {r["id"] for r in run0["tool"]["driver"]["rules"]}
    assert len(run0["results"]) == 3
    for result in run0["results"]:
        assert result["ruleId"] in rules and result["level"] == "error"
        assert run0["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        region = result["locations"][0]["physicalLocation"]["region"]
        assert region["startLine"] >= 1 and region["startColumn"] >= 1
        uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert not uri.startswith("/") or uri.startswith(str(tree["dir"]).lstrip("/"))
        assert result["partialFingerprints"]
    assert tree["key"] not in out


def test_known_values_from_env(tree: dict, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def,type-arg]
    (tree["dir"] / "notes.md").write_text(
        "the password is hunter2 ok\n"
    )  # pragma: allowlist secret
    monkeypatch.setenv("KNOWN_VALS", "hunter2\nother-value")
    rc, out, _ = run(
        capsys,
        "scan",
        "--format",
        "json",
        "--known-values-from",
        "env:KNOWN_VALS",
        str(tree["dir"] / "notes.md"),
    )
    assert rc == 1 and json.loads(out)["findings"][0]["type"] == "Known secret value"


def test_baseline_update_then_clean(tree: dict, capsys) -> None:  # type: ignore[no-untyped-def,type-arg]
    baseline = tree["dir"] / "secrets.baseline.json"
    rc, _, _ = run(
        capsys, "scan", str(tree["dir"]), "--baseline", str(baseline), "--update-baseline"
    )
    assert rc == 0 and baseline.exists()
    assert tree["key"] not in baseline.read_text()
    rc, out, _ = run(
        capsys, "scan", "--format", "json", str(tree["dir"]), "--baseline", str(baseline)
    )
    assert rc == 0 and json.loads(out) == {"findings": [], "errors": []}


def test_strip_dry_run_then_strip(tree: dict, capsys) -> None:  # type: ignore[no-untyped-def,type-arg]
    leak = tree["dir"] / "leak.ipynb"
    before = leak.read_bytes()
    rc, out, _ = run(capsys, "strip", "--dry-run", str(leak))
    assert rc == 1 and "would redact 1" in out and leak.read_bytes() == before
    assert tree["key"] not in out
    rc, out, _ = run(capsys, "strip", str(tree["dir"]))
    assert rc == 1
    assert tree["key"] not in leak.read_text() and MARKER in leak.read_text()
    assert tree["pw"] not in (tree["dir"] / "settings.env").read_text()
    rc, _, _ = run(capsys, "scan", str(tree["dir"]))
    assert rc == 0, "findings remain after strip"
    rc, _, _ = run(capsys, "strip", str(tree["dir"]))
    assert rc == 0, "a second strip changed files"


def test_console_script_module_entry(tree: dict) -> None:  # type: ignore[type-arg]
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "jupyter_secrets",
            "scan",
            "--format",
            "json",
            str(tree["dir"] / "leak.ipynb"),
        ],
        capture_output=True,
        check=False,
        text=True,
        cwd=ROOT,
        timeout=120,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    assert proc.returncode == 1, proc.stderr[-500:]
    assert len(json.loads(proc.stdout)["findings"]) == 1


def test_pre_commit_hooks_file() -> None:
    hooks = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    assert hooks["jupyter-secrets-scan"]["entry"] == "jupyter-secrets scan"
    assert hooks["jupyter-secrets-strip"]["entry"] == "jupyter-secrets strip"
    for name in ("jupyter-secrets-scan", "jupyter-secrets-strip"):
        assert hooks[name]["types_or"] == ["jupyter", "text"]
    # The inventory check reads the whole repository once, not the staged files.
    inventory = hooks["jupyter-secrets-inventory"]
    assert inventory["entry"] == "jupyter-secrets inventory check"
    assert inventory["pass_filenames"] is False and inventory["always_run"] is True
    assert all(hook["language"] == "python" for hook in hooks.values())


def test_a_crash_is_one_line_exit_2_and_never_quotes_content(  # type: ignore[no-untyped-def]
    tree: dict,  # type: ignore[type-arg]
    capsys,
    monkeypatch,
) -> None:
    """A scanner bug must not read as "findings" (1) nor print what it was reading."""
    from jupyter_secrets.scanner import Scanner

    leaked = F.github()

    def broken(self: Scanner, path: str) -> list[object]:
        raise ValueError(f"cannot handle {leaked}")  # a message that quotes content

    monkeypatch.setattr(Scanner, "scan_file", broken)
    rc, out, err = run(capsys, "scan", "--jobs", "1", str(tree["dir"]))
    assert rc == 2
    assert leaked not in out + err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("jupyter-secrets: internal error: ValueError")
    assert "test_cli.py" not in lines[0] and "Traceback" not in err
