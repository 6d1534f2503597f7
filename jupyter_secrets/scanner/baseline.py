"""Baselines: findings someone reviewed and accepted, so they are not reported again.

Our format (JSON, safe to commit: no plaintext, hashes are keyed)::

    {"version": 1, "tool": "jupyter-secrets", "salt": "<hex>",
     "entries": [{"cell_id": "...", "path": "...", "type": "...", "hashed_secret": "..."}]}

An entry matches a finding with the same type and hash in the same cell id
(so it survives edits elsewhere and cell moves), or, for plain files and
notebooks without cell ids, in the same path. ``salt`` is the HMAC key of
``hashed_secret``: a scanner given a baseline hashes with it, so hashes are
reproducible across runs and machines for that baseline, while nobody
without the baseline file can test guesses against them.

A detect-secrets ``.secrets.baseline`` is read too: its entries (SHA-1 of
the secret per filename) match any of our findings of that secret in a file
whose path ends with that filename.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import orjson

from .errors import ScanError
from .finding import Finding

BASELINE_VERSION = 1


class Baseline:
    def __init__(self, salt: bytes | None = None) -> None:
        self.salt = salt if salt is not None else secrets.token_bytes(16)
        self._entries: dict[tuple[str, str, str], dict[str, Any]] = {}
        self._detect_secrets: dict[str, set[str]] = {}

    def __len__(self) -> int:
        return len(self._entries) + sum(len(v) for v in self._detect_secrets.values())

    def __repr__(self) -> str:
        return f"<Baseline entries={len(self)}>"

    def add(self, finding: Finding) -> None:
        self._entries.setdefault(
            finding.baseline_key,
            {
                "cell_id": finding.cell_id,
                "path": finding.path,
                "type": finding.type,
                "hashed_secret": finding.hashed_secret,
            },
        )

    def add_all(self, findings: Iterable[Finding]) -> None:
        for finding in findings:
            self.add(finding)

    def allows(self, finding: Finding) -> bool:
        if finding.baseline_key in self._entries:
            return True
        if self._detect_secrets and finding.span is not None:
            sha1 = hashlib.sha1(finding.span.value.encode("utf-8", "surrogatepass")).hexdigest()  # noqa: S324 - detect-secrets' format
            posix = finding.path.replace(os.sep, "/")
            for filename, hashes in self._detect_secrets.items():
                if sha1 in hashes and (posix == filename or posix.endswith("/" + filename)):
                    return True
        return False

    def to_json(self) -> bytes:
        doc = {
            "version": BASELINE_VERSION,
            "tool": "jupyter-secrets",
            "salt": self.salt.hex(),
            "entries": sorted(
                self._entries.values(),
                key=lambda e: (e["path"] or "", e["cell_id"] or "", e["type"], e["hashed_secret"]),
            ),
        }
        return orjson.dumps(doc, option=orjson.OPT_INDENT_2) + b"\n"

    def save(self, path: str | os.PathLike[str]) -> None:
        target = Path(path)
        tmp = target.with_name(target.name + ".tmp")
        tmp.write_bytes(self.to_json())
        os.replace(tmp, target)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Baseline:
        try:
            data = orjson.loads(Path(path).read_bytes())
        except OSError as exc:
            raise ScanError(f"cannot read baseline {path}: {exc.strerror}") from None
        except orjson.JSONDecodeError:
            raise ScanError(f"baseline {path} is not valid JSON; fix it or delete it") from None
        return cls.from_dict(data, str(path))

    @classmethod
    def from_dict(cls, data: Any, name: str = "baseline") -> Baseline:
        if isinstance(data, dict) and data.get("tool") == "jupyter-secrets":
            return cls._ours(data, name)
        if isinstance(data, dict) and isinstance(data.get("results"), dict):
            return cls._detect_secrets_format(data)
        raise ScanError(
            f"{name} is neither a jupyter-secrets nor a detect-secrets baseline; "
            "create one with `jupyter-secrets scan PATH --baseline FILE --update-baseline`"
        )

    @classmethod
    def _ours(cls, data: dict[str, Any], name: str) -> Baseline:
        try:
            baseline = cls(bytes.fromhex(str(data["salt"])))
            for entry in data.get("entries", []):
                key = (
                    f"cell:{entry['cell_id']}" if entry.get("cell_id") else f"path:{entry['path']}",
                    str(entry["type"]),
                    str(entry["hashed_secret"]),
                )
                baseline._entries[key] = {
                    k: entry.get(k) for k in ("cell_id", "path", "type", "hashed_secret")
                }
        except (KeyError, TypeError, ValueError):
            raise ScanError(
                f"baseline {name} is malformed (salt or entries); regenerate it"
            ) from None
        return baseline

    @classmethod
    def _detect_secrets_format(cls, data: dict[str, Any]) -> Baseline:
        baseline = cls()
        for filename, entries in data["results"].items():
            if not isinstance(entries, list):
                continue
            hashes = {str(e.get("hashed_secret")) for e in entries if isinstance(e, dict)}
            baseline._detect_secrets[str(filename).replace("\\", "/").removeprefix("./")] = hashes
        return baseline
