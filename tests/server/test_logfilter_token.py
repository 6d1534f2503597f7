"""The server log keeps its own start-up URL usable, and still hides every other secret."""

from __future__ import annotations

import logging
import secrets

import pytest

from jupyter_secrets.scanner import Scanner
from jupyter_secrets.server.logfilter import RedactingFilter
from tests.scanner.fakes import Fakes


def _record(message: str) -> logging.LogRecord:
    return logging.LogRecord("ServerApp", logging.INFO, __file__, 1, message, None, None)


@pytest.mark.parametrize("shown", [True, False])
def test_only_the_servers_own_token_is_shown(shown: bool) -> None:
    token = secrets.token_hex(24)
    leaked = Fakes(seed=9).github()
    scanner = Scanner(hash_key=b"k")
    log_filter = RedactingFilter(
        lambda: scanner, (lambda: frozenset({token})) if shown else frozenset
    )
    record = _record(f"http://127.0.0.1:8888/lab?token={token} and token = '{leaked}'")
    assert log_filter.filter(record)
    text = record.getMessage()
    assert leaked not in text, "a secret other than the server's token reached the log"
    assert (token in text) is shown, "the server's own URL was not left as jupyter_server wrote it"
