"""The redaction guard of a kernel: no fetched value leaves it in any output.

Where redaction happens, and why there:

* In a kernel, every message that leaves it goes through one method,
  ``kernel.session.send`` (stdout/stderr streams, display data, results,
  errors, execute replies, comms): content, message metadata and binary
  buffers are filtered there, covering every channel at once, including
  output IPython 9 routes through per-cell stream wrappers.
* The display formatter is filtered too, because its result also feeds the
  history database (``db_log_output``) and the ``Out`` cache decision.
* ``Out``/``_`` never keep a result whose display had to be redacted: they
  get a placeholder instead.
* Log records are redacted (:mod:`.kernel_logging`), so file, socket and fd
  handlers (which bypass the kernel's streams) never write a value either.
* ipykernel's raw copies of output to the kernel's own stdout/stderr (the
  Jupyter server's log) go through a redacting pipe (:mod:`.kernel_streams`).
* Outside a kernel (terminal IPython), ``sys.stdout``/``sys.stderr`` are
  wrapped before each cell.

The hooks stay installed for the life of the process: ``secret()`` keeps
fetching (and registering) values after ``%unload_ext``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from . import kernel_logging
from .errors import SecretError
from .kernel_streams import RedactingStream, redact_raw_output
from .redaction import Redactor
from .value import SecretStr


class RedactedResult:
    """What ``Out[n]`` holds for a result whose display contained a secret."""

    def __repr__(self) -> str:
        return "[REDACTED result: it contained a secret]"


class KernelGuard:
    """Installs the redaction hooks on one IPython shell."""

    def __init__(self, shell: Any, redactor: Redactor) -> None:
        self.shell = shell
        self.redactor = redactor
        self.loaded: dict[str, float] = {}
        self._last_display_redacted = False

    def install(self) -> None:
        """Install every hook, for the life of the process (nothing uninstalls them)."""
        kernel = getattr(self.shell, "kernel", None)
        session = getattr(kernel, "session", None)
        if session is not None:
            session.send = self._wrap_send(session.send)
            for stream in (sys.stdout, sys.stderr):
                redact_raw_output(stream, self.redactor)
        else:
            self._wrap_std_streams()
            self.shell.events.register("pre_run_cell", self._wrap_std_streams)
        formatter = self.shell.display_formatter
        formatter.format = self._wrap_format(formatter.format)
        displayhook = self.shell.displayhook
        displayhook.update_user_ns = self._wrap_update_user_ns(displayhook.update_user_ns)
        kernel_logging.install(self.redactor)
        self.shell.set_custom_exc((SecretError,), _show_secret_error)

    # -- the filters ------------------------------------------------------

    def _wrap_send(self, send: Callable[..., Any]) -> Callable[..., Any]:
        redactor = self.redactor

        def redacting_send(
            stream: Any, msg_or_type: Any, content: Any = None, *args: Any, **kwargs: Any
        ) -> Any:
            if len(redactor) and len(args) <= len(_SEND_PARAMETERS):
                kwargs.update(zip(_SEND_PARAMETERS, args, strict=False))
                args = ()
                if isinstance(msg_or_type, dict):
                    msg_or_type = _redact_message(msg_or_type, redactor)
                if content is not None:
                    content = redactor.redact_data(content)
                if kwargs.get("metadata") is not None:
                    kwargs["metadata"] = redactor.redact_data(kwargs["metadata"])
                if kwargs.get("buffers"):
                    kwargs["buffers"] = _redact_buffers(kwargs["buffers"], redactor)
            return send(stream, msg_or_type, content, *args, **kwargs)

        return redacting_send

    def _wrap_format(self, format_: Callable[..., Any]) -> Callable[..., Any]:
        def redacting_format(obj: Any, *args: Any, **kwargs: Any) -> Any:
            data, metadata = format_(obj, *args, **kwargs)
            self._last_display_redacted = False
            if len(self.redactor):
                redacted = self.redactor.redact_data(data)
                self._last_display_redacted = redacted != data
                data = redacted
            return data, metadata

        return redacting_format

    def _wrap_update_user_ns(self, update: Callable[[Any], None]) -> Callable[[Any], None]:
        def update_without_secrets(result: Any) -> None:
            if isinstance(result, SecretStr) or self._last_display_redacted:
                result = RedactedResult()
            update(result)

        return update_without_secrets

    def _wrap_std_streams(self, *_: Any) -> None:
        for name in ("stdout", "stderr"):
            stream = getattr(sys, name)
            if not isinstance(stream, RedactingStream):
                setattr(sys, name, RedactingStream(stream, self.redactor))


# Session.send's parameters after (stream, msg_or_type, content), in order.
_SEND_PARAMETERS = ("parent", "ident", "buffers", "track", "header", "metadata")


def _redact_message(msg: dict[str, Any], redactor: Redactor) -> dict[str, Any]:
    """A copy of a ready-made message with its content, metadata and buffers redacted."""
    msg = dict(msg)
    for key in ("content", "metadata"):
        if key in msg:
            msg[key] = redactor.redact_data(msg[key])
    if msg.get("buffers"):
        msg["buffers"] = _redact_buffers(msg["buffers"], redactor)
    return msg


def _redact_buffers(buffers: Any, redactor: Redactor) -> Any:
    redacted = []
    for buffer in buffers:
        try:
            raw = memoryview(buffer).tobytes()
        except TypeError:  # not a buffer: Session.send reports that itself
            redacted.append(buffer)
            continue
        masked = redactor.redact_bytes(raw)
        redacted.append(buffer if masked == raw else masked)
    return redacted


def _show_secret_error(
    shell: Any, etype: type, value: BaseException, tb: Any, tb_offset: Any = None
) -> list[str]:
    # One line, no frames: frames (and %xmode Verbose locals) could carry a value.
    # IPython ignores a custom handler's return value, so show it here.
    structured = [f"{etype.__name__}: {value}"]
    shell._showtraceback(etype, value, structured)
    return structured
