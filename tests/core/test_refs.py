import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jupyter_secrets.errors import InvalidRefError, ScopeDeniedError
from jupyter_secrets.refs import SecretRef, is_ref, parse_ref

SEGMENT_FIRST = string.ascii_letters + string.digits + "_"
SEGMENT_REST = SEGMENT_FIRST + ".-"
segments = st.builds(
    lambda a, b: a + b,
    st.sampled_from(SEGMENT_FIRST),
    st.text(alphabet=SEGMENT_REST, max_size=12),
)
versions = st.one_of(st.none(), st.integers(1, 10**6).map(str), st.just("previous"))
fields = st.one_of(st.none(), segments)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("prod/db/password", SecretRef("prod/db/password")),
        ("secret://prod/db/password", SecretRef("prod/db/password")),
        ("  dev/x  ", SecretRef("dev/x")),
        ("prod/db/password@3", SecretRef("prod/db/password", "3")),
        ("prod/db/password@previous", SecretRef("prod/db/password", "previous")),
        ("prod/db/password@latest", SecretRef("prod/db/password")),
        ("prod/db#password", SecretRef("prod/db", None, "password")),
        ("secret://stg/api/key@2#token", SecretRef("stg/api/key", "2", "token")),
    ],
)
def test_parse_valid(text: str, expected: SecretRef) -> None:
    assert parse_ref(text) == expected


def test_parts() -> None:
    ref = parse_ref("secret://prod/warehouse/etl@previous#password")
    assert (ref.scope, ref.name) == ("prod", "warehouse/etl")
    assert str(ref) == "prod/warehouse/etl@previous#password"
    assert ref.uri == "secret://prod/warehouse/etl@previous#password"
    assert ref.base == SecretRef("prod/warehouse/etl")


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("", "empty secret ref"),
        ("password", "needs a scope and a name"),
        ("prod//x", "empty path segment"),
        ("prod/db pass", "may only use letters"),
        ("prod/db/password@0", "a version is a positive number"),
        ("prod/db/password@newest", "a version is a positive number"),
        ("/prod/db", "empty path segment"),
        ("prod/../etc", "may only use letters"),
    ],
)
def test_parse_invalid_message(text: str, why: str) -> None:
    with pytest.raises(InvalidRefError) as info:
        parse_ref(text)
    message = str(info.value)
    assert why in message
    assert "a valid ref looks like 'prod/db/password'" in message
    assert "\n" not in message


def test_non_string_ref() -> None:
    with pytest.raises(InvalidRefError, match="must be a string, not int"):
        parse_ref(42)


def test_long_unparseable_input_is_not_echoed_whole() -> None:
    pasted = "x" * 30 + "!" + "y" * 30  # looks like someone pasted a value
    with pytest.raises(InvalidRefError) as info:
        parse_ref(pasted)
    assert "y" * 30 not in str(info.value)


def test_scope_check() -> None:
    assert parse_ref("dev/a", allowed_scopes=["dev"]).scope == "dev"
    with pytest.raises(ScopeDeniedError) as info:
        parse_ref("qa/a", allowed_scopes=["dev", "prod"])
    assert str(info.value) == (
        "scope 'qa' of 'qa/a' is not allowed here; use one of dev, prod "
        "or add it to SecretsConfig.allowed_scopes"
    )


@given(st.lists(segments, min_size=2, max_size=5), versions, fields)
def test_roundtrip(path_segments: list[str], version: str | None, field: str | None) -> None:
    ref = SecretRef("/".join(path_segments), version, field)
    assert parse_ref(str(ref)) == ref
    assert parse_ref(ref.uri) == ref


@given(st.text(max_size=80))
def test_arbitrary_text_parses_or_fails_cleanly(text: str) -> None:
    try:
        ref = parse_ref(text)
    except InvalidRefError as exc:
        assert "\n" not in str(exc)
        assert not is_ref(text)
    else:
        assert is_ref(text)
        assert parse_ref(str(ref)) == ref
