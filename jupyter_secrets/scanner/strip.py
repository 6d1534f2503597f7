"""Redact findings: every secret replaced by a marker, nothing else changed.

Notebook fields are rewritten in the form they had (a string stays a
string, a list of lines stays a list of lines), and files are written the
way nbformat writes them. An output whose whole text was secrets (after
redaction only markers, quotes and whitespace remain) is removed.
"""

from __future__ import annotations

import base64
import copy
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .binary import classify
from .content import KEY, lines_text
from .decode import decode_bytes
from .errors import ScanError
from .finding import LOCATION_OUTPUT, Finding
from .jsontext import loads_checked
from .notebook import dumps_notebook, is_text_mime, multiline, parse_notebook, strip_ansi

MARKER = "[REDACTED]"
_LEFTOVER_RE = re.compile(r"[\s'\"`,;:=()\[\]{}]*")


def strip_text(text: str, findings: Iterable[Finding]) -> str:
    """Redact plain-text findings by their exact offsets (overlapping ones as one span)."""
    matching: list[tuple[int, int]] = []
    values: set[str] = set()
    for f in findings:
        span = f.span
        if span is None:
            continue
        if text[span.start : span.end] == span.value:
            matching.append((span.start, span.end))
        else:
            values.add(span.value)
    for start, end in reversed(_union(matching)):
        text = text[:start] + MARKER + text[end:]
    # Offsets no longer match (text changed since the scan): by value, longest first, so
    # that a value holding another is not cut short by the shorter one's redaction.
    for value in sorted(values, key=len, reverse=True):
        text = text.replace(value, MARKER)
    return text


