"""Known values: a real kernel of this server fetches a short password; a notebook holding it
where no detector would look is blocked, and no trace of the value is left on disk."""

from __future__ import annotations

import asyncio
import json
import random
import string
from pathlib import Path
from typing import Any

import pytest

from tests.leaks import traces
from tests.support import notebooks as nbf

from .conftest import Api


def short_password() -> str:
    # Mixed case and digits, 9 characters: no detector flags it on its own.
    rng = random.SystemRandom()
    return "".join(rng.choices(string.ascii_letters, k=5) + rng.choices(string.digits, k=4))


def notebook_with(value: str) -> dict[str, Any]:
    nb = nbf.new_notebook()
    cell = nbf.new_code_cell("run_report()")
    cell.outputs = [nbf.new_output("stream", name="stdout", text=f"status: {value} ok\n")]
    nb.cells = [cell]
    return {"type": "notebook", "format": "json", "content": nb}


async def run_in_kernel(api: Api, serverapp: Any, code: str) -> dict[str, Any]:
    started = await api("POST", "api/kernels", {"name": "python3"})
    assert started.status == 201, started.body[:300]
    kernel_id = started.json()["id"]
    client = serverapp.kernel_manager.get_kernel(kernel_id).client()
    client.start_channels()
    try:
        await client.wait_for_ready(timeout=60)
        reply: dict[str, Any] = await client.execute_interactive(
            code, timeout=60, output_hook=lambda msg: None
        )
    finally:
        client.stop_channels()
        await api("DELETE", f"api/kernels/{kernel_id}")
    assert reply["content"]["status"] == "ok", reply["content"].get("ename")
    return reply


def files_under(*roots: Path) -> list[Path]:
    return [p for root in roots for p in root.rglob("*") if p.is_file()]


@pytest.mark.parametrize("how", ["announce", "magic"])
async def test_fetched_short_password_blocks_the_save(
    api: Api,
    jp_serverapp: Any,
    jp_root_dir: Path,
    jp_data_dir: Path,
    jp_runtime_dir: Path,
    jp_config_dir: Path,
    caplog: Any,
    monkeypatch: pytest.MonkeyPatch,
    how: str,
) -> None:
    value = short_password()
    model = notebook_with(value)
    before = await api("POST", "jupyter-secrets/scan", {"model": model, "path": "report.ipynb"})
    assert before.status == 200 and before.json()["findings"] == [], "a detector flags it already"

    if how == "announce":
        code = (
            "from jupyter_secrets.kernel_link import announce, flush\n"
            f"announce('dev/x/pw', {value!r}); flush()"
        )
    else:
        # The env backend is the one real store every machine has.
        monkeypatch.setenv("JUPYTER_SECRETS_BACKEND", "env")
        monkeypatch.setenv("SECRET_DEV_X_PW", value)
        code = (
            "%load_ext jupyter_secrets\n"
            "pw = %secret dev/x/pw\n"
            "from jupyter_secrets.kernel_link import flush; flush()"
        )
    await run_in_kernel(api, jp_serverapp, code)

    reply = await api("PUT", "api/contents/report.ipynb", model)
    assert reply.status == 422, f"save with a fetched value answered {reply.status}"
    findings = reply.json()["findings"]
    assert [f["type"] for f in findings] == ["Known secret value"]
    assert findings[0]["location"] == "output"
    assert not (jp_root_dir / "report.ipynb").exists()
    assert value not in reply.body.decode(), "value leaked into the 422 body"

    for path in files_under(jp_root_dir, jp_data_dir, jp_runtime_dir, jp_config_dir):
        data = path.read_bytes()
        for trace in traces(value):
            assert trace not in data, f"a trace of the value was written to {path.name}"
    assert value not in caplog.text, "value leaked into the server log"


async def test_link_rejects_wrong_token(api: Api) -> None:
    reply = await api(
        "POST",
        "jupyter-secrets/known",
        {"ref": "dev/x", "fingerprints": ["jsfp1:9:" + "0" * 64]},
        headers={"Authorization": "", "X-Jupyter-Secrets-Link": "guess"},
    )
    assert reply.status == 403


async def test_link_env_is_not_left_for_subprocesses(api: Api, jp_serverapp: Any) -> None:
    code = (
        "import os, subprocess, sys\n"
        "assert 'JUPYTER_SECRETS_LINK' not in os.environ  # taken when the extension loaded\n"
        "assert 'JUPYTER_SECRETS_LINK_FILE' not in os.environ\n"
        "from jupyter_secrets import kernel_link\n"
        "assert kernel_link.capture()\n"
        "child = subprocess.run([sys.executable, '-c', "
        "'import os; print(any(k.startswith(\"JUPYTER_SECRETS_LINK\") for k in os.environ))'], "
        "capture_output=True, text=True)\n"
        "assert child.stdout.strip() == 'False', child.stdout\n"
    )
    reply = await run_in_kernel(api, jp_serverapp, code)
    assert json.dumps(reply["content"]).count("error") == 0


