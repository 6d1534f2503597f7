"""What looks like a secret but is not: placeholders, references, masks, samples.

``is_false_positive(value, generic)`` is applied to every candidate except
known values. Vendor formats (``generic=False``) only get the checks that
make sense for a fixed-shape token; generic rules (passwords, URIs,
connection strings) get all of them. The classes, each general:

* **documentation samples** (:data:`DOCS_SAMPLES`): values that vendors' and
  standards' documentation publish (AWS's example key pair, jwt.io's token,
  Stripe's docs keys, RFC 6749/6750 tokens...), matched exactly or, for the
  longer ones, by their distinctive body inside a value (another prefix,
  another signature, another header);
* **a vendor prefix and a placeholder** (``AKIA<...>``, ``sk-xxxx``,
  ``sk-proj-YOUR_KEY_HERE``, ``hf_****``): the body after a known vendor
  prefix is checked as a placeholder;
* **values that say they are fake** (``somefakekey``, ``dummy_token_123``,
  ``notarealkey``, ``test1234``): anywhere in a generic value, at the start
  or end of a vendor token's body;
* **symbols only** (``!@#$%^&*``, ``----``, ``<>``): no letter or digit;
* placeholders, references, masks, hashes and ids, environment variable
  names and paths, as before.

What is weak but may be real (``postgres:postgres@localhost``, short
passwords) is not dropped here: :mod:`.confidence` grades it ``possible``.
"""

from __future__ import annotations

import itertools
import re

import ahocorasick

from ..refs import is_ref

#: Sample values that vendors' and standards' documentation publish: whoever pastes
#: one has pasted the docs, not a credential. Entries of ``SAMPLE_BODY_LENGTH``
#: characters or more also match inside a value (the same body behind another
#: prefix, signature or header); shorter ones match only the whole value.
DOCS_SAMPLES = frozenset(
    {
        # AWS IAM user guide: the example access key pairs.
        "AKIAIOSFODNN7EXAMPLE",  # pragma: allowlist secret
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",  # pragma: allowlist secret
        "AKIAI44QH8DHBEXAMPLE",  # pragma: allowlist secret
        "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",  # pragma: allowlist secret
        # jwt.io's sample token: its claims (John Doe, iat 1516239022, with and without
        # "admin": true) and its HS256 signatures, under any header.
        "eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ",  # pragma: allowlist secret
        "eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiYWRtaW4iOnRydWUsImlhdCI6MTUxNjIzOTAyMn0",  # pragma: allowlist secret
        "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",  # pragma: allowlist secret
        "KMUFsIDTnFmyG3nMiGM6H9FNFUROf3wh7SmqJp-QV30",  # pragma: allowlist secret
        # RFC 7515 A.1 / RFC 7519 3.1: the example JWS claims and signature (the same
        # string is RFC 7636 Appendix B's PKCE code_verifier).
        "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ",  # pragma: allowlist secret
        "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",  # pragma: allowlist secret
        # Stripe API reference: the documented test-mode keys.
        "sk_test_4eC39HqLyjWDarjtT1zdp7dc",  # pragma: allowlist secret
        "pk_test_TYooMQauvdEDq54NiTphI7jx",  # pragma: allowlist secret
        "sk_test_BQokikJOvBiI2HlWgH4olfQ2",  # pragma: allowlist secret
        "pk_test_6pRNASCoBOKtIshFeQd4XMUh",  # pragma: allowlist secret
        # GitHub REST API docs: the example token body (ghp_/ghs_/gho_... 16C7e42F...).
        "16C7e42F292c6912E7710c838347Ae178B4a",  # pragma: allowlist secret
        # Slack OAuth docs: the example bot token of oauth.v2.access.
        "xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy",  # pragma: allowlist secret
        # RFC 6749 (OAuth 2.0): access, refresh and code examples, the client secret of
        # 2.3.1 and the client credentials s6BhdRkqt3:gX1fBat3bV (and their Basic form).
        "2YotnFZFEjr1zCsicMWpAA",  # pragma: allowlist secret
        "tGzv3JOkF0XG5Qx2TlKWIA",  # pragma: allowlist secret
        "SplxlOBeZQQYbYS6WxSbIA",  # pragma: allowlist secret
        "7Fjfp0ZBr1KtDRbnfVdmIw",  # pragma: allowlist secret
        "gX1fBat3bV",  # pragma: allowlist secret
        "czZCaGRSa3F0MzpnWDFmQmF0M2JW",  # pragma: allowlist secret
        # RFC 6750 (bearer tokens): the example token.
        "mF_9.B5f-4.1JqM",  # pragma: allowlist secret
        # RFC 7617 (Basic auth): Aladdin:open sesame.
        "QWxhZGRpbjpvcGVuIHNlc2FtZQ==",  # pragma: allowlist secret
        # Twilio docs (error 21470): the example Account SID.
        "AC44CE4123947237834573457345347567",  # pragma: allowlist secret
        # Firebase docs: the example Web API key's body (AIzaSyDOCAbC123dEf456GhI789jKl012-MnO,
        # also shown as ...jKl01-MnO).
        "SyDOCAbC123dEf456GhI789jKl01",  # pragma: allowlist secret
        # Discord developer docs (reference#authentication): the example bot token.
        "MTk4NjIyNDgzNDcxOTI1MjQ4.Cl2FMQ.ZnCjm1XVW7vRze4b7Cq4se7kKWs",  # pragma: allowlist secret
        # Telegram bot docs: the example tokens (BotFather, and the Bot API's URL example).
        "110201543:AAHdqTcvCH1vGWJxfSe1ofSAs0K5PALDsaw",  # pragma: allowlist secret
        "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11",  # pragma: allowlist secret
    }
)
SAMPLE_BODY_LENGTH = 16
# One pass for the long entries (a PEM block is long: bounded, see is_docs_sample).
_SAMPLE_BODIES = ahocorasick.Automaton()
for _sample in DOCS_SAMPLES:
    if len(_sample) >= SAMPLE_BODY_LENGTH:
        _SAMPLE_BODIES.add_word(_sample, len(_sample))
