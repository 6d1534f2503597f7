"""Files holding a fake credential in every place the bypass suite covers.

Each builder takes the fake key and returns the file's bytes; the key is
generated per test (conftest.fake_aws_key), never a real credential.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from tests.support import notebooks as nbf


def _notebook(cell: dict[str, Any]) -> bytes:
    nb = nbf.new_notebook()
    nb.cells = [nbf.new_markdown_cell("# Analysis"), nbf.from_dict(cell)]
    return nbf.writes(nb).encode("utf-8")


def code_cell(key: str) -> bytes:
    return _notebook(nbf.new_code_cell(f'aws_key = "{key}"\nprint("ready")'))


def stream_output(key: str) -> bytes:
    cell = nbf.new_code_cell("!cat ~/.aws/credentials")
    cell.outputs = [nbf.new_output("stream", name="stdout", text=f"key_id={key}\n")]
    return _notebook(cell)


def error_traceback(key: str) -> bytes:
    cell = nbf.new_code_cell("connect()")
    cell.outputs = [
        nbf.new_output(
            "error",
            ename="AuthError",
            evalue="rejected",
            traceback=[
                "\x1b[0;31mAuthError\x1b[0m: rejected",
                f"  File connect.py, line 3, access_key_id={key}",
            ],
        )
    ]
    return _notebook(cell)


def html_output(key: str) -> bytes:
    cell = nbf.new_code_cell("show_config()")
    cell.outputs = [
        nbf.new_output(
            "display_data",
            data={
                "text/html": f"<table><tr><td>key</td><td>{key}</td></tr></table>",
                "text/plain": "<cfg>",
            },
        )
    ]
    return _notebook(cell)


def py_file(key: str) -> bytes:
    return f'import boto3\n\nAWS_ACCESS_KEY_ID = "{key}"\n'.encode()


def env_file(key: str) -> bytes:
    return f"REGION=eu-west-1\nAWS_ACCESS_KEY_ID={key}\n".encode()


def yaml_file(key: str) -> bytes:
    return f"aws:\n  region: eu-west-1\n  access_key_id: {key}\n".encode()


def txt_file(key: str) -> bytes:
    return f"notes from the call\nthe key is {key} for now\n".encode()


Builder = Callable[[str], bytes]

PAYLOADS: dict[str, tuple[str, Builder]] = {
    "code-cell": ("analysis.ipynb", code_cell),
    "stream-output": ("stream.ipynb", stream_output),
    "error-traceback": ("traceback.ipynb", error_traceback),
    "html-output": ("html.ipynb", html_output),
    "py": ("settings.py", py_file),
    ".env": (".env", env_file),
    "yaml": ("config.yaml", yaml_file),
    "txt": ("notes.txt", txt_file),
}

CLEAN_KEY = "not-a-credential-just-text"


def clean(name: str) -> bytes:
    """A clean file of the same kind: what autosave and checkpoint tests start from."""
    builder = PAYLOADS_BY_FILENAME.get(name) or (code_cell if name.endswith(".ipynb") else txt_file)
    return builder(CLEAN_KEY)


PAYLOADS_BY_FILENAME = {filename: builder for filename, builder in PAYLOADS.values()}


def as_model(name: str, data: bytes, fmt: str) -> dict[str, Any]:
    """A contents model of ``data`` in ``fmt`` (json: notebooks as JSON, else text)."""
    import base64

    if fmt == "json" and name.endswith(".ipynb"):
        return {"type": "notebook", "format": "json", "content": json.loads(data)}
    if fmt == "base64":
        return {"type": "file", "format": "base64", "content": base64.b64encode(data).decode()}
    return {"type": "file", "format": "text", "content": data.decode("utf-8")}
