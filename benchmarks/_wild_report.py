"""Print the real-notebook figures of bench_scanner.py ``--wild`` (see ``_wild``).

The held-out split is printed as one aggregate row per tool and nothing
else: no per-family table and no per-miss listing, so nobody tunes on it.
``--misses`` lists our misses and false positives on the tune split only.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from _util import megabytes, num, pct, section, table
from _wild import CLI, DETECT_SECRETS, OURS, WildResults

from tests.corpus.score import location_of
from tests.wild.corpus import MAX_HOST_BYTES, SPLITS
from tests.wild.manifest import HELDOUT, TUNE
from tests.wild.preview import masked
from tests.wild.scoring import false_positive_hits, ours_hits
from tests.wild.triage import TRIAGE, Triaged, load_triage, match

SPLIT_TITLES = {TUNE: "tune split", HELDOUT: "held-out split (aggregate only: not for tuning)"}


def print_wild(res: WildResults, misses: bool) -> dict[str, Any]:
    corpus = res.corpus
    with section(f"Real notebooks ({res.present.root})"):
        print(res.present.summary())
        for split in SPLITS:
            labels = [lab for lab in corpus.labels if lab.set == split]
            pos = sum(lab.positive for lab in labels)
            print(f"planted {split}: {len(corpus.planted(split))} notebooks, {pos} secrets, "
                  f"{len(labels) - pos} labelled negatives")  # fmt: skip
        print(f"seed {corpus.seed}; hosts of at most {MAX_HOST_BYTES // 1000} KB drawn per split; built and self-checked "
              f"in {res.build_seconds:.1f} s; {', '.join(res.versions.values())}")  # fmt: skip
    tools = sorted({t for t, _s in res.planted}, key=_order)
    for split in SPLITS:
        with section(f"Planted real notebooks, {SPLIT_TITLES[split]}"):
            rows = []
            for tool in tools:
                s, original = res.planted[(tool, split)]
                fps = s.overall.flags - s.overall.true_flags
                rows.append([tool, f"{s.overall.found}/{s.overall.labels}", pct(s.recall), s.overall.flags,
                             pct(s.precision), pct(s.f1), fps, original])  # fmt: skip
            for tool, error in res.planted_errors.items():
                rows.append([tool, *["-"] * 6, f"error: {error[:60]}"])
            print(table(["tool", "secrets found", "recall", "flagged lines", "precision", "F1",
                         "false positives", "pre-existing hits (not scored)"], rows))  # fmt: skip
    _tune_breakdowns(res, tools)
    figures = {"planted": {f"{t}|{s}": _counts(sc) | {"pre_existing": o} for (t, s), sc_o in res.planted.items()
                           for sc, o in [sc_o]}}  # fmt: skip
    figures |= _clean(res)
    if misses:
        _misses(res)
    return figures


def _order(tool: str) -> int:
    return (
        [OURS, CLI, "kingfisher", DETECT_SECRETS].index(tool)
        if tool in (OURS, CLI, "kingfisher", DETECT_SECRETS)
        else 9
    )


def _counts(s: Any) -> dict[str, Any]:
    return {"labels": s.overall.labels, "found": s.overall.found, "flags": s.overall.flags,
            "true_flags": s.overall.true_flags, "recall": s.recall, "precision": s.precision, "f1": s.f1}  # fmt: skip


def _tune_breakdowns(res: WildResults, tools: list[str]) -> None:
    scores = {t: res.planted[(t, TUNE)][0] for t in tools}
    ours = scores.get(OURS) or next(iter(scores.values()))
    with section("Tune split: recall by family"):
        rows = [[fam, c.labels, *(pct(scores[t].by_family[fam].recall) for t in tools)]
                for fam, c in sorted(ours.by_family.items()) if c.labels]  # fmt: skip
        print(table(["family", "secrets", *tools], rows))
    with section("Tune split: recall by context (carrier:template)"):
        rows = [[ctx, c.labels, *(pct(scores[t].by_context[ctx].recall) for t in tools)]
                for ctx, c in sorted(ours.by_context.items()) if c.labels]  # fmt: skip
        print(table(["context", "secrets", *tools], rows))
    with section("Tune split: false positives by what was flagged"):
        fams = sorted({f for s in scores.values() for f in s.false_positives})
        rows = [[fam, *(scores[t].false_positives.get(fam, 0) for t in tools)] for fam in fams]
        print(table(["flagged (labelled negative family)", *tools], rows) if rows else "none")


def _clean(res: WildResults) -> dict[str, Any]:
    figures: dict[str, Any] = {"clean": {}}
    with section(f"Clean real notebooks ({len(res.corpus.clean)} notebooks)"):
        rows = []
        for run in res.clean:
            files = {h.file for h in run.hits}
            per_k = (
                1000 * len(run.results) / run.notebooks
                if run.notebooks and run.error is None
                else None
            )
            scanned = f"{run.notebooks} (seeded sample)" if run.sampled else run.notebooks
            rows.append([run.tool, scanned, len(run.results) if run.error is None else f"error: {run.error[:50]}",
                         num(per_k, 1), len(files)])  # fmt: skip
            figures["clean"][run.tool] = {"notebooks": run.notebooks, "bytes": run.nbytes, "findings": len(run.results),
                                          "wall_s": run.wall, "cpu_s": run.cpu, "sampled": run.sampled}  # fmt: skip
        print(
            table(
                [
                    "tool",
                    "notebooks scanned",
                    "findings",
                    "per 1,000 notebooks",
                    "notebooks with findings",
                ],
                rows,
            )
        )
        for run in res.clean:
            if run.tool not in (OURS, CLI) and run.hits:
                kinds = Counter(h.type for h in run.hits).most_common(8)
                print(f"  {run.tool} by type: " + ", ".join(f"{k} {n}" for k, n in kinds))
    ours = next((r for r in res.clean if r.tool == OURS and r.error is None), None)
    if ours is None:
        print(f"note: no triage: {OURS} did not scan the clean notebooks")
    else:
        triaged = match(
            [f.to_dict() for f in ours.results], res.corpus.root / "clean", load_triage()
        )
        _print_triage(triaged)
        figures["triage"] = triaged.counts() | {
            "untriaged": len(triaged.untriaged),
            "not_found": len(triaged.stale),
        }
    with section(
        "Speed on the clean real notebooks (best of up to 3 runs under 5 s, after a warm-up)"
    ):
        rows = [[r.tool, r.notebooks, num(megabytes(r.nbytes), 1), num(r.wall), num(megabytes(r.nbytes) / r.wall if r.wall else None, 1),
                 num(r.cpu), num(megabytes(r.nbytes) / r.cpu if r.cpu else None, 1)] for r in res.clean]  # fmt: skip
        print(
            table(
                ["tool", "notebooks", "MB", "wall s", "MB/s", "CPU s (user+sys)", "MB per CPU s"],
                rows,
            )
        )
        print("CLI figures include process start-up; kingfisher scans with 2 threads by default.")
    return figures


def _print_triage(triaged: Triaged) -> None:
    with section(f"{OURS} on the clean notebooks: triage ({TRIAGE.name})"):
        counts = triaged.counts()
        print(
            ", ".join(f"{verdict} {n}" for verdict, n in counts.items())
            + f"; untriaged {len(triaged.untriaged)}"
        )
        if triaged.stale:
            stale = Counter(e.verdict for e in triaged.stale)
            print(
                f"triaged earlier, not found now: {len(triaged.stale)} ("
                + ", ".join(f"{v} {n}" for v, n in sorted(stale.items()))
                + ")"
            )
            for e in triaged.stale:
                if e.verdict == "real":
                    print(
                        f"  no longer found (real): {e.repo}/{e.path}:{e.cell_index}:{e.line} {e.type} {e.preview}"
                    )
        for f in triaged.untriaged:
            path = str(f["path"]).split("/clean/", 1)[-1]
            print(f"  untriaged: {path}:{f['cell_index']}:{f['line']} {f['type']} {f['preview']}")
        if triaged.untriaged:
            print(
                "  (python -m tests.wild.triage show shows each with its masked line and an entry to fill in)"
            )


def _misses(res: WildResults) -> None:
    corpus = res.corpus
    score, _ = res.planted[(OURS, TUNE)]
    with section(f"Tune split: our misses ({len(score.missed)})"):
        rows = [[lab.family, lab.context, location_of(corpus.files, lab.file, lab.cell_index, lab.location, lab.output_index),
                 f"{lab.file.split('/', 1)[1]}:{lab.cell_index}:{lab.line}", masked(lab.needle)]
                for lab in sorted(score.missed, key=lambda lab: (lab.family, lab.context))]  # fmt: skip
        print(
            table(["family", "context", "location", "file:cell:line", "preview"], rows)
            if rows
            else "none"
        )
    previews = {
        (h.key, h.line): f.preview for f in res.ours_planted for h in ours_hits([f], corpus.root)
    }
    fps = false_positive_hits(corpus, ours_hits(res.ours_planted, corpus.root), TUNE)
    with section(f"Tune split: our false positives ({len(fps)} findings)"):
        rows = [[hit.type, lab.family if lab else "unlabeled", lab.context if lab else "-",
                 location_of(corpus.files, *hit.key), f"{hit.file.split('/', 1)[1]}:{hit.cell_index}:{hit.line}",
                 previews.get((hit.key, hit.line), "")] for hit, lab in fps]  # fmt: skip
        print(
            table(["type", "flagged", "context", "location", "file:cell:line", "preview"], rows)
            if rows
            else "none"
        )