_SAMPLE_BODIES.make_automaton()
_MAX_SAMPLE_SEARCH = 4096
_EXAMPLE_SUFFIX_RE = re.compile(r"(?i)(?:example|examplekey|sample|dummy|fake|test)$")

#: Vendor prefixes: what follows one is the token's body (``sk-`` + ``YOUR_KEY_HERE``).
_VENDOR_PREFIX_RE = re.compile(
    r"(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9]"
    r"|sk-ant-(?:api|admin|oat|sid)\d\d-|sk-(?:proj|svcacct|admin|None)-|sk-"
    r"|gh[pousr]_|github_pat_|gl(?:pat|dt|rt|ptt|ft|soat|oas|cbt|imt|agent)-"
    r"|hf_|api_org_|dapi|npm_|pypi-|SG\.|xox[abposre]-|xapp-"
    r"|(?:sk|pk|rk)_(?:live|test)_|whsec_|AIza|sq0(?:csp|atp)-|shp(?:at|ss|ca|pa)_)"
)
#: A token's body that starts or ends by saying it is fake.
_FAKE_EDGE_RE = re.compile(
    r"(?i)^(?:fake|dummy|example|sample|test|notreal|not_?a_?real|placeholder)"
    r"|(?:fake|dummy|example|sample|test|placeholder)$"
)
#: Words that mark a whole generic value as made up, wherever they stand in it.
_FAKE_WORD_RE = re.compile(r"(?i)fake|dummy|example|sample|not[_\-]?a?[_\-]?real")
#: "not a secret", "this-is-not-a-password", "NotAValidKey": "not" starting a word
#: (not the "not" of "another"), then what the value denies being.
_DENIES_RE = re.compile(
    r"(?:(?<![A-Za-z])[Nn]|(?<=[a-z])N)"
    r"(?i:ot[_\- ]?(?:an?[_\- ]?)?(?:real|actual|valid|secret|password|key|token))"
)
_TEST_RE = re.compile(r"(?i)test")

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
            r"^(?:<[^<>]*>)+$|^&lt;.*&gt;$",  # <password>, <s0><s1>, HTML-escaped too
            # ${VAR} ${VAR:-x} ${env:VAR} $(cmd) $VAR %VAR%; not "${e]..." in a random value.
            r"\$\{\s*[A-Za-z_][\w.:\-]*\s*(?:[-=?+][^}]*)?\}|\$\([^)]*\)"
            r"|^\$[A-Za-z_]\w*$|^%[A-Za-z_]\w*%$",
            r"\{\{[^{}]*\}\}|\{%[^{}]*%\}",  # {{ secrets.X }}, jinja; not "{{h}o)..."
            # {password} {cfg.pw} {rows[0]} {pw!r} {rate:.2f} (str.format, f-strings) %(pw)s
            r"(?<!\{)\{[A-Za-z_][\w.]*(?:\[[^\]{}]*\])*(?:![rsa])?(?::[^{}]*)?\}(?!\})"
            r"|%\(\w+\)[sdifr]|^%s$",
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


