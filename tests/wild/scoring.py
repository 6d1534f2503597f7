"""Score tools on the planted real-notebook corpus with ``tests.corpus.score``.

A hit that matches a label (positive or hard negative) is scored as
``score()`` scores it. A hit that matches no label and sits on the real
notebook's own content (``PositionMap.is_original``) is *pre-existing*: it
says nothing about the planted values and is counted apart (the clean-notebook
figures measure those); any other unlabeled hit (a planted context line, a
planted cell) is a false positive charged to ``unlabeled``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from tests.corpus.model import Label
from tests.corpus.score import Hit, Key, Score, score

from .corpus import WildCorpus


def ours_hits(findings: Iterable[Any], root: Path) -> list[Hit]:
    """Hits from our findings (objects or JSON dicts); notebook-level findings keep their location."""
    hits = []
    base = root.resolve()
    for f in findings:
        get = f.get if isinstance(f, dict) else lambda name, f=f: getattr(f, name)
        rel = Path(str(get("path"))).resolve().relative_to(base).as_posix()
        cell = get("cell_index")
        location = str(get("location") or "source")
        if cell is None and not rel.endswith(".ipynb"):
            location = "source"
        hits.append(
            Hit(rel, cell, location, get("output_index"), int(get("line") or 0), str(get("type")))
        )
    return hits


def _index(labels: Iterable[Label]) -> dict[Key, list[Label]]:
    index: dict[Key, list[Label]] = defaultdict(list)
    for lab in labels:
        index[lab.key].append(lab)
    return index


def matches(hit: Hit, index: dict[Key, list[Label]]) -> list[Label]:
    return [
        lab
        for lab in index.get(hit.key, [])
        if not lab.line_exact or lab.line <= hit.line <= lab.end_line
    ]


def separate(hits: Iterable[Hit], corpus: WildCorpus) -> tuple[list[Hit], list[Hit]]:
    """(hits to score, pre-existing hits on the notebooks' own content)."""
    index = _index(corpus.labels)
    scored, original = [], []
    for hit in hits:
        pmap = corpus.maps.get(hit.file)
        if pmap is None:
            continue  # not a planted file (clean originals are scored elsewhere)
        if not matches(hit, index) and pmap.is_original(
            hit.cell_index, hit.location, hit.output_index, hit.line
        ):
            original.append(hit)
        else:
            scored.append(hit)
    return scored, original


def score_split(corpus: WildCorpus, hits: Iterable[Hit], split: str) -> tuple[Score, int]:
    """The split's score and how many flagged lines were pre-existing content."""
    scored, original = separate(hits, corpus)
    prefix = f"{split}/"
    result = score(corpus.labels, scored, corpus.files, lambda f: f.startswith(prefix))
    return result, len({(h.key, h.line) for h in original if h.file.startswith(prefix)})


def false_positive_hits(
    corpus: WildCorpus, hits: Iterable[Hit], split: str
) -> list[tuple[Hit, Label | None]]:
    """Scored hits of a split that match no positive label, with the negative they hit (if any)."""
    scored, _ = separate(hits, corpus)
    index = _index(corpus.labels)
    out = []
    for hit in scored:
        if not hit.file.startswith(f"{split}/"):
            continue
        found = matches(hit, index)
        if not any(lab.positive for lab in found):
            out.append((hit, found[0] if found else None))
    return out
