"""Loading an inventory: entries with their lines, malformed ones skipped one line each."""

from __future__ import annotations

from pathlib import Path

import pytest

from jupyter_secrets.errors import ConfigError
from jupyter_secrets.inventory import InventoryEntry, find_inventory, load_inventory


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_mapping_with_secrets_loads_with_lines(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "secrets.yaml",
        "# the team's secrets\n"
        "secrets:\n"
        "  - ref: prod/warehouse/password\n"
        "    owner: data-platform\n"
        "    env: prod\n"
        "    rotation_days: 90\n"
        "    description: the loader account\n"
        "    consumers: [etl/nightly.ipynb]\n"
        "  - ref: secret://dev/api/token\n"
        "    owner: [alice, bob]\n",
    )
    inventory = load_inventory(path)
    assert inventory.problems == []
    assert inventory.entries == [
        InventoryEntry(
            ref="prod/warehouse/password",
            owners=("data-platform",),
            env="prod",
            rotation_days=90,
            description="the loader account",
            consumers=("etl/nightly.ipynb",),
            line=3,
        ),
        InventoryEntry(
            ref="dev/api/token", owners=("alice", "bob"), env=None, rotation_days=None, line=9
        ),
    ]
    assert inventory.get("prod/warehouse/password@previous") == inventory.entries[0]
    assert inventory.get("secret://dev/api/token#field") == inventory.entries[1]
    assert inventory.get("prod/other") is None
    assert find_inventory(tmp_path) == path


def test_a_plain_list_and_json_load(tmp_path: Path) -> None:
    listed = load_inventory(write(tmp_path, "a.yml", "- ref: dev/a/b\n  owner: ''\n"))
    assert [(e.ref, e.owners, e.line) for e in listed.entries] == [("dev/a/b", (), 1)]
    as_json = load_inventory(
        write(
            tmp_path, "secrets.json", '{"secrets": [\n {"ref": "dev/a/b"},\n {"ref": "dev/a/b"}\n]}'
        )
    )
    assert [(e.ref, e.line) for e in as_json.entries] == [("dev/a/b", 2)]
    assert as_json.problems == [
        f"{tmp_path / 'secrets.json'}:3: duplicate ref 'dev/a/b' (first at line 2); entry skipped"
    ]


def test_malformed_entries_are_skipped_one_line_each(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "secrets.yaml",
        "- ref: dev/good\n"  # 1
        "- 3\n"  # 2
        "- owner: nobody\n"  # 3
        "- ref: not a ref\n"  # 4
        "- ref: dev/good\n"  # 5
        "- ref: dev/cadence\n"  # 6
        "  rotation_days: ninety\n"
        "- ref: dev/flag\n"  # 8
        "  rotation_days: true\n"
        "- ref: dev/pinned@2\n"  # 10
        "- ref: dev/owner\n"  # 11
        "  owner: {team: x}\n",
    )
    inventory = load_inventory(path)
    assert [e.ref for e in inventory.entries] == ["dev/good"]
    assert len(inventory.problems) == 8
    assert [issue.line for issue in inventory.issues] == [2, 3, 4, 5, 6, 8, 10, 11]
    for line in inventory.problems:
        assert "\n" not in line and line.startswith(f"{path}:") and line.endswith("entry skipped")
    assert "is a number, not a mapping" in inventory.problems[0]
    assert "has no 'ref'" in inventory.problems[1]
    assert "duplicate ref 'dev/good'" in inventory.problems[3]
    assert "rotation_days must be a whole number" in inventory.problems[4]


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("secrets.yaml", "key: [unclosed\n", "is not valid YAML (line 2)"),
        ("secrets.yaml", "just a string\n", "is a string, not a list of entries"),
        ("secrets.yaml", "", "is empty"),
        ("secrets.yaml", "version: 1\n", "a mapping without a 'secrets' list"),
        ("secrets.yaml", "secrets: 7\n", "is a number, not a list of entries"),
        ("secrets.json", '[{"ref": ', "is not valid JSON (line 1)"),
    ],
)
def test_a_file_that_is_no_inventory_is_one_config_error(
    tmp_path: Path, name: str, text: str, expected: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        load_inventory(write(tmp_path, name, text))
    assert expected in str(caught.value) and "\n" not in str(caught.value)


def test_an_unreadable_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read inventory"):
        load_inventory(tmp_path / "missing.yaml")
    (tmp_path / "binary.yaml").write_bytes(b"\xff\xfe\x00")
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_inventory(tmp_path / "binary.yaml")


def test_secrets_with_nothing_under_it_is_empty(tmp_path: Path) -> None:
    assert load_inventory(write(tmp_path, "s.yaml", "secrets:\n")).entries == []
