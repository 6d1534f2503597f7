"""examples/jupyterhub/values.yaml (Zero to JupyterHub) against jupyterhub_config.py.

No helm runs here, so the chart is emulated the way its own jupyterhub_config.py reads
values (``hub.services`` and ``hub.loadRoles`` as lists, ``hub.config`` sections, then each
``hub.extraConfig`` entry exec'd): both files, loaded into a traitlets Config, must give the
same settings for what they share, their hooks must behave alike (against a fake Vault
JWT login), the mounted policy must load with the real admin-policy loader, and the audit
service's command must be a module that runs.
"""

from __future__ import annotations

import asyncio
import copy
import importlib.util
import json
import logging
import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from traitlets.config import Config

from jupyter_secrets.admin_policy import BASENAME, apply_to_secrets, load_admin_policy
from jupyter_secrets.config import SecretsConfig
from jupyter_secrets.guardrails import parse_grants
from jupyter_secrets.hub_service.panel import READ_ALL_SCOPE
from jupyter_secrets.server.app import JupyterSecrets
from tests.support.fakes import fake_secret
from tests.support.strict import require

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "jupyterhub"
CONFIG_FILE = EXAMPLE / "jupyterhub_config.py"
AUDIT_SERVICE = "jupyter-secrets-audit"
JWT_ROLE = "jupyterhub-user"
POD_IP = "10.1.2.3"
#: Settings whose values are the site's own (addresses); every other one must agree.
SITE_SPECIFIC = {"audit_service_url", "backend_options"}


def example_config(**site: str) -> tuple[Config, dict[str, Any]]:
    """The example in production mode with ``site`` (JUPYTER_SECRETS_HUB_<NAME>) set:
    its Config, and the names it defines."""
    config = Config()
    names: dict[str, Any] = {"get_config": lambda: config, "__name__": "jupyterhub_config"}
    saved = dict(os.environ)
    try:
        for key in [k for k in os.environ if k.startswith("JUPYTER_SECRETS_HUB_")]:
            del os.environ[key]
        os.environ.update({f"JUPYTER_SECRETS_HUB_{k}": v for k, v in site.items()})
        code = compile(CONFIG_FILE.read_text(encoding="utf-8"), str(CONFIG_FILE), "exec")
        exec(code, names)  # noqa: S102 (the example, as JupyterHub loads it)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return config, names


def values() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((EXAMPLE / "values.yaml").read_text(encoding="utf-8"))
    return loaded


def helm_config(vault_addr: str) -> tuple[Config, dict[str, Any]]:
    """What the chart's jupyterhub_config.py makes of values.yaml (with the hub pod's
    environment: POD_IP and hub.extraEnv), and the names hub.extraConfig defines."""
    hub = copy.deepcopy(values()["hub"])
    config = Config()
    config.JupyterHub.services = [{**s, "name": n} for n, s in hub["services"].items()]
    config.JupyterHub.load_roles = [{**r, "name": n} for n, r in hub["loadRoles"].items()]
    for section, settings in hub["config"].items():
        config[section].update(settings)
    pod_env = {k: v for k, v in hub["extraEnv"].items() if isinstance(v, str)}
    names: dict[str, Any] = {"c": config, "__name__": "z2jh"}
    saved = dict(os.environ)
    try:
        os.environ.update({**pod_env, "POD_IP": POD_IP, "VAULT_ADDR": vault_addr})
        for key, snippet in sorted(hub["extraConfig"].items()):
            exec(compile(snippet, f"hub.extraConfig.{key}", "exec"), names)  # noqa: S102 (as the chart does)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return config, names


class JWTLogin(BaseHTTPRequestHandler):
    """Vault's ``POST /v1/auth/jwt/login``: one id_token is good, any other is refused."""

    good_jwt = ""
    token = ""

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        ok = self.path == "/v1/auth/jwt/login" and body == {"role": JWT_ROLE, "jwt": self.good_jwt}
        reply = {"auth": {"client_token": self.token}} if ok else {"errors": ["invalid jwt"]}
        payload = json.dumps(reply).encode()
        self.send_response(200 if ok else 400)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


@pytest.fixture(scope="module")
def vault_login() -> Iterator[str]:
    JWTLogin.good_jwt, JWTLogin.token = fake_secret("jwt-"), fake_secret("hvs.")
    server = ThreadingHTTPServer(("127.0.0.1", 0), JWTLogin)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()


