"""A scan error says which kind it is, so no caller reads it from the message."""

from __future__ import annotations

import pytest

from jupyter_secrets.scanner import ScanError, Scanner


def test_over_the_size_limit_is_too_large() -> None:
    with pytest.raises(ScanError) as caught:
        Scanner(max_bytes=10).scan_text(b"x = 1\n" * 10, "big.py")
    assert caught.value.kind == "too_large"
    assert "scan limit" in str(caught.value)


def test_unscannable_input_is_input() -> None:
    with pytest.raises(ScanError) as caught:
        Scanner().scan_cell([], 0, "nb.ipynb")  # type: ignore[arg-type]
    assert caught.value.kind == "input"
