"""Default displays that split a value apart or sit next to its ref, in a real kernel.

* ``list(pw)`` / ``tuple(pw)``: IPython's pretty printer wraps one quoted
  character per line, so quotes, commas and newlines run between characters.
* A value sharing 8+ characters with its ref name must not garble the ref in
  ``<secret dev/warehouse/password>`` or in ``[REDACTED ...]`` markers.
* base64 of the value plus a byte leaves no partial characters or padding.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.kernel.harness import Kernel, leaked_forms
from tests.support.fakes import fake_secret

from .kernels import kernel_with

REF = "dev/warehouse/password"
MARKER = f"[REDACTED {REF}]"


@pytest.fixture
def value() -> str:
    # Shares "warehouse" (9 characters) with its own ref name.
    return fake_secret("warehouse", 18)  # pragma: allowlist secret


@pytest.fixture
def kernel(tmp_path: Path, value: str) -> Iterator[Kernel]:
    with kernel_with(tmp_path, REF, value) as k:
        yield k


def bare(text: str) -> str:
    return "".join(ch for ch in text if ch.isalnum())


@pytest.mark.parametrize(
    "code", ["list(pw)", "tuple(pw)", "print(list(pw))", "list(str(pw))", "[list(pw)]"]
)
def test_characters_of_the_value_are_masked(kernel: Kernel, value: str, code: str) -> None:
    shown = kernel.ok(code).everything()
    assert leaked_forms(shown, value) == []
    # Without quotes, commas and line breaks no 8 consecutive characters remain.
    tail = bare(value)[len("warehouse") :]
    runs = [tail[i : i + 8] for i in range(len(tail) - 7)]
    assert not any(run in bare(shown) for run in runs), code
    assert MARKER in shown


def test_ref_shown_whole_next_to_a_similar_value(kernel: Kernel, value: str) -> None:
    execution = kernel.ok("print(repr(pw), pw); pw")
    assert leaked_forms(execution.everything(), value) == []
    assert execution.stdout == f"<secret {REF}> {MARKER}\n"
    assert execution.results[0]["data"]["text/plain"] == f"<secret {REF}>"
    listing = kernel.ok("%secrets").stdout
    assert listing.startswith(f"{REF}  (fetched ")


@pytest.mark.parametrize("extra", ["b''", "b'x'", "b'xy'"])
def test_base64_leaves_nothing_after_the_marker(kernel: Kernel, value: str, extra: str) -> None:
    execution = kernel.ok(f"import base64; base64.b64encode(pw.encode() + {extra})")
    assert leaked_forms(execution.everything(), value) == []
    assert execution.results[0]["data"]["text/plain"] == f"b'{MARKER}'"
