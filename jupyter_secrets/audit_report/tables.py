"""The report's tables, defined once for the text and HTML renderers: each is its
headers and its rows, taken from the report dict. Cells are as the report has them
(None or "" where there is nothing); each renderer shows an empty cell its own way."""

from __future__ import annotations

from typing import Any

Table = tuple[tuple[str, ...], list[tuple[Any, ...]]]


def when(value: str | None) -> str:
    """An ISO time from the report as ``2026-11-03 14:02 UTC``; ``-`` for none."""
    if not value:
        return "-"
    return f"{value[:10]} {value[11:16]} UTC"


def _owners(row: dict[str, Any]) -> str:
    return ", ".join(row["owners"])


def secrets(report: dict[str, Any]) -> Table:
    headers = ("ref", "reads", "users", "last access", "by", "denied", "not found", "errors")
    rows = [
        (r["ref"], r["reads"], r["users"], when(r["last_access"]), r["last_user"],
         r["denied"], r["not_found"], r["errors"])
        for r in report["secrets"]
    ]  # fmt: skip
    return headers, rows


def users(report: dict[str, Any]) -> Table:
    headers = ("user", "reads", "secrets", "reads per scope", "denied", "save refusals",
               "last access")  # fmt: skip
    rows = [
        (r["user"], r["reads"], r["secrets"], ", ".join(f"{s} {n}" for s, n in r["scopes"].items()),
         r["denied"], r["save_refusals"], when(r["last_access"]))
        for r in report["users"]
    ]  # fmt: skip
    return headers, rows


def access(report: dict[str, Any]) -> Table:
    rows = [
        (r["ref"], r["user"], r["reads"], when(r["last_access"]))
        for r in sorted(report["access"], key=lambda r: -r["reads"])
    ]
    return ("ref", "user", "reads", "last access"), rows


def denied(report: dict[str, Any]) -> Table:
    rows = [
        (r["user"], r["ref"], r["action"], r["count"], when(r["last"]), r["reason"])
        for r in report["denied"]
    ]
    return ("user", "ref", "action", "count", "last", "reason"), rows


def save_refusals(report: dict[str, Any]) -> Table:
    rows = [
        (r["user"], r["notebook"], r["action"], r["count"], when(r["last"]), r["reason"])
        for r in report["save_refusals"]["rows"]
    ]
    return ("user", "notebook", "action", "count", "last", "finding types"), rows


def outside_env(report: dict[str, Any]) -> Table:
    rows = [
        (r["user"], r["home_scope"], r["ref"], r["reads"], when(r["last"]))
        for r in report["outside_env"]["rows"]
    ]
    return ("user", "home scope", "ref", "reads", "last"), rows


def unused(inventory: dict[str, Any]) -> Table:
    """Its last column, the proposal, is the same on every row (text leaves it out)."""
    rows = [
        (r["ref"], _owners(r), r["env"], when(r["last_read_before_period"]), r["proposal"])
        for r in inventory["unused"]
    ]
    return ("ref", "owners", "env", "last read before the period", "proposal"), rows


def rotation(inventory: dict[str, Any]) -> Table:
    headers = ("ref", "owners", "cadence (days)", "last new value", "age (days)",
               "overdue (days)", "status")  # fmt: skip
    rows = [
        (r["ref"], _owners(r), r["rotation_days"], when(r["last_rotated"]), r["age_days"],
         r["overdue_days"], r["status"])
        for r in inventory["rotation"]
    ]  # fmt: skip
    return headers, rows


def env_mismatch(inventory: dict[str, Any]) -> Table:
    rows = [
        (r["ref"], r["env"], r["scope"], r["reads"], r["users"]) for r in inventory["env_mismatch"]
    ]
    return ("ref", "inventory env", "scope", "reads", "users"), rows


def actions(report: dict[str, Any]) -> Table:
    rows = [(r["action"], r["outcome"], r["count"]) for r in report["actions"]]
    return ("action", "outcome", "count"), rows
