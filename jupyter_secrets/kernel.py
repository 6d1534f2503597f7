"""IPython/ipykernel integration: the ``%secret`` magics and output redaction.

Loaded in every kernel of the environment by a startup file, or with
``%load_ext jupyter_secrets``. Imports nothing from jupyter_server.

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
* Store credentials in the kernel's environment leave it at load
  (:mod:`.kernel_env`).
* Outside a kernel (terminal IPython), ``sys.stdout``/``sys.stderr`` are
  wrapped before each cell.

Hooks stay installed for the life of the process: ``%unload_ext`` removes
the magics only, since ``secret()`` keeps fetching (and registering) values.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring

from . import kernel_logging
from .errors import SecretError
from .kernel_streams import RedactingStream, redact_raw_output
from .link_protocol import LEGACY_ENV
from .redaction import Redactor
from .refs import SecretRef
from .session import get_manager
from .value import SecretStr


class RedactedResult:
    """What ``Out[n]`` holds for a result whose display contained a secret."""

    def __repr__(self) -> str:
        return "[REDACTED result: it contained a secret]"


class KernelGuard:
    """Installs and removes the redaction hooks on one IPython shell."""

    def __init__(self, shell: Any, redactor: Redactor) -> None:
        self.shell = shell
        self.redactor = redactor
        self.loaded: dict[str, float] = {}
        self._undo: list[Callable[[], None]] = []
        self._last_display_redacted = False

    # -- install / uninstall ----------------------------------------------

    def install(self) -> None:
        kernel = getattr(self.shell, "kernel", None)
        session = getattr(kernel, "session", None)
        if session is not None:
            self._patch(session, "send", self._wrap_send(session.send))
            for stream in (sys.stdout, sys.stderr):
                redact_raw_output(stream, self.redactor)
        else:
            self._wrap_std_streams()
            self.shell.events.register("pre_run_cell", self._wrap_std_streams)
            self._undo.append(
                lambda: self.shell.events.unregister("pre_run_cell", self._wrap_std_streams)
            )
            self._undo.append(_unwrap_std_streams)
        formatter = self.shell.display_formatter
        self._patch(formatter, "format", self._wrap_format(formatter.format))
        displayhook = self.shell.displayhook
        self._patch(
            displayhook, "update_user_ns", self._wrap_update_user_ns(displayhook.update_user_ns)
        )
        self._undo += kernel_logging.install(self.redactor)
        self.shell.set_custom_exc((SecretError,), _show_secret_error)
        self._undo.append(lambda: self.shell.set_custom_exc((), None))

    def uninstall(self) -> None:
        while self._undo:
            self._undo.pop()()

    def _patch(self, owner: Any, name: str, replacement: Callable[..., Any]) -> None:
        had_own = name in vars(owner)
        previous = vars(owner).get(name)
        setattr(owner, name, replacement)

        def undo() -> None:
            if had_own:
                setattr(owner, name, previous)
            else:
                delattr(owner, name)

        self._undo.append(undo)

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


def _unwrap_std_streams() -> None:
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if isinstance(stream, RedactingStream):
            setattr(sys, name, stream._stream)


def _show_secret_error(
    shell: Any, etype: type, value: BaseException, tb: Any, tb_offset: Any = None
) -> list[str]:
    # One line, no frames: frames (and %xmode Verbose locals) could carry a value.
    # IPython ignores a custom handler's return value, so show it here.
    structured = [f"{etype.__name__}: {value}"]
    shell._showtraceback(etype, value, structured)
    return structured


@magics_class
class SecretMagics(Magics):
    """``%secret REF`` and ``%secrets``."""

    def __init__(self, shell: Any, guard: KernelGuard) -> None:
        super().__init__(shell)
        self.guard = guard

    @magic_arguments()  # type: ignore[untyped-decorator, no-untyped-call]
    @argument("ref", help="secret ref, e.g. dev/warehouse/password or secret://prod/db#password")  # type: ignore[untyped-decorator, no-untyped-call]
    @argument(
        "--env", metavar="VAR", help="put the value into os.environ[VAR] instead of returning it"
    )  # type: ignore[untyped-decorator, no-untyped-call]
    @argument("--refresh", action="store_true", help="bypass the in-memory cache")  # type: ignore[untyped-decorator, no-untyped-call]
    @line_magic
    def secret(self, line: str) -> SecretStr | None:
        """Fetch a secret into kernel memory: ``pw = %secret dev/db/password``."""
        try:
            args = parse_argstring(self.secret, line)  # type: ignore[no-untyped-call]
        except UsageError:
            raise UsageError(
                "usage: %secret REF [--env VAR] [--refresh], e.g. pw = %secret dev/db/password"
            ) from None
        value = fetch(args.ref, refresh=args.refresh)
        if args.env:
            if not args.env.isidentifier():
                raise UsageError(
                    f"--env needs a variable name like DB_PASSWORD, not {args.env[:30]!r}"
                )
            os.environ[args.env] = value.reveal()
            return None
        return value

    @line_magic
    def secrets(self, line: str) -> None:
        """List the refs this kernel has fetched (never values)."""
        if not self.guard.loaded:
            print("No secrets loaded in this kernel. Fetch one with: pw = %secret dev/db/password")
            return
        for ref, when in sorted(self.guard.loaded.items()):
            stamp = time.strftime("%H:%M:%S", time.localtime(when))
            print(f"{ref}  (fetched {stamp})")


def fetch(ref: str, refresh: bool = False) -> SecretStr:
    """Fetch through the process manager, turning errors into one-line UsageErrors."""
    try:
        return get_manager().get(ref, refresh=refresh)
    except SecretError as exc:
        raise UsageError(str(exc)) from None


def _kernel_context(shell: Any) -> dict[str, str | None]:
    kernel_id = None
    try:
        from ipykernel.connect import get_connection_file

        name = Path(get_connection_file()).stem
        kernel_id = name[len("kernel-") :] if name.startswith("kernel-") else name
    except Exception:  # not in a kernel, or no connection file
        kernel_id = None
    notebook = os.environ.get("JPY_SESSION_NAME") or shell.user_ns.get("__vsc_ipynb_file__")
    return {"kernel_id": kernel_id, "notebook": notebook, "source": "kernel"}


def _on_fetch(guard: KernelGuard) -> Callable[[SecretRef, str], None]:
    def remember(ref: SecretRef, value: str) -> None:
        label = str(ref)
        if guard.redactor.add(label, value) and guard.redactor.is_short(value):
            print(
                f"jupyter-secrets: '{label}' is shorter than {guard.redactor.min_length} characters, "
                "so output redaction only masks it as a whole word; rotate it to a longer value",
                file=sys.stderr,
            )
        guard.loaded[label] = time.time()
        _announce(label, value)

    return remember


def _announce(ref: str, value: str) -> None:
    """Tell the Jupyter server's save gate about the value (fingerprints only)."""
    from . import kernel_link

    kernel_link.announce(ref, value)


