"""The JupyterHub audit service under load: 20 concurrent senders, 200 events/s, none lost.

Starts a real JupyterHub (tests/hub/hub_process.py: the proxy, DummyAuthenticator and the
audit service ``python -m jupyter_secrets.hub_service`` run by the hub as a managed
service), once with the service's events in SQLite and once in a private PostgreSQL
cluster (tests/support/postgres.py). Hub users each get a real API token; each sender
is a process of its own that records events the way a kernel does: ``AuditLog.record``
with the ``HubAuditSink`` (one HTTP POST per event, with the user's token; the service
asks the hub who that is), and ``audit_fail_closed_prefixes`` so a send that fails
raises instead of being only logged.

Two phases per engine:

- paced: the senders together aim at ``--rate`` events/s for ``--seconds`` (each on its
  own schedule, staggered; one that falls behind sends at once);
- flat out: every sender sends as fast as it can for ``--flat-seconds``: the ceiling.

Then every event is counted back through the admin's API (``GET /api/events``, paged):
each must be there exactly once, attributed by the hub to the sender's user. Prints
events sent, counted back, lost, duplicated, misattributed, the achieved rate and its
ratio to the target, p50/p95 send latency, and PostgreSQL's figures against SQLite's.
Exits 1 if an event is lost, duplicated or misattributed, or a send failed.

Real kernels are not used: 20 of them and their servers would take the two cores this
runs on for their own start-up; the senders run the kernels' code path instead.

    python benchmarks/bench_hub_audit.py [--senders 20] [--rate 200] [--seconds 12]
                                         [--flat-seconds 8] [--engines sqlite,postgresql]
    python benchmarks/bench_hub_audit.py --quick   # a smoke run: 4 senders, a few events
"""

from __future__ import annotations

import argparse
import multiprocessing
import multiprocessing.synchronize
import os
import secrets
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import requests
from _util import ensure_repo_on_path, num, section, table

ensure_repo_on_path()

from jupyter_secrets.audit import AuditLog, HubAuditSink  # noqa: E402
from jupyter_secrets.errors import BackendUnavailableError  # noqa: E402
from tests.hub.hub_process import Hub, login_token, start_hub  # noqa: E402
from tests.netutil import free_port  # noqa: E402
from tests.support.postgres import (  # noqa: E402
    INSTALL_HINT,
    Postgres,
    PostgresUnavailable,
    running_postgres,
)
from tests.support.strict import STRICT, STRICT_VARIABLE  # noqa: E402

REF = "bench/hub/token"  # under the fail-closed prefix: a failed send raises
PAGE = 10_000  # the service's largest page


@dataclass(frozen=True)
class Sender:
    number: int
    user: str
    token: str = field(repr=False)
    marker: str  # the kernel_id of its events: which sender and phase

    @property
    def label(self) -> str:
        return f"sender {self.number}"


@dataclass
class Phase:
    """One phase's result, as sent and as counted back."""

    engine: str
    name: str
    target: float | None  # events/s, None when flat out
    sent: int = 0
    failed: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    sent_by: dict[str, int] = field(default_factory=dict)  # sender's marker -> events sent
    counted: int = 0
    lost: int = 0
    duplicated: int = 0
    misattributed: int = 0
    stray: int = 0  # counted back with a sender's marker, but never sent

    @property
    def rate(self) -> float:
        return (self.sent - self.failed) / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float | None:
        if not self.latencies:
            return None
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]

    @property
    def clean(self) -> bool:
        return not (self.lost or self.duplicated or self.misattributed or self.stray or self.failed)


def send_events(
    sender: Sender,
    url: str,
    log_dir: str,
    count: int | None,
    interval: float,
    offset: float,
    ready: multiprocessing.synchronize.Barrier,
    go: multiprocessing.synchronize.Event,
    start: Any,
    until: float,
    out: Connection,
) -> None:
    """One sender (a process): record events as a kernel does, ``count`` of them one every
    ``interval`` seconds from ``offset`` after the shared start, or (``count`` None) as
    fast as it can until ``until`` seconds after it. Sends back (sent, failed, latencies,
    the monotonic time it finished)."""
    audit = AuditLog(
        Path(log_dir) / f"{sender.marker}.log",
        sinks=(HubAuditSink(url, sender.token, timeout=30),),
        fail_closed_prefixes=("bench/",),
    )
    ready.wait()
    go.wait()
    t0 = start.value + offset
    sent = failed = 0
    latencies: list[float] = []
    while count is None or sent < count:
        if count is None:
            if time.monotonic() >= t0 + until:
                break
        else:
            due = t0 + sent * interval
            wait = due - time.monotonic()
            if wait > 0:
                time.sleep(wait)
        began = time.perf_counter()
        try:
            audit.record(
                user=sender.user, action="read", ref=REF, backend="env", version=sent,
                outcome="allowed", kernel_id=sender.marker, notebook="bench.ipynb",
                source="kernel",
            )  # fmt: skip
        except BackendUnavailableError:
            failed += 1
        latencies.append(time.perf_counter() - began)
        sent += 1
    out.send((sent, failed, latencies, time.monotonic()))
    out.close()


