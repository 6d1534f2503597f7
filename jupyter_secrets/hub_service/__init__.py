"""The audit trail service for a JupyterHub: ``python -m jupyter_secrets.hub_service``.

Run by the hub as a managed service::

    c.JupyterHub.services = [{
        "name": "jupyter-secrets-audit",
        "url": "http://127.0.0.1:10101",
        "command": [sys.executable, "-m", "jupyter_secrets.hub_service"],
        "environment": {"JUPYTER_SECRETS_AUDIT_DB": "sqlite:////srv/jupyterhub/audit.sqlite"},
    }]
    c.JupyterHub.load_roles = [{"name": "user", "scopes": ["self", "access:services!service=jupyter-secrets-audit"]}]
    c.Spawner.server_token_scopes = ["access:servers!server", "users:activity!user",
                                     "read:users:groups!user", "access:services!service=jupyter-secrets-audit"]

Servers and kernels send their events with the user's own hub token (``audit_sinks``
with ``"hub"``); the identity stored is the hub's, not the one an event claims (kept
as ``claimed_user`` when it differs), and no endpoint updates or deletes an event.
Events live in SQLite by default; ``JUPYTER_SECRETS_AUDIT_DB`` takes any SQLAlchemy
URL (``postgresql+psycopg://...``).
"""
