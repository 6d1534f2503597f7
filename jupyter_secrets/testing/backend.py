"""The contract every secret backend honours, as a pytest mixin: :class:`BackendContract`.

A backend's test class subclasses it, gives it a store to test and says what the
store can do; pytest then runs every ``test_*`` of the contract against it::

    import pytest
    from jupyter_secrets.testing import BackendContract
    from my_vault_plugin import VaultBackend

    class TestVaultBackend(BackendContract):
        supports_previous = True  # what the store can do (see the table below)

        @pytest.fixture
        def backend(self, vault):  # a fresh, empty store for each test
            return VaultBackend(url=vault.url, mount=vault.new_mount())

        @pytest.fixture
        def unavailable_backend(self):  # a store that cannot work: nothing listens there
            return VaultBackend(url="http://127.0.0.1:9")

The hooks a subclass provides (fixtures, so they may use other fixtures):

``backend`` (required)
    A :class:`~jupyter_secrets.backends.base.Backend` over a real, empty store; tear
    it down after the test (``yield`` it). Every test makes its own names.
``seed`` (read-only backends)
    A function ``seed(ref, value)`` putting a value where the backend reads it (an
    environment variable, a file); by default ``backend.set``.
``unavailable_backend`` (optional, skipped without it)
    A backend whose store cannot serve requests (locked, unreachable, undecodable).
    Parametrize the fixture to test several ways of failing.

What the store can do, as class attributes (defaults in brackets); a test of
something the store cannot do is skipped, saying so:

- ``writable`` [True]: ``set`` stores; else set and delete raise
  BackendReadOnlyError. It must equal the backend's own ``writable``.
- ``supports_delete`` [True]: ``delete`` removes a secret and all its versions
  (when writable); else it raises BackendReadOnlyError.
- ``supports_list`` [True]: ``list`` names what the store holds, by scope too.
- ``supports_previous`` [False]: ``ref@previous`` reads the value ``set`` replaced.
- ``supports_numbered_versions`` [False]: ``set`` returns a version id that a ref
  can name, and ``ref@<id>`` reads that version; else ``set`` returns None.
- ``supports_staging`` [False]: ``stage`` stores a version that is not current yet,
  ``promote`` makes it current and ``discard`` drops it (what a rotation needs so
  that readers never see an unvalidated value). It must equal the backend's own.
- ``allows_empty_values`` [True]: an empty value reads back empty; else storing it
  raises a SecretError or reading it raises SecretNotFoundError.
- ``value_kinds`` [all of :data:`VALUE_KINDS`]: the values it holds exactly:
  ``"ascii"``, ``"unicode"`` (accents, CJK, Cyrillic, an emoji, a combining mark),
  ``"punctuation"`` (quotes, ``#``, ``=``, ``$``, backslashes, a tab, a newline,
  spaces at both ends), ``"large"`` (``large_value_length`` characters, 64 KiB).

``listed_path(path)`` (a method) says how ``list`` spells a stored path when the
store's names are lossy (the env backend lists ``dev/db/password`` as
``dev/db_password``); it is ``path`` by default.

What every backend must do, whatever it supports: return exactly the value stored;
raise SecretNotFoundError naming the secret for a name, scope or version it does not
hold (never another version's value); keep ``dev/x`` and ``prod/x`` apart; raise
BackendUnavailableError when its store cannot serve, and say so from ``check()``
without raising; and never let a value reach an exception's text (its ``str``,
``repr``, chained causes or formatted traceback), a log record at DEBUG, a warning,
stdout or stderr. Values are fake, made per test with :mod:`secrets`; the contract's
own failure messages never show one (they say where two values differ instead).
The leak guard (the ``fake`` fixture) reads the output with ``capfd``: a subclass's
fixtures must not request ``capsys``. A subclass's own tests may use it too:
``fake.new(kind)`` makes a value the guard looks for, ``fake.raises(...)`` checks an
error. Run the tests of a class as usual (``pytest -k TestVaultBackend``).
"""

from __future__ import annotations

import functools
import logging
import secrets
import sys
import traceback
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, ClassVar, NoReturn

import pytest

from ..backends.base import Backend, SecretInfo, SecretRecord, Viability
from ..errors import (
    BackendReadOnlyError,
    BackendUnavailableError,
    SecretError,
    SecretNotFoundError,
)
from ..refs import MAX_REF_LENGTH, SecretRef, parse_ref

#: The kinds of value a backend is asked to hold (see ``value_kinds``).
VALUE_KINDS: tuple[str, ...] = ("ascii", "unicode", "punctuation", "large")
LARGE_VALUE_LENGTH = 64 * 1024

