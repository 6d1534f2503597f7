"""Run peer scanners on corpus files and map their raw line numbers onto corpus labels.

Peers read ``.ipynb`` as text and report a line of the raw JSON; ``tests.corpus.rawmap``
turns it back into (cell, location, output, line in the cell or output text), so
peers are scored on exactly the same labels as our scanner. Plain files need no map.

- detect-secrets: in-process, its default plugins and filters (``default_settings``),
  one process like our scanner. We call ``detect_secrets.core.scan.scan_file``, which
  is what ``SecretsCollection.scan_files`` runs per file, because the collection keeps
  one finding per (file, secret, type) and would hide the 2nd occurrence of a value.
- secretlint: ``npm install`` of secretlint + the recommended preset into a cache
  directory; one CLI run per set, JSON output parsed and deleted (it embeds file text).
- kingfisher (``pip install kingfisher-bin``): one ``kingfisher scan PATHS... --no-update-check
  --no-validate --no-dedup --format jsonl -q`` per set (exit code 200 means findings); only
  path, line and rule id are kept from its JSON lines, whose ``snippet`` holds the value.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from tests.corpus.rawmap import RawPos, raw_line_map
from tests.corpus.score import Hit

SECRETLINT_PACKAGES = ["secretlint@12.0.0", "@secretlint/secretlint-rule-preset-recommend@12.0.0"]
SECRETLINT_RC = json.dumps({"rules": [{"id": "@secretlint/secretlint-rule-preset-recommend"}]})
SECRETLINT_DIR = Path(__file__).resolve().parent / ".out" / "secretlint"  # gitignored cache

RawFinding = tuple[Path, int, str]  # file, raw 1-based line, type


def map_raw(findings: list[RawFinding], root: Path) -> list[Hit]:
    """Hits from raw-text findings, notebooks mapped through their JSON structure."""
    maps: dict[Path, dict[int, RawPos]] = {}
    hits = []
    for path, line, kind in findings:
        rel = path.resolve().relative_to(root.resolve()).as_posix()
        if path.suffix != ".ipynb":
            hits.append(Hit(rel, None, "source", None, line, kind))
            continue
        if path not in maps:
            maps[path] = raw_line_map(path.read_text(encoding="utf-8", errors="replace"))
        pos = maps[path].get(line, RawPos(None, "structure", None, line))
        hits.append(Hit(rel, pos.cell_index, pos.location, pos.output_index, pos.line, kind))
    return hits


def detect_secrets_runner() -> Callable[[list[Path]], list[RawFinding]] | None:
    try:
        from detect_secrets.core.scan import scan_file
        from detect_secrets.settings import default_settings
    except ImportError:
        return None

    def run(paths: list[Path]) -> list[RawFinding]:
        out: list[RawFinding] = []
        with default_settings():
            for path in paths:
                out += [(path, s.line_number, s.type) for s in scan_file(str(path))]
        return out

    return run


def install_secretlint(log: Callable[[str], None]) -> Path | None:
    """The secretlint binary, installing it on first use; None (with a note) if impossible."""
    binary = SECRETLINT_DIR / "node_modules" / ".bin" / "secretlint"
    if binary.exists():
        return binary
    npm = shutil.which("npm")
    if npm is None:
        log("secretlint skipped: npm not found")
        return None
    SECRETLINT_DIR.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(
        [npm, "install", "--no-audit", "--no-fund", "--prefix", str(SECRETLINT_DIR), *SECRETLINT_PACKAGES],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    if proc.returncode != 0 or not binary.exists():
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        log(f"secretlint skipped: npm install failed ({last})")
        return None
    return binary


def secretlint_runner(binary: Path) -> Callable[[list[Path]], list[RawFinding]]:
    def run(paths: list[Path]) -> list[RawFinding]:
        with tempfile.TemporaryDirectory() as tmp:
            report = Path(tmp) / "report.json"
            cmd = [str(binary), "--format", "json", "--no-color", "--no-glob", "--output", str(report),
                   "--secretlintrcJSON", SECRETLINT_RC, *map(str, paths)]  # fmt: skip
            proc = subprocess.run(
                cmd, cwd=SECRETLINT_DIR, capture_output=True, text=True, check=False,
                env={**os.environ, "NODE_OPTIONS": "--max-old-space-size=4096"},
            )  # fmt: skip
            if not report.exists():
                raise RuntimeError(f"secretlint failed with exit code {proc.returncode}")
            results = json.loads(report.read_text(encoding="utf-8"))
        return [
            (Path(r["filePath"]), m["loc"]["start"]["line"], m["ruleId"].rsplit("-rule-", 1)[-1])
            for r in results
            for m in r["messages"]
        ]

    return run


KINGFISHER_ARGS = ["--no-update-check", "--no-validate", "--no-dedup", "--format", "jsonl", "-q"]
KINGFISHER_FINDINGS = 200  # its exit code when it found something


def kingfisher_binary() -> Path | None:
    """The kingfisher executable of this environment (the kingfisher-bin wheel), else on PATH."""
    beside = Path(sys.executable).parent / "kingfisher"
    found = beside if beside.exists() else shutil.which("kingfisher")
    return Path(found) if found else None


def kingfisher_runner(binary: Path) -> Callable[[list[Path]], list[RawFinding]]:
    def run(paths: list[Path]) -> list[RawFinding]:
        cmd = [str(binary), "scan", *map(str, paths), *KINGFISHER_ARGS]
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if proc.returncode not in (0, KINGFISHER_FINDINGS):
            last = (proc.stderr.strip().splitlines() or ["no stderr"])[-1]
            raise RuntimeError(f"kingfisher exit code {proc.returncode}: {last[:160]}")
        out: list[RawFinding] = []
        for line in proc.stdout.splitlines():
            record = json.loads(line) if line.startswith("{") else {}
            finding = record.get("finding")  # the last line is a run summary ("audit")
            if finding:
                out.append((Path(finding["path"]), int(finding["line"]), record["rule"]["id"]))
        return out

    return run
