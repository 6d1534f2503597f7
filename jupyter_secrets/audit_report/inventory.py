"""The inventory's entries, as the report uses them (``jupyter_secrets.inventory.model``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError, SecretError
from .reader import base_ref


@dataclass(frozen=True)
class Entry:
    """One inventory secret: its ref path, owners, env and rotation cadence in days."""

    ref: str
    owners: tuple[str, ...]
    env: str | None
    rotation_days: int | None

    @property
    def scope(self) -> str:
        return self.ref.partition("/")[0]


def load_entries(path: Path) -> tuple[list[Entry], list[str]]:
    """The entries of the inventory at ``path`` and its load problems (one line per skipped
    entry); InputError (exit 2) when it cannot be read at all."""
    if not path.is_file():
        what = "is not a file" if path.exists() else "does not exist"
        raise InputError(f"the inventory {path} {what}; give an inventory file with --inventory")
    from ..inventory.model import load_inventory  # noqa: PLC0415 (only with --inventory)

    try:
        inventory = load_inventory(path)
    except SecretError as exc:
        raise InputError(f"cannot use the inventory {path}: {exc.message}") from None
    except (OSError, ValueError, TypeError, KeyError) as exc:
        raise InputError(
            f"cannot use the inventory {path}: {type(exc).__name__}; check its format"
        ) from None
    problems = [str(p) for p in getattr(inventory, "problems", None) or ()]
    return [_entry(item) for item in inventory.entries], problems


def _entry(item: object) -> Entry:
    owners = getattr(item, "owners", None) or ()
    if isinstance(owners, str):
        owners = (owners,)
    env = getattr(item, "env", None)
    days = getattr(item, "rotation_days", None)
    return Entry(
        ref=base_ref(str(getattr(item, "ref", ""))),
        owners=tuple(str(o) for o in owners),
        env=str(env) if env else None,
        rotation_days=int(days) if isinstance(days, (int, float)) and days > 0 else None,
    )
