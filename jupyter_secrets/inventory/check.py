"""Is the inventory true? Owners, cadences, environments, and the code and stores around it.

Each problem is one line with the file (and line) it is about, a ``kind`` and
the ref; none holds a secret value (only names, dates and counts). The kinds:

===================  =======================================================
``malformed-entry``  an entry skipped while loading (see :mod:`.model`)
``missing-owner``    an entry with no owner
``multiple-owners``  an entry with more than one owner (exactly one is accountable)
``missing-rotation`` an entry with no ``rotation_days``
``invalid-rotation`` a ``rotation_days`` of zero or less
``env-mismatch``     ``env`` is not the ref's scope (its first path segment)
``unlisted-ref``     a ref used in a notebook, code or config file is not in the inventory
``not-in-store``     an entry no store holds (any more)
``rotation-overdue`` the store's last change is older than ``rotation_days``
``store-unavailable`` a store could not be listed: its entries were not checked against it
===================  =======================================================

The last change of a secret is the latest of its ``SecretInfo.updated`` and, where
the store records one, its last rotation (AWS's ``last_rotated``); a store that
records neither cannot make an entry overdue.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from ..backends.base import SecretInfo
from ..errors import SecretError
from .model import Inventory, InventoryEntry
from .refs import RefUse, iter_ref_files, refs_in_file

KINDS: dict[str, str] = {
    "malformed-entry": "an inventory entry is malformed and was skipped",
    "missing-owner": "an inventory entry names no owner",
    "multiple-owners": "an inventory entry names more than one owner",
    "missing-rotation": "an inventory entry has no rotation cadence (rotation_days)",
    "invalid-rotation": "an inventory entry's rotation_days is not a positive number of days",
    "env-mismatch": "an inventory entry's env is not its ref's scope",
    "unlisted-ref": "a secret ref used in the repository is not in the inventory",
    "not-in-store": "an inventory entry is not in any secret store",
    "rotation-overdue": "a secret was last changed longer ago than its rotation cadence",
    "store-unavailable": "a secret store could not be listed, so entries were not checked against it",
}


@dataclass(frozen=True)
class Problem:
    """One problem: where (file, 1-based line when known), what kind, which ref, in words."""

    path: str
    line: int | None
    kind: str
    ref: str | None
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "line": self.line,
            "kind": self.kind,
            "ref": self.ref,
            "message": self.message,
        }

    def text(self) -> str:
        """``path:line: message``, the form editors and terminals link to."""
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"


@dataclass
class CheckReport:
    """The problems found and what was looked at."""

    inventory: str
    problems: list[Problem] = field(default_factory=list)
    checked: dict[str, Any] = field(default_factory=dict)

    @property
    def clean(self) -> bool:
        return not self.problems


def entry_problems(inventory: Inventory) -> list[Problem]:
    """The load problems and what each well-formed entry lacks."""
    where = str(inventory.path)
    found = [
        Problem(where, issue.line, "malformed-entry", issue.ref, issue.message)
        for issue in inventory.issues
    ]
    for entry in inventory.entries:
        found.extend(_entry_problems(where, entry))
    return sorted(found, key=lambda p: p.line or 0)


def _entry_problems(where: str, entry: InventoryEntry) -> Iterable[Problem]:
    ref, line = entry.ref, entry.line
    if not entry.owners:
        yield Problem(where, line, "missing-owner", ref, f"'{ref}' has no owner; name exactly one")
    elif len(entry.owners) > 1:
        yield Problem(
            where,
            line,
            "multiple-owners",
            ref,
            f"'{ref}' has {len(entry.owners)} owners ({', '.join(entry.owners)}); "
            "name exactly one owner",
        )
    if entry.rotation_days is None:
        yield Problem(
            where,
            line,
            "missing-rotation",
            ref,
            f"'{ref}' has no rotation cadence; set rotation_days",
        )
    elif entry.rotation_days <= 0:
        yield Problem(
            where,
            line,
            "invalid-rotation",
            ref,
            f"'{ref}' has rotation_days {entry.rotation_days}; use a positive number of days",
        )
    scope = ref.split("/", 1)[0]
    if entry.env is not None and entry.env != scope:
        yield Problem(
            where,
            line,
            "env-mismatch",
            ref,
            f"'{ref}' has env '{entry.env}' but its scope is '{scope}'; "
            "make env the ref's first path segment",
        )


def unlisted_problems(inventory: Inventory, uses: Iterable[RefUse]) -> list[Problem]:
    """A problem for each use of a ref the inventory does not list (one per file line and ref)."""
    known = inventory.refs
    found: dict[tuple[str, int, str], Problem] = {}
    for use in uses:
        if use.ref in known:
            continue
        key = (use.file, use.line, use.ref)
        if key not in found:
            cell = f" ({use.place})" if use.cell is not None else ""
            found[key] = Problem(
                use.file,
                use.line,
                "unlisted-ref",
                use.ref,
                f"'{use.ref}' is used{cell} but is not in the inventory {inventory.path}",
            )
    return list(found.values())


def store_problems(
    inventory: Inventory,
    secrets: Sequence[SecretInfo],
    failures: Sequence[tuple[str, str]] = (),
    *,
    now: datetime,
) -> list[Problem]:
    """Entries no store holds, and those overdue for rotation.

    ``failures`` are (backend, one-line message) of stores that could not be
    listed: each is one problem, and then no entry is called missing (it may be
    in that store); overdue entries are still reported from the stores that answered.
    """
    where = str(inventory.path)
    found = [
        Problem(
            where,
            None,
            "store-unavailable",
            None,
            f"cannot check the store: backend '{backend}': {message}",
        )
        for backend, message in failures
    ]
    last_changed: dict[str, datetime | None] = {}
    for info in secrets:
        when = last_change(info)
        before = last_changed.get(info.path)
        last_changed[info.path] = (
            max(when, before) if when is not None and before is not None else when or before
        )
    moment = as_utc(now)
    for entry in inventory.entries:
        if entry.ref not in last_changed:
            if not failures:
                found.append(
                    Problem(
                        where,
                        entry.line,
                        "not-in-store",
                        entry.ref,
                        f"'{entry.ref}' is in the inventory but no store holds it; "
                        "store it (jupyter-secrets set) or remove the entry",
                    )
                )
            continue
        changed = last_changed[entry.ref]
        if changed is None or entry.rotation_days is None or entry.rotation_days <= 0:
            continue
        age = moment - changed
        if age > timedelta(days=entry.rotation_days):
            found.append(
                Problem(
                    where,
                    entry.line,
                    "rotation-overdue",
                    entry.ref,
                    f"'{entry.ref}' was last changed {changed.date().isoformat()} "
                    f"({age.days} days before {moment.date().isoformat()}), over its "
                    f"rotation_days {entry.rotation_days}; rotate it (jupyter-secrets rotate)",
                )
            )
    return found


def last_change(info: SecretInfo) -> datetime | None:
    dates = [d for d in (info.updated, info.extra.get("last_rotated")) if isinstance(d, datetime)]
    return max((as_utc(d) for d in dates), default=None)


def as_utc(moment: datetime) -> datetime:
    """Naive times are UTC (what the stores write)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


