"""nbformat's builders and readers with types: what the tests call, typed once here.

nbformat ships ``py.typed`` but leaves these functions unannotated, so strict mypy calls
each use an untyped call. The tests build and read notebooks through this module
(``from tests.support import notebooks as nbf``; ``nbf.new_code_cell(...)``); each
wrapper passes its arguments through unchanged and says what comes back.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nbformat
from nbformat import NO_CONVERT
from nbformat.notebooknode import NotebookNode
from nbformat.sentinel import Sentinel

__all__ = [
    "NO_CONVERT",
    "NotebookNode",
    "from_dict",
    "new_code_cell",
    "new_markdown_cell",
    "new_notebook",
    "new_output",
    "output_from_msg",
    "read",
    "reads",
    "writes",
]


def new_notebook(**kwargs: Any) -> NotebookNode:
    """An empty nbformat 4 notebook (``nbformat.v4.new_notebook``)."""
    node: NotebookNode = nbformat.v4.new_notebook(**kwargs)  # type: ignore[no-untyped-call]  # nbformat: unannotated
    return node


def new_code_cell(source: str = "", **kwargs: Any) -> NotebookNode:
    """A code cell (``nbformat.v4.new_code_cell``); ``outputs=`` and others as keywords."""
    node: NotebookNode = nbformat.v4.new_code_cell(source, **kwargs)  # type: ignore[no-untyped-call]  # nbformat: unannotated
    return node


def new_markdown_cell(source: str = "", **kwargs: Any) -> NotebookNode:
    """A markdown cell (``nbformat.v4.new_markdown_cell``)."""
    node: NotebookNode = nbformat.v4.new_markdown_cell(source, **kwargs)  # type: ignore[no-untyped-call]  # nbformat: unannotated
    return node


def new_output(output_type: str, data: Any = None, **kwargs: Any) -> NotebookNode:
    """An output (``nbformat.v4.new_output``): ``"stream"`` with ``name=``/``text=``,
    ``"execute_result"`` or ``"display_data"`` with ``data``, ``"error"``."""
    node: NotebookNode = nbformat.v4.new_output(output_type, data, **kwargs)  # type: ignore[no-untyped-call]  # nbformat: unannotated
    return node


def output_from_msg(msg: dict[str, Any]) -> NotebookNode:
    """The output a kernel's iopub message makes (``nbformat.v4.output_from_msg``)."""
    node: NotebookNode = nbformat.v4.output_from_msg(msg)  # type: ignore[no-untyped-call]  # nbformat: unannotated
    return node


def from_dict(d: dict[str, Any]) -> NotebookNode:
    """A notebook, cell or output dict as a ``NotebookNode`` (``nbformat.from_dict``)."""
    node: NotebookNode = nbformat.from_dict(d)  # type: ignore[no-untyped-call]  # nbformat: unannotated
    return node


def writes(nb: dict[str, Any], version: int | Sentinel = NO_CONVERT, **kwargs: Any) -> str:
    """The notebook as nbformat writes it to disk (``nbformat.writes``)."""
    text: str = nbformat.writes(nb, version, **kwargs)  # type: ignore[no-untyped-call]  # nbformat: unannotated
    return text


def reads(s: str, as_version: int | Sentinel, **kwargs: Any) -> NotebookNode:
    """A notebook from its text (``nbformat.reads``)."""
    node: NotebookNode = nbformat.reads(s, as_version, **kwargs)  # type: ignore[no-untyped-call]  # nbformat: unannotated
    return node


def read(fp: str | Path, as_version: int | Sentinel, **kwargs: Any) -> NotebookNode:
    """A notebook from a file (``nbformat.read``)."""
    node: NotebookNode = nbformat.read(fp, as_version, **kwargs)  # type: ignore[no-untyped-call]  # nbformat: unannotated
    return node
