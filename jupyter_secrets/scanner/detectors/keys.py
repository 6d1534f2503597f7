"""Private keys (PEM blocks) and GCP service-account key files.

The whole block is the secret, so ``strip`` removes all of it. JSON escapes
(``\\n`` inside a service-account file) are accepted inside the block.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..document import Document
from . import Candidate, Detector

_PEM_RE = re.compile(
    r"-----BEGIN (?P<kind>(?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?)-----"
    r"(?P<body>[A-Za-z0-9+/=\s:,.\-\\]{64,20000}?)"  # \\ for JSON/repr escapes
    r"-----END (?P=kind)-----"
)
#: Near a PEM block, this marks a GCP service-account key file.
_GCP_MARKER_RE = re.compile(r"[\"']type\\*[\"']\s*:\s*\\*[\"']service_account")
_GCP_CONTEXT = 4000


def _pem_blocks(doc: Document) -> Iterator[re.Match[str]]:
    if not doc.hits("private key-----"):
        return
    for start, end in doc.windows(("-----begin",)):
        # A block spans lines: search from its first line to well past the window.
        for match in _PEM_RE.finditer(doc.text, start, min(len(doc.text), end + 25000)):
            if match.start() >= end:
                break
            body = match.group("body").replace("\\n", "").replace("\\r", "").replace("\\", "")
            if "..." not in body and len(re.sub(r"\s", "", body)) >= 64:
                yield match


class PrivateKey(Detector):
    name = "private_key"
    finding_type = "Private Key"
    priority = 90
    keywords = ("-----begin", "private key-----")

    def find(self, doc: Document) -> Iterator[Candidate]:
        for match in _pem_blocks(doc):
            yield self.candidate(match.start(), match.end())


class GcpServiceAccountKey(Detector):
    name = "gcp_service_account"
    finding_type = "GCP Service Account Key"
    priority = 95  # beats the generic private key on the same block
    keywords = ("service_account",)

    def find(self, doc: Document) -> Iterator[Candidate]:
        if not doc.hits("service_account"):
            return
        for match in _pem_blocks(doc):
            lo = max(0, match.start() - _GCP_CONTEXT)
            hi = min(len(doc.text), match.end() + _GCP_CONTEXT)
            if _GCP_MARKER_RE.search(doc.text, lo, hi):
                yield self.candidate(match.start(), match.end())
