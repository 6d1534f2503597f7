"""Building fixture repositories and running ``jupyter-secrets inventory`` as users do."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from tests.support import notebooks as nbf
from tests.support.cli import run_cli
from tests.support.fakes import fake_secret
from tests.support.jupyter_env import isolated_env


def store_env(home: Path, passphrase: str | None = None) -> dict[str, str]:
    """An isolated HOME whose store is the encrypted file backend."""
    return isolated_env(
        home,
        {
            "JUPYTER_SECRETS_PASSPHRASE": passphrase
            or fake_secret("", 12),  # pragma: allowlist secret
            "JUPYTER_SECRETS_BACKEND": "file",
        },
    )


def run(
    env: dict[str, str], *args: str, cwd: Path, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    return run_cli(env, *args, stdin=stdin, cwd=cwd)


def store(env: dict[str, str], cwd: Path, *refs: str) -> None:
    for ref in refs:
        done = run(env, "set", ref, cwd=cwd, stdin=fake_secret() + "\n")
        assert done.returncode == 0, done.stderr


def write(root: Path, name: str, text: str) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def write_notebook(
    root: Path, name: str, cells: list[tuple[str, str]], output: str | None = None
) -> Path:
    """A notebook of ("code"|"markdown"|"raw", source) cells, written as nbformat writes it;
    ``output`` is the text every code cell printed."""
    nb = nbf.new_notebook()
    for index, (kind, source) in enumerate(cells):
        if kind == "code":
            outputs = [] if output is None else [nbf.new_output("stream", text=output)]
            nb.cells.append(nbf.new_code_cell(source, outputs=outputs))
        elif kind == "markdown":
            nb.cells.append(nbf.new_markdown_cell(source))
        else:
            raw = {"cell_type": "raw", "id": f"raw-{index}", "metadata": {}, "source": source}
            nb.cells.append(nbf.from_dict(raw))
    return write(root, name, nbf.writes(nb))


def inventory_yaml(entries: list[dict[str, Any]]) -> str:
    """A ``secrets.yaml`` with one entry per mapping, one key per line (JSON scalars are YAML)."""
    lines = ["secrets:"]
    for entry in entries:
        first = True
        for key, value in entry.items():
            lines.append(f"  {'- ' if first else '  '}{key}: {json.dumps(value)}")
            first = False
    return "\n".join(lines) + "\n"


def entry(ref: str, **fields: Any) -> dict[str, Any]:
    """A complete entry (one owner, env its scope, a 90-day cadence), ``fields`` overriding."""
    base: dict[str, Any] = {
        "ref": ref,
        "owner": "data-platform",
        "env": ref.split("/", 1)[0],
        "rotation_days": 90,
    }
    base.update(fields)
    return {key: value for key, value in base.items() if value is not ...}


def problem_lines(done: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in done.stdout.splitlines() if line]
