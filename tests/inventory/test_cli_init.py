"""``jupyter-secrets inventory init``: a starting inventory that ``check`` accepts but for the
owners and cadences a human must fill in."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from .support import run, store, store_env, write, write_notebook


def test_init_writes_what_check_then_only_asks_owners_and_cadences_of(tmp_path: Path) -> None:
    home, repo = tmp_path / "home", tmp_path / "repo"
    env = store_env(home)
    store(env, home, "prod/warehouse/password", "dev/api/token", "stg/only/in-the-store")
    write_notebook(repo, "etl.ipynb", [("code", "pw = %secret prod/warehouse/password")])
    write(repo, "load.py", 'token = secret("dev/api/token#value")\n')
    write(repo, "conf/app.yaml", "url: ${secret://prod/warehouse/password}\n")

    done = run(env, "inventory", "init", cwd=repo)
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == (
        "wrote 3 entries to secrets.yaml (3 in the stores, 2 used in 3 files); fill in each "
        "owner and rotation_days, then run: jupyter-secrets inventory check"
    )
    text = (repo / "secrets.yaml").read_text(encoding="utf-8")
    assert text.startswith("# The secrets inventory")
    assert text.count("# TODO") == 6
    data = yaml.safe_load(text)["secrets"]
    assert [(e["ref"], e["env"], e["owner"], e["rotation_days"]) for e in data] == [
        ("dev/api/token", "dev", "", None),
        ("prod/warehouse/password", "prod", "", None),
        ("stg/only/in-the-store", "stg", "", None),
    ]
    assert data[1]["consumers"] == ["conf/app.yaml", "etl.ipynb"]
    assert "consumers" not in data[2]

    checked = run(env, "inventory", "check", "--format", "json", cwd=repo)
    assert checked.returncode == 1, checked.stderr
    problems = json.loads(checked.stdout)["problems"]
    assert sorted((p["kind"], p["ref"]) for p in problems) == sorted(
        (kind, ref)
        for kind in ("missing-owner", "missing-rotation")
        for ref in ("dev/api/token", "prod/warehouse/password", "stg/only/in-the-store")
    )


def test_init_never_overwrites_without_force(tmp_path: Path) -> None:
    env = store_env(tmp_path / "home")
    repo = tmp_path / "repo"
    write(repo, "secrets.yaml", "# mine\n[]\n")
    write(repo, "use.py", 'secret("dev/a/b")\n')
    refused = run(env, "inventory", "init", "--no-store", cwd=repo)
    assert refused.returncode == 2
    assert refused.stderr.strip() == (
        "jupyter-secrets: error: secrets.yaml exists; pass --force to overwrite it, "
        "or -o another file"
    )
    assert (repo / "secrets.yaml").read_text(encoding="utf-8") == "# mine\n[]\n"

    forced = run(env, "inventory", "init", "--no-store", "--force", cwd=repo)
    assert forced.returncode == 0, forced.stderr
    assert [e["ref"] for e in yaml.safe_load((repo / "secrets.yaml").read_text())["secrets"]] == [
        "dev/a/b"
    ]
    elsewhere = run(env, "inventory", "init", "--no-store", "-o", "inv/secrets.yml", cwd=repo)
    assert elsewhere.returncode == 2 and "cannot write inv/secrets.yml" in elsewhere.stderr
    to_stdout = run(env, "inventory", "init", "--no-store", "-o", "-", ".", cwd=repo)
    assert to_stdout.returncode == 0
    assert yaml.safe_load(to_stdout.stdout)["secrets"][0]["ref"] == "dev/a/b"
    assert "wrote 1 entry to stdout" in to_stdout.stderr


def test_init_of_an_empty_repository_is_an_empty_inventory(tmp_path: Path) -> None:
    env = store_env(tmp_path / "home")
    repo = tmp_path / "repo"
    repo.mkdir()
    done = run(env, "inventory", "init", "--no-store", cwd=repo)
    assert done.returncode == 0, done.stderr
    assert yaml.safe_load((repo / "secrets.yaml").read_text()) == {"secrets": []}
    assert run(env, "inventory", "check", "--no-store", cwd=repo).returncode == 0
