"""Who can answer a passphrase prompt: a terminal, or a host registered by its layer."""

from __future__ import annotations

import io
import sys

import pytest

from jupyter_secrets import prompting
from jupyter_secrets.kernel_prompt import in_running_kernel


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_can_and_a_pipe_cannot(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(prompting, "_HOSTS", [])
    monkeypatch.setattr(sys, "stdin", _Terminal(""))
    assert prompting.can_prompt()
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    assert not prompting.can_prompt()
    monkeypatch.setattr(sys, "stdin", None)
    assert not prompting.can_prompt()
    closed = io.StringIO("")
    closed.close()
    monkeypatch.setattr(sys, "stdin", closed)
    assert not prompting.can_prompt(), "a closed stdin raised or was taken for a terminal"


def test_a_registered_host_can_once_registered(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(prompting, "_HOSTS", [])
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    answering = [False]
    prompting.register_host(lambda: answering[0])
    assert not prompting.can_prompt()
    answering[0] = True
    assert prompting.can_prompt()


def test_the_package_registers_the_kernel_as_a_host() -> None:
    assert in_running_kernel in prompting._HOSTS
    assert not in_running_kernel(), "no kernel runs in the test process"
