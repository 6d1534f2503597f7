"""Against a real `jupyter server` subprocess on 127.0.0.1 with a token, over HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import notebooks as nbf
from tests.support.fakes import fake_aws_key
from tests.support.server import JupyterServer

from .payloads import as_model, clean, code_cell
from .real_server import start_server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JupyterServer]:
    running = start_server(tmp_path_factory.mktemp("real-server"))
    yield running
    running.stop()


def test_policy_needs_the_token(server: JupyterServer) -> None:
    status, _, body = server.request("GET", "jupyter-secrets/policy")
    assert status == 200 and json.loads(body)["policy"] == "block"
    assert server.request("GET", "jupyter-secrets/policy", token=None)[0] in (302, 403)
    assert server.request("GET", "jupyter-secrets/policy", token="wrong")[0] in (302, 403)


def test_leaking_save_is_blocked_over_http(server: JupyterServer) -> None:
    key = fake_aws_key()
    status, headers, body = server.request(
        "PUT", "api/contents/http.ipynb", as_model("http.ipynb", code_cell(key), "json")
    )
    assert status == 422
    assert headers.get("X-Jupyter-Secrets-Action") == "blocked"
    reply = json.loads(body)
    assert reply["findings"][0]["cell_index"] == 1 and reply["findings"][0]["location"] == "source"
    assert key not in body.decode(), "the key leaked into the response"
    assert not (server.root / "http.ipynb").exists()
    assert key not in server.log_text(), "the key leaked into the server log"
    status, _, body = server.request("GET", "jupyter-secrets/findings?path=http.ipynb")
    assert status == 200 and json.loads(body)["action"] == "blocked"


@pytest.mark.slow
def test_a_100_mb_output_gets_a_clear_4xx_and_keeps_the_file(server: JupyterServer) -> None:
    name = "big.ipynb"
    assert (
        server.request("PUT", f"api/contents/{name}", as_model(name, clean(name), "json"))[0] == 201
    )
    before = (server.root / name).read_bytes()
    nb = nbf.new_notebook()
    cell = nbf.new_code_cell("print(data)")
    cell.outputs = [nbf.new_output("stream", name="stdout", text="x" * (100 * 1024 * 1024))]
    nb.cells = [cell]
    body = json.dumps({"type": "notebook", "format": "json", "content": nb}).encode()
    status, _, reply = server.request("PUT", f"api/contents/{name}", body)
    del body
    assert status == 413, reply[:300]
    assert "more than" in json.loads(reply)["message"]
    assert (server.root / name).read_bytes() == before
    assert server.process.poll() is None, "the server died"
    assert server.request("GET", "api/status")[0] == 200


def test_plain_server_baseline_has_no_gate(tmp_path: Path) -> None:
    plain = start_server(tmp_path, with_extension=False)
    try:
        key = fake_aws_key()
        status, _, _ = plain.request(
            "PUT", "api/contents/x.ipynb", as_model("x.ipynb", code_cell(key), "json")
        )
        assert status == 201, "the baseline for the benchmark must not run the gate"
        assert plain.request("GET", "jupyter-secrets/policy")[0] == 404
    finally:
        plain.stop()
