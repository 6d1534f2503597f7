"""Labels and the small text builder the corpus generator plants values with."""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import asdict, dataclass
from typing import Any

# Where a finding can be: scanners report "source"/"output"; the other locations
# exist only for peers that scan the raw notebook JSON (ids, metadata, attachments).
LOCATIONS = ("source", "output", "attachments", "metadata", "cell_id", "structure")


@dataclass
class Label:
    """One planted value: a secret (positive) or a hard negative.

    A finding matches when file, cell_index, location and output_index are
    equal and its line is in ``line..end_line`` (1-based, within the cell
    source or the output text of ``field``); when ``line_exact`` is false any
    line of that output matches (error outputs and JSON mimetypes have no
    single canonical line numbering). ``needle`` stays in memory only: the
    labels file carries its SHA-256 and length, never the value.
    """

    file: str
    set: str
    cell_index: int | None
    cell_id: str | None
    location: str
    output_index: int | None
    line: int
    end_line: int
    line_exact: bool
    family: str
    positive: bool
    binary: bool
    context: str
    field: str | None
    needle: str = dataclasses.field(repr=False, compare=False)
    id: int = 0

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        del data["needle"]
        data["needle_sha256"] = hashlib.sha256(self.needle.encode()).hexdigest()
        data["needle_len"] = len(self.needle)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Label:
        fields = {k: v for k, v in data.items() if k not in ("needle_sha256", "needle_len")}
        return cls(needle="", **fields)

    @property
    def key(self) -> tuple[str, int | None, str, int | None]:
        return (self.file, self.cell_index, self.location, self.output_index)


@dataclass
class Plant:
    """A labelled range inside one text (0-based line indices, inclusive)."""

    first: int
    last: int
    family: str
    positive: bool
    needle: str
    binary: bool = False
    line_exact: bool = True
    context: str = ""


@dataclass
class Text:
    """Lines of one text (a cell source, an output mimetype, a plain file) with plants."""

    lines: list[str] = dataclasses.field(default_factory=list)
    plants: list[Plant] = dataclasses.field(default_factory=list)

    def add(self, *lines: str) -> None:
        for line in lines:
            self.lines.extend(line.split("\n"))

    def plant(self, snippet: Snippet, family: str, positive: bool, context: str = "") -> None:
        base = len(self.lines)
        self.lines.extend(snippet.lines)
        self.plants.append(
            Plant(
                base + snippet.first, base + snippet.last, family, positive, snippet.needle,
                line_exact=snippet.line_exact, context=context,
            )
        )  # fmt: skip

    @property
    def value(self) -> str:
        return "\n".join(self.lines)


@dataclass
class Snippet:
    """Rendered lines holding a value in ``lines[first..last]``; ``needle`` as written there."""

    lines: list[str]
    first: int
    last: int
    needle: str
    line_exact: bool = True

    @classmethod
    def around(cls, before: list[str], body: str, after: list[str], needle: str) -> Snippet:
        body_lines = body.split("\n")
        return cls(
            [*before, *body_lines, *after], len(before), len(before) + len(body_lines) - 1, needle
        )