#: (the example's Config, its names), (the chart's Config, hub.extraConfig's names)
Both = tuple[tuple[Config, dict[str, Any]], tuple[Config, dict[str, Any]]]


@pytest.fixture(scope="module")
def both(vault_login: str, tmp_path_factory: pytest.TempPathFactory) -> Both:
    policy_file = tmp_path_factory.mktemp("example") / "etc" / BASENAME
    example = example_config(POLICY_FILE=str(policy_file), VAULT_ADDR=vault_login)
    return example, helm_config(vault_login)


def test_the_shared_settings_are_equal(both: Both) -> None:
    (example, _), (helm, _) = both
    for section, name in [
        ("JupyterHub", "load_groups"),
        ("JupyterHub", "custom_scopes"),
        ("JupyterHub", "authenticator_class"),
        ("Authenticator", "enable_auth_state"),
        ("Spawner", "server_token_scopes"),
        ("Spawner", "args"),
    ]:
        assert example[section][name] == helm[section][name], f"{section}.{name} differs"
    assert set(example.Authenticator.allowed_users) == set(helm.Authenticator.allowed_users)
    roles = [sorted(c.JupyterHub.load_roles, key=lambda r: r["name"]) for c in (example, helm)]
    assert roles[0] == roles[1]
    assert {
        "name": "user",
        "scopes": ["self", f"access:services!service={AUDIT_SERVICE}"],
    } in roles[0]
    assert any(READ_ALL_SCOPE in role["scopes"] for role in roles[0]), "no auditor role"
    assert example.Spawner.args == ["--ServerApp.jpserver_extensions=jupyter_secrets=True"]


def test_the_audit_service_is_the_same_and_its_command_a_module(both: Both) -> None:
    (example, _), (helm, _) = both
    services = []
    for config in (example, helm):
        [service] = [s for s in config.JupyterHub.services if s["name"] == AUDIT_SERVICE]
        services.append(service)
        command = service["command"]
        assert command[1:3] == ["-m", "jupyter_secrets.hub_service"]
        assert importlib.util.find_spec(command[2] + ".__main__") is not None
    mine, chart = services
    assert urlsplit(chart["url"]).hostname == POD_IP, "the service must listen on the pod's IP"
    assert urlsplit(mine["url"]).port == urlsplit(chart["url"]).port == 10101
    shared = {k: v for k, v in mine.items() if k not in ("url", "command")}
    assert shared == {k: v for k, v in chart.items() if k not in ("url", "command")}
    # The proxy must be let through to that port.
    [rule] = values()["hub"]["networkPolicy"]["ingress"]
    assert rule["ports"] == [{"port": 10101}]
    assert values()["hub"]["extraEnv"]["POD_IP"]["valueFrom"]["fieldRef"]["fieldPath"] == (
        "status.podIP"
    )


class FakeUser:
    name = "alice"

    def __init__(self, auth_state: dict[str, Any] | None) -> None:
        self.auth_state = auth_state

    async def get_auth_state(self) -> dict[str, Any] | None:
        return self.auth_state


class FakeSpawner:
    def __init__(self, auth_state: dict[str, Any] | None) -> None:
        self.user = FakeUser(auth_state)
        self.environment = {"VAULT_ADDR": "https://vault.example.org:8200"}


def test_the_hooks_are_the_same_python(both: Both) -> None:
    (_, mine), (_, chart) = both
    for name in ("store_login", "per_user_store_identity"):
        assert mine[name].__code__.co_code == chart[name].__code__.co_code, f"{name} differs"
        assert mine[name].__code__.co_names == chart[name].__code__.co_names, f"{name} differs"


