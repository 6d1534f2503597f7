"""Run code in a kernel over its websocket, through the hub's proxy.

jupyter_client's KernelClient speaks ZMQ to the kernel directly, which a hub user cannot do;
the websocket is what JupyterLab uses. Without a negotiated subprotocol jupyter_server speaks
plain JSON messages with a ``channel`` key.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from tornado.httpclient import HTTPRequest
from tornado.websocket import websocket_connect


@dataclass
class Execution:
    reply: dict[str, Any]
    messages: list[dict[str, Any]]

    @property
    def status(self) -> str:
        return str(self.reply["content"]["status"])

    def stdout(self) -> str:
        return "".join(
            m["content"]["text"]
            for m in self.messages
            if m["msg_type"] == "stream" and m["content"].get("name") == "stdout"
        )


def execute(ws_url: str, token: str, code: str, timeout: float = 60) -> Execution:
    """Execute ``code`` and collect every message the cell produced, until idle."""
    return asyncio.run(asyncio.wait_for(_execute(ws_url, token, code), timeout))


async def _execute(ws_url: str, token: str, code: str) -> Execution:
    session = uuid.uuid4().hex
    request = HTTPRequest(
        f"{ws_url}?session_id={session}", headers={"Authorization": f"token {token}"}
    )
    connection = await websocket_connect(request)
    msg_id = uuid.uuid4().hex
    connection.write_message(
        json.dumps(
            {
                "header": {
                    "msg_id": msg_id,
                    "msg_type": "execute_request",
                    "session": session,
                    "username": "test",
                    "version": "5.3",
                    "date": datetime.now(timezone.utc).isoformat(),
                },
                "parent_header": {},
                "metadata": {},
                "content": {
                    "code": code,
                    "silent": False,
                    "store_history": True,
                    "user_expressions": {},
                    "allow_stdin": False,
                    "stop_on_error": True,
                },
                "channel": "shell",
                "buffers": [],
            }
        )
    )
    messages: list[dict[str, Any]] = []
    reply: dict[str, Any] | None = None
    idle = False
    try:
        while reply is None or not idle:
            raw = await connection.read_message()
            if raw is None:
                raise RuntimeError("the kernel websocket closed before the cell finished")
            if isinstance(raw, bytes):  # binary frames carry buffers; cells here send none
                continue
            message = json.loads(raw)
            if message.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            messages.append(message)
            kind = message.get("msg_type")
            if kind == "execute_reply":
                reply = message
            elif kind == "status" and message["content"].get("execution_state") == "idle":
                idle = True
    finally:
        connection.close()
    return Execution(reply, messages)
