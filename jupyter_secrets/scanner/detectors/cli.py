"""Credentials on command lines: flags, glued short options, ``user:pass`` and
environment prefixes.

A command line is read wherever one is written: a ``!`` shell line or a ``%%bash``
cell, a string handed to ``subprocess``/``os.system``, an argv list
(``subprocess.run(["mysql", "-pX"])``: its string elements, in order), a fenced block in
markdown, a raw cell, an output. It is split into words (quotes kept as the shell
would) and commands (``;``, ``&&``, ``|``, backticks); then, for every command:

* any flag named like a credential takes the next word or its ``=`` part
  (``--password x``, ``--api-key=x``, ``--hf_token x``, ``-storepass x``);
* any ``NAME=value`` word named like a credential is a value (``PGPASSWORD=x psql``,
  ``docker run -e API_KEY=x``, ``helm --set auth.password=x``);
* programs whose short options carry a password are known by name: ``mysql -pX``
  (glued), ``sshpass -p X``, ``curl -u user:X``, ``docker login -p X``, ``twine -p X``,
  ``redis-cli -a X``, ``smbclient -U user%X``, ``zip -P X``, ``7z -pX``...
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from ..document import Document
from ..textscan import NAME_CHARS, near_any, words_that_may_name
from . import Candidate, Detector
from .context import PYTHON, SHELL, STRING, Place, Places
from .context import places as shared_places
from .credentials import credential_name, credential_value
from .values import is_words

#: Lines a backslash continues are one command line, up to this many.
MAX_CONTINUATIONS = 20
#: A command line is at most this long.
MAX_LINE = 4096
#: An argv list or call is read up to this many characters.
MAX_SEQUENCE = 4000

# Unquoted < and > are redirections: "<YOUR KEY>" is no word of a command.
_SHELL_WORD = re.compile(
    r"(?P<cont>\\\r?\n)|(?P<sep>&&|\|\||[;|`\n(){}<>]|\$\()"
    r"|(?P<word>(?:[^\s'\"`;|&(){}<>\\]|\\.|'[^'\n]*'|\"(?:[^\"\\\n]|\\.)*\"|&(?!&))+)"
)
_ENV_WORD = re.compile(r"(?P<name>[A-Za-z_][\w.\-]{0,80})=(?P<value>.*)", re.DOTALL)
_FLAG_WORD = re.compile(
    r"(?P<dashes>--?)(?P<name>[A-Za-z][\w\-.]{1,80})(?:=(?P<value>.*))?", re.DOTALL
)
# A list of strings as Python prints it: ['mysql', '-u', 'root', '-pX'].
_LIST_REPR = re.compile(
    r"\[(?:[ \t]*(?P<q>['\"])[^'\"\n]*(?P=q)[ \t]*,)+[ \t]*['\"][^'\"\n]*['\"][ \t]*\]"
)
_LIST_ITEM = re.compile(r"(?P<q>['\"])(?P<item>[^'\"\n]*)(?P=q)")
_SPEC_RE = re.compile(r"[A-Za-z_][\w\-]*=")
#: Words before the program that are not it.
_PRECOMMANDS = frozenset(
    {
        "sudo",
        "env",
        "time",
        "nohup",
        "exec",
        "command",
        "xargs",
        "!",
        "%sx",
        "%system",
        "$",
        "+",
        ">",
        "#",
    }
)
#: Single-dash flags that hold a password though their names do not say so (keytool).
_PASSWORD_FLAGS = frozenset({"storepass", "keypass", "srcstorepass", "deststorepass", "srckeypass", "destkeypass", "storepassword", "passin", "passout", "pass"})  # fmt: skip


@dataclass(frozen=True)
class _Option:
    """A program's option whose value is a password."""

    flag: str
    glued: bool  # -pVALUE
    spaced: bool  # -p VALUE
    form: str = "password"  # "password" | "user:pass" (curl) | "user%pass" (smbclient)
    after_login: bool = False  # only after a "login" subcommand (docker login -p)