def passphrase() -> str:
    rng = random.SystemRandom()
    return " ".join("".join(rng.choices(string.ascii_lowercase, k=6)) for _ in range(4))


def quoted_value() -> str:
    rng = random.SystemRandom()
    letters = string.ascii_letters
    return "".join(rng.choices(letters, k=4)) + '"' + "".join(rng.choices(letters, k=4)) + "'9x"


def unicode_value() -> str:
    rng = random.SystemRandom()
    return "pä" + "".join(rng.choices(string.ascii_letters, k=6)) + "-Ωß" + str(rng.randrange(100))


#: Where a pasted value touches other text (each was saved with 201 by whole-token matching).
CONTEXTS = {
    "sentence end": "the password is {v}.",
    "bold": "**{v}**",
    "mysql flag": "!mysql -u etl -p{v} analytics",
    "assignment": "pw={v}!",
    "json string": None,  # a long JSON string, built below
}


def in_context(name: str, value: str) -> str:
    template = CONTEXTS[name]
    if template is None:
        return json.dumps({"log": f"auth ok token={value}.session-42 expires=3600 retry=none"})
    return template.format(v=value)


async def test_fetched_values_are_caught_at_any_boundary(api: Api, jp_serverapp: Any) -> None:
    values = {
        "short password": short_password(),
        "passphrase": passphrase(),
        "quoted": quoted_value(),
        "unicode": unicode_value(),
    }
    code = "from jupyter_secrets.kernel_link import announce, flush\n" + "".join(
        f"announce('dev/x/{i}', {v!r})\n" for i, v in enumerate(values.values())
    )
    await run_in_kernel(api, jp_serverapp, code + "flush()\n")
    for kind, value in values.items():
        for name in CONTEXTS:
            model = notebook_with(in_context(name, value))
            reply = await api("PUT", "api/contents/paste.ipynb", model)
            assert reply.status == 422, f"{kind} in {name!r} saved with {reply.status}"
            types = {f["type"] for f in reply.json()["findings"]}
            assert "Known secret value" in types, f"{kind} in {name!r}: found only {types}"
            assert value not in reply.body.decode(), "value leaked into the 422 body"


async def test_short_value_blocks_only_where_it_stands_apart(api: Api, jp_serverapp: Any) -> None:
    rng = random.SystemRandom()
    value = "".join(rng.choices(string.ascii_letters, k=3) + rng.choices(string.digits, k=3))
    await run_in_kernel(
        api,
        jp_serverapp,
        f"from jupyter_secrets.kernel_link import announce, flush\nannounce('dev/x/pin', {value!r}); flush()",
    )
    apart = await api("PUT", "api/contents/a.ipynb", notebook_with(f"pin=({value});"))
    assert apart.status == 422, f"a short value standing apart saved with {apart.status}"
    for i, glued in enumerate((f"x{value}", f"{value}9", f"id_{value}_tmp")):
        reply = await api("PUT", f"api/contents/b{i}.ipynb", notebook_with(f"ref {glued} ok"))
        assert reply.status == 201, "a short value inside a word blocked the save"


