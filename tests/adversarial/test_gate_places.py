"""Red team: every place in a document and every encoding, through every save path.

Written as an attacker would: a fake key hidden where a gate that reads only
the structured fields never looks (metadata, attachments, widget state, keys
the walker skips, shapes nbformat rejects), or in bytes a naive decoder calls
binary (UTF-16, NULs). Each goes through every way jupyter_server writes a
file, under block, strip and warn. The promise checked on disk, in every
encoding: blocked or stripped, never saved as is; under warn, never saved
without the user being told.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from tests.server.conftest import Api
from tests.server.test_gate_bypass import METHODS, Outcome, read
from tests.support.fakes import fake_aws_key

from .gate_payloads import JSON_PAYLOADS, RAW_PAYLOADS, holds

POLICIES = pytest.mark.parametrize(
    "gate_settings",
    [{"save_policy": "block"}, {"save_policy": "strip"}, {"save_policy": "warn"}],
    ids=["block", "strip", "warn"],
)
#: Save paths that carry bytes as they are (the JSON ones need a parseable notebook).
BYTE_METHODS = [m for m in METHODS if m not in ("put-new-json", "put-new-text", "autosave")]


def check(policy: str, outcome: Outcome, root: Path, key: str, log: str) -> None:
    reply, on_disk = outcome.reply, read(root, outcome.target)
    action = reply.headers.get("X-Jupyter-Secrets-Action")
    assert key not in reply.body.decode("utf-8", "replace"), "the key is in the response"
    assert key not in log, "the key reached the server log"
    if policy == "block":
        # Refused and untouched, or written without the key (a parser dropped it).
        assert not holds(on_disk, key), f"saved with the key under block ({action})"
        if reply.status >= 400:
            assert on_disk == outcome.before, "a refused save changed the file on disk"
    elif policy == "strip":
        assert not holds(on_disk, key), f"saved with the key under strip ({action})"
    elif holds(on_disk, key):
        assert action == "warned", f"saved with the key and told {action!r} under warn"


@POLICIES
@pytest.mark.parametrize("payload", list(JSON_PAYLOADS))
@pytest.mark.parametrize("method", list(METHODS))
async def test_hidden_places(
    api: Api,
    jp_root_dir: Path,
    gate_settings: dict[str, Any],
    method: str,
    payload: str,
    caplog: Any,
) -> None:
    key = fake_aws_key()
    with caplog.at_level(logging.DEBUG):
        outcome = await METHODS[method](
            api, jp_root_dir, "hidden.ipynb", JSON_PAYLOADS[payload](key)
        )
    check(gate_settings["save_policy"], outcome, jp_root_dir, key, caplog.text)


@POLICIES
@pytest.mark.parametrize("payload", list(RAW_PAYLOADS))
@pytest.mark.parametrize("method", BYTE_METHODS)
async def test_encodings_and_broken_json(
    api: Api,
    jp_root_dir: Path,
    gate_settings: dict[str, Any],
    method: str,
    payload: str,
    caplog: Any,
) -> None:
    key = fake_aws_key()
    name, build = RAW_PAYLOADS[payload]
    with caplog.at_level(logging.DEBUG):
        outcome = await METHODS[method](api, jp_root_dir, name, build(key))
    check(gate_settings["save_policy"], outcome, jp_root_dir, key, caplog.text)
