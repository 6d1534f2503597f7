"""Which files the scanner looks at, shared by the CLI walk and the server gate."""

from __future__ import annotations

import posixpath

#: Notebooks and the text files credentials are pasted into. ``.env`` also
#: covers ``.env.local`` and ``prod.env``.
SCANNED_SUFFIXES: tuple[str, ...] = (
    ".ipynb",
    ".py",
    ".env",
    ".yaml",
    ".yml",
    ".json",
    ".txt",
    ".ini",
    ".cfg",
    ".conf",
    ".toml",
    ".properties",
    ".sql",
    ".sh",
    ".md",
    ".r",
    ".scala",
    ".js",
    ".ts",
)


def is_scanned_name(path: str, suffixes: tuple[str, ...] = SCANNED_SUFFIXES) -> bool:
    """True when a file at ``path`` should be scanned (by suffix or dotfile name, any case)."""
    name = posixpath.basename(path.replace("\\", "/").strip("/")).lower()
    for raw in suffixes:
        suffix = raw.lower()
        if name.endswith(suffix) or name == suffix or name.startswith(suffix + "."):
            return True
    return False
