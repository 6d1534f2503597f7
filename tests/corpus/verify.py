"""Check that labels point at what was planted, reading the files back from disk."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from .model import Label

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def _joined(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def label_text(label: Label, notebook: dict[str, Any] | None, plain_text: str | None) -> str | None:
    """The text the label's lines index into, or (whole-output labels) a dump of the node."""
    if notebook is None:
        return plain_text
    if label.location == "metadata" and label.cell_index is None:
        return json.dumps(notebook["metadata"])
    cell = notebook["cells"][label.cell_index]
    if label.location == "source":
        return _joined(cell["source"])
    if label.location == "cell_id":
        return str(cell["id"])
    if label.location in ("metadata", "attachments"):
        return json.dumps(cell.get(label.location))
    output = cell["outputs"][label.output_index]
    if not label.line_exact:
        if output["output_type"] == "error":
            return str(output["evalue"]) + "\n" + ANSI.sub("", "\n".join(output["traceback"]))
        return json.dumps(output, ensure_ascii=False)
    if label.field == "text":
        return _joined(output["text"])
    return _joined(output["data"][label.field])


def check(label: Label, root: Path, cache: dict[str, Any]) -> str | None:
    """None if the label's needle is on its lines; otherwise a value-free reason."""
    if label.file not in cache:
        raw = (root / label.file).read_text(encoding="utf-8")
        cache[label.file] = json.loads(raw) if label.file.endswith(".ipynb") else raw
    content = cache[label.file]
    is_nb = isinstance(content, dict)
    text = label_text(label, content if is_nb else None, None if is_nb else content)
    if text is None:
        return f"label {label.id}: no text at its location"
    if label.line_exact:
        lines = text.split("\n")
        if not 1 <= label.line <= label.end_line <= len(lines):
            return f"label {label.id}: lines {label.line}-{label.end_line} outside 1-{len(lines)}"
        text = "\n".join(lines[label.line - 1 : label.end_line])
    escaped = json.dumps(label.needle)[1:-1]  # whole-output labels read a JSON dump
    if label.needle not in text and escaped not in text:
        return (
            f"label {label.id} ({label.family} in {label.context}): planted value not on its lines"
        )
    return None
