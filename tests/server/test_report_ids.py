"""Report ids: every gated response names its report, and the id fetches exactly that report.

JupyterLab keeps only the message of a failed save's body, so the frontend reads the
``X-Jupyter-Secrets-Report`` header and fetches ``/jupyter-secrets/findings?path=&id=``;
another save of the same path in between must not change what that id answers.
"""

from __future__ import annotations

import contextvars
from typing import Any

import pytest

from jupyter_secrets.server.gate_report import GateReport, ReportRegistry
from tests.support import notebooks as nbf
from tests.support.fakes import fake_aws_key

from .conftest import Api, Reply

ACTION = "X-Jupyter-Secrets-Action"
REPORT = "X-Jupyter-Secrets-Report"
# A key in the second line, so two reports of one path differ in where they point.
KEY_LINE = 2


def text_file(content: str) -> dict[str, Any]:
    return {"type": "file", "format": "text", "content": content}


def with_key(key: str, line: int = KEY_LINE) -> dict[str, Any]:
    return text_file("x = 1\n" * (line - 1) + f"K = '{key}'\n")


async def fetch_report(api: Api, path: str, report_id: str | None = None) -> Reply:
    params = {"path": path} if report_id is None else {"path": path, "id": report_id}
    return await api("GET", "jupyter-secrets/findings", params=params)


def report_id_of(reply: Reply) -> str:
    header = reply.headers.get(REPORT)
    assert header, f"HTTP {reply.status} has no {REPORT} header"
    body_id = reply.json()["jupyter_secrets"]["id"]
    assert header == body_id, "the header and the body name different reports"
    return str(header)


@pytest.mark.parametrize(
    ("gate_settings", "with_secret", "status", "action"),
    [
        ({"save_policy": "block"}, True, 422, "blocked"),
        ({"save_policy": "block"}, False, 201, "clean"),
        ({"save_policy": "strip"}, True, 201, "stripped"),
        ({"save_policy": "warn"}, True, 201, "warned"),
        ({"save_policy": "block", "max_scan_bytes": 8}, False, 413, "refused"),
        (
            {"save_policy": "block", "max_scan_bytes": 8, "fail_closed": False},
            False,
            201,
            "unscanned",
        ),
    ],
    ids=["blocked", "clean", "stripped", "warned", "refused", "unscanned"],
)
async def test_every_gated_response_names_its_report(
    api: Api, gate_settings: dict[str, Any], with_secret: bool, status: int, action: str
) -> None:
    key = fake_aws_key()
    content = with_key(key) if with_secret else text_file("x = 1\ny = 2\nz = 3\n")
    reply = await api("PUT", "api/contents/a.py", content)
    assert reply.status == status, f"expected HTTP {status}, got {reply.status}"
    assert reply.headers.get(ACTION) == action
    report_id = report_id_of(reply)
    assert len(report_id) >= 16, "the report id is too short to be unguessable"

    fetched = await fetch_report(api, "a.py", report_id)
    assert fetched.status == 200
    assert fetched.json()["id"] == report_id and fetched.json()["action"] == action
    for place, text in (("the save reply", reply.body), ("the report", fetched.body)):
        assert key.encode() not in text, f"the key leaked into {place}"


async def test_two_saves_in_a_row_keep_two_reports(api: Api) -> None:
    first_key, second_key = fake_aws_key(), fake_aws_key()
    first = await api("PUT", "api/contents/same.py", with_key(first_key, line=1))
    second = await api("PUT", "api/contents/same.py", with_key(second_key, line=3))
    clean = await api("PUT", "api/contents/same.py", text_file("x = 1\n"))
    assert (first.status, second.status, clean.status) == (422, 422, 201)
    ids = [report_id_of(reply) for reply in (first, second, clean)]
    assert len(set(ids)) == 3, "two saves of one path got the same report id"

    by_id = [(await fetch_report(api, "same.py", report_id)).json() for report_id in ids]
    assert [report["id"] for report in by_id] == ids
    assert [report["action"] for report in by_id] == ["blocked", "blocked", "clean"]
    assert by_id[0]["findings"][0]["line"] == 1, "the first id answered another save's report"
    assert by_id[1]["findings"][0]["line"] == 3, "the second id answered another save's report"
    # Without an id: the last report of the path, as before.
    assert (await fetch_report(api, "same.py")).json()["id"] == ids[2]
    for report in by_id:
        text = str(report)
        assert first_key not in text and second_key not in text, "a key leaked into a report"


async def test_unknown_or_foreign_id_is_404(api: Api) -> None:
    assert (await fetch_report(api, "nothing.py", "no-such-report")).status == 404
    saved = await api("PUT", "api/contents/one.py", with_key(fake_aws_key()))
    one_id = report_id_of(saved)
    for path, report_id in (("one.py", "no-such-report"), ("other.py", one_id)):
        reply = await fetch_report(api, path, report_id)
        assert reply.status == 404, f"{path}?id={report_id} answered {reply.status}"
        message = reply.json()["message"]
        assert message and "\n" not in message, "the 404 message is not one line"


async def test_old_reports_of_a_path_are_forgotten(api: Api) -> None:
    ids = []
    for _ in range(9):
        reply = await api("PUT", "api/contents/busy.py", with_key(fake_aws_key()))
        ids.append(report_id_of(reply))
    assert (await fetch_report(api, "busy.py", ids[0])).status == 404, "more than 8 kept"
    assert (await fetch_report(api, "busy.py", ids[1])).status == 200


def test_registry_is_bounded_per_path_and_overall() -> None:
    # record() also notes the report for the current request (a context variable):
    # in a context of its own, so no later test's responses carry these reports.
    contextvars.copy_context().run(check_registry_bounds)


def check_registry_bounds() -> None:
    registry = ReportRegistry(paths=3, per_path=2)
    reports = [GateReport(f"p{i % 3}.py", "block", "clean", "ok") for i in range(9)]
    for report in reports:
        registry.record(report)
    kept = [r for r in reports if registry.get(r.path, r.id) is not None]
    assert kept == reports[3:], "not exactly the last 2 reports of each path are kept"
    # A fourth path: the least recently saved one (p0) is forgotten.
    newest = GateReport("p3.py", "block", "clean", "ok")
    registry.record(newest)
    assert registry.last("p0.py") is None, "the least recently saved path was not forgotten"
    assert registry.last("p3.py") is newest and registry.last("p1.py") is reports[7]
    # Recording a report again (a chunked upload's last chunk) does not duplicate it.
    registry.record(reports[5])
    assert registry.last("p2.py") is reports[5]
    assert registry.get("p2.py", reports[8].id) is not None, "a re-record evicted a report"


async def test_a_poll_for_a_report_still_to_come_is_204_not_404(api: Api) -> None:
    none_yet = await api(
        "GET", "jupyter-secrets/findings", params={"path": "never-saved.ipynb", "wait": "1"}
    )
    assert none_yet.status == 204 and none_yet.body == b"", "a poll with no report is not 204"
    plain = await api("GET", "jupyter-secrets/findings", params={"path": "never-saved.ipynb"})
    assert plain.status == 404, "without wait=1 a missing report stays a 404"
    saved = await api(
        "PUT",
        "api/contents/polled.ipynb",
        {"type": "notebook", "format": "json", "content": nbf.new_notebook()},
    )
    assert saved.status in (200, 201)
    after = await api(
        "GET", "jupyter-secrets/findings", params={"path": "polled.ipynb", "wait": "1"}
    )
    assert after.status == 200 and after.json()["action"] == "clean"
