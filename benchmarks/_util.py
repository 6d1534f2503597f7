"""Shared helpers for the benchmarks: timing, number formatting, plain-text tables.

Kept dependency-free so every benchmark (scanner, save latency, redaction) can
use it: ``from _util import Timer, table`` with ``benchmarks/`` on sys.path, or
``from benchmarks._util import ...`` from the repository root.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
REPO_ROOT = Path(__file__).resolve().parent.parent


def ensure_repo_on_path() -> None:
    """Make ``jupyter_secrets`` and ``tests`` importable when run as a script."""
    if str(REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(REPO_ROOT))


class Timer:
    """Wall-clock seconds of a block: ``with Timer() as t: ...; t.seconds``."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._start = 0.0

    def __enter__(self) -> Timer:
        self._start = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self._start


def timed(fn: Callable[[], T]) -> tuple[T, float]:
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def repeat(fn: Callable[[], object], runs: int) -> dict[str, float]:
    """Median, p95, min and max seconds over ``runs`` calls (for latency benchmarks)."""
    samples = sorted(timed(fn)[1] for _ in range(runs))
    p95 = samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]
    return {"median": statistics.median(samples), "p95": p95, "min": samples[0], "max": samples[-1]}


@contextmanager
def section(title: str) -> Iterator[None]:
    print(f"\n== {title} ==", flush=True)
    yield


def pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def num(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def ratio(value: float | None, base: float | None) -> str:
    if value is None or not base:
        return "-"
    return f"{value / base:.1f}x"


def megabytes(nbytes: int) -> float:
    return nbytes / 1e6


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A left-aligned first column and right-aligned others, in a Markdown-compatible grid."""
    cells = [
        [str(h) for h in headers],
        *[["-" if c is None else str(c) for c in row] for row in rows],
    ]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]

    def fmt(row: list[str]) -> str:
        parts = [
            row[0].ljust(widths[0]),
            *(c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)),
        ]
        return "| " + " | ".join(parts) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([fmt(cells[0]), rule, *(fmt(r) for r in cells[1:])])


def our_cli_findings(paths: Sequence[Path]) -> list[object]:
    """``jupyter-secrets scan PATHS --format json`` of this checkout, in a new process:
    its findings, or RuntimeError naming the exit code and stderr's last line."""
    import json
    import os
    import subprocess

    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])),
    }
    cmd = [sys.executable, "-m", "jupyter_secrets", "scan", *map(str, paths), "--format", "json"]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    try:
        if proc.returncode not in (0, 1):
            raise ValueError("unexpected exit code")
        findings: list[object] = json.loads(proc.stdout)["findings"]
    except (ValueError, KeyError) as exc:
        last = (proc.stderr.strip().splitlines() or ["no stderr"])[-1]
        raise RuntimeError(f"exit code {proc.returncode}, {exc}: {last[:160]}") from None
    return findings
