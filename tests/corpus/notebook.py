"""Assemble nbformat 4.5 notebooks from Text pieces and turn their plants into labels."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from .fakes import fake_uuid, rand
from .model import Label, Plant, Text


@dataclass
class Output:
    """One output; ``texts`` fill text fields (mimetype, "text", "evalue") at build time.

    ``whole`` plants cover the whole output (any line): images, JSON data, errors.
    """

    node: dict[str, Any]
    texts: dict[str, Text] = field(default_factory=dict)
    whole: list[tuple[str | None, Plant]] = field(default_factory=list)

    @property
    def kind(self) -> str:
        if self.node["output_type"] == "stream":
            return f"stream:{self.node['name']}"
        return str(self.node["output_type"])


@dataclass
class Cell:
    cell_type: str
    source: Text = field(default_factory=Text)
    outputs: list[Output] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)
    attachments: dict[str, Any] | None = None
    # (location, plant) for plants outside source/outputs (attachments, metadata).
    extra: list[tuple[str, Plant]] = field(default_factory=list)


def stream(name: str, text: Text) -> Output:
    return Output({"output_type": "stream", "name": name}, texts={"text": text})


def rich(output_type: str, texts: dict[str, Text], count: int | None = None) -> Output:
    node: dict[str, Any] = {"output_type": output_type, "data": {}, "metadata": {}}
    if output_type == "execute_result":
        node["execution_count"] = count if count is not None else 1
    return Output(node, texts=texts)


def cell_id(rng: random.Random) -> str:
    # JupyterLab writes uuid4 ids; older converters wrote 8 hex chars.
    return fake_uuid(rng) if rng.random() < 0.8 else rand(rng, "0123456789abcdef", 8)


def build(
    cells: list[Cell],
    rng: random.Random,
    file: str,
    set_name: str,
    nb_metadata: dict[str, Any],
    nb_plants: list[Plant],
) -> tuple[dict[str, Any], list[Label]]:
    """The notebook JSON (as nbformat would read it) and the labels of every plant."""
    labels: list[Label] = []

    def label(cell: int | None, cid: str | None, loc: str, out: int | None, fld: str | None,
              plant: Plant, context: str) -> None:  # fmt: skip
        labels.append(
            Label(
                file=file, set=set_name, cell_index=cell, cell_id=cid, location=loc,
                output_index=out, line=plant.first + 1, end_line=plant.last + 1,
                line_exact=plant.line_exact, family=plant.family, positive=plant.positive,
                binary=plant.binary, context=plant.context or context, field=fld,
                needle=plant.needle,
            )
        )  # fmt: skip

    for plant in nb_plants:
        label(None, None, "metadata", None, None, plant, "notebook:metadata")
    nodes = []
    count = 0
    for index, cell in enumerate(cells):
        cid = cell_id(rng)
        node: dict[str, Any] = {
            "cell_type": cell.cell_type,
            "id": cid,
            "metadata": cell.metadata,
            "source": cell.source.value,
        }
        label(
            index,
            cid,
            "cell_id",
            None,
            None,
            Plant(0, 0, "cell_id", False, cid, line_exact=False),
            "cell:id",
        )
        for plant in cell.source.plants:
            label(index, cid, "source", None, None, plant, cell.cell_type)
        for loc, plant in cell.extra:
            label(index, cid, loc, None, None, plant, f"cell:{loc}")
        if cell.attachments is not None:
            node["attachments"] = cell.attachments
        if cell.cell_type == "code":
            count += 1
            node["execution_count"] = count
            node["outputs"] = []
            for out_index, output in enumerate(cell.outputs):
                out_node = dict(output.node)
                if "execution_count" in out_node:
                    out_node["execution_count"] = count
                for fld, text in output.texts.items():
                    if fld in ("text", "evalue"):
                        out_node[fld] = text.value
                    else:
                        out_node["data"][fld] = text.value
                    for plant in text.plants:
                        ctx = output.kind if fld == "text" else f"{output.kind}:{fld}"
                        label(index, cid, "output", out_index, fld, plant, ctx)
                for whole_field, plant in output.whole:
                    ctx = f"{output.kind}:{whole_field}"
                    label(index, cid, "output", out_index, whole_field, plant, ctx)
                node["outputs"].append(out_node)
        nodes.append(node)
    notebook = {"cells": nodes, "metadata": nb_metadata, "nbformat": 4, "nbformat_minor": 5}
    return notebook, labels


def base_metadata(rng: random.Random) -> dict[str, Any]:
    return {
        "kernelspec": {
            "display_name": "Python 3 (ipykernel)",
            "language": "python",
            "name": "python3",
        },
        "language_info": {
            "codemirror_mode": {"name": "ipython", "version": 3},
            "file_extension": ".py",
            "mimetype": "text/x-python",
            "name": "python",
            "nbconvert_exporter": "python",
            "pygments_lexer": "ipython3",
            "version": rng.choice(["3.10.14", "3.11.9", "3.12.4"]),
        },
    }
