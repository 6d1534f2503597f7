"""Plant fake secrets and hard negatives into a copy of one real notebook, and label them.

``plant_notebook(nb, rng, plan, file, split)`` edits ``nb`` in place and
returns its labels (``tests.corpus.model.Label``: file, cell_index, location,
output_index, lines, family) and its ``PositionMap``. Labels are computed
from the final notebook, after every insertion; ``check_labels`` re-reads
the written file and proves each label's value sits at the labelled place.

The plan (which templates, which values) comes from ``Planner``: templates in
shuffled rounds so each is used about equally, token families likewise.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass, field
from typing import Any

from tests.corpus.model import Label

from . import negatives, values
from .contexts import NEGATIVE_KINDS, POSITIVE_KINDS, TEMPLATES, Template
from .hosts import Host, Placed, code_boundaries, get_text
from .values import Value

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


class Cycle:
    """Items in shuffled rounds: every item once before any repeats."""

    def __init__(self, items: list[Any], rng: random.Random) -> None:
        self.items, self.rng = list(items), rng
        self.queue: list[Any] = []

    def next(self, accept: Any = lambda _item: True) -> Any:
        for _ in range(2 * len(self.items) + 2):
            if not self.queue:
                self.queue = list(self.items)
                self.rng.shuffle(self.queue)
            for i, item in enumerate(self.queue):
                if accept(item):
                    return self.queue.pop(i)
            self.queue = []
        raise LookupError("no acceptable item")


@dataclass
class Planner:
    rng: random.Random
    positives: Cycle = field(init=False)
    negatives: Cycle = field(init=False)
    families: Cycle = field(init=False)

    def __post_init__(self) -> None:
        pos = [(t, k) for t in TEMPLATES for k in t.kinds if k in POSITIVE_KINDS]
        neg = [(t, k) for t in TEMPLATES for k in t.kinds if k in NEGATIVE_KINDS]
        self.positives = Cycle(pos, self.rng)
        self.negatives = Cycle(neg, self.rng)
        self.families = Cycle(sorted(values.TOKENS), self.rng)

    def next(self, host: Host, positive: bool) -> tuple[Template, Value]:
        cycle = self.positives if positive else self.negatives
        template, kind = cycle.next(lambda tk: available(host, tk[0]))
        return template, self.draw_value(kind, template)

    def draw_value(self, kind: str, template: Template) -> Value:
        rng = self.rng
        if kind == "token":
            family = self.families.next(lambda f: f not in template.skip_families)
            return values.token(rng, family)
        if kind in ("password", "uri"):
            return values.secret_password(rng, template.symbols)
        if kind == "aws_secret":
            return values.aws_secret_value(rng)
        if kind == "azure":
            return Value("azure_conn", True, kind, values.azure_storage_connection(rng),
                         "connection_string", "AZURE_STORAGE_CONNECTION_STRING", "Azure")  # fmt: skip
        if kind == "aws_pair":
            return Value(
                "aws", True, kind, values.aws_key_id(rng), "aws_access_key_id", "AWS_ACCESS_KEY_ID"
            )
        if kind == "twilio_pair":
            return Value("twilio", True, kind, "", "account_sid", "TWILIO_ACCOUNT_SID")
        if kind == "pem":
            text, body = values.pem(rng)
            return Value("private_key", True, kind, text, "private_key", "PRIVATE_KEY", needle=body)
        if kind == "sa":
            info, body = values.gcp_service_account(rng)
            return Value("gcp_service_account", True, kind, json.dumps(info), "credentials",
                         "GOOGLE_APPLICATION_CREDENTIALS", "Google Cloud", needle=body)  # fmt: skip
        return draw_negative(rng, kind)


def draw_negative(rng: random.Random, kind: str) -> Value:
    if kind == "neg_token":
        return rng.choice([negatives.placeholder_token, negatives.documented_sample,
                           negatives.fake_saying, negatives.masked])(rng)  # fmt: skip
    if kind == "neg_password":
        if rng.random() < 0.6:
            return negatives.placeholder_password(rng)
        return negatives.fake_saying(rng, password_slot=True)
    if kind == "neg_aws_secret":
        return negatives.documented_aws_secret()
    if kind == "reference":
        return negatives.reference(rng)
    return negatives.shaped(rng, kind)


def available(host: Host, template: Template) -> bool:
    carrier = template.carrier
    if carrier == "code":
        return any(code_boundaries(get_text(c, "source")) for c in host.code_cells())
    if carrier == "markdown":
        return any(c.get("cell_type") == "markdown" for c in host.cells)
    if carrier == "html_row":
        return host.has_table()
    if carrier in ("raw", "nb_metadata", "cell_metadata"):
        return bool(host.cells)
    return bool(host.code_cells())


def eligible(nb: Any) -> bool:
    """A notebook we can plant into: nbformat 4 with a parseable code cell and a markdown cell."""
    if not isinstance(nb, dict) or nb.get("nbformat") != 4 or not isinstance(nb.get("cells"), list):
        return False
    cells = nb["cells"]
    if not all(isinstance(c, dict) and isinstance(c.get("metadata", {}), dict) for c in cells):
        return False
    host = Host(nb, random.Random(0))
    has_code = any(code_boundaries(get_text(c, "source")) for c in host.code_cells())
    return has_code and any(c.get("cell_type") == "markdown" for c in cells)


@dataclass
class PositionMap:
    """Final positions -> original ones (None: planted). JSON-friendly."""

    cells: list[int | None]
    outputs: dict[int, list[int | None]]
    lines: dict[str, dict[str, list[int | None]]]  # "cell:location:output" -> field -> orig line

    def is_original(self, cell: int | None, location: str, output: int | None, line: int) -> bool:
        """Whether a finding there is on the notebook's own content, not on planted lines."""
        if cell is None:
            return True
        if cell >= len(self.cells) or self.cells[cell] is None:
            return False
        if location == "output" and output is not None:
            outs = self.outputs.get(cell)
            if outs is not None and (output >= len(outs) or outs[output] is None):
                return False
        fields = self.lines.get(f"{cell}:{location}:{output if location == 'output' else None}")
        if not fields or line <= 0:
            return True
        return any(0 < line <= len(orig) and orig[line - 1] is not None for orig in fields.values())

    def to_json(self) -> dict[str, Any]:
        return {
            "cells": self.cells,
            "outputs": {str(k): v for k, v in self.outputs.items()},
            "lines": self.lines,
        }


