"""strip: every finding redacted, outputs that were only a secret removed, nothing else touched."""

from __future__ import annotations

import base64
import copy
import dataclasses

import orjson

from jupyter_secrets.scanner import Scanner
from jupyter_secrets.scanner.finding import Span
from jupyter_secrets.scanner.notebook import dumps_notebook
from jupyter_secrets.scanner.strip import MARKER, strip_model, strip_notebook, strip_text

from .fakes import Fakes
from .nbutil import code, error, markdown, notebook, result, stream

F = Fakes(seed=4)


def test_strip_notebook_redacts_and_keeps_the_rest() -> None:
    key, pw = F.github(), F.password()
    nb = notebook(
        markdown("# Title\nno secrets here\n"),
        code(f"import os\ntoken = '{key}'\nprint(1)\n", [stream("1\n")], cell_id="a"),
        code("token", [result({"text/plain": f"'{key}'"})], cell_id="b"),
        code(
            "connect()",
            [
                stream(f"log: using postgresql://u:{pw}@db/x\n"),
                error("E", "bad", [f"\x1b[31mpostgresql://u:{pw}@db/x\x1b[0m"]),
            ],
            cell_id="c",
        ),
    )
    original = copy.deepcopy(nb)
    scanner = Scanner(hash_key=b"k")
    findings = scanner.scan_notebook(nb)
    assert len(findings) == 4
    stripped = strip_notebook(nb, findings)
    assert nb == original, "strip_notebook mutated its input"
    text = dumps_notebook(stripped)
    assert key not in text and pw not in text, "a secret survived strip"
    assert stripped["cells"][0] == nb["cells"][0]
    assert stripped["cells"][1]["source"] == ["import os\n", f"token = '{MARKER}'\n", "print(1)\n"]
    assert stripped["cells"][1]["outputs"] == nb["cells"][1]["outputs"]
    assert stripped["cells"][2]["outputs"] == [], "an output that was only the secret was kept"
    assert stripped["cells"][3]["outputs"][0]["text"] == [
        f"log: using postgresql://u:{MARKER}@db/x\n"
    ]
    assert scanner.scan_notebook(stripped) == [], "a stripped notebook still has findings"
    for key_name in ("metadata", "nbformat", "nbformat_minor"):
        assert stripped[key_name] == nb[key_name]


def test_strip_text_uses_exact_offsets() -> None:
    pw = F.password()
    text = f"user=bob\nPASSWORD={pw}\n# keep me\n"
    out = strip_text(text, Scanner(hash_key=b"k").scan_text(text, ".env"))
    assert out == f"user=bob\nPASSWORD={MARKER}\n# keep me\n"


def test_strip_model_for_notebook_text_and_base64() -> None:
    key = F.npm()
    scanner = Scanner(hash_key=b"k")
    nb_model = {
        "type": "notebook",
        "format": "json",
        "path": "a.ipynb",
        "content": notebook(code(f"t='{key}'")),
    }
    out = strip_model(nb_model, scanner.scan_model(nb_model))
    assert key not in orjson.dumps(out).decode()
    raw = base64.b64encode(f"//registry/:_authToken={key}\n".encode()).decode()
    b64_model = {"type": "file", "format": "base64", "path": ".npmrc", "content": raw}
    out = strip_model(b64_model, scanner.scan_model(b64_model))
    assert base64.b64decode(out["content"]).decode() == f"//registry/:_authToken={MARKER}\n"


def test_strip_redacts_a_value_echoed_as_dict_keys_and_nested_leaves() -> None:
    # What a fuzzer found: an output's text given as a dict, the found value both a key
    # and its own short value ("key": "value" is one piece), and deeper in a list. One
    # finding per output used to fold the leaves together; strip then missed the key.
    value = F.password()
    nb = notebook(code(f'db_password = "{value}"', cell_id="a"))
    nb["cells"][0]["outputs"] = [
        {"output_type": "stream", "name": "stdout", "text": {value: value, "k": [value]}}
    ]
    nb["metadata"]["extra"] = {value: 1}
    scanner = Scanner(hash_key=b"k")
    findings = scanner.scan_notebook(nb, "t.ipynb")
    stripped = strip_notebook(nb, findings)
    assert value not in orjson.dumps(stripped).decode(), "a copy of the value survived strip"
    assert MARKER in orjson.dumps(stripped["cells"][0]["outputs"]).decode()


def test_strip_redacts_every_field_one_finding_per_output_stands_for() -> None:
    # One finding per secret per output folds the fields an output shows it in: strip
    # must redact each of them, a lenient list evalue and a payload of a binary
    # mimetype that did not decode as one (so was read as text) included.
    value = F.password()
    nb = notebook(code(f'db_password = "{value}"', cell_id="a"))
    nb["cells"][0]["outputs"] = [
        {"output_type": "error", "ename": "E", "evalue": [f"bad {value}\n"], "traceback": []},
        {
            "output_type": "display_data",
            "metadata": {},
            "data": {"application/json": f"PASSWORD={value}", "image/png": value},
        },
    ]
    findings = Scanner(hash_key=b"k").scan_notebook(nb, "t.ipynb")
    stripped = strip_notebook(nb, findings)
    assert value not in orjson.dumps(stripped).decode(), "a copy of the value survived strip"


def test_a_value_inside_a_longer_one_does_not_cut_the_longer_one_short() -> None:
    """An OpenAI key alone in stdout, and glued to an AWS key id in the evalue (one token
    there, so one longer finding): redacting the shorter value first used to leave the
    key id behind, where no finding matched it any more. Found by test_fuzz."""
    key, key_id = F.openai(), F.aws()
    output = {"output_type": "stream", "text": f"key={key}", "evalue": [f"key={key}", key_id]}
    nb = notebook(code("print(1)", [output]))
    findings = Scanner(hash_key=b"k").scan_notebook(nb)
    assert {len(f.span.value) for f in findings if f.span} == {len(key), len(key + key_id)}
    stripped = strip_notebook(nb, findings)
    dumped = orjson.dumps(stripped).decode()
    assert key not in dumped and key_id not in dumped
    assert Scanner(detectors=(), track=findings, hash_key=b"k").scan_notebook(stripped) == []


def test_strip_text_redacts_overlapping_spans_whole() -> None:
    head, tail = F.github(), F.password()
    text = f"x = '{head}{tail}'\n"
    (finding,) = Scanner(hash_key=b"k").scan_text(f"token = '{head}'\n")
    start = text.index(head)
    spans = [
        Span(head + tail, start, start + len(head + tail), ("text",)),
        Span(tail, start + len(head), start + len(head + tail), ("text",)),
        Span(head[4:] + tail[:3], start + 4, start + len(head) + 3, ("text",)),
    ]
    redacted = strip_text(text, [dataclasses.replace(finding, span=span) for span in spans])
    assert redacted == f"x = '{MARKER}'\n"