_MYSQL = "mysql mysqldump mysqladmin mysqlimport mysqlshow mysqlcheck mysqlsh mysqlpump mariadb mariadb-dump mariadb-admin"
_LOGIN_TOOLS = "docker podman buildah skopeo helm oras nerdctl oc cf az crane regctl"
_MONGO = (
    "mongo mongosh mongodump mongorestore mongoexport mongoimport mongostat mongotop mongofiles"
)
_SAMBA = "smbclient rpcclient smbmap smbcacls net"
_CURL = (
    _Option("-u", True, True, "user:pass"),
    _Option("--user", False, True, "user:pass"),
    _Option("-U", True, True, "user:pass"),
    _Option("--proxy-user", False, True, "user:pass"),
)
#: (programs, their password options).
_PROGRAM_TABLE: tuple[tuple[str, tuple[_Option, ...]], ...] = (
    (_MYSQL, (_Option("-p", True, False),)),  # -p alone prompts; -p db names a database
    ("sshpass", (_Option("-p", True, True),)),
    (_LOGIN_TOOLS, (_Option("-p", False, True, after_login=True),)),
    ("twine", (_Option("-p", False, True),)),
    (_MONGO, (_Option("-p", False, True),)),
    ("redis-cli", (_Option("-a", False, True),)),
    ("curl", _CURL),
    (_SAMBA, (_Option("-U", True, True, "user%pass"), _Option("--user", False, True, "user%pass"))),
    ("zip unzip sqlcmd bcp", (_Option("-P", False, True),)),
    ("7z 7za 7zr rar unrar", (_Option("-p", True, False),)),
)
_PROGRAM_OPTIONS: dict[str, tuple[_Option, ...]] = {
    program: options for programs, options in _PROGRAM_TABLE for program in programs.split()
}


@dataclass(frozen=True, slots=True)
class _Word:
    start: int
    end: int

    def text(self, text: str) -> str:
        return text[self.start : self.end]


Command = list[_Word | None]  # None: an argument whose value is not text (a variable)


def _unquote(text: str, start: int, end: int) -> tuple[int, int, bool] | None:
    """The span of a word's value without its quotes, and whether it was quoted;
    None when quotes are inside it (``pass"word"``: the shell's, not ours to read)."""
    if end - start >= 2 and text[start] in "'\"" and text[end - 1] == text[start]:
        inner = text[start + 1 : end - 1]
        return (start + 1, end - 1, True) if text[start] not in inner else None
    if any(c in "'\"" for c in text[start:end]):
        return None
    return start, end, False


def _shell_commands(text: str, start: int, end: int, nested: bool = True) -> Iterator[Command]:
    """The commands of shell text; with ``nested``, also those a quoted word with spaces
    holds (``bash -c 'mysql -pX'``, an error's ``Command 'curl -u a:X ...'``) and the argv
    lists Python printed (``Command '['mysql', '-pX']' returned non-zero exit status``)."""
    command: Command = []
    for match in _SHELL_WORD.finditer(text, start, end):
        if match.group("cont") is not None:
            continue  # a backslash-newline joins lines
        if match.group("sep") is not None:
            if command:
                yield command
            command = []
            continue
        s, e = match.span("word")
        command.append(_Word(s, e))
        quoted = e - s > 2 and text[s] in "'\"" and text[e - 1] == text[s]
        if nested and quoted and any(c.isspace() for c in text[s + 1 : e - 1]):
            yield from _shell_commands(text, s + 1, e - 1, nested=False)
    if command:
        yield command
    if nested and "[" in text[start:end]:
        for listed in _LIST_REPR.finditer(text, start, end):
            yield [_Word(*m.span("item")) for m in _LIST_ITEM.finditer(text, *listed.span())]


