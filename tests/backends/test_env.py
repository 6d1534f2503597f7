"""The env backend: environment variables and .env files, read-only."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jupyter_secrets.backends.env import EnvBackend, guess_path, variable_name
from jupyter_secrets.errors import BackendReadOnlyError, ConfigError, SecretNotFoundError
from jupyter_secrets.refs import SecretRef, parse_ref
from jupyter_secrets.testing import BackendContract, Seed
from tests.support.fakes import fake_secret

SEGMENT = st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9_.\-]{0,8}", fullmatch=True)


def test_maps_path_to_prefixed_upper_case_name() -> None:
    assert variable_name("dev/db/password") == "SECRET_DEV_DB_PASSWORD"
    assert variable_name("prod/api-key.v2", "APP_") == "APP_PROD_API_KEY_V2"


@given(st.lists(SEGMENT, min_size=2, max_size=4))
def test_every_ref_maps_to_a_valid_variable_name(segments: list[str]) -> None:
    path = "/".join(segments)
    parse_ref(path)  # the strategy only builds valid refs
    name = variable_name(path)
    assert re.fullmatch(r"SECRET_[A-Z0-9_]+", name)
    assert len(name) == len("SECRET_") + len(path)
    # The guessed ref spells the same variable: listing then fetching round-trips.
    guessed = guess_path(name)
    if guessed is not None:
        assert variable_name(guessed) == name


def test_reads_nearest_dotenv_without_touching_environ(tmp_path: Path) -> None:
    value = fake_secret()
    (Path.cwd().parent / ".env").write_text(f"SECRET_DEV_API_TOKEN={value}\n")
    nested = Path.cwd() / "a" / "b"
    nested.mkdir(parents=True)
    os.chdir(nested)  # the autouse fixture restores the cwd
    assert EnvBackend().get(SecretRef("dev/api/token")).value == value, ".env value differs"
    assert "SECRET_DEV_API_TOKEN" not in os.environ


def test_environ_wins_over_dotenv_and_first_file_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second, exported = fake_secret(), fake_secret(), fake_secret()
    (tmp_path / "one.env").write_text(f"SECRET_DEV_X_Y={first}\n")
    (tmp_path / "two.env").write_text(f"SECRET_DEV_X_Y={second}\nSECRET_DEV_ONLY_TWO=z\n")
    backend = EnvBackend(dotenv_paths=[str(tmp_path / "one.env"), str(tmp_path / "two.env")])
    assert backend.get(SecretRef("dev/x/y")).value == first, "first .env file should win"
    assert backend.get(SecretRef("dev/only/two")).value == "z"
    monkeypatch.setenv("SECRET_DEV_X_Y", exported)
    assert backend.get(SecretRef("dev/x/y")).value == exported, "os.environ should win"


def test_custom_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    value = fake_secret()
    monkeypatch.setenv("MYAPP_STG_TOKEN_A", value)
    assert EnvBackend(prefix="MYAPP_").get(SecretRef("stg/token/a")).value == value


def test_not_found_names_the_variable_to_set() -> None:
    with pytest.raises(SecretNotFoundError) as caught:
        EnvBackend().get(SecretRef("dev/db/password"))
    message = str(caught.value)
    assert "export SECRET_DEV_DB_PASSWORD=..." in message
    assert ".env" in message
    assert "\n" not in message


def test_empty_variable_is_reported_not_returned(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SECRET_DEV_DB_PASSWORD", "")
    with pytest.raises(SecretNotFoundError, match="set but empty"):
        EnvBackend().get(SecretRef("dev/db/password"))


@pytest.mark.parametrize("version", ["previous", "2"])
def test_env_keeps_one_version(monkeypatch: pytest.MonkeyPatch, version: str) -> None:
    value = fake_secret()
    monkeypatch.setenv("SECRET_DEV_DB_PASSWORD", value)
    with pytest.raises(SecretNotFoundError, match="one version") as caught:
        EnvBackend().get(SecretRef("dev/db/password", version=version))
    assert value not in str(caught.value), "value leaked into the error"


def test_is_read_only(monkeypatch: pytest.MonkeyPatch) -> None:
    backend = EnvBackend()
    assert not backend.writable
    with pytest.raises(BackendReadOnlyError, match="read-only"):
        backend.set(SecretRef("dev/db/password"), fake_secret())
    with pytest.raises(BackendReadOnlyError):
        backend.delete(SecretRef("dev/db/password"))


def test_list_names_only_with_lossy_guess(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    value = fake_secret()
    monkeypatch.setenv("SECRET_DEV_DB_PASSWORD", value)
    monkeypatch.setenv("SECRET_PROD_TOKEN", value)
    monkeypatch.setenv("SECRET_", value)  # no ref can map to it: skipped
    (tmp_path / "x.env").write_text("SECRET_STG_KEY=v\nUNRELATED=w\nSECRET_STG_NOVALUE\n")
    backend = EnvBackend(dotenv_paths=[str(tmp_path / "x.env")])
    paths = [info.path for info in backend.list()]
    assert paths == ["dev/db_password", "prod/token", "stg/key"]
    assert [info.path for info in backend.list("prod")] == ["prod/token"]
    assert backend.list()[0].extra == {"variable": "SECRET_DEV_DB_PASSWORD"}
    assert value not in repr(backend.list()), "value leaked into list()"
    # The guessed ref reads the same variable.
    assert backend.get(SecretRef("dev/db_password")).value == value, "guessed ref misses"


def test_viability_reports_dotenv_and_count(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SECRET_DEV_A_B", fake_secret())
    (Path.cwd() / ".env").write_text("SECRET_DEV_C_D=x\n")
    viability = EnvBackend().viable()
    assert viability.ok
    assert "1 set" in viability.reason
    assert str(Path.cwd() / ".env") in viability.reason


@pytest.mark.parametrize(
    "options",
    [{"prefix": "BAD-PREFIX"}, {"dotenv_paths": ".env"}, {"dotenv_path": [".env"]}],
)
def test_bad_options_are_config_errors(options: dict[str, object]) -> None:
    with pytest.raises(ConfigError):
        EnvBackend(**options)


# -- the backend contract (jupyter_secrets.testing) ---------------------------


class TestEnvironContract(BackendContract):
    """EnvBackend over real environment variables (monkeypatched per test)."""

    writable = False
    supports_delete = False
    allows_empty_values = False  # an empty variable is reported, not returned

    @pytest.fixture
    def backend(self) -> EnvBackend:
        return EnvBackend()

    @pytest.fixture
    def seed(self, monkeypatch: pytest.MonkeyPatch) -> Seed:
        def export(ref: SecretRef, value: str) -> None:
            monkeypatch.setenv(variable_name(ref.path), value)

        return export

    def listed_path(self, path: str) -> str:
        return guess_path(variable_name(path)) or path  # list() guesses refs back

    @pytest.fixture
    def unavailable_backend(self, tmp_path: Path) -> EnvBackend:
        undecodable = tmp_path / "latin1.env"
        undecodable.write_bytes(b"SECRET_DEV_DB_NAME=caf\xe9\n")  # Latin-1, not UTF-8
        return EnvBackend(dotenv_paths=[str(undecodable)])


class TestDotenvContract(TestEnvironContract):
    """EnvBackend over a real .env file, found from the current directory."""

    @pytest.fixture
    def seed(self) -> Seed:
        dotenv = Path.cwd() / ".env"  # the autouse fixture made the cwd a fresh directory

        def write(ref: SecretRef, value: str) -> None:
            # Single quotes keep '#', '"', spaces and newlines; only \\ and \' are escapes.
            quoted = value.replace("\\", "\\\\").replace("'", "\\'")
            with dotenv.open("a", encoding="utf-8") as handle:
                handle.write(f"{variable_name(ref.path)}='{quoted}'\n")

        return write


def test_a_dotenv_value_is_read_as_written_without_interpolation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # python-dotenv fills in ${VAR} by default, even in single quotes: a stored value
    # would take in the reading process's variables (and change with them).
    monkeypatch.setenv("JS_TEST_OTHER", "other-value")
    value = "p${JS_TEST_OTHER}q${HOME}"
    (tmp_path / "s.env").write_text(f"SECRET_DEV_DB_PW='{value}'\nSECRET_DEV_DB_RAW={value}\n")
    backend = EnvBackend(dotenv_paths=[str(tmp_path / "s.env")])
    assert backend.get(SecretRef("dev/db/pw")).value == value
    assert backend.get(SecretRef("dev/db/raw")).value == value
