"""Every place a notebook carries text: cell sources and each output carrier.

``CARRIERS[name](text)`` builds a notebook holding ``text`` there. Recall tests run one
context through every carrier it can occur in; the names say which.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .nbutil import code, display, error, markdown, notebook, result, stream

Notebook = dict[str, Any]


def raw(source: str, cell_id: str = "raw") -> dict[str, Any]:
    return {
        "cell_type": "raw",
        "id": cell_id,
        "metadata": {},
        "source": source.splitlines(keepends=True),
    }


CARRIERS: dict[str, Callable[[str], Notebook]] = {
    "code": lambda t: notebook(code(t)),
    "markdown": lambda t: notebook(markdown(t)),
    "raw": lambda t: notebook(raw(t)),
    "stdout": lambda t: notebook(code("run()", [stream(t)])),
    "text/plain": lambda t: notebook(code("run()", [result({"text/plain": t})])),
    "text/html": lambda t: notebook(code("run()", [result({"text/html": t})])),
    "text/markdown": lambda t: notebook(code("run()", [display({"text/markdown": t})])),
    "traceback": lambda t: notebook(
        code("run()", [error("RuntimeError", "failed", ["Traceback (most recent call last)", t])])
    ),
}
#: Carriers of text (not code): markdown, raw and every output.
TEXT_CARRIERS = tuple(name for name in CARRIERS if name != "code")
