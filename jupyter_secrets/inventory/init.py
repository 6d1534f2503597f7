"""A starting inventory: every secret the stores hold and the code uses, for a human to finish.

One entry per ref (a path), ``env`` its scope, ``owner: ""`` and an empty
``rotation_days``, each with a TODO comment: ``jupyter-secrets inventory check``
then reports exactly what is left to fill in. ``consumers`` lists the files that
use the ref. Comments say where each ref was found (the backend, the file and line).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone

import yaml

from ..backends.base import SecretInfo
from .check import as_utc, last_change
from .refs import RefUse

HEADER = """\
# The secrets inventory: every secret this repository uses, who owns it and how often
# it rotates. Written by `jupyter-secrets inventory init` on {date}
# from {sources}.
# Fill in each owner (exactly one: a team or a person) and rotation_days (the rotation
# cadence in days), then run `jupyter-secrets inventory check`.
"""
_PLAIN = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_./\-]*")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass
class _Seen:
    backends: set[str] = field(default_factory=set)
    changed: datetime | None = None
    uses: list[RefUse] = field(default_factory=list)


@dataclass(frozen=True)
class InitResult:
    text: str
    entries: int
    from_store: int
    from_code: int


def build_inventory(
    uses: Sequence[RefUse],
    secrets: Sequence[SecretInfo] = (),
    *,
    files: int = 0,
    store: bool = True,
    now: datetime | None = None,
) -> InitResult:
    """The YAML text of a starting inventory from ``secrets`` (store metadata) and ``uses``."""
    seen: dict[str, _Seen] = {}
    for info in secrets:
        item = seen.setdefault(info.path, _Seen())
        item.backends.add(info.backend)
        changed = last_change(info)
        if changed is not None and (item.changed is None or changed > item.changed):
            item.changed = changed
    for use in uses:
        seen.setdefault(use.ref, _Seen()).uses.append(use)
    moment = as_utc(now) if now is not None else datetime.now(timezone.utc)
    sources = []
    if store:
        sources.append("the secret stores")
    sources.append(f"the refs used in {files} file{'s' if files != 1 else ''}")
    lines = [HEADER.format(date=moment.date().isoformat(), sources=" and ".join(sources))]
    if not seen:
        lines.append("secrets: []\n")
    else:
        lines.append("secrets:\n")
    for ref in sorted(seen):
        lines.append(_entry(ref, seen[ref], store))
    text = "".join(lines)
    return InitResult(
        text=text,
        entries=len(seen),
        from_store=sum(1 for item in seen.values() if item.backends),
        from_code=sum(1 for item in seen.values() if item.uses),
    )


def _entry(ref: str, item: _Seen, store: bool) -> str:
    scope = ref.split("/", 1)[0]
    out = [f"  - ref: {_scalar(ref)}\n"]
    out.append('    owner: ""  # TODO: exactly one owner, a team or a person\n')
    out.append(f"    env: {_scalar(scope)}\n")
    out.append("    rotation_days:  # TODO: the rotation cadence in days, e.g. 90\n")
    files = sorted({use.file for use in item.uses})
    if files:
        out.append("    consumers:\n")
        out.extend(f"      - {_scalar(_clean(name))}\n" for name in files)
    if item.backends:
        changed = f", last changed {item.changed.date().isoformat()}" if item.changed else ""
        out.append(f"    # in the store: {', '.join(sorted(item.backends))}{changed}\n")
    elif store:
        out.append("    # not in any store that was listed\n")
    if item.uses:
        first = sorted(item.uses, key=lambda u: (u.file, u.line))[:5]
        where = ", ".join(f"{_clean(u.file)}:{u.line}" for u in first)
        more = f" and {len(item.uses) - len(first)} more" if len(item.uses) > len(first) else ""
        out.append(f"    # used at {where}{more}\n")
    else:
        out.append("    # used nowhere in the files read\n")
    return "".join(out)


def _scalar(text: str) -> str:
    """``text`` as a YAML scalar: plain when YAML reads it back as the same string, else quoted."""
    if _PLAIN.fullmatch(text) and yaml.safe_load(text) == text:
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _clean(name: str) -> str:
    """A file name for one YAML line (control characters would break it)."""
    return _CONTROL.sub("?", name)
