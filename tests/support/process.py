"""Subprocesses under test: start one with its output in a log file, wait for a condition
(never a fixed time), stop it. The one copy of the terminate-wait-kill sequence."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

STOP_TIMEOUT_S = 15.0  # SIGTERM, then this long for a clean exit, then SIGKILL
KILLED_TIMEOUT_S = 10.0  # for the kernel to reap a SIGKILLed process
POLL_INTERVAL_S = 0.2


def launch(
    command: Sequence[str],
    *,
    env: Mapping[str, str],
    cwd: Path,
    log_path: Path,
    new_session: bool = False,
) -> subprocess.Popen[bytes]:
    """Start ``command`` with stdout and stderr written to ``log_path`` (truncated first).

    The child writes through its own copy of the file; ours is closed before this returns,
    so a stopped process leaves no log open. ``new_session`` puts it in a process group of
    its own (for ``stop_process(group=True)``).
    """
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log:
        return subprocess.Popen(
            list(command),
            env=dict(env),
            cwd=cwd,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=new_session,
        )


def stop_process(
    process: subprocess.Popen[bytes], timeout: float = STOP_TIMEOUT_S, *, group: bool = False
) -> None:
    """SIGTERM, up to ``timeout`` seconds for it to exit, then SIGKILL.

    ``group``: signal the whole process group (a script and everything it started; the
    process must have been launched with ``new_session=True``).
    """
    if process.poll() is not None:
        return
    _signal(process, signal.SIGTERM, group)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        _signal(process, signal.SIGKILL, group)
        process.wait(timeout=KILLED_TIMEOUT_S)


def _signal(process: subprocess.Popen[bytes], signum: signal.Signals, group: bool) -> None:
    try:
        if group:
            os.killpg(process.pid, signum)
        else:
            process.send_signal(signum)
    except ProcessLookupError:
        pass  # it exited meanwhile


def wait_until(
    condition: Callable[[], T],
    timeout: float,
    what: str,
    *,
    process: subprocess.Popen[bytes] | None = None,
    detail: Callable[[], str] | None = None,
    interval: float = POLL_INTERVAL_S,
) -> T:
    """Poll ``condition`` until it returns something truthy, and return that.

    Fails (AssertionError naming ``what``) after ``timeout`` seconds, or as soon as
    ``process`` has exited: a process that died is not going to get ready. ``detail``
    adds to the message (a log tail, never a secret value).
    """
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if process is not None and process.poll() is not None:
            problem = f"the process exited with {process.returncode}"
        elif time.monotonic() > deadline:
            problem = f"timed out after {timeout:g} s"
        else:
            time.sleep(interval)
            continue
        raise AssertionError(f"waiting for {what}: {problem}" + (detail() if detail else ""))
