"""Private keys (PEM blocks) and GCP service-account key files.

The whole block is the secret, so ``strip`` removes all of it. JSON escapes
(``\\n`` inside a service-account file) are accepted inside the block.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from ..document import Document
from . import Candidate, Detector

_PEM_BEGIN_RE = re.compile(
    r"-----BEGIN (?P<kind>(?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?)-----"
)
_PEM_BODY_RE = re.compile(r"[A-Za-z0-9+/=\s:,.\-\\]{64,20000}")  # \\ for JSON/repr escapes
#: Near a PEM block, this marks a GCP service-account key file.
_GCP_MARKER_RE = re.compile(r"[\"']type\\*[\"']\s*:\s*\\*[\"']service_account")
_GCP_CONTEXT = 4000


@dataclass(frozen=True)
class _Block:
    start: int
    end: int


def _pem_blocks(doc: Document) -> Iterator[_Block]:
    if not doc.hits("private key-----"):
        return
    text = doc.text
    for start, end in doc.windows(("-----begin",)):
        pos = start
        while True:
            # The header is on the window's line; the block spans lines after it.
            header = _PEM_BEGIN_RE.search(text, pos, end + 64)
            if header is None or header.start() >= end:
                break
            pos = header.end()
            footer = f"-----END {header.group('kind')}-----"
            stop = text.find(footer, pos, pos + 20000 + len(footer))
            if stop == -1:
                # No END line: a truncated output or a cut paste still holds the key.
                cut = _truncated_body(text, pos)
                if cut is not None:
                    yield _Block(header.start(), cut)
                    pos = cut
                continue
            if _PEM_BODY_RE.fullmatch(text, pos, stop) is None:
                continue
            body = text[pos:stop].replace("\\n", "").replace("\\r", "").replace("\\", "")
            if "..." not in body and len(re.sub(r"\s", "", body)) >= 64:
                pos = stop + len(footer)
                yield _Block(header.start(), pos)


# A base64 line of a PEM body (64 characters in RFC 7468; 40 or more as some tools
# wrap), its line break raw or escaped (JSON, repr).
_BREAK = r"(?:\r?\n|(?:\\r)?\\n)"  # a line break, raw or escaped (JSON, repr)
_PEM_LINE_RE = re.compile(
    _BREAK + r"[ \t]*(?P<line>[A-Za-z0-9+/=]{40,76})(?=[ \t]*(?:" + _BREAK + r"|$|[\"'`<.]))"
)
#: A header without its END line needs this many full base64 lines after it.
MIN_TRUNCATED_LINES = 2


def _truncated_body(text: str, pos: int) -> int | None:
    """Where the base64 lines after a header without an END line stop (headers like
    Proc-Type: may come first), or None when fewer than ``MIN_TRUNCATED_LINES`` follow."""
    lines = 0
    end = pos
    header_lines = _PEM_HEADERS_RE.match(text, pos)
    if header_lines is not None:
        end = header_lines.end()
    while True:
        line = _PEM_LINE_RE.match(text, end)
        if line is None:
            break
        lines += 1
        end = line.end()
    return end if lines >= MIN_TRUNCATED_LINES else None


# RFC 1421 headers of an encrypted key (Proc-Type: 4,ENCRYPTED / DEK-Info: ...) and the
# blank line after them.
_PEM_HEADERS_RE = re.compile(r"(?:" + _BREAK + r"[A-Za-z\-]+: [^\n\\]*)+" + _BREAK)


class PrivateKey(Detector):
    name = "private_key"
    finding_type = "Private Key"
    priority = 90
    # The shape of a key; the engine raises it to verified when the block parses.
    confidence = "likely"
    keywords = ("-----begin", "private key-----")

    def find(self, doc: Document) -> Iterator[Candidate]:
        for block in _pem_blocks(doc):
            yield self.candidate(block.start, block.end)


class GcpServiceAccountKey(Detector):
    name = "gcp_service_account"
    finding_type = "GCP Service Account Key"
    priority = 95  # beats the generic private key on the same block
    confidence = "verified"  # a key block inside a service-account file
    keywords = ("service_account",)

    def find(self, doc: Document) -> Iterator[Candidate]:
        if not doc.hits("service_account"):
            return
        for block in _pem_blocks(doc):
            lo = max(0, block.start - _GCP_CONTEXT)
            hi = min(len(doc.text), block.end + _GCP_CONTEXT)
            if _GCP_MARKER_RE.search(doc.text, lo, hi):
                yield self.candidate(block.start, block.end)
