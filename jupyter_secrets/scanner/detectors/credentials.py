"""Generic credential shapes: URIs with passwords, connection strings, assignments."""

from __future__ import annotations

import bisect
import functools
import re
import string
from collections.abc import Iterator

from ..document import Document
from ..textscan import names_around
from . import Candidate, Detector, RegexDetector
from .context import PYTHON, Place, Places
from .context import places as shared_places
from .tables import html_column, markdown_column
from .values import is_interpolated, is_markup, is_words


class UriCredentials(RegexDetector):
    """``scheme://user:password@host`` for every scheme (postgres, mongodb+srv, https...)."""

    name = "uri_credentials"
    finding_type = "URI Credentials"
    priority = 40
    generic = True
    keywords = ("://",)
    # The pattern without its scheme and host, and with Hyperscan's ASCII \s (its
    # negated classes then hold more) and "?" allowed in the user (a character beyond
    # Latin-1 reaches Hyperscan as "?"): "://" is in every link, a user and password
    # before an "@" in few.
    shapes = (r"://[^\s:/#@\"'<>\[\]{}\\`]{0,128}:[^\s/#@\"'<>\\`]{1,256}@",)
    pattern = re.compile(
        r"(?<![A-Za-z0-9+.\-])[A-Za-z][A-Za-z0-9+.\-]{1,30}://"
        r"[^\s:/?#@\"'<>\[\]{}\\`]{0,128}:"
        # '?' belongs in a password even if RFC 3986 wants it escaped; people paste it raw.
        r"(?P<secret>[^\s/#@\"'<>\\`]{1,256})"
        r"@[A-Za-z0-9_.\-\[\]%]+"
    )

    def find(self, doc: Document) -> Iterator[Candidate]:
        """The pattern tried only where a scheme ends in "://", not at every position of
        every line holding one: a match starts where the run of scheme characters before
        its "://" starts (the lookbehind), so each hit has one place to try."""
        text = doc.text
        hits = doc.hits("://")
        for start, end in doc.windows(self.keywords):
            tried = start  # finditer's resume point: matches do not overlap
            for pos in hits[bisect.bisect_left(hits, start) : bisect.bisect_left(hits, end)]:
                head = pos
                while head > pos - _SCHEME_REACH and text[head - 1 : head] in _SCHEME_CHARS:
                    head -= 1
                if head < tried or (
                    head == pos - _SCHEME_REACH and text[head - 1 : head] in _SCHEME_CHARS
                ):
                    continue  # inside the last match, or a scheme run too long to match
                match = self.pattern.match(text, head, end)
                if match is None:
                    continue
                tried = match.end()
                s, e = match.span("secret")
                if s < e and self.accept(text[s:e], match, doc):
                    yield self.candidate(s, e)


#: Characters of a URI scheme, and the most of them before "://" a match can have.
_SCHEME_CHARS = frozenset(string.ascii_letters + string.digits + "+.-")
_SCHEME_REACH = 31  # the pattern's longest scheme


class ConnectionStringPassword(RegexDetector):
    """``password=``/``pwd=`` inside JDBC, ODBC, ADO.NET and Snowflake connection strings."""

    name = "connection_string_password"
    finding_type = "Connection String Password"
    priority = 45
    generic = True
    keywords = ("pass", "pwd")  # shared with password_assignment: one search each
    # The pattern's start, its \s* loosened to any run of non-alphanumerics (Python's
    # \s holds Unicode spaces, which reach Hyperscan as "?" or a Latin-1 byte).
    shapes = (r"(?i)[;?&][^a-z0-9]*(?:password|pwd|passwd)",)
    pattern = re.compile(
        r"(?i)(?<=[;?&])\s*(?:password|pwd|passwd)\s*=\s*"
        r"(?:\{(?P<braced>[^}\n]{1,256})\}|(?P<secret>[^;&\s\"'<>{}]{1,256}))"
    )

    def find(self, doc: Document) -> Iterator[Candidate]:
        for start, end in doc.windows(self.keywords):
            for match in self.pattern.finditer(doc.text, start, end):
                group = "braced" if match.group("braced") is not None else "secret"
                s, e = match.span(group)
                if s < e:
                    yield self.candidate(s, e)


