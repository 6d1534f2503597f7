"""The secrets inventory file: which secrets a repository uses, who owns them, how often they rotate.

``secrets.yaml`` (or ``secrets.yml`` / ``secrets.json``) holds either a list of
entries or a mapping ``{"secrets": [...]}``; each entry is a mapping::

    - ref: prod/warehouse/password   # required: a ref path, no @version or #field
      owner: data-platform           # exactly one (a string, or a list of one)
      env: prod                      # the environment: the ref's scope
      rotation_days: 90              # the rotation cadence, in days
      description: the warehouse's loader account
      consumers: [etl/nightly.ipynb]

Loading never fails on one bad entry: an entry that is not a mapping, has no
``ref``, has a ref that does not parse, repeats a ref seen before or has a field
of the wrong type is skipped and reported as one line in
:attr:`Inventory.problems`. Only a file that cannot be read, is not YAML/JSON or
is not an inventory at all raises :class:`~jupyter_secrets.errors.ConfigError`.

What makes an entry incomplete (no owner, no cadence, env not its scope) is not
a load problem: :mod:`jupyter_secrets.inventory.check` reports it.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..errors import ConfigError, InvalidRefError
from ..refs import parse_ref

#: File names an inventory is looked up by, in this order.
INVENTORY_NAMES: tuple[str, ...] = ("secrets.yaml", "secrets.yml", "secrets.json")
#: Keys an entry may have.
ENTRY_KEYS: tuple[str, ...] = ("ref", "owner", "env", "rotation_days", "description", "consumers")
_HINT = (
    "an inventory is a list of entries, or a mapping with a 'secrets' list; each entry has a 'ref'"
)


@dataclass(frozen=True)
class InventoryEntry:
    """One secret the repository uses."""

    ref: str  # a ref path, e.g. "prod/warehouse/password" (no @version/#field)
    owners: tuple[str, ...]  # the file's `owner` (a string or a list) normalized to a tuple
    env: str | None
    rotation_days: int | None
    description: str = ""
    consumers: tuple[str, ...] = ()
    line: int | None = None  # 1-based line of the entry in the file, when known


@dataclass(frozen=True)
class LoadIssue:
    """A malformed entry that was skipped: where it is and why (one line, no values)."""

    line: int | None
    message: str
    ref: str | None = None


@dataclass
class Inventory:
    """A loaded inventory: the well-formed entries and a line per malformed one."""

    path: Path
    entries: list[InventoryEntry]
    problems: list[
        str
    ]  # one-line problems found while loading (malformed entries skipped and counted)
    #: The same problems with their line and ref, for callers that report them structured.
    issues: list[LoadIssue] = field(default_factory=list)

    def get(self, ref: str) -> InventoryEntry | None:
        """The entry for ``ref`` (a path; ``secret://``, ``@version`` and ``#field`` are ignored)."""
        key = _path_of(ref)
        for entry in self.entries:
            if entry.ref == key:
                return entry
        return None

    @property
    def refs(self) -> set[str]:
        return {entry.ref for entry in self.entries}


def find_inventory(directory: str | os.PathLike[str]) -> Path | None:
    """The inventory file in ``directory`` (``secrets.yaml``, ``.yml`` or ``.json``), if any."""
    for name in INVENTORY_NAMES:
        candidate = Path(directory) / name
        if candidate.is_file():
            return candidate
    return None


def load_inventory(path: str | os.PathLike[str]) -> Inventory:
    """Load the inventory at ``path``.

    Raises :class:`ConfigError` (one line) when the file cannot be read, is not
    YAML/JSON, or holds something other than an inventory (a scalar, a mapping
    without ``secrets``).
    """
    where = Path(path)
    try:
        text = where.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"inventory {where} is not UTF-8 text; {_HINT}") from None
    except OSError as exc:
        raise ConfigError(
            f"cannot read inventory {where}: {exc.strerror or type(exc).__name__}"
        ) from None
    data, node = _parse(where, text)
    items, item_lines = _entries_of(where, data, node)
    return _build(where, items, item_lines)


def _parse(where: Path, text: str) -> tuple[Any, yaml.Node | None]:
    """The document's data and, when it is YAML (JSON is too), its node tree for line numbers."""
    if where.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except ValueError as exc:
            line = getattr(exc, "lineno", None)
            at = f" (line {line})" if line else ""
            raise ConfigError(f"inventory {where} is not valid JSON{at}; {_HINT}") from None
        try:  # JSON is YAML: its nodes give the lines; best effort only
            node = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.YAMLError:
            node = None
        return data, node
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" (line {mark.line + 1})" if mark is not None else ""
        raise ConfigError(f"inventory {where} is not valid YAML{at}; {_HINT}") from None
    finally:
        loader.dispose()
    return data, node


