"""Triage of our scanner's findings on the clean real notebooks (``tests/wild/triage.json``).

Each entry names a finding by repo ("owner/name"), path, cell_index,
location, output_index, line, type and masked preview (never a value) and
gives a verdict: ``real`` (a genuine credential published in the notebook),
``sample`` (a published sample or test value) or ``false_positive`` (not a
credential), with a short note saying why.

    python -m tests.wild.triage show [DIR]   # every finding with its masked line; untriaged first

``show`` prints the flagged line with the value masked (the value is read
from the finding in memory and never printed) and, for untriaged findings, a
JSON entry to complete with a verdict and a note.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .manifest import DEFAULT_DIR
from .preview import masked_line

TRIAGE = Path(__file__).resolve().parent / "triage.json"
VERDICTS = ("real", "sample", "false_positive")
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")

Key = tuple[str, str, int | None, str, int | None, int, str, str]


@dataclass(frozen=True)
class Entry:
    repo: str
    path: str
    cell_index: int | None
    location: str
    output_index: int | None
    line: int
    type: str
    preview: str
    verdict: str
    note: str

    @property
    def key(self) -> Key:
        return (self.repo, self.path, self.cell_index, self.location, self.output_index,
                self.line, self.type, self.preview)  # fmt: skip


def load_triage(path: Path = TRIAGE) -> list[Entry]:
    data = json.loads(path.read_text(encoding="utf-8"))
    entries = [Entry(**item) for item in data["findings"]]
    bad = [e for e in entries if e.verdict not in VERDICTS]
    if bad:
        raise ValueError(f"{path}: verdict must be one of {VERDICTS} ({len(bad)} entries)")
    return entries


def finding_key(finding: dict[str, Any], root: Path) -> Key:
    """A finding (``to_dict()`` form) as a triage key; ``root`` is the notebooks directory."""
    rel = Path(str(finding["path"])).resolve().relative_to(root.resolve()).as_posix()
    owner_name, _, path = rel.partition("/")
    return (owner_name.replace("+", "/", 1), path, finding["cell_index"], finding["location"],
            finding["output_index"], int(finding["line"]), finding["type"], finding["preview"])  # fmt: skip


@dataclass
class Triaged:
    matched: list[tuple[dict[str, Any], Entry]]
    untriaged: list[dict[str, Any]]
    stale: list[Entry]  # triaged once, not found any more

    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(VERDICTS, 0)
        for _finding, entry in self.matched:
            out[entry.verdict] += 1
        return out


def match(findings: Iterable[dict[str, Any]], root: Path, entries: list[Entry]) -> Triaged:
    by_key = {e.key: e for e in entries}
    result = Triaged([], [], [])
    seen = set()
    for finding in findings:
        key = finding_key(finding, root)
        if key in by_key:
            result.matched.append((finding, by_key[key]))
            seen.add(key)
        else:
            result.untriaged.append(finding)
    result.stale = [e for e in entries if e.key not in seen]
    return result


def flagged_line(
    nb: dict[str, Any], cell: int | None, location: str, output: int | None, line: int
) -> str:
    """The text of a finding's line in a notebook ("" where there is no such line)."""
    try:
        c = nb["cells"][cell] if cell is not None else None
        if c is None or location == "metadata":
            return ""
        if location == "source":
            text = _joined(c["source"])
        else:
            out = c["outputs"][output]
            if out.get("output_type") == "stream":
                text = _joined(out["text"])
            elif out.get("output_type") == "error":
                text = "\n".join(
                    [out["ename"], out["evalue"], *(ANSI.sub("", t) for t in out["traceback"])]
                )
            else:
                data = out.get("data", {})
                text = next(
                    (
                        _joined(data[m])
                        for m in ("text/plain", "text/html", "text/markdown")
                        if m in data
                    ),
                    "",
                )
        lines = text.split("\n")
        return lines[line - 1] if 0 < line <= len(lines) else ""
    except (IndexError, KeyError, TypeError):
        return ""


def _joined(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def show(root: Path) -> int:
    from jupyter_secrets.scanner import Scanner  # the scanner under test, imported on use

    entries = load_triage() if TRIAGE.exists() else []
    scanner = Scanner()
    findings = [f for p in sorted(root.rglob("*.ipynb")) for f in scanner.scan_file(p)]
    triaged = match([f.to_dict() for f in findings], root, entries)
    verdicts = {finding_key(f, root): e.verdict for f, e in triaged.matched}
    print(f"{len(findings)} findings; {triaged.counts()}; {len(triaged.untriaged)} untriaged; "
          f"{len(triaged.stale)} triage entries not found")  # fmt: skip
    for finding in sorted(findings, key=lambda f: finding_key(f.to_dict(), root) in verdicts):
        key = finding_key(finding.to_dict(), root)
        nb = json.loads(Path(finding.path).read_text(encoding="utf-8", errors="replace"))
        line = flagged_line(
            nb, finding.cell_index, finding.location, finding.output_index, finding.line
        )
        value = finding.span.value if finding.span is not None else ""
        verdict = verdicts.get(key, "UNTRIAGED")
        print(f"\n[{verdict}] {key[0]}/{key[1]}:{finding.cell_index}:{finding.location}:{finding.line} "
              f"{finding.type} {finding.preview} (detector {finding.detector})")  # fmt: skip
        print(f"    {masked_line(line, value, finding.column)}")
        if verdict == "UNTRIAGED":
            entry = dict(
                zip(
                    (
                        "repo",
                        "path",
                        "cell_index",
                        "location",
                        "output_index",
                        "line",
                        "type",
                        "preview",
                    ),
                    key,
                    strict=True,
                )
            )
            print("    " + json.dumps({**entry, "verdict": "?", "note": "?"}))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.wild.triage")
    parser.add_argument("command", choices=["show"])
    parser.add_argument("root", type=Path, nargs="?", default=DEFAULT_DIR)
    args = parser.parse_args(argv)
    return show(args.root)


def as_json(entries: list[Entry]) -> str:
    return json.dumps({"findings": [asdict(e) for e in entries]}, indent=1)


if __name__ == "__main__":
    sys.exit(main())