class AzureConnectionString(RegexDetector):
    name = "azure_connection_string"
    finding_type = "Azure Connection String"
    priority = 100
    keywords = ("accountkey=", "sharedaccesskey=")
    pattern = re.compile(
        r"(?i:AccountKey|SharedAccessKey)=(?P<secret>[A-Za-z0-9+/]{20,}={0,2})(?![A-Za-z0-9+/=])"
    )


# --- assignments -----------------------------------------------------------

_PASS_WORDS = ("password", "passwd", "passphrase", "passcode")
_SECRET_SUFFIXES = (
    "secret",
    "token",
    "apikey",
    "secretkey",
    "accesskey",
    "privatekey",
    "credentials",
)
_SHORT_SEGMENTS = frozenset({"pass", "pwd", "pw", "psw"})
_KEY_PREFIXES = frozenset(
    {
        "api",
        "access",
        "secret",
        "private",
        "auth",
        "master",
        "encryption",
        "signing",
        "account",
        "app",
        "client",
        "subscription",
        "service",
        "admin",
    }
)
#: What may precede "token" in one word (ACCESSTOKEN, HFTOKEN, mytoken).
_TOKEN_PREFIXES = _KEY_PREFIXES | frozenset(
    {
        "bot",
        "refresh",
        "id",
        "session",
        "bearer",
        "oauth",
        "user",
        "my",
        "hf",
        "gh",
        "git",
        "github",
        "gitlab",
        "slack",
        "discord",
        "telegram",
        "jwt",
        "csrf",
        "xsrf",
        "personal",
        "web",
        "push",
        "device",
        "sas",
        "sso",
        "pat",
        "hub",
        "deploy",
        "runner",
        "reset",
        "invite",
        "login",
        "security",
        "identity",
        "npm",
        "pypi",
        "twine",
        "vault",
    }
)
_NOT_SECRET_SUFFIXES = frozenset(
    {
        "name",
        "names",
        "id",
        "ids",
        "type",
        "types",
        "file",
        "path",
        "url",
        "uri",
        "length",
        "len",
        "min",
        "max",
        "count",
        "prompt",
        "label",
        "field",
        "env",
        "var",
        "ref",
        "hash",
        "hashed",
        "digest",
        "policy",
        "header",
        "param",
        "scope",
        "expiry",
        "expires",
        "expiration",
        "ttl",
        "format",
        "pattern",
        "regex",
        "validator",
        "input",
        "placeholder",
        "hint",
        "help",
        "mode",
        "enabled",
        "set",
        "required",
        "provider",
        "source",
        "location",
        "dir",
        "endpoint",
        "version",
        "store",
        "manager",
        "backend",
        "kind",
        "strategy",
    }
)
# Names of things called tokens or keys that are no credential: public halves
# (.NET's PublicKeyToken, public_key), pagination cursors (nextPageToken, next_token,
# page_token, continuation_token) and a tokenizer's tokens (bos_token, pad_token,
# instance_token = "<s0><s1>", placeholder_token, special tokens).
_NOT_SECRET_SEGMENTS = frozenset(
    {
        "public",
        "publishable",
        "next",
        "page",
        "continuation",
        "pagination",
        "cursor",
        "resume",
        "prev",
        "previous",
        "sync",
        "bos",
        "eos",
        "pad",
        "unk",
        "mask",
        "sep",
        "cls",
        "eot",
        "sot",
        "special",
        "instance",
        "placeholder",
        "initializer",
        "class",
        "image",
        "audio",
        "video",
        "start",
        "end",
        "stop",
        "begin",
        "first",
        "last",
    }
)
_CAMEL_RE = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


@functools.lru_cache(maxsize=8192)
def credential_name(name: str) -> str | None:
    """ "password" or "secret" when the name holds a credential, else None."""
    snake = _CAMEL_RE.sub("_", name).lower().replace("-", "_").replace(".", "_")
    segments = [s for s in snake.split("_") if s]
    if not segments or segments[-1] in _NOT_SECRET_SUFFIXES:
        return None
    if len(segments) > 1 and not _NOT_SECRET_SEGMENTS.isdisjoint(segments[:-1]):
        return None
    last = segments[-1]
    joined = "".join(segments)
    if any(last.endswith(w) for w in _PASS_WORDS) or last in _SHORT_SEGMENTS:
        return "password"
    if last in ("secret", "token"):
        return "secret"
    if any(joined.endswith(w) for w in _SECRET_SUFFIXES):
        # One word ending in "token" is a compound (ACCESSTOKEN, hftoken) only after a
        # credential word; "tiktoken" is a library.
        if last.endswith("token") and last[:-5] not in _TOKEN_PREFIXES:
            return None
        return "secret"
    if last == "key" and len(segments) > 1 and segments[-2] in _KEY_PREFIXES:
        return "secret"
    return None


