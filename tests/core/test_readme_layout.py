"""README's Layout names every module of the package and of the frontend."""

from __future__ import annotations

import re
from pathlib import Path

import jupyter_secrets

REPO = Path(__file__).resolve().parents[2]
PACKAGE = Path(jupyter_secrets.__file__).parent
#: Build and packaging plumbing, not modules a reader looks for.
PLUMBING = {"__main__", "_version", "_labextension", "demo", "labextension"}


def _layout() -> str:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    start = text.index("## Layout")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


def test_every_module_is_in_the_layout() -> None:
    layout = _layout()
    names = {p.stem for p in PACKAGE.glob("*.py")} | {
        p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()
    }
    for sub in ("backends", "scanner", "server", "cli"):
        names |= {p.stem for p in (PACKAGE / sub).glob("*.py") if p.stem != "__init__"}
    names |= {p.stem for p in (REPO / "src").glob("*.ts")}
    prose = re.sub(r"```.*?```", "", layout, flags=re.S)  # the picture is no list
    named = set(re.findall(r"[A-Za-z_]+", " ".join(re.findall(r"`([^`]+)`", prose))))
    missing = sorted(names - PLUMBING - {"__init__"} - named)
    assert not missing, f"README's Layout does not name {missing}"
