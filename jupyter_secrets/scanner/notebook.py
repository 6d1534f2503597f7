"""Parse notebook JSON and check its structure (the CLI's and strip's view of a file).

What text a notebook holds is decided in one place, :mod:`.content`; the
names re-exported here keep older imports working.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

from .content import ALLOW_TAG, cell_allowed, cell_pieces, is_text_mime, json_text, strip_ansi
from .errors import ScanError

__all__ = [
    "ALLOW_TAG",
    "cell_allowed",
    "cell_pieces",
    "check_notebook",
    "dumps_notebook",
    "is_text_mime",
    "json_text",
    "multiline",
    "parse_notebook",
    "strip_ansi",
]


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


def _name(path: str) -> str:
    return path or "<notebook>"


def _short(exc: Exception) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:120]


def dumps_notebook(nb: dict[str, Any]) -> str:
    """Serialize like nbformat.writes: indent 1, sorted keys, non-ASCII kept, final newline."""
    return json.dumps(nb, sort_keys=True, indent=1, ensure_ascii=False) + "\n"
