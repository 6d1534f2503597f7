"""Skipping clean notebook metadata unread finds exactly what the leaf walk finds.

The coarse check (``jupyter_secrets.scanner.coarse``) clears a part of a
notebook's metadata from its JSON text alone. If that reasoning had a hole, a
secret in widget state would go unreported, so the property below pits a
scanner that skips against one that walks every leaf, on metadata built from
what defeats a text-only look: labels that name a value ("Service Account"),
a password widget, base64 and data: URIs that decode to text, binary mimetypes,
letters whose lowercase is ASCII, keyword-less shapes (Twilio SID, Discord),
every detector's fake, and pairs whose halves sit in different places.
"""

from __future__ import annotations

import base64
import string
from typing import Any, ClassVar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jupyter_secrets.scanner import Scanner
from jupyter_secrets.scanner.coarse import CoarseCheck
from jupyter_secrets.scanner.detectors import Detector
from jupyter_secrets.scanner.document import Document
from jupyter_secrets.scanner.registry import load_detectors

from .fakes import Fakes, aws_secret_key, detector_cases, discord_token, hex_token

F = Fakes(seed=2026)
SKIPPING = Scanner(hash_key=b"k")
WALKING = Scanner(hash_key=b"k", coarse=False)
SECRETS = [make() for _, _, make in detector_cases(F)]
PASSWORD = F.password()


def _long_text(secret: str) -> str:
    return f"config for the job\napi_token = {secret}\n" + "padding line\n" * 30


def _tricky_strings() -> list[str]:
    secret = F.github()
    text = _long_text(secret)
    return [
        "plain words",
        "layout",
        "Service Account",
        "API Token:",
        "PasswordModel",
        "\u212aey",  # KELVIN SIGN: lowercases to "key"
        "AC" + hex_token(F),
        hex_token(F),
        aws_secret_key(F),
        F.aws(),
        base64.b64encode(text.encode()).decode(),
        "data:text/plain;base64," + base64.b64encode(text.encode()).decode(),
        discord_token(F),
        "x" * 300,
        *SECRETS,
    ]


KEYS = st.sampled_from(
    ["value", "description", "label", "name", "model_name", "state", "password", "token",
     "image/png", "application/json", "layout", "data", "currentValue", "x y", "k"]
)  # fmt: skip
LEAVES = st.sampled_from(_tricky_strings()) | st.text(string.ascii_letters + " :_", max_size=12)


def _json_values() -> st.SearchStrategy[Any]:
    return st.recursive(
        LEAVES | st.integers() | st.none(),
        lambda children: (
            st.lists(children, max_size=4) | st.dictionaries(KEYS, children, max_size=5)
        ),
        max_leaves=25,
    )


def _notebook(metadata: dict[str, Any], extra: Any, source: str) -> dict[str, Any]:
    cell = {"cell_type": "code", "id": "c0", "source": source, "metadata": {},
            "outputs": [], "execution_count": 1}  # fmt: skip
    return {"cells": [cell], "metadata": metadata, "extra": extra,
            "nbformat": 4, "nbformat_minor": 5}  # fmt: skip


def _found(scanner: Scanner, nb: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [
        (f.type, f.detector, f.location, f.cell_index, f.line, f.column, f.hashed_secret,
         f.span.pointer if f.span else None)
        for f in scanner.scan_notebook(nb, "t.ipynb")
    ]  # fmt: skip


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    metadata=st.dictionaries(KEYS, _json_values(), max_size=4),
    extra=_json_values(),
    source=st.sampled_from(["x = 1", f'key_id = "{F.aws()}"', "print(token)", "import os"]),
)
def test_skipping_finds_what_walking_finds(
    metadata: dict[str, Any], extra: Any, source: str
) -> None:
    nb = _notebook(metadata, extra, source)
    assert _found(SKIPPING, nb) == _found(WALKING, nb)


def _widget_state(models: dict[str, Any]) -> dict[str, Any]:
    return {"widgets": {"application/vnd.jupyter.widget-state+json": {
        "state": models, "version_major": 2, "version_minor": 0}}}  # fmt: skip


