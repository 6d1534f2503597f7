"""The worked deployment, examples/jupyterhub/jupyterhub_config.py, run for real in its test
mode: a hub on 127.0.0.1 with the example's own groups, grants, admin policy, audit service
and per-user store identity, against the Vault stand-in (``tests/backends/vault_server``).

The test login (defined in the example's test branch) puts each user's own Vault token in
their auth_state, as a Vault JWT login would; the example's pre-spawn hook gives it to
their server. Users log in with the login form, since only a login stores auth_state.
Tokens and values are compared through keyed digests and lengths, never printed.
"""

from __future__ import annotations

import hashlib
import hmac
import importlib
import json
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import requests

from jupyter_secrets.admin_policy import BASENAME
from tests.leaks import traces
from tests.netutil import free_port
from tests.support.fakes import fake_alnum, fake_aws_key, fake_secret
from tests.support.process import wait_until
from tests.support.strict import skip_or_fail

from .conftest import code_notebook, run_cell, start_session
from .hub_process import Hub, HubUnavailable, launch_hub, login_token, proxy_command, spawn_all

if TYPE_CHECKING:
    from tests.backends.vault_server import Policy, VaultServer

pytestmark = pytest.mark.hub

EXAMPLE_CONFIG = Path(__file__).resolve().parents[2] / "examples/jupyterhub/jupyterhub_config.py"
USERS = ["alice", "bob"]
ADMIN = "hubadmin"
AUDIT_SERVICE = "jupyter-secrets-audit"
PROD = "prod/warehouse"
DENIAL = (
    "alice (groups: analysts) may not read 'prod/warehouse': prod/ is protected and needs a "
    "grant that names it in SecretsConfig.grants; ask #data-platform for access"
)
#: Vault's own policies, bound to each user's token: the same prefixes as the grants.
VAULT_ACCESS = {
    "alice": {"read": ["dev/", "stg/"], "write": ["dev/", "stg/partner/"]},
    "bob": {"read": ["prod/", "stg/"], "write": []},
}


@dataclass
class Deployment:
    hub: Hub
    vault: VaultServer
    tokens: dict[str, str]  # user -> Vault token
    values: dict[str, str]  # ref -> value
    policy_file: Path

    @property
    def service(self) -> str:
        return f"{self.hub.url}/services/{AUDIT_SERVICE}/api/events"

    def server_log(self, user: str) -> Path:
        return self.hub.base / "logs" / f"{user}.log"


def vault_policy(read: list[str], write: list[str]) -> Policy:
    """Stand-in policy paths for the KV v2 mount ``secret``: data and metadata per prefix."""
    policy: dict[str, set[str]] = {}
    for prefix in read + write:
        capabilities = {"read", "list"} | ({"create", "update"} if prefix in write else set())
        for kind in ("data", "metadata"):
            policy.setdefault(f"secret/{kind}/{prefix}*", set()).update(capabilities)
    return {path: frozenset(caps) for path, caps in policy.items()}


def form_login(hub: Hub, name: str) -> None:
    """Log in with the login form, as a browser does (this stores the auth_state); the
    redirect is not followed, so the login alone starts no server."""
    session = requests.Session()
    page = session.get(f"{hub.url}/hub/login", timeout=30)
    found = re.search(r'name="_xsrf" value="([^"]+)"', page.text)
    assert page.status_code == 200 and found, f"the login page: HTTP {page.status_code}"
    done = session.post(
        f"{hub.url}/hub/login",
        data={"username": name, "password": hub.password, "_xsrf": found[1]},
        allow_redirects=False,
        timeout=30,
    )
    assert done.status_code == 302, f"{name}'s login: HTTP {done.status_code}"


