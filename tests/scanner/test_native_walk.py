"""The compiled cell walk (native/, ``jupyter_secrets.scanner._native``) gives exactly
the pieces of the Python walk (``content._cell``), in the same order.

A difference would be a hole: a piece the Python walk makes and the compiled
one does not is text no detector reads. So: generated cells built from what the
walk treats specially (sources and texts given as lists of lines, every output
type, mimetypes that are binary, JSON or oddly named, labels, a password widget,
base64 and data: URIs that decode to text, ANSI codes, an allowlist tag) and
from what it must hand back to Python (keys that are no strings, lone
surrogates, values JSON has no name for); the project's generated corpus and
every carrier, notebook by notebook; and a strict run (CI) that has it built.
"""

from __future__ import annotations

import base64
import os
import string
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jupyter_secrets.scanner import content
from jupyter_secrets.scanner.document import Origin
from jupyter_secrets.scanner.jsontext import loads_checked
from tests.corpus.generate import generate

from .carriers import CARRIERS
from .fakes import Fakes, aws_secret_key

F = Fakes(seed=77)
NATIVE = content._native
needs_native = pytest.mark.skipif(NATIVE is None, reason="the compiled walk is not built here")


def test_a_strict_run_has_the_compiled_walk() -> None:
    """CI (JUPYTER_SECRETS_STRICT_TESTS=1) must test what it ships: a build that failed
    would otherwise pass unseen on the Python walk."""
    if os.environ.get("JUPYTER_SECRETS_STRICT_TESTS"):
        assert content.native_walk(), "scripts/build-native.sh did not build the compiled walk"
    assert content.native_walk() == (NATIVE is not None)


def _python_walk(cell: Any, index: int | None) -> list[Any] | type[BaseException]:
    out: list[Any] = []
    try:
        content._cell(cell, index, out)
    except Exception as exc:  # the compiled walk must raise the same
        return type(exc)
    return out


def _native_walk(cell: Any, index: int | None) -> list[Any] | type[BaseException]:
    out: list[Any] = []
    try:
        NATIVE.cell(cell, index, out)
    except Exception as exc:
        return type(exc)
    assert all(type(origin) is Origin for origin, _ in out), "a piece's origin is no Origin"
    return out


def _text_lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


_SECRET_TEXT = f'config\napi_token = "{F.github()}"\n' + "padding line\n" * 30
TEXTS = st.sampled_from(
    [
        "x = 1\n",
        "%%bash\ncurl -u me:pw https://x\n",
        "pass",
        "word",
        "\x1b[31mError\x1b[0m: bad",
        "pass\x1b[1mword = hunter2",
        "\u212aey",
        "caf\u00e9 \U0001f600",
        "lone \udcff surrogate",
        "x" * 300,
        base64.b64encode(_SECRET_TEXT.encode()).decode(),
        "data:text/plain;base64," + base64.b64encode(_SECRET_TEXT.encode()).decode(),
        "data:image/png;base64,iVBORw0KGgo=",
        f'aws_secret_access_key = "{aws_secret_key(F)}"',
        "",
    ]
) | st.text(string.ascii_letters + " :_=\"'\n", max_size=20)
KEYS = st.sampled_from(
    ["value", "description", "label", "name", "title", "placeholder", "model_name", "state",
     "password", "token", "image/png", "text/plain", "application/json", "odd mime", "x y",
     "tags", "id", "metadata", "collapsed", "", "k"]
) | st.integers(0, 3)  # fmt: skip
SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXTS


def _values() -> st.SearchStrategy[Any]:
    return st.recursive(
        SCALARS | st.just("PasswordModel"),
        lambda children: (
            st.lists(children, max_size=4)
            | st.dictionaries(KEYS, children, max_size=4)
            | st.tuples(children)  # no JSON value: handed back to Python
        ),
        max_leaves=12,
    )


LINES = st.lists(TEXTS, max_size=4)
TEXTISH = TEXTS | LINES | st.lists(SCALARS, max_size=3) | _values()
MIMES = st.sampled_from(
    ["text/plain", "text/html", "image/png", "image/jpeg", "application/json",
     "application/vnd.custom+json", "text/markdown", "Odd Mime", "image/svg+xml"]
)  # fmt: skip


