"""Start a real JupyterHub 6 on 127.0.0.1: DummyAuthenticator, SimpleLocalProcessSpawner and a
locally installed configurable-http-proxy, everything (db, cookie secret, pid files, homes,
logs) under one temp dir.

Secret values and hub credentials reach the hub through its environment only: the config file
reads them from ``os.environ``, so nothing sensitive is written into the temp dir by us.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from jupyter_secrets.hub_service.panel import READ_ALL_SCOPE
from tests.netutil import free_port
from tests.support.jupyter_env import isolated_env
from tests.support.process import launch, stop_process, wait_until

BIN_DIR = Path(sys.executable).parent
JUPYTERHUB = BIN_DIR / "jupyterhub"
SINGLEUSER = BIN_DIR / "jupyterhub-singleuser"
CHP_PACKAGE = "configurable-http-proxy@5"
CHP_CACHE = (
    Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    / "jupyter-secrets-tests"
    / "chp"
)
ADMIN_SERVICE = "secrets-test-admin"

# Read by the hub when it loads the config: values come from its environment.
HUB_CONFIG = """\
import os
c = get_config()  # noqa: F821
base = {base!r}
c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = {port}
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = {hub_port}
c.JupyterHub.db_url = "sqlite:///" + base + "/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = base + "/jupyterhub_cookie_secret"
c.JupyterHub.pid_file = base + "/jupyterhub.pid"
c.ConfigurableHTTPProxy.command = [{chp!r}]
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{proxy_api_port}"
c.ConfigurableHTTPProxy.pid_file = base + "/jupyterhub-proxy.pid"
c.JupyterHub.authenticator_class = "dummy"
c.DummyAuthenticator.password = os.environ["HUB_TEST_PASSWORD"]
c.Authenticator.allow_all = True
c.JupyterHub.services = [
    {{"name": {admin!r}, "api_token": os.environ["HUB_TEST_ADMIN_TOKEN"]}},
    # jupyter-secrets' audit trail, run by the hub as a managed service.
    {{"name": "jupyter-secrets-audit", "url": "http://127.0.0.1:{audit_port}",
      "command": [{python!r}, "-m", "jupyter_secrets.hub_service"],
      "environment": {{"JUPYTER_SECRETS_AUDIT_DB": os.environ.get("HUB_TEST_AUDIT_DB")
                                                or "sqlite:///" + base + "/audit-service.sqlite"}},
      # Its report page logs browsers in through the hub; the token it gets may carry the
      # auditors' scope, and nothing else beyond identifying the user.
      "oauth_no_confirm": True, "oauth_client_allowed_scopes": [{read_all!r}]}},
]
# Auditors read everyone's events and the report without being hub admins.
c.JupyterHub.custom_scopes = {{{read_all!r}: {{"description": "Read every user's secrets audit events"}}}}
c.JupyterHub.load_groups = {{"auditors": {{"users": ["carol"]}}}}
c.JupyterHub.load_roles = [
    {{"name": "admin", "services": [{admin!r}]}},
    {{"name": "secrets-auditor", "groups": ["auditors"], "scopes": [{read_all!r}]}},
    # Users may share their server with another user by name (JupyterHub 5+ sharing),
    # and send their audit events to the audit service.
    {{"name": "user", "scopes": ["self", "shares!user", "read:users:name",
                               "access:services!service=jupyter-secrets-audit"]}},
]
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = base + "/home/{{username}}"
# One log file per single-user server (its kernels write there too).
c.Spawner.cmd = ["/bin/sh", "-c", 'exec "$0" "$@" >>"{base}/logs/$JUPYTERHUB_USER.log" 2>&1', {singleuser!r}]
c.Spawner.args = ["--allow-root", "--FileContentsManager.delete_to_trash=False"]
c.Spawner.environment = {{name: os.environ[name] for name in {passed!r}}}
# The server's token may read its user's groups (jupyter-secrets' grants use them).
c.Spawner.server_token_scopes = ["access:servers!server", "users:activity!user", "read:users:groups!user",
                                 "access:services!service=jupyter-secrets-audit"]
c.Spawner.start_timeout = 60
c.Spawner.http_timeout = 60
"""


class HubUnavailable(RuntimeError):
    """A prerequisite (jupyterhub, npm, the proxy) is missing on this machine."""


def proxy_command() -> str:
    """configurable-http-proxy from the test cache, installed there with npm on first use."""
    binary = CHP_CACHE / "node_modules" / ".bin" / "configurable-http-proxy"
    if binary.exists():
        return str(binary)
    npm = shutil.which("npm")
    if npm is None:
        raise HubUnavailable(
            "npm is not installed; it is needed to install configurable-http-proxy"
        )
    staging = CHP_CACHE.with_name(f"chp.tmp-{os.getpid()}")
    result = subprocess.run(
        [npm, "install", "--prefix", str(staging), CHP_PACKAGE, "--no-audit", "--no-fund"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if result.returncode != 0:
        shutil.rmtree(staging, ignore_errors=True)
        tail = (result.stderr or result.stdout).strip().splitlines()[-3:]
        raise HubUnavailable(f"npm install {CHP_PACKAGE} failed: {' | '.join(tail)}")
    try:
        staging.rename(CHP_CACHE)  # atomic: a concurrent run sees all of it or nothing
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)  # another run installed it first
    return str(binary)


@dataclass
class Hub:
    url: str
    base: Path
    admin_token: str
    process: subprocess.Popen[bytes] = field(repr=False)
    password: str = field(default="", repr=False)
    tokens: dict[str, str] = field(default_factory=dict)
    audit_url: str = ""

    def request(
        self, method: str, path: str, token: str | None = None, json: Any = None, **kwargs: Any
    ) -> requests.Response:
        """One request through the proxy; redirects are answers to look at, not to follow."""
        headers = {"Authorization": f"token {token}"} if token else {}
        return requests.request(
            method,
            f"{self.url}/{path.lstrip('/')}",
            headers=headers,
            json=json,
            allow_redirects=False,
            timeout=kwargs.pop("timeout", 60),
            **kwargs,
        )

    def admin(self, method: str, path: str, json: Any = None) -> requests.Response:
        return self.request(method, f"hub/api/{path}", self.admin_token, json)

    def log_files(self) -> list[Path]:
        return sorted((self.base / "logs").glob("*.log"))

    def log_tail(self, name: str = "hub", chars: int = 3000) -> str:
        path = self.base / "logs" / f"{name}.log"
        return path.read_text(errors="replace")[-chars:] if path.exists() else "(no log)"

    def stop(self) -> None:
        # SIGTERM to the hub alone: it stops its servers and proxy on the way out.
        stop_process(self.process, timeout=30)

    def answers(self) -> bool:
        """Whether the hub's API answers the admin now (anyone, while there is no admin token)."""
        try:
            if not self.admin_token:
                return self.request("GET", "hub/api/").status_code == 200
            return self.admin("GET", "info").status_code == 200
        except requests.ConnectionError:
            return False


