"""Compiled Hyperscan databases kept on disk, for the command line.

Compiling the scanner's three databases takes about 0.11 s, a third of a CLI
start, and a pre-commit hook starts once per commit; loading one takes
microseconds. Only the CLI turns the cache on (:func:`enable`): whoever can
write the cache directory decides what the scanner sees. That is the user's own
business for the user's own scans, but it must not be for the server's gate,
whose policy an admin sets, so servers and kernels always compile.

A file is named by a hash of everything its database is made of (patterns,
flags, the Hyperscan version, this CPU's features); one that does not load, or
loads as something else, is compiled again and replaced.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

ENV_DIR = "JUPYTER_SECRETS_CACHE_DIR"

_directory: Path | None = None


def default_directory() -> Path | None:
    """``$JUPYTER_SECRETS_CACHE_DIR`` (empty: no cache), else the user's cache directory."""
    chosen = os.environ.get(ENV_DIR)
    if chosen is not None:
        return Path(chosen) if chosen else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "jupyter-secrets"


def enable(directory: Path | None) -> None:
    """Keep databases compiled from now on in ``directory`` (None: compile every time)."""
    global _directory
    _directory = directory


def enabled() -> Path | None:
    return _directory


def load_or_compile(hyperscan: Any, recipe: tuple[Any, ...], compile_: Callable[[], Any]) -> Any:
    """The database ``compile_()`` makes from ``recipe``, read from the cache when there."""
    if _directory is None:
        return compile_()
    file = _directory / f"hs-{_key(hyperscan, recipe)}.db"
    with contextlib.suppress(OSError):
        database = _loaded(hyperscan, file.read_bytes())
        if database is not None:
            return database
    database = compile_()
    _store(file, hyperscan.dumpb(database))
    return database


def _loaded(hyperscan: Any, blob: bytes) -> Any:
    """The database of ``blob``; None when it is damaged or of another kind (Hyperscan
    checks the magic, version, platform and checksum)."""
    try:
        database = hyperscan.loadb(blob, hyperscan.HS_MODE_BLOCK)
    except (hyperscan.error, TypeError, ValueError):
        return None
    return database if b"Mode: BLOCK" in database.info() else None


def _key(hyperscan: Any, recipe: tuple[Any, ...]) -> str:
    digest = hashlib.sha256()
    for part in (getattr(hyperscan, "__version__", "?"), _cpu_features(), *recipe):
        digest.update(repr(part).encode())
        digest.update(b"\x00")
    return digest.hexdigest()[:40]


def _cpu_features() -> str:
    """The CPU's feature flags: a database built for AVX-512 must not meet a CPU without."""
    with (
        contextlib.suppress(OSError),
        open("/proc/cpuinfo", encoding="ascii", errors="replace") as f,
    ):
        for line in f:
            if line.startswith(("flags", "Features")):
                return line
    return os.uname().machine


def _store(file: Path, blob: bytes) -> None:
    """Written whole or not at all (another process may read it meanwhile); a read-only
    or missing home only costs the next start its compile."""
    with contextlib.suppress(OSError):
        file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=file.parent, prefix=".hs-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(blob)
            os.replace(temporary, file)
        except OSError:
            os.unlink(temporary)
            raise
