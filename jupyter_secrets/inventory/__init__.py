"""The secrets inventory: a file listing every secret a repository uses, its owner,
environment and rotation cadence, and the checks that keep it true.

Core code (no Jupyter imports). The CLI's ``jupyter-secrets inventory`` is
:mod:`jupyter_secrets.cli.inventory`.
"""

from .model import (
    INVENTORY_NAMES,
    Inventory,
    InventoryEntry,
    LoadIssue,
    find_inventory,
    load_inventory,
)

__all__ = [
    "INVENTORY_NAMES",
    "Inventory",
    "InventoryEntry",
    "LoadIssue",
    "find_inventory",
    "load_inventory",
]
