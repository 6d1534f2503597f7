"""Build small nbformat 4.5 notebooks for tests."""

from __future__ import annotations

from typing import Any


def code(
    source: str,
    outputs: list[dict[str, Any]] | None = None,
    cell_id: str = "",
    tags: list[str] | None = None,
) -> dict[str, Any]:
    cell: dict[str, Any] = {
        "cell_type": "code",
        "execution_count": 1,
        "id": cell_id or f"id-{abs(hash(source)) % 10**8:08d}",
        "metadata": {"tags": tags} if tags else {},
        "outputs": outputs or [],
        "source": source.splitlines(keepends=True),
    }
    return cell


def markdown(source: str, cell_id: str = "md") -> dict[str, Any]:
    return {
        "cell_type": "markdown",
        "id": cell_id,
        "metadata": {},
        "source": source.splitlines(keepends=True),
    }


def stream(text: str, name: str = "stdout") -> dict[str, Any]:
    return {"name": name, "output_type": "stream", "text": text.splitlines(keepends=True)}


def result(data: dict[str, Any]) -> dict[str, Any]:
    return {"data": data, "execution_count": 1, "metadata": {}, "output_type": "execute_result"}


def display(data: dict[str, Any]) -> dict[str, Any]:
    return {"data": data, "metadata": {}, "output_type": "display_data"}


def error(ename: str, evalue: str, traceback: list[str]) -> dict[str, Any]:
    return {"ename": ename, "evalue": evalue, "output_type": "error", "traceback": traceback}


def notebook(*cells: dict[str, Any]) -> dict[str, Any]:
    return {
        "cells": list(cells),
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
