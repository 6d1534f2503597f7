"""A private PostgreSQL cluster for tests and benchmarks: Debian's binaries, ``initdb`` in a
temp dir, the server on 127.0.0.1 with a socket dir of its own (run as the ``postgres``
user when we are root, since the server refuses root), stopped and removed on exit.

The superuser logs in over the socket (trust); roles made here log in over TCP with
SCRAM, their passwords set as verifiers (never sent to the server in clear text).
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg

from jupyter_secrets.rotation.recipes import scram_sha256_verifier
from tests.netutil import free_port

from .process import launch, stop_process, wait_until

INSTALL_HINT = "PostgreSQL is not installed (scripts/bootstrap.sh installs Debian's postgresql)"


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server binaries on this machine."""


def find_bindir() -> Path | None:
    """The newest ``/usr/lib/postgresql/<version>/bin`` with ``initdb``, or None."""
    binaries = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(binaries[-1]).parent if binaries else None


@dataclass
class Postgres:
    port: int
    socket_dir: Path

    def dsn(self, dbname: str = "postgres", user: str = "app") -> str:
        """A libpq DSN over TCP (SCRAM), without a password."""
        return f"host=127.0.0.1 port={self.port} dbname={dbname} user={user}"

    def accepts(self, password: str, user: str = "app") -> bool:
        """Whether ``user`` logs in over TCP with ``password``."""
        try:
            psycopg.connect(self.dsn(user=user), password=password, connect_timeout=10).close()
        except psycopg.OperationalError:
            return False
        return True

    def superuser(self, statement: str) -> None:
        """Run ``statement`` as ``postgres`` over the socket, in autocommit."""
        with psycopg.connect(
            host=str(self.socket_dir), port=self.port, user="postgres", dbname="postgres",
            autocommit=True,
        ) as connection:  # fmt: skip
            connection.execute(statement)

    def database(self, name: str) -> str:
        """A fresh database ``name`` owned by a role of the same name with a fresh password:
        its SQLAlchemy URL (``postgresql+psycopg://``), which holds that password. ``name``
        is an identifier of ours (letters, digits, ``_``)."""
        if not name.replace("_", "").isalnum() or not name.isascii():
            raise ValueError(f"not a plain identifier: {name!r}")
        password = secrets.token_hex(16)
        self.superuser(f"DROP DATABASE IF EXISTS {name}")
        self.superuser(f"DROP ROLE IF EXISTS {name}")
        self.superuser(f"CREATE ROLE {name} LOGIN PASSWORD '{scram_sha256_verifier(password)}'")
        self.superuser(f"CREATE DATABASE {name} OWNER {name}")
        return f"postgresql+psycopg://{name}:{password}@127.0.0.1:{self.port}/{name}"


@contextmanager
def running_postgres(bindir: Path | None = None) -> Iterator[Postgres]:
    """Start a private cluster and wait until it accepts connections; stop and remove it
    on exit. ``PostgresUnavailable`` when no binaries are found."""
    bindir = bindir or find_bindir()
    if bindir is None:
        raise PostgresUnavailable(INSTALL_HINT)
    as_root = os.geteuid() == 0
    prefix = ["runuser", "-u", "postgres", "--"] if as_root else []
    base = Path(tempfile.mkdtemp(prefix="jupyter-secrets-pg-"))
    try:
        data, sockets = base / "data", base / "sockets"
        sockets.mkdir()
        if as_root:
            user = pwd.getpwnam("postgres")
            for path in (base, sockets):
                os.chown(path, user.pw_uid, user.pw_gid)
        subprocess.run(
            [*prefix, str(bindir / "initdb"), "-D", str(data), "-U", "postgres",
             "--auth-local=trust", "--auth-host=scram-sha-256"],
            check=True, capture_output=True,
        )  # fmt: skip
        port = free_port()
        server = launch(
            [*prefix, str(bindir / "postgres"), "-D", str(data), "-p", str(port),
             "-k", str(sockets), "-h", "127.0.0.1"],
            env=dict(os.environ), cwd=base, log_path=base / "server.log", new_session=True,
        )  # fmt: skip
        pg = Postgres(port, sockets)

        def ready() -> bool:
            try:
                pg.superuser("SELECT 1")
            except psycopg.OperationalError:
                return False
            return True

        try:
            wait_until(
                ready, 60, "PostgreSQL accepts connections", process=server,
                detail=lambda: "; log:\n" + (base / "server.log").read_text(errors="replace")[-2000:],
            )  # fmt: skip
            yield pg
        finally:
            stop_process(server, group=True)
    finally:
        shutil.rmtree(base, ignore_errors=True)
