"""The secret refs a repository uses: in notebooks, Python, configuration and prose.

A ref counts as used where it is written in one of the forms the runtime resolves:

- the line magic ``%secret REF`` (options ``--env VAR`` and ``--refresh`` before or after it);
- a call ``secret("REF")`` or ``secret('REF')`` (also as an attribute: ``js.secret(...)``);
- a URI ``secret://REF``, which also covers ``${secret://REF}`` in configuration.

``@version`` and ``#field`` are stripped: the inventory lists secrets, so a use is
its path. Text that looks like one of these forms but does not parse as a ref
(:func:`jupyter_secrets.refs.parse_ref`) is not a use. A trailing ``.`` is taken
as the end of a sentence, not part of the name.

In a notebook only the sources of code and markdown cells count (outputs and raw
cells do not), and each use's line is the raw line of the ``.ipynb`` file, as the
scanner's SARIF reports it.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ..errors import InvalidRefError
from ..refs import SecretRef, parse_ref
from ..scanner.files import is_scanned_name
from ..scanner.rawpos import RawNotebook

#: The files whose text is searched for refs (``.env`` also covers ``prod.env`` and ``.env.local``).
REF_SUFFIXES: tuple[str, ...] = (
    ".ipynb",
    ".py",
    ".yaml",
    ".yml",
    ".json",
    ".toml",
    ".ini",
    ".cfg",
    ".env",
    ".sql",
    ".md",
    ".txt",
)
#: Directories never walked: version control, caches, checkpoints. A virtualenv
#: (any directory with a ``pyvenv.cfg``) is skipped too.
SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        "node_modules",
        "__pycache__",
        ".mypy_cache",
        ".ruff_cache",
        ".pytest_cache",
        ".tox",
        ".nox",
        ".ipynb_checkpoints",
    }
)
#: Files larger than this are not searched (data dumps, not code).
MAX_BYTES = 5_000_000

_SEGMENTS = r"[A-Za-z0-9_][A-Za-z0-9_.\-]*(?:/[A-Za-z0-9_][A-Za-z0-9_.\-]*)+"
_REF_TEXT = rf"(?:secret://)?{_SEGMENTS}(?:@[A-Za-z0-9\-]+)?(?:\#[A-Za-z0-9_][A-Za-z0-9_.\-]*)?"
_OPTION = r"--refresh|--env(?:[ \t]*=[ \t]*|[ \t]+)[A-Za-z_][A-Za-z0-9_]*"
_MAGIC = re.compile(
    rf"(?<![\w%])%secret(?:[ \t]+(?:{_OPTION}))*[ \t]+(?P<ref>{_REF_TEXT})(?![\w/@#])",
)
_CALL = re.compile(rf"""(?<![\w])secret\([ \t]*(?P<q>["'])(?P<ref>{_REF_TEXT})(?P=q)""")
_URI = re.compile(
    rf"(?<![\w/])(?P<ref>secret://{_SEGMENTS}(?:@[A-Za-z0-9\-]+)?(?:\#[A-Za-z0-9_][A-Za-z0-9_.\-]*)?)"
)
_PATTERNS = (_MAGIC, _CALL, _URI)


@dataclass(frozen=True, order=True)
class FoundRef:
    """A ref written in a text: 1-based line and column of where it starts."""

    line: int
    column: int
    written: str  # as written, e.g. "secret://prod/db#password"
    ref: SecretRef

    @property
    def path(self) -> str:
        return self.ref.path


@dataclass(frozen=True)
class RefUse:
    """A ref used in a file: the file, its raw line and, in a notebook, where in which cell."""

    file: str
    line: int
    ref: str  # the path, e.g. "prod/db/password"
    written: str
    cell: int | None = None  # 0-based cell index in a notebook
    cell_line: int | None = None  # 1-based line within the cell's source

    @property
    def place(self) -> str:
        if self.cell is None:
            return f"line {self.line}"
        return f"cell {self.cell + 1}, line {self.cell_line}"


def find_refs(text: str) -> list[FoundRef]:
    """Every ref used in ``text``, in order; each written ref once (``%secret secret://x``
    and ``secret("secret://x")`` are one use, not two)."""
    found: dict[int, FoundRef] = {}
    line_starts = _line_starts(text)
    for pattern in _PATTERNS:
        for match in pattern.finditer(text):
            start = match.start("ref")
            if start in found:
                continue
            written = match.group("ref")
            if pattern is not _CALL:
                written = written.rstrip(".")  # the end of a sentence
            try:
                ref = parse_ref(written)
            except InvalidRefError:
                continue
            line = _line_of(line_starts, start)
            found[start] = FoundRef(line, start - line_starts[line - 1] + 1, written, ref)
    return sorted(found.values())


def refs_in_file(path: str | os.PathLike[str]) -> list[RefUse]:
    """The uses in one file; a notebook by its cells, anything else as text.

    A file that cannot be read or decoded holds no uses (the scanner reports such
    files; the inventory is about names, not about every byte).
    """
    name = os.fspath(path)
    try:
        if os.path.getsize(name) > MAX_BYTES:
            return []
        with open(name, encoding="utf-8", errors="strict") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError):
        return []
    if name.lower().endswith(".ipynb"):
        uses = _notebook_uses(name, text)
        if uses is not None:
            return uses
    return [RefUse(name, f.line, f.path, f.written) for f in find_refs(text)]


def _notebook_uses(name: str, text: str) -> list[RefUse] | None:
    """Uses in code and markdown cells; None when the file is not a notebook's JSON."""
    try:
        data = json.loads(text)
    except ValueError:
        return None
    cells = data.get("cells") if isinstance(data, dict) else None
    if not isinstance(cells, list):
        return None
    raw = RawNotebook(text)
    uses: list[RefUse] = []
    for index, cell in enumerate(cells):
        if not isinstance(cell, dict) or cell.get("cell_type") not in ("code", "markdown"):
            continue
        tokens = raw.fields.get((index, "source", None, ("source",)), [])
        cell_line = 1
        for token in tokens:  # each element of the source list is a line (or all of it)
            piece = token.decoded()
            for f in find_refs(piece):
                uses.append(
                    RefUse(name, token.line, f.path, f.written, index, cell_line + f.line - 1)
                )
            cell_line += piece.count("\n")
    return uses


def iter_ref_files(
    paths: Iterable[str], *, exclude: Iterable[str | os.PathLike[str]] = ()
) -> Iterator[str]:
    """Files under ``paths`` with a :data:`REF_SUFFIXES` name (explicit files whatever their
    name), sorted, each once, skipping :data:`SKIP_DIRS`, virtualenvs and ``exclude``."""
    skip = {_key(p) for p in exclude}
    seen: set[str] = set()
    for raw in paths:
        for candidate in _walk(raw):
            key = _key(candidate)
            if key in skip or key in seen:
                continue
            seen.add(key)
            yield candidate


def _walk(raw: str) -> Iterator[str]:
    if not os.path.isdir(raw):
        if os.path.isfile(raw):
            yield raw  # an explicit file is read whatever its name
        return
    for root, dirs, files in os.walk(raw):
        dirs[:] = sorted(
            d
            for d in dirs
            if d not in SKIP_DIRS and not os.path.exists(os.path.join(root, d, "pyvenv.cfg"))
        )
        for file in sorted(files):
            if is_scanned_name(file, REF_SUFFIXES):
                yield os.path.normpath(os.path.join(root, file))


def _key(path: str | os.PathLike[str]) -> str:
    try:
        return str(Path(path).resolve())
    except OSError:
        return os.path.abspath(path)


def _line_starts(text: str) -> list[int]:
    starts = [0]
    starts.extend(m.end() for m in re.finditer(r"\r\n|\r|\n", text))
    return starts


def _line_of(starts: list[int], offset: int) -> int:
    low, high = 0, len(starts)
    while high - low > 1:  # the last start <= offset
        middle = (low + high) // 2
        if starts[middle] <= offset:
            low = middle
        else:
            high = middle
    return low + 1