# The detector starts from each keyword hit, widens it to the whole name around it
# (textscan.names_around), then matches what follows the name (and, for unquoted
# values, what precedes it on the line): cost per keyword hit, not per word.
# ``\\"`` too: JSON written inside a string literal ("{\\"pwd\\": \\"x\\"}").
_QUOTED_TAIL = re.compile(
    r"\\?[\"']?\]?"
    r"(?:\s*:\s*[A-Za-z_][\w\[\], |.]{0,40}(?=\s*=))?"  # type annotation
    r"\s*(?::=|=>|=|:)\s*(?:[rbuRBU]{1,2})?"
    r"\\?(?P<q>[\"'])(?P<secret>[^\"'\n\\]{1,256})\\?(?P=q)"
    r"(?![\w*])"  # 'SecretStr('**********')': the quote did not end the literal
)
# Comparisons bind a value to a name as surely as assignments: if api_key == "v",
# token !== 'v' (JS), and reversed: if ("v" == password).
_COMPARE_TAIL = re.compile(
    r"\\?[\"']?\]?[ \t]*(?:===?|!==?)[ \t]*(?:[rbuRBU]{1,2})?"
    r"(?P<q>[\"'])(?P<secret>[^\"'\n\\]{1,256})(?P=q)"
)
_COMPARE_HEAD = re.compile(
    r"(?P<q>[\"'])(?P<secret>[^\"'\n\\]{1,256})(?P=q)[ \t]*(?:===?|!==?)[ \t]*\Z"
)
# The fallback of a lookup by a credential's name is the credential itself:
# os.environ.get("API_KEY", "v"), os.getenv("TOKEN", "v"), environ.setdefault(..),
# config.get("password", "v"), kwargs.pop("token", default="v"), getattr(c, "key", "v"),
# and a fallback after the call: os.environ.get("API_KEY") or "v" (JS: || "v", ?? "v").
_LOOKUP_HEAD = re.compile(
    r"(?:(?:\.|\b)(?:get|getenv|setdefault|pop|get_secret|get_password|environ_get)"
    r"|\bgetattr\([^(),\n]{1,80},)[ \t]*\(?[ \t]*(?:[rbuRBU]{1,2})?[\"']\Z"
)
_LOOKUP_TAIL = re.compile(
    r"[\"'][ \t]*(?:,[ \t]*(?:default[ \t]*=[ \t]*)?|\)[ \t]*(?:or[ \t]+|\|\|[ \t]*|\?\?[ \t]*))"
    r"(?:[rbuRBU]{1,2})?"
    r"(?P<q>[\"'])(?P<secret>[^\"'\n\\]{1,256})(?P=q)"
)
#: How far before a name a reversed comparison or a lookup call may start.
_HEAD_REACH = 300

