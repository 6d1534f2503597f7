"""What a context template produces: lines (or JSON) for one carrier, with the values marked.

A *carrier* is the part of a real notebook a piece goes into:

- ``code``: lines inserted at a top-level statement boundary of an existing code cell;
- ``markdown``: lines inserted between paragraphs of an existing markdown cell;
- ``raw``: a new raw cell at a random position;
- ``stdout``: lines inserted into an existing stdout stream (a new one if there is none);
- ``text/plain``: lines inserted into an existing ``execute_result`` text/plain (or a new result);
- ``html_row``: a row inserted into an existing DataFrame ``text/html`` table (or a new table);
- ``table``: a new DataFrame result (``text/html`` + ``text/plain``) on an existing code cell;
- ``traceback``: a frame inserted into an existing error's traceback (or a new error output);
- ``cell_metadata`` / ``nb_metadata``: keys merged into a cell's / the notebook's metadata.

``follows`` puts a piece in the cell that holds the previous piece (an echo:
a value assigned in a cell, then printed by it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .values import Value

LINE_CARRIERS = ("code", "markdown", "raw", "stdout", "text/plain", "html_row")
WHOLE_CARRIERS = ("table", "traceback", "cell_metadata", "nb_metadata")
CARRIERS = LINE_CARRIERS + WHOLE_CARRIERS


@dataclass
class Mark:
    """A value on ``lines[first..last]`` of its piece (whole pieces: anywhere in it)."""

    first: int
    last: int
    needle: str
    family: str
    positive: bool


@dataclass
class Piece:
    carrier: str
    lines: list[str] = field(default_factory=list)
    marks: list[Mark] = field(default_factory=list)
    data: Any = None  # whole carriers: the output node or metadata to merge
    follows: bool = False

    def __post_init__(self) -> None:
        assert self.carrier in CARRIERS, self.carrier


def lines_piece(
    carrier: str, lines: list[str], at: int, value: Value, *, last: int | None = None,
    family: str | None = None, needle: str | None = None, follows: bool = False,
) -> Piece:  # fmt: skip
    """A piece whose ``lines[at..last]`` hold ``value``."""
    mark = Mark(at, at if last is None else last, needle or value.probe,
                family or value.family, value.positive)  # fmt: skip
    return Piece(carrier, lines, [mark], follows=follows)


def whole_piece(carrier: str, data: Any, value: Value, *, family: str | None = None,
                needle: str | None = None) -> Piece:  # fmt: skip
    mark = Mark(0, 0, needle or value.probe, family or value.family, value.positive)
    return Piece(carrier, [], [mark], data=data)


def block(text: str) -> list[str]:
    return text.split("\n")