def is_docs_sample(value: str) -> bool:
    """A value that documentation publishes (:data:`DOCS_SAMPLES`), or holds one's body."""
    if value in DOCS_SAMPLES:
        return True
    if not SAMPLE_BODY_LENGTH <= len(value) <= _MAX_SAMPLE_SEARCH:
        return False
    return next(_SAMPLE_BODIES.iter(value), None) is not None


def is_example(value: str) -> bool:
    # The suffix pattern is anchored at the end: search only the tail (PEM blocks are long).
    return is_docs_sample(value) or _EXAMPLE_SUFFIX_RE.search(value[-16:]) is not None


def vendor_body(value: str) -> str | None:
    """What follows a known vendor prefix (``sk-proj-``, ``AKIA``, ``ghp_``...), else None."""
    match = _VENDOR_PREFIX_RE.match(value)
    return value[match.end() :] if match is not None else None


def is_symbols(value: str) -> bool:
    """No letter or digit at all: ``!@#$%^&*``, ``----``, ``<>``."""
    return not any(ch.isalnum() for ch in value)


def says_fake(value: str) -> bool:
    """The value calls itself made up: fake, dummy, example, sample, not a real (or
    not a secret, key, token...), or
    "test" as a word of it (``test1234``, ``my_test_pw``, ``TestKey``; not ``latest``)."""
    if _FAKE_WORD_RE.search(value) or _DENIES_RE.search(value):
        return True
    for match in _TEST_RE.finditer(value):
        start, end = match.span()
        if _word_edge(value, start - 1, start) and _word_edge(value, end - 1, end):
            return True
    return False


def _word_edge(value: str, left: int, right: int) -> bool:
    """True when a word boundary lies between value[left] and value[right]: either end of
    the value, a non-letter on one side, or a camelCase step (``myTest``, ``TestKey``)."""
    if left < 0 or right >= len(value):
        return True
    a, b = value[left], value[right]
    if not (a.isalpha() and b.isalpha()):
        return True
    return a.islower() and b.isupper()


def is_placeholder_body(body: str) -> bool:
    """A token's body (after its vendor prefix) that is a placeholder, not random:
    nothing, a mask, symbols, a template, ``YOUR_KEY_HERE``, or fake at either end."""
    return (
        not body
        or is_masked(body)
        or is_symbols(body)
        or is_placeholder(body)
        or _FAKE_EDGE_RE.search(body) is not None
    )


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
    # A bare secret ref like prod/db/password; a base64 secret with a slash in it
    # (AWS secret keys often have one) parses as a ref too, but its parts are no names.
    return "/" in value and value.count("/") <= 6 and is_ref(value) and not _random_text(value)


def _random_text(text: str) -> bool:
    """Text nobody would name a secret or a file by: switching between upper case,
    lower case and digits every few characters (``caO8E5dQs/IOYMsrsRa1RM``), unlike
    names (``svc_etl2024``, ``API_KEY``, ``team/ProjectAlpha2024/key``)."""
    classes = [c.isupper() - c.isdigit() for c in text if c.isalnum()]
    if len(classes) < 12:
        return False
    switches = sum(1 for a, b in itertools.pairwise(classes) if a != b)
    return switches >= max(8, len(classes) // 3)


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
    body = vendor_body(value)
    if body is not None and is_placeholder_body(body):
        return True  # sk-proj-YOUR_KEY_HERE, AKIA<...>, hf_****
    if not generic:
        return False
    return (
        is_symbols(value)
        # A vendor token found by a generic rule says fake at its body's edges only:
        # the "test" of sk_test_ is the vendor's, not a marker.
        or (body is None and says_fake(value))
        or is_placeholder(value)
        or is_reference(value)
        or is_hash_or_id(value)
        or _ENV_NAME_RE.match(value) is not None
        or _is_path(value)
    )


def _is_path(value: str) -> bool:
    """A file path (``/run/secrets/pw``, ``./creds.json``), not a base64 secret that
    happens to start with a slash (1 in 64 AWS secret keys does)."""
    if _PATH_RE.search(value) is None:
        return False
    return not _random_text(value)
