"""Store servers shared by the backend and rotation tests, one per test module: moto's
AWS Secrets Manager and the Vault stand-in (``tests/backends/vault_server``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tests.backends.moto_server import MotoServer
    from tests.backends.vault_server import VaultServer


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
