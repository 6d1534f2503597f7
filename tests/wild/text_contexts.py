"""Contexts outside code: markdown prose, raw cells, outputs and metadata.

What users leave behind there: a token pasted into prose or a table with a
password column, a .env or YAML snippet in a raw cell, a value printed to
stdout or shown as a cell's result, a DataFrame of users, a traceback whose
frame shows the line with the literal, papermill parameters and widget state.
"""

from __future__ import annotations

import json
import random

from .pieces import Piece, block, lines_piece, whole_piece
from .values import Value

RED, GREEN, CYAN, RESET = "\x1b[0;31m", "\x1b[0;32m", "\x1b[0;36m", "\x1b[0m"


def prose(rng: random.Random, v: Value) -> list[Piece]:
    what = v.vendor + " token" if v.vendor else "token"
    line = rng.choice([
        f"The {what} is `{v.text}` (it expires at the end of the workshop).",
        f"Log in as `etl` with the password `{v.text}`." if "password" in v.kind else
        f"Use this key for the demo: `{v.text}`.",
        f"> **Note:** set `{v.env}` to `{v.text}` before running the next cell.",
    ])  # fmt: skip
    return [lines_piece("markdown", [line], 0, v)]


def password_table(rng: random.Random, v: Value) -> list[Piece]:
    column = "password" if "password" in v.kind else rng.choice(["api key", "token"])
    lines = [
        f"| environment | user | {column} |",
        "|---|---|---|",
        f"| staging | etl | `{v.text}` |",
        "| prod | etl | ask the data platform team |",
    ]
    return [lines_piece("markdown", lines, 2, v)]


def fenced_export(rng: random.Random, v: Value) -> list[Piece]:
    lang = rng.choice(["bash", "sh", ""])
    return [lines_piece("markdown", [f"```{lang}", f"export {v.env}={v.text}", "```"], 1, v)]


def fenced_block(rng: random.Random, v: Value) -> list[Piece]:
    """A multi-line value (PEM, service-account JSON) pasted into prose."""
    body = shown(v)
    lines = ["Key used by the nightly job:", "", "```", *body, "```"]
    return [lines_piece("markdown", lines, 3, v, last=2 + len(body))]


def raw_env(rng: random.Random, v: Value) -> list[Piece]:
    lines = rng.choice([
        ["# .env", "LOG_LEVEL=debug", f"{v.env}={v.text}"],
        ["warehouse:", "  user: etl", f"  {'password' if 'password' in v.kind else v.name.lower()}: {v.text}"],
        ["[default]", "region = eu-west-1", f"{v.name.lower()} = {v.text}"],
    ])  # fmt: skip
    return [lines_piece("raw", lines, len(lines) - 1, v)]


def raw_block(rng: random.Random, v: Value) -> list[Piece]:
    body = shown(v)
    return [lines_piece("raw", body, 0, v, last=len(body) - 1)]


def stdout_line(rng: random.Random, v: Value) -> list[Piece]:
    forms = [
        f"Using {v.name}={v.text}",
        f"{v.env}={v.text}",
        f"{{'user': 'etl', '{v.name}': '{v.text}', 'host': 'db.internal'}}",
    ]
    if "password" not in v.kind:
        forms += [
            f"2024-06-02 10:14:07,311 DEBUG [http] Authorization: Bearer {v.text}",
            f"Authenticated with {v.text}",
        ]
    return [lines_piece("stdout", [rng.choice(forms)], 0, v)]


def shown(v: Value) -> list[str]:
    """A multi-line value as a notebook shows it (service-account JSON pretty-printed)."""
    if v.text.startswith("{"):
        return block(json.dumps(json.loads(v.text), indent=2))
    return block(v.text)


def stdout_block(rng: random.Random, v: Value) -> list[Piece]:
    body = shown(v)
    return [lines_piece("stdout", ["Loaded credentials:", *body], 1, v, last=len(body))]


def truncated_pem(rng: random.Random, v: Value) -> list[Piece]:
    """``print(key[:300])`` or the result ``key[:300]``: BEGIN and a few lines, no END."""
    lines = block(v.text)[:5]
    if rng.random() < 0.5:
        return [lines_piece("stdout", lines, 0, v, last=len(lines) - 1, needle=lines[3])]
    shown = "\\n".join(lines)
    return [lines_piece("text/plain", [f"'{shown}'"], 0, v, needle=lines[3])]


def result_repr(rng: random.Random, v: Value) -> list[Piece]:
    line = rng.choice([
        f"{{'{v.name}': '{v.text}', 'region': 'us-east-1'}}",
        f"Settings(model='gpt-4o-mini', {v.name}='{v.text}', timeout=30)",
        f" '{v.env}': '{v.text}',",
    ])  # fmt: skip
    return [lines_piece("text/plain", [line], 0, v)]


def html_row(rng: random.Random, v: Value) -> list[Piece]:
    lines = [
        "    <tr>",
        f"      <th>{rng.randint(5, 99)}</th>",
        f"      <td>{v.text}</td>",
        "    </tr>",
    ]
    return [lines_piece("html_row", lines, 2, v)]


