"""Fields a formatter renders from ``extra=`` (set after the record factory ran) reach
no log file unredacted: every handler's formatted line is redacted."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.kernel.harness import Kernel, leaked_forms
from tests.leaks import traces
from tests.support.fakes import fake_secret

from .kernels import kernel_with


@pytest.fixture
def value() -> str:
    return fake_secret("Lg", 18)  # pragma: allowlist secret


@pytest.fixture
def kernel(tmp_path: Path, value: str) -> Iterator[Kernel]:
    with kernel_with(tmp_path, "dev/log/token", value) as k:
        yield k


CELL = """
import logging
handler = logging.FileHandler({path!r})
handler.setFormatter(logging.Formatter({fmt!r}, style={style!r}))
class AddField(logging.Filter):
    def filter(self, record):
        record.late = str(pw)  # set by a filter, after the record factory
        return True
handler.addFilter(AddField())
log = logging.getLogger("extra-{style}")
log.propagate = False
log.addHandler(handler)
log.warning("connecting", extra={{"pw": str(pw), "user": "etl"}})
handler.close()
"""

FORMATS = {
    "%": "%(levelname)s %(message)s user=%(user)s pw=%(pw)s repr=%(pw)r late=%(late)s",
    "{": "{levelname} {message} user={user} pw={pw} late={late}",
}


@pytest.mark.parametrize("style", sorted(FORMATS))
def test_extra_fields_in_a_log_file_are_redacted(
    kernel: Kernel, value: str, tmp_path: Path, style: str
) -> None:
    log_file = tmp_path / f"app-{ord(style)}.log"
    kernel.ok(CELL.format(path=str(log_file), fmt=FORMATS[style], style=style))
    written = log_file.read_bytes()
    assert not any(t in written for t in traces(value)), "the log file holds the value"
    assert leaked_forms(written, value) == []
    line = written.decode()
    assert line.startswith("WARNING connecting user=etl pw=[REDACTED dev/log/token]")
    assert line.count("[REDACTED dev/log/token]") == (3 if style == "%" else 2)


class Collector:
    """A local TCP server that keeps every byte a SocketHandler sends it."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.received = bytearray()
        self.closed = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        connection, _ = self.server.accept()
        with connection:
            while chunk := connection.recv(65536):
                self.received += chunk
        self.closed.set()


def test_extra_fields_shipped_by_a_socket_handler_are_redacted(kernel: Kernel, value: str) -> None:
    # SocketHandler pickles the record's attributes; it never formats them.
    collector = Collector()
    kernel.ok(
        "import logging, logging.handlers\n"
        f"handler = logging.handlers.SocketHandler('127.0.0.1', {collector.port})\n"
        "log = logging.getLogger('shipped')\n"
        "log.propagate = False\n"
        "log.addHandler(handler)\n"
        "log.warning('connecting', extra={'pw': str(pw), 'nested': {'k': [str(pw)]}})\n"
        "handler.close()"
    )
    assert collector.closed.wait(120), "the socket handler never closed its connection"
    shipped = bytes(collector.received)
    assert b"connecting" in shipped
    assert not any(t in shipped for t in traces(value)), "the shipped record holds the value"
    assert shipped.count(b"[REDACTED dev/log/token]") == 2