def collect_files(
    paths: Sequence[str], exclude: Iterable[str | os.PathLike[str]] = ()
) -> list[str]:
    """The files under ``paths`` searched for refs (see :func:`.refs.iter_ref_files`)."""
    return list(iter_ref_files(paths, exclude=exclude))


def collect_uses(paths: Sequence[str], inventory: Inventory) -> tuple[list[RefUse], int]:
    """Every use under ``paths`` (the inventory file itself excluded) and how many files were read."""
    files = collect_files(paths, exclude=[inventory.path])
    uses = [use for name in files for use in refs_in_file(name)]
    return uses, len(files)


def read_stores() -> tuple[list[SecretInfo], list[tuple[str, str]]]:
    """Every store's listing (metadata only) and the stores that could not be listed."""
    from ..manager import SecretManager  # noqa: PLC0415 (only when the stores are checked)

    try:
        manager = SecretManager()
        manager.context["source"] = "cli"
        listing = manager.listing()
    except SecretError as exc:
        return [], [("(configuration)", exc.message)]
    return list(listing.secrets), [(f.backend, f.message) for f in listing.failures]


def check(
    inventory: Inventory,
    paths: Sequence[str],
    *,
    store: bool = True,
    now: datetime | None = None,
) -> CheckReport:
    """Check ``inventory`` against the code under ``paths`` and (unless ``store`` is False)
    against what the stores hold, as of ``now`` (default: the current time)."""
    moment = now if now is not None else datetime.now(timezone.utc)
    uses, files = collect_uses(paths, inventory)
    problems = entry_problems(inventory) + unlisted_problems(inventory, uses)
    checked: dict[str, Any] = {
        "entries": len(inventory.entries),
        "malformed_entries": len(inventory.issues),
        "files": files,
        "uses": len(uses),
        "refs_used": len({use.ref for use in uses}),
        "store_secrets": None,
        "as_of": as_utc(moment).isoformat(),
    }
    if store:
        secrets, failures = read_stores()
        checked["store_secrets"] = len({info.path for info in secrets})
        problems += store_problems(inventory, secrets, failures, now=moment)
    return CheckReport(str(inventory.path), problems, checked)
