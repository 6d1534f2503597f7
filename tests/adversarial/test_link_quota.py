"""The link's limits against a real server: a loop of cached ``secret()`` calls cannot use up
the known-values list (each value is announced once per kernel), and a kernel that does reach
its quota is told so once, and so is the server log (never a value)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.leaks import traces
from tests.support.fakes import fake_alnum
from tests.support.server import JupyterServer

from .linkserver import notebook_with, running_server, save, start_kernel


@pytest.fixture(scope="module")
def values() -> dict[str, str]:
    return {"a": fake_alnum(), "b": fake_alnum()}  # pragma: allowlist secret


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, values: dict[str, str]
) -> Iterator[JupyterServer]:
    # The env backend: the one real store every machine has; kernels inherit these.
    env = {f"SECRET_DEV_Q_{name.upper()}": value for name, value in values.items()}
    with running_server(tmp_path_factory.mktemp("link-quota"), env=env) as running:
        yield running


def test_cached_fetch_loop_does_not_crowd_out_a_new_value(
    server: JupyterServer, values: dict[str, str]
) -> None:
    kernel = start_kernel(server)
    try:
        cell = kernel.run(
            "import os\n"
            "os.environ['JUPYTER_SECRETS_BACKEND'] = 'env'\n"
            "from jupyter_secrets import secret\n"
            "from jupyter_secrets.kernel_link import flush\n"
            "for _ in range(5000):\n"
            "    secret('dev/q/a')\n"
            "flush(60)\n"
            "b = secret('dev/q/b')\n"
            "flush(60)\n"
        )
        assert cell.status == "ok", cell.ename
        assert "full" not in cell.stderr, "5,000 cached calls filled the known-values list"
    finally:
        kernel.stop()
    for name in ("a", "b"):
        status = save(server, f"loop-{name}.ipynb", notebook_with(f"status: {values[name]} ok"))
        assert status == 422, f"value {name} fetched after the loop saved with {status}"


def test_quota_is_loud_in_kernel_and_server_log(server: JupyterServer) -> None:
    kernel = start_kernel(server)
    # Distinct values with quotes and spaces (9 fingerprints each) until the quota is hit.
    code = (
        "import secrets, string\n"
        "from jupyter_secrets.kernel_link import announce, flush\n"
        "alphabet = string.ascii_letters + string.digits\n"
        "for i in range(600):\n"
        "    value = 'q\"' + ''.join(secrets.choice(alphabet) for _ in range(16)) + ' x'\n"
        "    announce(f'dev/quota/{i}', value)\n"
        "flush(120)\n"
        "announce('dev/quota/late', 'L' + ''.join(secrets.choice(alphabet) for _ in range(16)))\n"
        "flush(30)\n"
    )
    try:
        cell = kernel.run(code)
    finally:
        kernel.stop()
    assert cell.status == "ok", cell.ename
    assert cell.stderr.count("jupyter-secrets: the save gate's list of known values is full") == 1
    log = server.log_text()
    assert log.count("reached its quota of") == 1, "the quota hit was not logged exactly once"
    assert kernel.kernel_id in log.split("reached its quota of")[0].rsplit("\n", 1)[-1]


def test_server_log_holds_no_value(server: JupyterServer, values: dict[str, str]) -> None:
    log = server.log_text()
    for name, value in values.items():
        for trace in traces(value):
            assert trace not in log.encode(), f"a trace of value {name} reached the server log"
