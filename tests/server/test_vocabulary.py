"""The gate's words are the same lists in Python and in the frontend's TypeScript."""

from __future__ import annotations

import re
from pathlib import Path
from typing import get_args

import pytest

from jupyter_secrets.server import vocabulary
from jupyter_secrets.server.gate_report import PRECEDENCE

TS = Path(__file__).resolve().parents[2] / "src" / "vocabulary.ts"


def _ts_list(name: str) -> tuple[str, ...]:
    found = re.search(rf"export const {name} = \[(.*?)\] as const;", TS.read_text(), re.S)
    assert found is not None, f"src/vocabulary.ts has no {name} list"
    return tuple(re.findall(r"'([^']*)'", found.group(1)))


@pytest.mark.parametrize(
    ("ts_name", "python"),
    [
        ("POLICIES", vocabulary.POLICIES),
        ("ACTIONS", vocabulary.ACTIONS),
        ("ORIGINS", get_args(vocabulary.Origin)),
    ],
)
def test_typescript_and_python_name_the_same_words(ts_name: str, python: tuple[str, ...]) -> None:
    assert _ts_list(ts_name) == python


def test_every_action_has_a_precedence_and_every_failure_a_status() -> None:
    assert sorted(PRECEDENCE) == sorted(vocabulary.ACTIONS)
    assert set(vocabulary.FAILURE_STATUS) == set(get_args(vocabulary.FailureKind))
