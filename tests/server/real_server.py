"""Start a real ``jupyter server`` subprocess on 127.0.0.1 with a token (tests and benchmark).

Layout under ``base``: ``home/`` (HOME with Jupyter's dirs, see ``server_dirs``), ``root/``
(the notebook root) and ``server.log``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from tests.support.jupyter_env import JupyterDirs
from tests.support.server import JupyterServer, start_jupyter

# The benchmarks (benchmarks/bench_known.py, bench_save.py) import this name.
RealServer = JupyterServer


def server_dirs(base: Path) -> JupyterDirs:
    """The Jupyter dirs of ``start_server(base)``, to put a config file in before it starts."""
    return JupyterDirs(base / "home")


def start_server(
    base: Path,
    with_extension: bool = True,
    extra: list[str] | None = None,
    env: Mapping[str, str] | None = None,
) -> JupyterServer:
    """A jupyter server that requires its token and serves hidden files (deployments that
    serve .env turn that on); ``env`` reaches it and its kernels."""
    return start_jupyter(
        "jupyter_server",
        home=server_dirs(base).home,
        root=base / "root",
        log_path=base / "server.log",
        args=[
            "--ServerApp.allow_unauthenticated_access=False",
            "--ContentsManager.allow_hidden=True",
            # Explicit either way: the package's own jupyter-config may enable it from sys.prefix.
            f"--ServerApp.jpserver_extensions=jupyter_secrets={with_extension}",
            *(extra or []),
        ],
        env=env,
    )
