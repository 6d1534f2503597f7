"""The real-notebook half of bench_scanner.py (``--wild DIR``): tools, runs and figures.

Builds the planted corpus (``tests.wild.corpus``: planted copies of real
notebooks per split, plus the clean originals) in a temp dir, runs our
scanner (API in-process; CLI on the clean notebooks), kingfisher and
detect-secrets on it, and returns the figures that ``_wild_report`` prints.
detect-secrets reads about 0.2-0.3 MB/s, so on the clean notebooks it scans a
seeded sample (``ds_sample``; 0 = all of them, about 15 minutes).

CPU seconds are user + sys: ``getrusage(RUSAGE_SELF)`` around an in-process
scan, ``RUSAGE_CHILDREN`` around a subprocess (which ``subprocess.run`` waits for).
"""

from __future__ import annotations

import contextlib
import random
import resource
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _peers import RawFinding, detect_secrets_runner, kingfisher_binary, kingfisher_runner, map_raw
from _util import our_cli_findings

from tests.corpus.score import Hit, Score
from tests.wild.corpus import SPLITS, WildCorpus, build
from tests.wild.manifest import Present
from tests.wild.scoring import ours_hits, score_split

OURS, CLI, KINGFISHER, DETECT_SECRETS = (
    "jupyter-secrets (API)", "jupyter-secrets (CLI)", "kingfisher", "detect-secrets",
)  # fmt: skip
REPEATS = 3  # clean-notebook runs under 5 s are repeated; the fastest counts


@dataclass
class Tool:
    name: str
    scan: Callable[[list[Path]], list[Any]]  # findings (ours) or raw findings (peers)
    hits: Callable[[list[Any], Path], list[Hit]]
    in_process: bool  # CPU from RUSAGE_SELF, else RUSAGE_CHILDREN
    dir_input: bool = False  # give it the directory instead of its files


@dataclass
class CleanRun:
    tool: str
    notebooks: int
    nbytes: int
    wall: float | None = None
    cpu: float | None = None
    results: list[Any] = field(default_factory=list)
    hits: list[Hit] = field(default_factory=list)
    error: str | None = None
    sampled: bool = False


@dataclass
class WildResults:
    present: Present
    corpus: WildCorpus
    build_seconds: float
    planted: dict[tuple[str, str], tuple[Score, int]] = field(default_factory=dict)  # (tool, split)
    planted_errors: dict[str, str] = field(default_factory=dict)
    ours_planted: list[Any] = field(default_factory=list)  # our findings on the planted copies
    clean: list[CleanRun] = field(default_factory=list)
    versions: dict[str, str] = field(default_factory=dict)


def _cpu(in_process: bool) -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF if in_process else resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def ours_tool() -> Tool:
    from jupyter_secrets.scanner import Scanner

    scanner = Scanner()  # built once, outside the timed runs (scan_file keeps no cache)

    def scan(paths: list[Path]) -> list[Any]:
        return [f for p in paths for f in scanner.scan_file(p)]

    return Tool(OURS, scan, ours_hits, in_process=True)


def cli_tool() -> Tool:
    def scan(paths: list[Path]) -> list[Any]:
        return our_cli_findings(paths)

    return Tool(CLI, scan, ours_hits, in_process=False, dir_input=True)


def peer_tools(log: Callable[[str], None]) -> list[Tool]:
    tools = []
    binary = kingfisher_binary()
    if binary is None:
        log("kingfisher is not installed (pip install kingfisher-bin); skipping it")
    else:
        tools.append(
            Tool(KINGFISHER, kingfisher_runner(binary), _mapped, in_process=False, dir_input=True)
        )
    ds = detect_secrets_runner()
    if ds is None:
        log("detect-secrets is not installed; skipping it")
    else:
        tools.append(Tool(DETECT_SECRETS, ds, _mapped, in_process=True))
    return tools


def _mapped(raw: list[RawFinding], root: Path) -> list[Hit]:
    return map_raw(raw, root)


def versions(binary: Path | None) -> dict[str, str]:
    out = {}
    if binary is not None:
        proc = subprocess.run(
            [str(binary), "--version"], capture_output=True, text=True, check=False
        )
        out[KINGFISHER] = proc.stdout.strip()
    from importlib.metadata import PackageNotFoundError, version

    with contextlib.suppress(PackageNotFoundError):
        out[DETECT_SECRETS] = f"detect-secrets {version('detect-secrets')}"
    return out


def run_wild(present: Present, tmp: Path, seed: int, tune: int, heldout: int, ds_sample: int,
             peers: bool, log: Callable[[str], None]) -> WildResults:  # fmt: skip
    start = time.perf_counter()
    corpus = build(present, tmp, seed=seed, tune=tune, heldout=heldout)
    results = WildResults(present, corpus, time.perf_counter() - start)
    tools = [ours_tool(), *(peer_tools(log) if peers else [])]
    results.versions = versions(kingfisher_binary() if peers else None)
    for tool in tools:
        log(
            f"{tool.name} on the planted copies ({len(corpus.planted(SPLITS[0]))} + {len(corpus.planted(SPLITS[1]))} notebooks)..."
        )
        try:
            hits = []
            for split in SPLITS:
                inputs = [tmp / split] if tool.dir_input else corpus.planted(split)
                found = tool.scan(inputs)
                if tool.name == OURS:
                    results.ours_planted += found
                hits += tool.hits(found, tmp)
            for split in SPLITS:
                results.planted[(tool.name, split)] = score_split(corpus, hits, split)
        except Exception as exc:  # a peer failing must not hide the others' figures
            results.planted_errors[tool.name] = str(exc)[:200]
            log(f"  failed: {exc}"[:240])
    clean_tools = [tools[0], cli_tool(), *tools[1:]]
    for tool in clean_tools:
        results.clean.append(_clean_run(tool, corpus, tmp, seed, ds_sample, log))
    return results


def _clean_run(tool: Tool, corpus: WildCorpus, root: Path, seed: int, ds_sample: int,
               log: Callable[[str], None]) -> CleanRun:  # fmt: skip
    paths = sorted(corpus.clean)
    sampled = tool.name == DETECT_SECRETS and 0 < ds_sample < len(paths)
    if sampled:
        paths = sorted(random.Random(f"{seed}/detect-secrets-sample").sample(paths, ds_sample))
    run = CleanRun(tool.name, len(paths), sum(p.stat().st_size for p in paths), sampled=sampled)
    log(
        f"{tool.name} on {'a sample of ' if sampled else ''}{len(paths)} clean notebooks ({run.nbytes / 1e6:.1f} MB)..."
    )
    inputs = [root / "clean"] if tool.dir_input and not sampled else paths
    try:
        tool.scan([min(paths, key=lambda p: p.stat().st_size)])  # warm-up: imports, rule caches
        for _ in range(REPEATS):
            cpu0, wall0 = _cpu(tool.in_process), time.perf_counter()
            found = tool.scan(inputs)
            wall, cpu = time.perf_counter() - wall0, _cpu(tool.in_process) - cpu0
            if run.wall is None or wall < run.wall:
                run.wall, run.cpu, run.results = wall, cpu, found
            if wall > 5:
                break
        run.hits = tool.hits(run.results, root / "clean")
    except Exception as exc:
        run.error = str(exc)[:200]
        log(f"  failed: {exc}"[:240])
    return run