#: The ref shapes stored under each scope: ``{scope}`` and ``{tag}`` (fresh per test)
#: are filled in; "longest" is padded to the longest ref there may be.
PATH_SHAPES: dict[str, str] = {
    "two-segments": "{scope}/contract-{tag}",
    "nested": "{scope}/contract-{tag}/db/password",
    "punctuated": "{scope}/app.{tag}/api-key_v2.0",
    "longest": "{scope}/contract-{tag}/",
}

#: ``seed(ref, value)``: put a value where the backend reads it.
Seed = Callable[[SecretRef, str], None]


def fake_value(kind: str = "ascii", length: int = LARGE_VALUE_LENGTH) -> str:
    """A fresh fake secret of ``kind`` (one of :data:`VALUE_KINDS`); ``length`` is for
    "large". Never print or log it."""
    return _made(kind, length)[0]


def _made(kind: str, length: int) -> tuple[str, list[str]]:
    """A fake value and its markers: random pieces of it, for the leak checks."""
    token = secrets.token_urlsafe(24)
    if kind == "ascii":
        return f"fake-{token}", [token]
    if kind == "unicode":  # a decomposed é, so a store that normalizes is caught
        return f"fake-{token}-Grüße-密码-пароль-🔑-e\u0301", [token]  # pragma: allowlist secret
    if kind == "punctuation":
        value = f" fake {token} \"dq\" 'sq' `bt` #h =e $d \\b\\ \t tab\nline 2 "  # pragma: allowlist secret
        return value, [token]
    if kind == "large":
        filler = secrets.token_urlsafe(length)  # 4/3 as many characters as needed
        value = f"fake-{token}-{filler}"[:length]
        middle = length // 2  # a leak of its middle or its end is found too
        return value, [token, value[middle : middle + 24], value[-24:]]
    raise ValueError(f"unknown value kind {kind!r}; use one of {', '.join(VALUE_KINDS)}")


def _fail(message: str) -> NoReturn:
    """Fail with ``message`` alone: no traceback (its source lines and locals could show a
    value), no exception being handled (pytest would show its text)."""
    raise pytest.fail.Exception(message, pytrace=False) from None


def _difference(expected: str, got: object) -> str:
    """Where ``got`` differs from ``expected``, without showing either."""
    if not isinstance(got, str):
        return f"a {type(got).__name__}, not a str"
    at = next((i for i, (a, b) in enumerate(zip(expected, got, strict=False)) if a != b), None)
    if at is None:
        at = min(len(expected), len(got))
    return f"{len(got)} characters instead of {len(expected)}, first difference at index {at}"


def _exception_texts(exc: BaseException) -> Iterator[tuple[str, str]]:
    """(where, text) of everything an exception shows: str and repr of it and of every
    exception chained to it (suppressed ones too), and its formatted traceback."""
    pending, seen = [exc], set()
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        name = type(current).__name__
        for where, show in (("str", str), ("repr", repr)):
            try:
                yield f"{where}() of {name}", show(current)
            except Exception as failure:  # a broken __str__ is a failure too
                yield f"{where}() of {name} raised {type(failure).__name__}", ""
        pending.extend(e for e in (current.__cause__, current.__context__) if e is not None)
    yield "the formatted traceback", "".join(traceback.format_exception(exc))


