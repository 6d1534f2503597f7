"""Map a line of a notebook's raw JSON back to (cell, location, output, line-in-text).

Peers (detect-secrets, secretlint) scan ``.ipynb`` files as text and report raw
line numbers. To score them on the same labels as our scanner, this tokenizes
the JSON (string tokens never span raw lines), tracks the path of each string
value, and turns ``cells[i].source[j]`` into cell ``i``, location ``source``,
line = 1 + newlines in ``source[0..j-1]``; likewise for stream text and text
mimetypes. Values without a text line (JSON mimetypes, output metadata) map to
line 0, which only whole-output labels match; ids, cell metadata, attachments
and notebook metadata map to their own locations; anything else (keys,
brackets, numbers) maps to ``structure``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import NamedTuple

TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[{}\[\]:,]|[^\s{}\[\]:,"]+')
TEXT_LISTS = {"source", "text", "traceback"}


class RawPos(NamedTuple):
    cell_index: int | None
    location: str
    output_index: int | None
    line: int


def _newlines(token: str) -> int:
    if len(token) < 100_000:
        return str(json.loads(token)).count("\n")
    return token.count("\\n")  # huge tokens are payloads; an estimate is enough


def position(path: list[str | int], inner: int) -> RawPos:
    if not path:
        return RawPos(None, "structure", None, 0)
    if path[0] == "metadata":
        return RawPos(None, "metadata", None, 0)
    if path[0] != "cells" or len(path) < 3 or not isinstance(path[1], int):
        return RawPos(None, "structure", None, 0)
    cell, part = path[1], path[2]
    if part == "source":
        return RawPos(cell, "source", None, inner)
    if part == "id":
        return RawPos(cell, "cell_id", None, 0)
    if part in ("metadata", "attachments"):
        return RawPos(cell, str(part), None, 0)
    if part == "outputs" and len(path) >= 5 and isinstance(path[3], int):
        field = path[4]
        text_field = field in TEXT_LISTS or field in ("evalue", "ename")
        if field == "data" and len(path) >= 6:
            # A text mimetype is a string or a list of lines; JSON mimetypes nest deeper.
            text_field = len(path) == 6 or (len(path) == 7 and isinstance(path[6], int))
        return RawPos(cell, "output", path[3], inner if text_field else 0)
    return RawPos(cell, "structure", None, 0)


@dataclass
class _Frame:
    is_dict: bool
    key: str | int | None  # current key (object) or index (array)
    expecting_key: bool
    newlines: int = 0  # newlines in the array's earlier string items


def raw_line_map(text: str) -> dict[int, RawPos]:
    """Raw 1-based line -> position of the first string value on that line.

    A line holding only a key (an object opening, a widget model id) maps to
    the key's own position, so a finding there lands in the right part.
    """
    result: dict[int, RawPos] = {}
    key_lines: dict[int, RawPos] = {}
    stack: list[_Frame] = []
    path: list[str | int] = []
    line, last = 1, 0
    for match in TOKEN.finditer(text):
        start = match.start()
        line += text.count("\n", last, start)
        last = start
        token = match.group()
        head = token[0]
        top = stack[-1] if stack else None
        if head in "{[":
            if top is not None and top.key is not None:
                path.append(top.key)
            stack.append(_Frame(head == "{", None if head == "{" else 0, head == "{"))
        elif head in "}]":
            stack.pop()
            if path and stack:
                path.pop()
        elif top is None:
            continue
        elif head == ":":
            top.expecting_key = False
        elif head == ",":
            if top.is_dict:
                top.expecting_key = True
            else:
                top.key = int(top.key or 0) + 1
        elif head == '"' and top.is_dict and top.expecting_key:
            top.key = json.loads(token)
            key_lines.setdefault(line, position([*path, top.key], 0))
        elif head == '"' and top.key is not None:
            inner = 1 if top.is_dict else 1 + top.newlines
            result.setdefault(line, position([*path, top.key], inner))
            if not top.is_dict:
                top.newlines += _newlines(token)
    for line_number, pos in key_lines.items():
        result.setdefault(line_number, pos)
    return result