@pytest.fixture(scope="module")
def deployment(
    vault: VaultServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Deployment]:
    base = tmp_path_factory.mktemp("deployment")
    vault.add_mount("secret")
    values = {"dev/hub/token": fake_secret("hubtok-"), "stg/partner/key": fake_secret(),
              PROD: fake_alnum(10)}  # fmt: skip
    hvac: Any = importlib.import_module("hvac")  # untyped: no stubs in the dev extra
    root = hvac.Client(url=vault.url, token=vault.root_token)
    for ref, value in values.items():
        root.secrets.kv.v2.create_or_update_secret(
            path=ref, secret={"value": value}, mount_point="secret"
        )
    tokens = {
        user: vault.add_token(vault_policy(**access)) for user, access in VAULT_ACCESS.items()
    }
    try:
        chp = proxy_command()
    except HubUnavailable as exc:
        skip_or_fail(str(exc))
    port, audit_port = free_port(), free_port()
    policy_file = base / "etc" / BASENAME
    password = secrets.token_urlsafe(12)
    site = {
        "MODE": "test",
        "STATE_DIR": str(base),
        "BIND_URL": f"http://127.0.0.1:{port}",
        "HUB_BIND_URL": f"http://127.0.0.1:{free_port()}",
        "PROXY_API_URL": f"http://127.0.0.1:{free_port()}",
        "PROXY_COMMAND": chp,
        "ADMIN_USERS": ADMIN,
        "AUDIT_URL": f"http://127.0.0.1:{audit_port}",
        "VAULT_ADDR": vault.url,
        "POLICY_FILE": str(policy_file),
        "TEST_PASSWORD": password,
        "TEST_VAULT_TOKENS": json.dumps(tokens),
    }
    env = {f"JUPYTER_SECRETS_HUB_{k}": v for k, v in site.items()}
    env["JUPYTERHUB_CRYPT_KEY"] = secrets.token_hex(32)  # auth_state is kept encrypted
    try:
        hub = launch_hub(base, EXAMPLE_CONFIG, env, port)
    except HubUnavailable as exc:
        skip_or_fail(str(exc))
    hub.password = password
    try:
        hub.admin_token = login_token(hub, ADMIN)
        for user in USERS:
            form_login(hub, user)
            hub.tokens[user] = login_token(hub, user)
        spawn_all(hub, USERS, timeout=120)
        yield Deployment(hub, vault, tokens, values, policy_file)
    finally:
        hub.stop()


def whose_token(deployment: Deployment, user: str) -> tuple[str, str]:
    """In a kernel of ``user``'s server: whose Vault token it holds (compared as a keyed
    digest with a key of this call's), and whether it is still in os.environ."""
    hub = deployment.hub
    key = secrets.token_hex(16)
    kernel = start_session(hub, user, f"{user}-identity.ipynb")
    code = (
        "import hashlib, hmac, os\n"
        "from jupyter_secrets.backends.base import credential_env\n"
        "t = (credential_env('VAULT_TOKEN') or '').encode()\n"
        f"print(hmac.new({key!r}.encode(), t, hashlib.sha256).hexdigest())\n"
        "print('VAULT_TOKEN' in os.environ)"
    )
    ran = run_cell(hub, user, kernel, code)
    assert ran.status == "ok", ran.reply["content"].get("evalue")
    digest, in_environ = ran.stdout().split()
    owners = [
        name
        for name, token in deployment.tokens.items()
        if hmac.compare_digest(
            digest, hmac.new(key.encode(), token.encode(), hashlib.sha256).hexdigest()
        )
    ]
    return (owners[0] if owners else "nobody's"), in_environ


def test_each_server_holds_its_own_users_vault_token(deployment: Deployment) -> None:
    assert whose_token(deployment, "alice") == ("alice", "False")
    assert whose_token(deployment, "bob") == ("bob", "False")


def test_vaults_acl_is_the_wall_not_the_extension(deployment: Deployment) -> None:
    """Around the extension, straight to Vault with her own token: prod/ is refused by
    Vault itself; bob's server reads it (through the extension, audited)."""
    hub = deployment.hub
    kernel = start_session(hub, "alice", "alice-around.ipynb")
    code = (
        "import hvac\n"
        "from jupyter_secrets.backends.base import credential_env\n"
        f"vc = hvac.Client(url={deployment.vault.url!r}, token=credential_env('VAULT_TOKEN'))\n"
        "try:\n"
        f"    vc.secrets.kv.v2.read_secret_version(path={PROD!r}, mount_point='secret',"
        " raise_on_deleted_version=True)\n"
        "    print('read')\n"
        "except hvac.exceptions.Forbidden:\n"
        "    print('forbidden')\n"
    )
    ran = run_cell(hub, "alice", kernel, code)
    assert ran.stdout().strip() == "forbidden", ran.reply["content"].get("evalue")
    bobs = start_session(hub, "bob", "bob-prod.ipynb")
    fetched = run_cell(hub, "bob", bobs, f"pw = %secret {PROD}\nprint(len(pw))")
    assert fetched.status == "ok", fetched.reply["content"].get("evalue")
    assert fetched.stdout().strip() == str(len(deployment.values[PROD]))


