"""The gate's policy per confidence: by default a ``possible`` finding is warned (saved,
with the warning in the response) and a ``likely`` one blocked; an admin's stricter
``possible_policy`` blocks possible ones too; a path's policy still applies, and is the
most a possible finding gets. Every credential is a fake generated at test time.
"""

from __future__ import annotations

import json
import random
import string
from pathlib import Path
from typing import Any

import pytest

from tests.support import notebooks as nbf
from tests.support.fakes import fake_aws_key

from .conftest import Api

ACTION = "X-Jupyter-Secrets-Action"


def weak_password() -> str:
    """A dictionary word and digits: a real-looking password, with weak evidence."""
    word = random.choice(["Welcome", "Summer", "Harbor", "Sunshine", "Dragon"])
    return word + "".join(random.choices(string.digits, k=3))


def notebook_model(*sources: str) -> dict[str, Any]:
    nb = nbf.new_notebook()
    nb.cells = [nbf.new_code_cell(source) for source in sources]
    return {"type": "notebook", "format": "json", "content": json.loads(nbf.writes(nb))}


def possible_source(value: str) -> str:
    return f'db_password = "{value}"\n'


def likely_source(key: str) -> str:
    return f'aws_key = "{key}"\n'


async def test_possible_is_warned_and_saved_by_default(api: Api, jp_root_dir: Path) -> None:
    value = weak_password()
    reply = await api("PUT", "api/contents/weak.ipynb", notebook_model(possible_source(value)))
    assert reply.status in (200, 201), f"a possible finding answered {reply.status}"
    assert reply.headers.get(ACTION) == "warned"
    report = reply.json()["jupyter_secrets"]
    assert report["action"] == "warned" and "was saved but contains" in report["message"]
    [finding] = report["findings"]
    assert (finding["confidence"], finding["policy"]) == ("possible", "warn")
    assert value not in reply.body.decode(), "the value is in the response"
    assert value in (jp_root_dir / "weak.ipynb").read_text(), "warn saves the file unchanged"


async def test_likely_is_blocked_by_default(api: Api, jp_root_dir: Path) -> None:
    reply = await api(
        "PUT", "api/contents/leak.ipynb", notebook_model(likely_source(fake_aws_key()))
    )
    assert reply.status == 422
    assert reply.headers.get(ACTION) == "blocked"
    [finding] = reply.json()["findings"]
    assert (finding["confidence"], finding["policy"]) == ("likely", "block")
    assert not (jp_root_dir / "leak.ipynb").exists()


async def test_a_block_lists_possible_findings_as_only_warned(api: Api, jp_root_dir: Path) -> None:
    model = notebook_model(likely_source(fake_aws_key()), possible_source(weak_password()))
    reply = await api("PUT", "api/contents/both.ipynb", model)
    assert reply.status == 422
    body = reply.json()
    assert sorted((f["confidence"], f["policy"]) for f in body["findings"]) == [
        ("likely", "block"),
        ("possible", "warn"),
    ]
    assert (
        "AWS Access Key" in body["message"] and "1 more (possible) only warned" in body["message"]
    )


@pytest.mark.parametrize("gate_settings", [{"possible_policy": "block"}])
async def test_an_admin_can_block_possible_findings(
    api: Api, jp_root_dir: Path, gate_settings: Any
) -> None:
    reply = await api(
        "PUT", "api/contents/weak.ipynb", notebook_model(possible_source(weak_password()))
    )
    assert reply.status == 422
    assert reply.headers.get(ACTION) == "blocked"
    [finding] = reply.json()["findings"]
    assert (finding["confidence"], finding["policy"]) == ("possible", "block")
    assert not (jp_root_dir / "weak.ipynb").exists()


