"""Who is asking: the JupyterHub user when there is one, else the OS user."""

from __future__ import annotations

import getpass
import os


def current_user() -> str:
    """``JUPYTERHUB_USER`` (set for single-user servers and their kernels), else the OS login."""
    hub_user = os.environ.get("JUPYTERHUB_USER")
    if hub_user:
        return hub_user
    try:
        return getpass.getuser()
    except Exception:  # no passwd entry (some containers)
        return f"uid:{os.getuid()}"