def _union(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def strip_notebook(nb: Any, findings: Iterable[Finding]) -> Any:
    """A redacted copy of ``nb``; ``findings`` must come from scanning this notebook."""
    new: Any = copy.deepcopy(nb)
    raw_cells = new.get("cells") if isinstance(new, dict) else None
    cells: list[Any] = raw_cells if isinstance(raw_cells, list) else []
    emptied: dict[int, set[int]] = {}
    # Longest values first: redacting a value inside a longer one (a key glued to the
    # token before it) would leave the rest of the longer one where nothing matches it.
    ordered = sorted(findings, key=lambda f: -len(f.span.value) if f.span else 0)
    for finding in ordered:
        span, index = finding.span, finding.cell_index
        if span is None:
            continue
        if index is not None and not 0 <= index < len(cells):
            continue
        if span.pointer is not None:
            # Anywhere outside the structured fields: the pointer leads to the leaf, from
            # the notebook's root (or, from older callers, from the cell).
            if index is None or span.pointer[:2] == ("cells", index):
                _strip_leaf(new, span.pointer, span.value)
            else:
                _strip_leaf(cells[index], span.pointer, span.value)
            continue
        if index is None or not isinstance(cells[index], dict):
            continue
        cell = cells[index]
        if finding.location != LOCATION_OUTPUT:
            cell["source"] = _replace_multiline(cell.get("source", ""), span.value)
            continue
        outputs = cell.get("outputs") or []
        if finding.output_index is None or not 0 <= finding.output_index < len(outputs):
            continue
        output = outputs[finding.output_index]
        if not isinstance(output, dict):
            continue
        _redact_output(output, span.value, span.field)
        if _only_markers(output):
            emptied.setdefault(index, set()).add(finding.output_index)
    for index, drop in emptied.items():
        cells[index]["outputs"] = [
            o for i, o in enumerate(cells[index]["outputs"]) if i not in drop
        ]
    return new


def _strip_leaf(root: Any, pointer: tuple[str | int, ...], secret: str) -> None:
    """Redact ``secret`` in the leaf (or dict key) ``pointer`` leads to; the whole leaf
    when the secret came from a decoding of it (base64, an image's text chunk)."""
    is_key = bool(pointer) and pointer[-1] == KEY
    path = pointer[:-1] if is_key else pointer
    if not path:
        return
    parent = root
    for step in path[:-1]:
        try:
            parent = parent[step]
        except (KeyError, IndexError, TypeError):
            return
    last = path[-1]
    try:
        leaf = parent[last]
    except (KeyError, IndexError, TypeError):
        return
    in_key = isinstance(last, str) and secret in last and isinstance(parent, dict)
    if not is_key and isinstance(leaf, str) and secret in leaf:
        parent[last] = leaf.replace(secret, MARKER)
    elif not is_key and not in_key:
        parent[last] = MARKER
    if in_key:
        # A short value is scanned as one piece with its key ("key": "value"), found by the
        # value's pointer: the key is redacted whichever part held the secret.
        renamed = str(last).replace(secret, MARKER)
        while renamed in parent:
            renamed += "_"
        items = [(renamed if k == last else k, v) for k, v in parent.items()]
        parent.clear()
        parent.update(items)


def strip_model(model: dict[str, Any], findings: Iterable[Finding]) -> dict[str, Any]:
    """The same for a jupyter_server contents model (notebook, text or base64 file)."""
    new = dict(model)
    content = model.get("content")
    findings = list(findings)
    if model.get("type") == "notebook":
        path = str(model.get("path", ""))
        if isinstance(content, (str, bytes)):
            try:
                content = loads_checked(content)
            except ValueError:
                raise ScanError(
                    f"{path or '<model>'}: not valid JSON (or a duplicate key), so it cannot be "
                    "redacted safely; remove the secret by hand"
                ) from None
        new["content"] = strip_notebook(content, findings)
    elif model.get("format") == "base64" and isinstance(content, str):
        redacted = _strip_bytes(base64.b64decode(content), findings, model)
        new["content"] = base64.b64encode(redacted).decode("ascii")
    elif isinstance(content, str) and "\x00" in content:
        # Text with NULs was scanned as the bytes it came from (see Scanner.scan_text).
        redacted = _strip_bytes(content.encode("utf-8", "surrogatepass"), findings, model)
        try:
            new["content"] = redacted.decode("utf-8")
        except UnicodeDecodeError:
            new["content"], new["format"] = base64.b64encode(redacted).decode("ascii"), "base64"
    elif isinstance(content, str):
        new["content"] = strip_text(content, findings)
    return new


def _strip_bytes(raw: bytes, findings: list[Finding], model: dict[str, Any]) -> bytes:
    """Redact file bytes read in their own encoding (see :mod:`.decode`) and encode them
    back; ScanError when that decoding cannot be reversed (NULs were removed)."""
    decoded = decode_bytes(raw)
    redacted = decoded.encode(strip_text(decoded.text, findings))
    if redacted is None:
        raise ScanError(
            f"{model.get('path') or '<model>'}: holds NUL bytes, so it cannot be redacted "
            "in place; remove the secret by hand"
        )
    return redacted


def strip_file(path: str, findings: list[Finding], dry_run: bool = False) -> str:
    """Redact a file in place (atomically, mode kept); return the new content."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ScanError(f"{path}: cannot read ({exc.strerror})") from None
    if path.endswith(".ipynb"):
        content = dumps_notebook(strip_notebook(parse_notebook(data, path), findings))
    else:
        content = strip_text(data.decode("utf-8"), findings)
    if not dry_run:
        tmp = f"{path}.jupyter-secrets.tmp"
        try:
            with open(tmp, "w", encoding="utf-8", newline="") as handle:
                handle.write(content)
            os.chmod(tmp, os.stat(path).st_mode & 0o7777)
            os.replace(tmp, path)
        except OSError as exc:
            raise ScanError(f"{path}: cannot write ({exc.strerror}); nothing was changed") from None
    return content


def _replace_multiline(value: Any, secret: str) -> Any:
    if isinstance(value, str):
        return value.replace(secret, MARKER)
    if isinstance(value, list):
        joined = "".join(v for v in value if isinstance(v, str))
        if secret not in joined:
            return value
        return joined.replace(secret, MARKER).splitlines(keepends=True)
    return value


def _redact_output(output: dict[str, Any], secret: str, field: tuple[str, ...] = ()) -> None:
    """Every text field and text mimetype of ``output``, and the field the secret was
    found in even when its mimetype is not a text one (it was read as text)."""
    if "text" in output:
        output["text"] = _replace_multiline(output["text"], secret)
    for key in ("ename", "evalue"):
        if key in output:
            output[key] = _redact_ansi_lines(output[key], secret)
    if isinstance(output.get("traceback"), list):
        output["traceback"] = [
            _redact_ansi(t, secret) if isinstance(t, str) else t for t in output["traceback"]
        ]
    data = output.get("data")
    if isinstance(data, dict):
        for mime, value in data.items():
            if is_text_mime(mime) or field == ("data", mime) or _read_as_text(mime, value):
                data[mime] = _redact_json(value, secret)


def _read_as_text(mime: str, value: Any) -> bool:
    """A payload of a binary mimetype that the scanner read as text all the same (it did
    not decode as what its mimetype claims): one finding per output stands for it too."""
    text = lines_text(value)
    return text is not None and not classify(text, mime).binary


def _redact_ansi_lines(value: Any, secret: str) -> Any:
    """``_redact_ansi`` for a string or, as a lenient reader joins it, a list of lines."""
    if isinstance(value, str):
        return _redact_ansi(value, secret)
    text = lines_text(value)
    if text is None:
        return value
    redacted = _redact_ansi(text, secret)
    return value if redacted == text else redacted.splitlines(keepends=True)


def _redact_ansi(text: str, secret: str) -> str:
    if secret in text:
        return text.replace(secret, MARKER)
    plain = strip_ansi(text)
    # Colour codes split the secret: drop the colours of this line to redact it.
    return plain.replace(secret, MARKER) if secret in plain else text


def _redact_json(value: Any, secret: str) -> Any:
    if isinstance(value, str):
        return value.replace(secret, MARKER)
    if isinstance(value, list):
        if all(isinstance(v, str) for v in value):
            return _replace_multiline(value, secret)
        return [_redact_json(v, secret) for v in value]
    if isinstance(value, dict):
        # Keys too (a JSON output is read key and value); two keys never become one.
        redacted: dict[Any, Any] = {}
        for k, v in value.items():
            name = k.replace(secret, MARKER) if isinstance(k, str) else k
            if name != k:
                while name in value or name in redacted:
                    name += "_"
            redacted[name] = _redact_json(v, secret)
        return redacted
    return value


def _only_markers(output: dict[str, Any]) -> bool:
    """True when the output holds nothing but redaction markers (and no binary data)."""
    texts: list[str] = []
    if output.get("output_type") == "stream":
        texts.append(multiline(output.get("text")))
    elif output.get("output_type") in ("execute_result", "display_data"):
        data = output.get("data")
        if not isinstance(data, dict) or not data:
            return False
        for mime, value in data.items():
            if not is_text_mime(mime) or not isinstance(value, (str, list)):
                return False
            texts.append(multiline(value))
    else:
        return False
    leftover = "".join(texts).replace(MARKER, "")
    return MARKER in "".join(texts) and _LEFTOVER_RE.fullmatch(leftover) is not None
