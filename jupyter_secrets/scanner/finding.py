"""What the scanner reports: :class:`Finding`, never the plaintext.

A finding carries a keyed hash and a masked preview of the secret. The
plaintext and its position are kept in a private :class:`Span` that exists
only in memory (for ``strip``), is excluded from ``repr``, equality,
``to_dict()`` and refuses to be pickled.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from typing import Any

LOCATION_SOURCE = "source"
LOCATION_OUTPUT = "output"
#: Anywhere else in a notebook: notebook/cell/output metadata, attachments, unknown keys.
LOCATION_METADATA = "metadata"

#: ``to_dict()`` keys, in this order (the JSON output contract).
FINDING_FIELDS = (
    "path",
    "cell_index",
    "cell_id",
    "location",
    "output_index",
    "line",
    "column",
    "type",
    "confidence",
    "hashed_secret",
    "preview",
)


class Span:
    """Where a secret sits, and the secret itself, for redaction. Memory only."""

    __slots__ = ("end", "field", "pointer", "start", "value")

    def __init__(
        self,
        value: str,
        start: int,
        end: int,
        field: tuple[str, ...],
        pointer: tuple[str | int, ...] | None = None,
    ) -> None:
        self.value = value
        #: Offsets in the scanned text of the segment (a cell source, one
        #: output's text, or a whole plain file).
        self.start = start
        self.end = end
        #: Which part of the cell/output held it, e.g. ("source",),
        #: ("text",), ("data", "text/html"), ("traceback",).
        self.field = field
        #: JSON path of the leaf that held it (see ``document.Origin.pointer``).
        self.pointer = pointer

    def __repr__(self) -> str:
        return f"<Span {self.field} {self.start}:{self.end}>"

    def __reduce__(self) -> Any:
        raise TypeError("a scanner Span holds a secret and cannot be pickled")


@dataclass(frozen=True)
class Finding:
    """One secret found. ``to_dict()`` is the JSON contract of ``scan --format json``.

    ``cell_index`` is the 0-based index in ``nb["cells"]``; ``line`` and
    ``column`` are 1-based within the cell source or the output text (within
    the file for plain files); cell fields are None for plain files. ``confidence`` is
    "verified", "likely" or "possible" (see :mod:`.confidence`).
    """

    path: str
    cell_index: int | None
    cell_id: str | None
    location: str
    output_index: int | None
    line: int
    column: int
    type: str
    hashed_secret: str
    preview: str
    #: Entry-point name of the detector that found it (not part of the JSON).
    detector: str = field(default="", compare=False)
    span: Span | None = field(default=None, repr=False, compare=False)
    #: How sure the scanner is (:mod:`.confidence`); last, so positional use stays as it was.
    confidence: str = "likely"

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in FINDING_FIELDS}

    @property
    def place(self) -> str:
        """Where it is, in words: see :func:`describe_place`."""
        return describe_place(
            self.cell_index, self.location, self.output_index, self.line, self.column
        )

    @property
    def baseline_key(self) -> tuple[str, str, str]:
        """What a baseline matches: cell id (or path for files without ids), type, hash."""
        anchor = f"cell:{self.cell_id}" if self.cell_id else f"path:{self.path}"
        return (anchor, self.type, self.hashed_secret)


def describe_place(
    cell_index: int | None, location: str, output_index: int | None, line: int, column: int
) -> str:
    """ "cell 2 (source, line 3, column 5)", "cell 2 (output 1, line 1, column 9)",
    "cell 2 (metadata)", "notebook metadata" or, in a plain file, "line 3, column 5".

    The one numbering rule: words count cells and outputs from 1, as a person counts
    them down the notebook; the fields ``cell_index`` and ``output_index`` (JSON,
    SARIF properties, the REST API) count from 0, as nbformat's lists do. Lines and
    columns count from 1 everywhere. ``src/findingText.ts`` words it the same way.
    """
    at = f"line {line}, column {column}"
    if cell_index is None:
        return "notebook metadata" if location == LOCATION_METADATA else at
    cell = f"cell {cell_index + 1}"
    if location == LOCATION_METADATA:
        return f"{cell} (metadata)"  # cell metadata or attachments: no line to go to
    part = f"output {(output_index or 0) + 1}" if location == LOCATION_OUTPUT else "source"
    return f"{cell} ({part}, {at})"


def hash_secret(value: str, key: bytes) -> str:
    """HMAC-SHA256 of the value under ``key`` (hex). See Scanner for where keys come from."""
    return hmac.new(key, value.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()


def mask(value: str) -> str:
    """A preview that shows at most 4+4 characters, fewer for short values.

    ``AKIA************MPLE`` for 20 characters; a 7-character password shows
    its first character only; under 4 characters nothing at all.
    """
    n = len(value)
    if n >= 20:
        head, tail = 4, 4
    elif n >= 16:
        head, tail = 3, 3
    elif n >= 12:
        head, tail = 2, 2
    elif n >= 8:
        head, tail = 1, 1
    elif n >= 4:
        head, tail = 1, 0
    else:
        head, tail = 0, 0
    # Cap the stars so a huge value (a private key) gives a short preview.
    stars = "*" * min(n - head - tail, 24)
    visible_tail = value[n - tail :] if tail else ""
    return _printable(value[:head]) + stars + _printable(visible_tail)


def _printable(text: str) -> str:
    return "".join(ch if ch.isprintable() else "?" for ch in text)
