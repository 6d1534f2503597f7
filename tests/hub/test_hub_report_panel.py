"""The audit service's report page, on the real hub: an admin's token and an auditor's
browser (logged in through the hub's OAuth) get the report over everyone's events; a
user who is neither gets one line saying who may; bad arguments get one line too."""

from __future__ import annotations

import re

import requests

from jupyter_secrets.hub_service.panel import READ_ALL_SCOPE

from .conftest import Fetch
from .hub_process import Hub, login_token

PANEL = "services/jupyter-secrets-audit/"


def browser_login(hub: Hub, name: str) -> requests.Session:
    """A session logged in to the hub with the login form, as a browser is."""
    session = requests.Session()
    form = session.get(f"{hub.url}/hub/login", timeout=30)
    assert form.status_code == 200, form.status_code
    xsrf = session.cookies.get("_xsrf") or re.search(r'name="_xsrf" value="([^"]+)"', form.text)[1]  # type: ignore[index]
    done = session.post(
        f"{hub.url}/hub/login",
        data={"username": name, "password": hub.password, "_xsrf": xsrf},
        timeout=30,
    )
    assert done.status_code == 200, f"login as {name}: HTTP {done.status_code}"
    return session


def test_an_admin_token_gets_the_report_over_every_users_events(
    hub: Hub, alice_fetch: Fetch, bob_fetch: Fetch
) -> None:
    page = hub.request("GET", PANEL, hub.admin_token)
    assert page.status_code == 200, page.text[:300]
    assert page.headers["Content-Type"].startswith("text/html")
    assert "<h1>jupyter-secrets audit report</h1>" in page.text
    assert "alice" in page.text and "bob" in page.text
    assert "<script src" not in page.text and "<link " not in page.text  # self-contained
    as_json = hub.request("GET", PANEL + "?format=json&since=30d", hub.admin_token)
    assert as_json.status_code == 200
    report = as_json.json()
    users = {row["user"] for row in report["users"]}
    assert {"alice", "bob"} <= users
    assert report["totals"]["reads_allowed"] >= 3
    assert [s["path"] for s in report["sources"]] == ["audit service"]
    csv = hub.request("GET", PANEL + "?format=csv", hub.admin_token)
    assert csv.status_code == 200 and "attachment" in csv.headers["Content-Disposition"]


def test_bad_arguments_get_one_line(hub: Hub) -> None:
    for query, words in (("?since=fortnight", "--since"), ("?format=pdf", "format must be")):
        reply = hub.request("GET", PANEL + query, hub.admin_token)
        assert reply.status_code == 400, (query, reply.status_code)
        assert words in reply.text and reply.text.count("\n") == 1, reply.text
        assert "Traceback" not in reply.text


def test_a_user_who_is_no_admin_nor_auditor_is_refused_in_one_line(hub: Hub) -> None:
    reply = hub.request("GET", PANEL, hub.tokens["alice"])
    assert reply.status_code == 403
    assert reply.text.startswith("alice may not read the audit report")
    assert READ_ALL_SCOPE in reply.text and reply.text.count("\n") == 1
    browser = browser_login(hub, "alice")
    page = browser.get(f"{hub.url}/{PANEL}", timeout=30)
    assert page.status_code == 403, page.status_code
    assert "may not read the audit report" in page.text


def test_an_auditor_reads_everything_through_the_hubs_oauth(
    hub: Hub, alice_fetch: Fetch, bob_fetch: Fetch
) -> None:
    """carol is in the group ``auditors``, whose role holds the custom scope and nothing
    more: she is no hub admin, yet the report and every user's events are hers to read."""
    carol = hub.admin("GET", "users/carol").json()
    assert carol["admin"] is False and "auditors" in carol["groups"]
    browser = browser_login(hub, "carol")
    page = browser.get(f"{hub.url}/{PANEL}", timeout=30)  # -> hub authorize -> callback -> page
    assert page.status_code == 200, (page.status_code, page.url)
    assert any("oauth_callback" in step.url for step in page.history), "no OAuth round trip"
    assert "<h1>jupyter-secrets audit report</h1>" in page.text and "bob" in page.text
    token = login_token(hub, "carol")
    everyone = requests.get(
        hub.audit_url,
        headers={"Authorization": f"token {token}"},
        params={"limit": 10000},
        timeout=30,
    )
    assert everyone.status_code == 200 and everyone.json()["admin"] is True
    assert {"alice", "bob"} <= {e["user"] for e in everyone.json()["events"]}
