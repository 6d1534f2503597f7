"""A JupyterHub deployment with jupyter-secrets (see README.md next to this file).

Every single-user server gets the extension and the admin policy, the audit trail runs as
a managed hub service, the groups ``analysts`` and ``etl`` get their grants, and each
server is given its user's own Vault token from the login, so that Vault's policies, not
this extension, are what keep one user out of another team's secrets.

Run it with ``jupyterhub -f jupyterhub_config.py``. What differs per site is in section 1
and section 7; every value of section 1 can be set in the hub's environment instead of
here (``JUPYTER_SECRETS_HUB_<NAME>``). ``JUPYTER_SECRETS_HUB_MODE=test`` runs the whole
deployment on one machine (a shared-password test login, local processes, 127.0.0.1):
``tests/hub/test_hub_deployment.py`` starts it that way against a stand-in Vault.
"""

import json
import os
import shlex
import sys
from pathlib import Path

from tornado.httpclient import AsyncHTTPClient, HTTPClientError

c = get_config()  # noqa: F821 (defined by JupyterHub when it loads this file)


# -- 1. What differs per site -----------------------------------------------------------
def site(name, default):
    return os.environ.get(f"JUPYTER_SECRETS_HUB_{name}", default)


MODE = site("MODE", "production")  # or "test": see section 7
TEST = MODE == "test"  # test mode keeps everything on 127.0.0.1 and under STATE_DIR
# The hub's database, cookie secret and pid files.
STATE_DIR = Path(site("STATE_DIR", "jupyterhub-test" if TEST else "/srv/jupyterhub")).resolve()
# Where users reach the hub (put TLS in front of it).
BIND_URL = site("BIND_URL", "http://127.0.0.1:8000" if TEST else "http://:8000")
HUB_BIND_URL = site("HUB_BIND_URL", "http://127.0.0.1:8081")  # the hub's own API
PROXY_API_URL = site("PROXY_API_URL", "http://127.0.0.1:8001")
PROXY_COMMAND = site("PROXY_COMMAND", "configurable-http-proxy")
ADMIN_USERS = {name for name in site("ADMIN_USERS", "").split(",") if name}
AUDIT_URL = site("AUDIT_URL", "http://127.0.0.1:10101")  # where the audit service listens
VAULT_ADDR = site("VAULT_ADDR", "https://vault.example.org:8200")
VAULT_JWT_MOUNT = site("VAULT_JWT_MOUNT", "jwt")  # Vault's JWT/OIDC auth method
VAULT_JWT_ROLE = site("VAULT_JWT_ROLE", "jupyterhub-user")
# The admin policy file every server reads. /etc/jupyter is read without being named;
# a file anywhere else is named to the servers in $JUPYTER_SECRETS_ADMIN_POLICY (section 6).
ETC = STATE_DIR / "etc" if TEST else Path("/etc/jupyter")
POLICY_FILE = Path(site("POLICY_FILE", str(ETC / "jupyter_secrets_policy.json")))

c.JupyterHub.bind_url = BIND_URL
c.JupyterHub.hub_bind_url = HUB_BIND_URL
c.JupyterHub.db_url = f"sqlite:///{STATE_DIR}/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = str(STATE_DIR / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(STATE_DIR / "jupyterhub.pid")
c.ConfigurableHTTPProxy.command = [PROXY_COMMAND]
c.ConfigurableHTTPProxy.api_url = PROXY_API_URL  # its token: $CONFIGPROXY_AUTH_TOKEN
c.ConfigurableHTTPProxy.pid_file = str(STATE_DIR / "jupyterhub-proxy.pid")
c.Authenticator.admin_users = ADMIN_USERS


# -- 2. Groups and their grants ---------------------------------------------------------
# The hub's groups are what grants name (a server asks the hub for its user's groups). With
# an identity provider that sends groups, set Authenticator.manage_groups instead.
GROUPS = {"analysts": ["alice"], "etl": ["bob"], "auditors": []}  # auditors: section 4
c.JupyterHub.load_groups = {group: {"users": users} for group, users in GROUPS.items()}
c.Authenticator.allowed_users = {user for users in GROUPS.values() for user in users}

GRANTS = [
    {"group": "analysts", "read": ["dev/", "stg/"], "write": ["dev/"]},
    # prod/ is protected: only a grant that names it opens it.
    {"group": "etl", "read": ["prod/", "stg/"]},
    # alice reads stg/partner/ as an analyst already; her own grant lets her write it.
    {"user": "alice", "read": ["stg/partner/"], "write": ["stg/partner/"]},
]