def run_phase(hub: Hub, senders: list[Sender], log_dir: Path, phase: Phase, seconds: float) -> None:
    """Start one process per sender, release them together, gather what each sent."""
    context = multiprocessing.get_context("fork")
    ready, go = context.Barrier(len(senders) + 1), context.Event()
    start = context.Value("d", 0.0)
    per_sender = None if phase.target is None else phase.target / len(senders)
    count = None if per_sender is None else max(1, round(per_sender * seconds))
    interval = 0.0 if per_sender is None else 1.0 / per_sender
    # Each sender's schedule starts a little after the one before: a steady stream of
    # events, not all of them at once every interval.
    stagger = interval / len(senders)
    pipes, processes = [], []
    for sender in senders:
        receive, send = context.Pipe(duplex=False)
        process = context.Process(
            target=send_events,
            args=(sender, hub.audit_url, str(log_dir), count, interval,
                  sender.number * stagger, ready, go, start, seconds, send),
            name=sender.label,
        )  # fmt: skip
        process.start()
        send.close()
        pipes.append(receive)
        processes.append(process)
    ready.wait(timeout=120)  # every sender has started and made its sink
    start.value = t0 = time.monotonic() + 0.1
    go.set()
    finished = []
    for sender, pipe, process in zip(senders, pipes, processes, strict=True):
        if not pipe.poll(seconds + 300):
            raise SystemExit(f"{sender.label} sent no result")
        sent, failed, latencies, done = pipe.recv()
        process.join(timeout=30)
        phase.sent += sent
        phase.sent_by[sender.marker] = sent
        phase.failed += failed
        phase.latencies.extend(latencies)
        finished.append(done)
    phase.seconds = max(finished) - t0


def count_back(hub: Hub, senders: list[Sender], phase: Phase) -> None:
    """Read every event through the admin's API; check each sender's, once each, as its user."""
    owner = {s.marker: s.user for s in senders}
    seen: Counter[tuple[str, int]] = Counter()
    after = 0
    while True:
        reply = _get_page(hub, after)
        if not reply:
            break
        for event in reply:
            marker = event.get("kernel_id")
            if marker not in owner:
                continue
            seen[(marker, int(event["version"]))] += 1
            if event["user"] != owner[marker] or event.get("claimed_user") is not None:
                phase.misattributed += 1
        after = reply[-1]["id"]
    expected = {(marker, n) for marker, sent in phase.sent_by.items() for n in range(sent)}
    phase.counted = sum(seen.values())
    phase.lost = len(expected - seen.keys())
    phase.stray = len(seen.keys() - expected)
    phase.duplicated = sum(n - 1 for n in seen.values())


def _get_page(hub: Hub, after: int) -> list[dict[str, Any]]:
    """One page of everyone's events after id ``after``, straight from the service."""
    reply = requests.get(
        hub.audit_url,
        headers={"Authorization": f"token {hub.admin_token}"},
        params={"limit": PAGE, "after": after},
        timeout=120,
    )
    if reply.status_code != 200:
        raise SystemExit(f"counting back: HTTP {reply.status_code}")
    events: list[dict[str, Any]] = reply.json()["events"]
    return events


@contextmanager
def hub_for(engine: str, base: Path, postgres: Postgres | None, users: list[str]) -> Iterator[Hub]:
    if engine == "sqlite":
        db = f"sqlite:///{base / 'audit-service.sqlite'}"
    elif postgres is not None:
        db = postgres.database("bench_audit")  # a fresh one: its URL holds a password
    else:
        raise SystemExit("PostgreSQL is not running")
    hub = start_hub(base, {}, secrets.token_urlsafe(12), free_port(), audit_db=db)
    try:
        created = hub.admin("POST", "users", {"usernames": users})
        if created.status_code != 201:
            raise SystemExit(f"creating users: HTTP {created.status_code}")
        for name in users:
            hub.tokens[name] = login_token(hub, name)
        yield hub
    finally:
        hub.stop()


