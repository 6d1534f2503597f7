"""Save latency with the jupyter-secrets gate against a plain jupyter server, same run.

Two real ``jupyter server`` subprocesses on 127.0.0.1 (one with the extension,
one with it disabled) receive the same PUT /api/contents saves, interleaved so
machine noise hits both alike. Notebooks: ~100 KB and ~1 MB of code and text
output, and ~50 MB dominated by PNG outputs. Two scenarios: "new" (every save
has all-new cells: no scan cache helps) and "autosave" (the same notebook
saved again: the gate rescans only changed cells). Prints medians, the gate's
p95 and the ratio gate/plain (target: <= 1.25x at 1 MB).

    python benchmarks/bench_save.py [--runs N] [--quick]
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import random
import statistics
import string
import sys
import tempfile
import time
from pathlib import Path

from _util import ensure_repo_on_path, section, table

ensure_repo_on_path()

from tests.server.real_server import RealServer, start_server  # noqa: E402


def notebook(target_bytes: int, images: bool, seed: int = 7) -> bytes:
    rng = random.Random(seed)
    cells = []
    size = 0
    index = 0
    while size < target_bytes:
        words = " ".join(
            "".join(rng.choices(string.ascii_lowercase, k=rng.randint(3, 9))) for _ in range(60)
        )
        source = f"# step {index}\nresult_{index} = compute({index}, mode='fast')\nprint(result_{index})\n"
        outputs: list[dict[str, object]] = [
            {"output_type": "stream", "name": "stdout", "text": words + "\n"}
        ]
        if images:
            png = base64.b64encode(os.urandom(400_000)).decode()
            outputs.append(
                {
                    "output_type": "display_data",
                    "metadata": {},
                    "data": {"image/png": png, "text/plain": "<Figure>"},
                }
            )
        cells.append(
            {
                "cell_type": "code",
                "id": f"c{index}",
                "metadata": {},
                "execution_count": index,
                "source": source,
                "outputs": outputs,
            }
        )
        size += len(source) + len(words) + (len(outputs[-1]["data"]["image/png"]) if images else 0)  # type: ignore[index]
        index += 1
    nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": cells}
    return json.dumps({"type": "notebook", "format": "json", "content": nb}).encode()


def save_once(server: RealServer, path: str, body: bytes) -> float:
    start = time.perf_counter()
    status, _, _ = server.request("PUT", f"api/contents/{path}", body, timeout=300)
    elapsed = time.perf_counter() - start
    if status >= 300:
        raise SystemExit(f"save of {path} answered {status}; the benchmark needs clean notebooks")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--runs", type=int, default=15, help="saves per size and server (50 MB: a third)"
    )
    parser.add_argument(
        "--quick", action="store_true", help="a smoke run: 3 saves of 100 KB and 1 MB only"
    )
    args = parser.parse_args()
    sizes = [
        ("100 KB", 100_000, False),
        ("1 MB", 1_000_000, False),
        ("50 MB (images)", 50_000_000, True),
    ]
    if args.quick:
        args.runs, sizes = 3, sizes[:2]
    with tempfile.TemporaryDirectory(prefix="bench-save-") as tmp:
        gated = start_server(Path(tmp) / "gated", with_extension=True)
        plain = start_server(Path(tmp) / "plain", with_extension=False)
        rows = []
        try:
            for (label, target, images), scenario in [
                (size, scenario) for size in sizes for scenario in ("new", "autosave")
            ]:
                body = notebook(target, images)
                runs = max(3, args.runs // 3) if images else args.runs
                times: dict[str, list[float]] = {"plain": [], "gate": []}
                for server in (plain, gated):
                    save_once(server, f"auto-{target}.ipynb", body)  # imports, detectors, cache
                for run in range(runs):
                    if scenario == "new":
                        body = notebook(target, images, seed=1000 * target + run)
                    pair = [(plain, "plain"), (gated, "gate")]
                    if run % 2:
                        pair.reverse()
                    # "new": a path never saved before; "autosave": the same path again.
                    path = (
                        f"new-{target}-{run}.ipynb" if scenario == "new" else f"auto-{target}.ipynb"
                    )
                    for server, name in pair:
                        times[name].append(save_once(server, path, body))
                plain_median = statistics.median(times["plain"])
                gate_median = statistics.median(times["gate"])
                rows.append(
                    [
                        label,
                        scenario,
                        f"{len(body) / 1e6:.2f}",
                        runs,
                        f"{plain_median * 1000:.1f}",
                        f"{gate_median * 1000:.1f}",
                        f"{sorted(times['gate'])[int(0.95 * (runs - 1))] * 1000:.1f}",
                        f"{gate_median / plain_median:.2f}x",
                    ]
                )
        finally:
            gated.stop()
            plain.stop()
    with section("Save latency: PUT /api/contents, jupyter-secrets gate vs plain server"):
        print(
            table(
                [
                    "notebook",
                    "scenario",
                    "MB sent",
                    "runs",
                    "plain ms",
                    "gate ms",
                    "gate p95 ms",
                    "ratio",
                ],
                rows,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
