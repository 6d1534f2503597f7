"""A real ``jupyter server`` (or ``jupyter lab``) subprocess on 127.0.0.1 with a token.

Its HOME and Jupyter dirs are private (``isolated_env``), its output goes to a log file,
and it counts as started once ``GET /api/status`` answers 200 with the token.
"""

from __future__ import annotations

import json
import os
import secrets
import sys
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from subprocess import Popen
from typing import Any

from tests.netutil import free_port

from .jupyter_env import JupyterDirs, isolated_env
from .process import STOP_TIMEOUT_S, launch, stop_process, wait_until

REPO_ROOT = Path(__file__).resolve().parents[2]
READY_TIMEOUT_S = 60.0
LOG_TAIL_CHARS = 4000


@dataclass
class JupyterServer:
    """A running server process; ``request`` speaks its REST API with its token."""

    port: int
    token: str = field(repr=False)
    dirs: JupyterDirs
    root: Path
    log_path: Path
    process: Popen[bytes] = field(repr=False)

    @property
    def home(self) -> Path:
        return self.dirs.home

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def url(self, path: str = "", *, with_token: bool = False) -> str:
        url = self.base_url + path.lstrip("/")
        if with_token:
            url += ("&" if "?" in url else "?") + f"token={self.token}"
        return url

    def request(
        self, method: str, path: str, body: Any = None, token: str | None = "", timeout: float = 120
    ) -> tuple[int, dict[str, str], bytes]:
        """(status, headers, body), never raising on 4xx/5xx.

        ``body``: bytes as they are, anything else as JSON. ``token``: "" for the server's
        own, a string for another one, None for no Authorization header at all.
        """
        data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"}
        if token is not None:
            headers["Authorization"] = f"token {token or self.token}"
        # Always http://127.0.0.1:<port>/..., never a user-supplied scheme.
        request = urllib.request.Request(  # noqa: S310
            self.url(path), data=data, method=method, headers=headers
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    def ready(self) -> bool:
        """Whether ``GET /api/status`` answers 200 now."""
        try:
            status, _, _ = self.request("GET", "api/status", timeout=5)
        except OSError:  # not listening yet, or too busy to answer in time
            return False
        return status == 200

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def log_tail(self) -> str:
        return f"; log:\n{self.log_text()[-LOG_TAIL_CHARS:]}"

    def stop(self, timeout: float = STOP_TIMEOUT_S) -> None:
        stop_process(self.process, timeout)


def start_jupyter(
    app: str,
    *,
    home: Path,
    root: Path,
    log_path: Path,
    args: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
    ready_timeout: float = READY_TIMEOUT_S,
    python: str = sys.executable,
) -> JupyterServer:
    """``python -m <app>`` (jupyter_server or jupyterlab) serving ``root``, once it is ready.

    ``env`` reaches the server and, through it, its kernels (a secret for the env backend,
    a passphrase). Kernels import this checkout's ``jupyter_secrets`` (PYTHONPATH).
    ``python``: another environment's interpreter (the collaboration one).
    """
    root.mkdir(parents=True, exist_ok=True)
    environment = isolated_env(home, env)
    environment["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(REPO_ROOT), environment.get("PYTHONPATH")])
    )
    # The token goes through the environment so it does not show in `ps`.
    token = secrets.token_hex(24)
    environment["JUPYTER_TOKEN"] = token
    port = free_port()
    command = [
        python,
        "-m",
        app,
        "--no-browser",
        "--allow-root",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--ServerApp.root_dir={root}",
        *args,
    ]
    process = launch(command, env=environment, cwd=root, log_path=log_path)
    server = JupyterServer(port, token, JupyterDirs(home), root, log_path, process)
    try:
        wait_until(
            server.ready,
            ready_timeout,
            f"{app} to answer /api/status",
            process=process,
            detail=server.log_tail,
        )
    except BaseException:
        server.stop()
        raise
    return server