async def test_link_file_left_by_a_kernel_without_the_extension_expires(
    api: Api, jp_serverapp: Any, jp_runtime_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from jupyter_secrets.server import known_link as known

    monkeypatch.setattr(known, "LINK_FILE_TTL", 1.0)
    monkeypatch.setenv("JUPYTER_SECRETS_AUTOLOAD", "0")  # nothing in the kernel takes the file
    started = await api("POST", "api/kernels", {"name": "python3"})
    assert started.status == 201
    try:
        assert list(jp_runtime_dir.glob("jupyter-secrets-link-*")), "no link file was written"
        for path in jp_runtime_dir.glob("jupyter-secrets-link-*"):
            assert path.stat().st_mode & 0o077 == 0, "the link file is readable by others"
        deadline = asyncio.get_running_loop().time() + 60
        while list(jp_runtime_dir.glob("jupyter-secrets-link-*")):
            assert asyncio.get_running_loop().time() < deadline, "the link file never expired"
            await asyncio.sleep(0.05)
    finally:
        await api("DELETE", f"api/kernels/{started.json()['id']}")


def test_link_dedupes_and_bounds_each_kernel(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    from jupyter_secrets.knownprints import link_fingerprints
    from jupyter_secrets.scanner import KnownValues
    from jupyter_secrets.server import known_link as link_module

    monkeypatch.setattr(link_module, "MAX_FINGERPRINTS_PER_KERNEL", 20)
    monkeypatch.setattr(link_module, "MAX_FINGERPRINTS", 30)
    known = KnownValues()
    link = link_module.KnownValuesLink(known, runtime_dir=str(tmp_path))
    first, second = link.issue(), link.issue()
    link.bind(first, "kernel-one")
    link.bind(second, "kernel-two")
    value = short_password()
    prints = link_fingerprints(value, known.key)
    assert link.add(first, prints, "dev/x") == (len(prints), "")
    assert known.label_of(value) == "dev/x (kernel kernel-one)", "not tagged with its kernel"
    for _ in range(3):  # repeats are free and never fill anything
        assert link.add(first, prints, "dev/x") == (0, "")
        assert link.add(second, prints, "dev/x") == (0, "")
    caplog.set_level("WARNING", logger="jupyter_secrets")
    results = [
        link.add(first, link_fingerprints(short_password(), known.key), "d") for _ in range(9)
    ]
    assert "kernel" in {full for _, full in results}, "the kernel quota was never reached"
    assert len(prints) + sum(added for added, _ in results) <= 20, "quota overrun"
    results = [
        link.add(second, link_fingerprints(short_password(), known.key), "d") for _ in range(9)
    ]
    assert "server" in {full for _, full in results}, "the server cap was never reached"
    messages = [r.getMessage() for r in caplog.records]
    assert sum("kernel-one reached its quota" in m for m in messages) == 1
    assert sum("list of known values is full" in m for m in messages) == 1
    assert value not in caplog.text
    with pytest.raises(ValueError):
        link.add(first, ["jsfp2:012:3:" + "0" * 64], "too short")
    link.release("kernel-one")
    assert link.grant_for("anything") is None and not (tmp_path / Path(first.path).name).exists()


async def test_link_answers_429_and_400(api: Api, jp_serverapp: Any) -> None:
    link = jp_serverapp.web_app.settings["jupyter_secrets"].link
    token = "t-" + "".join(random.SystemRandom().choices(string.ascii_letters, k=30))
    # A grant made by hand, so the test knows its token (real kernels never see one).
    grant = link.issue()
    link._grants[link_digest(token)] = link._grants.pop(grant.token_digest)
    grant.token_digest = link_digest(token)
    grant.added = 10**9
    headers = {"Authorization": "", "X-Jupyter-Secrets-Link": token}
    from jupyter_secrets.knownprints import link_fingerprints

    prints = link_fingerprints(short_password(), link.known.key)
    full = await api(
        "POST", "jupyter-secrets/known", {"ref": "x", "fingerprints": prints}, headers=headers
    )
    assert full.status == 429 and full.json() == {"added": 0, "full": "kernel"}
    bad = await api(
        "POST",
        "jupyter-secrets/known",
        {"ref": "x", "fingerprints": ["jsfp2:0:1:00"]},
        headers=headers,
    )
    assert bad.status == 400
    link.revoke(grant)
    gone = await api(
        "POST", "jupyter-secrets/known", {"ref": "x", "fingerprints": []}, headers=headers
    )
    assert gone.status == 403


def link_digest(token: str) -> bytes:
    import hashlib

    return hashlib.sha256(token.encode()).digest()


async def test_each_kernel_lists_only_the_refs_it_fetched(api: Api, jp_serverapp: Any) -> None:
    kernels = []
    for _ in range(2):
        started = await api("POST", "api/kernels", {"name": "python3"})
        assert started.status == 201, started.body[:300]
        kernels.append(started.json()["id"])
    first, second = kernels
    client = jp_serverapp.kernel_manager.get_kernel(first).client()
    client.start_channels()
    try:
        await client.wait_for_ready(timeout=60)
        code = (
            "from jupyter_secrets.kernel_link import announce, flush\n"
            f"announce('dev/x/first', {short_password()!r}); flush()"
        )
        reply = await client.execute_interactive(code, timeout=60, output_hook=lambda m: None)
        assert reply["content"]["status"] == "ok"
    finally:
        client.stop_channels()
    try:
        mine = await api("GET", f"jupyter-secrets/kernels/{first}/refs")
        assert mine.status == 200 and mine.json() == {"kernel_id": first, "refs": ["dev/x/first"]}
        other = await api("GET", f"jupyter-secrets/kernels/{second}/refs")
        assert other.status == 200 and other.json()["refs"] == [], "a ref leaked to a sibling"
        unknown = await api("GET", "jupyter-secrets/kernels/no-such-kernel/refs")
        assert unknown.status == 404 and "no running kernel" in unknown.json()["message"]
    finally:
        for kernel_id in kernels:
            await api("DELETE", f"api/kernels/{kernel_id}")
    gone = await api("GET", f"jupyter-secrets/kernels/{first}/refs")
    assert gone.status == 404, "a stopped kernel's refs are still listed"
