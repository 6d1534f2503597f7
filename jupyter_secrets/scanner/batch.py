"""Scan many files, on every core: findings in file order, and each file's error.

Workers are forked from the process that built the scanner, so the scanner, its
hash key, its baseline and its known values reach them as memory, never through
a pipe. What comes back is what a report shows: findings without their private
``Span`` (which holds the value and refuses to be pickled) and, for SARIF, each
notebook finding's raw JSON position, computed in the worker while the value is
still at hand.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import multiprocessing
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from .engine import Scanner
from .errors import FileError, ScanError
from .finding import Finding
from .formats import raw_positions

#: Below this many bytes in all, forking workers costs more than it saves.
PARALLEL_MIN_BYTES = 2 * 1024 * 1024
_CHUNK = 4  # files per task: fewer round trips, still balanced on large files


@dataclass
class BatchResult:
    findings: list[Finding] = field(default_factory=list)
    errors: list[FileError] = field(default_factory=list)
    #: id(finding) -> (raw line, raw column) of notebook findings, when asked for.
    raw_positions: dict[int, tuple[int, int]] = field(default_factory=dict)


_Outcome = tuple[list[tuple[Finding, tuple[int, int] | None]], FileError | None]

# The scanner a forked worker uses (set in the parent right before the fork).
_worker_scanner: Scanner | None = None
_worker_positions = False


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def scan_files(
    scanner: Scanner, paths: Iterable[str], *, jobs: int | None = None, positions: bool = False
) -> BatchResult:
    """Every file of ``paths``: serially, or on ``jobs`` forked workers when the files
    are large enough in all to repay the fork. Findings keep ``paths``' order."""
    files = list(paths)
    jobs = default_jobs() if jobs is None else max(1, jobs)
    result = BatchResult()
    if jobs > 1 and len(files) > 1 and _total_size(files) >= PARALLEL_MIN_BYTES:
        outcomes: Iterator[_Outcome] = _parallel(scanner, files, jobs, positions)
    else:
        outcomes = (_scan_one(scanner, path, positions, keep_spans=True) for path in files)
    for found, error in outcomes:
        if error is not None:
            result.errors.append(error)
        for finding, raw in found:
            result.findings.append(finding)
            if raw is not None:
                result.raw_positions[id(finding)] = raw
    return result


def _parallel(scanner: Scanner, files: list[str], jobs: int, positions: bool) -> Iterator[_Outcome]:
    global _worker_scanner, _worker_positions
    _worker_scanner, _worker_positions = scanner, positions
    # Loaded once here rather than once per worker; and the objects that exist now are
    # kept out of the workers' garbage collection, which would otherwise write to (and
    # so copy) every page of them.
    scanner.prepare()
    gc.freeze()
    try:
        context = multiprocessing.get_context("fork")
        with context.Pool(min(jobs, len(files))) as pool:
            yield from pool.imap(_worker_scan, files, chunksize=_CHUNK)
    finally:
        _worker_scanner = None
        gc.unfreeze()


def _worker_scan(path: str) -> _Outcome:
    assert _worker_scanner is not None
    return _scan_one(_worker_scanner, path, _worker_positions, keep_spans=False)


def _scan_one(scanner: Scanner, path: str, positions: bool, *, keep_spans: bool) -> _Outcome:
    try:
        findings = scanner.scan_file(path)
    except ScanError as exc:
        return [], FileError(path, str(exc))
    raw = raw_positions(findings, {}) if positions else {}
    return [
        (f if keep_spans else dataclasses.replace(f, span=None), raw.get(id(f))) for f in findings
    ], None


def _total_size(files: list[str]) -> int:
    total = 0
    for path in files:
        with contextlib.suppress(OSError):  # reported as that file's error when scanned
            total += os.stat(path).st_size
        if total >= PARALLEL_MIN_BYTES:
            break
    return total
