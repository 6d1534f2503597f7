"""Resolve ``secret://`` references inside configuration at run time.

``resolve("pipeline-config.yaml")`` or ``resolve(config_dict)`` returns a
copy in which every string that is a ``secret://REF`` becomes the secret's
value (a :class:`~jupyter_secrets.value.SecretStr`), and every
``${secret://REF}`` inside a longer string is substituted. The file itself
is never modified: it keeps only references and is safe to commit.
"""

from __future__ import annotations

import configparser
import json
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # the same parser, as a package (a dependency on 3.10)
    import tomli as tomllib

from .errors import ConfigError
from .refs import SCHEME
from .session import get_manager
from .value import SecretStr

Fetch = Callable[[str], SecretStr]
_EMBEDDED = re.compile(r"\$\{(secret://[^}\s]+)\}")


def resolve(config: Any, fetch: Fetch | None = None) -> Any:
    """A copy of ``config`` (a dict/list, or a path to .yaml/.yml/.json/.toml/.ini/.cfg) with refs resolved."""
    if fetch is None:
        fetch = get_manager().get
    if isinstance(config, (str, os.PathLike)) and not str(config).startswith(SCHEME):
        config = load_config_file(Path(config))
    return _resolve(config, fetch)


def _resolve(node: Any, fetch: Fetch) -> Any:
    if isinstance(node, str):
        stripped = node.strip()
        if stripped.startswith(SCHEME) and not _EMBEDDED.search(node):
            return fetch(stripped)
        if "${secret://" in node:
            refs = [m.group(1) for m in _EMBEDDED.finditer(node)]
            text = _EMBEDDED.sub(lambda m: fetch(m.group(1)).reveal(), node)
            # The composite string holds a value too: mask its repr like one.
            return SecretStr(text, ", ".join(r[len(SCHEME) :] for r in refs))
        return node
    if isinstance(node, dict):
        return {key: _resolve(value, fetch) for key, value in node.items()}
    if isinstance(node, list):
        return [_resolve(value, fetch) for value in node]
    if isinstance(node, tuple):
        return tuple(_resolve(value, fetch) for value in node)
    return node


def load_config_file(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(
            f"cannot read config file {path}: {exc.strerror}; check the path"
        ) from None
    suffix = path.suffix.lower()
    try:
        if suffix in (".yaml", ".yml"):
            import yaml  # noqa: PLC0415 (optional dependency, only for YAML files)

            return yaml.safe_load(text)
        if suffix == ".json":
            return json.loads(text)
        if suffix == ".toml":
            return tomllib.loads(text)
        if suffix in (".ini", ".cfg"):
            parser = configparser.ConfigParser(interpolation=None)
            parser.read_string(text)
            return {name: dict(parser[name]) for name in parser.sections()}
    except Exception as exc:
        raise ConfigError(
            f"cannot parse {path} as {suffix[1:]}: {type(exc).__name__}; fix the file"
        ) from None
    raise ConfigError(
        f"unsupported config file type {suffix or '(none)'}; use .yaml, .json, .toml or .ini"
    )
