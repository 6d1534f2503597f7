"""How sure a finding is: ``verified``, ``likely`` or ``possible``.

* ``verified``: a checksum or the structure proves the format (a GitHub or npm
  token whose CRC32 verifies, a PEM private key whose body parses, a JWT whose
  header decodes to a JSON object with ``alg``, a GCP service-account key file),
  or the value is one this server's kernels fetched with ``%secret``.
* ``likely``: a vendor's token shape, or a credential name with a strong value
  (what a detector reports unless it says otherwise).
* ``possible``: a generic rule with weak evidence: a short or dictionary-like
  password, a default or demo credential on a local host (``postgres:postgres@
  localhost``, ``password="postgres"``), a credential on a documentation host
  (``example.com``), a pair that documentation publishes (``scott:tiger``).

Detectors declare a level (``Detector.confidence``) and may set one per
candidate; :func:`grade` then raises it to ``verified`` where the value's
structure proves it, and lowers generic candidates to ``possible`` where the
evidence is weak. Nothing here reads the network or keeps a value.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from enum import Enum

from .detectors.checksums import verify_token_checksum


class Confidence(str, Enum):
    """The levels, weakest first. Members are their own string values."""

    POSSIBLE = "possible"
    LIKELY = "likely"
    VERIFIED = "verified"

    def __str__(self) -> str:
        return self.value


POSSIBLE = Confidence.POSSIBLE.value
LIKELY = Confidence.LIKELY.value
VERIFIED = Confidence.VERIFIED.value
#: Weakest first: the order of :func:`rank`.
LEVELS: tuple[str, ...] = (POSSIBLE, LIKELY, VERIFIED)


def rank(level: str) -> int:
    """0 for possible, 1 for likely, 2 for verified; ValueError for anything else."""
    try:
        return LEVELS.index(str(level))
    except ValueError:
        raise ValueError(f"unknown confidence {level!r}; use one of {', '.join(LEVELS)}") from None


def at_least(level: str, minimum: str) -> bool:
    """True when ``level`` is ``minimum`` or stronger."""
    return rank(level) >= rank(minimum)


def check_level(level: str, where: str) -> str:
    """``level`` as a plain string, or ValueError naming ``where``."""
    try:
        rank(level)
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from None
    return str(level)


# -- grading ------------------------------------------------------------------


def grade(
    declared: str, value: str, text: str, start: int, end: int, *, generic: bool, detector: str
) -> str:
    """The confidence of the candidate ``value`` at ``text[start:end]``.

    ``declared`` is the detector's (or the candidate's) level: a detector whose structure
    proves its candidates (a GCP service-account file) declares verified itself. A proof
    in the value raises it to verified; for generic rules, weak evidence lowers it to
    possible.
    """
    level = check_level(declared, f"detector {detector!r}")
    if level != VERIFIED and proven(value):
        return VERIFIED
    if generic and level != POSSIBLE and weak_evidence(value, text, start, end):
        return POSSIBLE
    return level


# -- proofs: the format itself says it is what it looks like --------------------

_CHECKSUMMED_RE = re.compile(r"(?:gh[pousr]|npm)_[A-Za-z0-9]{36}")
_PEM_RE = re.compile(
    r"-----BEGIN (?P<kind>[A-Z0-9 ]*PRIVATE KEY)-----(?P<body>.*?)-----END (?P=kind)-----",
    re.DOTALL,
)
_OPENSSH_MAGIC = b"openssh-key-v1\x00"


def proven(value: str) -> bool:
    """A checksummed token, a PEM private key that parses, or a JWT with a JSON header."""
    if _CHECKSUMMED_RE.fullmatch(value):
        return verify_token_checksum(value)
    if value.startswith("-----BEGIN "):
        return pem_parses(value)
    if value.startswith("eyJ"):
        return jwt_header_decodes(value)
    return False


def pem_parses(value: str) -> bool:
    """The block's body is base64 of one whole DER SEQUENCE (PKCS#1, PKCS#8, SEC 1,
    encrypted PKCS#8) or of an OpenSSH key. Encrypted legacy PEM (``Proc-Type``) and
    PGP blocks carry no structure to check here: they stay as detected."""
    match = _PEM_RE.search(value.replace("\\n", "\n").replace("\\r", "").replace("\\", ""))
    if match is None:
        return False
    lines = [line.strip() for line in match.group("body").splitlines()]
    if any(":" in line for line in lines):  # RFC 1421 headers: an encrypted legacy body
        return False
    try:
        data = base64.b64decode("".join(lines), validate=True)
    except (binascii.Error, ValueError):
        return False
    if data.startswith(_OPENSSH_MAGIC):
        return True
    return _der_sequence(data)


def _der_sequence(data: bytes) -> bool:
    """``data`` is exactly one DER SEQUENCE whose first element is an INTEGER or a SEQUENCE."""
    if len(data) < 4 or data[0] != 0x30:
        return False
    first = data[1]
    if first < 0x80:
        length, head = first, 2
    else:
        size = first & 0x7F
        if not 1 <= size <= 4 or len(data) < 2 + size:
            return False
        length, head = int.from_bytes(data[2 : 2 + size], "big"), 2 + size
    return head + length == len(data) and data[head] in (0x02, 0x30)


def jwt_header_decodes(value: str) -> bool:
    """The first dot-separated segment is base64url of a JSON object naming an ``alg``."""
    header, dot, _ = value.partition(".")
    if not dot or not header:
        return False
    try:
        decoded = base64.urlsafe_b64decode(header + "=" * (-len(header) % 4))
        parsed = json.loads(decoded)
    except (binascii.Error, ValueError):
        return False
    return isinstance(parsed, dict) and isinstance(parsed.get("alg"), str)


# -- weak evidence: may be real, but looks like a demo, a default or a guess -----

#: Default or documented demo passwords: a database's, a broker's or a docker image's
#: documented default (postgres/postgres, guest/guest, minioadmin, Oracle's scott/tiger),
#: whatever user they go with. (Most are words, possible anyway; the docs' "my-secret-pw"
#: and "yourStrong(!)Password" are placeholders to the filters already.)
DEFAULT_PASSWORDS = frozenset(
    {
        "postgres",
        "postgresql",
        "root",
        "admin",
        "administrator",
        "guest",
        "minioadmin",
        "minio123",
        "example",
        "tiger",
        "neo4j",
        "airflow",
        "superset",
        "rabbitmq",
        "mysql",
        "mariadb",
        "redis",
        "mongo",
        "mongodb",
        "clickhouse",
        "elastic",
        "changeme",
        "jupyter",
        "sa",
        "sysadmin",
        "letmein",
        "welcome",
    }
)
#: Hosts where a credential is a developer's own: loopback, docker's names.
_LOCAL_HOSTS = frozenset(
    {
        "localhost",
        "127.0.0.1",
        "0.0.0.0",  # noqa: S104 - a host name to recognise, not one we bind
        "::1",
        "[::1]",
        "host.docker.internal",
        "gateway.docker.internal",
        "kubernetes.docker.internal",
    }
)
#: RFC 2606 / RFC 6761 names: documentation's own hosts.
_DOC_HOST_RE = re.compile(r"(?i)(?:^|\.)(?:example\.(?:com|net|org)|example|test|invalid)$")
#: A word (or two glued: Summer, HUNTER) with a few digits or marks: a guessable password.
_DICTIONARY_MAX = 20
_DICTIONARY_RE = re.compile(r"(?:[a-z]+|[A-Z][a-z]+|[A-Z]+)(?:[0-9]{1,4}|[!?.@#$*_-]){0,2}")
_URI_USER_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]{1,30}://(?P<user>[^\s:/?#@\"'<>\[\]{}\\`]*):$")
_URI_HOST_RE = re.compile(r"@(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.\-%]+)")
_LINE_HOST_RES = (
    re.compile(r"://(?:[^\s/@]*@)?(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.\-]+)"),
    re.compile(
        r"(?i)\b(?:host(?:name)?|server|data source|address|addr|endpoint)\s*[=:]\s*"
        r"[\"']?(?:tcp:)?(?P<host>[A-Za-z0-9_.\-]+)"
    ),
)
_LINE_USER_RE = re.compile(
    r"(?i)\b(?:user(?:name)?|uid|user id|login)\s*[=:]\s*[\"']?(?P<user>[^\s\"';,&)]+)"
)
_WINDOW = 300


def weak_evidence(value: str, text: str, start: int, end: int) -> bool:
    """A generic candidate that is a guess more than a finding (see the module doc)."""
    if len(value) < 8 or (len(value) <= _DICTIONARY_MAX and _DICTIONARY_RE.fullmatch(value)):
        return True  # short, or a word with a few digits (hunter22, Welcome123!)
    user, hosts = _context(text, start, end)
    if any(_DOC_HOST_RE.search(host) for host in hosts):
        return True  # a credential on example.com is documentation's
    local = all(is_local_host(host) for host in hosts)  # no host named: nothing against
    if not local:
        return False
    lower = value.lower()
    return lower in DEFAULT_PASSWORDS or (user is not None and user.lower() == lower)


def is_local_host(host: str) -> bool:
    """Loopback, docker's own names, or a single label (a compose service: ``db``)."""
    name = host.strip("[]").lower().rstrip(".")
    if name in _LOCAL_HOSTS or name.startswith("127.") or name.endswith(".localhost"):
        return True
    return bool(name) and "." not in name and ":" not in name


def _context(text: str, start: int, end: int) -> tuple[str | None, list[str]]:
    """The user and the hosts that go with the value: a URI's, else its line's."""
    # Bounded searches: a 100 MB single-line output holds a million candidates.
    low, high = max(0, start - _WINDOW), min(len(text), end + _WINDOW)
    line_start = text.rfind("\n", low, start) + 1 or low
    line_end = text.find("\n", end, high)
    line_end = high if line_end == -1 else line_end
    before, after = text[line_start:start], text[end:line_end]
    uri = _URI_USER_RE.search(before)
    if uri is not None:
        host = _URI_HOST_RE.match(after)
        return uri.group("user"), [host.group("host")] if host else []
    line = before + after
    users = _LINE_USER_RE.findall(line)
    hosts = [m.group("host") for pattern in _LINE_HOST_RES for m in pattern.finditer(line)]
    return (users[0] if users else None), hosts
