"""``python -m jupyter_secrets.hub_service``: serve the audit trail on the URL the hub gave."""

from __future__ import annotations

import asyncio
import os
import sys
from urllib.parse import urlparse

from .app import make_app
from .store import EventStore


def main() -> int:
    url = os.environ.get("JUPYTERHUB_SERVICE_URL", "http://127.0.0.1:10101")
    parsed = urlparse(url)
    database = (
        os.environ.get("JUPYTER_SECRETS_AUDIT_DB") or "sqlite:///jupyter_secrets_audit.sqlite"
    )
    try:
        store = EventStore(database)
    except Exception as exc:
        print(
            f"jupyter-secrets audit service: cannot open {database.split('@')[-1]} ({type(exc).__name__})",
            file=sys.stderr,
        )
        return 2
    app = make_app(store)

    async def serve() -> None:
        app.listen(parsed.port or 80, parsed.hostname or "127.0.0.1")
        await asyncio.Event().wait()

    asyncio.run(serve())
    return 0


if __name__ == "__main__":
    sys.exit(main())
