"""Skip for a missing prerequisite, or fail instead under ``JUPYTER_SECRETS_STRICT_TESTS=1``.

CI (scripts/test.sh) sets the variable: there a missing tool (Chromium, the Secret Service,
npm, gnome-keyring) is a broken machine, not a reason to run fewer tests.
"""

from __future__ import annotations

import os
from typing import NoReturn

import pytest

STRICT_VARIABLE = "JUPYTER_SECRETS_STRICT_TESTS"
STRICT: bool = os.environ.get(STRICT_VARIABLE) == "1"


def skip_or_fail(reason: str) -> NoReturn:
    """Skip the test for ``reason``; in strict mode fail it."""
    if STRICT:
        pytest.fail(f"{reason} ({STRICT_VARIABLE}=1)", pytrace=False)
    pytest.skip(reason)


def require(condition: bool, reason: str) -> None:
    """Go on when ``condition`` holds, else ``skip_or_fail(reason)``."""
    if not condition:
        skip_or_fail(reason)
