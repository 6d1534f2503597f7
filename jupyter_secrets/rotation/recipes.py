"""Ready-made apply and validate steps for plans (``python: module:function``).

``postgres_password`` changes the password of the role it logs in as, logging in
with the *old* value; it sends a SCRAM-SHA-256 verifier, never the password, so
the new value is not in the server's statement log or in ``pg_stat_activity``.
``postgres_check`` logs in with the new value. Both need psycopg 3.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from typing import Any

SCRAM_ITERATIONS = 4096  # PostgreSQL's default (scram_iterations)


def scram_sha256_verifier(password: str, salt: bytes | None = None) -> str:
    """The verifier PostgreSQL stores for ``password`` (RFC 5802/7677, as ``pg_authid``
    holds it). ASCII passwords only: others need SASLprep, which is not done here."""
    if not password.isascii():
        raise ValueError("SCRAM verifiers here are for ASCII passwords; generate an ASCII one")
    salt = salt if salt is not None else secrets.token_bytes(16)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, SCRAM_ITERATIONS)
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()

    def b64(data: bytes) -> str:
        return base64.b64encode(data).decode()

    return f"SCRAM-SHA-256${SCRAM_ITERATIONS}:{b64(salt)}${b64(stored_key)}:{b64(server_key)}"


def _connect(dsn: str, password: str, timeout: float) -> Any:
    import psycopg  # noqa: PLC0415 (an optional dependency of this recipe)

    return psycopg.connect(dsn, password=password, connect_timeout=int(max(timeout, 1)))


def postgres_password(ref: str, old: str, new: str, dsn: str, timeout: float = 10) -> None:
    """Set the logged-in role's password to ``new``, logging in with ``old``."""
    from psycopg import sql  # noqa: PLC0415

    del ref
    with _connect(dsn, old, timeout) as connection:
        statement = sql.SQL("ALTER ROLE CURRENT_USER PASSWORD {}").format(
            sql.Literal(scram_sha256_verifier(new))
        )
        connection.execute(statement)


def postgres_check(ref: str, old: str, new: str, dsn: str, timeout: float = 10) -> bool:
    """True when ``new`` logs in and a query runs."""
    del ref, old
    with _connect(dsn, new, timeout) as connection:
        row = connection.execute("SELECT 1").fetchone()
    return row is not None and row[0] == 1
