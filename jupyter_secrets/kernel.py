"""The ``%secret`` and ``%secrets`` magics, and loading them into a shell.

Loaded in every kernel of the environment by a startup file, or with
``%load_ext jupyter_secrets``. Imports nothing from jupyter_server. Loading
installs the redaction guard (:mod:`.kernel_guard`), takes the server link's
token (:mod:`.kernel_link`) and moves store credentials out of the kernel's
environment (:mod:`.kernel_env`); ``%unload_ext`` removes the magics only.
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

from . import kernel_env, kernel_link
from .errors import SecretError
from .kernel_guard import KernelGuard
from .link_protocol import LEGACY_ENV
from .redaction import Redactor
from .refs import SecretRef
from .session import get_manager
from .value import SecretStr


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
        from ipykernel.connect import get_connection_file  # noqa: PLC0415 (only inside a kernel; terminal IPython has none)

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
