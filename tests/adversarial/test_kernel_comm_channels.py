"""A comm's message metadata and binary buffers leave the kernel redacted, like its content."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.kernel.harness import Execution, Kernel, leaked_forms
from tests.support.fakes import fake_secret

from .kernels import kernel_with

MARKER = "[REDACTED dev/c/token]"


@pytest.fixture
def value() -> str:
    return fake_secret("Cv", 18)  # pragma: allowlist secret


@pytest.fixture
def kernel(tmp_path: Path, value: str) -> Iterator[Kernel]:
    with kernel_with(tmp_path, "dev/c/token", value) as k:
        yield k


def comm_messages(execution: Execution) -> list[dict[str, Any]]:
    return [m for m in execution.iopub if m["msg_type"] in ("comm_open", "comm_msg")]


def test_comm_metadata_is_redacted(kernel: Kernel, value: str) -> None:
    execution = kernel.ok(
        "from comm import create_comm\n"
        "c = create_comm(target_name='jsx', data={}, metadata={'open': str(pw)})\n"
        "c.send(data={'x': 1}, metadata={'pw': str(pw), 'nested': [{'k': str(pw)}]})"
    )
    messages = comm_messages(execution)
    assert [m["msg_type"] for m in messages] == ["comm_open", "comm_msg"]
    assert leaked_forms(execution.everything(), value) == []
    assert messages[0]["metadata"] == {"open": MARKER}
    assert messages[1]["metadata"] == {"pw": MARKER, "nested": [{"k": MARKER}]}


def test_comm_buffers_are_redacted(kernel: Kernel, value: str) -> None:
    execution = kernel.ok(
        "from comm import create_comm\n"
        "c = create_comm(target_name='jsx', data={})\n"
        "raw = str(pw).encode()\n"
        "c.send(data={}, buffers=[raw, b'before ' + raw, memoryview(raw), bytearray(raw),"
        " b'\\xff\\xfe' + raw + b'\\x00\\x80'])"
    )
    sent = [m for m in comm_messages(execution) if m["msg_type"] == "comm_msg"]
    assert len(sent) == 1
    buffers = sent[0]["buffers"]
    assert isinstance(buffers, list) and len(buffers) == 5
    for buffer in buffers:
        assert leaked_forms(buffer, value) == []
    assert buffers[:4] == [MARKER.encode(), b"before " + MARKER.encode()] + [MARKER.encode()] * 2
    # Not UTF-8: masked in place, same length, the bytes around it kept.
    binary = buffers[4]
    assert len(binary) == len(value) + 4
    assert binary[:2] == b"\xff\xfe" and binary[-2:] == b"\x00\x80"


def test_raw_session_send_metadata_and_buffers(kernel: Kernel, value: str) -> None:
    # Code that calls the kernel's session directly (as some widget libraries do).
    execution = kernel.ok(
        "k = get_ipython().kernel\n"
        "k.session.send(k.iopub_socket, 'comm_msg', {'comm_id': 'x', 'data': {}},"
        " parent=k.get_parent(), metadata={'m': str(pw)}, buffers=[str(pw).encode()])\n"
        "msg = k.session.msg('comm_msg', {'comm_id': 'y', 'data': {}}, parent=k.get_parent(),"
        " metadata={'m': str(pw)})\n"
        "msg['buffers'] = [str(pw).encode()]\n"
        "k.session.send(k.iopub_socket, msg)"
    )
    sent = comm_messages(execution)
    assert len(sent) == 2
    assert leaked_forms(execution.everything(), value) == []
    for message in sent:
        assert message["metadata"] == {"m": MARKER}
        assert message["buffers"] == [MARKER.encode()]
