"""A small stand-in for HashiCorp Vault's HTTP API, for the vault backend's tests.

It stands in for Vault because no Vault server can run here: the binary is in neither
Debian, PyPI nor npm, so the tests cannot start one. It follows Vault's documented HTTP
API closely enough for hvac, on 127.0.0.1 and a free port:

- KV v2: https://developer.hashicorp.com/vault/api-docs/secret/kv/kv-v2 (``data/``,
  ``metadata/`` with ``LIST`` or ``GET ?list=true``, ``delete/``)
- AppRole login: https://developer.hashicorp.com/vault/api-docs/auth/approle#login-with-approle
- token lookup-self: https://developer.hashicorp.com/vault/api-docs/auth/token#lookup-a-token-self
- status codes and error bodies: https://developer.hashicorp.com/vault/api-docs#http-status-codes
- policies (path globs, capabilities): https://developer.hashicorp.com/vault/docs/concepts/policies
- namespaces (``X-Vault-Namespace``): https://developer.hashicorp.com/vault/docs/enterprise/namespaces

Simplified on purpose: mounts are one path segment; tokens and AppRoles are global
(a namespace only selects a separate tree of mounts, policies match paths inside it);
a policy maps a path (a trailing ``*`` is a prefix glob) to capabilities, the longest
match wins. ``fail_with`` makes every request answer 500 or 503 (sealed), or hang.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

ALL = frozenset({"create", "read", "update", "delete", "list"})
MAX_VERSIONS = 10  # Vault's default for a KV v2 mount
Policy = dict[str, frozenset[str]]  # path (a trailing * globs) -> capabilities


def vault_time() -> str:
    """Now, as Vault writes it: RFC 3339 in UTC with nanoseconds."""
    ns = time.time_ns()
    stamp = datetime.fromtimestamp(ns // 10**9, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{stamp}.{ns % 10**9:09d}Z"


@dataclass
class Version:
    data: dict[str, Any]
    created_time: str = field(default_factory=vault_time)
    deletion_time: str = ""
    destroyed: bool = False

    def metadata(self, number: int, custom: dict[str, str] | None) -> dict[str, Any]:
        return {"created_time": self.created_time, "custom_metadata": custom,
                "deletion_time": self.deletion_time, "destroyed": self.destroyed,
                "version": number}  # fmt: skip


@dataclass
class Secret:
    versions: dict[int, Version] = field(default_factory=dict)
    current: int = 0
    custom_metadata: dict[str, str] | None = None
    created_time: str = field(default_factory=vault_time)
    updated_time: str = field(default_factory=vault_time)


class VaultServer:
    """The server's state and its thread. ``with VaultServer() as vault: vault.url``."""

    def __init__(self) -> None:
        self.lock = threading.RLock()  # routes add tokens while holding it
        self.trees: dict[tuple[str, str], dict[str, Secret]] = {}  # (namespace, mount)
        self.tokens: dict[str, Policy] = {}
        self.roles: dict[str, tuple[str, Policy]] = {}  # role_id -> (secret_id, policy)
        self.fail_with: int | str | None = None  # 500, 503 or "hang"
        self.requests = 0
        self.released = threading.Event()  # lets hung requests end at stop
        self.root_token = self.add_token({"*": ALL})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.daemon_threads = True
        self.httpd.vault = self  # type: ignore[attr-defined]
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)

    def __enter__(self) -> VaultServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.released.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self._thread.join()

    def add_mount(self, name: str, namespace: str = "") -> str:
        with self.lock:
            self.trees.setdefault((namespace, name), {})
        return name

    def new_mount(self, namespace: str = "") -> str:
        """A fresh, empty KV v2 mount: one per test keeps tests apart."""
        return self.add_mount(f"kv-{secrets.token_hex(4)}", namespace)

    def add_token(self, policy: Policy) -> str:
        token = f"hvs.{secrets.token_urlsafe(18)}"
        with self.lock:
            self.tokens[token] = dict(policy)
        return token

    def add_approle(self, policy: Policy) -> tuple[str, str]:
        """(role_id, secret_id) of a new AppRole whose logins get ``policy``."""
        role_id, secret_id = secrets.token_hex(8), secrets.token_urlsafe(18)
        with self.lock:
            self.roles[role_id] = (secret_id, dict(policy))
        return role_id, secret_id

    def allowed(self, token: str | None, path: str, capability: str) -> bool:
        policy = self.tokens.get(token or "")
        if policy is None:
            return False
        matches = [p for p in policy if p == path or (p.endswith("*") and path.startswith(p[:-1]))]
        best = max(matches, key=lambda p: (len(p), not p.endswith("*")), default=None)
        return best is not None and capability in policy[best]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: ThreadingHTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the tests' output is checked for leaks, and a path is enough to debug."""

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PUT(self) -> None:
        self._handle("POST")  # Vault treats PUT and POST alike

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def do_LIST(self) -> None:
        self._handle("LIST")

    def _send(self, status: int, body: dict[str, Any] | None = None) -> None:
        payload = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        if body is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _handle(self, method: str) -> None:
        vault: VaultServer = self.server.vault  # type: ignore[attr-defined]
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        with vault.lock:
            vault.requests += 1
            fail_with = vault.fail_with
        if fail_with == "hang":
            vault.released.wait()
            return
        if fail_with is not None:
            message = "Vault is sealed" if fail_with == 503 else "internal error"
            return self._send(int(fail_with), {"errors": [message]})
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        if method == "GET" and query.get("list") == ["true"]:
            method = "LIST"
        path = unquote(url.path).removeprefix("/v1/").strip("/")
        body = json.loads(raw) if raw else {}
        with vault.lock:
            status, answer = self._route(vault, method, path, query, body)
        self._send(status, answer)

    def _route(
        self, vault: VaultServer, method: str, path: str, query: dict[str, list[str]], body: Any
    ) -> tuple[int, dict[str, Any] | None]:
        token = self.headers.get("X-Vault-Token")
        if path.startswith("auth/") and path.endswith("/login") and method == "POST":
            role = vault.roles.get(str(body.get("role_id")))
            if role is None or not secrets.compare_digest(role[0], str(body.get("secret_id"))):
                return 400, {"errors": ["invalid role or secret ID"]}
            client_token = vault.add_token(role[1])
            auth = {"client_token": client_token, "policies": ["approle"],
                    "lease_duration": 3600, "renewable": True}  # fmt: skip
            return 200, {"auth": auth, "data": None}
        if path == "auth/token/lookup-self" and method == "GET":
            if token not in vault.tokens:
                return 403, {"errors": ["permission denied"]}
            names = ["root"] if token == vault.root_token else ["default", "test"]
            return 200, {"data": {"id": token, "display_name": "token", "ttl": 0,
                                  "policies": names}}  # fmt: skip
        mount, _, rest = path.partition("/")
        kind, _, key = rest.partition("/")
        needed = {"GET": "read", "LIST": "list", "DELETE": "delete"}.get(method, "update")
        tree = vault.trees.get((self.headers.get("X-Vault-Namespace", ""), mount))
        if needed == "update" and kind == "data" and (tree is None or key not in tree):
            needed = "create"
        if not vault.allowed(token, path + ("/" if method == "LIST" else ""), needed):
            return 403, {"errors": ["permission denied"]}
        if tree is None or kind not in ("data", "metadata", "delete"):
            return 404, {"errors": [f'no handler for route "{path}". route entry not found.']}
        return _kv(tree, method, kind, key, query, body)


