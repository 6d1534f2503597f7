"""The ``JupyterSecrets`` ExtensionApp: settings, the gate and the REST handlers.

Admins configure it where they configure the server::

    c.JupyterSecrets.save_policy = "block"
    c.JupyterSecrets.path_policies = {"scratch/**": "warn", "*.md": "off"}
    c.JupyterSecrets.possible_policy = "warn"
    c.JupyterSecrets.fail_closed = True
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from jupyter_server.extension.application import ExtensionApp
from traitlets import Bool, Dict, Enum, Float, Int, List, Unicode, validate
from traitlets.config import Config

from .policy import (
    DEFAULT_POSSIBLE_POLICY,
    DEFAULT_SCANNED_EXTENSIONS,
    DEFAULT_WRITABLE_SCOPES,
    GatePolicy,
    check_policies,
    with_floor,
)
from .vocabulary import POLICIES

if TYPE_CHECKING:
    from ..admin_policy import AdminPolicy
    from .state import ServerState


class JupyterSecrets(ExtensionApp):
    """Scan every save for credentials; serve the secrets REST API."""

    name = "jupyter_secrets"
    description = "Keep credentials out of notebooks: the save gate and REST API."
    load_other_extensions = True
    _admin_policy: AdminPolicy | None = None

    save_policy = Enum(
        list(POLICIES),
        default_value="block",
        help="What a save that contains a credential does (findings of confidence 'verified' "
        "or 'likely'; see possible_policy for 'possible' ones). 'block': refuse it with HTTP "
        "422 and the findings (nothing is written, the file on disk stays as it was); 'strip': "
        "redact the credentials and save; 'warn': save unchanged and report the findings; "
        "'off': do not scan.",
    ).tag(config=True)

    possible_policy = Enum(
        list(POLICIES),
        default_value=DEFAULT_POSSIBLE_POLICY,
        help="What a save does with findings of confidence 'possible' (weak evidence: a short "
        "or dictionary-like password, a default credential on localhost such as "
        "postgres:postgres@localhost, a credential on example.com). Same values as "
        "save_policy; 'block' treats them like the others, 'warn' (the default) saves and "
        "reports them, 'off' ignores them. Never stricter than the path's own policy "
        "(save_policy, path_policies): where that is 'warn', possible findings are warned.",
    ).tag(config=True)

    possible_path_policies = Dict(
        key_trait=Unicode(),
        value_trait=Unicode(),
        default_value={},
        help="Per-path overrides of possible_policy, globs as in path_policies, e.g. "
        '{"prod/**": "block"}. Still never stricter than the path\'s own policy.',
    ).tag(config=True)

    path_policies = Dict(
        key_trait=Unicode(),
        value_trait=Unicode(),
        default_value={},
        help="Per-path overrides of save_policy: a map from glob to policy, e.g. "
        '{"scratch/**": "warn", "*.md": "off"}. A glob without "/" matches file names '
        'anywhere; "dir/**" matches everything below dir. The most specific match wins.',
    ).tag(config=True)

    fail_closed = Bool(
        True,
        help="When the scanner fails, times out or cannot read the content, refuse the save "
        "with a clear message (True) instead of saving it unscanned with a logged warning.",
    ).tag(config=True)

    max_scan_bytes = Int(
        64 * 1024 * 1024,
        help="Largest amount of text (bytes) one save may ask the scanner to read; image "
        "outputs do not count. Larger saves are treated as a scan failure (see fail_closed). "
        "0 means no limit.",
    ).tag(config=True)

    scan_timeout_seconds = Float(
        10.0,
        help="Longest time one save may spend scanning before it is treated as a scan "
        "failure (see fail_closed). 0 means no limit.",
    ).tag(config=True)

    scanned_extensions = List(
        Unicode(),
        default_value=list(DEFAULT_SCANNED_EXTENSIONS),
        help="File name endings that are scanned at save. Dotfiles such as .env are matched "
        "by name; note that jupyter_server refuses to save hidden files at all unless "
        "ContentsManager.allow_hidden is True.",
    ).tag(config=True)

    baseline_path = Unicode(
        "",
        help="A detect-secrets style baseline/allowlist file: findings it lists are accepted. "
        "Empty: none.",
    ).tag(config=True)

    known_values = Bool(
        True,
        help="Give kernels of this server a private link so that values fetched with "
        "%secret are caught at save even where no detector would flag them. Kernels send "
        "keyed fingerprints only; nothing about the values is written to disk.",
    ).tag(config=True)

    writable_scopes = List(
        Unicode(),
        default_value=list(DEFAULT_WRITABLE_SCOPES),
        help="Scopes that clients of this server may write: PUT /jupyter-secrets/secrets/{ref} "
        "(and so JupyterLab's 'move to secret store' action) can store values only in these "
        "scopes. A write to any other scope is refused with HTTP 403, nothing is stored, and "
        "the refusal is audited. To store a secret in another scope (prod, by default), an "
        "admin runs the CLI: `jupyter-secrets set prod/db/password`. A scope must also be in "
        "SecretsConfig.allowed_scopes to be used at all. Per-user rules build on this list.",
    ).tag(config=True)

    @validate("writable_scopes")
    def _check_writable_scopes(self, proposal: Any) -> list[str]:
        value: list[str] = proposal["value"]
        for scope in value:
            if not scope or "/" in scope or scope != scope.strip():
                raise ValueError(
                    f"JupyterSecrets.writable_scopes: {scope!r} is not a scope name; "
                    'use names such as "dev" or "stg" (the first segment of a ref)'
                )
        return value

    @validate("path_policies")
    def _check_path_policies(self, proposal: Any) -> dict[str, str]:
        value: dict[str, str] = proposal["value"]
        check_policies(value.values(), "JupyterSecrets.path_policies")
        return value

    @validate("possible_path_policies")
    def _check_possible_path_policies(self, proposal: Any) -> dict[str, str]:
        value: dict[str, str] = proposal["value"]
        check_policies(value.values(), "JupyterSecrets.possible_path_policies")
        return value

    def admin_policy(self) -> AdminPolicy:
        """The trusted admin policy files (loaded once)."""
        if self._admin_policy is None:
            from ..admin_policy import load_admin_policy  # noqa: PLC0415

            self._admin_policy = load_admin_policy()
            for ignored in self._admin_policy.ignored_files:
                self.log.warning("jupyter-secrets: ignoring admin policy %s", ignored)
        return self._admin_policy

    def gate_policy(self) -> GatePolicy:
        """This server's settings, held to the admin policy: never less strict than it."""
        admin = self.admin_policy()
        user_set = set(self.config.get("JupyterSecrets", {}))
        where = ", ".join(admin.files)
        policy, notes = with_floor(self._own_gate_policy(), admin.server, user_set, where)
        for line in notes:
            self.log.warning(
                "jupyter-secrets: ignored: %s; the admin policy (%s) wins", line, where
            )
        return policy

    def _own_gate_policy(self) -> GatePolicy:
        return GatePolicy(
            default=self.save_policy,
            overrides=dict(self.path_policies),
            possible=self.possible_policy,
            possible_overrides=dict(self.possible_path_policies),
            fail_closed=self.fail_closed,
            scanned_extensions=tuple(self.scanned_extensions),
            max_scan_bytes=self.max_scan_bytes,
            scan_timeout_seconds=self.scan_timeout_seconds,
            writable_scopes=tuple(self.writable_scopes),
        )

    def secrets_config_source(self) -> Config:
        """Shared jupyter_secrets_config files, then this server's own config on top."""
        from ..config import load_config  # noqa: PLC0415 (settings load when the server starts the extension)

        merged = load_config()
        merged.merge(self.config)
        return merged

    def initialize_settings(self) -> None:
        from .state import ServerState  # noqa: PLC0415 (the gate loads when the server starts the extension)

        assert self.serverapp is not None, "initialize_settings runs after the server links us"
        state = ServerState.create(self)
        self.settings["jupyter_secrets"] = state
        self._use_event_logger(state)
        state.install(self.serverapp)
        self.log.info(
            "jupyter-secrets: save policy %s, %s on possible findings (fail_closed=%s) on %s",
            self.save_policy,
            self.possible_policy,
            self.fail_closed,
            type(self.serverapp.contents_manager).__name__,
        )

    def _use_event_logger(self, state: ServerState) -> None:
        """Register the audit event's schema on the server's event logger, and have the
        "events" audit sink emit there (so the server's EventLogger.handlers route it)."""
        from ..audit_events import SCHEMA_ID, EventTarget, register_schema  # noqa: PLC0415 (with the rest of the extension's start)

        assert self.serverapp is not None, "initialize_settings runs after the server links us"
        event_logger = self.serverapp.event_logger
        if event_logger is None:  # a server without one: the sink builds its own
            return
        register_schema(event_logger)
        loop = getattr(self.serverapp.io_loop, "asyncio_loop", None)
        state.secrets_settings.event_target = EventTarget(event_logger, loop)
        if "events" in state.secrets_settings.audit_sinks and not event_logger.handlers:
            self.log.warning(
                'jupyter-secrets: SecretsConfig.audit_sinks has "events", but no '
                "EventLogger.handlers are configured: the audit events (%s) reach only the "
                "server's event listeners",
                SCHEMA_ID,
            )

    def initialize_handlers(self) -> None:
        from .handlers import handlers  # noqa: PLC0415 (the handlers load when the server starts the extension)

        self.handlers.extend(handlers())