def dataframe(rng: random.Random, v: Value) -> list[Piece]:
    column = "password" if "password" in v.kind else rng.choice(["api_key", "token"])
    users = [("etl", v.text), ("readonly", "")]
    rows = "".join(
        f"    <tr>\n      <th>{i}</th>\n      <td>{u}</td>\n      <td>{p}</td>\n    </tr>\n"
        for i, (u, p) in enumerate(users)
    )
    html = (
        '<div>\n<table border="1" class="dataframe">\n  <thead>\n    <tr style="text-align: right;">\n'
        f"      <th></th>\n      <th>user</th>\n      <th>{column}</th>\n    </tr>\n  </thead>\n"
        f"  <tbody>\n{rows}  </tbody>\n</table>\n</div>"
    )
    width = max(len(v.text), len(column))
    plain = f"{'':>2}  {'user':>8}  {column:>{width}}\n0  {'etl':>8}  {v.text:>{width}}\n1  {'readonly':>8}  {'':>{width}}"
    node = {
        "output_type": "execute_result",
        "data": {"text/html": html, "text/plain": plain},
        "metadata": {},
        "execution_count": None,
    }
    return [whole_piece("table", node, v)]


def traceback_frame(rng: random.Random, v: Value) -> list[Piece]:
    if "password" in v.kind:
        code = rng.choice([
            f'server{CYAN}.{RESET}login("reports@acme-data.io", "{v.text}")',
            f'conn {CYAN}={RESET} connect(host{CYAN}={RESET}"db.internal", password{CYAN}={RESET}"{v.text}")',
        ])  # fmt: skip
    else:
        code = rng.choice([
            f'client {CYAN}={RESET} Client(api_key{CYAN}={RESET}"{v.text}")',
            f'resp {CYAN}={RESET} requests{CYAN}.{RESET}get(url, headers{CYAN}={RESET}{{"Authorization": "Bearer {v.text}"}})',
        ])  # fmt: skip
    n = rng.randint(3, 40)
    frame = (
        f"Cell {GREEN}In[{n}], line 4{RESET}\n"
        f"{GREEN}      2{RESET} import os\n{GREEN}      3{RESET} \n"
        f"{GREEN}----> 4{RESET} {code}\n"
    )
    error = {
        "output_type": "error",
        "ename": "AuthenticationError",
        "evalue": "Error code: 401 - invalid credentials",
        "traceback": [
            f"{RED}{'-' * 75}{RESET}",
            f"{RED}AuthenticationError{RESET}                       Traceback (most recent call last)",
            frame,
            f"{RED}AuthenticationError{RESET}: Error code: 401 - invalid credentials",
        ],
    }
    return [whole_piece("traceback", {"frame": frame, "error": error}, v)]


def cell_metadata(rng: random.Random, v: Value) -> list[Piece]:
    if rng.random() < 0.5:  # Databricks keeps a text widget's current value in the cell
        data = {
            "application/vnd.databricks.v1+cell": {
                "inputWidgets": {
                    v.name: {
                        "currentValue": v.text,
                        "nuid": f"{rng.getrandbits(128):032x}",
                        "widgetInfo": {"widgetType": "text", "name": v.name, "defaultValue": ""},
                    }
                },
                "title": "",
            }
        }
    else:
        data = {"papermill": {"parameters": {v.name: v.text}, "status": "completed"}}
    return [whole_piece("cell_metadata", data, v)]


def notebook_metadata(rng: random.Random, v: Value) -> list[Piece]:
    if rng.random() < 0.5:  # papermill records the parameters a run was given
        data = {"papermill": {"parameters": {v.name: v.text, "run_date": "2024-06-02"},
                              "environment_variables": {}, "version": "2.6.0"}}  # fmt: skip
    else:  # a password widget's value, saved with the widget state
        data = {
            "widgets": {
                "application/vnd.jupyter.widget-state+json": {
                    "state": {
                        f"{rng.getrandbits(128):032x}": {
                            "model_module": "@jupyter-widgets/controls",
                            "model_module_version": "2.0.0",
                            "model_name": "PasswordModel",
                            "state": {"description": "Token:", "value": v.text},
                        }
                    },
                    "version_major": 2,
                    "version_minor": 0,
                }
            }
        }
    return [whole_piece("nb_metadata", data, v)]


def negative_output(rng: random.Random, v: Value) -> list[Piece]:
    """A hash, UUID, cursor or tokenizer token as tools print them."""
    if v.kind == "hash":
        line = rng.choice([f"Downloading layer sha256:{v.text}", f"HEAD is now at {v.text[:7]} ({v.text})",
                           f"md5 checksum: {v.text}"])  # fmt: skip
        return [lines_piece("stdout", [line], 0, v)]
    if v.kind == "uuid":
        line = rng.choice(
            [f"Run id: {v.text}", f"{{'{v.name}': '{v.text}', 'status': 'Completed'}}"]
        )
        return [lines_piece(rng.choice(["stdout", "text/plain"]), [line], 0, v)]
    if v.kind == "pagination":
        line = rng.choice(
            [f"{{'items': [...], '{v.name}': '{v.text}'}}", f'  "{v.name}": "{v.text}"']
        )
        return [lines_piece(rng.choice(["stdout", "text/plain"]), [line], 0, v)]
    line = rng.choice([f"{v.name}: {v.text}", f"['{v.text}', '▁Hello', '▁world', '</s>']"])
    return [lines_piece(rng.choice(["stdout", "text/plain"]), [line], 0, v)]