def test_the_admin_policy_is_in_force(deployment: Deployment) -> None:
    hub = deployment.hub
    reply = hub.request("GET", "user/alice/jupyter-secrets/policy", hub.tokens["alice"])
    assert reply.status_code == 200, reply.status_code
    policy = reply.json()
    assert (policy["policy"], policy["fail_closed"]) == ("block", True)
    assert policy["writable_scopes"] == ["dev", "stg"]
    for setting in ("save_policy", "fail_closed", "writable_scopes"):
        assert policy["sources"][setting] == f"admin policy {deployment.policy_file}"
    kernel = start_session(hub, "alice", "alice-grants.ipynb")
    denied = run_cell(hub, "alice", kernel, f"pw = %secret {PROD}")
    assert denied.status == "error" and DENIAL in denied.reply["content"].get("evalue", "")
    allowed = run_cell(hub, "alice", kernel, "k = %secret stg/partner/key\nprint(len(k))")
    assert allowed.stdout().strip() == str(len(deployment.values["stg/partner/key"]))


def test_the_audit_service_is_up_and_records_the_hubs_names(deployment: Deployment) -> None:
    hub = deployment.hub
    kernel = start_session(hub, "alice", "alice-audit.ipynb")
    run_cell(hub, "alice", kernel, "tok = %secret dev/hub/token")

    def hers() -> list[dict[str, Any]]:
        reply = requests.get(
            deployment.service, headers={"Authorization": f"token {hub.tokens['alice']}"},
            params={"limit": 10000}, timeout=30,
        )  # fmt: skip
        assert reply.status_code == 200, f"the audit service through the proxy: {reply.status_code}"
        assert reply.json()["user"] == "alice"
        events: list[dict[str, Any]] = reply.json()["events"]
        return [e for e in events if e.get("ref") == "dev/hub/token" and e["outcome"] == "allowed"]

    read = wait_until(hers, 30, "alice's read to reach the audit service")
    assert {(e["user"], e.get("backend")) for e in read} == {("alice", "vault")}
    everyone = requests.get(deployment.service, timeout=30, params={"limit": 10000},
                            headers={"Authorization": f"token {hub.admin_token}"})  # fmt: skip
    assert everyone.json()["admin"] is True
    assert {e["user"] for e in everyone.json()["events"]} == {"alice", "bob"}


WEAKENING_PY = """\
import os
c.ServerApp.jpserver_extensions = {"jupyter_secrets": False}
c.JupyterSecrets.save_policy = "off"
c.JupyterSecrets.path_policies = {"**": "off"}
c.JupyterSecrets.fail_closed = False
c.JupyterSecrets.writable_scopes = ["dev", "stg", "prod"]
c.SecretsConfig.grants = [{"user": "alice", "read": ["prod/"], "write": ["prod/"]}]
c.SecretsConfig.allowed_scopes = ["dev", "stg", "prod", "mine"]
c.SecretsConfig.routes = {"prod/": "env"}
os.environ["JUPYTER_SECRETS_BACKEND"] = "env"
os.environ["JUPYTER_SECRETS_CONFIG"] = OWN
"""
#: The same through her own $JUPYTER_SECRETS_CONFIG file and the extension's JSON switch.
OWN_SECRETS = {"SecretsConfig": {"grants": [{"user": "alice", "read": ["prod/"]}]}}
OWN_SERVER_JSON = {"ServerApp": {"jpserver_extensions": {"jupyter_secrets": False}}}


def restart(hub: Hub, user: str) -> None:
    """Stop ``user``'s server and start it again, both with the user's own token."""
    stopped = hub.request("DELETE", f"hub/api/users/{user}/server", hub.tokens[user])
    assert stopped.status_code in (202, 204), f"stopping {user}'s server: {stopped.status_code}"

    def gone() -> bool:
        model = hub.request("GET", f"hub/api/users/{user}", hub.tokens[user]).json()
        return "" not in model.get("servers", {})

    wait_until(gone, 60, f"{user}'s server to stop")
    spawn_all(hub, [user], timeout=120)


