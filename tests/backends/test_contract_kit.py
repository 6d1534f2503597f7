"""jupyter_secrets.testing, the backend contract kit, tested as a third party uses it.

A complete in-memory backend passes the whole contract; backends with one bug each
(a value in an error, a log record, the output or a warning; a version or scope
ignored; a normalized value; a KeyError) each fail the tests that name that bug,
and no report of those failures shows a value. The kit imports without the
Jupyter server or kernel, and importing jupyter_secrets does not import it.
"""

from __future__ import annotations

import json
import logging
import re
import subprocess
import sys
import textwrap
import unicodedata
import warnings
from typing import Any, ClassVar

import pytest

from jupyter_secrets.backends.base import Backend, SecretInfo, SecretRecord, Viability
from jupyter_secrets.errors import BackendUnavailableError
from jupyter_secrets.refs import SecretRef
from jupyter_secrets.testing import BackendContract

pytest_plugins = ["pytester"]

#: Every value any backend of this module was given, to look for in the reports.
RECEIVED: list[str] = []
_log = logging.getLogger("tests.backends.memory")


class MemoryBackend(Backend):
    """A complete backend: numbered versions, @previous, delete, list by scope."""

    name: ClassVar[str] = "memory-contract"
    writable: ClassVar[bool] = True
    keeps_versions: ClassVar[bool] = True

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.store: dict[str, list[str]] = {}

    def viable(self) -> Viability:
        return Viability(True, "in this process's memory")

    def get(self, ref: SecretRef) -> SecretRecord:
        versions = self.store.get(ref.path, [])
        if ref.version is None:
            number = len(versions)
        elif ref.version == "previous":
            number = len(versions) - 1
        else:
            number = int(ref.version)
        if not 1 <= number <= len(versions):
            raise self.not_found(ref)
        return SecretRecord(versions[number - 1], version=str(number))

    def set(self, ref: SecretRef, value: str) -> str | None:
        RECEIVED.append(value)
        versions = self.store.setdefault(ref.path, [])
        versions.append(value)
        return str(len(versions))

    def delete(self, ref: SecretRef) -> None:
        if self.store.pop(ref.path, None) is None:
            raise self.not_found(ref, "nothing to delete")

    def list(self, scope: str | None = None) -> list[SecretInfo]:
        return [
            SecretInfo(path=path, backend=self.name, version=str(len(versions)))
            for path, versions in sorted(self.store.items())
            if scope is None or path.split("/", 1)[0] == scope
        ]


class StagingMemoryBackend(MemoryBackend):
    """Versions that are not current until promoted, as AWS's AWSPENDING."""

    supports_staging: ClassVar[bool] = True

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.currents: dict[str, list[int]] = {}  # the versions made current, in order

    def get(self, ref: SecretRef) -> SecretRecord:
        versions, currents = self.store.get(ref.path, []), self.currents.get(ref.path, [])
        if ref.version is None:
            number = currents[-1] if currents else 0
        elif ref.version == "previous":
            number = currents[-2] if len(currents) > 1 else 0
        else:
            number = int(ref.version)
        if not 1 <= number <= len(versions):
            raise self.not_found(ref)
        return SecretRecord(versions[number - 1], version=str(number))

    def set(self, ref: SecretRef, value: str) -> str | None:
        version = self.stage(ref, value)
        self.promote(ref, version)
        return version

    def stage(self, ref: SecretRef, value: str) -> str:
        RECEIVED.append(value)
        versions = self.store.setdefault(ref.path, [])
        versions.append(value)
        return str(len(versions))

    def promote(self, ref: SecretRef, version: str) -> None:
        self.currents.setdefault(ref.path, []).append(int(version))

    def discard(self, ref: SecretRef, version: str) -> None:
        pass  # kept, never current

    def delete(self, ref: SecretRef) -> None:
        super().delete(ref)
        self.currents.pop(ref.path, None)


class EagerStagingBackend(StagingMemoryBackend):
    """Its staged version is current at once: readers would see an unvalidated value."""

    def stage(self, ref: SecretRef, value: str) -> str:
        version = super().stage(ref, value)
        super().promote(ref, version)
        return version


class UnreachableBackend(MemoryBackend):
    def viable(self) -> Viability:
        return Viability(False, "the memory is unreachable")

    def _down(self) -> BackendUnavailableError:
        return BackendUnavailableError("the memory is unreachable; try again later")

    def get(self, ref: SecretRef) -> SecretRecord:
        raise self._down()

    def set(self, ref: SecretRef, value: str) -> str | None:
        RECEIVED.append(value)
        raise self._down()

    def delete(self, ref: SecretRef) -> None:
        raise self._down()

    def list(self, scope: str | None = None) -> list[SecretInfo]:
        raise self._down()


# -- one bug each -------------------------------------------------------------


class EchoingBackend(MemoryBackend):
    """Says which value it holds when a version is missing."""

    def get(self, ref: SecretRef) -> SecretRecord:
        try:
            return super().get(ref)
        except KeyError:
            held = self.store.get(ref.path)
            raise self.not_found(ref, f"it holds {held[-1]!r}" if held else "") from None


class VersionBlindBackend(MemoryBackend):
    def get(self, ref: SecretRef) -> SecretRecord:
        return super().get(SecretRef(ref.path))


class ScopeBlindBackend(MemoryBackend):
    def list(self, scope: str | None = None) -> list[SecretInfo]:
        return super().list()


class NormalizingBackend(MemoryBackend):
    def set(self, ref: SecretRef, value: str) -> str | None:
        return super().set(ref, unicodedata.normalize("NFC", value))


class KeyErrorBackend(MemoryBackend):
    """Lets a plain KeyError out instead of SecretNotFoundError."""

    def get(self, ref: SecretRef) -> SecretRecord:
        return SecretRecord(self.store[ref.path][-1])


