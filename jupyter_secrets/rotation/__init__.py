"""Rotation: a new version, an optional apply, a validation, then promote or roll back.

Core code (no Jupyter imports; nbclient only for notebook validation). The CLI's
``jupyter-secrets rotate`` is :mod:`jupyter_secrets.cli.rotate`.
"""

from .engine import RotationResult, Rotator, plan_lines
from .generate import POLICIES, generate, resolve_policy
from .plan import RotationPlan, Step, load_plans, plan_from

__all__ = [
    "POLICIES",
    "RotationPlan",
    "RotationResult",
    "Rotator",
    "Step",
    "generate",
    "load_plans",
    "plan_from",
    "plan_lines",
    "resolve_policy",
]
