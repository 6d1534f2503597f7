"""``jupyter-secrets audit report`` over a million audit events, against a plain JSON parse.

Generates realistic events (200 users, 400 refs across dev/stg/prod, reads mostly
allowed, some denied, not found or failed, writes, rotations, refused saves, kernel
ids and notebook paths; a few malformed lines) into a temporary JSON-lines file in
the format ``AuditLog.record`` writes, and an inventory of those refs plus unused
ones. Then times, end to end as subprocesses (interpreter start-up included):

- ``audit report --format json`` and ``--format html`` over the file;
- the peers in the same run: ``wc -l`` (reading the bytes, the floor) and
  ``python -c`` that only ``json.loads`` every line (what a hand-written script
  would do before aggregating anything).

Prints events/s, the ratio to the ``json.loads`` peer, and each command's peak RSS
(measured by GNU time where it is installed; it must not grow with the log: events
are folded as they are read). The report's
counts are checked against what was generated.

    python benchmarks/bench_audit_report.py [--events N] [--runs N] [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import orjson
from _util import REPO_ROOT, section, table

SCOPES = (("dev", 0.6), ("stg", 0.25), ("prod", 0.15))
SERVICES = ("warehouse", "crm", "billing", "search", "ml", "etl", "auth", "cache", "queue", "s3")
NAMES = ("password", "api-key", "token", "dsn", "client-secret")
GARBAGE = (
    b"not json at all",
    b"[1, 2, 3]",
    b'{"time": "yesterday", "action": "read"}',
    b'{"time":"2026-11-01T10:00:00.000+00:00","us',
)
#: The peer: parse every line, skip the malformed ones, aggregate nothing.
PEER = (
    "import json, sys\n"
    "for line in open(sys.argv[1], 'rb'):\n"
    "    try:\n        json.loads(line)\n"
    "    except ValueError:\n        pass\n"
)


def generate(path: Path, events: int, now: datetime, seed: int = 20261101) -> dict[str, int]:
    """Write ``events`` events over the 60 days before ``now``, plus a few malformed lines;
    return what the report must count (all within its 90-day period)."""
    rng = random.Random(seed)
    refs = [
        f"{scope}/{rng.choice(SERVICES)}-{i}/{rng.choice(NAMES)}"
        for i, scope in enumerate(
            rng.choices([s for s, _ in SCOPES], [w for _, w in SCOPES], k=400)
        )
    ]
    users = [f"user{i:03d}" for i in range(200)]
    # A few users read most: realistic skew (scheduled jobs, the data team).
    user_weights = [1.0 / (1 + i) ** 0.8 for i in range(len(users))]
    ref_weights = [1.0 / (1 + i) ** 0.9 for i in range(len(refs))]
    start = now - timedelta(days=60)
    span_ms = 60 * 86400 * 1000
    times = sorted(rng.randrange(span_ms) for _ in range(events))
    picked_users = rng.choices(users, user_weights, k=events)
    picked_refs = rng.choices(refs, ref_weights, k=events)
    kinds = rng.choices(
        ["allowed", "denied", "not_found", "error", "write", "rotate", "save"],
        [0.88, 0.03, 0.02, 0.005, 0.04, 0.02, 0.005],
        k=events,
    )
    kernels = [f"{rng.getrandbits(128):032x}" for _ in range(500)]
    counts = {"events": 0, "allowed": 0, "denied": 0, "save": 0, "skipped": 0}
    garbage_every = max(1, events // 10)
    with path.open("wb") as out:
        buffer: list[bytes] = []
        for i in range(events):
            when = start + timedelta(milliseconds=times[i])
            kind = kinds[i]
            event = _event(rng, kind, when, picked_users[i], picked_refs[i], kernels)
            if kind in counts:
                counts[kind] += 1
            buffer.append(orjson.dumps(event) + b"\n")
            counts["events"] += 1
            if i % garbage_every == garbage_every // 2:
                buffer.append(GARBAGE[(i // garbage_every) % len(GARBAGE)] + b"\n")
                counts["skipped"] += 1
            if len(buffer) >= 10_000:
                out.write(b"".join(buffer))
                buffer.clear()
        out.write(b"".join(buffer))
    inventory = path.with_name("secrets.yaml")
    lines = []
    for i, ref in enumerate([*sorted(set(refs)), "prod/retired/api-key", "stg/old/token"]):
        lines += [f"- ref: {ref}", f"  owner: team{i % 7}", f"  env: {ref.split('/')[0]}"]
        lines.append(f"  rotation_days: {rng.choice([30, 90, 180])}")
    inventory.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return counts


def _event(
    rng: random.Random, kind: str, when: datetime, user: str, ref: str, kernels: list[str]
) -> dict[str, object]:
    event: dict[str, object] = {
        "time": when.isoformat(timespec="milliseconds"),
        "user": user,
        "action": "read",
        "ref": ref,
        "backend": "aws" if ref.startswith("prod/") else "file",
        "version": None,
        "outcome": kind,
        "reason": None,
        "kernel_id": rng.choice(kernels),
        "notebook": f"projects/p{rng.randrange(80)}/analysis.ipynb",
        "source": "kernel",
        "step": None,
        "approver": None,
    }
    if kind == "allowed":
        event["version"] = str(rng.randrange(1, 9))
    elif kind == "denied":
        event.update(
            reason=f"scope '{ref.split('/', maxsplit=1)[0]}' is not allowed here", backend=None
        )
    elif kind == "not_found":
        event["reason"] = "SecretNotFoundError"
    elif kind == "error":
        event["reason"] = "BackendUnavailableError"
    elif kind == "write":
        event.update(action="write", outcome="stored", source="cli", kernel_id=None)
    elif kind == "rotate":
        step = rng.choice(["approved", "applied", "validated", "promoted"])
        event.update(action="rotate", outcome=step, step=step, source="cli")
    else:
        event.update(
            action="save-blocked",
            outcome="denied",
            ref=None,
            backend=None,
            reason="aws-access-key",
            source="save-gate",
            kernel_id=None,
        )
    return event


#: GNU time measures a child's own peak RSS; a child's rusage from os.wait4 would include
#: the pages it inherited from this process at fork (Linux keeps them in ru_maxrss).
GNU_TIME = "/usr/bin/time"


def run(cmd: list[str]) -> tuple[float, float | None, bytes]:
    """Seconds, peak RSS in MB (None without GNU time) and stdout of ``cmd``."""
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    with tempfile.TemporaryDirectory() as tmp:
        rss_file = Path(tmp) / "rss"
        measured = [GNU_TIME, "-f", "%M", "-o", str(rss_file), *cmd]
        use_time = Path(GNU_TIME).exists()
        start = time.perf_counter()
        proc = subprocess.run(
            measured if use_time else cmd, capture_output=True, env=env, check=False
        )
        elapsed = time.perf_counter() - start
        if proc.returncode != 0:
            raise SystemExit(f"{cmd[:4]} exited {proc.returncode}: {proc.stderr.decode()[-300:]}")
        peak = int(rss_file.read_text().split()[-1]) / 1024 if use_time else None
        return elapsed, peak, proc.stdout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3, help="runs per command (median)")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 20,000 events, 1 run")
    args = parser.parse_args()
    if args.quick:
        args.events, args.runs = 20_000, 1
    now = datetime.now(timezone.utc)
    with tempfile.TemporaryDirectory(prefix="bench-audit-") as tmp:
        log = Path(tmp) / "audit.log"
        started = time.perf_counter()
        expected = generate(log, args.events, now)
        generated_in = time.perf_counter() - started
        size_mb = log.stat().st_size / 1e6
        inventory = log.with_name("secrets.yaml")
        ours = [
            sys.executable,
            "-m",
            "jupyter_secrets",
            "audit",
            "report",
            "--log",
            str(log),
            "--since",
            "90d",
            "--inventory",
            str(inventory),
        ]
        commands = {
            "wc -l (read the bytes)": ["wc", "-l", str(log)],
            "python -c json.loads per line": [sys.executable, "-c", PEER, str(log)],
            "audit report --format json": [*ours, "--format", "json"],
            "audit report --format html": [*ours, "--format", "html"],
        }
        times: dict[str, list[float]] = {name: [] for name in commands}
        rss: dict[str, float | None] = {}
        outputs: dict[str, bytes] = {}
        for _ in range(args.runs):
            for name, cmd in commands.items():  # interleaved: noise hits every command alike
                seconds, peak, output = run(cmd)
                times[name].append(seconds)
                rss[name] = None if peak is None else max(rss.get(name) or 0.0, peak)
                outputs[name] = output
    report = json.loads(outputs["audit report --format json"])
    totals = report["totals"]
    got = {
        "allowed": totals["reads_allowed"],
        "denied": totals["denied"],
        "save": totals["save_refusals"],
        "skipped": totals["skipped_lines"],
        "events": totals["events"],
    }
    wrong = {k: (v, expected[k]) for k, v in got.items() if v != expected[k]}
    if wrong:
        raise SystemExit(f"the report's counts differ from the generated events: {wrong}")
    html = outputs["audit report --format html"]
    if html.count(b"<svg") < 2 or b"http://" in html or b"https://" in html:
        raise SystemExit("the HTML report lacks its charts or links outside")
    peer = statistics.median(times["python -c json.loads per line"])
    rows = []
    for name, samples in times.items():
        median = statistics.median(samples)
        rows.append(
            [
                name,
                f"{median:.2f}",
                f"{args.events / median / 1e6:.2f}",
                f"{median / peer:.2f}x",
                "-" if rss[name] is None else f"{rss[name]:.0f}",
            ]
        )
    title = (
        f"audit report over {args.events:,} events ({size_mb:.0f} MB, generated in "
        f"{generated_in:.1f} s), median of {args.runs} run(s), subprocesses incl. start-up"
    )
    with section(title):
        print(
            table(["command", "seconds", "M events/s", "vs json.loads peer", "peak RSS MB"], rows)
        )
        print(
            f"\ncounts checked: {got['events']:,} events, {got['allowed']:,} allowed reads, "
            f"{got['denied']:,} denied, {got['save']:,} save refusals, "
            f"{got['skipped']} malformed lines skipped; HTML {len(html) / 1e3:.0f} KB"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