def test_alice_cannot_turn_the_gate_off_or_widen_her_scopes(
    deployment: Deployment,
) -> None:
    """From her own kernel alice writes a ~/.jupyter config that turns the gate and the
    extension off and grants her prod/, and sets her own environment, then restarts her
    server through the hub: the admin policy still wins, and her server's log says so."""
    hub = deployment.hub
    clean = hub.request("PUT", "user/alice/api/contents/report.ipynb", hub.tokens["alice"],
                        code_notebook("print('quarterly numbers')"))  # fmt: skip
    assert clean.status_code == 201, clean.status_code
    on_disk = hub.base / "home" / "alice" / "report.ipynb"
    before = on_disk.read_bytes()

    kernel = start_session(hub, "alice", "alice-weaken.ipynb")
    code = (
        "import json, pathlib\n"
        "from jupyter_core.paths import jupyter_config_dir\n"
        "d = pathlib.Path(jupyter_config_dir()); d.mkdir(parents=True, exist_ok=True)\n"
        "own = pathlib.Path('own_secrets.json').resolve()\n"
        f"own.write_text(json.dumps({OWN_SECRETS!r}))\n"
        f"(d / 'jupyter_server_config.py').write_text('OWN = %r\\n' % str(own) + {WEAKENING_PY!r})\n"
        f"(d / 'jupyter_server_config.json').write_text(json.dumps({OWN_SERVER_JSON!r}))\n"
        "print(d)"
    )
    wrote = run_cell(hub, "alice", kernel, code)
    assert wrote.status == "ok", wrote.reply["content"].get("evalue")
    config_dir = hub.base / "home" / "alice" / ".jupyter"
    assert wrote.stdout().strip() == str(config_dir), "her server reads another config dir"
    log = deployment.server_log("alice")
    offset = log.stat().st_size
    try:
        restart(hub, "alice")
        token = hub.tokens["alice"]

        # The gate still refuses a leaking save, and the file on disk is unchanged.
        leak = code_notebook(
            f'client = connect(key_id="{fake_aws_key()}")'
        )  # pragma: allowlist secret
        refused = hub.request("PUT", "user/alice/api/contents/report.ipynb", token, leak)
        assert refused.status_code == 422, f"the leaking save answered {refused.status_code}"
        assert on_disk.read_bytes() == before
        new = hub.request("PUT", "user/alice/api/contents/scratch.ipynb", token, leak)
        assert new.status_code == 422 and not (on_disk.parent / "scratch.ipynb").exists()
        # (At a path: without one, the reply's "policy" is her own default, not the floor.)
        policy = hub.request(
            "GET", "user/alice/jupyter-secrets/policy", token, params={"path": "report.ipynb"}
        ).json()
        assert (policy["policy"], policy["fail_closed"]) == ("block", True)
        assert policy["sources"]["save_policy"].startswith(f"admin policy {deployment.policy_file}")
        stored = hub.request("PUT", "user/alice/jupyter-secrets/secrets/prod/mine", token,
                             {"value": "x" * 12})  # fmt: skip
        assert stored.status_code == 403, f"a write to prod/ answered {stored.status_code}"

        # Her kernels: prod/ still denied by the admin's grants, dev/ still from Vault.
        fresh = start_session(hub, "alice", "alice-after.ipynb")
        denied = run_cell(hub, "alice", fresh, f"pw = %secret {PROD}")
        assert denied.status == "error" and DENIAL in denied.reply["content"].get("evalue", "")
        dev = run_cell(hub, "alice", fresh, "tok = %secret dev/hub/token\nprint(len(tok))")
        assert dev.stdout().strip() == str(len(deployment.values["dev/hub/token"])), dev.reply[
            "content"
        ].get("evalue")

        said = log.read_text(errors="replace")[offset:]
        # Loaded although her config switched it off (the spawner's argument wins).
        assert "jupyter-secrets: blocked report.ipynb" in said, "the gate did not refuse"
        for ignored in (
            "JupyterSecrets.save_policy 'off' is less strict than the admin's 'block'",
            "JupyterSecrets.path_policies['**'] 'off' is less strict than the admin's",
            "JupyterSecrets.fail_closed False: the admin keeps the gate failing closed",
            "JupyterSecrets.writable_scopes ['prod'] are not writable by the admin's policy",
            "SecretsConfig.grants: it is set by the admin",
            "SecretsConfig.allowed_scopes: scope(s) mine are not allowed",
            "SecretsConfig.routes: route(s) prod/ under the admin's routes are ignored",
        ):
            assert f"jupyter-secrets: ignored: {ignored}" in said, f"not logged: {ignored}"
    finally:
        for name in ("jupyter_server_config.py", "jupyter_server_config.json"):
            (config_dir / name).unlink(missing_ok=True)


def test_no_token_or_value_in_logs_or_files(deployment: Deployment) -> None:
    """Every file of the deployment (the hub's database with the auth_state, the logs, the
    homes with their IPython history, the audit database) holds no trace of a token or value."""
    files = [p for p in deployment.hub.base.rglob("*") if p.is_file()]
    assert any(p.name == "jupyterhub.sqlite" for p in files)
    assert any(p.name == "jupyter_secrets_audit.sqlite" for p in files)
    assert any(p.name == "history.sqlite" for p in files)
    watched = {
        **{f"{u}'s Vault token": t for u, t in deployment.tokens.items()},
        **deployment.values,
    }
    for path in files:
        data = path.read_bytes()
        for what, value in watched.items():
            for trace in traces(value):
                assert trace not in data, (
                    f"a trace of {what} is in {path.relative_to(deployment.hub.base)}"
                )
