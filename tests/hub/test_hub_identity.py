"""Identity and isolation on a real JupyterHub: every request goes over HTTP through the
configurable-http-proxy to alice's or bob's single-user server, kernels are driven over their
websocket, and users authenticate with their own hub API tokens.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests

from tests.leaks import traces

from .conftest import SHARED_NOTEBOOK, Fetch, HubSecrets, SharedSave, audit_file, code_notebook
from .hub_process import Hub

pytestmark = pytest.mark.hub


def is_policy(reply: requests.Response) -> bool:
    try:
        body = reply.json()
    except ValueError:
        return False
    return isinstance(body, dict) and "policy" in body


def test_policy_only_for_the_server_owner(hub: Hub) -> None:
    path = "user/alice/jupyter-secrets/policy"
    own = hub.request("GET", path, hub.tokens["alice"])
    assert own.status_code == 200 and own.json()["policy"] == "block"

    other = hub.request("GET", path, hub.tokens["bob"])
    assert other.status_code == 403, f"bob on alice's server: HTTP {other.status_code}"
    assert not is_policy(other)

    anonymous = hub.request("GET", path)
    assert anonymous.status_code != 200 and not is_policy(anonymous)

    # Bob cannot reach alice's audit either, nor feed her server fingerprints.
    audit = hub.request("GET", "user/alice/jupyter-secrets/audit", hub.tokens["bob"])
    assert audit.status_code == 403 and "events" not in audit.text
    known = hub.request(
        "POST",
        "user/alice/jupyter-secrets/known",
        hub.tokens["bob"],
        {"ref": "dev/x", "fingerprints": ["jsfp1:9:" + "0" * 64]},
    )
    assert known.status_code == 403, f"bob registering fingerprints: HTTP {known.status_code}"


def events_of(hub: Hub, user: str, server: str) -> list[dict[str, Any]]:
    reply = hub.request("GET", f"user/{server}/jupyter-secrets/audit", hub.tokens[user])
    assert reply.status_code == 200, f"{user}'s audit on {server}'s server: {reply.status_code}"
    body = reply.json()
    assert body["user"] == user
    events: list[dict[str, Any]] = body["events"]
    return events


def fetched(events: list[dict[str, Any]], fetch: Fetch, ref: str) -> list[dict[str, Any]]:
    return [
        e
        for e in events
        if e.get("action") == "read"
        and e.get("ref") == ref
        and e.get("kernel_id") == fetch.kernel_id
    ]


def test_audit_carries_the_hub_user(
    hub: Hub, alice_fetch: Fetch, bob_fetch: Fetch, hub_secrets: HubSecrets
) -> None:
    for fetch in (alice_fetch, bob_fetch):
        assert fetch.execution.status == "ok", f"{fetch.user}'s fetch cell failed"
        received = json.dumps(fetch.execution.messages)
        for value in hub_secrets.values().values():
            assert value not in received, f"a value reached {fetch.user}'s websocket unredacted"
        assert "REDACTED" in fetch.execution.stdout()

    alice_events = events_of(hub, "alice", "alice")
    mine = fetched(alice_events, alice_fetch, "dev/hub/token")
    assert len(mine) == 1, f"alice's events: {alice_events}"
    event = mine[0]
    assert (event["user"], event["outcome"]) == ("alice", "allowed")
    # jupyter_server gives kernels the notebook's absolute path (JPY_SESSION_NAME).
    assert str(event["notebook"]).endswith(f"/alice/{alice_fetch.notebook}")
    assert all(e["user"] == "alice" for e in alice_events)

    bob_events = events_of(hub, "bob", "bob")
    assert fetched(bob_events, bob_fetch, "dev/hub/token"), f"bob's events: {bob_events}"
    assert all(e["user"] == "bob" for e in bob_events)
    assert not [e for e in bob_events if e.get("kernel_id") == alice_fetch.kernel_id]

    # Both servers write the one shared log: the filter above is what kept them apart.
    users_in_file = {
        json.loads(line)["user"] for line in audit_file(hub).read_text().splitlines() if line
    }
    assert users_in_file == {"alice", "bob"}


def test_known_values_are_per_user(
    hub: Hub, alice_fetch: Fetch, bob_fetch: Fetch, hub_secrets: HubSecrets
) -> None:
    model = code_notebook(f'status = lookup("ticket {hub_secrets.password} closed")')
    scan = hub.request("POST", "user/bob/jupyter-secrets/scan", hub.tokens["bob"], {"model": model})
    assert scan.status_code == 200 and scan.json()["findings"] == [], "a detector flags it"

    refused = hub.request("PUT", "user/alice/api/contents/x.ipynb", hub.tokens["alice"], model)
    assert refused.status_code == 422, f"alice's save answered {refused.status_code}"
    assert [f["type"] for f in refused.json()["findings"]] == ["Known secret value"]
    assert hub_secrets.password not in refused.text, "value leaked into the 422 body"
    message = refused.json()["message"]
    assert "use %secret" in message and "%%" not in message, message
    assert not (hub.base / "home" / "alice" / "x.ipynb").exists()

    # Alice's fetched value is known to her server only.
    saved = hub.request("PUT", "user/bob/api/contents/x.ipynb", hub.tokens["bob"], model)
    try:
        assert saved.status_code == 201, f"bob's save answered {saved.status_code}"
    finally:
        if saved.status_code in (200, 201):
            gone = hub.request("DELETE", "user/bob/api/contents/x.ipynb", hub.tokens["bob"])
            assert gone.status_code == 204


def test_shared_access_save_is_refused(
    hub: Hub, bob_saves_on_alices_server: SharedSave, fake_key: str
) -> None:
    reply = bob_saves_on_alices_server.reply
    assert reply.json()["findings"][0]["type"] != "Known secret value"
    assert fake_key not in reply.text, "the key leaked into the 422 body"
    assert not (hub.base / "home" / "alice" / SHARED_NOTEBOOK).exists()


def gate_events(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        e
        for e in events
        if e.get("source") == "save-gate" and str(e.get("notebook")).endswith(SHARED_NOTEBOOK)
    ]


def test_refused_save_is_audited_as_the_user_who_sent_it(
    hub: Hub, bob_saves_on_alices_server: SharedSave
) -> None:
    in_file = [json.loads(line) for line in audit_file(hub).read_text().splitlines() if line]
    assert gate_events(in_file), "the refusal was not audited at all"
    users = sorted({e["user"] for e in gate_events(in_file)})
    assert users == ["bob"], f"bob's refused save is audited as {users}"
    assert gate_events(bob_saves_on_alices_server.bobs_view), "bob does not see his refusal"
    assert not gate_events(events_of(hub, "alice", "alice")), "bob's save is in alice's audit"


def test_no_value_in_logs_or_files(
    hub: Hub,
    alice_fetch: Fetch,
    bob_fetch: Fetch,
    hub_secrets: HubSecrets,
    bob_saves_on_alices_server: SharedSave,
    fake_key: str,
) -> None:
    logs = {path.stem: path for path in hub.log_files()}
    assert {"hub", "alice", "bob"} <= set(logs), f"log files: {sorted(logs)}"
    for user in ("alice", "bob"):
        assert "jupyter-secrets: save policy block" in logs[user].read_text(errors="replace")

    files = [p for p in hub.base.rglob("*") if p.is_file()]
    # The sweep must cover the servers' state: their homes hold the IPython history and
    # jupyter runtime files, the shared audit log its events.
    for user in ("alice", "bob"):
        assert any(p.name == "history.sqlite" for p in (hub.base / "home" / user).rglob("*"))
    assert audit_file(hub) in files
    for path in files:
        data = path.read_bytes()
        for ref, value in {**hub_secrets.values(), "the fake AWS key": fake_key}.items():
            for trace in traces(value):
                assert trace not in data, f"a trace of {ref} is in {path.relative_to(hub.base)}"
