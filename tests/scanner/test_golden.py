"""Golden tests: findings JSON and stripped notebooks byte-for-byte.

The input notebooks are generated from a seeded generator (no secret is
stored in the repo); the golden files hold only previews, keyed hashes and
redacted notebooks. Regenerate with JUPYTER_SECRETS_UPDATE_GOLDEN=1 after a
deliberate change, and review the diff.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from jupyter_secrets.scanner import Scanner
from jupyter_secrets.scanner.formats import to_json
from jupyter_secrets.scanner.notebook import dumps_notebook
from jupyter_secrets.scanner.strip import strip_notebook

from .fakes import Fakes
from .nbutil import code, display, error, markdown, notebook, result, stream

GOLDEN = Path(__file__).parent / "data" / "golden"
UPDATE = os.environ.get("JUPYTER_SECRETS_UPDATE_GOLDEN") == "1"


def analytics_notebook(f: Fakes) -> dict[str, Any]:
    pw, key = f.password(), f.openai()
    return notebook(
        markdown("# Sales report\nData from the warehouse.\n"),
        code(f'import openai\nclient = openai.OpenAI(api_key="{key}")\n', cell_id="setup"),
        code(
            "engine.url",
            [result({"text/plain": f"postgresql://analyst:{pw}@wh.internal:5432/sales"})],
            cell_id="engine",
        ),
        code(
            "print(os.environ)",
            [stream(f"HF_TOKEN={f.huggingface()}\nHOME=/root\n")],
            cell_id="env",
        ),
        code(
            "df.head()",
            [
                display(
                    {"text/html": "<table><tr><td>1</td></tr></table>", "text/plain": "   a\n0  1"}
                )
            ],
            cell_id="df",
        ),
        code(
            "boom()",
            [
                error(
                    "AuthError",
                    "invalid key",
                    ["\x1b[31mTraceback\x1b[0m", f"  key={f.anthropic()}"],
                )
            ],
            cell_id="err",
        ),
    )


def config_notebook(f: Fakes) -> dict[str, Any]:
    return notebook(
        code(
            "%%bash\nexport PGPASSWORD=" + f.password() + "\npsql -c 'select 1'\n", cell_id="bash"
        ),
        code(f"conf = {{'user': 'etl', 'password': '{f.password()}'}}", cell_id="conf"),
        code(f"token = '{f.github()}'  # pragma: allowlist secret", cell_id="allowed"),
        code(
            "sa",
            [
                display(
                    {
                        "application/json": {
                            "type": "service_account",
                            "private_key": f.private_key().replace("RSA PRIVATE", "PRIVATE"),
                        }
                    }
                )
            ],
            cell_id="sa",
        ),
    )


CASES: dict[str, Callable[[Fakes], dict[str, Any]]] = {
    "analytics": analytics_notebook,
    "config": config_notebook,
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden(name: str) -> None:
    nb = CASES[name](Fakes(seed=42))
    scanner = Scanner(hash_key=b"golden-key")
    findings = scanner.scan_notebook(nb, f"{name}.ipynb")
    outputs = {
        f"{name}.findings.json": to_json(findings) + "\n",
        f"{name}.stripped.ipynb.golden": dumps_notebook(strip_notebook(nb, findings)),
    }
    for filename, actual in outputs.items():
        for f in findings:
            assert f.span is not None and f.span.value not in actual, f"plaintext in {filename}"
        path = GOLDEN / filename
        if UPDATE:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(actual, encoding="utf-8")
        assert path.exists(), (
            f"missing golden file {path}; run with JUPYTER_SECRETS_UPDATE_GOLDEN=1"
        )
        assert actual == path.read_text(encoding="utf-8"), (
            f"{filename} differs from its golden file"
        )
