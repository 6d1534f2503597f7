"""The CLI's on-disk cache of compiled Hyperscan databases: used when there, never trusted
when damaged, never needed to work, and off unless the command line turns it on."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from jupyter_secrets.cli import main
from jupyter_secrets.scanner import Scanner, dbcache, prefilter

from .fakes import Fakes
from .nbutil import code, notebook

pytestmark = pytest.mark.skipif(prefilter.hyperscan is None, reason="no Hyperscan wheel here")
F = Fakes(seed=23)


@pytest.fixture(autouse=True)
def cache_off_after() -> Iterator[None]:
    yield
    dbcache.enable(None)


@pytest.fixture
def compiles(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the databases compiled (rather than loaded)."""
    calls: list[int] = []
    real = prefilter.hyperscan.Database

    def counting() -> object:
        calls.append(1)
        return real()

    monkeypatch.setattr(prefilter.hyperscan, "Database", counting)
    return calls


def keyed_notebook(tmp_path: Path) -> tuple[Path, str]:
    key = F.github()
    file = tmp_path / "nb.ipynb"
    file.write_bytes(orjson.dumps(notebook(code(f"token = '{key}'"))))  # pragma: allowlist secret
    return file, key


def test_second_scanner_loads_what_the_first_compiled(tmp_path: Path, compiles: list[int]) -> None:
    dbcache.enable(tmp_path / "cache")
    file, _ = keyed_notebook(tmp_path)
    first = Scanner().scan_file(file)
    made = len(compiles)
    assert made >= 2 and len(list((tmp_path / "cache").glob("hs-*.db"))) == made
    assert all((p.stat().st_mode & 0o777) == 0o600 for p in (tmp_path / "cache").glob("hs-*.db"))
    second = Scanner().scan_file(file)
    assert len(compiles) == made, "a cached database was compiled again"
    assert [f.hashed_secret for f in second] == [f.hashed_secret for f in first] != []


@pytest.mark.parametrize("damage", ["truncate", "garbage", "empty", "flip"])
def test_a_damaged_file_is_compiled_again_and_replaced(
    tmp_path: Path, compiles: list[int], damage: str
) -> None:
    cache = tmp_path / "cache"
    dbcache.enable(cache)
    file, _ = keyed_notebook(tmp_path)
    expected = [f.hashed_secret for f in Scanner().scan_file(file)]
    for db in cache.glob("hs-*.db"):
        blob = db.read_bytes()
        if damage == "truncate":
            db.write_bytes(blob[: len(blob) // 2])
        elif damage == "garbage":
            db.write_bytes(os.urandom(len(blob)))
        elif damage == "empty":
            db.write_bytes(b"")
        else:  # one bit of the bytecode: the checksum must catch it
            middle = len(blob) // 2
            db.write_bytes(blob[:middle] + bytes([blob[middle] ^ 1]) + blob[middle + 1 :])
    before = len(compiles)
    assert [f.hashed_secret for f in Scanner().scan_file(file)] == expected
    assert len(compiles) == before * 2, "a damaged database was used"
    assert len(compiles) - before == len(list(cache.glob("hs-*.db")))
    Scanner()
    assert len(compiles) == before * 2, "the damaged files were not replaced"


def test_other_patterns_get_other_files(tmp_path: Path) -> None:
    dbcache.enable(tmp_path)
    Scanner()
    everything = set(tmp_path.glob("hs-*.db"))
    Scanner(detectors=["github"])
    assert set(tmp_path.glob("hs-*.db")) > everything


def test_an_unwritable_cache_costs_nothing_but_time(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    dbcache.enable(blocker / "cache")
    file, _ = keyed_notebook(tmp_path)
    assert len(Scanner().scan_file(file)) == 1


def test_off_unless_turned_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A Scanner built outside the CLI (the server's gate, a kernel) writes and reads none."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv(dbcache.ENV_DIR, raising=False)
    Scanner()
    assert not list(tmp_path.rglob("hs-*.db"))


def test_the_cli_keeps_them_where_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    file, key = keyed_notebook(tmp_path)
    monkeypatch.setenv(dbcache.ENV_DIR, str(tmp_path / "mine"))
    assert main(["scan", str(file)]) == 1
    assert list((tmp_path / "mine").glob("hs-*.db"))
    monkeypatch.setenv(dbcache.ENV_DIR, "")  # empty: no cache at all
    dbcache.enable(None)
    assert main(["scan", str(file)]) == 1
    assert dbcache.enabled() is None
    assert key not in capsys.readouterr().out