class CommandLineCredentials(Detector):
    name = "cli_credentials"
    finding_type = "Command-Line Credential"
    # Below password_assignment: where both read a value (export X=v, a log's x=v) the
    # assignment names it; this detector adds what only a command line says.
    priority = 8
    generic = True
    confidence = "likely"
    keywords = (
        "pass",
        "pwd",
        "token",
        "key",
        "secret",
        "credentials",
        "mysql",
        "mariadb",
        "sshpass",
        "curl",
        "login",
        "twine",
        "mongo",
        "redis-cli",
        "smbclient",
        "rpcclient",
        "sqlcmd",
        "zip -p",
        "7z a",
        "7z x",
        "7z e",
        "7za ",
        "rar a",
    )

    def find(self, doc: Document) -> Iterator[Candidate]:
        places = shared_places(doc)
        regions: set[tuple[int, int]] = set()
        found: set[tuple[int, int]] = set()
        text = doc.text
        for keyword in self.keywords:
            named = keyword in _NAME_KEYWORDS
            hits = doc.hits(keyword)
            if named and hits:
                # Cheap first: a flag has a dash before its name, a NAME= word an '='
                # after it, a setting's name a setting word before it (most hits of
                # "token" and "key" have none of them), all looked for in one pass.
                hits = near_any(text, hits, _NAMED_BEFORE, _NAMED_AFTER)
                # And what _named_here needs of the word around the hit (most "key=" and
                # "token" hits are in "tokenizer = ..." and "max_tokens=").
                hits = words_that_may_name(
                    text, hits, _SETTING_WORDS_ASCII, _SETTING_REACH, _MAX_WORD, _ENV_BEFORE_ASCII
                )
            for pos in hits:
                if named:
                    if (
                        text.rfind("-", max(0, pos - 40), pos) == -1
                        and text.find("=", pos, pos + 40) == -1
                        and not _setting_before(text, max(0, pos - _SETTING_REACH), pos)
                    ):
                        continue
                    if not _named_here(text, pos):
                        continue
                elif not _program_here(text, pos):
                    continue
                place = places.at(pos)
                if place.kind == PYTHON:
                    continue  # mysql.connector, api_key = ...: code, not a command
                region = self._region(doc, place, pos)
                if region is None or region in regions:
                    continue
                regions.add(region)
                for command in self._commands(doc, places, place, region):
                    for span in self._values(doc.text, command):
                        if span not in found:
                            found.add(span)
                            yield self.candidate(*span)

    # -- where a command line is ---------------------------------------------------

    def _region(self, doc: Document, place: Place, pos: int) -> tuple[int, int] | None:
        text = doc.text
        if place.kind == STRING and place.literal is not None:
            sequence = _sequence(text, place.literal)
            return sequence if sequence is not None else place.literal
        # A command line is a line (and the lines a backslash continues); a line longer
        # than MAX_LINE (a 100 MB one-line output) is no command line.
        low = max(0, pos - MAX_LINE)
        lo = text.rfind("\n", low, pos) + 1
        if lo == 0 and low > 0:
            return None
        hi = text.find("\n", pos, pos + MAX_LINE)
        if hi == -1:
            if pos + MAX_LINE < len(text):
                return None
            hi = len(text)
        for _ in range(MAX_CONTINUATIONS):
            if hi >= len(text) or not text[lo:hi].rstrip().endswith("\\"):
                break
            nxt = text.find("\n", hi + 1, hi + 1 + MAX_LINE)
            if nxt == -1:
                if hi + 1 + MAX_LINE >= len(text):
                    hi = len(text)  # the text ends on the continued line
                break
            hi = nxt
        return lo, hi

    def _commands(
        self, doc: Document, places: Places, place: Place, region: tuple[int, int]
    ) -> Iterator[Command]:
        text = doc.text
        if place.kind != STRING or place.literal == region:
            start, end = region
            if place.kind == SHELL and text[start:end].lstrip().startswith("!"):
                start = text.index("!", start) + 1
            yield from _shell_commands(text, start, end)
            return
        # An argv list or call: its string literals are words in order; anything else
        # between them (a variable) is an argument of unknown value. An element with
        # spaces is a shell string of its own (["bash", "-c", "mysql -pX db"]).
        command: Command = []
        previous = region[0] + 1
        for lit_start, lit_end, _prefix in places.literals_between(*region):
            if text[previous : lit_start - 1].strip(" \t\n,[]()\"'rbuRBUfF"):
                command.append(None)
            if any(c.isspace() for c in text[lit_start:lit_end]):
                yield from _shell_commands(text, lit_start, lit_end)
                command.append(None)
            else:
                command.append(_Word(lit_start, lit_end))
            previous = lit_end + 1
        if text[previous : region[1]].strip(" \t\n,[]()\"'"):
            command.append(None)
        yield command

    # -- what a command line says ----------------------------------------------------

    def _values(self, text: str, command: Command) -> Iterator[tuple[int, int]]:
        program = ""
        login = False
        env: list[tuple[int, int]] = []
        for index, word in enumerate(command):
            if word is None:
                continue
            raw = word.text(text)
            spaced = command[index + 1] if index + 1 < len(command) else None
            if not program:
                bare = raw.lstrip("!%")
                if (
                    _ENV_WORD.fullmatch(raw) is None
                    and bare
                    and bare not in _PRECOMMANDS
                    and not bare.startswith("-")
                ):
                    program = bare.rsplit("/", 1)[-1].lower()
                    continue
            login = login or raw == "login"
            span = self._program_option(text, program, login, word, spaced)
            if span is None:
                span = self._flag(text, word, spaced)
            if span is not None:
                yield span
                continue
            span = self._env(text, word)
            if span is not None:
                env.append(span)
                continue
            if spaced is not None and _sets(text, command, index):
                kind = credential_name(raw)
                if kind is not None:
                    span = self._value(text, spaced.start, spaced.end, kind, spaced=True)
                    if span is not None:
                        yield span
        if program:  # NAME=value words of a command (not a libpq DSN, not a log line)
            yield from env

    def _program_option(
        self, text: str, program: str, login: bool, word: _Word, spaced: _Word | None
    ) -> tuple[int, int] | None:
        raw = word.text(text)
        for option in _PROGRAM_OPTIONS.get(program, ()):
            if option.after_login and not login:
                continue
            flag = option.flag
            if raw == flag:
                if option.spaced and spaced is not None:
                    return self._value(
                        text, spaced.start, spaced.end, "password", option.form, True
                    )
            elif flag.startswith("--"):
                if raw.startswith(flag + "="):
                    start = word.start + len(flag) + 1
                    return self._value(text, start, word.end, "password", option.form)
            elif option.glued and raw.startswith(flag):
                start = word.start + len(flag)
                return self._value(text, start, word.end, "password", option.form)
        return None

    def _flag(self, text: str, word: _Word, spaced: _Word | None) -> tuple[int, int] | None:
        match = _FLAG_WORD.fullmatch(text, word.start, word.end)
        if match is None:
            return None
        name = match.group("name")
        kind = credential_name(name)
        if kind is None and name.lower() in _PASSWORD_FLAGS and match.group("dashes") == "-":
            kind = "password"
        if kind is None or (match.group("dashes") == "-" and len(name) < 4):
            return None
        if match.group("value") is not None:
            start = match.start("value")
            value = text[start : word.end]
            if value.startswith("pass:"):  # openssl -passin pass:X
                start += 5
            return self._value(text, start, word.end, kind)
        if spaced is None:
            return None
        start = spaced.start
        if text[start : start + 5] == "pass:":
            start += 5
        return self._value(text, start, spaced.end, kind, spaced=True)

    def _env(self, text: str, word: _Word) -> tuple[int, int] | None:
        match = _ENV_WORD.fullmatch(text, word.start, word.end)
        if match is None or match.group("name").startswith("-"):
            return None
        kind = credential_name(match.group("name"))
        if kind is None:
            return None
        return self._value(text, match.start("value"), word.end, kind)

    @staticmethod
    def _value(
        text: str,
        start: int,
        end: int,
        kind: str,
        form: str = "password",
        spaced: bool = False,
    ) -> tuple[int, int] | None:
        unquoted = _unquote(text, start, end)
        if unquoted is None:
            return None
        start, end, quoted = unquoted
        if form != "password":
            cut = text.find(form[4], start, end)  # the ':' of user:pass, '%' of user%pass
            if cut == -1:
                return None  # no password given: the tool prompts for it
            start = cut + 1
        value = text[start:end]
        if not value or value[0] == "-":
            return None  # the next flag, not a value
        if _SPEC_RE.match(value):
            return None  # docker --secret id=HF_TOKEN,src=...: a spec naming a secret
        # A spaced value may be prose ("use --password option"): words are no value.
        if spaced and not quoted and is_words(value, number=kind != "password"):
            return None
        if not credential_value(value, kind, quoted, code=not quoted):
            return None
        return start, end


