"""Rotation plans: ``rotation.yaml`` (or JSON), reviewable in a pull request.

One plan, or several under ``rotations:``::

    ref: prod/warehouse/password
    window: 24h                     # how long the old version stays valid (@previous)
    generate: db-password           # or {length: 40, alphabet: alnum}
    apply:                          # make the dependent system accept the new value
      python: jupyter_secrets.rotation.recipes:postgres_password
      args: {dsn: "host=db.internal dbname=analytics user=etl"}
    validate:                       # prove the new version works before promoting it
      notebook: checks/warehouse-health.ipynb
      timeout: 120
    approvers: [alice, bob]         # --approve NAME must name one of them

A step is exactly one of ``command`` (an argument list; the values reach it in
``$JUPYTER_SECRETS_OLD_VALUE`` and ``$JUPYTER_SECRETS_NEW_VALUE``, never argv),
``python`` (``module:function``, called as ``function(ref, old, new, **args)`` in a
child process) or, for ``validate`` only, ``notebook`` (run headless with the new
version pinned for the ref).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..refs import SecretRef, parse_ref
from .generate import Policy, resolve_policy

STEP_KINDS = ("command", "python", "notebook")
DEFAULT_TIMEOUT = 60.0
_WINDOW = re.compile(r"^(\d+)\s*([smhd])$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_PLAN_KEYS = {"ref", "backend", "window", "generate", "apply", "validate", "approvers"}
_STEP_KEYS = {"command", "python", "notebook", "args", "timeout"}


@dataclass(frozen=True)
class Step:
    kind: str  # command | python | notebook
    target: Any  # argv list, "module:function", or a notebook path
    args: dict[str, Any] = field(default_factory=dict)
    timeout: float = DEFAULT_TIMEOUT

    def describe(self) -> str:
        if self.kind == "command":
            return "command " + " ".join(self.target)
        return f"{self.kind} {self.target}"


@dataclass(frozen=True)
class RotationPlan:
    ref: SecretRef
    backend: str | None = None
    window_seconds: int | None = None
    generate: Policy | None = None
    apply: Step | None = None
    validate: Step | None = None
    approvers: tuple[str, ...] = ()
    source: str = "the command line"


def load_plans(path: str | Path) -> list[RotationPlan]:
    """The plans in ``path``; every problem is a one-line ConfigError naming the file."""
    file = Path(path)
    where = str(file)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"rotation plan {where} does not exist; fix the path") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read rotation plan {where} ({type(exc).__name__})") from None
    document = _parse(text, where, json_only=file.suffix == ".json")
    entries = document.get("rotations", [document]) if isinstance(document, dict) else None
    if not isinstance(entries, list) or not entries:
        raise ConfigError(
            f"rotation plan {where} must be a mapping with 'ref', or 'rotations:' with a list of them"
        )
    plans = [plan_from(entry, f"{where}, rotation {i + 1}") for i, entry in enumerate(entries)]
    refs = [str(p.ref) for p in plans]
    if len(set(refs)) != len(refs):
        raise ConfigError(f"rotation plan {where} names a ref twice; one rotation per ref")
    return plans


def _parse(text: str, where: str, json_only: bool) -> Any:
    if json_only:
        try:
            return json.loads(text)
        except ValueError as exc:
            raise ConfigError(f"rotation plan {where} is not valid JSON: {exc.args[0]}") from None
    import yaml  # noqa: PLC0415 (only for plan files)

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}" if mark is not None else ""
        raise ConfigError(f"rotation plan {where} is not valid YAML{at}; fix it") from None


def plan_from(entry: object, where: str) -> RotationPlan:
    if not isinstance(entry, dict):
        raise ConfigError(f"{where}: a rotation must be a mapping with a 'ref'")
    unknown = sorted(set(entry) - _PLAN_KEYS)
    if unknown:
        raise ConfigError(
            f"{where}: unknown key(s) {', '.join(map(str, unknown))}; known: "
            f"{', '.join(sorted(_PLAN_KEYS))}"
        )
    if "ref" not in entry:
        raise ConfigError(
            f"{where}: no 'ref'; name the secret to rotate, e.g. ref: prod/db/password"
        )
    try:
        ref = parse_ref(entry["ref"])
    except ConfigError:
        raise
    except Exception as exc:
        raise ConfigError(f"{where}: {exc}") from None
    if ref.version is not None or ref.field is not None:
        raise ConfigError(f"{where}: rotate the whole secret '{ref.path}', not a version or field")
    backend = entry.get("backend")
    if backend is not None and not isinstance(backend, str):
        raise ConfigError(f"{where}: 'backend' must be a backend name")
    approvers = entry.get("approvers", [])
    if isinstance(approvers, str):
        approvers = [approvers]
    if not isinstance(approvers, list) or not all(isinstance(a, str) and a for a in approvers):
        raise ConfigError(f"{where}: 'approvers' must be a list of names")
    return RotationPlan(
        ref=ref,
        backend=backend,
        window_seconds=parse_window(entry.get("window"), where),
        generate=_generate(entry.get("generate"), where),
        apply=step_from(entry.get("apply"), f"{where}, apply", allow_notebook=False),
        validate=step_from(entry.get("validate"), f"{where}, validate", allow_notebook=True),
        approvers=tuple(approvers),
        source=where,
    )


def parse_window(value: object, where: str) -> int | None:
    if value is None:
        return None
    match = _WINDOW.match(str(value).strip())
    if match is None:
        raise ConfigError(f"{where}: 'window' must look like 30m, 24h or 7d")
    return int(match.group(1)) * _UNITS[match.group(2)]


def _generate(value: object, where: str) -> Policy | None:
    if value is None or value is False:
        return None
    try:
        if value is True:
            return resolve_policy(None, None, None)
        if isinstance(value, str):
            return resolve_policy(value, None, None)
        if isinstance(value, dict) and set(value) <= {"policy", "length", "alphabet"}:
            return resolve_policy(value.get("policy"), value.get("length"), value.get("alphabet"))
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from None
    raise ConfigError(f"{where}: 'generate' must be a policy name or {{policy, length, alphabet}}")


def step_from(value: object, where: str, allow_notebook: bool) -> Step | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: a step must be a mapping with one of {', '.join(STEP_KINDS)}")
    unknown = sorted(set(value) - _STEP_KEYS)
    kinds = [k for k in STEP_KINDS if k in value]
    if unknown or len(kinds) != 1:
        allowed = STEP_KINDS if allow_notebook else STEP_KINDS[:2]
        raise ConfigError(f"{where}: give exactly one of {', '.join(allowed)} (and args, timeout)")
    kind = kinds[0]
    target = value[kind]
    if kind == "notebook" and not allow_notebook:
        raise ConfigError(f"{where}: a notebook can validate, not apply; use command or python")
    if kind == "command":
        if isinstance(target, str):
            raise ConfigError(
                f"{where}: 'command' must be an argument list, e.g. [psql, -c, 'select 1'], "
                "not a shell string"
            )
        if (
            not isinstance(target, list)
            or not target
            or not all(isinstance(a, str) for a in target)
        ):
            raise ConfigError(f"{where}: 'command' must be a non-empty list of strings")
    elif kind == "python":
        if not isinstance(target, str) or not re.fullmatch(r"[\w.]+:[\w.]+", target):
            raise ConfigError(f"{where}: 'python' must be 'module:function'")
    elif not isinstance(target, str) or not target.endswith(".ipynb"):
        raise ConfigError(f"{where}: 'notebook' must be the path of a .ipynb file")
    args = value.get("args", {})
    if not isinstance(args, dict) or (args and kind != "python"):
        raise ConfigError(f"{where}: 'args' is a mapping, for python steps only")
    timeout = value.get("timeout", DEFAULT_TIMEOUT)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
        raise ConfigError(f"{where}: 'timeout' must be a positive number of seconds")
    return Step(kind, target, dict(args), float(timeout))
