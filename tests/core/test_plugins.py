"""One plugin loader for backends and detectors, through real entry points.

A distribution's dist-info is written to a temp dir on sys.path, as pip would
leave it, declaring a working plugin, one whose module is missing and one that
names something of the wrong kind, in both groups. The rule is the same for
both: a broken plugin never breaks the others, is named with a one-line reason
(doctor, the CLI, the server log), and asking for it by name is that error.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from jupyter_secrets import plugins
from jupyter_secrets.backends import registry as backend_registry
from jupyter_secrets.scanner import Scanner
from jupyter_secrets.scanner import registry as detector_registry
from jupyter_secrets.scanner.errors import ScanError
from tests.support.cli import run_cli

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - 3.10
    import tomli as tomllib

REPO = Path(__file__).resolve().parents[2]
ENTRY_POINTS = """\
[jupyter_secrets.detectors]
acme = tests.core.plugin_detectors:AcmeToken
broken_detector = no_such_module_for_jupyter_secrets:Detector
not_a_detector = tests.core.plugin_detectors:NOT_A_DETECTOR

[jupyter_secrets.backends]
memory = tests.backends.plugin_fixture:MemoryBackend
broken_backend = no_such_module_for_jupyter_secrets:Backend
"""


@pytest.fixture(autouse=True)
def fresh_discovery() -> Iterator[None]:
    plugins.refresh()
    yield
    plugins.refresh()


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    dist = tmp_path / "site" / "fake_secrets_plugins-1.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: fake-secrets-plugins\nVersion: 1.0\n"
    )
    (dist / "entry_points.txt").write_text(ENTRY_POINTS)
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    plugins.refresh()
    return tmp_path / "site"


def _acme_token() -> str:
    return "acme_" + "".join(secrets.choice("0123456789") for _ in range(24))


@pytest.mark.parametrize(
    ("group", "table"),
    [
        (detector_registry.GROUP, detector_registry.BUILTIN),
        (backend_registry.GROUP, backend_registry.BUILTINS),
    ],
)
def test_the_builtin_tables_are_the_entry_points_in_pyproject(
    group: str, table: dict[str, str]
) -> None:
    with (REPO / "pyproject.toml").open("rb") as file:
        declared = tomllib.load(file)["project"]["entry-points"][group]
    assert declared == table, (
        f"the built-in table and pyproject's {group} differ: only built in "
        f"{sorted(set(table) - set(declared))}, only declared {sorted(set(declared) - set(table))}"
    )


def test_without_package_metadata_the_builtins_are_found(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(plugins, "entry_points", lambda group: [])
    plugins.refresh()
    assert set(detector_registry.available_detectors()) == set(detector_registry.BUILTIN)
    assert set(backend_registry.available_backends()) == set(backend_registry.BUILTINS)
    assert detector_registry.detector_failures() == {} == backend_registry.plugin_failures()


@pytest.mark.usefixtures("site")
def test_a_broken_detector_never_breaks_the_scan() -> None:
    names = [d.name for d in detector_registry.load_detectors()]
    assert "acme" in names and set(detector_registry.BUILTIN) <= set(names)
    failures = detector_registry.detector_failures()
    assert set(failures) == {"broken_detector", "not_a_detector"}
    assert failures["broken_detector"].reason.startswith("ModuleNotFoundError: ")
    assert "not a subclass of jupyter_secrets.scanner.detectors.Detector" in (
        failures["not_a_detector"].reason
    )
    token = _acme_token()
    found = Scanner(hash_key=b"k").scan_text(f"client = Acme('{token}')\n", "x.py")
    assert [f.detector for f in found] == ["acme"], "the working plugin did not scan"


@pytest.mark.usefixtures("site")
def test_asking_for_a_broken_detector_by_name_is_its_error() -> None:
    with pytest.raises(ScanError, match=r"detector 'broken_detector' \(no_such_module.*\) failed "
                       r"to load: ModuleNotFoundError"):  # fmt: skip
        detector_registry.load_detectors(["acme", "broken_detector"])
    with pytest.raises(ScanError, match=r"unknown detector 'nope'; available: .*acme"):
        detector_registry.load_detectors(["nope"])
    assert [d.name for d in detector_registry.load_detectors(["acme"])] == ["acme"]


@pytest.mark.usefixtures("site")
def test_backends_and_detectors_share_the_rule() -> None:
    detector = detector_registry.detector_failures()["broken_detector"]
    backend = backend_registry.plugin_failures()["broken_backend"]
    assert type(detector) is type(backend) is plugins.PluginFailure
    assert detector.reason == backend.reason, "one import error, two wordings"
    assert "memory" in backend_registry.available_backends()


def _cli(site: Path, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(REPO)])}
    env["HOME"] = str(tmp_path / "home")
    env["JUPYTER_SECRETS_BACKEND"] = "env"
    return run_cli(env, *args, cwd=tmp_path)


def test_the_cli_names_a_broken_detector_once_and_scans_on(site: Path, tmp_path: Path) -> None:
    token = _acme_token()
    (tmp_path / "leak.py").write_text(f"key = Acme('{token}')\n")  # pragma: allowlist secret
    done = _cli(site, tmp_path, "scan", "--format", "json", str(tmp_path / "leak.py"))
    assert done.returncode == 1, done.stderr
    assert [f["type"] for f in json.loads(done.stdout)["findings"]] == ["Acme Token"]
    warnings = [line for line in done.stderr.splitlines() if "failed to load" in line]
    assert len(warnings) == 2 and all(line.count("\n") == 0 for line in warnings)
    assert any("'broken_detector'" in line and "ModuleNotFoundError" in line for line in warnings)
    assert token not in done.stdout + done.stderr

    doctor = _cli(site, tmp_path, "doctor", "--json")
    listed = {f["name"]: f["reason"] for f in json.loads(doctor.stdout)["detector_failures"]}
    assert set(listed) == {"broken_detector", "not_a_detector"}
