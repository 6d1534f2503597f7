"""Read notebooks as nbformat 4 and turn them into scannable text.

Parse, don't grep: cell sources and text outputs are scanned unescaped;
binary payloads (image/*, PDFs, attachments, widget buffers, base64 arrays in
JSON outputs) are skipped by structure, so they are never even looked at.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import orjson

from .document import KIND_CODE, KIND_MARKDOWN, KIND_OUTPUT, KIND_RAW, Origin
from .errors import ScanError
from .finding import LOCATION_OUTPUT, LOCATION_SOURCE

ALLOW_TAG = "allow-secret"

_ANSI_RE = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)")
_BASE64_RE = re.compile(r"[A-Za-z0-9+/=\s]*")
#: JSON keys whose values are binary payloads (Plotly typed arrays, widget buffers).
_BINARY_KEYS = frozenset({"bdata", "buffers", "_data", "image", "png", "jpeg"})
_KIND = {"code": KIND_CODE, "markdown": KIND_MARKDOWN, "raw": KIND_RAW}


def parse_notebook(data: bytes | str, path: str = "") -> dict[str, Any]:
    """JSON-decode and check the nbformat 4 structure. ScanError when it is not."""
    try:
        nb = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise ScanError(
            f"{_name(path)}: not valid JSON ({_short(exc)}); is the file truncated?"
        ) from None
    check_notebook(nb, path)
    return nb  # type: ignore[no-any-return]


def check_notebook(nb: Any, path: str = "") -> None:
    name = _name(path)
    if not isinstance(nb, dict):
        raise ScanError(
            f"{name}: not a notebook (top level is {type(nb).__name__}, expected an object)"
        )
    if "worksheets" in nb:
        raise ScanError(
            f"{name}: nbformat 3 notebook; convert it with `jupyter nbconvert --to notebook` first"
        )
    cells = nb.get("cells")
    if not isinstance(cells, list):
        raise ScanError(f"{name}: not an nbformat 4 notebook (no 'cells' list)")
    for index, cell in enumerate(cells):
        if not isinstance(cell, dict) or not isinstance(cell.get("cell_type"), str):
            raise ScanError(f"{name}: invalid nbformat: cell {index} has no cell_type")
        outputs = cell.get("outputs", [])
        if not isinstance(outputs, list) or not all(isinstance(o, dict) for o in outputs):
            raise ScanError(
                f"{name}: invalid nbformat: outputs of cell {index} are not a list of objects"
            )


def multiline(value: Any) -> str:
    """nbformat stores text as a string or a list of lines."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "".join(v for v in value if isinstance(v, str))
    return ""


def strip_ansi(text: str) -> str:
    return _ANSI_RE.sub("", text) if "\x1b" in text else text


def cell_allowed(cell: dict[str, Any]) -> bool:
    metadata = cell.get("metadata")
    if not isinstance(metadata, dict):
        return False
    tags = metadata.get("tags")
    return isinstance(tags, list) and ALLOW_TAG in tags


def cell_pieces(cell: dict[str, Any], cell_index: int | None) -> Iterator[tuple[Origin, str]]:
    """(origin, text) for a cell's source and each text part of its outputs."""
    cell_id = cell.get("id") if isinstance(cell.get("id"), str) else None
    allowed = cell_allowed(cell)
    kind = _KIND.get(str(cell.get("cell_type")), KIND_RAW)
    source = multiline(cell.get("source"))
    magic = source.startswith("%%")
    yield (
        Origin(LOCATION_SOURCE, kind, ("source",), cell_index, cell_id, None, allowed, magic),
        source,
    )
    outputs = cell.get("outputs")
    if not isinstance(outputs, list):
        return
    for output_index, output in enumerate(outputs):
        if not isinstance(output, dict):
            continue
        for field, text in output_texts(output):
            yield (
                Origin(
                    LOCATION_OUTPUT, KIND_OUTPUT, field, cell_index, cell_id, output_index, allowed
                ),
                text,
            )


def output_texts(output: dict[str, Any]) -> Iterator[tuple[tuple[str, ...], str]]:
    """The scannable text fields of one output, by structure."""
    output_type = output.get("output_type")
    if output_type == "stream":
        yield ("text",), multiline(output.get("text"))
    elif output_type == "error":
        for key in ("ename", "evalue"):
            value = output.get(key)
            if isinstance(value, str):
                yield (key,), strip_ansi(value)
        traceback = output.get("traceback")
        if isinstance(traceback, list):
            yield ("traceback",), strip_ansi("\n".join(t for t in traceback if isinstance(t, str)))
    data = output.get("data")
    if isinstance(data, dict):
        for mime, value in data.items():
            if not is_text_mime(mime):
                continue
            if isinstance(value, (dict, list)) and mime.endswith("json"):
                yield ("data", mime), json_text(value)
            else:
                yield ("data", mime), multiline(value)


def is_text_mime(mime: str) -> bool:
    if mime.startswith(("image/", "video/", "audio/", "font/")):
        return False
    return mime not in ("application/pdf", "application/octet-stream")


def json_text(value: Any) -> str:
    """Unescaped ``"key": "value"`` lines of a JSON output, binary leaves skipped."""
    lines: list[str] = []
    _walk_json(value, None, lines, 0)
    return "\n".join(lines)


def _walk_json(value: Any, key: str | None, lines: list[str], depth: int) -> None:
    if depth > 64:
        return
    if isinstance(value, dict):
        for k, v in value.items():
            if str(k) in _BINARY_KEYS:
                continue
            _walk_json(v, str(k), lines, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _walk_json(item, key, lines, depth + 1)
    elif isinstance(value, str):
        if is_binary_string(value):
            return
        lines.append(f'"{key}": "{value}"' if key is not None else f'"{value}"')
    elif key is not None and value is not None:
        lines.append(f'"{key}": {value}')


def is_binary_string(value: str) -> bool:
    """A data: URI or a long base64 run: binary by structure, not text."""
    if value.startswith("data:") and ";base64," in value[:100]:
        return True
    return len(value) > 256 and _BASE64_RE.fullmatch(value) is not None


def _name(path: str) -> str:
    return path or "<notebook>"


def _short(exc: Exception) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:120]


def dumps_notebook(nb: dict[str, Any]) -> str:
    """Serialize like nbformat.writes: indent 1, sorted keys, non-ASCII kept, final newline."""
    import json

    return json.dumps(nb, sort_keys=True, indent=1, ensure_ascii=False) + "\n"
