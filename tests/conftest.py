"""Store servers shared by the backend, rotation and audit tests, one per test module:
moto's AWS Secrets Manager, the Vault stand-in (``tests/backends/vault_server``) and a
private PostgreSQL cluster (``tests/support/postgres``); and, for every test, the CLI's
database cache (``jupyter_secrets.scanner.dbcache``) in a directory of this run."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tests.backends.moto_server import MotoServer
    from tests.backends.vault_server import VaultServer
    from tests.support.postgres import Postgres


@pytest.fixture(scope="module")
def moto() -> Iterator[MotoServer]:
    from tests.backends.moto_server import MotoServer

    server = MotoServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def vault() -> Iterator[VaultServer]:
    from tests.backends.vault_server import VaultServer

    with VaultServer() as server:
        yield server


@pytest.fixture(scope="module")
def postgres() -> Iterator[Postgres]:
    """A private PostgreSQL cluster; skipped (failed under strict) without its binaries."""
    from tests.support.postgres import INSTALL_HINT, find_bindir, running_postgres
    from tests.support.strict import require

    bindir = find_bindir()
    require(bindir is not None, INSTALL_HINT)
    with running_postgres(bindir) as server:
        yield server


@pytest.fixture(scope="session", autouse=True)
def _database_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """CLI runs in this process cache their compiled databases here, not in ~/.cache."""
    mp = pytest.MonkeyPatch()
    mp.setenv("JUPYTER_SECRETS_CACHE_DIR", str(tmp_path_factory.mktemp("dbcache")))
    yield
    mp.undo()