def _outputs() -> st.SearchStrategy[Any]:
    stream = st.fixed_dictionaries(
        {"output_type": st.just("stream"), "name": st.sampled_from(["stdout", "stderr", "x"]),
         "text": TEXTISH}
    )  # fmt: skip
    data = st.dictionaries(MIMES, TEXTISH | _values(), max_size=3)
    result = st.fixed_dictionaries(
        {"output_type": st.sampled_from(["execute_result", "display_data", "odd"]),
         "data": data, "metadata": _values(), "execution_count": st.none() | st.integers(0, 9)}
    )  # fmt: skip
    error = st.fixed_dictionaries(
        {"output_type": st.just("error"), "ename": TEXTISH, "evalue": TEXTISH,
         "traceback": LINES | TEXTISH}
    )  # fmt: skip
    odd = st.dictionaries(KEYS, _values(), max_size=3) | _values()
    return stream | result | error | odd


def _cells() -> st.SearchStrategy[Any]:
    tags = st.lists(st.sampled_from(["allow-secret", "x", 3, None]), max_size=2)
    metadata = st.fixed_dictionaries({}, optional={"tags": tags, "extra": _values()})
    cell = st.fixed_dictionaries(
        {"cell_type": st.sampled_from(["code", "markdown", "raw", "other"]) | SCALARS,
         "source": TEXTISH},
        optional={"id": st.sampled_from(["c1", "abc"]) | SCALARS, "metadata": metadata,
                  "outputs": st.lists(_outputs(), max_size=3) | _values(),
                  "execution_count": st.none() | st.integers(0, 5),
                  "attachments": _values(), "other": _values()},
    )  # fmt: skip
    return cell | st.dictionaries(KEYS, _values(), max_size=3) | _values()


@needs_native
@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cell=_cells(), index=st.none() | st.integers(0, 40))
def test_the_compiled_walk_gives_the_python_walks_pieces(cell: Any, index: int | None) -> None:
    assert _native_walk(cell, index) == _python_walk(cell, index)


@needs_native
@pytest.mark.parametrize(
    "cell",
    [
        {"cell_type": "code", "source": ["pass", "word = 'x'"], "metadata": {}},
        {"cell_type": "code", "source": "x", 7: "a key that is no string"},
        {
            "cell_type": "code",
            "source": "x",
            "outputs": [{"output_type": "stream", "text": ["lone \udcff", "\n"]}],
        },
        {"cell_type": ["code"], "source": "x"},  # no type: scanned as a value
        {"cell_type": "code", "source": "x", "outputs": [{"output_type": ("a", "tuple")}]},
    ],
    ids=["split-keyword", "int-key", "lone-surrogate", "unhashable-type", "tuple-value"],
)
def test_what_the_compiled_walk_hands_back(cell: dict[Any, Any]) -> None:
    assert _native_walk(cell, 0) == _python_walk(cell, 0)


def _notebook_pieces(nb: Any, monkeypatch: pytest.MonkeyPatch, native: bool) -> list[Any]:
    with monkeypatch.context() as patch:
        if not native:
            patch.setattr(content, "_native", None)
        return list(content.notebook_pieces(nb))


@needs_native
@pytest.mark.parametrize("carrier", sorted(CARRIERS))
def test_every_carrier(carrier: str, monkeypatch: pytest.MonkeyPatch) -> None:
    nb = CARRIERS[carrier](_SECRET_TEXT)
    walked = _notebook_pieces(nb, monkeypatch, native=True)
    assert walked == _notebook_pieces(nb, monkeypatch, native=False)
    assert any("api_token" in text for _, text in walked)


@needs_native
def test_the_generated_corpus_notebook_by_notebook(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = generate(tmp_path, seed=5, notebooks=60, files=0)
    paths = corpus.paths(kind="notebook")
    assert len(paths) == 60
    for path in paths:
        nb = loads_checked(path.read_bytes())
        assert _notebook_pieces(nb, monkeypatch, native=True) == _notebook_pieces(
            nb, monkeypatch, native=False
        ), f"{path.name}: the two walks differ"
