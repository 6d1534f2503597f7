"""Start a real ``jupyter server`` subprocess on 127.0.0.1 with a token (tests and benchmark)."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.netutil import free_port

REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass
class RealServer:
    port: int
    token: str
    base: Path
    process: subprocess.Popen[bytes] = field(repr=False)

    @property
    def root(self) -> Path:
        return self.base / "root"

    def request(
        self, method: str, path: str, body: Any = None, token: str | None = "", timeout: float = 120
    ) -> tuple[int, dict[str, str], bytes]:
        data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"}
        if token is not None:
            headers["Authorization"] = f"token {token or self.token}"
        url = f"http://127.0.0.1:{self.port}/{path.lstrip('/')}"
        request = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    def log_text(self) -> str:
        return (self.base / "server.log").read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_server(
    base: Path, with_extension: bool = True, extra: list[str] | None = None
) -> RealServer:
    """A jupyter server with isolated HOME/config/data/runtime dirs under ``base``."""
    dirs = {
        "HOME": base / "home",
        "JUPYTER_CONFIG_DIR": base / "config",
        "JUPYTER_DATA_DIR": base / "data",
        "JUPYTER_RUNTIME_DIR": base / "runtime",
        "IPYTHONDIR": base / "ipython",
    }
    for path in [*dirs.values(), base / "root"]:
        path.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("JUPYTER")}
    # ipykernel stops capturing fd-level output when it sees this (see kernel/harness.py):
    # kernels of this server must behave as they do outside pytest.
    env.pop("PYTEST_CURRENT_TEST", None)
    env.update({k: str(v) for k, v in dirs.items()})
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    token = secrets.token_hex(24)
    env["JUPYTER_TOKEN"] = token  # through the environment, so it does not show in `ps`
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "jupyter_server",
        "--no-browser",
        "--allow-root",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--ServerApp.root_dir={base / 'root'}",
        "--ServerApp.allow_unauthenticated_access=False",
        "--ContentsManager.allow_hidden=True",
        # Explicit either way: the package's own jupyter-config may enable it from sys.prefix.
        f"--ServerApp.jpserver_extensions=jupyter_secrets={with_extension}",
        *(extra or []),
    ]
    with (base / "server.log").open("wb") as log:
        process = subprocess.Popen(
            command, env=env, cwd=base / "root", stdout=log, stderr=subprocess.STDOUT
        )
    server = RealServer(port, token, base, process)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"jupyter server exited early; log:\n{server.log_text()[-3000:]}")
        try:
            status, _, _ = server.request("GET", "api/status", timeout=2)
        except OSError:
            status = 0
        if status == 200:
            return server
        time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"jupyter server not ready after 60 s; log:\n{server.log_text()[-3000:]}")