def _filler_models(count: int) -> dict[str, Any]:
    return {
        f"{i:032x}": {"model_module": "@jupyter-widgets/base", "model_name": "LayoutModel",
                      "state": {"width": "100%", "_view_name": "LayoutView"}}
        for i in range(count)
    }  # fmt: skip


@pytest.mark.parametrize(
    "model",
    [
        {"model_name": "PasswordModel", "state": {"value": PASSWORD, "description": ""}},
        {"model_name": "TextModel", "state": {"description": "Service Account", "value": "{}"}},
        {"model_name": "TextModel", "state": {"description": "API Token:", "value": SECRETS[2]}},
        {
            "model_name": "ImageModel",
            "state": {"value": base64.b64encode(_long_text(F.github()).encode()).decode()},
        },
        {"model_name": "HTMLModel", "state": {"value": SECRETS[0]}},
    ],
    ids=["password-widget", "label", "token-label", "base64-text", "bare-vendor-key"],
)
def test_a_finding_deep_in_large_widget_state(model: dict[str, Any]) -> None:
    """The part around it is weighed child by child; the model holding it is walked."""
    models = _filler_models(200)
    models["ab" * 16] = {"model_module": "@jupyter-widgets/controls", **model}
    nb = _notebook(_widget_state(models), None, "x = 1")
    assert _found(SKIPPING, nb) == _found(WALKING, nb)


_SHORT_BASE64 = base64.b64encode(f"api_token = {F.github()}".encode()).decode()
#: Each reason the JSON text of a part alone must not clear it, as a finding that only
#: the leaf walk's view shows (a sabotaged check misses it).
REASONS = {
    "kelvin-sign": {"api_\u212aey": F.password()},
    "binary-mimetype": {"image/png": _SHORT_BASE64},
    "data-uri": {"v": "data:text/plain;base64," + _SHORT_BASE64},
    "long-base64": {"v": base64.b64encode(_long_text(F.github()).encode()).decode()},
    "discord-shape": {"v": discord_token(F)},
    "twilio-sid-shape": {"v": f"AC{hex_token(F)} {hex_token(F)}"},
    "large-password-widget": {
        "m": {
            "model_name": "PasswordModel",
            "pad": "y" * 5000,
            "state": {"value": PASSWORD},
        }
    },
}


@pytest.mark.parametrize("part", REASONS.values(), ids=REASONS.keys())
def test_each_reason_a_part_is_not_clear(part: dict[str, Any]) -> None:
    nb = _notebook({"x": part, "filler": _filler_models(50)}, None, "x = 1")
    walked = _found(WALKING, nb)
    assert any(place[2] == "metadata" for place in walked), "the case must hold a finding"
    assert _found(SKIPPING, nb) == walked


def test_clean_widget_state_is_skipped_unread() -> None:
    """The point of it: a large clean state is not walked (and so costs no pieces)."""
    from jupyter_secrets.scanner.content import notebook_pieces, notebook_pieces_skipping

    assert SKIPPING._coarse is not None
    nb = _notebook(_widget_state(_filler_models(300)), None, "x = 1")
    pieces, skipped = notebook_pieces_skipping(nb, SKIPPING._coarse.weigh)
    assert skipped
    assert len(pieces) < 5 < len(list(notebook_pieces(nb)))
    assert SKIPPING.scan_notebook(nb) == WALKING.scan_notebook(nb) == []


class _Anywhere(Detector):
    """A third-party detector that says nothing about where its candidates lie."""

    name = "anywhere"
    keywords: ClassVar[tuple[str, ...]] = ("zzz",)

    def find(self, doc: Document) -> Any:
        return iter(())


class _Keywordless(_Anywhere):
    segment_local = True
    keywords = ()


class _Quoted(_Anywhere):
    segment_local = True
    keywords = ('x"y',)


@pytest.mark.parametrize("extra", [_Anywhere(), _Keywordless(), _Quoted()], ids=repr)
def test_a_detector_it_cannot_reason_about_turns_skipping_off(extra: Detector) -> None:
    detectors = load_detectors()
    assert CoarseCheck.build(detectors) is not None
    assert CoarseCheck.build([*detectors, extra]) is None
