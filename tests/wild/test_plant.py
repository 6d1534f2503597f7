"""Planting into real-notebook copies, the manifest split and the triage file (no fetched data).

The notebooks here are small synthetic ones written by the test (code with
and without IPython magics, markdown with fences, stdout, a DataFrame result,
an error); the real ones are only read by the benchmark. Messages name
families and contexts, never a planted value.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections import Counter
from pathlib import Path
from typing import Any

import nbformat
import pytest

from jupyter_secrets.scanner.detectors.checksums import verify_token_checksum
from tests.corpus.model import Label
from tests.corpus.score import Hit
from tests.support import notebooks as nbf
from tests.support.notebooks import new_code_cell, new_markdown_cell, new_notebook, new_output
from tests.wild import manifest, values
from tests.wild.contexts import TEMPLATES
from tests.wild.corpus import WildCorpus, build
from tests.wild.plant import Planner, PositionMap, check_labels, plant_notebook
from tests.wild.scoring import score_split, separate
from tests.wild.triage import VERDICTS, load_triage

TABLE_HTML = (
    '<div>\n<table border="1" class="dataframe">\n  <thead>\n    <tr>\n      <th></th>\n'
    "      <th>a</th>\n    </tr>\n  </thead>\n  <tbody>\n    <tr>\n      <th>0</th>\n"
    "      <td>1</td>\n    </tr>\n  </tbody>\n</table>\n</div>"
)
BASH_CELL = "%%bash\necho hello"


def synthetic(minor: int = 5) -> dict[str, Any]:
    nb = new_notebook()
    nb.cells = [
        new_markdown_cell("# Sales report\n\nLoads the data.\n\n- one\n- two"),
        new_code_cell(
            "import os\nimport pandas as pd\n\n%matplotlib inline\ndf = pd.read_csv('sales.csv')\n"
            "for i in range(3):\n    print(i)",
            outputs=[new_output("stream", name="stdout", text="0\n1\n2\n")],
        ),
        new_code_cell(
            "df.head()",
            outputs=[
                new_output(
                    "execute_result",
                    data={"text/plain": "   a\n0  1", "text/html": TABLE_HTML},
                    execution_count=2,
                )
            ],
        ),
        new_code_cell(
            "x = 1 / 0",
            outputs=[
                new_output(
                    "error",
                    ename="ZeroDivisionError",
                    evalue="division by zero",
                    traceback=[
                        "-----",
                        "ZeroDivisionError   Traceback",
                        "Cell In[3], line 1\n----> 1 x = 1 / 0\n",
                        "ZeroDivisionError: division by zero",
                    ],
                )
            ],
        ),
        new_markdown_cell(
            "## Notes\n\n```python\nprint('in a fence')\n\nstill fenced\n```\n\nDone."
        ),
        new_code_cell(BASH_CELL),
    ]
    if minor < 5:  # nbformat 4.4 has no cell ids
        nb.nbformat_minor = minor
        for cell in nb.cells:
            del cell["id"]
    on_disk: dict[str, Any] = json.loads(nbf.writes(nb))
    return on_disk


def planted(
    seed: int, minor: int = 5, positives: int = 14, negatives: int = 8
) -> tuple[dict[str, Any], list[Label], PositionMap]:
    nb = synthetic(minor)
    rng = random.Random(seed)
    labels, pmap = plant_notebook(
        nb, rng, Planner(random.Random(seed + 1)), "t.ipynb", "tune", positives, negatives
    )
    return nb, labels, pmap


def _lines_at(nb: Any, label: Any) -> str:
    """Independent of plant.label_text: read the labelled place from the nbformat object."""
    cell = nb.cells[label.cell_index]
    if label.location == "source":
        text = cell.source
    else:
        out = cell.outputs[label.output_index]
        text = out.text if label.field == "text" else out.data[label.field]
    return "\n".join(text.split("\n")[label.line - 1 : label.end_line])


@pytest.mark.parametrize("seed", range(12))
def test_every_label_points_at_its_value_in_the_written_file(tmp_path: Path, seed: int) -> None:
    nb, labels, _ = planted(seed, minor=5 if seed % 3 else 4)
    path = tmp_path / "planted.ipynb"
    path.write_text(json.dumps(nb, indent=1), encoding="utf-8")
    node = nbf.read(path, as_version=nbf.NO_CONVERT)
    nbformat.validate(node)  # raises with the schema path if planting broke the notebook
    assert len(labels) >= 22
    for lab in labels:
        if lab.line_exact:
            assert lab.needle in _lines_at(node, lab), (
                f"{lab.family} ({lab.context}) is not on lines {lab.line}-{lab.end_line}"
            )
        elif lab.cell_index is None:
            assert lab.needle in json.dumps(node.metadata), (
                f"{lab.family} ({lab.context}) not in notebook metadata"
            )
        else:
            cell = node.cells[lab.cell_index]
            where = cell.metadata if lab.location == "metadata" else cell.outputs[lab.output_index]
            assert lab.needle in json.dumps(where), (
                f"{lab.family} ({lab.context}) not in its {lab.location}"
            )
    assert check_labels(labels, json.loads(path.read_text(encoding="utf-8"))) == []


def test_planting_keeps_the_original_content_where_the_map_says(tmp_path: Path) -> None:
    for seed in range(6):
        original = synthetic()
        nb, labels, pmap = planted(seed)
        for final, orig in enumerate(pmap.cells):
            if orig is not None:
                assert nb["cells"][final]["cell_type"] == original["cells"][orig]["cell_type"]
        for final, outs in pmap.outputs.items():  # the original outputs, in order, and only them
            orig_outputs = original["cells"][pmap.cells[final]].get("outputs", [])
            assert [o for o in outs if o is not None] == list(range(len(orig_outputs)))
            assert len(outs) == len(nb["cells"][final]["outputs"])
        for slot, fields in pmap.lines.items():
            cell, location, out = slot.split(":")
            if pmap.cells[int(cell)] is None:
                continue  # a planted raw cell: nothing original in it
            orig_cell = original["cells"][pmap.cells[int(cell)]]
            final_cell = nb["cells"][int(cell)]
            for key, origins in fields.items():
                if location == "source":
                    before, after = orig_cell["source"], final_cell["source"]
                else:
                    o = int(out)
                    moved = pmap.outputs.get(int(cell))
                    if moved and moved[o] is None:
                        continue  # a planted output
                    node_before = orig_cell["outputs"][moved[o] if moved else o]
                    node_after = final_cell["outputs"][o]
                    before = node_before["text"] if key == "text" else node_before["data"][key]
                    after = node_after["text"] if key == "text" else node_after["data"][key]
                old, new = "".join(before).split("\n"), "".join(after).split("\n")
                assert len(origins) == len(new)
                for line, was in zip(new, origins, strict=True):
                    if was is not None:
                        assert line == old[was - 1], (
                            f"an original line moved wrongly in {slot} {key}"
                        )
        assert any(None in o for fields in pmap.lines.values() for o in fields.values())
        for lab in labels:  # a labelled line is planted in its own field
            if lab.line_exact:
                out_index = lab.output_index if lab.location == "output" else None
                origins = pmap.lines[f"{lab.cell_index}:{lab.location}:{out_index}"][
                    lab.field or "source"
                ]
                assert origins[lab.line - 1 : lab.end_line] == [None] * (
                    lab.end_line - lab.line + 1
                )
            if lab.line_exact and lab.location == "source":
                assert not pmap.is_original(lab.cell_index, "source", None, lab.line)
        assert pmap.is_original(0, "source", None, 1) or pmap.cells[0] is None
        assert not any(lab.cell_index == i for lab in labels for i, c in enumerate(nb["cells"])
                       if "".join(c["source"]) == BASH_CELL and lab.location == "source")  # fmt: skip


def test_every_template_and_family_is_used() -> None:
    contexts: Counter[str] = Counter()
    families: Counter[str] = Counter()
    for seed in range(20):
        _, labels, _ = planted(seed)
        contexts.update(lab.context.split(":", 1)[1] for lab in labels)
        families.update(lab.family for lab in labels if lab.positive)
    unused = {t.name for t in TEMPLATES} - set(contexts)
    assert not unused, f"templates never planted: {sorted(unused)}"
    assert set(values.TOKENS) <= set(families), (
        f"token families never planted: {set(values.TOKENS) - set(families)}"
    )
    for family in ("plain_password", "uri_credentials", "jdbc_password", "azure_conn", "twilio",
                   "private_key", "gcp_service_account"):  # fmt: skip
        assert families[family], family


def test_generated_values_follow_the_vendor_formats() -> None:
    rng = random.Random(3)
    formats = {
        "aws": r"(AKIA|ASIA)[A-Z2-7]{16}",
        "gitlab": r"glpat-[A-Za-z0-9_-]{20}",
        "slack_token": r"xox[bp]-\d{10,13}-\d{10,13}-[A-Za-z0-9-]+",
        "openai": r"sk-(proj|svcacct)-[A-Za-z0-9_-]{58,74}T3BlbkFJ[A-Za-z0-9_-]{58,74}",
        "anthropic": r"sk-ant-api03-[A-Za-z0-9_-]{93}AA",
        "huggingface": r"hf_[A-Za-z]{34}",
        "google_api": r"AIza[A-Za-z0-9_-]{35}",
        "sendgrid": r"SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}",
        "databricks": r"dapi[0-9a-f]{32}(-\d)?",
        "stripe": r"[sr]k_live_[A-Za-z0-9]{24,99}",
    }
    for family, pattern in formats.items():
        for _ in range(20):
            assert re.fullmatch(pattern, values.token(rng, family).text), family
    for _ in range(50):
        token = values.github(rng)
        assert token.startswith("github_pat_") or verify_token_checksum(token), (
            "a GitHub token with a bad CRC32"
        )
        assert verify_token_checksum(values.npm(rng)), "an npm token with a bad CRC32"
    text, body = values.pem(rng, "RSA PRIVATE KEY")
    assert text.startswith("-----BEGIN RSA PRIVATE KEY-----\nMII") and body in text
    info, body = values.gcp_service_account(rng)
    assert info["type"] == "service_account" and body in info["private_key"]


def test_split_is_stable_and_documented() -> None:
    # Fixed answers: a change to the split function would silently move notebooks between splits.
    names = [("owner/repo", f"nb_{i}.ipynb") for i in range(2000)]
    digest = hashlib.sha256(
        "".join(manifest.split_of(r, p)[0] for r, p in names).encode()
    ).hexdigest()
    assert digest[:16] == EXPECTED_SPLIT_DIGEST
    assert [manifest.split_of("acme/nbs", f"{i}.ipynb") for i in range(6)] == EXPECTED_SPLITS
    listed = manifest.listed_splits()
    assert len(listed) > 3000
    for key, split in listed.items():
        owner, name, path = key.split("/", 2)
        assert manifest.split_of(f"{owner}/{name}", path) == split, key
    share = sum(s == manifest.HELDOUT for s in listed.values()) / len(listed)
    assert 0.27 < share < 0.33, share


EXPECTED_SPLIT_DIGEST = "7dc8bde09bcc0a8b"  # first letters of 2,000 splits
EXPECTED_SPLITS = ["heldout", "tune", "heldout", "tune", "tune", "tune"]


def test_loader_counts_missing_and_changed_notebooks(tmp_path: Path) -> None:
    root = tmp_path / "wild"
    for name in ("a.ipynb", "sub/b.ipynb", "c.ipynb"):
        path = root / "acme+notebooks" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(synthetic()), encoding="utf-8")
    (root / "COMMITS").write_text("acme+notebooks " + "0" * 40 + "\n")
    listing = tmp_path / "manifest.json.gz"
    assert manifest.build(root, listing) == 3
    (root / "acme+notebooks" / "c.ipynb").unlink()
    (root / "acme+notebooks" / "sub" / "b.ipynb").write_text("{}")
    present = manifest.load(root, listing)
    assert [nb.path for nb in present.notebooks] == ["a.ipynb"]
    assert [nb.path for nb in present.missing] == ["c.ipynb"]
    assert [nb.path for nb in present.changed] == ["sub/b.ipynb"]
    assert present.notebooks[0].key == "acme/notebooks/a.ipynb"


def test_corpus_build_end_to_end_without_values_in_the_labels_file(tmp_path: Path) -> None:
    root = tmp_path / "wild"
    for i in range(24):
        path = root / "acme+notebooks" / f"nb_{i:02d}.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(synthetic(5 if i % 2 else 4)), encoding="utf-8")
    (root / "COMMITS").write_text("acme+notebooks " + "0" * 40 + "\n")
    listing = tmp_path / "manifest.json.gz"
    manifest.build(root, listing)
    present = manifest.load(root, listing)
    first = build(present, tmp_path / "out1", seed=5, tune=6, heldout=3)
    build(present, tmp_path / "out2", seed=5, tune=6, heldout=3)
    assert len(first.planted("tune")) == min(6, len(present.split("tune")))
    assert len(first.planted("heldout")) == min(3, len(present.split("heldout")))
    assert len(first.clean) == 24 and all(p.exists() for p in first.clean)
    for rel in first.files:
        assert (tmp_path / "out1" / rel).read_bytes() == (tmp_path / "out2" / rel).read_bytes(), (
            "not deterministic"
        )
    raw = (tmp_path / "out1" / "labels.json").read_text(encoding="utf-8")
    leaked = [lab.family for lab in first.labels if lab.positive and lab.needle in raw]
    assert not leaked, f"labels.json holds planted values ({leaked[:3]})"
    _check_scoring(first)


def _check_scoring(corpus: WildCorpus) -> None:
    """An oracle that flags every positive scores 100 %; a hit on original content is set apart."""
    oracle = [Hit(lab.file, lab.cell_index, lab.location, lab.output_index, lab.line, "oracle")
              for lab in corpus.labels if lab.positive and lab.set == "tune"]  # fmt: skip
    rel, cell, line = _original_line(corpus)
    on_original = Hit(rel, cell, "source", None, line, "oracle")
    negative = next(
        lab for lab in corpus.labels if not lab.positive and lab.set == "tune" and lab.line_exact
    )
    on_negative = Hit(
        negative.file,
        negative.cell_index,
        negative.location,
        negative.output_index,
        negative.line,
        "x",
    )
    scored, original = separate([*oracle, on_original], corpus)
    assert original == [on_original] and len(scored) == len(oracle)
    result, pre_existing = score_split(corpus, [*oracle, on_original], "tune")
    assert (result.recall, result.precision, pre_existing) == (1.0, 1.0, 1)
    result, _ = score_split(corpus, [*oracle, on_negative], "tune")
    assert result.false_positives == {negative.family: 1}
    assert result.precision == len(oracle) / (len(oracle) + 1)


def _original_line(corpus: WildCorpus) -> tuple[str, int, int]:
    """A (file, cell, line) of a tune notebook's own source, in a cell that also got planted lines."""
    for rel, pmap in corpus.maps.items():
        for slot, fields in pmap.lines.items():
            cell, location, _ = slot.split(":")
            origins = fields.get("source", [])
            if rel.startswith("tune/") and location == "source" and None in origins:
                return rel, int(cell), next(i + 1 for i, o in enumerate(origins) if o is not None)
    raise AssertionError("no tune notebook got a code or markdown piece")


def test_triage_file_is_well_formed_and_holds_previews_only() -> None:
    entries = load_triage()
    assert entries, "tests/wild/triage.json has no entries"
    for e in entries:
        assert e.verdict in VERDICTS and e.note.strip(), e
        assert "*" in e.preview, f"{e.repo}/{e.path}: a preview must be masked"
        assert e.location in ("source", "output", "metadata")
    keys = [e.key for e in entries]
    assert len(keys) == len(set(keys)), "duplicate triage entries"
