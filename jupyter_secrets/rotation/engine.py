"""Rotating one secret: a new version, apply, validate, then promote or roll back.

Two ways, chosen by what the store can do:

- **staged** (AWS): the new value is stored as a version that is not current
  (``stage``); readers keep getting the old one. Apply, then validate with the new
  version pinned; ``promote`` on success, ``discard`` on failure.
- **set and roll back** (the encrypted file, the keyring, Vault): apply, then ``set``
  the new value (the old one stays readable as ``@previous``), validate; on failure
  ``set`` the old value again, so the current value is what it was, and the failed
  version stays in the history, named in the audit trail.

A failed validation after a successful apply also reverts the apply (it runs again
with the values swapped, connecting with the new value and setting the old), so the
dependent system and the store agree again. Every step is audited, never a value.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..backends.base import Backend
from ..errors import BackendReadOnlyError, ConfigError, RotationError, SecretError
from ..manager import SecretManager
from ..refs import SecretRef
from .generate import generate
from .plan import RotationPlan
from .steps import Outcome, run_step

Say = Callable[[str], None]


@dataclass
class RotationResult:
    ref: str
    backend: str
    old_version: str | None
    new_version: str | None
    steps: list[str] = field(default_factory=list)


def plan_lines(plan: RotationPlan, backend: Backend) -> list[str]:
    """What ``--dry-run`` prints: the steps, in order, nothing run."""
    staged = backend.supports_staging
    lines = [f"rotate {plan.ref.path} in backend '{backend.name}'"]
    if plan.approvers:
        lines.append(f"  approval: one of {', '.join(plan.approvers)} (--approve NAME)")
    if plan.generate is not None:
        lines.append(
            f"  1. generate a new value: {plan.generate.length} characters, {plan.generate.alphabet}"
        )
    else:
        lines.append("  1. read the new value from a masked prompt or stdin")
    lines.append(
        "  2. store it as a staged version (readers keep the current one)"
        if staged
        else "  2. (after apply) store it as the new current version; the old one stays @previous"
    )
    lines.append(f"  3. apply: {plan.apply.describe()}" if plan.apply else "  3. apply: none")
    if plan.validate:
        lines.append(f"  4. validate the new version: {plan.validate.describe()}")
    else:
        lines.append("  4. validate: none (the new version is promoted untested)")
    lines.append(
        "  5. promote the staged version, or discard it and revert apply"
        if staged
        else "  5. keep it, or set the old value again and revert apply"
    )
    if plan.window_seconds:
        lines.append(
            f"  overlap: the old version stays readable as {plan.ref.path}@previous; "
            f"revoke it in the dependent system after {plan.window_seconds // 3600 or 1}h"
        )
    return lines


class Rotator:
    def __init__(self, manager: SecretManager, say: Say, workdir: Path | None = None) -> None:
        self.manager = manager
        self._ref = SecretRef("dev/unset")
        self.say = say
        self.workdir = workdir or Path.cwd()

    def backend_of(self, plan: RotationPlan) -> Backend:
        backend = (
            self.manager.router.backend(plan.backend)
            if plan.backend
            else self.manager.router.backend_for(plan.ref)
        )
        if not backend.writable:
            raise BackendReadOnlyError(
                f"'{plan.ref.path}' is read from backend '{backend.name}', which is read-only: "
                f"rotate it in the store behind it ({backend.description or backend.name}) itself"
            )
        if not (backend.supports_staging or backend.keeps_versions):
            raise BackendReadOnlyError(
                f"backend '{backend.name}' keeps no earlier version of '{plan.ref.path}', so a "
                "failed rotation could not roll back; rotate it in a store that keeps versions"
            )
        return backend

    def rotate(
        self, plan: RotationPlan, new_value: str | None = None, approver: str | None = None
    ) -> RotationResult:
        self.manager.check_access(plan.ref, "write")
        self._ref = plan.ref
        backend = self.backend_of(plan)
        ref = plan.ref
        if plan.approvers and approver not in plan.approvers:
            given = f"'{approver}' is not one of them" if approver else "none was given"
            raise ConfigError(
                f"the plan for {ref.path} needs approval by one of {', '.join(plan.approvers)} "
                f"and {given}; rerun with --approve NAME"
            )
        if approver:
            self._audit(backend, "approved", step="approve", approver=approver)
        try:
            current = backend.get(ref.base)
        except SecretError as exc:
            raise type(exc)(
                f"cannot read the current value of '{ref.path}' to rotate it: {exc.message}"
            ) from None
        old = current.value
        new = new_value if new_value is not None else _generated(plan)
        if new == old:
            raise ConfigError(
                f"the new value of '{ref.path}' equals the current one; give a different value"
            )
        result = RotationResult(str(ref), backend.name, current.version, None)
        runner = self._staged if backend.supports_staging else self._set_and_roll_back
        runner(plan, backend, old, new, result)
        self.manager.cache.forget(ref.path)
        return result

    # -- the two ways --------------------------------------------------------

    def _staged(
        self, plan: RotationPlan, backend: Backend, old: str, new: str, result: RotationResult
    ) -> None:
        ref = plan.ref
        version = backend.stage(ref.base, new)
        result.new_version = version
        self._step(
            result, backend, "staged", f"stored the new value as staged version {version}", version
        )
        outcome = self._run(plan, "apply", old, new, None)
        if not outcome.ok:
            backend.discard(ref.base, version)
            self._fail(backend, "apply", outcome, version, f"discarded staged version {version}; "
                       "the current version and the dependent system are as they were")  # fmt: skip
        if plan.apply:
            self._step(
                result, backend, "applied", "the dependent system accepts the new value", version
            )
        outcome = self._run(plan, "validate", old, new, version)
        if not outcome.ok:
            undone = self._revert_apply(plan, backend, old, new, version)
            backend.discard(ref.base, version)
            self._fail(backend, "validate", outcome, version,
                       f"rolled back: staged version {version} discarded, the current value is "
                       f"unchanged{undone}")  # fmt: skip
        if plan.validate:
            self._step(result, backend, "validated", "the new version works", version)
        backend.promote(ref.base, version)
        self._step(
            result,
            backend,
            "promoted",
            f"version {version} is current; the old one is @previous",
            version,
        )

    def _set_and_roll_back(
        self, plan: RotationPlan, backend: Backend, old: str, new: str, result: RotationResult
    ) -> None:
        ref = plan.ref
        outcome = self._run(plan, "apply", old, new, None)
        if not outcome.ok:
            self._fail(backend, "apply", outcome, None,
                       "nothing was stored; the current value and the dependent system are as they were")  # fmt: skip
        if plan.apply:
            self._step(
                result, backend, "applied", "the dependent system accepts the new value", None
            )
        try:
            version = backend.set(ref.base, new)
        except SecretError as exc:
            undone = self._revert_apply(plan, backend, old, new, None)
            raise RotationError(
                f"storing the new value of '{ref.path}' failed ({exc.message}){undone}"
            ) from None
        result.new_version = version
        self._step(
            result,
            backend,
            "staged",
            f"stored the new value as version {version or 'current'}",
            version,
        )
        outcome = self._run(plan, "validate", old, new, None)
        if not outcome.ok:
            undone = self._revert_apply(plan, backend, old, new, version)
            restored = backend.set(ref.base, old)
            self._audit(backend, "rolled_back", version=restored, step="validate",
                        reason=f"failed version {version}")  # fmt: skip
            self._fail(backend, "validate", outcome, version,
                       f"rolled back: the old value is current again (version {restored or 'current'}), "
                       f"failed version {version or '(unnumbered)'} kept in the history{undone}")  # fmt: skip
        if plan.validate:
            self._step(result, backend, "validated", "the new version works", version)
        self._step(
            result,
            backend,
            "promoted",
            "the new value is current; the old one is @previous",
            version,
        )

    # -- helpers ---------------------------------------------------------------

    def _run(self, plan: RotationPlan, which: str, old: str, new: str, pin: str | None) -> Outcome:
        step = plan.apply if which == "apply" else plan.validate
        if step is None:
            return Outcome(True)
        self.say(f"{which}: {step.describe()}")
        return run_step(step, plan.ref, old, new, pin, self.workdir)

    def _revert_apply(
        self, plan: RotationPlan, backend: Backend, old: str, new: str, version: str | None
    ) -> str:
        """Undo a successful apply by applying the old value (connecting with the new)."""
        if plan.apply is None:
            return ""
        outcome = run_step(plan.apply, plan.ref, new, old, None, self.workdir)
        if outcome.ok:
            self._audit(backend, "reverted", version=version, step="apply")
            return "; apply was reverted"
        self._audit(backend, "failed", version=version, step="revert", reason=outcome.reason)
        return (
            f"; REVERTING apply FAILED ({outcome.reason}): the dependent system may hold the "
            "new value, fix it by hand"
        )

    def _fail(
        self, backend: Backend, step: str, outcome: Outcome, version: str | None, after: str
    ) -> None:
        self._audit(backend, "failed", version=version, step=step, reason=outcome.reason)
        raise RotationError(f"{step} failed: {outcome.reason}; {after}")

    def _step(
        self,
        result: RotationResult,
        backend: Backend,
        outcome: str,
        words: str,
        version: str | None,
    ) -> None:
        result.steps.append(outcome)
        self._audit(backend, outcome, version=version, step=outcome)
        self.say(words)

    def _audit(self, backend: Backend, outcome: str, **fields: str | None) -> None:
        self.manager.audit_event("rotate", self._ref, backend, outcome, **fields)


def _generated(plan: RotationPlan) -> str:
    if plan.generate is None:
        raise ConfigError(
            f"no new value for '{plan.ref.path}': pass --generate, give 'generate' in the plan, "
            "or pipe the value on stdin"
        )
    return generate(plan.generate)
