"""Generate the labeled scanner corpus: notebooks and plain files with FAKE secrets.

Deterministic for a seed (one ``random.Random``; no clock, no os randomness).

    python -m tests.corpus.generate OUTDIR --seed 7 [--notebooks 200] [--files 100] [--large 3]

writes ``OUTDIR/small/...``, ``OUTDIR/large/...`` and ``OUTDIR/labels.json``. A
label carries the SHA-256 of its needle, never the value; ``generate()`` also
returns the in-memory labels (with needles) for tests.

Every positive family is placed in every context round-robin (code, markdown,
raw, stream stdout/stderr, execute_result/display_data text/plain, text/html,
a DataFrame table cell, text/markdown, application/json, text/latex, error
evalue and traceback with ANSI colours), and so is every hard-negative family.
Structural negatives (plot images, SVG, attachments, widget state, Plotly and
Bokeh arrays, big DataFrame tables, cell and metadata ids) fill the size budget.
See ``fakes`` for the placeholder decision (``changeme`` is a negative).
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.support import notebooks as nbf

from . import filler, payloads, plain, render
from .fakes import NEGATIVE_FAMILIES, POSITIVE_FAMILIES, Fake, fake_uuid, negative, positive, rand
from .model import Label, Plant, Snippet, Text
from .notebook import Cell, Output, base_metadata, build, rich, stream

VERSION = 1
SOURCE_CONTEXTS = ["code", "markdown", "raw"]
OUTPUT_CONTEXTS = [
    "stream:stdout", "stream:stderr", "execute_result:text/plain", "execute_result:text/html",
    "display_data:text/html", "table:text/html", "display_data:text/markdown",
    "display_data:application/json", "display_data:text/latex", "execute_result:text/latex",
    "error:evalue", "error:traceback",
]  # fmt: skip
CONTEXTS = ["code", *SOURCE_CONTEXTS, *OUTPUT_CONTEXTS]  # code cells weigh double
STRUCTURAL = [
    "image_png", "image_jpeg", "svg", "attachment", "widget_state", "plotly_b64",
    "bokeh_b64", "dataframe_html", "metadata_id",
]  # fmt: skip
MIME_RENDERERS = {
    "text/plain": render.text_plain,
    "text/html": render.text_html,
    "text/markdown": render.text_markdown,
    "text/latex": render.text_latex,
}
PLACEHOLDER_PLAIN = {
    "text/html": "<IPython.core.display.HTML object>",
    "text/markdown": "<IPython.core.display.Markdown object>",
    "text/latex": "<IPython.core.display.Latex object>",
    "application/json": "<IPython.core.display.JSON object>",
}


@dataclass
class Corpus:
    root: Path
    seed: int
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    labels: list[Label] = field(default_factory=list)

    def paths(self, set_name: str | None = None, kind: str | None = None) -> list[Path]:
        return [
            self.root / rel
            for rel, info in self.files.items()
            if (set_name is None or info["set"] == set_name)
            and (kind is None or info["kind"] == kind)
        ]


def _text(lines: list[str]) -> Text:
    text = Text()
    text.add(*lines)
    return text


def _plant_text(before: list[str], snippet: Snippet, after: list[str], fake: Fake) -> Text:
    text = _text(before)
    text.plant(snippet, fake.family, fake.positive)
    text.add(*after)
    return text


def planted_cell(fake: Fake, context: str, rng: random.Random) -> Cell:
    """A cell holding ``fake`` in ``context`` (a source kind or an output kind:mimetype)."""
    if fake.expr and context not in ("code", "markdown", "raw", "error:traceback"):
        context = "code"
    if context == "code":
        snippet = render.code(fake, rng)
        cell = Cell("code", _plant_text(filler.code_lines(rng, rng.randrange(0, 4)), snippet,
                                        filler.code_lines(rng, rng.randrange(0, 3)), fake))  # fmt: skip
        if rng.random() < 0.3:
            cell.outputs.append(stream("stdout", _text(filler.stdout_lines(rng, 2))))
        return cell
    if context in ("markdown", "raw"):
        render_fn = render.markdown if context == "markdown" else render.raw
        head = [rng.choice(filler.MARKDOWN)] if context == "markdown" else []
        return Cell(context, _plant_text(head, render_fn(fake, rng), [], fake))
    cell = Cell("code", _text(filler.code_lines(rng, rng.randrange(1, 4))))
    for _ in range(rng.randrange(0, 3)):  # vary output_index
        cell.outputs.append(stream("stdout", _text(filler.stdout_lines(rng, rng.randrange(1, 4)))))
    cell.outputs.append(planted_output(fake, context, rng))
    return cell


def planted_output(fake: Fake, context: str, rng: random.Random) -> Output:
    kind, _, mime = context.partition(":")
    if kind == "stream":
        snippet = render.stdout(fake, rng) if mime == "stdout" else render.stderr(fake, rng)
        lines = filler.stdout_lines(rng, rng.randrange(0, 4))
        return stream(mime, _plant_text(lines[:1], snippet, lines[1:], fake))
    if kind == "error":
        ename, evalue, traceback = render.error(fake, rng, in_frame=mime == "traceback")
        out = Output(
            {"output_type": "error", "ename": ename, "evalue": evalue, "traceback": traceback}
        )
        out.whole.append((mime, Plant(0, 0, fake.family, fake.positive, fake.needle, line_exact=False,
                                      context=context)))  # fmt: skip
        return out
    if kind == "table":
        if (fake.self_id or not fake.positive) and not fake.multiline:
            rows = rng.randrange(12, 120) if rng.random() < 0.75 else rng.randrange(300, 800)
            html, text_plain = filler.dataframe(rng, rows, fake)
            out = rich("execute_result", {"text/html": html, "text/plain": text_plain})
            out.whole.append(
                ("text/html", Plant(0, 0, "dataframe_html", False, "<table", line_exact=False))
            )
            return out
        kind, mime = "display_data", "text/html"  # a bare value with no name is not a finding
    if mime == "application/json":
        out = rich(kind, {"text/plain": _text([PLACEHOLDER_PLAIN[mime]])})
        out.node["data"][mime] = render.json_value(fake, rng)
        out.whole.append(
            (mime, Plant(0, 0, fake.family, fake.positive, fake.needle, line_exact=False))
        )
        return out
    snippet = MIME_RENDERERS[mime](fake, rng)
    texts = {mime: _plant_text([], snippet, [], fake)}
    if mime != "text/plain":
        texts["text/plain"] = _text([PLACEHOLDER_PLAIN[mime]])
    return rich(kind, texts)


def image_output(rng: random.Random, nbytes: int, family: str = "image_png") -> Output:
    if family == "image_jpeg":
        mime, data = "image/jpeg", payloads.b64(payloads.jpeg(rng, nbytes))
    else:
        mime, data = "image/png", payloads.b64(payloads.png(rng, nbytes), wrap=rng.random() < 0.15)
    out = rich(
        "display_data",
        {"text/plain": _text([f"<Figure size 640x480 with {rng.randrange(1, 4)} Axes>"])},
    )
    out.node["data"][mime] = data
    if rng.random() < 0.5:
        out.node["metadata"] = {"needs_background": "light"}
    out.whole.append((mime, Plant(0, 0, family, False, data[:64], binary=True, line_exact=False)))
    return out


def structural_cell(kind: str, rng: random.Random, nbytes: int) -> tuple[Cell, dict[str, Any]]:
    """A cell carrying one structural negative, and what it adds to the notebook metadata."""
    code = Cell("code", _text(filler.code_lines(rng, rng.randrange(1, 4))))
    if kind in ("image_png", "image_jpeg"):
        code.outputs.append(image_output(rng, nbytes, kind))
    elif kind == "svg":
        svg = payloads.svg(rng, max(10, nbytes // 18))
        out = rich(
            "display_data",
            {
                "image/svg+xml": _text([svg]),
                "text/plain": _text(["<Figure size 640x480 with 1 Axes>"]),
            },
        )
        out.whole.append(
            ("image/svg+xml", Plant(0, 0, "svg", False, "<svg", binary=True, line_exact=False))
        )
        code.outputs.append(out)
    elif kind == "attachment":
        data = payloads.b64(payloads.png(rng, nbytes))
        cell = Cell(
            "markdown",
            _text(["Screenshot of the dashboard:", "", "![image.png](attachment:image.png)"]),
        )
        cell.attachments = {"image.png": {"image/png": data}}
        cell.extra.append(
            (
                "attachments",
                Plant(0, 0, "attachment", False, data[:64], binary=True, line_exact=False),
            )
        )
        return cell, {}
    elif kind == "widget_state":
        state = payloads.widget_state(rng, rng.randrange(1, 4), max(64, nbytes // 3))
        model_id = next(iter(state["state"]))  # type: ignore[call-overload]
        out = rich(
            "display_data", {"text/plain": _text(["FloatSlider(value=0.5, description='alpha')"])}
        )
        out.node["data"]["application/vnd.jupyter.widget-view+json"] = {
            "model_id": model_id, "version_major": 2, "version_minor": 0,
        }  # fmt: skip
        out.whole.append((None, Plant(0, 0, "widget_view", False, model_id, line_exact=False)))
        code.outputs.append(out)
        return code, {"widgets": {"application/vnd.jupyter.widget-state+json": state}}
    elif kind == "plotly_b64":
        bundle = payloads.plotly_bundle(rng, max(16, nbytes // 12))
        out = rich(
            "display_data",
            {"text/html": _text([f'<div id="{fake_uuid(rng)}" class="plotly-graph-div"></div>'])},
        )
        out.node["data"]["application/vnd.plotly.v1+json"] = bundle
        out.whole.append(
            (None, Plant(0, 0, "plotly_b64", False, '"bdata"', binary=True, line_exact=False))
        )
        code.outputs.append(out)
    elif kind == "bokeh_b64":
        script = payloads.bokeh_script(rng, max(16, nbytes // 8))
        out = rich("display_data", {"application/javascript": _text([script])})
        out.node["data"]["application/vnd.bokehjs_exec.v0+json"] = ""
        out.node["metadata"] = {
            "application/vnd.bokehjs_exec.v0+json": {"id": f"p{rng.randrange(1000, 9999)}"}
        }
        out.whole.append(
            (None, Plant(0, 0, "bokeh_b64", False, "ndarray", binary=True, line_exact=False))
        )
        code.outputs.append(out)
    elif kind == "dataframe_html":
        html, text_plain = filler.dataframe(rng, max(12, nbytes // 190))
        out = rich("execute_result", {"text/html": html, "text/plain": text_plain})
        out.whole.append(
            ("text/html", Plant(0, 0, "dataframe_html", False, "<table", line_exact=False))
        )
        code.outputs.append(out)
    elif kind == "metadata_id":
        colab_id = rand(rng, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", 12)
        code.metadata = {"id": colab_id, "outputId": fake_uuid(rng),
                         "execution": {"iopub.execute_input": "2024-05-01T12:00:03.114Z"}}  # fmt: skip
        code.extra.append(
            ("metadata", Plant(0, 0, "metadata_id", False, colab_id, line_exact=False))
        )
        code.outputs.append(stream("stdout", _text(filler.stdout_lines(rng, 2))))
    else:
        raise ValueError(f"unknown structural negative {kind!r}")
    return code, {}


def notebook(
    rng: random.Random, plants: list[tuple[Fake, str]], structural: list[str], budget: int,
    file: str, set_name: str, big_image: int = 0,
) -> tuple[dict[str, Any], list[Label]]:  # fmt: skip
    title = Cell(
        "markdown", _text([f"# {rng.choice(['Revenue', 'Churn', 'Forecast', 'ETL'])} analysis"])
    )
    cells = [title, Cell("code", _text(filler.code_lines(rng, 3)))]
    metadata = base_metadata(rng)
    for fake, context in plants:
        cells.append(planted_cell(fake, context, rng))
        if rng.random() < 0.4:
            cells.append(Cell("code", _text(filler.code_lines(rng, rng.randrange(1, 5)))))
    used = sum(_approx_size(c) for c in cells)
    remaining = max(0, budget - used)
    for kind in structural:
        share = remaining // (2 * len(structural))
        if kind not in ("image_png", "image_jpeg", "attachment"):
            share = min(share, 3000 if set_name == "small" else 1_500_000)
        cell, meta = structural_cell(kind, rng, max(400, share * 3 // 4))
        cells.insert(rng.randrange(1, len(cells) + 1), cell)
        metadata.update(meta)
        remaining -= share
    while remaining > 4000 or big_image > 0:  # fill the budget with plots
        size = big_image or min(remaining * 3 // 4, rng.randrange(2000, 120_000))
        cell = Cell("code", _text(filler.code_lines(rng, rng.randrange(2, 5))))
        image = image_output(rng, size, "image_jpeg" if rng.random() < 0.2 else "image_png")
        cell.outputs.append(image)
        cells.insert(rng.randrange(1, len(cells) + 1), cell)
        remaining -= sum(len(v) for k, v in image.node["data"].items() if k.startswith("image/"))
        if big_image and remaining < big_image * 4 // 3:
            big_image = 0
    nb_plants = []
    if "widgets" in metadata:  # widget state (with its base64 buffers) lives in notebook metadata
        model_id = next(
            iter(metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"])
        )
        nb_plants.append(
            Plant(0, 0, "widget_state", False, model_id, binary=True, line_exact=False)
        )
    return build(cells, rng, file, set_name, metadata, nb_plants)


def _approx_size(cell: Cell) -> int:
    """Bytes the cell will take in the file, roughly (JSON overhead per line and output)."""
    texts = [cell.source, *(t for out in cell.outputs for t in out.texts.values())]
    return sum(len(t.value) + 10 * len(t.lines) for t in texts) + 300 * (1 + len(cell.outputs))


def _cycle(rng: random.Random, items: list[Any], count: int) -> list[Any]:
    """``count`` items covering every item before repeating, shuffled."""
    out: list[Any] = []
    while len(out) < count:
        batch = list(items)
        rng.shuffle(batch)
        out += batch
    return out[:count]


def _write_notebook(path: Path, nb_json: dict[str, Any]) -> int:
    node = nbf.from_dict(nb_json)
    text = nbf.writes(node, version=4)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return len(text.encode())


def generate(
    outdir: Path, seed: int = 0, notebooks: int = 200, files: int = 100, large: int = 0,
    large_mb: float = 25.0,
) -> Corpus:  # fmt: skip
    """Write the corpus under ``outdir`` and return it with in-memory labels."""
    rng = random.Random(seed)
    corpus = Corpus(outdir, seed)
    pos_pairs = [(f, c) for f in POSITIVE_FAMILIES for c in CONTEXTS]
    neg_pairs = [(f, c) for f in NEGATIVE_FAMILIES for c in CONTEXTS]
    per_nb = [rng.randrange(1, 7) for _ in range(notebooks)]
    neg_per_nb = [rng.randrange(2, 7) for _ in range(notebooks)]
    pos_plan = _cycle(rng, pos_pairs, sum(per_nb))
    neg_plan = _cycle(rng, neg_pairs, sum(neg_per_nb))
    struct_plan = _cycle(rng, STRUCTURAL, notebooks * 2)
    for i in range(notebooks):
        plants = [(positive(rng, f), c) for f, c in pos_plan[: per_nb[i]]]
        plants += [(negative(rng, f), c) for f, c in neg_plan[: neg_per_nb[i]]]
        del pos_plan[: per_nb[i]], neg_plan[: neg_per_nb[i]]
        rng.shuffle(plants)
        budget = int(math.exp(rng.uniform(math.log(5_000), math.log(200_000))))
        rel = f"small/notebooks/{rng.choice(['analysis', 'etl', 'model', 'report'])}_{i:03d}.ipynb"
        structural = struct_plan[2 * i : 2 * i + rng.randrange(1, 3)]
        _add_notebook(corpus, rel, "small", notebook(rng, plants, structural, budget, rel, "small"))
    _plain_files(corpus, rng, files)
    for i in range(large):
        plants = [(positive(rng, rng.choice(POSITIVE_FAMILIES)), rng.choice(["code", "markdown", "stream:stdout"]))
                  for _ in range(rng.randrange(6, 12))]  # fmt: skip
        plants += [(negative(rng, rng.choice(NEGATIVE_FAMILIES)), "code") for _ in range(6)]
        budget = int(large_mb * 1e6 * rng.uniform(0.8, 1.2))
        rel = f"large/notebooks/plots_{i:02d}.ipynb"
        nb = notebook(
            rng,
            plants,
            list(STRUCTURAL),
            budget,
            rel,
            "large",
            big_image=rng.randrange(1, 3) * 1_000_000,
        )
        _add_notebook(corpus, rel, "large", nb)
    for index, label in enumerate(corpus.labels):
        label.id = index
    _write_labels(corpus)
    return corpus


def _add_notebook(
    corpus: Corpus, rel: str, set_name: str, built: tuple[dict[str, Any], list[Label]]
) -> None:
    nb_json, labels = built
    size = _write_notebook(corpus.root / rel, nb_json)
    cells = [
        {"cell_type": c["cell_type"], "outputs": [_output_kind(o) for o in c.get("outputs", [])]}
        for c in nb_json["cells"]
    ]
    corpus.files[rel] = {"kind": "notebook", "set": set_name, "bytes": size, "cells": cells}
    corpus.labels += labels


def _output_kind(output: dict[str, Any]) -> str:
    if output["output_type"] == "stream":
        return f"stream:{output['name']}"
    return str(output["output_type"])


def _plain_files(corpus: Corpus, rng: random.Random, count: int) -> None:
    neg_families = [f for f in NEGATIVE_FAMILIES if f != "reference"]
    pos_plan = _cycle(rng, [(f, e) for f in POSITIVE_FAMILIES for e in plain.EXTENSIONS], count * 3)
    for i in range(count):
        ext = plain.EXTENSIONS[i % len(plain.EXTENSIONS)]
        fakes = [positive(rng, f) for f, _ in pos_plan[3 * i : 3 * i + rng.randrange(1, 4)]]
        fakes += [negative(rng, rng.choice(neg_families)) for _ in range(rng.randrange(1, 4))]
        if ext in (".py", ".md"):
            fakes.append(negative(rng, "reference"))
        rng.shuffle(fakes)
        name = f"config_{i:03d}{ext}" if ext != ".env" or i % 3 else ".env"
        rel = f"small/files/{ext.strip('.')}_{i:03d}/{name}"
        text = plain.build(ext, fakes, rng)
        path = corpus.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        data = (text.value + "\n").encode()
        path.write_bytes(data)
        corpus.files[rel] = {"kind": "text", "set": "small", "bytes": len(data), "ext": ext}
        for p in text.plants:
            corpus.labels.append(
                Label(file=rel, set="small", cell_index=None, cell_id=None, location="source",
                      output_index=None, line=p.first + 1, end_line=p.last + 1, line_exact=True,
                      family=p.family, positive=p.positive, binary=False, context=p.context,
                      field=None, needle=p.needle)
            )  # fmt: skip


def _write_labels(corpus: Corpus) -> None:
    data = {
        "version": VERSION,
        "seed": corpus.seed,
        "files": corpus.files,
        "labels": [label.to_json() for label in corpus.labels],
    }
    (corpus.root / "labels.json").write_text(json.dumps(data, indent=1), encoding="utf-8")


def load_labels(root: Path) -> tuple[dict[str, dict[str, Any]], list[Label]]:
    """Files and labels from ``root/labels.json`` (needles are not stored)."""
    data = json.loads((root / "labels.json").read_text(encoding="utf-8"))
    return data["files"], [Label.from_json(item) for item in data["labels"]]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.corpus.generate", description=__doc__.split("\n")[0]
    )
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--notebooks", type=int, default=200)
    parser.add_argument("--files", type=int, default=100)
    parser.add_argument(
        "--large", type=int, default=0, help="number of large (tens of MB) notebooks"
    )
    parser.add_argument("--large-mb", type=float, default=25.0)
    args = parser.parse_args(argv)
    corpus = generate(args.outdir, args.seed, args.notebooks, args.files, args.large, args.large_mb)
    total = sum(info["bytes"] for info in corpus.files.values())
    positives = sum(label.positive for label in corpus.labels)
    print(f"{len(corpus.files)} files, {total / 1e6:.1f} MB, {positives} secrets, "
          f"{len(corpus.labels) - positives} negatives -> {args.outdir}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