def audit_service_url(port: int) -> str:
    return f"http://127.0.0.1:{port}/services/jupyter-secrets-audit/api/events"


def start_hub(
    base: Path,
    spawner_env: dict[str, str],
    password: str,
    audit_port: int,
    audit_db: str | None = None,
) -> Hub:
    """Start the hub and wait for its API.

    ``spawner_env`` goes to every single-user server (and its kernels); ``password`` is the
    DummyAuthenticator's shared password. ``audit_db`` is the audit service's SQLAlchemy
    URL (SQLite under ``base`` by default); it may hold a password, so it reaches the
    service through the hub's environment only.
    """
    chp = proxy_command()
    port, hub_port, proxy_api_port = free_port(), free_port(), free_port()
    admin_token = secrets.token_hex(32)
    config = base / "jupyterhub_config.py"
    config.write_text(
        HUB_CONFIG.format(
            base=str(base),
            port=port,
            hub_port=hub_port,
            proxy_api_port=proxy_api_port,
            chp=chp,
            admin=ADMIN_SERVICE,
            read_all=READ_ALL_SCOPE,
            audit_port=audit_port,
            python=sys.executable,
            singleuser=str(SINGLEUSER),
            passed=sorted(spawner_env),
        )
    )
    env = {
        **spawner_env,
        "HUB_TEST_PASSWORD": password,
        "HUB_TEST_ADMIN_TOKEN": admin_token,
        **({"HUB_TEST_AUDIT_DB": audit_db} if audit_db else {}),
    }
    hub = launch_hub(base, config, env, port, admin_token)
    hub.password = password
    hub.audit_url = audit_service_url(audit_port)
    return hub


def launch_hub(
    base: Path, config: Path, env: dict[str, str], port: int, admin_token: str = ""
) -> Hub:
    """``jupyterhub -f config`` with ``base`` as its cwd (its log: ``base/logs/hub.log``),
    ``env`` on top of an isolated environment, its proxy on ``port``; waits for its API.

    ``admin_token``: the token the config gives an admin. Without one the hub is up when
    its API answers anyone, and the caller gets an admin token afterwards.
    """
    if not JUPYTERHUB.exists() or not SINGLEUSER.exists():
        raise HubUnavailable(f"jupyterhub is not installed next to {sys.executable}")
    (base / "logs").mkdir(parents=True, exist_ok=True)
    (base / "home").mkdir(exist_ok=True)
    process = launch(
        [str(JUPYTERHUB), "-f", str(config)],
        env=isolated_env(
            base / "hub-home", {**env, "CONFIGPROXY_AUTH_TOKEN": secrets.token_hex(32)}
        ),
        cwd=base,
        log_path=base / "logs" / "hub.log",
        new_session=True,
    )
    hub = Hub(f"http://127.0.0.1:{port}", base, admin_token, process)
    try:
        wait_until(
            hub.answers,
            60,
            "jupyterhub to answer its API",
            process=process,
            detail=lambda: f"; log:\n{hub.log_tail()}",
        )
    except BaseException:
        hub.stop()
        raise
    return hub


def login_token(hub: Hub, name: str) -> str:
    """An API token for ``name``, requested with the user's password (DummyAuthenticator)."""
    reply = hub.request(
        "POST",
        f"hub/api/users/{name}/tokens",
        json={
            "auth": {"username": name, "password": hub.password},
            "note": "jupyter-secrets tests",
        },
    )
    if reply.status_code != 201:
        raise RuntimeError(f"token for {name}: HTTP {reply.status_code}")
    token: str = reply.json()["token"]
    return token


def spawn_all(hub: Hub, names: list[str], timeout: float = 60) -> None:
    """Start each user's server (with the user's own token) and wait until all are ready."""
    for name in names:
        reply = hub.request("POST", f"hub/api/users/{name}/server", hub.tokens[name])
        if reply.status_code not in (201, 202):
            raise RuntimeError(f"spawn {name}: HTTP {reply.status_code} {reply.text[:200]}")
    waiting = set(names)

    def all_ready() -> bool:
        for name in sorted(waiting):
            server = hub.admin("GET", f"users/{name}").json().get("servers", {}).get("", {})
            if server.get("ready"):
                waiting.discard(name)
        return not waiting

    def logs() -> str:
        tails = "\n".join(f"--- {n}\n{hub.log_tail(n)}" for n in sorted(waiting))
        return f": {sorted(waiting)} are not\n{tails}"

    wait_until(all_ready, timeout, "every user's server to be ready", detail=logs)
