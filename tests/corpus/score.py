"""Score scanner findings against corpus labels.

Granularity: (file, cell_index, location, output_index, line). A finding
matches a label when the first four are equal and its line falls in the
label's lines (any line for whole-output labels). One label may be matched by
several findings of any type. Findings are first merged per flagged line
(a tool that reports two types on one line flagged one place), then:

- a flagged line matching a positive label is a true positive (a positive
  wins over a whole-output negative, e.g. a secret in one DataFrame cell);
- one matching only negatives is a false positive charged to that negative's
  family (``binary`` when it is an image or other binary payload);
- one matching nothing is a false positive charged to ``unlabeled``.

recall = positives matched / positives; precision = true-positive flagged
lines / flagged lines. Breakdowns: per label family, per reported type, per
location (cell type, output kind, plain-file extension) and per fine context
(output kind + mimetype, error evalue/traceback).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .model import Label

Key = tuple[str, int | None, str, int | None]


@dataclass(frozen=True)
class Hit:
    """One finding, normalised: ``file`` relative to the corpus root (POSIX)."""

    file: str
    cell_index: int | None
    location: str
    output_index: int | None
    line: int
    type: str

    @property
    def key(self) -> Key:
        return (self.file, self.cell_index, self.location, self.output_index)


def hits_from_findings(findings: Iterable[Any], root: Path) -> list[Hit]:
    """Hits from our scanner's findings (objects or JSON dicts with the documented fields)."""
    hits = []
    for f in findings:
        get = f.get if isinstance(f, dict) else lambda name, f=f: getattr(f, name)
        path = Path(str(get("path")))
        if not path.is_absolute():  # relative to the working directory, else to the corpus
            path = Path.cwd() / path if (Path.cwd() / path).exists() else root / path
        rel = path.resolve().relative_to(root.resolve()).as_posix()
        cell = get("cell_index")
        location = get("location") or "source"
        hits.append(Hit(rel, cell, "source" if cell is None else location, get("output_index"),
                        int(get("line") or 0), str(get("type"))))  # fmt: skip
    return hits


@dataclass
class Counts:
    labels: int = 0
    found: int = 0
    flags: int = 0
    true_flags: int = 0

    @property
    def recall(self) -> float | None:
        return self.found / self.labels if self.labels else None

    @property
    def precision(self) -> float | None:
        return self.true_flags / self.flags if self.flags else None


@dataclass
class Score:
    overall: Counts = field(default_factory=Counts)
    by_family: dict[str, Counts] = field(default_factory=lambda: defaultdict(Counts))
    by_type: dict[str, Counts] = field(default_factory=lambda: defaultdict(Counts))
    by_location: dict[str, Counts] = field(default_factory=lambda: defaultdict(Counts))
    by_context: dict[str, Counts] = field(default_factory=lambda: defaultdict(Counts))
    false_positives: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    binary_hits: int = 0
    missed: list[Label] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.overall.recall or 0.0

    @property
    def precision(self) -> float:
        return self.overall.precision if self.overall.precision is not None else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def location_of(
    files: dict[str, dict[str, Any]], file: str, cell: int | None, loc: str, out: int | None
) -> str:
    """Coarse location: cell type, output kind, or plain-file extension."""
    info = files.get(file, {})
    if info.get("kind") != "notebook":
        return f"file:{info.get('ext', Path(file).suffix or Path(file).name)}"
    if cell is None:
        return f"notebook:{loc}"
    cell_info = (
        info["cells"][cell] if cell < len(info["cells"]) else {"cell_type": "?", "outputs": []}
    )
    if loc == "source":
        return f"source:{cell_info['cell_type']}"
    if loc == "output" and out is not None and out < len(cell_info["outputs"]):
        return f"output:{cell_info['outputs'][out]}"
    return f"cell:{loc}"


def score(
    labels: Iterable[Label],
    hits: Iterable[Hit],
    files: dict[str, dict[str, Any]],
    select: Callable[[str], bool] = lambda _file: True,
) -> Score:
    """Score ``hits`` against ``labels``, restricted to files where ``select(file)``."""
    result = Score()
    index: dict[Key, list[Label]] = defaultdict(list)
    positives = []
    for label in labels:
        if not select(label.file):
            continue
        index[label.key].append(label)
        if label.positive:
            positives.append(label)
    flagged: dict[tuple[Key, int], set[str]] = defaultdict(set)
    for hit in hits:
        if select(hit.file):
            flagged[(hit.key, hit.line)].add(hit.type)
    found: set[int] = set()
    for (key, line), types in flagged.items():
        matches = [
            lab
            for lab in index.get(key, [])
            if not lab.line_exact or lab.line <= line <= lab.end_line
        ]
        true = [lab for lab in matches if lab.positive]
        found.update(id(lab) for lab in true)
        loc = location_of(files, *key)
        for counts in (
            result.overall,
            result.by_location[loc],
            *(result.by_type[t] for t in types),
        ):
            counts.flags += 1
            counts.true_flags += bool(true)
        for lab in true:
            result.by_family[lab.family].flags += 1
            result.by_family[lab.family].true_flags += 1
            result.by_context[lab.context].flags += 1
            result.by_context[lab.context].true_flags += 1
        if not true:
            negative = next((lab for lab in matches if lab.binary), matches[0] if matches else None)
            family = negative.family if negative else "unlabeled"
            result.false_positives[family] += 1
            result.by_family[family].flags += 1
            result.binary_hits += bool(negative and negative.binary)
    for lab in positives:
        was_found = id(lab) in found
        loc = location_of(files, lab.file, lab.cell_index, lab.location, lab.output_index)
        for counts in (result.overall, result.by_family[lab.family], result.by_location[loc],
                       result.by_context[lab.context]):  # fmt: skip
            counts.labels += 1
            counts.found += was_found
        if not was_found:
            result.missed.append(lab)
    return result


def gaps(result: Score, limit: int = 25) -> str:
    """A value-free summary of what was missed and what was wrongly flagged."""
    lines = [
        f"recall {result.recall:.3f}, precision {result.precision:.3f}, binary hits {result.binary_hits}"
    ]
    for name, counts in sorted(result.by_family.items()):
        if counts.labels and counts.found < counts.labels:
            lines.append(f"  missed {name}: {counts.labels - counts.found}/{counts.labels}")
    for name, n in sorted(result.false_positives.items(), key=lambda kv: -kv[1]):
        lines.append(f"  false positives on {name}: {n}")
    for lab in result.missed[:limit]:
        lines.append(
            f"  miss: label {lab.id} {lab.family} in {lab.context} ({lab.file}, cell {lab.cell_index}, line {lab.line})"
        )
    return "\n".join(lines)
