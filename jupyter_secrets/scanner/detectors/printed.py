"""Credentials printed bare: the only clue is the source line that printed them.

``print(developer_api_key)``, ``print(f"{token}")``, ``display(creds["secret"])`` or a
credential-named expression as a cell's last line shows the value with no name next to
it. When a code cell's source shows a credential-named expression that way, a line of
that cell's outputs (stdout, a result's ``text/plain`` repr, HTML or markdown) that
holds a single token (long, letters and digits, no words, paths, URLs or numbers) is
a possible credential.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Iterator

from ..document import KIND_CODE, Document, Segment
from ..finding import LOCATION_OUTPUT, LOCATION_SOURCE
from . import Candidate, Detector
from .credentials import credential_name
from .values import looks_random

#: Printed tokens are at least this long.
MIN_PRINTED = 16
#: A line that prints is at most this long.
MAX_LINE = 4096
_NOT_SPACE_RE = re.compile(r"\S")
#: Lines of one output read for printed tokens.
MAX_OUTPUT_LINES = 200

_SHOW_WORDS = ("print", "display", "pp(", "st.", "write", "log")
_SHOW_LINE_RE = re.compile(
    r"^[ \t]*(?:print|display|pprint|pp|st\.(?:write|text|code)|sys\.stdout\.write"
    r"|log(?:ger|ging)?\.(?:debug|info|warning|error|critical))"
    r"[ \t]*\((?P<args>.*)\)[ \t;]*(?:#.*)?$",
    re.MULTILINE,
)
# A bare expression: a name, attribute, subscript or lookup call, no assignment.
_BARE_EXPR_RE = re.compile(
    r"[ \t]*(?P<args>[A-Za-z_][\w.]*(?:\[[^\]=]*\]|\([^()=]*\))*)[ \t;]*(?:#.*)?"
)
_NAME_RE = re.compile(r"[A-Za-z_]\w*")
_KEYWORD_RE = re.compile(r"(?i)key|token|secret|pass|pwd|credential")
_STRING_KEY_RE = re.compile(r"[\"']([A-Za-z_][\w.\-]*)[\"']")
_PRINTED_LINE_RE = re.compile(
    r"^[ \t]*(?:<pre>|<code>|<p>|[`'\"])?(?P<v>[A-Za-z0-9+/=_\-.~]{16,512})"
    r"(?:</pre>|</code>|</p>|[`'\"])?[ \t]*$",
    re.MULTILINE,
)
_SHOWN_FIELDS = frozenset(
    {("text",), ("data", "text/plain"), ("data", "text/html"), ("data", "text/markdown")}
)


def _names_credential(args: str) -> bool:
    """Whether an expression names a credential: ``api_key``, ``cfg.hf_token``,
    ``os.environ["OPENAI_API_KEY"]``, ``f"{token}"``."""
    if _KEYWORD_RE.search(args) is None:
        return False
    words = _NAME_RE.findall(args) + _STRING_KEY_RE.findall(args)
    return any(credential_name(w) is not None for w in words if len(w) > 3)


class PrintedCredential(Detector):
    name = "printed_credential"
    finding_type = "Printed Credential"
    priority = 5  # anything that names the value says more
    generic = True
    confidence = "possible"
    keywords = ("key", "token", "secret", "pass", "pwd", "credential")

    def find(self, doc: Document) -> Iterator[Candidate]:
        text = doc.text
        for source in _code_sources(doc, self.keywords):
            origin = source.origin
            cell = (origin.cell_index, origin.cell_id)
            # Outputs first: most cells that name a credential show none (the cheaper test).
            shown = [o for o in _cell_outputs(doc, source, cell) if o.origin.field in _SHOWN_FIELDS]
            if shown and self._shows(text, source):
                for output in shown:
                    yield from self._printed(text, output)

    @staticmethod
    def _shows(text: str, segment: Segment) -> bool:
        """Whether a code cell's source prints a credential-named expression, or ends
        with one (a bare last line: the cell's result shows it)."""
        source = segment.text
        if any(word in source for word in _SHOW_WORDS):
            for call in _SHOW_LINE_RE.finditer(source):
                if len(call.group(0)) <= MAX_LINE and _names_credential(call.group("args")):
                    return True
        end = len(source)
        while end > 0 and source[end - 1].isspace():
            end -= 1
        start = source.rfind("\n", max(0, end - MAX_LINE), end) + 1
        if start == 0 and end > MAX_LINE:
            return False
        last = source[start:end]
        bare = _BARE_EXPR_RE.fullmatch(last)
        return bare is not None and _names_credential(bare.group("args"))

    def _printed(self, text: str, output: Segment) -> Iterator[Candidate]:
        """Printed tokens in ``output``, one of the fields in _SHOWN_FIELDS."""
        for index, match in enumerate(_PRINTED_LINE_RE.finditer(text, output.start, output.end)):
            if index >= MAX_OUTPUT_LINES:
                break
            value = match.group("v")
            if len(value) >= MIN_PRINTED and looks_random(value, MIN_PRINTED):
                yield self.candidate(*match.span("v"))


def _code_sources(doc: Document, keywords: tuple[str, ...]) -> Iterator[Segment]:
    """The code cell sources that hold a keyword (each once, in document order)."""
    hits = sorted(itertools.chain.from_iterable(doc.hits(keyword) for keyword in keywords))
    at = 0
    while at < len(hits):
        segment = doc.segment_at(hits[at])
        at = bisect.bisect_left(hits, segment.end, at + 1)  # past this segment's hits
        origin = segment.origin
        if (
            origin.kind == KIND_CODE
            and origin.location == LOCATION_SOURCE
            and not origin.cell_magic
            and (origin.cell_index is not None or origin.cell_id is not None)
        ):
            yield segment


def _cell_outputs(
    doc: Document, source: Segment, cell: tuple[int | None, str | None]
) -> Iterator[Segment]:
    """The output segments of the cell ``source`` belongs to (a cell's pieces are
    adjacent in a document: its source, outputs and metadata, in its key order)."""
    here = doc.index_at(source.start)
    for step in (-1, 1):
        index = here + step
        while 0 <= index < len(doc):
            origin = doc.origin(index)
            if (origin.cell_index, origin.cell_id) != cell:
                break
            if origin.location == LOCATION_OUTPUT:
                yield doc.segment(index)
            index += step