_UNQUOTED_TAIL = re.compile(
    r"[\"']?[ \t]*(?:=|:)[ \t]*(?P<secret>[^\s\"'#;,]{1,256})[ \t]*(?:[;,]|[ \t]#.*)?[ \t]*$",
    re.MULTILINE,
)
# In outputs, markdown and raw cells: `password=x` inside HTML, markdown
# (**password**: `x`) or LaTeX (\\verb|pwd=x|), not only at line starts.
_INLINE_TAIL = re.compile(
    r"\**[`'\"]?\**[ \t]*[=:][ \t]*\**[`'\"]?(?P<secret>[^\s\"'`<>|#;,\\]{6,256})(?=[\s\"'`<>|;,\\]|$)"
)
# A markdown table row: | PASSWORD | `x` |
_TABLE_TAIL = re.compile(
    r"\**[`'\"]?\**[ \t]*\|[ \t]*\**[`'\"]?(?P<secret>[^\s\"'`<>|#;,\\]{6,256})[`'\"]?\**[ \t]*\|"
)
_TABLE_ROW_START = re.compile(r"[ \t]*\|")
# Prose: "the token is: v", "API key - v", "password `v`", "the password is \"v\"".
_PROSE_TAIL = re.compile(
    r"(?:\*\*|__)?(?P<sep>[ \t]+(?:is|was|are|reads)(?:[ \t]*:)?[ \t]+|[ \t]*[:=][ \t]*"
    r"|[ \t]+[-\u2013\u2014][ \t]+|[ \t]+"
    r"|(?P<to>`[ \t]+to[ \t]+))"  # set `DB_PASSWORD` to `v`: quoted values only
    r"(?:(?P<open>`|\*\*|\"|')(?P<quoted>[^\s`\"'<>|]{6,256})(?P=open)(?![\w*])"
    r"|<(?P<tag>code|kbd|samp|tt|b|strong|em)>(?P<tagged>[^\s<>]{6,256})</(?P=tag)>"
    r"|(?P<bare>[^\s`\"'<>|]{6,256})(?=\s|$))"
)
_TRAILING_PUNCTUATION = ".,;:!?)"
_HEADER_MARKUP = " \t*_`"
_PREV_WORD_RE = re.compile(r"(?<![A-Za-z])[A-Za-z]{2,20}\Z")
# SQL: CREATE USER x WITH PASSWORD 'v', ALTER ROLE x PASSWORD 'v' (quoted only).
_SQL_PASSWORD_TAIL = re.compile(r"[ \t]+(?P<q>['\"])(?P<secret>[^'\"\n\\]{1,256})(?P=q)")
_SQL_STATEMENT = re.compile(r"(?i)\b(?:user|role|login)\b")
# The statement an IDENTIFIED BY belongs to: CREATE/ALTER USER|ROLE|LOGIN, GRANT ... TO.
# "outliers identified by HDBSCAN" and "identified by witnesses" are prose.
_SQL_IDENTIFIED_STATEMENT = re.compile(
    r"(?is)\b(?:(?:create|alter)\s+(?:user|role|login)|grant\b.*\bto)\b"
)
#: How far back an IDENTIFIED BY looks for its statement (a CREATE USER over lines).
_SQL_STATEMENT_REACH = 400
# SQL: ... IDENTIFIED [WITH plugin] BY 'v' (MySQL) or BY v (Oracle); not BY PASSWORD '<hash>'.
_SQL_IDENTIFIED = re.compile(
    r"(?i)identified(?:[ \t]+with[ \t]+\w+)?[ \t]+by[ \t]+(?!password\b)"
    r"(?:(?P<q>['\"])(?P<quoted>[^'\"\n\\]{1,256})(?P=q)|(?P<bare>[^\s;'\":@?][^\s;'\"]{0,255}))"
)


_BIND_SKIP = frozenset(" \t*_\"'`]\\")
_BIND_START = frozenset("=:|<-\u2013\u2014`'\"")


def _could_bind(text: str, end: int) -> bool:
    """Whether what follows a name could bind a value to it for the rules that read a
    place (a config line, inline ``=``/``:``, prose, a table): a cheap test before the
    place of the name is worked out."""
    pos = end
    stop = min(len(text), end + 8)
    while pos < stop and text[pos] in _BIND_SKIP:
        pos += 1
    if pos >= len(text):
        return False
    if text[pos] in _BIND_START or text.startswith(("is", "was", "are", "reads", "to "), pos):
        return True
    # "password 'x'", "PASSWORD `x`", SQL "PASSWORD 'x'" after the spaces skipped.
    return pos > end and text[pos - 1] in "`'\""


def _statement_start(text: str, pos: int) -> int:
    """Where the SQL statement holding ``pos`` starts: after the previous ``;`` or
    segment separator, at most ``_SQL_STATEMENT_REACH`` back (it may span lines)."""
    low = max(0, pos - _SQL_STATEMENT_REACH)
    return max(text.rfind(";", low, pos), text.rfind("\x00", low, pos), low - 1) + 1