@pytest.mark.parametrize(
    "gate_settings",
    [
        {
            "possible_policy": "block",
            "path_policies": {"scratch/**": "warn", "notes/**": "off"},
        }
    ],
)
async def test_a_paths_policy_still_applies_and_caps_possible(
    api: Api, jp_root_dir: Path, gate_settings: Any
) -> None:
    for folder in ("scratch", "notes"):
        (jp_root_dir / folder).mkdir()
    model = notebook_model(possible_source(weak_password()))
    scratch = await api("PUT", "api/contents/scratch/weak.ipynb", model)
    assert scratch.status in (200, 201) and scratch.headers.get(ACTION) == "warned"
    notes = await api("PUT", "api/contents/notes/weak.ipynb", model)
    assert notes.status in (200, 201) and notes.headers.get(ACTION) is None  # not gated
    elsewhere = await api("PUT", "api/contents/weak.ipynb", model)
    assert elsewhere.status == 422


@pytest.mark.parametrize("gate_settings", [{"possible_path_policies": {"prod/**": "block"}}])
async def test_possible_path_policies_block_where_an_admin_says(
    api: Api, jp_root_dir: Path, gate_settings: Any
) -> None:
    (jp_root_dir / "prod").mkdir()
    model = notebook_model(possible_source(weak_password()))
    assert (await api("PUT", "api/contents/prod/weak.ipynb", model)).status == 422
    reply = await api("PUT", "api/contents/dev.ipynb", model)
    assert reply.status in (200, 201) and reply.headers.get(ACTION) == "warned"
    # A symlink does not launder a path: the strictest of its names applies.
    (jp_root_dir / "alias").symlink_to(jp_root_dir / "prod")
    assert (await api("PUT", "api/contents/alias/weak2.ipynb", model)).status == 422


@pytest.mark.parametrize("gate_settings", [{"possible_policy": "off"}])
async def test_possible_off_ignores_possible_findings(api: Api, gate_settings: Any) -> None:
    reply = await api(
        "PUT", "api/contents/weak.ipynb", notebook_model(possible_source(weak_password()))
    )
    assert reply.status in (200, 201) and reply.headers.get(ACTION) == "clean"


@pytest.mark.parametrize("gate_settings", [{"save_policy": "strip"}])
async def test_strip_redacts_likely_and_warns_on_possible(
    api: Api, jp_root_dir: Path, gate_settings: Any
) -> None:
    key, value = fake_aws_key(), weak_password()
    reply = await api(
        "PUT",
        "api/contents/mixed.ipynb",
        notebook_model(likely_source(key), possible_source(value)),
    )
    assert reply.status in (200, 201), f"the stripped save answered {reply.status}"
    assert reply.headers.get(ACTION) == "stripped"
    report = reply.json()["jupyter_secrets"]
    assert sorted((f["confidence"], f["policy"]) for f in report["findings"]) == [
        ("likely", "strip"),
        ("possible", "warn"),
    ]
    on_disk = (jp_root_dir / "mixed.ipynb").read_text()
    assert key not in on_disk, "the likely key reached the disk"
    assert value in on_disk, "a warned finding is saved as it was"


@pytest.mark.parametrize(
    "gate_settings",
    [{"possible_policy": "block", "path_policies": {"scratch/**": "warn"}}],
)
async def test_policy_api_shows_the_action_per_confidence(api: Api, gate_settings: Any) -> None:
    data = (await api("GET", "jupyter-secrets/policy")).json()
    assert data["confidence_actions"] == {
        "verified": "block",
        "likely": "block",
        "possible": "block",
    }
    assert data["default_possible_policy"] == "block"
    scratch = (
        await api("GET", "jupyter-secrets/policy", params={"path": "scratch/a.ipynb"})
    ).json()
    assert scratch["confidence_actions"] == {
        "verified": "warn",
        "likely": "warn",
        "possible": "warn",
    }


async def test_rest_scan_carries_confidence(api: Api) -> None:
    text = possible_source(weak_password()) + likely_source(fake_aws_key())
    reply = await api("POST", "jupyter-secrets/scan", {"text": text, "path": "a.py"})
    assert reply.status == 200
    levels = sorted(f["confidence"] for f in reply.json()["findings"])
    assert levels == ["likely", "possible"]