def bench_engine(engine: str, postgres: Postgres | None, args: argparse.Namespace) -> list[Phase]:
    users = [f"user{i}" for i in range(args.users)]
    phases = [
        (Phase(engine, "paced", float(args.rate)), args.seconds),
        (Phase(engine, "flat out", None), args.flat_seconds),
    ]
    with tempfile.TemporaryDirectory(prefix=f"bench-hub-{engine}-") as tmp:
        base = Path(tmp)
        with hub_for(engine, base, postgres, users) as hub:
            # One request per token first: the service asks the hub who each token is
            # once, then keeps the answer; the phases measure the steady state.
            for name in users:
                HubAuditSink(hub.audit_url, hub.tokens[name]).send(
                    {"time": "warm-up", "action": "read", "ref": "warm/up", "outcome": "allowed"}
                )
            for phase, seconds in phases:
                tag = phase.name.replace(" ", "-")
                senders = [
                    Sender(n, users[n % len(users)], hub.tokens[users[n % len(users)]],
                           f"{tag}-{n:02d}-{secrets.token_hex(3)}")
                    for n in range(args.senders)
                ]  # fmt: skip
                logs = base / "sender-logs" / tag
                logs.mkdir(parents=True)
                run_phase(hub, senders, logs, phase, seconds)
                count_back(hub, senders, phase)
    return [phase for phase, _ in phases]


def ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{1000 * seconds:.1f}"


def report(phases: list[Phase], args: argparse.Namespace) -> None:
    rows = []
    for p in phases:
        rows.append([
            f"{p.engine}, {p.name}", args.senders, "flat out" if p.target is None else f"{p.target:.0f}",
            p.sent, p.failed, p.counted, p.lost, p.duplicated, p.misattributed,
            f"{p.rate:.0f}", "-" if p.target is None else f"{p.rate / p.target:.2f}",
            ms(p.percentile(0.5)), ms(p.percentile(0.95)),
        ])  # fmt: skip
    title = (
        f"hub audit service: {args.senders} senders (processes, AuditLog + HubAuditSink) "
        f"as {args.users} hub users, {os.cpu_count()} CPU(s)"
    )
    with section(title):
        print(
            table(
                ["engine, phase", "senders", "target ev/s", "sent", "failed", "counted back",
                 "lost", "dup", "wrong user", "achieved ev/s", "achieved/target",
                 "p50 ms", "p95 ms"],
                rows,
            )
        )  # fmt: skip
        by = {(p.engine, p.name): p for p in phases}
        if ("sqlite", "flat out") in by and ("postgresql", "flat out") in by:
            lite, pg = by[("sqlite", "flat out")], by[("postgresql", "flat out")]
            lite_paced, pg_paced = by[("sqlite", "paced")], by[("postgresql", "paced")]
            print(
                f"\nPostgreSQL vs SQLite: ceiling {pg.rate:.0f} vs {lite.rate:.0f} ev/s "
                f"({num(pg.rate / lite.rate if lite.rate else None)}x); paced p95 "
                f"{ms(pg_paced.percentile(0.95))} vs {ms(lite_paced.percentile(0.95))} ms "
                f"({num(_ratio(pg_paced.percentile(0.95), lite_paced.percentile(0.95)))}x)"
            )
        for p in phases:
            if p.target is not None:
                print(
                    f"{p.engine}: paced at {p.rate / p.target:.2f}x the target; the ceiling "
                    f"is {by[(p.engine, 'flat out')].rate / p.target:.1f}x the target"
                )


def _ratio(value: float | None, base: float | None) -> float | None:
    return None if value is None or not base else value / base


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--senders", type=int, default=20)
    parser.add_argument("--users", type=int, default=5, help="hub users the senders run as")
    parser.add_argument("--rate", type=float, default=200, help="paced target, events/s")
    parser.add_argument("--seconds", type=float, default=12, help="length of the paced phase")
    parser.add_argument("--flat-seconds", type=float, default=8, help="length of flat out")
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--quick", action="store_true", help="a smoke run: a few events")
    args = parser.parse_args()
    if args.quick:
        args.senders, args.users, args.rate, args.seconds, args.flat_seconds = 4, 2, 20, 1, 0.5
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    unknown = set(engines) - {"sqlite", "postgresql"}
    if unknown:
        parser.error(f"unknown engines: {sorted(unknown)}")
    phases: list[Phase] = []
    with ExitStack() as stack:
        postgres = None
        if "postgresql" in engines:
            try:
                postgres = stack.enter_context(running_postgres())
            except PostgresUnavailable:
                if STRICT:
                    print(f"bench_hub_audit: {INSTALL_HINT} ({STRICT_VARIABLE}=1)", file=sys.stderr)
                    return 2
                print(f"bench_hub_audit: {INSTALL_HINT}; SQLite only", file=sys.stderr)
                engines.remove("postgresql")
        for engine in engines:
            phases += bench_engine(engine, postgres, args)
    report(phases, args)
    bad = [f"{p.engine} {p.name}" for p in phases if not p.clean]
    if bad:
        strays = sum(p.stray for p in phases)
        print(
            f"\nFAILED: events lost, duplicated, misattributed, refused or never sent "
            f"({strays} stray) in {bad}"
        )
        return 1
    print(f"\nevery event counted back once, as its user: {sum(p.sent for p in phases):,} events")
    return 0


if __name__ == "__main__":
    sys.exit(main())