_GUARDS: dict[int, KernelGuard] = {}


def load(shell: Any) -> KernelGuard:
    """Install the magics and the redaction hooks once per shell."""
    guard = _GUARDS.get(id(shell))
    if guard is not None:
        shell.register_magics(SecretMagics(shell, guard))  # after an unload
        return guard
    manager = get_manager()
    settings = manager.settings
    redactor = Redactor(
        min_length=settings.redact_min_length,
        substring_length=settings.redact_substring_length,
        encodings=settings.redact_encodings,
    )
    guard = KernelGuard(shell, redactor)
    guard.install()
    from . import kernel_env, kernel_link

    # Take the server link's token out of os.environ before any cell can show it.
    kernel_link.capture()
    credentials = kernel_env.credential_names(manager)
    kernel_env.protect_credentials(credentials, redactor, _announce)
    kernel_env.mask_server_tokens(redactor, _announce)
    if LEGACY_ENV not in os.environ:  # dropped by capture(): the /proc copy goes too
        kernel_env.scrub_initial_environ([LEGACY_ENV])
    manager.context.update(_kernel_context(shell))
    manager.add_fetch_listener(_on_fetch(guard))
    shell.register_magics(SecretMagics(shell, guard))
    _GUARDS[id(shell)] = guard
    return guard


def unload(shell: Any) -> None:
    """Remove the magics only.

    Redaction stays on for the life of the kernel: values fetched before or
    after (``secret()`` still works and registers them) must stay masked.
    """
    line_magics = shell.magics_manager.magics["line"]
    for name in ("secret", "secrets"):
        line_magics.pop(name, None)
