"""``jupyter-secrets inventory check`` on fixture repositories, against a real encrypted file store.

Each repository starts clean (every ref it uses is listed, owned, with a cadence and in
the store) and one problem is planted; the check reports that problem on one line with
its file and line, and exits 1. The store is the file backend in an isolated HOME.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from .support import (
    entry,
    inventory_yaml,
    problem_lines,
    run,
    store,
    store_env,
    write,
    write_notebook,
)

WAREHOUSE, TOKEN = "prod/warehouse/password", "dev/api/token"  # pragma: allowlist secret


@dataclass
class Repo:
    root: Path
    entries: list[dict[str, Any]] = field(
        default_factory=lambda: [entry(WAREHOUSE), entry(TOKEN, owner=["api-team"])]
    )
    notebook_cells: list[tuple[str, str]] = field(
        default_factory=lambda: [
            ("markdown", "# Nightly load\nUses `secret://dev/api/token` for the API."),
            ("code", f"pw = %secret {WAREHOUSE} --refresh\nprint('connected')"),
        ]
    )
    python: str = f'token = secret("{TOKEN}")\n'
    config: str = "warehouse:\n  dsn: ${secret://" + WAREHOUSE + "#dsn}\n"

    def build(self) -> Repo:
        write(self.root, "secrets.yaml", inventory_yaml(self.entries))
        write_notebook(self.root, "notebooks/etl.ipynb", self.notebook_cells, output="connected\n")
        write(self.root, "pipeline/load.py", self.python)
        write(self.root, "config/pipeline.yaml", self.config)
        return self


def entry_line(index: int) -> int:
    """The line of the ``index``-th entry in :func:`inventory_yaml`'s output, when every entry
    before it has its four keys."""
    return 2 + index * 4


def raw_line(path: Path, needle: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(number for number, text in enumerate(lines, 1) if needle in text)


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, str], Path]:
    """One store for the module: the refs the clean repository uses."""
    where = tmp_path_factory.mktemp("home")
    env = store_env(where)
    store(env, where, WAREHOUSE, TOKEN)
    return env, where


def check(env: dict[str, str], repo: Path, *args: str) -> Any:
    return run(env, "inventory", "check", *args, cwd=repo)


def test_a_clean_repository_exits_0(home: tuple[dict[str, str], Path], tmp_path: Path) -> None:
    env, _ = home
    repo = Repo(tmp_path).build()
    done = check(env, repo.root)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout == ""
    assert done.stderr.strip() == (
        "inventory secrets.yaml: 2 entries, 2 refs used in 3 files, 2 secrets in the stores: "
        "no problems"
    )


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            {"entries": [entry(WAREHOUSE, owner=""), entry(TOKEN)]},
            f"secrets.yaml:{entry_line(0)}: '{WAREHOUSE}' has no owner; name exactly one",
        ),
        (
            {"entries": [entry(WAREHOUSE, owner=...), entry(TOKEN)]},
            f"secrets.yaml:{entry_line(0)}: '{WAREHOUSE}' has no owner; name exactly one",
        ),
        (
            {"entries": [entry(WAREHOUSE), entry(TOKEN, owner=["alice", "bob"])]},
            f"secrets.yaml:{entry_line(1)}: '{TOKEN}' has 2 owners (alice, bob); "
            "name exactly one owner",
        ),
        (
            {"entries": [entry(WAREHOUSE, env="dev"), entry(TOKEN)]},
            f"secrets.yaml:{entry_line(0)}: '{WAREHOUSE}' has env 'dev' but its scope is 'prod'; "
            "make env the ref's first path segment",
        ),
        (
            {"entries": [entry(WAREHOUSE), entry(TOKEN, rotation_days=...)]},
            f"secrets.yaml:{entry_line(1)}: '{TOKEN}' has no rotation cadence; set rotation_days",
        ),
        (
            {"entries": [entry(WAREHOUSE, rotation_days=0), entry(TOKEN)]},
            f"secrets.yaml:{entry_line(0)}: '{WAREHOUSE}' has rotation_days 0; "
            "use a positive number of days",
        ),
    ],
    ids=["empty-owner", "no-owner", "two-owners", "env-mismatch", "no-cadence", "zero-cadence"],
)
def test_an_incomplete_entry_is_one_line(
    home: tuple[dict[str, str], Path], tmp_path: Path, change: dict[str, Any], expected: str
) -> None:
    env, _ = home
    repo = Repo(tmp_path, **change).build()
    done = check(env, repo.root)
    assert done.returncode == 1, done.stderr
    assert problem_lines(done) == [expected]
    assert "1 problem" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("where", ["notebook", "python", "config"])
def test_a_ref_used_but_not_listed_is_one_line_at_its_use(
    home: tuple[dict[str, str], Path], tmp_path: Path, where: str
) -> None:
    env, _ = home
    unlisted = "dev/new/feature-flag"
    repo = Repo(tmp_path)
    if where == "notebook":
        repo.notebook_cells.append(("code", f"import os\nflag = %secret --env FLAG {unlisted}"))
        repo.notebook_cells.append(("raw", f"secret://{unlisted}-in-a-raw-cell"))  # not a use
        file, needle, place = "notebooks/etl.ipynb", "%secret --env", " (cell 3, line 2)"
    elif where == "python":
        repo.python += f"flag = secret('{unlisted}@previous')\n"
        file, needle, place = "pipeline/load.py", "flag =", ""
    else:
        repo.config += f"flags:\n  url: secret://{unlisted}\n"
        file, needle, place = "config/pipeline.yaml", "url:", ""
    repo.build()
    done = check(env, repo.root, ".")
    assert done.returncode == 1, done.stderr
    line = raw_line(repo.root / file, needle)
    assert problem_lines(done) == [
        f"{file}:{line}: '{unlisted}' is used{place} but is not in the inventory secrets.yaml"
    ]


def test_a_secret_changed_longer_ago_than_its_cadence_is_overdue(
    home: tuple[dict[str, str], Path], tmp_path: Path
) -> None:
    env, _ = home
    repo = Repo(tmp_path, entries=[entry(WAREHOUSE, rotation_days=30), entry(TOKEN)]).build()
    # The store's secrets were set today: 45 days from now the 30-day one is overdue,
    # the 90-day one is not.
    later = (date.today() + timedelta(days=45)).isoformat()
    done = check(env, repo.root, "--as-of", later)
    assert done.returncode == 1, done.stderr
    [line] = problem_lines(done)
    assert re.fullmatch(
        rf"secrets\.yaml:{entry_line(0)}: '{WAREHOUSE}' was last changed \d{{4}}-\d\d-\d\d "
        rf"\(4[45] days before {later}\), over its rotation_days 30; "
        r"rotate it \(jupyter-secrets rotate\)",
        line,
    ), line
    assert check(env, repo.root).returncode == 0, "overdue only as of later"
    assert check(env, repo.root, "--as-of", later, "--no-store").returncode == 0


def test_an_entry_no_store_holds_is_stale(
    home: tuple[dict[str, str], Path], tmp_path: Path
) -> None:
    env, _ = home
    old = "prod/legacy/api-key"
    repo = Repo(tmp_path)
    repo.entries.append(entry(old))
    repo.build()
    done = check(env, repo.root)
    assert done.returncode == 1, done.stderr
    assert problem_lines(done) == [
        f"secrets.yaml:{entry_line(2)}: '{old}' is in the inventory but no store holds it; "
        "store it (jupyter-secrets set) or remove the entry"
    ]
    assert check(env, repo.root, "--no-store").returncode == 0


def test_a_store_that_cannot_be_listed_is_one_problem_not_every_entry_missing(
    home: tuple[dict[str, str], Path], tmp_path: Path
) -> None:
    env, _ = home
    repo = Repo(tmp_path).build()
    wrong = dict(env, JUPYTER_SECRETS_PASSPHRASE="not-" + env["JUPYTER_SECRETS_PASSPHRASE"])
    done = check(wrong, repo.root)
    assert done.returncode == 1, done.stderr
    [line] = problem_lines(done)
    assert line.startswith("secrets.yaml: cannot check the store: backend 'file': "), line
    assert env["JUPYTER_SECRETS_PASSPHRASE"] not in done.stdout + done.stderr


def test_json_and_sarif_hold_the_same_problems_as_text(
    home: tuple[dict[str, str], Path], tmp_path: Path
) -> None:
    env, _ = home
    repo = Repo(
        tmp_path,
        entries=[entry(WAREHOUSE, owner=["a", "b"], env="stg"), entry(TOKEN, rotation_days=...)],
    )
    repo.entries.append(entry("prod/gone/secret"))
    repo.python += 'other = secret("stg/unlisted/one")\n'
    repo.build()
    text = check(env, repo.root)
    as_json = check(env, repo.root, "--format", "json")
    sarif = check(env, repo.root, "--format", "sarif")
    assert text.returncode == as_json.returncode == sarif.returncode == 1

    lines = problem_lines(text)
    assert len(lines) == 5, lines
    report = json.loads(as_json.stdout)
    problems = report["problems"]
    assert [f"{p['path']}:{p['line']}: {p['message']}" for p in problems] == lines
    assert {p["kind"] for p in problems} == {
        "multiple-owners",
        "env-mismatch",
        "missing-rotation",
        "not-in-store",
        "unlisted-ref",
    }
    assert report["checked"]["entries"] == 3 and report["checked"]["files"] == 3
    assert report["checked"]["store_secrets"] == 2

    doc = json.loads(sarif.stdout)
    assert doc["version"] == "2.1.0" and "sarif-2.1.0" in doc["$schema"]
    run_ = doc["runs"][0]
    results = run_["results"]
    rules = [rule["id"] for rule in run_["tool"]["driver"]["rules"]]
    from_sarif = [
        (
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            r["locations"][0]["physicalLocation"]["region"]["startLine"],
            r["message"]["text"],
        )
        for r in results
    ]
    assert from_sarif == [(p["path"], p["line"], p["message"]) for p in problems]
    assert all(rules[r["ruleIndex"]] == r["ruleId"] for r in results)
    assert len({r["partialFingerprints"]["jupyterSecretsInventory/v1"] for r in results}) == 5


def test_the_inventory_is_found_in_the_first_directory_path(
    home: tuple[dict[str, str], Path], tmp_path: Path
) -> None:
    env, _ = home
    repo = Repo(tmp_path / "repo").build()
    done = check(env, tmp_path, "repo", "--no-store")
    assert done.returncode == 0, done.stderr
    assert done.stderr.startswith(f"inventory {Path('repo') / 'secrets.yaml'}: 2 entries")
    missing = check(env, tmp_path, "--no-store")
    assert missing.returncode == 2
    assert missing.stderr.count("\n") == 1
    assert "no inventory found" in missing.stderr and "inventory init" in missing.stderr
    explicit = check(env, tmp_path, "repo", "--inventory", str(repo.root / "secrets.yaml"))
    assert explicit.returncode == 0, explicit.stderr
