"""The context readers stay linear on pathological text: one huge line full of the
keywords they react to (flags, NAME= words, table pipes, print calls, SQL, login calls)
costs per hit, never per hit times the line's length.

Timing is compared between two sizes of the same input (4x the text must not cost
16x), which holds on a loaded machine where an absolute limit would not.
"""

from __future__ import annotations

import time

import pytest

from jupyter_secrets.scanner import Scanner

from .carriers import CARRIERS

# Each chunk wakes a different reader; none holds a value any rule accepts.
CHUNKS = {
    "flags": "--password --token=$T PGPASSWORD= mysql -p curl -u x ",
    "tables": "| password | token | API key | ",
    "prose": "the password is the token is: API key - ",
    "calls": "server.login(user, pw) auth=(u, p) HTTPBasicAuth(a, b) ",
    "sql": "CREATE USER x IDENTIFIED BY ; ALTER ROLE r PASSWORD ",
    "print": "print(api_key) print(f'{token}') ",
}
SCANNER = Scanner(hash_key=b"speed")


def _seconds(carrier: str, chunk: str, size: int) -> float:
    nb = CARRIERS[carrier](chunk * (size // len(chunk)))
    start = time.perf_counter()
    SCANNER.scan_notebook(nb)
    return time.perf_counter() - start


@pytest.mark.parametrize("carrier", ["code", "stdout", "markdown"])
@pytest.mark.parametrize("name", sorted(CHUNKS))
def test_one_huge_line_of_keywords_scans_in_linear_time(carrier: str, name: str) -> None:
    chunk = CHUNKS[name]
    small = min(_seconds(carrier, chunk, 100_000) for _ in range(2))
    large = min(_seconds(carrier, chunk, 400_000) for _ in range(2))
    assert large < 1.0 + 10 * small, (
        f"{name} in {carrier}: 4x the text cost {large / max(small, 1e-9):.1f}x"
    )