_NAME_KEYWORDS = frozenset({"pass", "pwd", "token", "key", "secret", "credentials"})
#: The most characters of a word on each side of a keyword hit.
_MAX_WORD = 80
_WORD_RUN = re.compile(rf"[A-Za-z0-9_.\-]{{0,{_MAX_WORD}}}")
_WORD_CHARS = NAME_CHARS
_OPTION_AFTER = re.compile(r"[\s\"',\[]-")
_ENV_BEFORE = frozenset(" \t\n\"'!([,;&|`")
_ENV_BEFORE_ASCII = "".join(sorted(_ENV_BEFORE)).encode("ascii")


def _named_here(text: str, pos: int) -> bool:
    """A credential keyword at ``pos`` that is part of a flag (``--api-key``,
    ``-storepass``) or of a ``NAME=`` word: only those make a command line worth
    reading (most hits of "key" and "token" are dict keys and prose)."""
    run = _WORD_RUN.match(text, pos)
    end = run.end() if run is not None else pos
    start = pos
    while start > 0 and pos - start < _MAX_WORD and text[start - 1] in _WORD_CHARS:
        start -= 1
    if _setting_before(text, max(0, start - _SETTING_REACH), start):
        return credential_name(text[start:end]) is not None  # aws configure set NAME V
    if text[end : end + 1] != "=" and text.rfind("-", max(0, pos - 80), pos) == -1:
        return False  # no '=' after it and no dash before it: a dict key, prose
    name = text[start:end].lstrip("-")
    if text[start] == "-":
        return credential_name(name) is not None or name.lower() in _PASSWORD_FLAGS
    if text[end : end + 1] != "=" or (start > 0 and text[start - 1] not in _ENV_BEFORE):
        return False
    return credential_name(name) is not None


