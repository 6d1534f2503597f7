"""Credentials passed to login and connect calls by position.

``password="x"`` names its value (:mod:`.credentials` reads it); a positional argument
is named by the function it goes to. A table of callees says which argument holds the
password: ``server.login(user, "x")`` (smtplib, imaplib, ftplib, poplib), ``FTP(host,
user, "x")``, ``HTTPBasicAuth(user, "x")`` and its kin, ``auth=("user", "x")`` and
other auth tuples, ``pymysql.connect(host, user, "x")``, ``cx_Oracle.connect(user,
"x", dsn)``, ``PlainTextAuthProvider(user, "x")``. A login that takes a key alone
(``wandb.login("...")``, ``login(key="...")``) holds it as its only argument.

Arguments are split by a small reader that knows brackets and string literals; only a
plain string literal is a value (a variable, a call, an f-string with fields is not).
The reader works on any text, so the same call is found in a code cell, a markdown or
raw cell, a traceback's source lines or printed source.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from ..document import Document
from . import Candidate, Detector
from .credentials import credential_value
from .values import looks_random

#: Arguments are read this far after the opening bracket.
MAX_CALL = 1000

# callee name (last dotted part, lowercased) -> index of its password argument.
_PASSWORD_ARG = {
    "login": 1,  # smtplib.SMTP / imaplib.IMAP4 / ftplib.FTP / telnetlib... .login(user, pw)
    "ftp": 2,  # ftplib.FTP(host, user, passwd)
    "ftp_tls": 2,
    "pass_": 0,  # poplib.POP3.pass_(pw)
    "httpbasicauth": 1,
    "httpdigestauth": 1,
    "httpproxyauth": 1,
    "basicauth": 1,  # aiohttp, httpx
    "digestauth": 1,
    "plaintextauthprovider": 1,  # cassandra
    "saslplaintextauthprovider": 1,
}
# Connect calls whose positional order is (host, user, password) or (user, password).
_CONNECT_ARG = {"pymysql": 2, "mysqldb": 2, "cx_oracle": 1, "pymssql": 2, "mariadb": 2}
# name = (user, password) tuples: auth=, basic_auth=, http_auth=, proxy_auth=, creds =.
_TUPLE_NAME_RE = re.compile(r"(?i)(?:auth|basic_auth|http_auth|proxy_auth|credentials|creds)\Z")
_STRING_RE = re.compile(
    r"(?P<prefix>[rRbBuUfF]{0,2})(?P<q>\"\"\"|'''|\"|')(?P<body>(?:(?!(?P=q))[^\\\n]|\\.)*)(?P=q)"
)
_KWARG_RE = re.compile(r"[ \t\n]*(?P<name>[A-Za-z_]\w*)[ \t]*=(?!=)")
_ANONYMOUS = frozenset({"anonymous", "ftp", "guest"})
#: Keyword arguments of a login call that hold its secret, beyond credential names.
_LOGIN_KEYS = frozenset({"key", "passwd", "pw", "pwd"})


@dataclass(frozen=True, slots=True)
class _Arg:
    start: int
    end: int
    #: The content span of a plain string literal argument, else None.
    value: tuple[int, int] | None
    keyword: str | None


def _arguments(text: str, opening: int, limit: int) -> list[_Arg]:
    """The arguments of the call or tuple whose ``(`` is at ``opening`` (an unclosed
    call gives the arguments read so far)."""
    spans: list[tuple[int, int]] = []
    pos = start = opening + 1
    depth = 0
    end = min(limit, opening + MAX_CALL)
    while pos < end:
        char = text[pos]
        if char in "\"'":
            match = _STRING_RE.match(text, pos)
            if match is None:
                break
            pos = match.end()
            continue
        if char == "\x00":
            break
        if char in "([{":
            depth += 1
        elif char in ")]}":
            if depth == 0:
                spans.append((start, pos))
                break
            depth -= 1
        elif char == "," and depth == 0:
            spans.append((start, pos))
            start = pos + 1
        pos += 1
    return [_arg(text, s, e) for s, e in spans if text[s:e].strip()]


def _arg(text: str, start: int, end: int) -> _Arg:
    keyword = _KWARG_RE.match(text, start, end)
    name = None
    if keyword is not None:
        name, start = keyword.group("name"), keyword.end()
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    literal = _STRING_RE.fullmatch(text, start, end)
    value = None
    if literal is not None:
        fstring = "f" in literal.group("prefix").lower() and "{" in literal.group("body")
        value = None if fstring else literal.span("body")
    return _Arg(start, end, value, name)


def _name_before(text: str, opening: int) -> tuple[str, str] | None:
    """The dotted name right before ``(`` (a callee: ``("server.login", "")``), or the
    name assigned the bracket (a tuple: ``("auth", "=")``); read backwards, bounded."""
    low = max(0, opening - 120)
    pos = opening
    while pos > low and text[pos - 1] in " \t":
        pos -= 1
    mark = ""
    if pos > low and text[pos - 1] == "=" and text[pos - 2 : pos - 1] not in ("=", "!", "<", ">"):
        mark = "="
        pos -= 1
        while pos > low and text[pos - 1] in " \t":
            pos -= 1
    end = pos
    while pos > low and (text[pos - 1].isalnum() or text[pos - 1] in "_."):
        pos -= 1
    name = text[pos:end].lstrip(".")  # ").login(": a call on a call's result
    if name and not (name[0].isalpha() or name[0] == "_"):
        return None
    return name, mark


class LoginCredentials(Detector):
    name = "login_credentials"
    finding_type = "Login Credential"
    priority = 12
    generic = True
    confidence = "likely"
    keywords = (
        "login(",
        "login (",
        "auth(",
        "auth=(",
        "auth = (",
        "creds = (",
        "credentials = (",
        "ftp(",
        "ftp_tls(",
        "pass_(",
        "authprovider(",
        "pymysql",
        "mysqldb",
        "cx_oracle",
        "pymssql",
        "mariadb.connect",
    )

    def find(self, doc: Document) -> Iterator[Candidate]:
        text = doc.text
        seen: set[int] = set()
        for keyword in self.keywords:
            for pos in doc.hits(keyword):
                opening = text.find("(", pos, pos + len(keyword) + 40)
                if opening == -1 or opening in seen:
                    continue
                seen.add(opening)
                yield from self._call(doc, opening)

    def _call(self, doc: Document, opening: int) -> Iterator[Candidate]:
        text = doc.text
        index: int | None = None
        single_key = False
        before = _name_before(text, opening)
        if before is not None and before[1] == "=":
            if _TUPLE_NAME_RE.search(before[0]) is None:
                return
            index = 1
        else:
            if before is None or not before[0]:
                return
            dotted = before[0].lower()
            last = dotted.rsplit(".", 1)[-1]
            if last in _PASSWORD_ARG:
                index = _PASSWORD_ARG[last]
                single_key = last == "login"
            elif last == "connect":
                module = dotted.split(".", 1)[0]
                index = _CONNECT_ARG.get(module)
            if index is None:
                return
        limit = doc.segment_at(opening).end
        args = _arguments(text, opening, limit)
        positional = [a.value for a in args if a.keyword is None]
        target = positional[index] if index < len(positional) else None
        user = positional[index - 1] if 0 < index <= len(positional) else None
        if user is not None and text[user[0] : user[1]].lower() in _ANONYMOUS:
            return  # anonymous FTP: the "password" is an e-mail address by convention
        if target is not None:
            if credential_value(text[target[0] : target[1]], "password", quoted=True):
                yield self.candidate(*target)
        elif single_key and len(positional) == 1 and positional[0] is not None:
            # wandb.login("<key>"), a login that takes a key alone.
            only = positional[0]
            if looks_random(text[only[0] : only[1]], min_len=20):
                yield self.candidate(*only)
        if single_key:
            for arg in args:
                if arg.keyword in _LOGIN_KEYS and arg.value is not None:
                    s, e = arg.value
                    if credential_value(text[s:e], "secret", quoted=True):
                        yield self.candidate(s, e)
