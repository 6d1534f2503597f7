"""Write the planted real-notebook corpus: per split, N planted copies plus the clean originals.

    python -m tests.wild.corpus [OUT] [--wild /work/wild] [--seed 8] [--tune 400] [--heldout 200] [--score]

(without OUT: a temp dir, removed afterwards; ``--score``: our scanner's recall
and precision per split, aggregate only; the benchmark prints the full figures).

Layout: ``OUT/tune/<owner+name>/<path>`` and ``OUT/heldout/...`` (planted
copies of notebooks drawn by seed from that split), ``OUT/clean/...`` (every
present original, hard-linked where possible) and ``OUT/labels.json`` (labels
with the SHA-256 of each value, never the value, and the position maps).

Hosts are drawn from notebooks of at most ``MAX_HOST_BYTES`` (256 KB: 94 % of
the notebooks; the rest are mostly plot images, which the clean set covers) so
the slowest peer (detect-secrets, ~0.2 MB/s) can score them in a benchmark run. After writing,
each planted file is read back and every label checked (``check_labels``);
if the original passed ``nbformat.validate``, so must the copy.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat

from tests.corpus.model import Label
from tests.support import notebooks as nbf

from .manifest import DEFAULT_DIR, HELDOUT, TUNE, Notebook, Present, load
from .plant import Planner, PositionMap, check_labels, eligible, plant_notebook

SPLITS = (TUNE, HELDOUT)
MAX_HOST_BYTES = 256_000


@dataclass
class WildCorpus:
    root: Path
    seed: int
    labels: list[Label] = field(default_factory=list)
    files: dict[str, dict[str, Any]] = field(default_factory=dict)  # rel -> score.location_of info
    maps: dict[str, PositionMap] = field(default_factory=dict)
    sources: dict[str, Notebook] = field(default_factory=dict)  # planted rel -> its original
    clean: list[Path] = field(default_factory=list)

    def planted(self, split: str) -> list[Path]:
        return [self.root / rel for rel, info in self.files.items() if info["set"] == split]

    def clean_of(self, split: str) -> list[Path]:
        """The originals of one split's planted copies, under ``clean/``."""
        return [
            self.root / "clean" / self.sources[rel].rel
            for rel in self.files
            if self.files[rel]["set"] == split
        ]


class CorpusError(RuntimeError):
    """A label does not point at its value (a bug in planting; value-free message)."""


def build(present: Present, out: Path, seed: int = 8, tune: int = 400, heldout: int = 200,
          max_host_bytes: int = MAX_HOST_BYTES, validate: bool = True) -> WildCorpus:  # fmt: skip
    corpus = WildCorpus(out, seed)
    for nb in present.notebooks:
        dest = out / "clean" / nb.rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        _link(present.path(nb), dest)
        corpus.clean.append(dest)
    for split, count in ((TUNE, tune), (HELDOUT, heldout)):
        rng = random.Random(f"{seed}/{split}")
        planner = Planner(random.Random(f"{seed}/{split}/plan"))
        pool = sorted(
            (nb for nb in present.split(split) if nb.size <= max_host_bytes), key=lambda n: n.key
        )
        rng.shuffle(pool)
        done = 0
        for nb in pool:
            if done == count:
                break
            if _plant_one(corpus, present, nb, split, planner, validate):
                done += 1
    for index, label in enumerate(corpus.labels):
        label.id = index
    _write_labels(corpus)
    return corpus


def _plant_one(corpus: WildCorpus, present: Present, nb: Notebook, split: str, planner: Planner,
               validate: bool) -> bool:  # fmt: skip
    raw = present.path(nb).read_bytes()
    try:
        original = json.loads(raw)
    except ValueError:
        return False
    if not eligible(original):
        return False
    was_valid = validate and _valid(original)
    copy = json.loads(raw)
    rng = random.Random(f"{corpus.seed}/{split}/{nb.key}")
    rel = f"{split}/{nb.rel}"
    labels, pmap = plant_notebook(
        copy, rng, planner, rel, split, rng.randint(3, 6), rng.randint(2, 4)
    )
    path = corpus.root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(copy, indent=1, ensure_ascii=False) + "\n"
    path.write_text(text, encoding="utf-8")
    written = json.loads(path.read_text(encoding="utf-8"))  # the self-check reads the file back
    problems = check_labels(labels, written)
    if problems:
        raise CorpusError(f"{len(problems)} labels off their values, e.g. {problems[0]}")
    if was_valid and not _valid(written):
        raise CorpusError(f"{rel}: planting made a valid notebook invalid")
    corpus.labels += labels
    corpus.maps[rel] = pmap
    corpus.sources[rel] = nb
    corpus.files[rel] = {
        "kind": "notebook",
        "set": split,
        "bytes": len(text.encode()),
        "cells": _cells(written),
    }
    return True


def _cells(nb: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"cell_type": c.get("cell_type"), "outputs": [_kind(o) for o in c.get("outputs", [])]}
        for c in nb["cells"]
    ]


def _kind(output: dict[str, Any]) -> str:
    if output.get("output_type") == "stream":
        return f"stream:{output.get('name')}"
    return str(output.get("output_type"))


def _valid(nb: dict[str, Any]) -> bool:
    try:
        nbformat.validate(nbf.from_dict(nb))
    except nbformat.ValidationError:
        return False
    return True


def _link(src: Path, dest: Path) -> None:
    if dest.exists():
        return
    try:
        os.link(src, dest)
    except OSError:
        shutil.copyfile(src, dest)


def _write_labels(corpus: WildCorpus) -> None:
    data = {
        "seed": corpus.seed,
        "files": corpus.files,
        "sources": {rel: nb.key for rel, nb in corpus.sources.items()},
        "labels": [lab.to_json() for lab in corpus.labels],
        "maps": {rel: m.to_json() for rel, m in corpus.maps.items()},
    }
    (corpus.root / "labels.json").write_text(json.dumps(data), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.wild.corpus", description=__doc__.split("\n")[0]
    )
    parser.add_argument("out", type=Path, nargs="?")
    parser.add_argument("--score", action="store_true", help="score our scanner on it")
    parser.add_argument("--wild", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--tune", type=int, default=400)
    parser.add_argument("--heldout", type=int, default=200)
    args = parser.parse_args(argv)
    present = load(args.wild)
    print(present.summary())
    with tempfile.TemporaryDirectory(prefix="wild-corpus-") as tmp:
        return _report(
            build(present, args.out or Path(tmp), args.seed, args.tune, args.heldout), args.score
        )


def _report(corpus: WildCorpus, score: bool) -> int:
    for split in SPLITS:
        labs = [lab for lab in corpus.labels if lab.set == split]
        pos = sum(lab.positive for lab in labs)
        print(
            f"{split}: {len(corpus.planted(split))} planted notebooks, {pos} secrets, {len(labs) - pos} labelled negatives"
        )
    if score:
        from jupyter_secrets.scanner import Scanner

        from .scoring import ours_hits, score_split

        scanner = Scanner()
        findings = [
            f for split in SPLITS for p in corpus.planted(split) for f in scanner.scan_file(p)
        ]
        hits = ours_hits(findings, corpus.root)
        for split in SPLITS:
            s, pre = score_split(corpus, hits, split)
            print(f"ours on {split}: recall {s.recall:.1%}, precision {s.precision:.1%}, F1 {s.f1:.1%} "
                  f"({pre} pre-existing hits not scored)")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
