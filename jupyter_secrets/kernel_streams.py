"""Redacting what a kernel writes to its own stdout/stderr (the Jupyter server's log).

ipykernel's ``OutStream`` sends text to the frontend (filtered at
``session.send``) but also writes raw copies to the kernel process's real
stdout/stderr:

* fd-level output it captures (subprocesses, C libraries, ``os.write``) is
  echoed to ``stream._original_stdstream_copy``, looked up on each write;
* with ``--IPKernelApp.quiet=False`` every ``write()`` is echoed to
  ``stream.echo`` (a text file over that same copy, or ``sys.__stdout__``).

Both are pointed at a pipe drained by a thread that redacts whole lines
before writing to the real descriptor, so a value written in pieces within
one line is still caught.
"""

from __future__ import annotations

import codecs
import io
import os
import select
import threading
from typing import Any

from .redaction import Redactor

# Echo files we replaced: their FileIO owns the real descriptor, and closing it
# on garbage collection would close the server log under the drain thread.
_REPLACED: list[Any] = []


class RedactingStream:
    """A text stream proxy that redacts each write."""

    def __init__(self, stream: Any, redactor: Redactor) -> None:
        self._stream = stream
        self._redactor = redactor

    def write(self, text: str) -> int:
        self._stream.write(self._redactor.redact(text))
        return len(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def redact_raw_output(stream: Any, redactor: Redactor) -> None:
    """Route one OutStream's raw echoes (fd capture and ``echo``) through the redactor."""
    pipes: dict[int, int] = {}  # real descriptor -> write end of its redacting pipe

    def pipe_to(target: int) -> int:
        if target not in pipes:
            pipes[target] = _redacting_pipe(target, redactor)
        return pipes[target]

    copy = getattr(stream, "_original_stdstream_copy", None)
    if isinstance(copy, int):
        stream._original_stdstream_copy = pipe_to(copy)
    else:
        _guard_uncaptured_fd(stream, pipe_to)
    echo = getattr(stream, "echo", None)
    if echo is None or isinstance(echo, RedactingStream):
        return
    target = _fileno(echo)
    if target is None:
        stream.echo = RedactingStream(echo, redactor)  # no descriptor: per write
        return
    _REPLACED.append(echo)
    stream.echo = io.TextIOWrapper(
        io.FileIO(pipe_to(target), "w", closefd=False),
        encoding="utf-8",
        errors="replace",
        write_through=True,
    )


def _guard_uncaptured_fd(stream: Any, pipe_to: Any) -> None:
    """Without fd capture (``--IPKernelApp.capture_fd_output=False``, or a kernel started
    with PYTEST_CURRENT_TEST set), a subprocess or ``os.write`` writes straight into the
    kernel's real stdout/stderr: the server log. Put a redacting pipe on that descriptor."""
    fd = getattr(stream, "_original_stdstream_fd", None)
    if fd is None:
        fd = {"stdout": 1, "stderr": 2}.get(str(getattr(stream, "name", "")))
    if not isinstance(fd, int) or fd not in (1, 2):
        return
    try:
        real = os.dup(fd)
        os.dup2(pipe_to(real), fd)
    except OSError:  # no such descriptor (a kernel started without one): nothing to guard
        return


def _fileno(stream: Any) -> int | None:
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, ValueError):
        return None
    return fd if isinstance(fd, int) else None


def _redacting_pipe(target: int, redactor: Redactor) -> int:
    read_end, write_end = os.pipe()
    thread = threading.Thread(
        target=_drain_redacted,
        args=(read_end, target, redactor),
        name="jupyter-secrets-fd-echo",
        daemon=True,
    )
    thread.start()
    return write_end


def _drain_redacted(read_end: int, target: int, redactor: Redactor) -> None:
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    pending = ""
    while True:
        ready, _, _ = select.select([read_end], [], [], 0.2)
        chunk = os.read(read_end, 65536) if ready else b""
        if ready and not chunk:  # every writer closed
            break
        pending += decoder.decode(chunk)
        cut = pending.rfind("\n") + 1
        if not ready or len(pending) > 65536:
            cut = len(pending)  # idle or large: flush what we have
        if cut:
            text, pending = pending[:cut], pending[cut:]
            try:
                os.write(target, _redacted(redactor, text))
            except OSError:
                break
    pending += decoder.decode(b"", final=True)
    if pending:
        os.write(target, _redacted(redactor, pending))
    os.close(read_end)


def _redacted(redactor: Redactor, text: str) -> bytes:
    try:
        return redactor.redact(text).encode("utf-8")
    except Exception:  # keep draining (writers would block); never pass raw text on
        return b"[jupyter-secrets: output dropped, redaction failed]\n"