#: Words after which a command's next two words are a setting's name and its value:
#: ``aws configure set NAME V``, ``npm config set``, ``poetry config``, ``git config``,
#: ``conda config --set``, ``dvc remote modify REMOTE NAME V``.
_SETTING_WORDS = frozenset({"set", "--set", "config"})
_SETTING_BEFORE = re.compile(
    r"(?:\bset|\bconfig|\bmodify\s+\S+)(?:\s+--?[A-Za-z][\w\-]*){0,3}\s+[\w.\-:/]*\Z"
)


def _setting_before(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` ends in a setting's name (see _SETTING_BEFORE). A match
    starts where one of its branches' literals does, so the regex is tried only there,
    anchored: most windows hold none, and a "set" in "dataset" fails at once on its
    ``\b``. (Searched instead, it was tried at each of 120 positions per keyword hit.)"""
    for literal in _SETTING_LITERALS:
        at = text.find(literal, start, end)
        while at != -1:
            if _SETTING_BEFORE.match(text, at, end) is not None:
                return True
            at = text.find(literal, at + 1, end)
    return False


#: The literal each branch of _SETTING_BEFORE starts with.
_SETTING_LITERALS = ("set", "config", "modify")
#: How far before a hit its setting's words are looked for.
_SETTING_REACH = 120
_SETTING_WORDS_ASCII = tuple(w.encode("ascii") for w in _SETTING_LITERALS)
#: What a named hit needs near it before its checks run (see find): textscan.near_any's
#: literals and reaches, implied by those checks.
_NAMED_BEFORE = ((b"-", 40), *((w, _SETTING_REACH) for w in _SETTING_WORDS_ASCII))
_NAMED_AFTER = ((b"=", 40),)


def _sets(text: str, command: Command, index: int) -> bool:
    """Whether the word at ``index`` names a setting: it follows a setting word (flags
    between them aside: ``git config --global user.password V``), or ``modify`` and a
    remote's name."""
    words = [w.text(text) if w is not None else "" for w in command[max(0, index - 4) : index]]
    while words and words[-1].startswith("-") and words[-1] != "--set":
        words.pop()
    if words and words[-1] in _SETTING_WORDS:
        return True
    return len(words) >= 2 and words[-2] == "modify"


def _program_here(text: str, pos: int) -> bool:
    """A program name at ``pos`` (not inside a word) with an option after it."""
    if pos > 0 and (text[pos - 1].isalnum() or text[pos - 1] in "_."):
        return False
    return _OPTION_AFTER.search(text, pos, pos + 400) is not None


def _sequence(text: str, literal: tuple[int, int]) -> tuple[int, int] | None:
    """The brackets around a string literal that is one element of a list, tuple or
    call with others (``["mysql", "-pX"]``), else None."""
    start, end = literal
    quote_start = start - 1
    while quote_start > 0 and text[quote_start - 1] in "rbuRBUfF":
        quote_start -= 1
    before = text[max(0, quote_start - 200) : quote_start].rstrip()
    after = text[end + 1 : end + 200].lstrip(" \t\n\"'")
    if not (before.endswith((",", "[", "(")) or after.startswith(",")):
        return None
    depth = 0
    low = max(0, start - MAX_SEQUENCE)
    pos = quote_start - 1
    while pos >= low:
        char = text[pos]
        if char in ")]":
            depth += 1
        elif char in "([":
            if depth == 0:
                break
            depth -= 1
        elif char == "\x00":
            return None
        pos -= 1
    else:
        return None
    opener = pos
    closer = {"(": ")", "[": "]"}[text[opener]]
    depth = 0
    pos = end
    high = min(len(text), end + MAX_SEQUENCE)
    while pos < high:
        char = text[pos]
        if char in "([":
            depth += 1
        elif char in ")]":
            if depth == 0:
                return (opener, pos) if char == closer else None
            depth -= 1
        elif char == "\x00":
            return None
        pos += 1
    return None
