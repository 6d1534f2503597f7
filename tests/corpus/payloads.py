"""Binary-looking payloads that are NOT secrets: plot images, SVG, widget and plot arrays.

PNGs are real (zlib-compressed scanlines, correct CRCs), so they decode and
look exactly like matplotlib output in base64. JPEGs carry a real JFIF header
and random entropy-coded data (no JPEG encoder is available here without a
new dependency); in base64 they look like any camera or plot JPEG.
"""

from __future__ import annotations

import base64
import random
import struct
import zlib

from .fakes import fake_uuid, rand

HEX = "0123456789abcdef"


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


def png(rng: random.Random, target_bytes: int) -> bytes:
    """A valid RGB PNG of about ``target_bytes`` or less: a white plot area with noisy
    bands (noise in 7 of 8 rows, or in 1 of 2 for sparser plot-like images)."""
    width = rng.choice([320, 480, 640, 800, 1000])
    height = max(8, target_bytes // (width * 3) + 1)
    white = b"\xff" * (width * 3)
    rows = []
    every = 8 if rng.random() < 0.8 else 2
    for y in range(height):
        # Noise rows make the size predictable; white rows make it look like a plot.
        if y % every:
            rows.append(b"\x00" + rng.randbytes(width * 3))
        else:
            rows.append(b"\x00" + white)
    raw = b"".join(rows)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(raw, 1))
        + _png_chunk(b"IEND", b"")
    )


def jpeg(rng: random.Random, target_bytes: int) -> bytes:
    """JFIF-framed bytes with random scan data (see module docstring)."""
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x48\x00\x48\x00\x00"
    dqt = b"\xff\xdb" + struct.pack(">H", 67) + b"\x00" + rng.randbytes(64)
    sof = (
        b"\xff\xc0"
        + struct.pack(">HBHHB", 17, 8, 480, 640, 3)
        + b"\x01\x22\x00\x02\x11\x01\x03\x11\x01"
    )
    sos = b"\xff\xda" + struct.pack(">HB", 12, 3) + b"\x01\x00\x02\x11\x03\x11\x00\x3f\x00"
    scan = rng.randbytes(max(256, target_bytes)).replace(b"\xff", b"\xff\x00")
    return b"\xff\xd8" + app0 + dqt + sof + sos + scan + b"\xff\xd9"


def b64(data: bytes, wrap: bool = False) -> str:
    text = base64.b64encode(data).decode()
    if wrap:  # older IPython wrapped base64 at 76 columns
        return "\n".join(text[i : i + 76] for i in range(0, len(text), 76)) + "\n"
    return text


def svg(rng: random.Random, points: int) -> str:
    coords = " ".join(
        f"L{rng.uniform(0, 640):.2f},{rng.uniform(0, 480):.2f}" for _ in range(points)
    )
    return "\n".join(
        [
            '<?xml version="1.0" encoding="utf-8" standalone="no"?>',
            '<svg xmlns:xlink="http://www.w3.org/1999/xlink" width="460.8pt" height="345.6pt" '
            'viewBox="0 0 460.8 345.6" xmlns="http://www.w3.org/2000/svg" version="1.1">',
            f' <g id="line2d_{rng.randrange(1, 40)}">',
            f'  <path d="M0,0 {coords}" clip-path="url(#p{rand(rng, HEX, 10)})" '
            'style="fill: none; stroke: #1f77b4; stroke-width: 1.5"/>',
            " </g>",
            "</svg>",
        ]
    )


def float_array_b64(rng: random.Random, count: int) -> str:
    return b64(struct.pack(f"<{count}d", *(rng.gauss(0, 1) for _ in range(count))))


def plotly_bundle(rng: random.Random, points: int) -> dict[str, object]:
    trace = {
        "type": "scatter",
        "mode": "lines",
        "name": "price",
        "x": {"dtype": "f8", "bdata": float_array_b64(rng, points)},
        "y": {"dtype": "f8", "bdata": float_array_b64(rng, points)},
    }
    return {
        "data": [trace],
        "layout": {"template": {"data": {}}, "title": {"text": "Daily price"}},
        "config": {"plotlyServerURL": "https://plot.ly"},
    }


def bokeh_script(rng: random.Random, points: int) -> str:
    doc_id = fake_uuid(rng)
    array = float_array_b64(rng, points)
    return (
        "(function(root) {\n"
        f'  const docs_json = {{"{doc_id}":{{"roots":{{"references":[{{"type":"ColumnDataSource",'
        f'"id":"p{rng.randrange(1000, 9999)}","attributes":{{"data":{{"type":"map","entries":'
        f'[["x",{{"type":"ndarray","array":{{"type":"bytes","data":"{array}"}},"dtype":"float64",'
        f'"order":"little","shape":[{points}]}}]]}}}}}}]}}}}}};\n'
        "  root.Bokeh.embed.embed_items_notebook(docs_json, render_items);\n"
        "})(window);"
    )


def widget_state(rng: random.Random, models: int, buffer_bytes: int) -> dict[str, object]:
    state = {}
    for _ in range(models):
        state[rand(rng, HEX, 32)] = {
            "model_name": "FloatSliderModel",
            "model_module": "@jupyter-widgets/controls",
            "model_module_version": "2.0.0",
            "state": {"value": rng.uniform(0, 1), "description": "alpha"},
            "buffers": [
                {"encoding": "base64", "path": ["value"], "data": b64(rng.randbytes(buffer_bytes))}
            ],
        }
    return {"state": state, "version_major": 2, "version_minor": 0}
