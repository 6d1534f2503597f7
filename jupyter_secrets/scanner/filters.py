"""What looks like a secret but is not: placeholders, references, masks, examples.

``is_false_positive(value, generic)`` is applied to every candidate except
known values. Vendor formats (``generic=False``) only get the checks that
make sense for a fixed-shape token (examples, masks, repeated characters);
generic rules (passwords, URIs, connection strings) get all of them.
"""

from __future__ import annotations

import re

from ..refs import is_ref

#: Vendors' documented example keys (and the shape they share).
EXAMPLE_VALUES = frozenset(
    {
        "AKIAIOSFODNN7EXAMPLE",  # pragma: allowlist secret
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "AKIAI44QH8DHBEXAMPLE",  # pragma: allowlist secret
        "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
    }
)
_EXAMPLE_SUFFIX_RE = re.compile(r"(?i)(?:example|examplekey|sample|dummy|fake|test)$")

PLACEHOLDER_WORDS = frozenset(
    {
        "password",
        "passwd",
        "pass",
        "pwd",
        "secret",
        "token",
        "apikey",
        "api_key",
        "changeme",
        "change_me",
        "changeit",
        "placeholder",
        "example",
        "dummy",
        "sample",
        "redacted",
        "hidden",
        "masked",
        "none",
        "null",
        "nil",
        "undefined",
        "true",
        "false",
        "yourpassword",
        "your_password",
        "mypassword",
        "my_password",
        "password123",
        "secretpassword",
        "supersecret",
        "notasecret",
        "not_a_secret",
        "test",
        "testing",
        "required",
        "optional",
        "default",
        "string",
        "value",
        "empty",
        "todo",
        "fixme",
        "username",
        "user",
        "admin",
        "root",
        "foo",
        "bar",
        "foobar",
        "baz",
        "abc",
        "xyz",
        "pa$$word",
        "p@ssword",
        "p@ssw0rd",
        "passw0rd",
        "secret123",
        "mysecret",
        "s3cret",
        "<password>",
        "your-password",
        "your_api_key",
        "your-api-key",
        "yourapikey",
        "your_token",
        "your-token",
        "xxxxxxxx",
        "replace_me",
        "replaceme",
        "insert_here",
    }
)

# One alternation, one search per value (these run on every generic candidate).
_PLACEHOLDER_RE = re.compile(
    "|".join(
        f"(?:{part})"
        for part in (
            r"^<[^<>]*>$|^&lt;.*&gt;$",  # <password>, HTML-escaped too
            r"\$\{[^}]*\}|\$\([^)]*\)|^\$[A-Za-z_]\w*$|^%[A-Za-z_]\w*%$",  # ${VAR} $VAR %VAR%
            r"\{\{.*\}\}|\{%.*%\}",  # {{ secrets.X }}, jinja
            r"\{[A-Za-z_][\w.]*\}|%\(\w+\)[sdifr]|^%s$",  # {password} %(pw)s
            r"(?i:^(?:some|my|your|the|a|new|old|user|db|example|sample|test|dummy|fake)[_\-]?"
            r"(?:password|passwd|pass|secret|token|key|api_?key)\d*$)",
            r"(?i:^(?:your|my|the|enter|insert|replace|put|add)[_\- ]?.*"
            r"(?:here|key|token|secret|password|pass|pwd))",
            r"(?i:_here|-here|placeholder|changeme|redacted|xxxxx|<secret>)",
            r"^(?P<repeated>.)(?P=repeated)+$",  # aaaa, ****, xxxx, 0000
            r"(?i:^(?:x+|\*+|\.+|#+|-+|_+|•+|0+|1234\d*|abc\d*|12345678\d*)$)",
        )
    )
)
_MASK_RE = re.compile(r"(?i)\.\.\.|…|\[redacted[^\]]*\]|\*{3,}|•{3,}|<redacted|\[hidden\]|\*\*\*")
_REFERENCE_RE = re.compile(
    r"(?i)^(?:secret://|%secret\b|vault:|arn:aws:secretsmanager|projects/[^/]+/secrets/|"
    r"op://|keyvault:|ssm:|env:|os\.environ|os\.getenv|getpass|keyring\.|dbutils\.secrets|"
    r"userdata\.get|secrets?\.get|get_secret|\$)"
)
_UUID_RE = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)
_HASH_RE = re.compile(r"^(?:[0-9a-f]{32}|[0-9a-f]{40}|[0-9a-f]{64}|[0-9a-f]{128})$")
_ENV_NAME_RE = re.compile(r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$")
_PATH_RE = re.compile(
    r"^(?:~?/|\./|\.\./|[A-Za-z]:\\)|\.(?:json|pem|key|txt|env|ya?ml|cfg|ini|p12|crt)$"
)


def is_example(value: str) -> bool:
    # The suffix pattern is anchored at the end: search only the tail (PEM blocks are long).
    return value in EXAMPLE_VALUES or _EXAMPLE_SUFFIX_RE.search(value[-16:]) is not None


_MASK_MARKS = ("...", "…", "***", "•••")


def is_masked(value: str) -> bool:
    if any(mark in value for mark in _MASK_MARKS):
        return True
    lower = value.lower()
    if "redacted" not in lower and "[hidden]" not in lower:
        return False  # plain substring tests first: a regex search over a PEM block is slow
    return _MASK_RE.search(value) is not None


def is_placeholder(value: str) -> bool:
    if value.lower() in PLACEHOLDER_WORDS:
        return True
    return _PLACEHOLDER_RE.search(value) is not None


def is_reference(value: str) -> bool:
    """A pointer to a secret (ref, env var, vault path), not the secret."""
    if _REFERENCE_RE.search(value):
        return True
    # A bare secret ref like prod/db/password.
    return "/" in value and value.count("/") <= 6 and is_ref(value)


def is_hash_or_id(value: str) -> bool:
    return _UUID_RE.match(value) is not None or _HASH_RE.match(value) is not None


_RUN_RE = re.compile(r"(.)\1{7,}")


def is_false_positive(value: str, generic: bool) -> bool:
    if is_example(value) or is_masked(value):
        return True
    # Eight identical characters in a row do not happen in random tokens
    # (glpat-xxxxxxxxxxxxxxxxxxxx); long PEM bodies may have them legitimately.
    if len(value) < 200 and _RUN_RE.search(value):
        return True
    if not generic:
        return False
    return (
        is_placeholder(value)
        or is_reference(value)
        or is_hash_or_id(value)
        or _ENV_NAME_RE.match(value) is not None
        or _PATH_RE.search(value) is not None
    )
