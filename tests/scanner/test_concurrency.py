"""One Scanner shared by many threads, as the server shares it: same answers, no errors.

The server scans each save in a worker thread and stops waiting after a timeout, so a
scan that overruns keeps running beside the next one. The switch interval is cut to
a microsecond so threads interleave inside the cache's bookkeeping.
"""

from __future__ import annotations

import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from functools import partial

import pytest

from jupyter_secrets.scanner import Finding, Scanner
from jupyter_secrets.server.scanning import ScanFailed, run_limited

from .fakes import Fakes
from .nbutil import code, stream

F = Fakes(seed=41)


@pytest.fixture
def fast_switching() -> Iterator[None]:
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(before)


def _cells(count: int) -> list[dict[str, object]]:
    cells = []
    for index in range(count):
        leak = f"token = '{F.github()}'" if index % 3 == 0 else f"x = {index}"
        cells.append(code(leak, [stream(f"db_password = '{F.password()}'\n")], cell_id=f"c{index}"))
    return cells


class _WideWindows(OrderedDict):  # type: ignore[type-arg]
    """A cache that pauses inside each lookup and eviction, so another thread runs in
    the gap between a lookup and its bookkeeping (where an unlocked cache breaks)."""

    def get(self, key: object, default: object = None) -> object:
        found = super().get(key, default)
        time.sleep(0.0002)
        return found

    def popitem(self, last: bool = True) -> tuple[object, object]:
        time.sleep(0.0002)
        return super().popitem(last=last)


def _key(findings: list[Finding]) -> list[tuple[object, ...]]:
    return sorted((f.cell_index, f.location, f.line, f.type, f.hashed_secret) for f in findings)


@pytest.mark.usefixtures("fast_switching")
def test_concurrent_cell_scans_with_a_tiny_cache_agree_with_one_thread() -> None:
    cells = _cells(40)
    expected = [_key(Scanner(hash_key=b"k").scan_cell(c, i)) for i, c in enumerate(cells)]
    shared = Scanner(hash_key=b"k", cache_size=4)  # constant eviction: the racy path
    shared._cache = _WideWindows()
    errors: list[BaseException] = []
    mismatches: list[int] = []

    def worker(offset: int) -> None:
        try:
            for round_ in range(6):
                for step in range(len(cells)):
                    index = (step * 7 + offset + round_) % len(cells)
                    if _key(shared.scan_cell(cells[index], index)) != expected[index]:
                        mismatches.append(index)
        except BaseException as exc:  # any error in a thread is the failure
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, f"a concurrent scan raised {errors[0]!r}"
    assert not mismatches, f"cells {sorted(set(mismatches))[:5]} got another answer"


@pytest.mark.usefixtures("fast_switching")
def test_scans_abandoned_by_a_timeout_do_not_disturb_the_next_ones() -> None:
    """Timed-out scans go on in their threads while later scans use the same scanner."""
    cells = _cells(30)
    expected = [_key(Scanner(hash_key=b"k").scan_cell(c, i)) for i, c in enumerate(cells)]
    shared = Scanner(hash_key=b"k", cache_size=4)
    timeouts = 0
    for round_ in range(4):
        for index, cell in enumerate(cells):
            try:  # a timeout this short abandons most scans mid-way
                run_limited(partial(shared.scan_cell, cell, index), 1e-6)
            except ScanFailed as exc:
                assert exc.kind == "timeout"
                timeouts += 1
            got = run_limited(partial(shared.scan_cell, cell, index), 60)
            assert _key(got) == expected[index], f"round {round_}: cell {index} differs"
    assert timeouts, "no scan was abandoned: the test did not test the overlap"
