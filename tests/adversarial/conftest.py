"""The adversarial suite shares the server tests' fixtures (a real jupyter_server per test)."""

from tests.server.conftest import *  # noqa: F403  (jp_* fixtures, api, gate_settings)
