"""Guardrails on a real JupyterHub: alice (group analysts) and bob (group etl).

The grants (``tests/hub/conftest.GUARDRAILS``) come from the admin policy, a root-owned
file every single-user server reads (``$JUPYTER_SECRETS_ADMIN_POLICY``); the groups come from the hub's API, asked with each server's
own token. The kernel, the REST API and the CLI (run from alice's kernel, as from her
terminal) give the same answer.
"""

from __future__ import annotations

import json

from .conftest import run_cell, start_session
from .hub_process import Hub

PROD = "prod/warehouse"
DENIAL = (
    "alice (groups: analysts) may not read 'prod/warehouse': prod/ is protected and needs a "
    "grant that names it in SecretsConfig.grants; ask #data-platform for access"
)


def test_kernels_follow_the_grants(hub: Hub) -> None:
    alice = start_session(hub, "alice", "alice-guardrails.ipynb")
    denied = run_cell(hub, "alice", alice, f"pw = %secret {PROD}")
    assert denied.status == "error"
    assert DENIAL in denied.reply["content"].get("evalue", ""), denied.reply["content"].get(
        "evalue"
    )
    allowed = run_cell(hub, "alice", alice, "tok = %secret dev/hub/token\nprint(len(tok))")
    assert allowed.status == "ok", allowed.reply["content"].get("evalue")
    bob = start_session(hub, "bob", "bob-guardrails.ipynb")
    fetched = run_cell(hub, "bob", bob, f"pw = %secret {PROD}\nprint(len(pw))")
    assert fetched.status == "ok", fetched.reply["content"].get("evalue")
    assert fetched.stdout().strip() == "10"


def test_the_cli_in_alices_kernel_agrees(hub: Hub) -> None:
    kernel = start_session(hub, "alice", "alice-cli.ipynb")
    code = (
        "import subprocess, sys\n"
        f"r = subprocess.run([sys.executable, '-m', 'jupyter_secrets', 'get', '{PROD}'],"
        " capture_output=True, text=True)\n"
        "print(r.returncode); print(r.stderr.strip())"
    )
    ran = run_cell(hub, "alice", kernel, code)
    code_line, message = ran.stdout().strip().splitlines()
    assert code_line == "3"
    assert message == f"jupyter-secrets: error: {DENIAL}"


def test_the_rest_api_agrees(hub: Hub) -> None:
    def listed(user: str) -> set[str]:
        reply = hub.request("GET", f"user/{user}/jupyter-secrets/secrets", hub.tokens[user])
        assert reply.status_code == 200, reply.status_code
        return {row["ref"] for row in reply.json()["secrets"]}

    assert PROD not in listed("alice"), "alice's panel lists a secret she may not read"
    assert PROD in listed("bob")
    denied = hub.request(
        "PUT", "user/alice/jupyter-secrets/secrets/stg/partner/key", hub.tokens["alice"],
        {"value": "x" * 12},
    )  # fmt: skip
    assert denied.status_code == 403
    assert "alice (groups: analysts) may not write 'stg/partner/key'" in denied.json()["message"]


def test_denials_are_audited_with_the_rule(hub: Hub) -> None:
    test_kernels_follow_the_grants(hub)
    events = [
        json.loads(line) for line in (hub.base / "audit" / "audit.log").read_text().splitlines()
    ]
    denied = [e for e in events if e["outcome"] == "denied" and e["ref"] == PROD]
    assert denied and all(e["user"] == "alice" for e in denied)
    assert "SecretsConfig.grants" in denied[0]["reason"]
    assert any(
        e["user"] == "bob" and e["ref"] == PROD and e["outcome"] == "allowed" for e in events
    )


def test_alice_cannot_grant_herself_prod(hub: Hub) -> None:
    """Her own ~/.jupyter config and her own $JUPYTER_SECRETS_CONFIG grant her prod/: a
    new kernel and the CLI still deny it, and say the admin policy won."""
    kernel = start_session(hub, "alice", "alice-widen.ipynb")
    widen = {
        "SecretsConfig": {
            "grants": [{"user": "alice", "read": ["prod/"]}],
            "allowed_scopes": ["dev", "stg", "prod", "mine"],
        }
    }
    code = (
        "import json, os, pathlib, subprocess, sys\n"
        "from jupyter_core.paths import jupyter_config_dir\n"
        f"mine = json.dumps({widen!r})\n"
        "d = pathlib.Path(jupyter_config_dir()); d.mkdir(parents=True, exist_ok=True)\n"
        "(d / 'jupyter_secrets_config.json').write_text(mine)\n"
        "own = pathlib.Path('own.json'); own.write_text(mine)\n"
        "env = {**os.environ, 'JUPYTER_SECRETS_CONFIG': str(own.resolve())}\n"
        f"r = subprocess.run([sys.executable, '-m', 'jupyter_secrets', 'get', '{PROD}'], capture_output=True, text=True, env=env)\n"
        "print(r.returncode); print(r.stderr.strip().splitlines()[-1])"
    )
    ran = run_cell(hub, "alice", kernel, code)
    assert ran.status == "ok", ran.reply["content"].get("evalue")
    code_line, last = ran.stdout().strip().splitlines()[-2:]
    assert code_line == "3" and last == f"jupyter-secrets: error: {DENIAL}"
    fresh = start_session(hub, "alice", "alice-widen-2.ipynb")  # reads her new config
    denied = run_cell(hub, "alice", fresh, f"pw = %secret {PROD}")
    assert denied.status == "error" and DENIAL in denied.reply["content"].get("evalue", "")