class LoggingBackend(MemoryBackend):
    def set(self, ref: SecretRef, value: str) -> str | None:
        _log.debug("storing %s as %r", ref, value)
        return super().set(ref, value)


class PrintingBackend(MemoryBackend):
    def set(self, ref: SecretRef, value: str) -> str | None:
        print(f"stored {value}")
        return super().set(ref, value)


class WarningBackend(MemoryBackend):
    def set(self, ref: SecretRef, value: str) -> str | None:
        warnings.warn(f"weak value {value}", stacklevel=2)
        return super().set(ref, value)


class ChainLeakingBackend(UnreachableBackend):
    """Its error is value-free, but the exception it chains is not."""

    def set(self, ref: SecretRef, value: str) -> str | None:
        RECEIVED.append(value)
        try:
            raise RuntimeError(f"could not send {value}")
        except RuntimeError:
            raise self._down()  # noqa: B904 (the implicit chain is the bug)


_INNER = """
import pytest
from jupyter_secrets.testing import BackendContract
from tests.backends import test_contract_kit as kit


class TestCorrect(BackendContract):
    supports_previous = True
    supports_numbered_versions = True

    @pytest.fixture
    def backend(self):
        return kit.MemoryBackend()

    @pytest.fixture
    def unavailable_backend(self):
        return kit.UnreachableBackend()


class TestStaging(TestCorrect):
    supports_staging = True

    @pytest.fixture
    def backend(self):
        return kit.StagingMemoryBackend()
"""
_BROKEN = {
    "Echoing": {"test_a_version_it_does_not_hold_is_not_found", "test_previous_version"},
    "VersionBlind": {
        "test_a_version_it_does_not_hold_is_not_found",
        "test_previous_version",
        "test_numbered_versions",
    },
    "ScopeBlind": {"test_list_filters_by_scope"},
    "Normalizing": {"test_get_returns_the_value_stored[unicode]"},
    "KeyError": {
        "test_a_secret_it_does_not_hold_is_not_found",
        "test_delete_removes_the_secret_and_its_versions",
    },
    "Logging": {"test_set_replaces_the_current_value", "test_no_value_in_logs_or_output_at_debug"},
    "Printing": {"test_set_replaces_the_current_value", "test_get_returns_the_value_stored[large]"},
    "Warning": {
        "test_set_replaces_the_current_value",
        "test_refs_of_every_shape_in_every_scope[nested]",
    },
    "ChainLeaking": {"test_unavailable_store_raises_unavailable"},
    "EagerStaging": {
        "test_stage_leaves_the_current_version_alone",
        "test_discard_keeps_the_current_version",
    },
}


def _inner_module() -> str:
    classes = [textwrap.dedent(_INNER)]
    for name in _BROKEN:
        fixture = "unavailable_backend" if name == "ChainLeaking" else "backend"
        base = "TestStaging" if "Staging" in name else "TestCorrect"
        classes.append(
            f"\n\nclass Test{name}({base}):\n"
            f"    @pytest.fixture\n    def {fixture}(self):\n"
            f"        return kit.{name}Backend()\n"
        )
    return "".join(classes)


def _markers(value: str) -> str:
    found = re.search(r"fake[- ]([A-Za-z0-9_-]{24})", value)
    assert found is not None, "a received value is not one the kit made"
    return found.group(1)


def test_the_contract_passes_a_correct_backend_and_names_each_bug(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(test_inner=_inner_module())
    RECEIVED.clear()
    recorder = pytester.inline_run("-p", "no:cacheprovider", "-q")
    failing: dict[str, set[str]] = {}
    texts = []
    for report in recorder.getreports("pytest_runtest_logreport"):
        texts.append(report.longreprtext)
        texts.extend(content for _, content in report.sections)
        if report.failed:
            cls, test = report.nodeid.split("::")[1:3]
            failing.setdefault(cls.removeprefix("Test"), set()).add(test)
    for correct in ("Correct", "Staging"):
        assert correct not in failing, f"a correct backend fails: {sorted(failing[correct])}"
    for name, expected in _BROKEN.items():
        missed = expected - failing.get(name, set())
        assert not missed, f"the contract misses {name}Backend's bug in {sorted(missed)}"
    given = [value for value in RECEIVED if value]  # not the empty one
    assert given, "no backend was given a value"
    shown = "\n".join(texts)
    leaked = sum(_markers(value) in shown for value in given)
    assert leaked == 0, f"{leaked} value(s) shown in the reports of the contract's failures"


class TestMemoryContract(BackendContract):
    """The reference backend above, through the kit as a third party writes it."""

    supports_previous = True
    supports_numbered_versions = True

    @pytest.fixture
    def backend(self) -> Backend:
        return MemoryBackend()

    @pytest.fixture
    def unavailable_backend(self) -> Backend:
        return UnreachableBackend()


def _loaded_after(statement: str) -> list[str]:
    script = f"import json, sys\n{statement}\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    loaded: list[str] = json.loads(done.stdout)
    return loaded


def test_the_kit_needs_no_server_or_kernel() -> None:
    loaded = _loaded_after("import jupyter_secrets.testing")
    forbidden = ("tornado", "jupyter_server", "IPython", "ipykernel", "jupyter_client")
    assert not [m for m in loaded if m.split(".")[0] in forbidden]
    assert "jupyter_secrets.backends.keyring" not in loaded, "the kit loads no built-in backend"


def test_importing_the_package_does_not_import_the_kit_or_pytest() -> None:
    loaded = _loaded_after("import jupyter_secrets, jupyter_secrets.backends")
    assert "jupyter_secrets.testing" not in loaded
    assert not [m for m in loaded if m.split(".")[0] in ("pytest", "_pytest")]
