"""Files an attacker (or a careless user) saves to get a credential past the gate.

Each builder takes a fake key (generated per test) and returns the file's bytes.
``JSON_PAYLOADS`` are notebooks whose JSON a client can parse and send as a
model; ``RAW_PAYLOADS`` are bytes only (other encodings, NULs, duplicate keys)
and go through the save paths that carry bytes.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from typing import Any

Builder = Callable[[str], bytes]


def _nb(cells: list[dict[str, Any]], **top: Any) -> dict[str, Any]:
    nb: dict[str, Any] = {
        "cells": [{"cell_type": "markdown", "id": "intro", "metadata": {}, "source": "# Load"}],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    nb["cells"] += cells
    nb.update(top)
    return nb


def _code(source: str = "load()", outputs: list[Any] | None = None, **extra: Any) -> dict[str, Any]:
    cell = {
        "cell_type": "code",
        "id": "c1",
        "metadata": {},
        "execution_count": 1,
        "source": source,
        "outputs": outputs or [],
    }
    cell.update(extra)
    return cell


def _display(data: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"output_type": "display_data", "data": data, "metadata": {}, **extra}


def _dump(nb: Any) -> bytes:
    return json.dumps(nb, indent=1).encode()


def cell_metadata(key: str) -> bytes:
    return _dump(_nb([_code(metadata={"connection": {"aws_access_key_id": key}})]))


def notebook_metadata(key: str) -> bytes:
    return _dump(_nb([_code()], metadata={"deploy": {"key": key}}))


def output_metadata(key: str) -> bytes:
    out = _display({"text/plain": "ok"}, metadata={"source": {"key": key}})
    return _dump(_nb([_code(outputs=[out])]))


def text_attachment(key: str) -> bytes:
    cell = {
        "cell_type": "markdown",
        "id": "m1",
        "metadata": {},
        "source": "see ![notes](attachment:notes.txt)",
        "attachments": {"notes.txt": {"text/plain": f"the key is {key}\n"}},
    }
    return _dump(_nb([cell]))


def image_attachment_that_is_text(key: str) -> bytes:
    fake_png = base64.b64encode(f"not a picture: {key}".encode()).decode()
    cell = {
        "cell_type": "markdown",
        "id": "m1",
        "metadata": {},
        "source": "![x](attachment:x.png)",
        "attachments": {"x.png": {"image/png": fake_png}},
    }
    return _dump(_nb([cell]))


def widget_state(key: str) -> bytes:
    state = {
        "state": {
            "0f1e": {
                "model_name": "PasswordModel",
                "model_module": "@jupyter-widgets/controls",
                "state": {"value": key, "description": "Key"},
            }
        },
        "version_major": 2,
        "version_minor": 0,
    }
    widgets = {"application/vnd.jupyter.widget-state+json": state}
    return _dump(_nb([_code()], metadata={"widgets": widgets}))


def svg_output(key: str) -> bytes:
    svg = f'<svg xmlns="http://www.w3.org/2000/svg"><text x="0" y="9">{key}</text></svg>'
    return _dump(_nb([_code(outputs=[_display({"image/svg+xml": svg, "text/plain": "<Fig>"})])]))


def json_output_image_key(key: str) -> bytes:
    data = {"application/json": {"image": key, "name": "plot"}, "text/plain": "{...}"}
    return _dump(_nb([_code(outputs=[_display(data)])]))


def json_output_data_key(key: str) -> bytes:
    data = {"application/json": {"_data": [key], "bdata": key}, "text/plain": "{...}"}
    return _dump(_nb([_code(outputs=[_display(data)])]))


def deeply_nested_json_output(key: str) -> bytes:
    value: Any = {"key": key}
    for _ in range(300):  # far deeper than any walker with a depth limit goes
        value = {"level": value}
    return _dump(_nb([_code(outputs=[_display({"application/json": value})])]))


def unknown_top_level_key(key: str) -> bytes:
    return _dump(_nb([_code()], **{"x-deploy": {"credentials": [key]}}))


def unknown_cell_key(key: str) -> bytes:
    extra: dict[str, Any] = {"x-note": f"key {key}"}  # a key no keyword can name
    return _dump(_nb([_code(**extra)]))


def text_plain_as_dict(key: str) -> bytes:
    return _dump(_nb([_code(outputs=[_display({"text/plain": {"value": key}})])]))


def source_as_nested_lists(key: str) -> bytes:
    # Deliberately not nbformat: source is a string or a list of strings, never nested.
    return _dump(_nb([_code(source=[["x = 1\n", [f"k = '{key}'\n"]]])]))  # type: ignore[arg-type]


def secret_as_a_key(key: str) -> bytes:
    return _dump(_nb([_code(metadata={key: True})]))


JSON_PAYLOADS: dict[str, Builder] = {
    "cell-metadata": cell_metadata,
    "notebook-metadata": notebook_metadata,
    "output-metadata": output_metadata,
    "text-attachment": text_attachment,
    "image-attachment-that-is-text": image_attachment_that_is_text,
    "widget-state": widget_state,
    "svg-output": svg_output,
    "json-output-image-key": json_output_image_key,
    "json-output-_data-key": json_output_data_key,
    "deeply-nested-json-output": deeply_nested_json_output,
    "unknown-top-level-key": unknown_top_level_key,
    "unknown-cell-key": unknown_cell_key,
    "text-plain-as-dict": text_plain_as_dict,
    "source-as-nested-lists": source_as_nested_lists,
    "secret-as-a-dict-key": secret_as_a_key,
}


def _escape_all(text: str) -> str:
    return "".join(f"\\u{ord(ch):04x}" for ch in text)


def duplicate_cells_key(key: str) -> bytes:
    leaky = json.dumps([_code(f"k = '{key}'")])
    return ("{" + f'"cells": {leaky}, "cells": [], "metadata": {{}}, '
            '"nbformat": 4, "nbformat_minor": 5}').encode()  # fmt: skip


def unicode_escaped_notebook(key: str) -> bytes:
    text = _dump(_nb([_code(f"k = '{key}'")])).decode()
    return text.replace(key, _escape_all(key)).encode()


def truncated_notebook(key: str) -> bytes:
    text = _dump(_nb([_code(f"k = '{key}'")]))
    return text[: text.index(key.encode()) + len(key) + 5]


def env_utf16_bom(key: str) -> bytes:
    return f"REGION=eu\r\nAWS_ACCESS_KEY_ID={key}\r\n".encode("utf-16")


def env_utf16le(key: str) -> bytes:
    return f"REGION=eu\r\nAWS_ACCESS_KEY_ID={key}\r\n".encode("utf-16-le")


def py_utf16be(key: str) -> bytes:
    return f'AWS_ACCESS_KEY_ID = "{key}"\n'.encode("utf-16-be")


def yaml_leading_nul(key: str) -> bytes:
    return b"\x00" + f"aws:\n  access_key_id: {key}\n".encode()


def ipynb_leading_nul(key: str) -> bytes:
    return b"\x00" + _dump(_nb([_code(f"k = '{key}'")]))


def ipynb_utf16(key: str) -> bytes:
    return _dump(_nb([_code(f"k = '{key}'")])).decode().encode("utf-16")


def txt_nul_interleaved(key: str) -> bytes:
    return b"note\n" + b"\x00".join(bytes([b]) for b in f"key {key}\n".encode())


#: name on disk, builder
RAW_PAYLOADS: dict[str, tuple[str, Builder]] = {
    "duplicate-cells-key": ("dup.ipynb", duplicate_cells_key),
    "unicode-escaped-notebook": ("escaped.ipynb", unicode_escaped_notebook),
    "truncated-notebook": ("cut.ipynb", truncated_notebook),
    "env-utf16-bom": (".env", env_utf16_bom),
    "env-utf16le-no-bom": ("prod.env", env_utf16le),
    "py-utf16be-no-bom": ("settings.py", py_utf16be),
    "yaml-leading-nul": ("config.yaml", yaml_leading_nul),
    "ipynb-leading-nul": ("nul.ipynb", ipynb_leading_nul),
    "ipynb-utf16": ("wide.ipynb", ipynb_utf16),
    "txt-nul-interleaved": ("notes.txt", txt_nul_interleaved),
}


def holds(data: bytes | None, key: str) -> bool:
    """True when ``data`` shows ``key`` to a reader in any encoding or JSON escape.

    Written independently of the product's decoders: every encoding tried,
    NULs dropped, ``\\uXXXX`` escapes undone.
    """
    if not data:
        return False
    texts = {data.replace(b"\x00", b"").decode("latin-1")}
    for encoding in ("utf-8", "utf-16", "utf-16-le", "utf-16-be"):
        try:
            texts.add(data.decode(encoding))
        except UnicodeDecodeError:
            continue
    unescape = re.compile(r"\\u([0-9a-fA-F]{4})")
    return any(key in unescape.sub(lambda m: chr(int(m.group(1), 16)), t) for t in texts)
