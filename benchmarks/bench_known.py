"""Save latency with 50 known values registered, against a plain jupyter server, same run.

Real ``jupyter server`` subprocesses on 127.0.0.1 receive the same PUT
/api/contents saves of new ~1 MB notebooks (every save has all-new cells, so
every byte is scanned), interleaved so machine noise hits all alike:

* ``plain``: the extension disabled (a plain jupyter save, the peer);
* ``gate``: the extension, no known values;
* ``substring``: the extension + 50 values fetched in a real kernel of that
  server, registered as substring sketches (what kernels send now);
* ``token-only``: the extension + the same 50 values as the old whole-token
  fingerprints (``jsfp1``, still accepted).

Prints medians and ratios against ``plain`` (target: substring <= 1.25x at
1 MB) and against ``gate`` (the known values' own share), plus the
in-process cost of ``KnownValues.find`` on the same text.

    python benchmarks/bench_known.py [--runs N] [--quick]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import string
import sys
import tempfile
import time
from pathlib import Path

from _util import ensure_repo_on_path, section, table

ensure_repo_on_path()

from bench_save import notebook, save_once  # noqa: E402

from tests.adversarial.linkserver import notebook_with, save, start_kernel  # noqa: E402
from tests.server.real_server import RealServer, start_server  # noqa: E402

VALUES = 50
ANNOUNCE = """
import json
from jupyter_secrets import knownprints
from jupyter_secrets.kernel_link import announce, flush
if {legacy}:
    knownprints.link_fingerprints = knownprints.fingerprints  # the old whole-token kind
for i, value in enumerate(json.loads({values!r})):
    announce(f"dev/bench/{{i}}", value)
flush(60)
print("ok")
"""


def fake_values(seed: int = 11) -> list[str]:
    rng = random.Random(seed)
    alphabet = string.ascii_letters + string.digits + "!#%+-._~@ "
    return [
        "".join(rng.choices(alphabet, k=rng.randint(12, 40))).strip() + "Z9" for _ in range(VALUES)
    ]


def register(server: RealServer, values: list[str], legacy: bool) -> None:
    kernel = start_kernel(server)
    try:
        cell = kernel.run(ANNOUNCE.format(legacy=legacy, values=json.dumps(values)))
    finally:
        kernel.stop()
    if cell.stdout.strip() != "ok":
        raise SystemExit(f"registering known values failed ({cell.ename or cell.stderr[-200:]})")
    # Sanity: the values are really known (a save holding one is refused).
    if save(server, "probe.ipynb", notebook_with(f"x {values[0]} y")) != 422:
        raise SystemExit("a registered value was not caught: the benchmark would be meaningless")


def find_cost(values: list[str], target: int) -> dict[str, float]:
    """Milliseconds of KnownValues.find on the benchmark notebook's text (best of 5)."""
    from jupyter_secrets.knownprints import fingerprints, link_fingerprints
    from jupyter_secrets.scanner import KnownValues
    from jupyter_secrets.scanner.document import Document
    from jupyter_secrets.scanner.notebook import cell_pieces

    content = json.loads(notebook(target, False))["content"]
    doc = Document.build(
        "", (p for i, cell in enumerate(content["cells"]) for p in cell_pieces(cell, i))
    )
    costs = {}
    for name, make in (("substring", link_fingerprints), ("token-only", fingerprints)):
        known = KnownValues()
        for value in values:
            for fp in make(value, known.key):
                known.add_fingerprint(fp)
        list(known.find(doc))  # build the automaton once
        samples = []
        for _ in range(5):
            start = time.perf_counter()
            list(known.find(doc))
            samples.append(time.perf_counter() - start)
        costs[name] = min(samples) * 1000
    return costs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="saves per size and server")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 5 saves of 1 MB")
    args = parser.parse_args()
    sizes = [("1 MB", 1_000_000), ("100 KB", 100_000)]
    if args.quick:
        args.runs, sizes = 5, sizes[:1]
    values = fake_values()
    names = ["plain", "gate", "substring", "token-only"]
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-known-") as tmp:
        servers: dict[str, RealServer] = {}
        try:
            for name in names:
                servers[name] = start_server(Path(tmp) / name, with_extension=name != "plain")
            register(servers["substring"], values, legacy=False)
            register(servers["token-only"], values, legacy=True)
            for label, target in sizes:
                times: dict[str, list[float]] = {name: [] for name in names}
                warm = notebook(target, False)
                for server in servers.values():
                    save_once(server, f"warm-{target}.ipynb", warm)  # imports, detectors
                for run in range(args.runs):
                    body = notebook(target, False, seed=7000 + 1000 * target + run)
                    order = names[run % len(names) :] + names[: run % len(names)]
                    for name in order:
                        path = f"new-{target}-{run}.ipynb"
                        times[name].append(save_once(servers[name], path, body))
                medians = {name: statistics.median(times[name]) for name in names}
                for name in names:
                    rows.append(
                        [
                            label,
                            name,
                            args.runs,
                            f"{medians[name] * 1000:.1f}",
                            f"{medians[name] / medians['plain']:.2f}x",
                            "-" if name == "plain" else f"{medians[name] / medians['gate']:.2f}x",
                        ]
                    )
        finally:
            for server in servers.values():
                server.stop()
    with section(
        f"Save latency: PUT /api/contents of new notebooks, {VALUES} known values, vs plain save"
    ):
        print(table(["notebook", "server", "runs", "median ms", "vs plain", "vs gate"], rows))
    costs = find_cost(values, sizes[0][1])
    with section(f"KnownValues.find on the {sizes[0][0]} notebook's text, in process"):
        print(
            table(
                ["matching", "ms (best of 5)", "vs token-only"],
                [
                    [name, f"{ms:.1f}", f"{ms / costs['token-only']:.2f}x"]
                    for name, ms in costs.items()
                ],
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
