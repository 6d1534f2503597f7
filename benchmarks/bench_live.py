"""Live checking in a real browser: marker latency, and typing cost, against no plugin.

Two real ``jupyter lab`` processes on 127.0.0.1 in the same run, the same
notebook (300 cells with text outputs and images), headless Debian Chromium:
one with the jupyter-secrets plugin, one with it disabled (page_config), so
machine noise hits both alike.

- **Marker latency**: 20 times, type a fake AWS key into a cell but its last
  character, then press it; the time from that keystroke's keydown to the frame
  after the marker is in the page, timed in the page (p50, p95; the 400 ms
  debounce is included, and also shown taken off).
- **Typing cost**: in a 1,000-line cell, 300 single-character edits, each
  dispatched to CodeMirror and laid out (as a keystroke is), timed in the page;
  with the plugin against without it (the ratio is the overhead per keystroke).

    python benchmarks/bench_live.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

from _util import ensure_repo_on_path, section, table

ensure_repo_on_path()

from tests.browser.conftest import CHROMIUM_ARGS, CHROMIUM_PATH, start_lab_server  # noqa: E402
from tests.support.fakes import fake_aws_key  # noqa: E402
from tests.support.jupyter_env import JupyterDirs  # noqa: E402
from tests.support.server import JupyterServer  # noqa: E402

DEBOUNCE_MS = 400
PLUGIN = "jupyter-secrets:plugin"
# A 1x1 PNG, repeated: the images make the notebook heavy to render, not to scan.
PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGD4DwABBAEAwS2OUAAAAABJRU5ErkJggg=="


def notebook(cells: int) -> dict[str, Any]:
    rng = random.Random(11)
    out = []
    for i in range(cells):
        outputs: list[dict[str, Any]] = [
            {"output_type": "stream", "name": "stdout", "text": f"step {i}: {rng.random():.6f}\n"}
        ]
        if i % 10 == 0:
            outputs.append(
                {
                    "output_type": "display_data",
                    "metadata": {},
                    "data": {"image/png": PNG * 200, "text/plain": "<Figure>"},
                }
            )
        out.append(
            {
                "cell_type": "code",
                "id": f"c{i}",
                "source": f"result_{i} = compute({i})\nprint(result_{i})",
                "metadata": {},
                "outputs": outputs,
                "execution_count": i + 1,
            }
        )
    return {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}},
        "cells": out,
    }


def start(base: Path, plugin: bool, cells: int) -> JupyterServer:
    server = start_lab_server(base)
    if not plugin:
        page_config = JupyterDirs(server.home).config / "labconfig" / "page_config.json"
        config = json.loads(page_config.read_text())
        config["disabledExtensions"][PLUGIN] = True
        page_config.write_text(json.dumps(config))
    (server.root / "big.ipynb").write_text(json.dumps(notebook(cells)))
    return server


def open_notebook(browser: Any, server: JupyterServer) -> Any:
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.set_default_timeout(120_000)
    page.goto(server.url(f"lab/workspaces/{os.urandom(4).hex()}/tree/big.ipynb", with_token=True))
    page.locator(".jp-Notebook .jp-Cell .cm-content").first.wait_for()
    page.wait_for_timeout(0)
    return page


# Timed in the page: from the keystroke's keydown to the frame after the marker is in
# the DOM. (Playwright's own waits poll with a backoff of up to 500 ms, which would
# measure its polling, not the plugin.)
WATCH_MARKER = """
() => {
  const cell = document.querySelector('.jp-Notebook .jp-Cell');
  window.__markerMs = new Promise(resolve => {
    let pressed = 0;
    const onKey = () => { pressed = performance.now(); };
    document.addEventListener('keydown', onKey, { capture: true });
    const observer = new MutationObserver(() => {
      if (pressed && cell.querySelector(':scope > .jp-SecretsMarker')) {
        observer.disconnect();
        document.removeEventListener('keydown', onKey, { capture: true });
        requestAnimationFrame(() => resolve(performance.now() - pressed));
      }
    });
    observer.observe(cell, { childList: true, subtree: true });
  });
}
"""


def marker_latencies(page: Any, edits: int) -> list[float]:
    samples = []
    editor = page.locator(".jp-Notebook .jp-Cell .cm-content").first
    marker = page.locator(".jp-Notebook .jp-Cell").first.locator(".jp-SecretsMarker")
    for _ in range(edits):
        key = fake_aws_key()
        editor.click()
        page.keyboard.press("Control+a")
        page.keyboard.type("x = 1")
        marker.wait_for(state="detached")
        page.keyboard.type(f'key = "{key[:-1]}"')
        page.keyboard.press("ArrowLeft")  # before the closing quote
        page.evaluate(WATCH_MARKER)
        page.keyboard.press(key[-1])
        samples.append(float(page.evaluate("() => window.__markerMs")) / 1000)
        marker.wait_for()
    return samples


TYPE_IN_PAGE = """
async (edits) => {
  const nb = window.jupyterapp.shell.currentWidget.content;
  nb.activeCellIndex = 1;
  const cell = nb.activeCell;
  cell.model.sharedModel.setSource(Array.from({length: 1000}, (_, i) => `line_${i} = ${i}`).join('\\n'));
  await new Promise(r => setTimeout(r, 500));
  const view = cell.editor.editor;
  const start = performance.now();
  for (let i = 0; i < edits; i++) {
    view.dispatch({changes: {from: view.state.doc.length, insert: 'a'}, userEvent: 'input.type'});
    view.dom.getBoundingClientRect();
    view.requestMeasure();
    await new Promise(r => requestAnimationFrame(r));
  }
  return (performance.now() - start) / edits;
}
"""


def typing_cost(page: Any, edits: int) -> float:
    return float(page.evaluate(TYPE_IN_PAGE, edits))


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="30 cells, 4 edits: a smoke run")
    args = parser.parse_args()
    cells, edits, keystrokes = (30, 4, 60) if args.quick else (300, 20, 300)
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="bench-live-") as tmp:
        with_plugin = start(Path(tmp) / "with", True, cells)
        without = start(Path(tmp) / "without", False, cells)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM_PATH, headless=True, args=CHROMIUM_ARGS
                )
                page = open_notebook(browser, with_plugin)
                plain = open_notebook(browser, without)
                latencies = marker_latencies(page, edits)
                # Interleaved, so load on the machine hits both alike.
                costs: dict[str, list[float]] = {"plugin": [], "plain": []}
                for _ in range(3):
                    costs["plugin"].append(typing_cost(page, keystrokes // 3))
                    costs["plain"].append(typing_cost(plain, keystrokes // 3))
                browser.close()
        finally:
            with_plugin.stop()
            without.stop()
    ms = [s * 1000 for s in latencies]
    with section(f"marker latency, {cells}-cell notebook, {edits} edits (ms)"):
        print(
            table(
                ["", "p50", "p95"],
                [
                    [
                        "keystroke -> marker",
                        f"{percentile(ms, 0.5):.0f}",
                        f"{percentile(ms, 0.95):.0f}",
                    ],
                    [
                        f"after the {DEBOUNCE_MS} ms debounce",
                        f"{percentile(ms, 0.5) - DEBOUNCE_MS:.0f}",
                        f"{percentile(ms, 0.95) - DEBOUNCE_MS:.0f}",
                    ],
                ],
            )
        )
    plugin_ms = statistics.median(costs["plugin"])
    plain_ms = statistics.median(costs["plain"])
    with section(f"typing in a 1,000-line cell, {keystrokes} keystrokes (ms per keystroke)"):
        print(
            table(
                ["", "ms/keystroke"],
                [
                    ["with jupyter-secrets", f"{plugin_ms:.2f}"],
                    ["plain JupyterLab", f"{plain_ms:.2f}"],
                ],
            )
        )
        print(
            f"typing overhead ratio: {plugin_ms / plain_ms:.3f}x ({(plugin_ms / plain_ms - 1) * 100:+.1f}%)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