class FakeSecrets:
    """Fake values for one test, and the checks that none of them leaked.

    Each value is remembered by random pieces of it (its markers), so a value that
    leaks escaped (``repr`` turns a newline into ``\\n``) or cut short is found too.
    """

    def __init__(
        self,
        large_value_length: int = LARGE_VALUE_LENGTH,
        output: pytest.CaptureFixture[str] | None = None,
        warned: pytest.WarningsRecorder | None = None,
    ) -> None:
        self.large_value_length = large_value_length
        self._markers: list[str] = []
        self._output, self._warned = output, warned
        #: Loggers that were handed a value (their records were withheld).
        self.leaky_loggers: list[str] = []

    def new(self, kind: str = "ascii") -> str:
        """A fresh value of ``kind``, remembered for the leak checks."""
        value, markers = _made(kind, self.large_value_length)
        self._markers += markers
        return value

    def leaked(self, text: object) -> bool:
        """True when ``text`` holds (a piece of) a value this test made."""
        shown = text if isinstance(text, str) else repr(text)
        return any(marker in shown for marker in self._markers)

    def shown(self, text: str) -> str:
        """``text`` for a failure message, unless it holds a value."""
        if self.leaked(text):
            return "<withheld: it holds a test value>"
        return text if len(text) <= 300 else text[:300] + "..."

    def screen(self, record: logging.LogRecord) -> None:
        """Withhold ``record`` if it holds a value, and remember its logger."""
        if not self.leaked(_text(record, logging.Formatter())):
            return
        self.leaky_loggers.append(record.name)
        record.msg, record.args = _WITHHELD, ()
        record.exc_info = record.exc_text = record.stack_info = None

    def check_output(self, put_back: bool = True) -> None:
        """No value in a log record, a warning, stdout or stderr so far. The output is
        taken, so that a report does not show a value; with ``put_back``, output
        without one is written again for the report."""
        if self.leaky_loggers:
            _fail(f"a secret value leaked into a log record of logger '{self.leaky_loggers[0]}'")
        if self._warned is not None:  # recorded, so never in pytest's warnings summary
            self.check_absent(
                "the warnings", [(w.category.__name__, w.message) for w in self._warned]
            )
        if self._output is not None:
            out, err = self._output.readouterr()
            self.check_absent("the output", [("stdout", out), ("stderr", err)])
            if put_back:
                sys.stdout.write(out)
                sys.stderr.write(err)

    def check_absent(self, what: str, texts: Iterable[tuple[str, object]]) -> None:
        for where, text in texts:
            if self.leaked(text):
                _fail(f"a secret value leaked into {where} of {what}")

    def check_error(self, exc: BaseException, what: str) -> None:
        """``exc`` shows no value; a SecretError's message is one line."""
        self.check_absent(what, _exception_texts(exc))
        if isinstance(exc, SecretError) and "\n" in str(exc):
            _fail(f"{what} raised {type(exc).__name__} with a message of several lines")

    @contextmanager
    def raises(
        self, expected: type[BaseException], what: str, names: str | None = None
    ) -> Iterator[None]:
        """The block raises ``expected`` (a subclass is fine), whose text shows no value
        and, given ``names``, says which secret it is about."""
        try:
            yield
        except expected as exc:
            self.check_error(exc, what)
            if names is not None and names not in str(exc):
                _fail(f"{what} raised {type(exc).__name__} not naming '{names}': {str(exc)!r}")
        except Exception as exc:
            self.check_error(exc, what)
            _fail(
                f"{what} raised {type(exc).__name__} ({self.shown(str(exc))}), "
                f"expected {expected.__name__}"
            )
        else:
            _fail(f"{what} raised nothing, expected {expected.__name__}")

    def check_record(self, record: object, value: str, what: str) -> SecretRecord:
        """``record`` is a SecretRecord holding exactly ``value``, not showing it."""
        if not isinstance(record, SecretRecord):
            _fail(f"{what} returned a {type(record).__name__}, not a SecretRecord")
        if not isinstance(record.value, str) or record.value != value:
            _fail(f"{what} returned another value: {_difference(value, record.value)}")
        self.check_absent(what, [("the repr of its record", repr(record))])
        return record


_WITHHELD = "[a log record holding a test value, withheld by jupyter_secrets.testing]"


def _text(record: logging.LogRecord, formatter: logging.Formatter) -> str:
    """All a record shows: its message, exception and stack, and its raw arguments."""
    try:
        text = formatter.format(record)
    except Exception:  # arguments that do not fit the message
        text = repr(record.msg)
    finally:
        record.exc_text = None  # format() caches it; screen() may withhold it later
    return f"{text} {record.args!r}"


def _new_tag() -> str:
    return secrets.token_hex(4)


def _ref(scope: str = "dev", *rest: str) -> SecretRef:
    """A fresh ref in ``scope``: ``dev/contract-1a2b3c4d[/rest...]``."""
    return SecretRef("/".join([scope, f"contract-{_new_tag()}", *rest]))


def _shaped(shape: str, scope: str, tag: str) -> SecretRef:
    path = PATH_SHAPES[shape].format(scope=scope, tag=tag)
    if shape == "longest":
        path += "x" * (MAX_REF_LENGTH - len(path))
    return parse_ref(path)  # the shapes are valid refs, whatever the scope


def _check_viability(verdict: object, what: str, fake: FakeSecrets) -> Viability:
    if not isinstance(verdict, Viability):
        _fail(f"{what} returned a {type(verdict).__name__}, not a Viability")
    if not isinstance(verdict.reason, str) or not verdict.reason.strip():
        _fail(f"{what} gave no reason")
    fake.check_absent(what, [("its reason", verdict.reason)])
    if "\n" in verdict.reason:
        _fail(f"{what}'s reason has several lines")
    return verdict


