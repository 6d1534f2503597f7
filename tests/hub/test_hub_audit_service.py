"""The central audit trail: jupyter_secrets.hub_service run by the hub as a managed
service. Every server and kernel sends its events there with its own hub token, so the
trail holds the hub's identity; a user reads only their own events and cannot write as
someone else; the admin reads everyone's."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import requests

from tests.support.fakes import fake_aws_key

from .conftest import Fetch, code_notebook, run_cell, start_session
from .hub_process import Hub


def service(hub: Hub, token: str, method: str = "GET", **kwargs: Any) -> requests.Response:
    headers = {"Authorization": f"token {token}"}
    return requests.request(method, hub.audit_url, headers=headers, timeout=30, **kwargs)


def test_both_users_events_reach_the_service_with_the_hubs_identity(
    hub: Hub, alice_fetch: Fetch, bob_fetch: Fetch
) -> None:
    everyone = service(hub, hub.admin_token, params={"limit": 10000})
    assert everyone.status_code == 200, everyone.text[:200]
    assert everyone.json()["admin"] is True
    events = everyone.json()["events"]
    reads = {
        (e["user"], e["ref"])
        for e in events
        if e.get("action") == "read" and e["outcome"] == "allowed"
    }
    assert ("alice", "dev/hub/token") in reads and ("alice", "dev/hub/pw") in reads
    assert ("bob", "dev/hub/token") in reads
    assert all("received" in e for e in events)


def test_a_user_reads_only_their_own_and_cannot_write_as_another(
    hub: Hub, alice_fetch: Fetch
) -> None:
    mine = service(hub, hub.tokens["alice"])
    assert mine.status_code == 200
    assert {e["user"] for e in mine.json()["events"]} == {"alice"}
    assert service(hub, hub.tokens["alice"], params={"user": "bob"}).status_code == 403
    forged = {"time": "2026-12-01T00:00:00+00:00", "user": "bob", "action": "read",
              "ref": "prod/warehouse", "outcome": "allowed"}  # fmt: skip
    sent = service(hub, hub.tokens["alice"], "POST", json={"events": [forged]})
    assert sent.status_code == 201 and sent.json()["user"] == "alice"
    stored = service(hub, hub.admin_token, params={"user": "bob", "limit": 10000}).json()["events"]
    assert not any(e.get("time") == forged["time"] for e in stored), "alice wrote an event as bob"
    hers = service(hub, hub.admin_token, params={"user": "alice", "limit": 10000}).json()["events"]
    assert (
        any(e.get("claimed_user") is None and e.get("time") == forged["time"] for e in hers)
        is False
    )
    assert any(e.get("time") == forged["time"] for e in hers), "the forged event is kept as alice's"
    for method in ("PUT", "DELETE", "PATCH"):
        assert service(hub, hub.tokens["alice"], method).status_code in (404, 405)
    assert service(hub, "not-a-token").status_code in (401, 403)


def test_a_denial_reaches_the_service(hub: Hub) -> None:
    kernel = start_session(hub, "alice", "alice-audit.ipynb")
    run_cell(hub, "alice", kernel, "pw = %secret prod/warehouse")
    hers = service(hub, hub.tokens["alice"], params={"limit": 10000}).json()["events"]
    assert any(e["ref"] == "prod/warehouse" and e["outcome"] == "denied" for e in hers)


def test_the_report_over_the_service_attributes_each_event(
    hub: Hub, alice_fetch: Fetch, bob_fetch: Fetch, tmp_path: Path
) -> None:
    """``audit report --service`` with the admin's token: reads per hub user, alice's
    denial of prod/, the gate's refusal of her save, and an inventory secret nobody read."""
    test_a_denial_reaches_the_service(hub)
    refused = hub.request("PUT", "user/alice/api/contents/leak.ipynb", hub.tokens["alice"],
                          code_notebook(f'key = "{fake_aws_key()}"'))  # fmt: skip
    assert refused.status_code == 422
    inventory = tmp_path / "secrets.yaml"
    inventory.write_text(
        "- {ref: dev/hub/token, owner: platform, env: dev, rotation_days: 90}\n"
        "- {ref: stg/never/read, owner: platform, env: stg, rotation_days: 90}\n"
    )
    env = {**os.environ, "HUB_ADMIN_TOKEN": hub.admin_token}
    ran = subprocess.run(
        [sys.executable, "-m", "jupyter_secrets", "audit", "report", "--service", hub.audit_url,
         "--token-env", "HUB_ADMIN_TOKEN", "--since", "all", "--inventory", str(inventory),
         "--format", "json"],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr[-500:]
    report = json.loads(ran.stdout)
    access = {(row["user"], row["ref"]) for row in report["access"]}
    assert {("alice", "dev/hub/token"), ("alice", "dev/hub/pw"), ("bob", "dev/hub/token")} <= access
    assert any(d["user"] == "alice" and d["ref"] == "prod/warehouse" for d in report["denied"])
    refusals = report["save_refusals"]["rows"]
    assert any(r["user"] == "alice" and r["notebook"] == "leak.ipynb" for r in refusals), refusals
    unused = [u["ref"] for u in report["inventory"]["unused"]]
    assert unused == ["stg/never/read"]
    mine = subprocess.run(
        [sys.executable, "-m", "jupyter_secrets", "audit", "report", "--service", hub.audit_url],
        capture_output=True, text=True, env={**os.environ, "JUPYTERHUB_API_TOKEN": hub.tokens["alice"]},
        timeout=120, check=False,
    )  # fmt: skip
    assert mine.returncode == 2 and "not an admin's" in mine.stderr