_UNQUOTED_HEAD = re.compile(
    r"[ \t]*(?P<prefix>export[ \t]+|%env[ \t]+|!export[ \t]+|set[ \t]+|-[ \t]+)?[\"']?"
)
_VALUE_LIKE_CODE_RE = re.compile(r"[()\[\]]|^[\d.]+$|^(?:True|False|None|null|true|false|yes|no)$")
# ``settings.DB_PASSWORD``, ``cfg.api_key``, ``IPython.core.magics.osm:OSMagics``: code
# references. A segment mixing case and digits (``willow.Harbor12``) is a password.
_CODE_SEGMENT = r"(?:[a-z_][a-z0-9_]*|[A-Z_][A-Z0-9_]*|[A-Z]*[a-z]{2,}(?:[A-Z]+[a-z]{2,})*[A-Z]*)"
_DOTTED_CODE_RE = re.compile(rf"{_CODE_SEGMENT}(?:\.{_CODE_SEGMENT})+(?::\w+)?")


def _is_dotted_code(value: str) -> bool:
    if _DOTTED_CODE_RE.fullmatch(value) is None:
        return False
    # Modules and objects are not all caps: WILL.aBcD is a password, ENV.DB_PASSWORD is not.
    head, _, rest = value.partition(".")
    return not (len(head) > 1 and head.isupper() and not rest.isupper())


_MAX_NAME = 80
# Values that name things rather than being secrets: CamelCase identifiers
# ("NextToken", "AWSSecretKey"), header names, dotted import paths.
_IDENTIFIER_VALUE_RE = re.compile(
    r"[A-Z]*[a-z]{2,}(?:[A-Z]+[a-z]{2,})+[A-Z]?|[A-Z][a-z]+(?:-[A-Z][a-z]+)+"
    r"|[a-z]+(?:_[a-z]+)+|[A-Za-z]+\?"
)
_CREDENTIAL_WORD_RE = re.compile(r"(?i)password|passwd|secret|token|credential|api_?key")


