"""Values whose own key says nothing ("value", "currentValue"): the dict's label names them.

Widget state keeps a password box's value as {"description": "Token:", "value": v} under
a PasswordModel; Databricks keeps a text widget's value as {name: {"currentValue": v}}.
Each is found, stripped by its pointer, and a value labelled as something else is not.
"""

from __future__ import annotations

from typing import Any

import pytest

from jupyter_secrets.scanner import Scanner
from jupyter_secrets.scanner.strip import MARKER, strip_notebook

from .fakes import Fakes

F = Fakes(seed=77)
SCANNER = Scanner(hash_key=b"k")


def _notebook(metadata: dict[str, Any], cell_metadata: dict[str, Any]) -> dict[str, Any]:
    cell = {"cell_type": "code", "id": "c0", "source": "x = 1", "metadata": cell_metadata,
            "outputs": [], "execution_count": 1}  # fmt: skip
    return {"cells": [cell], "metadata": metadata, "nbformat": 4, "nbformat_minor": 5}


def _widget(model: str, state: dict[str, Any]) -> dict[str, Any]:
    return {"widgets": {"application/vnd.jupyter.widget-state+json": {
        "state": {"4f1c": {"model_module": "@jupyter-widgets/controls", "model_name": model,
                           "state": state}},
        "version_major": 2, "version_minor": 0}}}  # fmt: skip


def _databricks(name: str, value: str) -> dict[str, Any]:
    return {"application/vnd.databricks.v1+cell": {"inputWidgets": {name: {
        "currentValue": value, "nuid": "9" * 32,
        "widgetInfo": {"widgetType": "text", "name": name, "defaultValue": ""}}}}}  # fmt: skip


def _token() -> str:
    return F.rand("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789", 28)


@pytest.mark.parametrize(
    "build",
    [
        lambda v: _notebook(_widget("PasswordModel", {"description": "Token:", "value": v}), {}),
        lambda v: _notebook(_widget("PasswordModel", {"description": "", "value": v}), {}),
        lambda v: _notebook(_widget("TextModel", {"description": "API key", "value": v}), {}),
        lambda v: _notebook({}, _databricks("db_password", v)),
        lambda v: _notebook({}, {"form": {"placeholder": "access token", "default": v}}),
    ],
    ids=["password-widget", "password-widget-unlabelled", "labelled-text", "databricks", "form"],
)
def test_a_labelled_value_is_found_and_stripped(build: Any) -> None:
    value = _token()
    nb = build(value)
    findings = SCANNER.scan_notebook(nb)
    assert len(findings) == 1 and findings[0].location == "metadata"
    stripped = strip_notebook(nb, findings)
    text = repr(stripped)
    assert value not in text and MARKER in text
    assert SCANNER.scan_notebook(stripped) == []


@pytest.mark.parametrize(
    "state",
    [
        {"description": "Max tokens:", "value": "Abcdefgh12"},
        {"description": "Learning rate", "value": "3e-4"},
        {"description": "Model", "value": "gpt-4o-mini"},
        {"description": "", "value": "Abcdefgh12XYZ"},
    ],
)
def test_a_value_labelled_as_something_else_is_not(state: dict[str, str]) -> None:
    assert SCANNER.scan_notebook(_notebook(_widget("TextModel", state), {})) == []