def _entries_of(
    where: Path, data: Any, node: yaml.Node | None
) -> tuple[list[Any], list[int | None]]:
    """The list of entries and each one's 1-based line (None when not known)."""
    seq_node: yaml.Node | None = node
    if isinstance(data, dict):
        if "secrets" not in data:
            raise ConfigError(f"inventory {where} is a mapping without a 'secrets' list; {_HINT}")
        data = data["secrets"]
        seq_node = None
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.value == "secrets":
                    seq_node = value
        if data is None:  # `secrets:` with nothing under it
            return [], []
    if not isinstance(data, list):
        what = "empty" if data is None else f"a {_kind(data)}"
        raise ConfigError(f"inventory {where} is {what}, not a list of entries; {_HINT}")
    lines: list[int | None] = [None] * len(data)
    if isinstance(seq_node, yaml.SequenceNode) and len(seq_node.value) == len(data):
        lines = [item.start_mark.line + 1 for item in seq_node.value]
    return data, lines


def _build(where: Path, items: list[Any], lines: list[int | None]) -> Inventory:
    entries: list[InventoryEntry] = []
    issues: list[LoadIssue] = []
    seen: dict[str, int | None] = {}
    for index, (item, line) in enumerate(zip(items, lines, strict=True), start=1):
        try:
            entry = _entry(item, line, index)
        except _Malformed as bad:
            issues.append(LoadIssue(line, f"{bad.message}; entry skipped", bad.ref))
            continue
        if entry.ref in seen:
            first = seen[entry.ref]
            at = f" (first at line {first})" if first else ""
            issues.append(
                LoadIssue(line, f"duplicate ref '{entry.ref}'{at}; entry skipped", entry.ref)
            )
            continue
        seen[entry.ref] = line
        entries.append(entry)
    problems = [_format(where, issue) for issue in issues]
    return Inventory(path=where, entries=entries, problems=problems, issues=issues)


class _Malformed(Exception):
    def __init__(self, message: str, ref: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.ref = ref


def _entry(item: Any, line: int | None, index: int) -> InventoryEntry:
    if not isinstance(item, dict):
        raise _Malformed(f"entry {index} is a {_kind(item)}, not a mapping with a 'ref'")
    raw_ref = item.get("ref")
    if raw_ref is None or raw_ref == "":
        raise _Malformed(f"entry {index} has no 'ref'")
    try:
        parsed = parse_ref(raw_ref)
    except InvalidRefError as exc:
        raise _Malformed(f"entry {index}: {exc}") from None
    ref = parsed.path
    if "@" in raw_ref or "#" in raw_ref:  # segments have neither: a version or a field
        raise _Malformed(
            f"entry {index}: ref '{parsed}' names a version or field; list the secret's path '{ref}'",
            ref,
        )
    rotation = item.get("rotation_days")
    if rotation is not None and (isinstance(rotation, bool) or not isinstance(rotation, int)):
        raise _Malformed(
            f"entry {index} ('{ref}'): rotation_days must be a whole number of days, not a {_kind(rotation)}",
            ref,
        )
    env = item.get("env")
    if env is not None and not isinstance(env, str):
        raise _Malformed(f"entry {index} ('{ref}'): env must be a string, not a {_kind(env)}", ref)
    description = item.get("description")
    if description is not None and not isinstance(description, str):
        raise _Malformed(
            f"entry {index} ('{ref}'): description must be a string, not a {_kind(description)}",
            ref,
        )
    return InventoryEntry(
        ref=ref,
        owners=_names(item.get("owner"), "owner", index, ref),
        env=(env.strip() or None) if env is not None else None,
        rotation_days=rotation,
        description=(description or "").strip(),
        consumers=_names(item.get("consumers"), "consumers", index, ref),
        line=line,
    )


def _names(value: Any, key: str, index: int, ref: str) -> tuple[str, ...]:
    """A string or a list of strings as a tuple of the non-blank ones."""
    if value is None:
        return ()
    if isinstance(value, str):
        return (value.strip(),) if value.strip() else ()
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(v.strip() for v in value if v.strip())
    raise _Malformed(
        f"entry {index} ('{ref}'): {key} must be a string or a list of strings, not a {_kind(value)}",
        ref,
    )


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    return {
        dict: "mapping",
        list: "list",
        str: "string",
        int: "number",
        float: "number",
    }.get(type(value), type(value).__name__)


def _format(where: Path, issue: LoadIssue) -> str:
    return f"{where}:{issue.line}: {issue.message}" if issue.line else f"{where}: {issue.message}"


def _path_of(ref: str) -> str:
    try:
        return parse_ref(ref).path
    except InvalidRefError:
        return ref