def test_each_server_gets_its_users_own_credentials(both: Both) -> None:
    (example, _), (helm, _) = both
    vault_token = fake_secret("hvs.")
    aws = {"AccessKeyId": fake_secret("ASIA"), "SecretAccessKey": fake_secret(),
           "SessionToken": fake_secret()}  # fmt: skip
    cases: list[tuple[dict[str, Any], dict[str, str]]] = [
        ({"vault_token": vault_token}, {"VAULT_TOKEN": vault_token}),
        ({"aws_credentials": aws}, {"AWS_ACCESS_KEY_ID": aws["AccessKeyId"],
                                    "AWS_SECRET_ACCESS_KEY": aws["SecretAccessKey"],
                                    "AWS_SESSION_TOKEN": aws["SessionToken"]}),
    ]  # fmt: skip
    for auth_state, expected in cases:
        for config in (example, helm):
            spawner = FakeSpawner(auth_state)
            asyncio.run(config.Spawner.pre_spawn_hook(spawner))
            assert spawner.environment == {
                "VAULT_ADDR": "https://vault.example.org:8200",
                **expected,
            }
    for config in (example, helm):
        nothing: dict[str, Any] | None
        for nothing in (None, {}):
            with pytest.raises(RuntimeError, match="no store credentials for alice") as refused:
                asyncio.run(config.Spawner.pre_spawn_hook(FakeSpawner(nothing)))
            assert "hvs." not in str(refused.value)


def test_a_login_gets_a_vault_token_for_its_id_token(both: Both) -> None:
    (example, _), (helm, _) = both
    authenticator = type("Authenticator", (), {"log": logging.getLogger("test-hub")})()

    def login(config: Config, auth_state: dict[str, Any]) -> dict[str, Any] | None:
        model = {"name": "alice", "auth_state": dict(auth_state)}
        result: dict[str, Any] | None = asyncio.run(
            config.Authenticator.post_auth_hook(authenticator, None, model)
        )
        return result

    for config in (example, helm):
        state = {"id_token": JWTLogin.good_jwt, "access_token": "at"}
        logged_in = login(config, state)
        assert logged_in is not None
        assert logged_in["auth_state"] == {**state, "vault_token": JWTLogin.token}
        assert login(config, {"id_token": fake_secret("jwt-")}) is None, "Vault refused it"
        assert login(config, {"vault_token": "given"}) == {  # the test login: as it is
            "name": "alice",
            "auth_state": {"vault_token": "given"},
        }


def test_the_mounted_policy_is_the_examples_and_loads(both: Both, tmp_path: Path) -> None:
    (example, names), _ = both
    require(os.geteuid() == 0, "an admin policy file counts only when root owns it")
    mount = values()["singleuser"]["extraFiles"]["jupyter-secrets-policy"]
    assert mount["mountPath"] == f"/etc/jupyter/{BASENAME}"  # read without being named
    assert mount["mode"] == 0o444
    data = mount["data"]

    def shared(policy: dict[str, Any]) -> dict[str, Any]:
        return {
            section: {k: v for k, v in settings.items() if k not in SITE_SPECIFIC}
            for section, settings in policy.items()
        }

    assert shared(data) == shared(names["POLICY"])
    sc = data["SecretsConfig"]
    assert sc["backend_options"]["vault"]["mount"] == "secret"
    assert sc["audit_service_url"].endswith(f"/services/{AUDIT_SERVICE}/api/events")
    parse_grants(sc["grants"])  # a bad grant is a ConfigError

    # The chart's mount: a root-owned file of that mode in a directory only root writes.
    directory = tmp_path / "etc-jupyter"
    directory.mkdir(mode=0o755)
    mounted = directory / BASENAME
    mounted.write_text(json.dumps(data))
    mounted.chmod(mount["mode"])
    written = Path(names["POLICY_FILE"])  # what jupyterhub_config.py wrote at load
    for path, expected in ((mounted, data), (written, names["POLICY"])):
        policy = load_admin_policy([path])
        assert policy.files == [str(path)], policy.ignored_files
        assert policy.secrets == expected["SecretsConfig"]
        assert policy.server == expected["JupyterSecrets"]
        apply_to_secrets(SecretsConfig(), policy)  # every setting is known
        unknown = set(policy.server) - set(JupyterSecrets.class_trait_names(config=True))
        assert not unknown, f"not JupyterSecrets settings: {unknown}"
    assert example.Spawner.environment["JUPYTER_SECRETS_ADMIN_POLICY"] == str(written)


def test_the_servers_get_the_same_environment(both: Both) -> None:
    """The chart mounts the policy where servers read it unnamed; otherwise the same names."""
    (example, _), _ = both
    mine = set(example.Spawner.environment) - {"JUPYTER_SECRETS_ADMIN_POLICY"}
    assert mine == set(values()["singleuser"]["extraEnv"]) == {"VAULT_ADDR"}
