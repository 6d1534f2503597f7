"""Recreate the real-notebook directory of tests/wild/manifest.json.gz from GitHub.

    python benchmarks/wild_fetch.py /work/wild [--cache DIR]

For each repository of the manifest: a blobless, sparse clone (only
``*.ipynb``) checked out at the manifest's commit, then every listed notebook
copied to ``DIR/<owner>+<name>/<path>`` and its SHA-256 checked; ``DIR/COMMITS``
lists the commits. Needs git >= 2.27 and access to github.com; not run in CI.
The notebooks belong to their repositories' owners: keep them out of this
repository (the benchmark reads them from DIR).
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from _util import ensure_repo_on_path

ensure_repo_on_path()

from tests.wild.manifest import dir_name, read_manifest, repos  # noqa: E402


def git(*args: str, cwd: Path | None = None) -> None:
    # No line-ending conversion: the manifest's hashes are of the committed bytes.
    subprocess.run(["git", "-c", "core.autocrlf=false", *args], cwd=cwd, check=True)


def checkout(url: str, commit: str, dest: Path) -> None:
    """A sparse (notebooks only), blobless checkout of ``commit``."""
    if not (dest / ".git").exists():
        git("clone", "--quiet", "--filter=blob:none", "--no-checkout", url, str(dest))
    git("sparse-checkout", "set", "--no-cone", "*.ipynb", cwd=dest)
    try:
        git("checkout", "--quiet", commit, cwd=dest)
    except subprocess.CalledProcessError:  # a commit no branch reaches any more
        git("fetch", "--quiet", "--filter=blob:none", "origin", commit, cwd=dest)
        git("checkout", "--quiet", commit, cwd=dest)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument(
        "--cache", type=Path, help="keep the clones here (default: a temp dir, removed)"
    )
    args = parser.parse_args(argv)
    notebooks = read_manifest()
    cache = args.cache or Path(tempfile.mkdtemp(prefix="wild-clones-"))
    cache.mkdir(parents=True, exist_ok=True)
    bad = 0
    try:
        for repo, info in repos().items():
            clone = cache / dir_name(repo)
            print(f"{repo} @ {info['commit'][:12]}", flush=True)
            checkout(info["url"] + ".git", info["commit"], clone)
            for nb in (n for n in notebooks if n.repo == repo):
                src, dest = clone / nb.path, args.out / nb.rel
                if not src.is_file():
                    print(f"  missing at that commit: {nb.path}")
                    bad += 1
                    continue
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(src, dest)
                if hashlib.sha256(dest.read_bytes()).hexdigest() != nb.sha256:
                    print(f"  other content than listed (Git LFS or line endings?): {nb.path}")
                    bad += 1
        commits = "".join(f"{dir_name(r)} {i['commit']}\n" for r, i in sorted(repos().items()))
        (args.out / "COMMITS").write_text(commits, encoding="utf-8")
    finally:
        if args.cache is None:
            shutil.rmtree(cache, ignore_errors=True)
    print(f"{len(notebooks) - bad} of {len(notebooks)} notebooks in {args.out}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
