"""Running a rotation's ``apply`` and ``validate`` steps in child processes.

Values never reach argv (``ps`` shows it to every user) nor a log: a command gets
them in its environment (``JUPYTER_SECRETS_OLD_VALUE``, ``JUPYTER_SECRETS_NEW_VALUE``),
a Python callable through its stdin, a notebook only by reading the store itself,
with the version under test pinned (``JUPYTER_SECRETS_PINS``). What a failing step
says is cut to one line, with both values and token-like runs masked.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from ..backends.command import run_bounded, shown_stderr
from ..manager import PINS_ENV
from ..refs import SecretRef
from .plan import Step

OLD_ENV = "JUPYTER_SECRETS_OLD_VALUE"
NEW_ENV = "JUPYTER_SECRETS_NEW_VALUE"
REF_ENV = "JUPYTER_SECRETS_REF"


@dataclass(frozen=True)
class Outcome:
    ok: bool
    reason: str = ""


def run_step(
    step: Step, ref: SecretRef, old: str, new: str, pin: str | None, workdir: Path
) -> Outcome:
    """Run ``step`` for a change of ``ref`` from ``old`` to ``new``. ``pin`` is the
    store's version id of ``new`` when it is staged (not current yet)."""
    env = dict(os.environ)
    env[REF_ENV] = ref.path
    if pin is not None:
        env[PINS_ENV] = json.dumps({ref.path: pin})
    if step.kind == "notebook":
        return _run_notebook(step, env, workdir, (old, new))
    if step.kind == "command":
        env[OLD_ENV], env[NEW_ENV] = old, new
        return _run([*step.target], env, None, step, workdir, (old, new))
    payload = json.dumps(
        {"target": step.target, "ref": ref.path, "old": old, "new": new, "args": step.args}
    )
    argv = [sys.executable, "-m", "jupyter_secrets.rotation.call"]
    return _run(argv, env, payload, step, workdir, (old, new))


def _run(
    argv: list[str],
    env: dict[str, str],
    stdin: str | None,
    step: Step,
    workdir: Path,
    values: tuple[str, str],
) -> Outcome:
    what = step.describe()
    payload = stdin.encode() if stdin is not None else None
    try:
        done = run_bounded(argv, env, step.timeout, stdin=payload, cwd=workdir)
    except subprocess.TimeoutExpired:
        return Outcome(False, f"{what} did not finish within {step.timeout:g} s and was stopped")
    except OSError as exc:
        return Outcome(
            False, f"cannot run {argv[0]} ({type(exc).__name__}); fix the plan's {step.kind}"
        )
    if done.returncode != 0:
        said = masked(done.stderr.decode("utf-8", "replace"), values)
        return Outcome(
            False, f"{what} exited with {done.returncode}" + (f": {said}" if said else "")
        )
    return Outcome(True)


def _run_notebook(
    step: Step, env: dict[str, str], workdir: Path, values: tuple[str, str]
) -> Outcome:
    try:
        import nbclient  # noqa: PLC0415 (an optional extra, for notebook validation only)
        import nbformat  # noqa: PLC0415
        from nbclient.exceptions import CellExecutionError, CellTimeoutError  # noqa: PLC0415
    except ImportError:
        return Outcome(
            False,
            "validating with a notebook needs nbclient: pip install 'jupyter-secrets[rotate]'",
        )
    path = (workdir / step.target).resolve()
    try:
        notebook = nbformat.read(path, as_version=4)  # type: ignore[no-untyped-call]
    except FileNotFoundError:
        return Outcome(False, f"validation notebook {step.target} does not exist")
    except Exception as exc:  # nbformat's validation errors quote the notebook
        return Outcome(
            False, f"cannot read validation notebook {step.target} ({type(exc).__name__})"
        )
    client = nbclient.NotebookClient(
        notebook, timeout=step.timeout, resources={"metadata": {"path": str(path.parent)}}
    )
    try:
        client.execute(env=env)
    except CellTimeoutError:
        return Outcome(
            False, f"validation notebook {step.target} timed out after {step.timeout:g} s"
        )
    except CellExecutionError as exc:
        cell = _failed_cell(notebook)
        name = masked(getattr(exc, "ename", "") or "an error", values)
        return Outcome(False, f"validation notebook {step.target} failed in cell {cell} ({name})")
    except Exception as exc:
        return Outcome(
            False, f"validation notebook {step.target} could not run ({type(exc).__name__})"
        )
    return Outcome(True)


def _failed_cell(notebook: object) -> str:
    for index, cell in enumerate(getattr(notebook, "cells", []), start=1):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                return str(index)
    return "?"


def masked(text: str, values: tuple[str, ...]) -> str:
    """One short line of ``text`` with ``values`` (and token-like runs) masked."""
    for value in values:
        if value:
            text = text.replace(value, "…")
    return shown_stderr(text.encode())
