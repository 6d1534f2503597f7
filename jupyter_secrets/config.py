"""Configuration shared by the kernel, the CLI and the server.

Admins write it where they configure the rest of Jupyter::

    # jupyter_secrets_config.py (any directory of `jupyter --paths` config),
    # read by kernels, the CLI and the server alike
    c.SecretsConfig.allowed_scopes = ["dev", "stg", "prod"]
    c.SecretsConfig.routes = {"dev/": "keyring", "": "env"}

``JUPYTER_SECRETS_CONFIG`` may name one more file (``.py`` or ``.json``),
read last. ``JUPYTER_SECRETS_BACKEND`` forces one backend for every ref.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from traitlets import Any as AnyTrait
from traitlets import Bool, Dict, Float, Int, List, Unicode
from traitlets.config import Config, Configurable
from traitlets.config.loader import JSONFileConfigLoader, PyFileConfigLoader

from .errors import ConfigError
from .refs import DEFAULT_SCOPES

CONFIG_BASENAME = "jupyter_secrets_config"
ENV_CONFIG = "JUPYTER_SECRETS_CONFIG"
ENV_BACKEND = "JUPYTER_SECRETS_BACKEND"
#: Where kernels and the CLI report the admin policy files and settings they ignored.
log = logging.getLogger("jupyter_secrets.admin_policy")


class SecretsConfig(Configurable):
    """Where secrets come from and how they are handled in memory."""

    allowed_scopes = List(
        Unicode(),
        default_value=list(DEFAULT_SCOPES),
        help="Scopes (first path segment of a ref, usually the environment) that refs may use. "
        "A ref in any other scope is refused with a one-line error.",
    ).tag(config=True)

    routes = Dict(
        key_trait=Unicode(),
        value_trait=Unicode(),
        default_value={},
        help="Which backend serves which refs: a map from ref prefix to backend name, e.g. "
        '{"prod/": "aws", "dev/": "keyring", "": "env"}. The longest matching prefix wins; '
        "refs no prefix matches go to default_backend. JUPYTER_SECRETS_BACKEND overrides all routes.",
    ).tag(config=True)

    default_backend = Unicode(
        "",
        help="Backend for refs no route matches. Empty: the viable writable backend with the "
        "highest priority (the OS keyring where one works, else the encrypted local file).",
    ).tag(config=True)

    backend_options = Dict(
        key_trait=Unicode(),
        value_trait=Dict(),
        default_value={},
        help='Options passed to each backend by name, e.g. {"env": {"prefix": "SECRET_", '
        '"dotenv_paths": [".env"]}, "file": {"path": "/data/secrets.enc"}}.',
    ).tag(config=True)

    cache_ttl = Float(
        300.0,
        help="Seconds a fetched secret stays in the kernel's in-memory cache; 0 disables the "
        "cache. `%secret REF --refresh` always bypasses it.",
    ).tag(config=True)

    grants = List(
        Dict(),
        default_value=[],
        help="Who may read and write which refs, for a shared JupyterHub: a list of "
        '{"group": "etl", "read": ["prod/", "stg/"], "write": ["stg/"]} or {"user": "alice", '
        '"read": ["stg/partner/"]} ("*" is everyone). Empty: no per-user rules (allowed_scopes '
        "only). With grants, every ref needs one; groups come from the hub's API. Enforced in "
        "kernels, the REST API and the CLI.",
    ).tag(config=True)

    protected_prefixes = List(
        Unicode(),
        default_value=["prod/"],
        help="Ref prefixes that only a grant naming them (or something inside them) opens: "
        'a broad grant such as {"group": "*", "read": [""]} never reaches prod/. Applies '
        "when grants are set.",
    ).tag(config=True)

    access_contact = Unicode(
        "",
        help="Who to ask for access, named in every denial (e.g. '#data-platform on Slack').",
    ).tag(config=True)

    #: Routes the admin policy pins: no user route and no $JUPYTER_SECRETS_BACKEND changes
    #: them (set by jupyter_secrets.admin_policy, not configurable).
    pinned_routes = Dict(key_trait=Unicode(), value_trait=Unicode(), default_value={})

    audit_log = Unicode(
        "",
        help="Path of the JSON-lines audit log (one event per fetch; never a value). Empty: "
        "<jupyter data dir>/jupyter_secrets/audit.log. Created with mode 0600.",
    ).tag(config=True)

    audit_enabled = Bool(True, help="Write the audit log.").tag(config=True)

    audit_sinks = List(
        Unicode(),
        default_value=["file"],
        help='Where audit events go besides audit_log: "hub" also sends each one to the '
        "JupyterHub audit service (jupyter_secrets.hub_service) at audit_service_url, with "
        "this server's own hub token, so the trail holds the hub's identity. \"events\" also "
        "emits each one as a Jupyter event (jupyter_events) of the schema "
        "https://events.jupyter-secrets.org/audit, version 1 (shipped as "
        "jupyter_secrets/event_schemas/audit/v1.yaml; its fields are the audit log's, and "
        "no other field is allowed): in a jupyter server on the server's own event logger, "
        "so the c.EventLogger.handlers of jupyter_server_config.py route them; in kernels "
        "and the CLI to the c.EventLogger.handlers of jupyter_secrets_config.py, and nowhere "
        "(said once in the log, at INFO) when that names none. A sink that cannot take an "
        "event is logged, and reads under audit_fail_closed_prefixes then fail; so is a name "
        "that is no sink (a typo), for every event.",
    ).tag(config=True)

    #: Where the "events" sink emits in a jupyter server: an audit_events.EventTarget with
    #: the server's EventLogger (set by the server extension, not configurable). None
    #: elsewhere: the sink builds its own EventLogger from this object's config.
    event_target = AnyTrait(None, allow_none=True)

    audit_service_url = Unicode(
        "",
        help="The hub audit service's events URL, e.g. "
        "http://127.0.0.1:10101/services/jupyter-secrets-audit/api/events.",
    ).tag(config=True)

    audit_fail_closed_prefixes = List(
        Unicode(),
        default_value=[],
        help='Ref prefixes (e.g. ["prod/"]) whose reads fail when a configured audit sink cannot '
        "take the event, as Vault does when its audit device fails; other reads still work "
        "and the failure is logged.",
    ).tag(config=True)

    redact_min_length = Int(
        4,
        help="Values shorter than this are too short to redact as free text without mangling "
        "unrelated output: they are redacted only where they stand alone as a whole token, and "
        "the user is warned once per secret.",
    ).tag(config=True)

    redact_substring_length = Int(
        8,
        help="Any run of at least this many consecutive characters of a fetched value is "
        "redacted (catches truncated or sliced prints). 0 disables substring matching.",
    ).tag(config=True)

    redact_encodings = Bool(
        True,
        help="Also redact base64, hex, URL-encoded, reversed and separator-split forms of "
        "fetched values.",
    ).tag(config=True)


def config_paths() -> list[Path]:
    """Directories searched for jupyter_secrets_config.{json,py}, lowest priority first."""
    from jupyter_core.paths import jupyter_config_path  # noqa: PLC0415 (only when no config path is given)

    # jupyter_config_path() lists highest priority first.
    return [Path(p) for p in reversed(jupyter_config_path())]


def load_config(extra_file: str | os.PathLike[str] | None = None) -> Config:
    """Read every jupyter_secrets_config file plus $JUPYTER_SECRETS_CONFIG, merged."""
    merged = Config()
    for directory in config_paths():
        for loader_cls, suffix in ((JSONFileConfigLoader, ".json"), (PyFileConfigLoader, ".py")):
            if (directory / (CONFIG_BASENAME + suffix)).is_file():
                merged.merge(_load_one(loader_cls, directory / (CONFIG_BASENAME + suffix)))
    extra = extra_file or os.environ.get(ENV_CONFIG)
    if extra:
        path = Path(extra).expanduser()
        if not path.is_file():
            raise ConfigError(
                f"config file {path} (from ${ENV_CONFIG}) does not exist; fix the path"
            )
        loader_cls = JSONFileConfigLoader if path.suffix == ".json" else PyFileConfigLoader
        merged.merge(_load_one(loader_cls, path))
    return merged


def _load_one(loader_cls: Any, path: Path) -> Config:
    try:
        config: Config = loader_cls(path.name, str(path.parent)).load_config()
        return config
    except Exception as exc:
        raise ConfigError(
            f"cannot read {path}: {type(exc).__name__}; fix or remove the file"
        ) from None


def default_settings() -> SecretsConfig:
    """The user's configuration, tightened to the admin policy (never weakened by it)."""
    return with_admin_policy(SecretsConfig(config=load_config()))


def with_admin_policy(settings: SecretsConfig) -> SecretsConfig:
    from .admin_policy import apply_to_secrets, load_admin_policy  # noqa: PLC0415

    policy = load_admin_policy()
    for ignored in policy.ignored_files:
        log.warning("jupyter-secrets: ignoring admin policy %s", ignored)
    for line in apply_to_secrets(settings, policy) if policy else []:
        log.warning("jupyter-secrets: ignored: %s", line)
    return settings