def _kv(
    tree: dict[str, Secret],
    method: str,
    kind: str,
    key: str,
    query: dict[str, list[str]],
    body: Any,
) -> tuple[int, dict[str, Any] | None]:
    """One KV v2 request on one mount's tree."""
    secret = tree.get(key)
    if kind == "metadata" and method == "LIST":
        folder = f"{key}/" if key else ""
        names = {k[len(folder) :].split("/")[0] + ("/" if "/" in k[len(folder) :] else "")
                 for k in tree if k.startswith(folder)}  # fmt: skip
        return (200, {"data": {"keys": sorted(names)}}) if names else (404, {"errors": []})
    if kind == "data" and method == "POST":
        cas = (body.get("options") or {}).get("cas")
        if cas is not None and cas != (secret.current if secret else 0):
            return 400, {"errors": ["check-and-set parameter did not match the current version"]}
        secret = tree.setdefault(key, Secret())
        secret.current += 1
        secret.versions[secret.current] = version = Version(dict(body.get("data") or {}))
        secret.updated_time = version.created_time
        for old in sorted(secret.versions)[:-MAX_VERSIONS]:
            del secret.versions[old]
        return 200, {"data": version.metadata(secret.current, secret.custom_metadata)}
    if kind == "metadata" and method == "POST":
        secret = tree.setdefault(key, Secret())
        secret.custom_metadata = body.get("custom_metadata", secret.custom_metadata)
        secret.updated_time = vault_time()
        return 204, None
    if kind == "metadata" and method == "DELETE":  # 204 whether it was there or not
        tree.pop(key, None)
        return 204, None
    if secret is None:
        return 404, {"errors": []}
    if kind == "data" and method == "GET":
        number = int(query.get("version", ["0"])[0]) or secret.current
        found = secret.versions.get(number)
        if found is None:
            return 404, {"errors": []}
        meta = found.metadata(number, secret.custom_metadata)
        if found.deletion_time or found.destroyed:  # Vault answers 404 with the metadata
            return 404, {"data": {"data": None, "metadata": meta}}
        return 200, {"data": {"data": found.data, "metadata": meta}}
    if kind == "metadata" and method == "GET":
        versions = {str(n): {"created_time": v.created_time, "deletion_time": v.deletion_time,
                             "destroyed": v.destroyed} for n, v in secret.versions.items()}  # fmt: skip
        return 200, {"data": {"cas_required": False, "created_time": secret.created_time,
                              "current_version": secret.current, "max_versions": 0,
                              "custom_metadata": secret.custom_metadata,
                              "oldest_version": min(secret.versions, default=0),
                              "updated_time": secret.updated_time, "versions": versions}}  # fmt: skip
    if (kind, method) in (("delete", "POST"), ("data", "DELETE")):
        numbers = body.get("versions", []) if kind == "delete" else [secret.current]
        for number in numbers:
            if number in secret.versions and not secret.versions[number].deletion_time:
                secret.versions[number].deletion_time = vault_time()
        return 204, None
    return 405, {"errors": ["unsupported operation"]}