# -- 3. The admin policy: settings no user can weaken -----------------------------------
AUDIT_SERVICE = "jupyter-secrets-audit"
READ_ALL = f"custom:{AUDIT_SERVICE}:read-all"  # jupyter_secrets.hub_service.panel.READ_ALL_SCOPE
POLICY = {
    "SecretsConfig": {
        "allowed_scopes": ["dev", "stg", "prod"],
        # Pinned: a user's own route or $JUPYTER_SECRETS_BACKEND does not move these refs.
        "routes": {"dev/": "vault", "stg/": "vault", "prod/": "vault"},
        "backend_options": {"vault": {"url": VAULT_ADDR, "mount": "secret"}},
        "grants": GRANTS,
        "protected_prefixes": ["prod/"],
        "access_contact": "#data-platform",
        "audit_sinks": ["file", "hub"],
        "audit_service_url": f"{AUDIT_URL}/services/{AUDIT_SERVICE}/api/events",
        # A read of prod/ fails while the audit service cannot record it.
        "audit_fail_closed_prefixes": ["prod/"],
    },
    "JupyterSecrets": {
        "save_policy": "block",
        "fail_closed": True,
        "writable_scopes": ["dev", "stg"],
    },
}


def write_policy(path, policy):
    """Write the policy as a file only root can change, in a directory only root can
    change; a server ignores any other file (with a warning). The hub runs as root
    here; on Kubernetes the chart mounts the same file instead (values.yaml)."""
    path.parent.mkdir(mode=0o755, parents=True, exist_ok=True)
    text = json.dumps(policy, indent=2, sort_keys=True) + "\n"
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        staged = path.with_name(f".{path.name}.{os.getpid()}")
        staged.write_text(text, encoding="utf-8")
        staged.chmod(0o644)
        staged.replace(path)  # a server never reads half a file


write_policy(POLICY_FILE, POLICY)


# -- 4. The audit trail, run by the hub as a managed service ----------------------------
c.JupyterHub.services = [
    {
        "name": AUDIT_SERVICE,
        "url": AUDIT_URL,
        "command": [sys.executable, "-m", "jupyter_secrets.hub_service"],
        # Events stay here; any SQLAlchemy URL works (postgresql+psycopg://...).
        "environment": {
            "JUPYTER_SECRETS_AUDIT_DB": f"sqlite:///{STATE_DIR}/jupyter_secrets_audit.sqlite"
        },
        # Its report page (/services/jupyter-secrets-audit/) logs browsers in through
        # the hub; the token it gets may carry the auditors' scope and nothing more.
        "oauth_no_confirm": True,
        "oauth_client_allowed_scopes": [READ_ALL],
        "display": False,
    }
]
c.JupyterHub.custom_scopes = {
    READ_ALL: {"description": "Read every user's secrets audit events and the report"}
}
c.JupyterHub.load_roles = [
    # Users (and their kernels, with the server's token) send events and read their own.
    {"name": "user", "scopes": ["self", f"access:services!service={AUDIT_SERVICE}"]},
    # Auditors read everyone's events without being hub admins (admins read them too).
    {"name": "secrets-auditor", "groups": ["auditors"], "scopes": [READ_ALL]},
]
# A server's own token: reach its user, read the user's groups (for the grants), and send
# audit events; the service records the hub's name for the token, not a claimed one.
c.Spawner.server_token_scopes = [
    "access:servers!server",
    "users:activity!user",
    "read:users:groups!user",
    f"access:services!service={AUDIT_SERVICE}",
]


# -- 5. Each server acts in the store as its own user -----------------------------------
# Code in a user's kernel runs as that user and can read what the user's credentials can:
# the grants keep honest users on the right secrets, Vault's policies on the token are the
# wall. So each server gets a token of its own user's, never one shared by everyone.
c.Authenticator.enable_auth_state = True  # kept encrypted with $JUPYTERHUB_CRYPT_KEY


async def store_login(authenticator, handler, authentication):
    """Trade the login's OIDC id_token for the user's own Vault token (Vault's JWT auth
    method, whose role maps the token's claims to Vault policies). A login without an
    id_token (the test login) is passed through as it is."""
    auth_state = authentication.get("auth_state") or {}
    id_token = auth_state.get("id_token")
    if not id_token:
        return authentication
    try:
        reply = await AsyncHTTPClient().fetch(
            f"{VAULT_ADDR}/v1/auth/{VAULT_JWT_MOUNT}/login",
            method="POST",
            body=json.dumps({"role": VAULT_JWT_ROLE, "jwt": id_token}),
            headers={"Content-Type": "application/json"},
        )
    except (HTTPClientError, OSError) as error:
        authenticator.log.error("Vault refused a login for %s: %s", authentication["name"], error)
        return None  # no Vault identity, no login
    token = json.loads(reply.body)["auth"]["client_token"]
    authentication["auth_state"] = {**auth_state, "vault_token": token}
    return authentication


