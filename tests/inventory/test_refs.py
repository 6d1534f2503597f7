"""Ref extraction: every form the runtime resolves, in code, markdown, config and notebooks,
and nothing else (property-based: refs planted in random text are found, exactly)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jupyter_secrets.inventory.refs import find_refs, iter_ref_files, refs_in_file

from .support import write, write_notebook

#: Each form a ref is used in; ``{ref}`` is the ref as written.
FORMS = (
    "%secret {ref}",
    "%secret {ref} --refresh",
    "%secret --refresh {ref}",
    "%secret --env DB_PASSWORD {ref}",
    'secret("{ref}")',
    "secret('{ref}')",
    'js.secret( "{ref}", refresh=True)',
    "secret://{ref}",
    "${{secret://{ref}}}",
    'secret("secret://{ref}")',
    "%secret secret://{ref}",
    "`%secret {ref}`",
)
#: Text that looks close to a use but is none: none of it may be found.
DECOYS = (
    "%secrets",
    'get_secret("dev/decoy/one")',
    "mysecret://dev/decoy/two",
    'secret("not a ref")',
    "secret(dev/decoy/three)",
    "%secret",
    "secret:/dev/decoy/four",
    "%%secret dev/decoy/five",
    "secret://nope",
)

_segment = st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9_\-]{0,6}[A-Za-z0-9]?", fullmatch=True)
_scope = st.sampled_from(["dev", "stg", "prod", "qa", "team_x"])
_suffix = st.sampled_from(["", "@2", "@previous", "@latest", "#password", "@3#user"])


@st.composite
def refs(draw: st.DrawFn) -> tuple[str, str]:
    """(the ref as written, its path)."""
    path = "/".join([draw(_scope), *draw(st.lists(_segment, min_size=1, max_size=3))])
    return path + draw(_suffix), path


#: Filler: letters, digits, spaces and punctuation, never a form's own characters
#: (% ( : / ' " `), so it cannot spell a use or extend a planted one.
_filler = st.text(
    alphabet=st.sampled_from("abcdefghijklmnopqrstuvwxyz ABCXYZ0123456789 =,;.{}[]-_+*\t"),
    max_size=30,
)
_separator = st.sampled_from([" ", "\n", "  ", "\n\n", " = ", ": ", "\n- "])


@st.composite
def documents(draw: st.DrawFn) -> tuple[str, list[tuple[int, str]]]:
    """A text with refs planted in random forms among filler and decoys, and (line, path) of each."""
    text, planted = "", []
    for _ in range(draw(st.integers(0, 8))):
        kind = draw(st.sampled_from(["ref", "ref", "filler", "decoy"]))
        text += draw(_separator)
        if kind == "ref":
            written, path = draw(refs())
            form = draw(st.sampled_from(FORMS))
            planted.append((text.count("\n") + 1, path))
            text += form.format(ref=written)
        elif kind == "decoy":
            text += draw(st.sampled_from(DECOYS))
        else:
            text += draw(_filler)
        text += draw(_separator)
    return text, planted


@settings(max_examples=300, deadline=None)
@given(documents())
def test_every_planted_ref_is_found_and_nothing_else(
    doc: tuple[str, list[tuple[int, str]]],
) -> None:
    text, planted = doc
    assert [(f.line, f.path) for f in find_refs(text)] == planted


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.tuples(st.sampled_from(["code", "markdown", "raw"]), documents()), max_size=5))
def test_a_notebook_counts_code_and_markdown_sources_only(
    tmp_path: Path, cells: list[tuple[str, tuple[str, list[tuple[int, str]]]]]
) -> None:
    # Every code cell printed a use, and raw cells hold uses: neither counts.
    path = write_notebook(
        tmp_path,
        "random.ipynb",
        [(kind, text) for kind, (text, _) in cells],
        output="loaded secret://prod/printed/out\n",
    )
    expected = [
        (index, line, ref)
        for index, (kind, (_, planted)) in enumerate(cells)
        if kind != "raw"
        for line, ref in planted
    ]
    uses = refs_in_file(path)
    assert [(u.cell, u.cell_line, u.ref) for u in uses] == expected
    raw = path.read_text(encoding="utf-8").splitlines()
    for use in uses:  # the raw line holds the ref as the cell's source
        assert use.written in json.loads(raw[use.line - 1].strip().rstrip(","))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("See secret://prod/db/password.", ["prod/db/password"]),
        ("pw = %secret dev/db/password  # comment", ["dev/db/password"]),
        ("%secret --env=DB dev/db/password", ["dev/db/password"]),
        ("%secret dev/db/password@8c1a0f7e-3b2d-4c5e-9f10-2a3b4c5d6e7f", ["dev/db/password"]),
        ("dsn = ${secret://prod/db#dsn}/extra", ["prod/db"]),
        ("%secret dev/db/password@bad", []),
        ("secret('dev')", []),
        ("%secretdev/db/password", []),
        ("a\r\nb secret://dev/x/y", ["dev/x/y"]),
    ],
)
def test_edges(text: str, expected: list[str]) -> None:
    assert [f.path for f in find_refs(text)] == expected


def test_the_crlf_line_is_counted() -> None:
    [found] = find_refs("a\r\nb\r\nsecret://dev/x/y")
    assert (found.line, found.column, found.written) == (3, 1, "secret://dev/x/y")


def test_which_files_are_read(tmp_path: Path) -> None:
    for name in ("a.py", "b.yaml", "c.yml", "d.json", "e.toml", "f.ini", "g.cfg", ".env",
                 "prod.env", "h.sql", "i.md", "j.txt", "k.ipynb"):  # fmt: skip
        write(tmp_path, name, "x")
    write(tmp_path, "skip.png", "x")
    write(tmp_path, "script.sh", "x")
    write(tmp_path, ".git/config.yaml", "x")
    write(tmp_path, "nb/.ipynb_checkpoints/k-checkpoint.ipynb", "x")
    write(tmp_path, "venv/pyvenv.cfg", "x")
    write(tmp_path, "venv/lib/site.py", "x")
    write(tmp_path, "inv/secrets.yaml", "x")
    found = [Path(p).relative_to(tmp_path).as_posix() for p in iter_ref_files(
        [str(tmp_path), str(tmp_path / "a.py")], exclude=[tmp_path / "inv" / "secrets.yaml"]
    )]  # fmt: skip
    assert found == sorted(
        [
            ".env",
            "a.py",
            "b.yaml",
            "c.yml",
            "d.json",
            "e.toml",
            "f.ini",
            "g.cfg",
            "h.sql",
            "i.md",
            "j.txt",
            "k.ipynb",
            "prod.env",
        ]
    )


def test_an_unreadable_or_odd_file_holds_no_uses(tmp_path: Path) -> None:
    (tmp_path / "bin.txt").write_bytes(b"\xff\xfesecret://dev/a/b")
    assert refs_in_file(tmp_path / "bin.txt") == []
    assert refs_in_file(tmp_path / "missing.py") == []
    broken = write(tmp_path, "broken.ipynb", '{"cells": [ secret://dev/a/b')
    assert [u.ref for u in refs_in_file(broken)] == ["dev/a/b"]  # read as text
