"""The compiled cell walk against the Python one, on the same notebooks in one run.

    python benchmarks/bench_walk.py [--wild DIR] [--rounds N] [--quick]

Walks every cell of every notebook with ``content._native`` (native/, Rust) and with
``content._cell`` (Python), alternating rounds so that a machine's drift hits both,
and prints each one's CPU seconds (the median of the rounds), their ratio and
whether the pieces were the same (they must be). ``--wild DIR`` reads real
notebooks (``benchmarks/wild_fetch.py``), by default ``/work/wild`` when it exists;
otherwise, and with ``--quick``, a generated corpus.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _util import ensure_repo_on_path

ensure_repo_on_path()

from jupyter_secrets.scanner import content  # noqa: E402
from jupyter_secrets.scanner.jsontext import loads_checked  # noqa: E402

WILD_DIR = Path("/work/wild")


def _cell_lists(paths: list[Path]) -> list[list[Any]]:
    lists = []
    for path in paths:
        try:
            nb = loads_checked(path.read_bytes())
        except ValueError:
            continue
        cells = nb.get("cells") if isinstance(nb, dict) else None
        if isinstance(cells, list):
            lists.append(cells)
    return lists


def _python(cells: list[Any], out: list[Any]) -> None:
    for index, cell in enumerate(cells):
        content._cell(cell, index, out)


def _walk(walk: Any, lists: list[list[Any]]) -> tuple[float, list[list[Any]]]:
    start = time.process_time()
    results = []
    for cells in lists:
        out: list[Any] = []
        walk(cells, out)
        results.append(out)
    return time.process_time() - start, results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--wild", type=Path, help=f"real notebooks (default {WILD_DIR} if present)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--quick", action="store_true", help="a smoke run on a small generated corpus"
    )
    args = parser.parse_args(argv)
    if content._native is None:
        print(
            "bench_walk: the compiled walk is not built (scripts/build-native.sh)", file=sys.stderr
        )
        return 1
    wild = args.wild or (WILD_DIR if WILD_DIR.is_dir() and not args.quick else None)
    with tempfile.TemporaryDirectory(prefix="bench-walk-") as tmp:
        if wild is not None:
            paths, source = sorted(wild.rglob("*.ipynb")), f"{wild} (real notebooks)"
        else:
            from tests.corpus.generate import generate

            count = 20 if args.quick else 200
            paths = generate(Path(tmp), seed=11, notebooks=count, files=0).paths(kind="notebook")
            source = f"{count} generated notebooks"
        lists = _cell_lists(paths)
        rounds = 1 if args.quick else max(1, args.rounds)
        native_times, python_times, same = [], [], True
        for _ in range(rounds):
            seconds, native_out = _walk(content._native.cells, lists)
            native_times.append(seconds)
            seconds, python_out = _walk(_python, lists)
            python_times.append(seconds)
            same = same and native_out == python_out
    cells = sum(map(len, lists))
    native, python = statistics.median(native_times), statistics.median(python_times)
    print(f"== the cell walk: {source}, {len(lists)} notebooks, {cells:,} cells, {rounds} round(s)")
    print(f"compiled (native/)   {native:7.3f} CPU s")
    print(f"Python (content.py)  {python:7.3f} CPU s")
    print(
        f"ratio                {python / native if native else float('inf'):7.2f}x faster compiled"
    )
    print(f"same pieces          {'yes' if same else 'NO'}")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