async def per_user_store_identity(spawner):
    """Put the user's own store credentials from their login into their server's
    environment (a kernel takes them out of its own at start and masks them)."""
    auth_state = await spawner.user.get_auth_state() or {}
    own = {}
    if auth_state.get("vault_token"):
        own["VAULT_TOKEN"] = auth_state["vault_token"]
    aws = auth_state.get("aws_credentials")  # e.g. from sts:AssumeRoleWithWebIdentity
    if aws:
        own["AWS_ACCESS_KEY_ID"] = aws["AccessKeyId"]
        own["AWS_SECRET_ACCESS_KEY"] = aws["SecretAccessKey"]
        own["AWS_SESSION_TOKEN"] = aws["SessionToken"]
    if not own:
        raise RuntimeError(
            f"no store credentials for {spawner.user.name} in their login; log out and in again"
        )
    spawner.environment = {**spawner.environment, **own}


c.Authenticator.post_auth_hook = store_login
c.Spawner.pre_spawn_hook = per_user_store_identity


# -- 6. What every single-user server gets ----------------------------------------------
# The extension is enabled by the file pip installs in {sys.prefix}/etc/jupyter; this
# argument keeps it on when a user's own config turns it off (the command line wins).
c.Spawner.args = ["--ServerApp.jpserver_extensions=jupyter_secrets=True"]
c.Spawner.environment = {
    "VAULT_ADDR": VAULT_ADDR,  # for the vault CLI in a terminal; the policy pins the backend's
    "JUPYTER_SECRETS_ADMIN_POLICY": str(POLICY_FILE),
}


# -- 7. Who logs in and where servers run: per site -------------------------------------
if MODE == "production":
    # Your identity provider (OIDC). Vault's JWT auth trusts the same provider, and
    # store_login above trades the id_token for a Vault token.
    c.JupyterHub.authenticator_class = "generic-oauth"
    c.GenericOAuthenticator.oauth_callback_url = site(
        "OAUTH_CALLBACK_URL", "https://hub.example.org/hub/oauth_callback"
    )
    c.GenericOAuthenticator.authorize_url = site(
        "OAUTH_AUTHORIZE_URL", "https://login.example.org/authorize"
    )
    c.GenericOAuthenticator.token_url = site("OAUTH_TOKEN_URL", "https://login.example.org/token")
    c.GenericOAuthenticator.userdata_url = site(
        "OAUTH_USERDATA_URL", "https://login.example.org/userinfo"
    )
    c.GenericOAuthenticator.scope = ["openid", "profile", "email"]
    c.GenericOAuthenticator.username_claim = "preferred_username"
    # client id and secret: $OAUTH_CLIENT_ID and $OAUTH_CLIENT_SECRET
    # Each user runs as their own system account (LocalProcessSpawner, the default), so
    # nobody can write another's files or the root-owned policy; SystemdSpawner or
    # KubeSpawner (values.yaml) work the same way.
    c.Spawner.default_url = "/lab"
elif TEST:
    # One machine, for trying the deployment out and for the tests: everyone logs in with
    # one password and the servers are local processes of the hub's own user, so NOTHING
    # keeps users apart here but the store's tokens. Never serve this to real users.
    from hmac import compare_digest

    from jupyterhub.auth import DummyAuthenticator

    TEST_PASSWORD = os.environ["JUPYTER_SECRETS_HUB_TEST_PASSWORD"]
    # user -> Vault token, minted by the test against its stand-in Vault; the hub's
    # environment holds them, no file does.
    TEST_VAULT_TOKENS = json.loads(os.environ.get("JUPYTER_SECRETS_HUB_TEST_VAULT_TOKENS", "{}"))

    class TestLoginAuthenticator(DummyAuthenticator):
        """Stands in for the identity provider and Vault's JWT login: a login with the
        shared password gets the user's Vault token in its auth_state."""

        async def authenticate(self, handler, data):
            if not compare_digest(data.get("password", ""), TEST_PASSWORD):
                return None
            name = data["username"]
            token = TEST_VAULT_TOKENS.get(name)
            return {"name": name, "auth_state": {"vault_token": token} if token else {}}

    c.JupyterHub.authenticator_class = TestLoginAuthenticator
    c.JupyterHub.spawner_class = "simple"
    c.SimpleLocalProcessSpawner.home_dir_template = str(STATE_DIR / "home" / "{username}")
    # One log file per server, STATE_DIR/logs/<user>.log (its kernels write there too).
    logs = STATE_DIR / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    singleuser = Path(sys.executable).with_name("jupyterhub-singleuser")
    c.Spawner.cmd = [
        "/bin/sh",
        "-c",
        f'exec "$0" "$@" >>{shlex.quote(str(logs))}/"$JUPYTERHUB_USER.log" 2>&1',
        str(singleuser),
    ]
    if os.geteuid() == 0:
        c.Spawner.args = [*c.Spawner.args, "--allow-root"]
    c.Spawner.start_timeout = 90
    c.Spawner.http_timeout = 90
else:
    raise ValueError(f"JUPYTER_SECRETS_HUB_MODE is {MODE!r}; use 'production' or 'test'")
