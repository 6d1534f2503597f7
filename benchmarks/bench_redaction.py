"""Kernel-side redaction overhead on a print-heavy cell, against the same cell with redaction off.

Two real kernels run side by side in one run: one with jupyter-secrets loaded
and a secret fetched (so every message is filtered), one with the extension
not loaded. Runs alternate between them; the medians are compared.

    python benchmarks/bench_redaction.py [--quick] [--lines N] [--repeat N]
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.kernel.harness import Kernel, isolated_env

CELL = "for i in range({lines}):\n    print(i, 'SELECT * FROM orders WHERE customer_id =', i * 7, 'ok')"


def timed(kernel: Kernel, code: str) -> float:
    start = time.perf_counter()
    kernel.ok(code, timeout=600)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a small smoke run")
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    lines, repeat = (10_000, 2) if args.quick else (args.lines, args.repeat)
    code = CELL.format(lines=lines)

    with tempfile.TemporaryDirectory() as tmp:
        value = "Bv" + secrets.token_urlsafe(18)
        env_on = isolated_env(
            Path(tmp, "on"), {"SECRET_DEV_BENCH_TOKEN": value, "JUPYTER_SECRETS_BACKEND": "env"}
        )
        env_off = isolated_env(Path(tmp, "off"), {"JUPYTER_SECRETS_AUTOLOAD": "0"})
        with_redaction = Kernel(Path(tmp, "on"), env_on)
        without = Kernel(Path(tmp, "off"), env_off)
        try:
            with_redaction.ok("pw = %secret dev/bench/token")
            check = without.run("get_ipython().find_line_magic('secret') is None")
            assert "True" in check.everything(), "the baseline kernel must not load the extension"
            on: list[float] = []
            off: list[float] = []
            timed(with_redaction, code)  # warm up both
            timed(without, code)
            for _ in range(repeat):
                on.append(timed(with_redaction, code))
                off.append(timed(without, code))
        finally:
            with_redaction.shutdown()
            without.shutdown()

    median_on, median_off = statistics.median(on), statistics.median(off)
    print(f"print-heavy cell: {lines:,} lines, {repeat} runs each, medians")
    print(f"{'kernel':<28}{'seconds':>10}{'lines/s':>14}")
    print(f"{'redaction off (baseline)':<28}{median_off:>10.3f}{lines / median_off:>14,.0f}")
    print(f"{'redaction on, 1 secret':<28}{median_on:>10.3f}{lines / median_on:>14,.0f}")
    print(
        f"overhead ratio: {median_on / median_off:.3f}x ({(median_on / median_off - 1) * 100:+.1f}%)"
    )


if __name__ == "__main__":
    main()
