"""The central audit trail: jupyter_secrets.hub_service run by the hub as a managed
service. Every server and kernel sends its events there with its own hub token, so the
trail holds the hub's identity; a user reads only their own events and cannot write as
someone else; the admin reads everyone's."""

from __future__ import annotations

from typing import Any

import requests

from .conftest import Fetch, run_cell, start_session
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