class PasswordAssignment(Detector):
    """Values assigned to credential-like names in code and config, however weak."""

    name = "password_assignment"
    finding_type = "Secret Assignment"
    priority = 10
    generic = True
    confidence = "likely"
    keywords = ("pass", "pwd", "secret", "token", "key", "credential", "psw", "identified")

    def find(self, doc: Document) -> Iterator[Candidate]:
        text = doc.text
        places = shared_places(doc)
        names = [(len(k), doc.hits(k)) for k in self.keywords[:-1]]  # "identified": below
        for start, end in names_around(text, names, _MAX_NAME):
            kind = credential_name(text[start:end])
            phrase = False
            head = start
            bare = end - start in (3, 5) and text[start:end].lower() in ("key", "token")
            if bare and text[start - 1 : start] == " ":
                # Prose names are phrases: "API key", "access token"; "first token"
                # and "next token" are a language model's, not credentials.
                word = _PREV_WORD_RE.search(text, max(0, start - 22), start - 1)
                if word is not None:
                    before = word.group(0).lower()
                    if kind is not None and before in _NOT_SECRET_SEGMENTS:
                        continue
                    if kind is None:
                        kind = credential_name(f"{before}_{text[start:end]}")
                        phrase = kind is not None
                        head = word.start() if phrase else start
            if kind is not None:
                yield from self._values(doc, places, start, end, kind, phrase, head)
        for pos in doc.hits("identified"):
            found = self._sql_identified(text, pos)
            if found is not None:
                yield self.candidate(*found)

    def _values(
        self,
        doc: Document,
        places: Places,
        start: int,
        end: int,
        kind: str,
        phrase: bool,
        head: int,
    ) -> Iterator[Candidate]:
        """Values bound to the name ``text[start:end]`` (``head``: where the phrase that
        holds it starts, "API" of "API key")."""
        text = doc.text
        if phrase and places.at(start).kind == PYTHON:
            return  # "API key" is prose; in code, two names
        match = _QUOTED_TAIL.match(text, end)
        if match is not None:
            if self._good(match.group("secret"), kind, quoted=True):
                yield self.candidate(*match.span("secret"))
            return
        found = self._bound_by_code(text, start, end, kind)
        if found is not None:
            yield self.candidate(*found)
            return
        if not _could_bind(text, end):
            return  # password), self.token.x, api_key, ...: no rule below can match
        place = places.at(start)
        found = self._sql_password(text, start, end)
        if found is None:
            found = self._line_assignment(doc, start, end, kind, place)
        if found is None and place.kind != PYTHON:
            # Outputs, markdown, raw cells, comments, shell lines and the text of string
            # literals: `password=x` inside a line (HTML, logs, a libpq DSN, a URL),
            # prose ("the token is: x", "password `x`") and table columns.
            found = self._inline_assignment(text, start, end, kind, place)
            if found is None:
                found = self._prose_value(text, start, end, kind, place)
            if found is None:
                for span in self._column_values(doc, head, end, kind):
                    yield self.candidate(*span)
                return
        if found is not None:
            yield self.candidate(*found)

    def _prose_value(
        self, text: str, name_start: int, end: int, kind: str, place: Place
    ) -> tuple[int, int] | None:
        """``the token is: v``, ``API key - v``, ``password `v```, ``password is "v"``."""
        if text[name_start:end].lower() in _SHORT_SEGMENTS:
            return None  # "pass `inplace=True`": the verb
        match = _PROSE_TAIL.match(text, end, place.hi)
        if match is None:
            return None
        group = next(g for g in ("quoted", "tagged", "bare") if match.group(g) is not None)
        quoted = group != "bare"
        if match.group("to") and not quoted:
            return None  # "set `API_KEY` to your key"
        if not match.group("sep").strip() and match.group("open") != "`" and not match.group("tag"):
            return None  # "password reset", "the password 'X' policy": prose
        if text[max(0, name_start - 3) : name_start].lower() == "by ":
            return None  # MySQL's IDENTIFIED BY PASSWORD '<hash>'
        s, e = match.span(group)
        while not quoted and e > s and text[e - 1] in _TRAILING_PUNCTUATION:
            e -= 1
        value = text[s:e]
        if is_words(value, number=kind != "password"):
            return None
        return (s, e) if self._good(value, kind, quoted=quoted) else None

    def _column_values(
        self, doc: Document, start: int, end: int, kind: str
    ) -> list[tuple[int, int]]:
        """The cells of the table column a header cell ``text[start:end]`` names."""
        text = doc.text
        before = text[max(0, start - 40) : start].rstrip(_HEADER_MARKUP)
        after = text[end : end + 40].lstrip(_HEADER_MARKUP)
        limit = doc.segment_at(start).end
        if before.endswith("|") and after.startswith("|"):
            spans = markdown_column(text, start, end, limit)
        elif before.endswith(">") and after.startswith("</"):
            spans = html_column(text, start, end, limit)
        else:
            return []
        good = []
        for s, e in spans:
            value = text[s:e]
            if not is_words(value, number=kind != "password") and self._good(value, kind, False):
                good.append((s, e))
        return good

    def _bound_by_code(self, text: str, start: int, end: int, kind: str) -> tuple[int, int] | None:
        """A value bound to the name by a comparison or as a lookup's default.

        Comparisons are also how code checks sentinels (``if token == "undefined"``),
        so their value must look like a token whatever the name says (digits or mixed
        case, 8 or more characters).
        """
        after = text[end : end + 2]
        if after[:1] in ("'", '"') or "=" in after or "!" in after or " " in after:
            match = _COMPARE_TAIL.match(text, end)
            if match is not None:
                return (
                    match.span("secret")
                    if self._good(match.group("secret"), "secret", True)
                    else None
                )
            match = _LOOKUP_TAIL.match(text, end)
            if match is not None:
                head = text[max(0, start - _HEAD_REACH) : start]
                if _LOOKUP_HEAD.search(head) and self._good(match.group("secret"), kind, True):
                    return match.span("secret")
                return None
        before = text[max(0, start - 3) : start]
        if "=" in before:
            head_start = max(0, start - _HEAD_REACH)
            match = _COMPARE_HEAD.search(text[head_start:start].rstrip("( \t"))
            if match is not None and self._good(match.group("secret"), "secret", True):
                s, e = match.span("secret")
                return head_start + s, head_start + e
        return None

    def _sql_password(self, text: str, start: int, end: int) -> tuple[int, int] | None:
        """``CREATE USER etl WITH PASSWORD 'v'`` / ``ALTER ROLE r PASSWORD 'v'``."""
        if end - start != 8 or text[start:end].lower() != "password":
            return None
        match = _SQL_PASSWORD_TAIL.match(text, end)
        if match is None or not self._sql_value(match.group("secret")):
            return None
        if _SQL_STATEMENT.search(text, _statement_start(text, start), start) is None:
            return None
        if text[max(0, start - 3) : start].lower() == "by ":
            return None  # MySQL's IDENTIFIED BY PASSWORD '<hash>'
        return match.span("secret")

    def _sql_identified(self, text: str, pos: int) -> tuple[int, int] | None:
        """``... IDENTIFIED BY 'v'`` (MySQL, Oracle)."""
        if pos > 0 and (text[pos - 1].isalnum() or text[pos - 1] == "_"):
            return None
        match = _SQL_IDENTIFIED.match(text, pos)
        if match is None:
            return None
        if match.group("quoted") is not None:
            value = match.group("quoted")
            return match.span("quoted") if self._sql_value(value) else None
        # A bare value (Oracle) only in a statement that sets a password.
        if _SQL_IDENTIFIED_STATEMENT.search(text, _statement_start(text, pos), pos) is None:
            return None
        if not self._good(match.group("bare"), "password", quoted=False):
            return None
        return match.span("bare")

    def _sql_value(self, value: str) -> bool:
        """A quoted SQL password: a string literal, never an identifier or a code
        reference, so a snake_case value (``PASSWORD 'summer_breeze_river'``) is a
        password like any other."""
        return self._good(value, "password", quoted=True, code=False)

    def _line_assignment(
        self, doc: Document, start: int, end: int, kind: str, place: Place
    ) -> tuple[int, int] | None:
        """``NAME=value`` alone on its line (.env, ini, yaml, toml, shell, %env), wherever
        such a line is text: outside Python code, and inside its string literals
        (``yaml.safe_load(\"\"\"...\"\"\")``, ``configparser.read_string``)."""
        text = doc.text
        match = _UNQUOTED_TAIL.match(text, end, place.hi)
        if match is None or not self._good(match.group("secret"), kind, quoted=False):
            return None
        head = _UNQUOTED_HEAD.fullmatch(text, place.lo, start)
        if head is None:
            return None
        prefix = head.group("prefix")
        # In Python code `password = other_var` is not a literal.
        if place.kind == PYTHON and not (prefix and prefix.strip() != "-"):
            return None
        return match.span("secret")

    def _inline_assignment(
        self, text: str, start: int, end: int, kind: str, place: Place
    ) -> tuple[int, int] | None:
        match = _INLINE_TAIL.match(text, end, place.hi)
        if match is None:
            match = _TABLE_TAIL.match(text, end, place.hi)
            if match is None or not _TABLE_ROW_START.match(text, place.lo):
                return None
        value = match.group("secret")
        s, e = match.span("secret")
        if text[start - 1 : start] in ("?", "&"):
            # A URL's query parameter (?access_token=v&x=1): the value ends at '&'.
            cut = value.find("&")
            if cut != -1:
                value, e = value[:cut], s + cut
        # Prose and error text ("password: incorrect", "Attempted credentials:
        # EnvironmentCredential: ...", "?onboarding_token=vectorsearch") holds words,
        # not values; a token-named value that is a word and a number is one too.
        if is_words(value, number=kind != "password"):
            return None
        return (s, e) if self._good(value, kind, quoted=False) else None

    @staticmethod
    def _good(value: str, kind: str, quoted: bool, code: bool = True) -> bool:
        return credential_value(value, kind, quoted, code)


def credential_value(value: str, kind: str, quoted: bool, code: bool = True) -> bool:
    """Whether ``value`` is the value of a credential of ``kind`` ("password" or
    "secret", see :func:`credential_name`); ``quoted``: it was delimited (quotes, a
    table cell), so code-like characters are its own; ``code``: it may be a code
    identifier or reference (not in a SQL string literal)."""
    if " " in value or len(value) < 6 or "://" in value:
        return False
    if is_interpolated(value) or is_markup(value):
        return False  # f"{key}", "{cfg.GetKey()}", $(cmd); "<s0><s1>", "[PAD]"
    if not quoted and _VALUE_LIKE_CODE_RE.search(value):
        return False
    if code and (_IDENTIFIER_VALUE_RE.fullmatch(value) or _is_dotted_code(value)):
        return False
    if value.isalpha() and _CREDENTIAL_WORD_RE.search(value):
        return False
    if kind == "password":
        return True
    # A token/key-named value: words like "bearer" or "basic" are settings, not secrets.
    has_digit = any(c.isdigit() for c in value)
    mixed = any(c.isupper() for c in value) and any(c.islower() for c in value)
    return len(value) >= 8 and (has_digit or mixed)
