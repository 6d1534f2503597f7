"""Edit a copy of a real notebook: put pieces into its existing cells and outputs.

Every edit is recorded as the *origin* of each final cell, output and line
(``("orig", n)`` for what the notebook had, ``("plant", id)`` for what was
put in), so labels are computed from the final notebook's positions, however
many lines later edits inserted above them, and a finding on the notebook's
own content can be told from one on planted lines (``PositionMap``).

Code pieces go in at top-level statement boundaries (``ast`` after blanking
IPython ``%``/``!`` lines), markdown pieces between paragraphs outside code
fences, stream/result pieces between existing lines; nothing is ever put
inside an earlier piece.
"""

from __future__ import annotations

import ast
import random
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from .pieces import Mark, Piece

Origin = tuple[str, int]  # ("orig", index in the original) or ("plant", piece id)
MAGIC = re.compile(r"^\s*[%!?]")


def get_text(node: dict[str, Any], key: str) -> str:
    value = node.get(key, "")
    return "".join(value) if isinstance(value, list) else str(value)


def set_text(node: dict[str, Any], key: str, text: str) -> None:
    """Store as nbformat writes it: a list of lines. (Peers' hits are mapped back to lines
    through the raw JSON, which cannot tell the lines of one long string apart.)"""
    parts = text.split("\n")
    node[key] = [p + "\n" for p in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


def code_boundaries(source: str) -> list[int] | None:
    """Line indices where a top-level statement may go in; None if not Python."""
    if source.lstrip().startswith("%%"):
        return None
    lines = source.split("\n")
    blanked = "\n".join("pass" if MAGIC.match(line) else line for line in lines)
    try:
        tree = ast.parse(blanked)
    except (SyntaxError, ValueError):
        return None
    starts = set()
    for node in tree.body:
        decorators = getattr(node, "decorator_list", [])
        starts.add(min([node.lineno, *(d.lineno for d in decorators)]) - 1)
    return sorted(starts | {len(lines)})


def markdown_boundaries(source: str) -> list[int]:
    """Paragraph breaks outside ``` fences (and the start and end)."""
    lines = source.split("\n")
    out, fenced = [0], False
    for i, line in enumerate(lines):
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        elif not fenced and not line.strip() and i + 1 < len(lines):
            out.append(i + 1)
    return sorted({*out, len(lines)})


def text_boundaries(text: str) -> list[int]:
    lines = text.split("\n")
    return list(range(len(lines) - (lines[-1] == "") + 1))


@dataclass
class Placed:
    """Where a piece's marks ended up, by object identity until the notebook is final."""

    piece_id: int
    cell: dict[str, Any]
    output: dict[str, Any] | None
    field: str | None  # text field ("source", "text", a mimetype); None for whole carriers
    location: str  # source | output | metadata
    marks: list[Mark]
    context: str


@dataclass
class Host:
    nb: dict[str, Any]
    rng: random.Random
    cell_origin: list[Origin] = field(default_factory=list)
    out_origin: dict[int, list[Origin]] = field(default_factory=dict)
    line_origin: dict[tuple[int, int, str], list[Origin]] = field(default_factory=dict)
    placed: list[Placed] = field(default_factory=list)
    _next_id: int = 0

    def __post_init__(self) -> None:
        self.cell_origin = [("orig", i) for i in range(len(self.cells))]

    @property
    def cells(self) -> list[dict[str, Any]]:
        cells: list[dict[str, Any]] = self.nb["cells"]
        return cells

    # -- what this notebook offers ----------------------------------------------------

    def code_cells(self) -> list[dict[str, Any]]:
        return [c for c in self.cells if c.get("cell_type") == "code"]

    def outputs_where(self, test: Any) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        return [(c, o) for c in self.code_cells() for o in c.get("outputs", []) if test(o)]

    def has_table(self) -> bool:
        return bool(self.outputs_where(_is_table))

    # -- placing ----------------------------------------------------------------------

    def place(self, pieces: list[Piece], context: str) -> None:
        cell: dict[str, Any] | None = None
        for piece in pieces:
            self._next_id += 1
            target = cell if piece.follows else None
            cell = self._place(piece, self._next_id, context, target)

    def _place(
        self, piece: Piece, pid: int, context: str, cell: dict[str, Any] | None
    ) -> dict[str, Any]:
        c = piece.carrier
        if c == "code":
            return self._into_code(piece, pid, context)
        if c == "markdown":
            return self._into_markdown(piece, pid, context)
        if c == "raw":
            return self._new_raw(piece, pid, context)
        if c == "stdout":
            found = self._pick(
                cell, lambda o: o.get("output_type") == "stream" and o.get("name") == "stdout"
            )
            if found is None:
                cell, out = self._new_output(
                    cell, pid, {"name": "stdout", "output_type": "stream", "text": ""}
                )
            else:
                cell, out = found
            return self._into_text(piece, pid, context, cell, out, "text")
        if c == "text/plain":
            found = self._pick(
                cell,
                lambda o: (
                    o.get("output_type") == "execute_result" and "text/plain" in o.get("data", {})
                ),
            )
            if found is None:
                node = {
                    "data": {"text/plain": ""},
                    "execution_count": None,
                    "metadata": {},
                    "output_type": "execute_result",
                }
                cell, out = self._new_output(cell, pid, node)
            else:
                cell, out = found
            return self._into_text(piece, pid, context, cell, out["data"], "text/plain", out)
        if c == "html_row":
            cell, out = self.rng.choice(self.outputs_where(_is_table))
            return self._into_table(piece, pid, context, cell, out)
        if c == "table":
            cell, out = self._new_output(cell, pid, piece.data)
            self._whole(pid, cell, out, "output", piece, context)
            return cell
        if c == "traceback":
            return self._into_traceback(piece, pid, context)
        if c == "cell_metadata":
            cell = self.rng.choice(self.cells)
            _merge(cell.setdefault("metadata", {}), piece.data)
            self._whole(pid, cell, None, "metadata", piece, context)
            return cell
        _merge(self.nb.setdefault("metadata", {}), piece.data)
        self.placed.append(Placed(pid, {}, None, None, "nb_metadata", piece.marks, context))
        return self.cells[0]

    def _pick(
        self, cell: dict[str, Any] | None, test: Any
    ) -> tuple[dict[str, Any], dict[str, Any]] | None:
        if cell is not None:
            own = [(cell, o) for o in cell.get("outputs", []) if test(o)]
            return own[0] if own else None
        found = self.outputs_where(test)
        return self.rng.choice(found) if found else None

    def _into_code(self, piece: Piece, pid: int, context: str) -> dict[str, Any]:
        options = []
        for cell in self.code_cells():
            points = code_boundaries(get_text(cell, "source"))
            if points:
                options += [(cell, p) for p in self._free(cell, None, "source", points)]
        cell, at = self.rng.choice(options)
        self._insert(cell, None, "source", cell, at, piece, pid, context, "source")
        return cell

    def _into_markdown(self, piece: Piece, pid: int, context: str) -> dict[str, Any]:
        options = []
        for cell in self.cells:
            if cell.get("cell_type") == "markdown":
                points = markdown_boundaries(get_text(cell, "source"))
                options += [(cell, p) for p in self._free(cell, None, "source", points)]
        cell, at = self.rng.choice(options)
        n = len(get_text(cell, "source").split("\n"))
        before = [""] if at == n and get_text(cell, "source").strip() else []
        padded = Piece(piece.carrier, [*before, *piece.lines, ""],
                       [_shift(m, len(before)) for m in piece.marks])  # fmt: skip
        self._insert(cell, None, "source", cell, at, padded, pid, context, "source")
        return cell

    def _new_raw(self, piece: Piece, pid: int, context: str) -> dict[str, Any]:
        cell: dict[str, Any] = {"cell_type": "raw", "metadata": {}, "source": []}
        if (self.nb.get("nbformat"), self.nb.get("nbformat_minor", 0)) >= (4, 5):
            cell["id"] = str(
                uuid.UUID(int=self.rng.getrandbits(128), version=4)
            )  # as JupyterLab does
        at = self.rng.randrange(len(self.cells) + 1)
        self.cells.insert(at, cell)
        self.cell_origin.insert(at, ("plant", pid))
        self.line_origin[(id(cell), 0, "source")] = []
        self._insert(cell, None, "source", cell, 0, piece, pid, context, "source", replace=True)
        return cell

    def _new_output(
        self, cell: dict[str, Any] | None, pid: int, node: dict[str, Any]
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        if cell is None or cell.get("cell_type") != "code":
            cell = self.rng.choice(self.code_cells())
        outputs = cell.setdefault("outputs", [])
        origins = self._outs(cell)  # before the append: the new output is not the notebook's
        for holder, key in [
            (node, "text"),
            *((node.get("data", {}), m) for m in node.get("data", {})),
        ]:
            if isinstance(holder.get(key), str):
                set_text(holder, key, holder[key])
        if node.get("output_type") == "execute_result":
            node["execution_count"] = cell.get("execution_count")
        outputs.append(node)
        origins.append(("plant", pid))
        return cell, node

    def _into_table(
        self, piece: Piece, pid: int, context: str, cell: dict[str, Any], out: dict[str, Any]
    ) -> dict[str, Any]:
        data = out["data"]
        lines = get_text(data, "text/html").split("\n")
        end = max(i for i, line in enumerate(lines) if line.strip() == "</tbody>")
        self._insert(cell, out, "text/html", data, end, piece, pid, context, "output")
        return cell

    def _into_traceback(self, piece: Piece, pid: int, context: str) -> dict[str, Any]:
        errors = self.outputs_where(
            lambda o: o.get("output_type") == "error" and isinstance(o.get("traceback"), list)
        )
        if errors:
            cell, out = self.rng.choice(errors)
            frames = out["traceback"]
            frames.insert(max(1, len(frames) - 1), piece.data["frame"])
        else:
            cell, out = self._new_output(None, pid, piece.data["error"])
        self._whole(pid, cell, out, "output", piece, context)
        return cell

    def _into_text(self, piece: Piece, pid: int, context: str, cell: dict[str, Any], out: dict[str, Any],
                   key: str, output: dict[str, Any] | None = None) -> dict[str, Any]:  # fmt: skip
        points = self._free(cell, output or out, key, text_boundaries(get_text(out, key)))
        self._insert(
            cell, output or out, key, out, self.rng.choice(points), piece, pid, context, "output"
        )
        return cell

    # -- bookkeeping ------------------------------------------------------------------

    def _outs(self, cell: dict[str, Any]) -> list[Origin]:
        if id(cell) not in self.out_origin:
            self.out_origin[id(cell)] = [("orig", j) for j in range(len(cell.get("outputs", [])))]
        return self.out_origin[id(cell)]

    def _lines(
        self, cell: dict[str, Any], output: dict[str, Any] | None, key: str, text: str
    ) -> list[Origin]:
        slot = (id(cell), id(output) if output is not None else 0, key)
        if slot not in self.line_origin:
            self.line_origin[slot] = [("orig", k) for k in range(len(text.split("\n")))]
        return self.line_origin[slot]

    def _free(
        self, cell: dict[str, Any], output: dict[str, Any] | None, key: str, points: list[int]
    ) -> list[int]:
        """Boundaries that do not split an earlier piece."""
        node = cell if output is None else (output.get("data", output) if key != "text" else output)
        origins = self._lines(cell, output, key, get_text(node, key))
        return [
            p
            for p in points
            if not (
                0 < p < len(origins) and origins[p - 1] == origins[p] and origins[p][0] == "plant"
            )
        ]

    def _insert(self, cell: dict[str, Any], output: dict[str, Any] | None, key: str, node: dict[str, Any],
                at: int, piece: Piece, pid: int, context: str, location: str, replace: bool = False) -> None:  # fmt: skip
        text = "" if replace else get_text(node, key)
        origins = self._lines(cell, output, key, text)
        lines = [] if replace else text.split("\n")
        if lines == [""]:  # an empty text has no line to keep
            lines, origins[:] = [], []
        lines[at:at] = piece.lines
        origins[at:at] = [("plant", pid)] * len(piece.lines)
        set_text(node, key, "\n".join(lines))
        self.placed.append(Placed(pid, cell, output, key, location, piece.marks, context))

    def _whole(
        self,
        pid: int,
        cell: dict[str, Any],
        out: dict[str, Any] | None,
        location: str,
        piece: Piece,
        context: str,
    ) -> None:
        self.placed.append(Placed(pid, cell, out, None, location, piece.marks, context))


def _is_table(output: dict[str, Any]) -> bool:
    html = output.get("data", {}).get("text/html")
    return html is not None and any(
        line.strip() == "</tbody>" for line in get_text(output["data"], "text/html").split("\n")
    )


def _shift(mark: Mark, by: int) -> Mark:
    return Mark(mark.first + by, mark.last + by, mark.needle, mark.family, mark.positive)


def _merge(target: dict[str, Any], extra: dict[str, Any]) -> None:
    """Deep merge that never overwrites: a taken key gets a numbered twin."""
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge(target[key], value)
            continue
        name, n = key, 2
        while name in target:
            name, n = f"{key}_{n}", n + 1
        target[name] = value
