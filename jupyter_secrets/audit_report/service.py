"""Reading the events of the JupyterHub audit service (:mod:`jupyter_secrets.hub_service`)
for a report: pages of ``GET /api/events?after=ID`` with an admin's hub token, folded
line by line like a log file, so the report is the same whichever it reads."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from urllib.parse import urlencode

import orjson

from ..errors import BackendUnavailableError, InputError

PAGE = 10000


def service_lines(url: str, token: str, timeout: float = 60) -> Iterator[bytes]:
    """Every event the service holds, oldest first, one JSON line each (its id removed)."""
    if not url.startswith(("http://", "https://")):
        raise InputError(
            f"--service must be the audit service's http(s) events URL, not {url[:60]!r}"
        )
    after = 0
    while True:
        page = _get(f"{url}?{urlencode({'after': after, 'limit': PAGE})}", token, timeout)
        events = page.get("events")
        if not isinstance(events, list):
            raise BackendUnavailableError(f"the audit service at {url} did not answer with events")
        if not page.get("admin"):
            raise InputError(
                "the token given is not an admin's: the audit service shows it only its own "
                "events, so a report over them would be incomplete; use an admin's token"
            )
        for event in events:
            if isinstance(event, dict) and isinstance(event.get("id"), int):
                after = max(after, event.pop("id"))
                yield orjson.dumps(event) + b"\n"
        if len(events) < PAGE:
            return


def _get(url: str, token: str, timeout: float) -> dict[str, object]:
    request = urllib.request.Request(url, headers={"Authorization": f"token {token}"})  # noqa: S310 (http(s) only)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            body = json.loads(response.read())
    except urllib.error.HTTPError as exc:
        raise BackendUnavailableError(
            f"the audit service answered HTTP {exc.code}; check --service and the token"
        ) from None
    except (OSError, ValueError) as exc:
        raise BackendUnavailableError(
            f"cannot read the audit service ({type(exc).__name__}); check --service"
        ) from None
    return body if isinstance(body, dict) else {}