def _guarded(test: Callable[..., None]) -> Callable[..., None]:
    """Run a contract test; then, still in its call, check the output and warnings (the
    report of the call would show them) and hold back an exception showing a value."""

    @functools.wraps(test)
    def run(self: BackendContract, *args: Any, **kwargs: Any) -> None:
        fake = kwargs.get("fake")
        if not isinstance(fake, FakeSecrets):
            return test(self, *args, **kwargs)
        try:
            test(self, *args, **kwargs)
        except Exception as exc:
            if any(fake.leaked(text) for _, text in _exception_texts(exc)):
                _fail(f"{type(exc).__name__} escaped the test, its text holding a secret value")
            raise
        finally:
            fake.check_output()

    return run


def _guard_tests(cls: type[BackendContract]) -> type[BackendContract]:
    for name, test in list(vars(cls).items()):
        if name.startswith("test_") and callable(test):
            setattr(cls, name, _guarded(test))
    return cls


@_guard_tests
class BackendContract:
    """What every backend must do; subclass it in a backend's tests (module docstring)."""

    writable: ClassVar[bool] = True
    supports_delete: ClassVar[bool] = True
    supports_list: ClassVar[bool] = True
    supports_previous: ClassVar[bool] = False
    supports_numbered_versions: ClassVar[bool] = False
    supports_staging: ClassVar[bool] = False
    allows_empty_values: ClassVar[bool] = True
    value_kinds: ClassVar[tuple[str, ...]] = VALUE_KINDS
    large_value_length: ClassVar[int] = LARGE_VALUE_LENGTH

    # -- the hooks a subclass provides ---------------------------------

    @pytest.fixture
    def backend(self) -> Backend:
        _fail(
            f"{type(self).__name__} must define a `backend` fixture returning the backend "
            "to test, over a fresh store"
        )

    @pytest.fixture
    def seed(self, backend: Backend) -> Seed:
        if not self.writable:
            _fail(
                f"{type(self).__name__} tests a read-only backend: define a `seed` fixture "
                "returning seed(ref, value), which puts a value where the backend reads it"
            )

        def store(ref: SecretRef, value: str) -> None:
            backend.set(ref, value)

        return store

    @pytest.fixture
    def unavailable_backend(self) -> Backend:
        pytest.skip(
            f"{type(self).__name__} has no `unavailable_backend` fixture (a backend whose "
            "store cannot serve requests)"
        )

    def listed_path(self, path: str) -> str:
        """How ``list`` spells the stored ``path`` (override for lossy names)."""
        return path

    @pytest.fixture
    def fake(
        self,
        caplog: pytest.LogCaptureFixture,
        capfd: pytest.CaptureFixture[str],
        recwarn: pytest.WarningsRecorder,
    ) -> Iterator[FakeSecrets]:
        """Fake values for this test; afterwards, none may be in a log record (DEBUG and
        up, every logger), a warning, stdout or stderr. A record holding one is withheld
        as it is made, so pytest's report of the failure does not show it either."""
        caplog.set_level(logging.DEBUG)
        for name, logger in list(logging.root.manager.loggerDict.items()):
            if isinstance(logger, logging.Logger) and logger.level > logging.DEBUG:
                caplog.set_level(logging.DEBUG, logger=name)  # restored after the test
        fakes = FakeSecrets(self.large_value_length, output=capfd, warned=recwarn)
        make_record = logging.getLogRecordFactory()

        def screened(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = make_record(*args, **kwargs)
            fakes.screen(record)
            return record

        logging.setLogRecordFactory(screened)
        try:
            yield fakes
        finally:
            logging.setLogRecordFactory(make_record)
        fakes.check_output(put_back=False)  # the call's output is in its report already
        formatter = logging.Formatter()
        records = [*caplog.get_records("setup"), *caplog.get_records("call"), *caplog.records]
        for record in records:  # made otherwise (logging.makeLogRecord)
            fakes.check_absent(
                "the logs", [(f"a record of '{record.name}'", _text(record, formatter))]
            )

    # -- helpers -------------------------------------------------------

    @property
    def _deletes(self) -> bool:
        return self.writable and self.supports_delete

    def _needs(self, capable: bool, what: str) -> None:
        if not capable:
            pytest.skip(f"{type(self).__name__} declares that the backend {what}")

    def _listed(
        self, backend: Backend, fake: FakeSecrets, scope: str | None = None
    ) -> list[SecretInfo]:
        what = f"list({scope!r})" if scope is not None else "list()"
        infos = backend.list(scope) if scope is not None else backend.list()
        if not isinstance(infos, list):
            _fail(f"{what} returned a {type(infos).__name__}, not a list")
        for info in infos:
            if not isinstance(info, SecretInfo):
                _fail(f"{what} returned a {type(info).__name__}, not a SecretInfo")
            if info.backend != backend.name:
                _fail(f"{what} says '{info.path}' is in backend '{info.backend}'")
            try:
                parse_ref(info.path)
            except SecretError:
                _fail(f"{what} names {fake.shown(repr(info.path))}, which is not a valid ref")
        fake.check_absent(what, [("its SecretInfos", repr(infos))])
        paths = [info.path for info in infos]
        if len(paths) != len(set(paths)):
            _fail(f"{what} names a secret twice")
        return infos

    # -- what the backend is -------------------------------------------

    def test_declares_what_it_is(self, backend: Backend) -> None:
        if not isinstance(backend, Backend):
            _fail(f"the backend fixture returned a {type(backend).__name__}, not a Backend")
        if not isinstance(backend.name, str) or not backend.name:
            _fail(f"{type(backend).__name__} has no name (the entry-point name users write)")
        if backend.writable != self.writable:
            _fail(
                f"{type(self).__name__} declares writable={self.writable} but backend "
                f"'{backend.name}' says writable={backend.writable}"
            )
        keeps = self.writable and self.supports_previous
        if backend.keeps_versions != keeps:
            _fail(
                f"backend '{backend.name}' says keeps_versions={backend.keeps_versions}, but the "
                f"test class declares a store that {'keeps' if keeps else 'does not keep'} "
                "@previous after set (rotation relies on it to roll back)"
            )
        if backend.supports_staging != self.supports_staging:
            _fail(
                f"backend '{backend.name}' says supports_staging={backend.supports_staging}, "
                f"the test class declares {self.supports_staging}"
            )

    def test_viable_and_check_on_a_working_store(
        self, backend: Backend, seed: Seed, fake: FakeSecrets
    ) -> None:
        seed(_ref(), fake.new())
        for what, call in (("viable()", backend.viable), ("check()", backend.check)):
            verdict = _check_viability(call(), what, fake)
            if not verdict.ok:
                _fail(f"{what} says the store does not work: {verdict.reason}")

    # -- reading -------------------------------------------------------

    @pytest.mark.parametrize("kind", VALUE_KINDS)
    def test_get_returns_the_value_stored(
        self, backend: Backend, seed: Seed, fake: FakeSecrets, kind: str
    ) -> None:
        self._needs(kind in self.value_kinds, f"cannot hold {kind} values")
        ref, value = _ref(), fake.new(kind)
        seed(ref, value)
        fake.check_record(backend.get(ref), value, f"get({ref}) of a {kind} value")

    def test_empty_value(self, backend: Backend, seed: Seed, fake: FakeSecrets) -> None:
        ref = _ref()
        if self.allows_empty_values:
            seed(ref, "")
            fake.check_record(backend.get(ref), "", f"get({ref}) of an empty value")
            return
        try:
            seed(ref, "")
        except SecretError as exc:  # refused when stored
            fake.check_error(exc, f"storing an empty value in {ref}")
            return
        with fake.raises(SecretNotFoundError, f"get({ref}) of an empty value", names=ref.path):
            backend.get(ref)

    @pytest.mark.parametrize("shape", PATH_SHAPES)
    def test_refs_of_every_shape_in_every_scope(
        self, backend: Backend, seed: Seed, fake: FakeSecrets, shape: str
    ) -> None:
        tag = _new_tag()
        stored = {}
        for scope in ("dev", "stg", "prod"):
            ref = _shaped(shape, scope, tag)
            stored[ref] = value = fake.new()
            seed(ref, value)
        for ref, value in stored.items():
            fake.check_record(backend.get(ref), value, f"get({ref})")

    def test_same_name_in_two_scopes_is_two_secrets(
        self, backend: Backend, seed: Seed, fake: FakeSecrets
    ) -> None:
        name = f"contract-{_new_tag()}/db/password"
        dev, prod = SecretRef(f"dev/{name}"), SecretRef(f"prod/{name}")
        dev_value, prod_value = fake.new(), fake.new()
        seed(dev, dev_value)
        seed(prod, prod_value)
        fake.check_record(backend.get(dev), dev_value, f"get({dev})")
        fake.check_record(backend.get(prod), prod_value, f"get({prod})")

    def test_a_secret_it_does_not_hold_is_not_found(
        self, backend: Backend, seed: Seed, fake: FakeSecrets
    ) -> None:
        missing = _ref()
        with fake.raises(SecretNotFoundError, f"get({missing}) of a fresh store", missing.path):
            backend.get(missing)
        stored = _ref("dev", "db", "password")
        seed(stored, fake.new())
        neighbours = [
            f"{stored.path}-other",  # the name extended
            stored.path.rsplit("/", 1)[0],  # its parent
            f"{stored.path.rsplit('/', 1)[0]}/other",  # a sibling
            f"prod/{stored.name}",  # the same name in another scope
        ]
        for path in neighbours:
            with fake.raises(SecretNotFoundError, f"get({path}) beside {stored}", names=path):
                backend.get(SecretRef(path))

    def test_a_version_it_does_not_hold_is_not_found(
        self, backend: Backend, seed: Seed, fake: FakeSecrets
    ) -> None:
        ref = _ref()
        seed(ref, fake.new())  # one version only
        versions = ["previous", "999999999"]
        if not self.supports_numbered_versions:
            versions.append("1")
        for version in versions:
            versioned = SecretRef(ref.path, version=version)
            with fake.raises(SecretNotFoundError, f"get({versioned})", names=ref.path):
                backend.get(versioned)

    # -- writing -------------------------------------------------------

    def test_set_replaces_the_current_value(self, backend: Backend, fake: FakeSecrets) -> None:
        self._needs(self.writable, "is read-only")
        ref, first, second = _ref(), fake.new(), fake.new()
        ids = [backend.set(ref, first), backend.set(ref, second)]
        current = fake.check_record(backend.get(ref), second, f"get({ref}) after two sets")
        if not self.supports_numbered_versions:
            if ids != [None, None]:
                _fail(
                    "set() returned version ids, but the test class declares "
                    "supports_numbered_versions=False"
                )
            return
        if not all(isinstance(i, str) for i in ids) or ids[0] == ids[1]:
            _fail(f"set() returned {ids!r}: expected a new version id (a str) from each set")
        if current.version != ids[1]:
            _fail(f"get({ref}) says version {current.version!r}, set() returned {ids[1]!r}")

    def test_previous_version(self, backend: Backend, fake: FakeSecrets) -> None:
        self._needs(self.writable, "is read-only")
        ref, previous = _ref(), None
        values = [fake.new(), fake.new(), fake.new()]
        for value in values:
            backend.set(ref, value)
            at_previous = SecretRef(ref.path, version="previous")
            if previous is None or not self.supports_previous:
                with fake.raises(SecretNotFoundError, f"get({at_previous})", names=ref.path):
                    backend.get(at_previous)
            else:
                fake.check_record(backend.get(at_previous), previous, f"get({at_previous})")
            previous = value
        fake.check_record(backend.get(ref), values[-1], f"get({ref})")

    def test_numbered_versions(self, backend: Backend, fake: FakeSecrets) -> None:
        self._needs(self.writable and self.supports_numbered_versions, "numbers no versions")
        ref = _ref()
        stored = {}
        for _ in range(3):
            value = fake.new()
            version = backend.set(ref, value)
            if not isinstance(version, str):
                _fail(f"set({ref}) returned {version!r}, not a version id")
            try:  # users write it after '@'
                written = parse_ref(f"{ref.path}@{version}").version
            except SecretError:
                written = None
            if written != version:
                _fail(f"set({ref}) returned version id {version!r}, which no ref can name")
            stored[version] = value
        if len(stored) != 3:
            _fail(f"three sets of {ref} returned {sorted(stored)!r}: a version id repeats")
        for version, value in stored.items():
            versioned = SecretRef(ref.path, version=version)
            record = fake.check_record(backend.get(versioned), value, f"get({versioned})")
            if record.version != version:
                _fail(f"get({versioned}) says version {record.version!r}")

    # -- staging (rotation) ----------------------------------------------

    def _staged(self, backend: Backend, fake: FakeSecrets) -> tuple[SecretRef, str, str, str]:
        self._needs(self.writable and self.supports_staging, "cannot stage versions")
        ref, old, new = _ref(), fake.new(), fake.new()
        backend.set(ref, old)
        version = backend.stage(ref, new)
        if not isinstance(version, str) or not version:
            _fail(f"stage({ref}) returned {version!r}, not a version id")
        if parse_ref(f"{ref.path}@{version}").version != version:
            _fail(f"stage({ref}) returned version id {version!r}, which no ref can name")
        return ref, old, new, version

    def test_stage_leaves_the_current_version_alone(
        self, backend: Backend, fake: FakeSecrets
    ) -> None:
        ref, old, new, version = self._staged(backend, fake)
        fake.check_record(backend.get(ref), old, f"get({ref}) after stage")
        staged = SecretRef(ref.path, version=version)
        fake.check_record(backend.get(staged), new, f"get({staged}) of the staged version")
        if self.supports_previous:
            at_previous = SecretRef(ref.path, version="previous")
            with fake.raises(SecretNotFoundError, f"get({at_previous}) after stage", ref.path):
                backend.get(at_previous)

    def test_promote_makes_the_staged_version_current(
        self, backend: Backend, fake: FakeSecrets
    ) -> None:
        ref, old, new, version = self._staged(backend, fake)
        backend.promote(ref, version)
        current = fake.check_record(backend.get(ref), new, f"get({ref}) after promote")
        if current.version != version:
            _fail(f"get({ref}) after promote says version {current.version!r}, not {version!r}")
        at_previous = SecretRef(ref.path, version="previous")
        fake.check_record(backend.get(at_previous), old, f"get({at_previous}) after promote")

    def test_discard_keeps_the_current_version(self, backend: Backend, fake: FakeSecrets) -> None:
        ref, old, _new, version = self._staged(backend, fake)
        backend.discard(ref, version)
        fake.check_record(backend.get(ref), old, f"get({ref}) after discard")
        if self.supports_previous:
            at_previous = SecretRef(ref.path, version="previous")
            with fake.raises(SecretNotFoundError, f"get({at_previous}) after discard", ref.path):
                backend.get(at_previous)
        again = fake.new()  # a second attempt stages afresh
        second = backend.stage(ref, again)
        backend.promote(ref, second)
        fake.check_record(backend.get(ref), again, f"get({ref}) after a second stage")

    # -- deleting ------------------------------------------------------

    def test_delete_removes_the_secret_and_its_versions(
        self, backend: Backend, fake: FakeSecrets
    ) -> None:
        self._needs(self._deletes, "cannot delete")
        ref = _ref()
        ids = [backend.set(ref, fake.new()), backend.set(ref, fake.new())]
        backend.delete(ref)
        versions = [None, "previous", *(i for i in ids if i is not None)]
        for version in versions:
            versioned = SecretRef(ref.path, version=version)
            with fake.raises(SecretNotFoundError, f"get({versioned}) after delete", ref.path):
                backend.get(versioned)
        if self.supports_list and any(
            i.path == self.listed_path(ref.path) for i in self._listed(backend, fake)
        ):
            _fail(f"list() still names {ref} after delete({ref})")
        with fake.raises(SecretNotFoundError, f"a second delete({ref})", names=ref.path):
            backend.delete(ref)

    def test_delete_of_a_secret_it_does_not_hold_is_not_found(
        self, backend: Backend, fake: FakeSecrets
    ) -> None:
        self._needs(self._deletes, "cannot delete")
        missing = _ref()
        with fake.raises(SecretNotFoundError, f"delete({missing}) of a fresh store", missing.path):
            backend.delete(missing)
        backend.set(_ref(), fake.new())
        with fake.raises(SecretNotFoundError, f"delete({missing})", names=missing.path):
            backend.delete(missing)

    def test_delete_leaves_other_secrets_alone(self, backend: Backend, fake: FakeSecrets) -> None:
        self._needs(self._deletes, "cannot delete")
        doomed = _ref("dev", "db", "password")
        others = [
            SecretRef(f"prod/{doomed.name}"),
            SecretRef(f"{doomed.path}-2"),
            SecretRef(doomed.path.rsplit("/", 1)[0] + "/user"),
        ]
        kept = {ref: fake.new() for ref in others}
        backend.set(doomed, fake.new())
        for ref, value in kept.items():
            backend.set(ref, value)
        backend.delete(doomed)
        for ref, value in kept.items():
            fake.check_record(backend.get(ref), value, f"get({ref}) after delete({doomed})")

    def test_set_after_delete_starts_a_new_history(
        self, backend: Backend, fake: FakeSecrets
    ) -> None:
        self._needs(self._deletes, "cannot delete")
        ref, old, new = _ref(), [fake.new(), fake.new()], fake.new()
        ids = [backend.set(ref, value) for value in old]
        backend.delete(ref)
        backend.set(ref, new)
        fake.check_record(backend.get(ref), new, f"get({ref}) after delete and set")
        for version in ["previous", *(i for i in ids if i is not None)]:
            versioned = SecretRef(ref.path, version=version)
            try:
                record = backend.get(versioned)
            except SecretNotFoundError as exc:
                fake.check_error(exc, f"get({versioned})")
                continue
            if record.value in old:
                _fail(f"get({versioned}) returned a value deleted before the last set")

    # -- what it cannot do ---------------------------------------------

    def test_refuses_what_it_cannot_do(
        self, backend: Backend, seed: Seed, fake: FakeSecrets
    ) -> None:
        self._needs(not self._deletes, "can write and delete")
        ref, value = _ref(), fake.new()
        seed(ref, value)
        if not self.writable:
            with fake.raises(BackendReadOnlyError, f"set({ref}) on a read-only backend"):
                backend.set(ref, fake.new())
        with fake.raises(BackendReadOnlyError, f"delete({ref}) on a backend that cannot"):
            backend.delete(ref)
        fake.check_record(backend.get(ref), value, f"get({ref}) after refused writes")

    # -- listing -------------------------------------------------------

    def test_list_names_what_it_holds(
        self, backend: Backend, seed: Seed, fake: FakeSecrets
    ) -> None:
        self._needs(self.supports_list, "cannot list")
        stored = {_ref("dev"): fake.new(), _ref("dev", "db", "password"): fake.new()}
        stored[_ref("prod", "api.key")] = fake.new()
        for ref, value in stored.items():
            seed(ref, value)
        listed = {info.path for info in self._listed(backend, fake)}
        for ref, value in stored.items():
            path = self.listed_path(ref.path)
            if path not in listed:
                _fail(f"list() does not name {path} (stored as {ref})")
            fake.check_record(backend.get(SecretRef(path)), value, f"get({path}) as listed")

    def test_list_filters_by_scope(self, backend: Backend, seed: Seed, fake: FakeSecrets) -> None:
        self._needs(self.supports_list, "cannot list")
        name = f"contract-{_new_tag()}/key"
        for scope in ("dev", "prod"):
            seed(SecretRef(f"{scope}/{name}"), fake.new())
        for scope in ("dev", "prod", "stg"):
            infos = self._listed(backend, fake, scope)
            strays = sorted(i.path for i in infos if parse_ref(i.path).scope != scope)
            if strays:
                _fail(f"list({scope!r}) names secrets of other scopes: {strays[:5]}")
            ours = self.listed_path(f"{scope}/{name}")
            if scope != "stg" and ours not in {i.path for i in infos}:
                _fail(f"list({scope!r}) does not name {ours}")

    # -- a store that cannot serve -------------------------------------

    def test_unavailable_store_raises_unavailable(
        self, unavailable_backend: Backend, fake: FakeSecrets
    ) -> None:
        backend, ref, value = unavailable_backend, _ref(), fake.new()
        with fake.raises(BackendUnavailableError, f"get({ref}) on an unavailable store"):
            backend.get(ref)
        if self.supports_list:
            with fake.raises(BackendUnavailableError, "list() on an unavailable store"):
                backend.list()
        if self.writable:
            with fake.raises(BackendUnavailableError, f"set({ref}) on an unavailable store"):
                backend.set(ref, value)
        if self._deletes:
            with fake.raises(BackendUnavailableError, f"delete({ref}) on an unavailable store"):
                backend.delete(ref)

    def test_unavailable_store_is_reported_by_check(
        self, unavailable_backend: Backend, fake: FakeSecrets
    ) -> None:
        verdicts = {}
        for what in ("viable", "check"):
            try:
                verdict = getattr(unavailable_backend, what)()
            except Exception as exc:
                fake.check_error(exc, f"{what}()")
                _fail(f"{what}() raised {type(exc).__name__} on an unavailable store")
            verdicts[what] = _check_viability(verdict, f"{what}() on an unavailable store", fake)
        if verdicts["check"].ok:
            _fail(f"check() says an unavailable store works: {verdicts['check'].reason}")

    # -- leaks ---------------------------------------------------------

    def test_no_value_in_logs_or_output_at_debug(
        self, backend: Backend, seed: Seed, fake: FakeSecrets, caplog: pytest.LogCaptureFixture
    ) -> None:
        """Every operation, the failing ones too, at DEBUG: the ``fake`` guard then reads
        every log record, warning and line of output for the values."""
        probe = logging.getLogger("jupyter_secrets.testing.probe")
        probe.debug("the leak guard sees DEBUG records")
        if not any(r.name == probe.name for r in caplog.records):
            _fail("DEBUG records do not reach the leak guard (a logging setup drops them?)")
        ref, value = _ref(), fake.new("punctuation")
        seed(ref, value)
        backend.get(ref)
        backend.viable()
        backend.check()
        if self.supports_list:
            backend.list()
            backend.list(ref.scope)
        failing: list[tuple[str, Callable[[], object]]] = [
            ("get @previous", lambda: backend.get(SecretRef(ref.path, version="previous"))),
            ("get @999999999", lambda: backend.get(SecretRef(ref.path, version="999999999"))),
            ("get of a sibling", lambda: backend.get(SecretRef(ref.path + "-x"))),
        ]
        if not self.writable:
            failing.append(("set", lambda: backend.set(ref, fake.new())))
        if not self._deletes:
            failing.append(("delete", lambda: backend.delete(ref)))
        for what, call in failing:
            try:
                call()
            except SecretError as exc:
                fake.check_error(exc, what)
        if self.writable:
            backend.set(ref, fake.new("unicode"))
            backend.get(SecretRef(ref.path, version="previous") if self.supports_previous else ref)
        if self._deletes:
            backend.delete(ref)
