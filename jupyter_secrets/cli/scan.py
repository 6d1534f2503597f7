"""``scan`` and ``strip``: find secrets in notebooks and files, and redact them.

Exit codes: 0 clean; 1 findings (scan) or files changed / would change
(strip), also when some other files could not be scanned (their errors are in
the report); 2 usage errors, or files that could not be scanned and no
findings. Findings win: a CI job must never read a leak as "tool error".
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..scanner.files import is_scanned_name

SKIP_DIRS = frozenset(
    {".git", ".hg", ".svn", "node_modules", "__pycache__", ".mypy_cache", ".ruff_cache", ".tox"}
)
EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def register(sub: Any) -> None:
    p = sub.add_parser("scan", help="find secrets in notebooks and text files (exit 1 on findings)")
    p.add_argument("paths", nargs="+", metavar="PATH", help="files or directories (recursed)")
    p.add_argument("--format", choices=("text", "json", "sarif"), default="text")
    _common(p)
    p.add_argument(
        "--update-baseline",
        action="store_true",
        help="write every current finding into --baseline FILE (created if missing) and exit 0",
    )
    p.add_argument("--output", "-o", metavar="FILE", help="write the report here instead of stdout")
    p.add_argument(
        "--jobs",
        "-j",
        type=int,
        default=None,
        metavar="N",
        help="scan files on N processes (default: one per CPU; 1 scans in this process)",
    )
    p.add_argument(
        "--min-confidence",
        choices=("possible", "likely", "verified"),
        default="possible",
        help="report (and exit 1 on) findings of this confidence or stronger: possible (all, "
        "the default), likely (vendor shapes, strong values), verified (proven by a checksum "
        "or the structure)",
    )
    p.set_defaults(handler=cmd_scan)

    p = sub.add_parser("strip", help="redact found secrets in place (exit 1 when files change)")
    p.add_argument("paths", nargs="+", metavar="PATH", help="files or directories (recursed)")
    p.add_argument("--dry-run", action="store_true", help="report what would change; write nothing")
    _common(p)
    p.set_defaults(handler=cmd_strip)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--baseline",
        metavar="FILE",
        help="accepted findings (ours or detect-secrets'); its salt also keys the reports' "
        "hashed_secret, which otherwise changes on every run (a per-process key, so printed "
        "hashes cannot be tested against guesses offline) unless $JUPYTER_SECRETS_HASH_KEY is set",
    )
    p.add_argument(
        "--known-values-from",
        metavar="FILE|env:VAR",
        action="append",
        default=[],
        help="secret values to find, one per line, from a file or an environment variable",
    )
    p.add_argument(
        "--detectors", metavar="NAMES", help="comma-separated detector names (default: all)"
    )
    p.add_argument(
        "--max-bytes",
        type=int,
        default=None,
        metavar="N",
        help="skip-with-error files over N bytes",
    )


def iter_files(paths: list[str]) -> Iterator[str]:
    for raw in paths:
        if os.path.isdir(raw):
            for root, dirs, files in os.walk(raw):
                dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
                for name in sorted(files):
                    if is_scanned_name(name):
                        yield os.path.join(root, name)
        else:
            yield raw  # explicit files are scanned whatever their extension


def build_scanner(args: argparse.Namespace) -> Any:
    from ..scanner import Baseline, KnownValues, Scanner, dbcache
    from ..scanner.detectors.detect_secrets_adapter import defer_requests

    # The command line starts often (a hook per commit): keep its compiled pattern
    # databases. Servers never do (see .dbcache).
    dbcache.enable(dbcache.default_directory())
    defer_requests()

    baseline = None
    if args.baseline:
        if getattr(args, "update_baseline", False) and not os.path.exists(args.baseline):
            baseline = Baseline()
        else:
            baseline = Baseline.load(args.baseline)
    known = None
    if args.known_values_from:
        known = KnownValues()
        for source in args.known_values_from:
            for value in read_known_values(source):
                known.add(value)
    detectors = (
        [d.strip() for d in args.detectors.split(",") if d.strip()] if args.detectors else None
    )
    if args.max_bytes is not None and args.max_bytes <= 0:
        raise ConfigError("--max-bytes must be a positive number of bytes")
    if detectors is None:
        warn_detector_failures()
    return Scanner(
        known=known,
        baseline=None if getattr(args, "update_baseline", False) else baseline,
        detectors=detectors,
        max_bytes=args.max_bytes,
        hash_key=baseline.salt if baseline is not None else None,
    ), baseline


def warn_detector_failures() -> None:
    """One line on stderr per detector plugin that failed to load (scans go on without)."""
    from ..scanner.registry import detector_failures

    for failure in detector_failures().values():
        print(
            f"jupyter-secrets: warning: {failure.describe('detector')}; scanning without it "
            "(reinstall the package that provides it)",
            file=sys.stderr,
        )


def read_known_values(source: str) -> list[str]:
    if source.startswith("env:"):
        name = source[4:]
        if name not in os.environ:
            raise ConfigError(
                f"--known-values-from {source}: environment variable {name} is not set"
            )
        text = os.environ[name]
    else:
        try:
            text = Path(source).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8"
            raise ConfigError(f"--known-values-from {source}: cannot read ({reason})") from None
    return [line for line in text.splitlines() if line.strip()]


def cmd_scan(args: argparse.Namespace) -> int:
    from ..scanner import formats
    from ..scanner.batch import scan_files
    from ..scanner.confidence import at_least

    scanner, baseline = build_scanner(args)
    if args.update_baseline and baseline is None:
        raise ConfigError("--update-baseline needs --baseline FILE")
    if args.jobs is not None and args.jobs < 1:
        raise ConfigError("--jobs must be 1 or more")
    # A baseline update needs the findings' spans (detect-secrets' hashes): one process.
    jobs = 1 if args.update_baseline else args.jobs
    result = scan_files(
        scanner, iter_files(args.paths), jobs=jobs, positions=args.format == "sarif"
    )
    findings, errors = result.findings, result.errors
    findings = [f for f in findings if at_least(f.confidence, args.min_confidence)]
    for error in errors:
        print(f"jupyter-secrets: error: {error.message}", file=sys.stderr)
    if args.update_baseline:
        baseline.add_all(findings)
        baseline.save(args.baseline)
        print(
            f"jupyter-secrets: baseline {args.baseline}: {len(baseline)} accepted findings",
            file=sys.stderr,
        )
        return EXIT_ERROR if errors else EXIT_CLEAN
    if args.format == "json":
        out = formats.to_json(findings, errors) + "\n"
    elif args.format == "sarif":
        out = (
            formats.to_sarif(findings, _version(), positions=result.raw_positions, errors=errors)
            + "\n"
        )
    else:
        out = formats.to_text(findings)
    if args.output:
        Path(args.output).write_text(out, encoding="utf-8")
    else:
        sys.stdout.write(out)
    if args.format == "text":
        print(
            f"jupyter-secrets: {len(findings)} finding(s), {len(errors)} unreadable file(s)",
            file=sys.stderr,
        )
    return exit_code(bool(findings), bool(errors))


def exit_code(found: bool, failed: bool) -> int:
    """1 whenever something was found; 2 only for errors without findings."""
    if found:
        return EXIT_FINDINGS
    return EXIT_ERROR if failed else EXIT_CLEAN


def cmd_strip(args: argparse.Namespace) -> int:
    from ..scanner import ScanError
    from ..scanner.strip import strip_file

    scanner, _ = build_scanner(args)
    changed = errors = 0
    for path in iter_files(args.paths):
        try:
            findings = scanner.scan_file(path)
            if not findings:
                continue
            strip_file(path, findings, dry_run=args.dry_run)
        except ScanError as exc:
            errors += 1
            print(f"jupyter-secrets: error: {exc}", file=sys.stderr)
            continue
        changed += 1
        verb = "would redact" if args.dry_run else "redacted"
        print(f"{path}: {verb} {len(findings)} secret(s)")
        for finding in findings:
            print(f"  {finding.type} {finding.preview} ({finding.place})")
    return exit_code(bool(changed), bool(errors))


def _version() -> str:
    try:
        from .._version import __version__

        return str(__version__)
    except ImportError:
        return "0"
