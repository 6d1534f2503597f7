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
import pickle
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

from .engine import Scanner
from .errors import FileError, ScanError
from .finding import Finding
from .formats import raw_positions

#: Below this many bytes in all, forking workers costs more than it saves.
PARALLEL_MIN_BYTES = 2 * 1024 * 1024


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
    """Forked workers take the files one at a time, largest first (so no worker is
    left with a large file at the end), from a counter they share, and each sends
    its outcomes once, when the files run out: no task queue, no round trip per
    file, nothing for this process to do meanwhile but wait."""
    global _worker_scanner, _worker_positions
    _worker_scanner, _worker_positions = scanner, positions
    # Loaded once here rather than once per worker; and the objects that exist now are
    # kept out of the workers' garbage collection, which would otherwise write to (and
    # so copy) every page of them.
    scanner.prepare()
    gc.freeze()
    context = multiprocessing.get_context("fork")
    order = sorted(range(len(files)), key=lambda index: -_size(files[index]))
    taken = context.RawValue("q", 0)
    lock = context.Lock()
    workers: list[tuple[multiprocessing.process.BaseProcess, Connection]] = []
    try:
        for _ in range(min(jobs, len(files))):
            reader, writer = context.Pipe(duplex=False)
            started = context.Process(
                target=_worker_loop, args=(order, files, taken, lock, writer), daemon=True
            )
            started.start()
            writer.close()  # the worker's end: its exit then ends our recv with EOFError
            workers.append((started, reader))
        outcomes: dict[int, _Outcome] = {}
        failure: BaseException | None = None
        for worker, reader in workers:
            with contextlib.suppress(EOFError):  # it died: its files are reported below
                done, raised = reader.recv()
                outcomes.update(done)
                failure = failure or raised
            worker.join()
    finally:
        for worker, reader in workers:
            reader.close()
            if worker.is_alive():
                worker.terminate()
        _worker_scanner = None
        gc.unfreeze()
    if failure is not None:
        raise failure
    for index, path in enumerate(files):
        outcome = outcomes.get(index)
        yield outcome or ([], FileError(path, f"{path}: not scanned (a scan worker died)"))


def _worker_loop(
    order: list[int], files: list[str], taken: Any, lock: Any, conn: Connection
) -> None:
    assert _worker_scanner is not None
    done: dict[int, _Outcome] = {}
    raised: BaseException | None = None
    while True:
        with lock:
            position = taken.value
            taken.value = position + 1
        if position >= len(order):
            break
        index = order[position]
        try:
            done[index] = _scan_one(
                _worker_scanner, files[index], _worker_positions, keep_spans=False
            )
        except Exception as exc:  # a bug: raised in the parent, as a serial scan would
            raised = exc if _picklable(exc) else RuntimeError(type(exc).__name__)
            with lock:
                taken.value = len(order)  # the others stop too
            break
    conn.send((done, raised))
    conn.close()


def _picklable(exc: BaseException) -> bool:
    try:
        pickle.dumps(exc)
    except Exception:
        return False
    return True


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:  # reported as that file's error when scanned
        return 0


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
        total += _size(path)
        if total >= PARALLEL_MIN_BYTES:
            break
    return total