def _orig(origins: list[tuple[str, int]]) -> list[int | None]:
    return [n + 1 if kind == "orig" else None for kind, n in origins]


def plant_notebook(
    nb: dict[str, Any], rng: random.Random, planner: Planner, file: str, split: str,
    positives: int, negatives_: int,
) -> tuple[list[Label], PositionMap]:  # fmt: skip
    host = Host(nb, rng)
    plan = [True] * positives + [False] * negatives_
    rng.shuffle(plan)
    for positive in plan:
        template, value = planner.next(host, positive)
        if template.carrier == "html_row" and not host.has_table():  # pragma: no cover
            continue
        host.place(template.render(rng, value), f"{template.carrier}:{template.name}")
    return labels_of(host, file, split), position_map(host)


def position_map(host: Host) -> PositionMap:
    index = {id(c): i for i, c in enumerate(host.cells)}
    cells = [n if kind == "orig" else None for kind, n in host.cell_origin]
    outputs = {index[cid]: [n if k == "orig" else None for k, n in outs]
               for cid, outs in host.out_origin.items() if cid in index}  # fmt: skip
    lines: dict[str, dict[str, list[int | None]]] = {}
    for (cid, oid, key), origins in host.line_origin.items():
        cell = host.cells[index[cid]]
        if oid == 0:
            slot = f"{index[cid]}:source:None"
        else:
            out = next(j for j, o in enumerate(cell["outputs"]) if id(o) == oid)
            slot = f"{index[cid]}:output:{out}"
        lines.setdefault(slot, {})[key] = _orig(origins)
    return PositionMap(cells, outputs, lines)


def labels_of(host: Host, file: str, split: str) -> list[Label]:
    index = {id(c): i for i, c in enumerate(host.cells)}
    labels = []
    for placed in host.placed:
        cell_index, out_index, first = _position(host, placed, index)
        cell = host.cells[cell_index] if cell_index is not None else {}
        for mark in placed.marks:
            whole = placed.field is None
            labels.append(Label(
                file=file, set=split, cell_index=cell_index, cell_id=cell.get("id"),
                location="metadata" if placed.location == "nb_metadata" else placed.location,
                output_index=out_index, line=0 if whole else first + mark.first + 1,
                end_line=0 if whole else first + mark.last + 1, line_exact=not whole,
                family=mark.family, positive=mark.positive, binary=False, context=placed.context,
                field=None if placed.field == "source" else placed.field, needle=mark.needle,
            ))  # fmt: skip
    return labels


def _position(
    host: Host, placed: Placed, index: dict[int, int]
) -> tuple[int | None, int | None, int]:
    if placed.location == "nb_metadata":
        return None, None, 0
    cell_index = index[id(placed.cell)]
    out_index = None
    if placed.output is not None:
        out_index = next(j for j, o in enumerate(placed.cell["outputs"]) if o is placed.output)
    if placed.field is None:
        return cell_index, out_index, 0
    slot = (id(placed.cell), id(placed.output) if placed.output is not None else 0, placed.field)
    first = host.line_origin[slot].index(("plant", placed.piece_id))
    return cell_index, out_index, first


def label_text(label: Label, nb: dict[str, Any]) -> str:
    """The text a label's lines count in, or for whole-place labels all the text there."""
    if label.cell_index is None:
        return json.dumps(nb.get("metadata", {}), ensure_ascii=False)
    cell = nb["cells"][label.cell_index]
    if label.location == "source":
        return get_text(cell, "source")
    if label.location == "metadata":
        return json.dumps(cell.get("metadata", {}), ensure_ascii=False)
    out = cell["outputs"][label.output_index]
    if label.line_exact:
        return (
            get_text(out, "text")
            if label.field == "text"
            else get_text(out["data"], str(label.field))
        )
    if out.get("output_type") == "error":
        return "\n".join(
            [out["ename"], out["evalue"], *(ANSI.sub("", t) for t in out["traceback"])]
        )
    return json.dumps(out, ensure_ascii=False)


def check_labels(labels: list[Label], nb: dict[str, Any]) -> list[str]:
    """Value-free problems: labels whose value is not at the labelled place in ``nb``."""
    problems = []
    for lab in labels:
        try:
            text = label_text(lab, nb)
        except (IndexError, KeyError, TypeError):
            problems.append(
                f"{lab.file}: no {lab.location} at cell {lab.cell_index} output {lab.output_index}"
            )
            continue
        if lab.line_exact:
            lines = text.split("\n")
            if not 1 <= lab.line <= lab.end_line <= len(lines):
                problems.append(
                    f"{lab.file}: {lab.family} lines {lab.line}-{lab.end_line} outside the text"
                )
                continue
            text = "\n".join(lines[lab.line - 1 : lab.end_line])
        if lab.needle not in text and json.dumps(lab.needle)[1:-1] not in text:
            problems.append(f"{lab.file}: {lab.family} ({lab.context}) not on its labelled lines")
    return problems
