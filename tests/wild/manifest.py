"""The real-notebook set: which files, at which commits, and their fixed tune / held-out split.

The notebooks themselves are never committed (other projects' code, 281 MB):
``tests/wild/manifest.json.gz`` lists, per notebook, its repository, the
commit it was taken at, its path in that repository, its size and SHA-256.
``benchmarks/wild_fetch.py`` recreates the directory from GitHub; its layout
is ``DIR/<owner>+<name>/<path in the repository>`` (plus ``DIR/COMMITS``).

Split: a notebook is **held-out** when the first 8 hex digits of
``sha256("<owner>/<name>/<path>")``, read as an integer, modulo 100, are below
``HELDOUT_PERCENT`` (30); every other notebook is **tune**. The split depends
on the name only, so it never changes when a file's content or the set of
notebooks changes. Engineers tune detectors on the tune split only.

    python -m tests.wild.manifest build /work/wild   # rewrite the manifest from a directory
    python -m tests.wild.manifest check /work/wild   # which listed notebooks are present
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MANIFEST = Path(__file__).resolve().parent / "manifest.json.gz"
DEFAULT_DIR = Path("/work/wild")
HELDOUT_PERCENT = 30
TUNE, HELDOUT = "tune", "heldout"
VERSION = 1


def split_of(repo: str, path: str) -> str:
    """``tune`` or ``heldout`` for ``repo`` ("owner/name") and ``path`` inside it."""
    digest = hashlib.sha256(f"{repo}/{path}".encode()).hexdigest()
    return HELDOUT if int(digest[:8], 16) % 100 < HELDOUT_PERCENT else TUNE


def dir_name(repo: str) -> str:
    """The directory of a repository under the notebooks directory: owner+name."""
    return repo.replace("/", "+", 1)


@dataclass(frozen=True)
class Notebook:
    repo: str  # "owner/name"
    commit: str
    path: str  # inside the repository, POSIX
    size: int
    sha256: str

    @property
    def key(self) -> str:
        """``owner/name/path``: the split's key and the triage file's file name."""
        return f"{self.repo}/{self.path}"

    @property
    def rel(self) -> str:
        """Where it lives under a notebooks directory: ``owner+name/path``."""
        return f"{dir_name(self.repo)}/{self.path}"

    @property
    def split(self) -> str:
        return split_of(self.repo, self.path)


@dataclass
class Present:
    """The manifest's notebooks found in a directory with the listed content."""

    root: Path
    notebooks: list[Notebook] = field(default_factory=list)
    missing: list[Notebook] = field(default_factory=list)
    changed: list[Notebook] = field(default_factory=list)  # present, other content

    def path(self, nb: Notebook) -> Path:
        return self.root / nb.rel

    def split(self, name: str) -> list[Notebook]:
        return [nb for nb in self.notebooks if nb.split == name]

    def summary(self) -> str:
        total = len(self.notebooks) + len(self.missing) + len(self.changed)
        size = sum(nb.size for nb in self.notebooks) / 1e6
        return (
            f"{len(self.notebooks)} of {total} notebooks present ({size:.1f} MB; "
            f"{len(self.split(TUNE))} tune, {len(self.split(HELDOUT))} held-out), "
            f"{len(self.missing)} missing, {len(self.changed)} with other content"
        )


def read_manifest(path: Path = MANIFEST) -> list[Notebook]:
    data = json.loads(gzip.decompress(path.read_bytes()))
    commits = {repo: info["commit"] for repo, info in data["repos"].items()}
    return [
        Notebook(repo, commits[repo], nb_path, size, sha)
        for repo, nb_path, size, sha, _split in data["notebooks"]
    ]


def listed_splits(path: Path = MANIFEST) -> dict[str, str]:
    """owner/name/path -> the split written in the manifest (tests compare it to split_of)."""
    data = json.loads(gzip.decompress(path.read_bytes()))
    return {f"{repo}/{nb_path}": split for repo, nb_path, _s, _h, split in data["notebooks"]}


def repos(path: Path = MANIFEST) -> dict[str, dict[str, str]]:
    """owner/name -> {"commit", "url"}."""
    data: dict[str, Any] = json.loads(gzip.decompress(path.read_bytes()))
    return dict(data["repos"])


def load(root: Path, manifest: Path = MANIFEST) -> Present:
    """The listed notebooks present under ``root`` whose SHA-256 matches the manifest."""
    present = Present(root)
    for nb in read_manifest(manifest):
        file = root / nb.rel
        if not file.is_file():
            present.missing.append(nb)
        elif file.stat().st_size != nb.size or _sha256(file) != nb.sha256:
            present.changed.append(nb)
        else:
            present.notebooks.append(nb)
    return present


def _sha256(file: Path) -> str:
    return hashlib.sha256(file.read_bytes()).hexdigest()


def build(root: Path, out: Path = MANIFEST) -> int:
    """Write the manifest from ``root`` (with ``root/COMMITS``: "owner+name commit" lines)."""
    commits = dict(
        line.split() for line in (root / "COMMITS").read_text().splitlines() if line.strip()
    )
    repo_info: dict[str, dict[str, str]] = {}
    rows = []
    for name in sorted(commits):
        repo = name.replace("+", "/", 1)
        repo_info[repo] = {"commit": commits[name], "url": f"https://github.com/{repo}"}
        for file in sorted((root / name).rglob("*.ipynb")):
            if file.is_file():
                path = file.relative_to(root / name).as_posix()
                rows.append([repo, path, file.stat().st_size, _sha256(file), split_of(repo, path)])
    data = {
        "version": VERSION,
        "about": __doc__.split("\n\n")[0],
        "split": f"int(sha256('owner/name/path')[:8], 16) % 100 < {HELDOUT_PERCENT}: heldout",
        "columns": ["repo", "path", "size", "sha256", "split"],
        "repos": repo_info,
        "notebooks": rows,
    }
    # One notebook per line: readable once gunzipped; mtime 0 keeps the bytes reproducible.
    text = json.dumps({k: v for k, v in data.items() if k != "notebooks"}, indent=1)[:-2]
    text += ',\n "notebooks": [\n' + ",\n".join(json.dumps(r) for r in rows) + "\n ]\n}\n"
    out.write_bytes(gzip.compress(text.encode(), mtime=0))
    return len(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.wild.manifest")
    parser.add_argument("command", choices=["build", "check"])
    parser.add_argument("root", type=Path, nargs="?", default=DEFAULT_DIR)
    args = parser.parse_args(argv)
    if args.command == "build":
        print(f"{build(args.root)} notebooks -> {MANIFEST}")
        return 0
    present = load(args.root)
    print(present.summary())
    for nb in present.missing[:20] + present.changed[:20]:
        print(f"  not usable: {nb.rel}")
    return 0 if not present.missing and not present.changed else 1


if __name__ == "__main__":
    sys.exit(main())
