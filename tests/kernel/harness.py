"""A real IPython kernel in an isolated HOME, driven through jupyter_client.

Every IOPub message and every shell reply is collected, so tests can assert
that nothing that left the kernel carries a secret in any form.
"""

from __future__ import annotations

import base64
import json
import queue
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jupyter_client.manager import KernelManager

# Kernels get their environment from tests.support.jupyter_env; the benchmarks import it here.
from tests.support.jupyter_env import isolated_env

__all__ = ["Execution", "Kernel", "forms_of", "isolated_env", "leaked_forms"]


def forms_of(value: str) -> dict[str, str]:
    """The encodings of ``value`` a leak check looks for (names -> forms)."""
    raw = value.encode()
    return {
        "plain": value,
        "reversed": value[::-1],
        "base64": base64.b64encode(raw).decode().rstrip("="),
        "urlsafe_base64": base64.urlsafe_b64encode(raw).decode().rstrip("="),
        "hex": raw.hex(),
        "HEX": raw.hex().upper(),
        "url": urllib.parse.quote(value, safe=""),
        "space_separated": " ".join(value),
        "prefix10": value[:10],
        "suffix10": value[-10:],
    }


def leaked_forms(blob: str | bytes, value: str) -> list[str]:
    """Names of the forms of ``value`` found in ``blob`` (never the forms themselves)."""
    found = []
    for name, form in forms_of(value).items():
        needle: str | bytes = form.encode() if isinstance(blob, bytes) else form
        if needle in blob:  # type: ignore[operator]
            found.append(name)
    return found


@dataclass(repr=False)
class Execution:
    reply: dict[str, Any]
    iopub: list[dict[str, Any]] = field(default_factory=list)

    def __repr__(self) -> str:  # pytest prints reprs on failure: show no content
        types = [m["msg_type"] for m in self.iopub]
        return f"<Execution status={self.reply.get('status')} iopub={types}>"

    @property
    def stdout(self) -> str:
        return "".join(
            m["content"]["text"]
            for m in self.iopub
            if m["msg_type"] == "stream" and m["content"]["name"] == "stdout"
        )

    @property
    def stderr(self) -> str:
        return "".join(
            m["content"]["text"]
            for m in self.iopub
            if m["msg_type"] == "stream" and m["content"]["name"] == "stderr"
        )

    @property
    def errors(self) -> list[dict[str, Any]]:
        return [m["content"] for m in self.iopub if m["msg_type"] == "error"]

    @property
    def results(self) -> list[dict[str, Any]]:
        return [
            m["content"] for m in self.iopub if m["msg_type"] in ("execute_result", "display_data")
        ]

    def everything(self) -> str:
        """All that left the kernel for this request, as one JSON text."""
        return json.dumps([self.reply, self.iopub], default=_as_text, ensure_ascii=False)


def _as_text(obj: object) -> str:
    # Buffers byte for byte (latin-1), so a value inside binary data is still seen.
    return obj.decode("latin-1") if isinstance(obj, bytes) else str(obj)


class Kernel:
    """A started kernel plus a blocking client."""

    def __init__(
        self,
        home: Path,
        env: dict[str, str],
        extra_arguments: list[str] | None = None,
        **launch: Any,
    ) -> None:
        self.home = home
        self.km = KernelManager(kernel_name="python3")
        # ``launch`` reaches Popen (e.g. stdout=file to capture the kernel's own stdout).
        self.km.start_kernel(
            env=env, extra_arguments=extra_arguments or [], cwd=str(home), **launch
        )
        self.kc = self.km.blocking_client()
        self.kc.start_channels()
        self.kc.wait_for_ready(timeout=60)
        self.all: list[Execution] = []
        #: Values the test planted; scrubbed from any diagnostic this harness prints.
        self.planted: list[str] = []

    def safe(self, text: str) -> str:
        for value in self.planted:
            for form in forms_of(value).values():
                text = text.replace(form, "<planted value>")
        return text

    def run(self, code: str, timeout: float = 60, stdin: str | None = None) -> Execution:
        msg_id = self.kc.execute(code, allow_stdin=stdin is not None)
        execution = Execution(reply={})
        if stdin is not None:
            request = self.kc.get_stdin_msg(timeout=timeout)
            assert request["msg_type"] == "input_request"
            self.kc.input(stdin)
        while True:
            try:
                msg = self.kc.get_iopub_msg(timeout=timeout)
            except queue.Empty:
                raise AssertionError(f"kernel did not finish within {timeout}s") from None
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            execution.iopub.append(
                {
                    "msg_type": msg["msg_type"],
                    "content": msg["content"],
                    "metadata": msg.get("metadata", {}),
                    "buffers": [bytes(b) for b in msg.get("buffers", [])],
                }
            )
            if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                break
        while True:
            reply = self.kc.get_shell_msg(timeout=timeout)
            if reply["parent_header"].get("msg_id") == msg_id:
                execution.reply = reply["content"]
                break
        self.all.append(execution)
        return execution

    def ok(self, code: str, timeout: float = 60) -> Execution:
        """Run code that must succeed; on failure show only value-free info."""
        execution = self.run(code, timeout=timeout)
        if execution.reply.get("status") != "ok":
            detail = f"{execution.reply.get('ename')}: {execution.reply.get('evalue')}\n{execution.stderr}"
            raise AssertionError("cell failed: " + self.safe(detail)[:2000])
        return execution

    @property
    def pid(self) -> int:
        """The kernel process's id (for reading its /proc entries from the test)."""
        process = getattr(self.km.provisioner, "process", None)
        assert process is not None, "kernel process not running"
        return int(process.pid)

    def shutdown(self) -> None:
        if not self.km.has_kernel:
            return
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=False)
