"""Folder scans on forked workers: every file once, in order, and no failure hidden.

The workers are real forked processes; what goes wrong in them is provoked by
patching the per-file scan before the fork, which the children inherit.
"""

from __future__ import annotations

import os
from pathlib import Path

import orjson
import pytest

from jupyter_secrets.scanner import Scanner, batch

from .fakes import Fakes
from .nbutil import code, notebook, stream

F = Fakes(seed=11)


@pytest.fixture
def files(tmp_path: Path) -> list[str]:
    """Twenty notebooks of very different sizes, half of them with a key."""
    paths = []
    for index in range(20):
        padding = "x = 1\n" * (index * 400 if index % 3 else 1)
        cells = [code(padding, [stream("ok\n")])]
        if index % 2:
            cells.append(code(f"token = '{F.github()}'"))  # pragma: allowlist secret
        path = tmp_path / f"nb{index:02}.ipynb"
        path.write_bytes(orjson.dumps(notebook(*cells)))
        paths.append(str(path))
    return paths


def test_workers_scan_every_file_once_in_order(files: list[str]) -> None:
    scanner = Scanner()
    serial = batch.scan_files(scanner, files, jobs=1)
    parallel = list(batch._parallel(scanner, files, 2, False))
    assert len(parallel) == len(files)
    found = [f for outcome, _ in parallel for f, _raw in outcome]
    assert [(f.path, f.hashed_secret) for f in found] == [
        (f.path, f.hashed_secret) for f in serial.findings
    ]
    assert len(found) == 10 and all(error is None for _, error in parallel)


def test_a_dead_worker_leaves_an_error_for_its_file(
    files: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    real = batch._scan_one
    victim = files[7]

    def dies_on_victim(scanner: Scanner, path: str, *args: object, **kwargs: object) -> object:
        if path == victim:
            os._exit(3)  # as an out-of-memory kill would: no outcome sent at all
        return real(scanner, path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(batch, "_scan_one", dies_on_victim)
    outcomes = list(batch._parallel(Scanner(), files, 2, False))
    assert len(outcomes) == len(files)
    errors = {error.path: error.message for _, error in outcomes if error is not None}
    assert victim in errors and "worker died" in errors[victim]
    # The dead worker's other files were scanned by it before (and reported with it
    # lost) or taken by the live one; either way none is silently missing.
    for path, (found, error) in zip(files, outcomes, strict=True):
        assert error is not None or path != victim
        if error is None and files.index(path) % 2:
            assert found, f"{path} lost its finding"


def test_an_exception_in_a_worker_is_raised_here(
    files: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: object, **_kwargs: object) -> object:
        raise LookupError("a bug in a detector")

    monkeypatch.setattr(batch, "_scan_one", broken)
    with pytest.raises(LookupError, match="a bug in a detector"):
        list(batch._parallel(Scanner(), files, 2, False))
