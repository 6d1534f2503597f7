"""Detectors the plugin tests install through entry points (stand-in third parties)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from jupyter_secrets.scanner.detectors import Candidate, Detector
from jupyter_secrets.scanner.document import Document


class AcmeToken(Detector):
    """A third-party vendor format: ``acme_`` and 24 digits."""

    name = "acme"
    finding_type = "Acme Token"
    priority = 100
    keywords = ("acme_",)

    def find(self, doc: Document) -> Iterator[Candidate]:
        for start, end in doc.windows(self.keywords):
            for match in re.finditer(r"acme_[0-9]{24}", doc.text[start:end]):
                yield self.candidate(start + match.start(), start + match.end())


NOT_A_DETECTOR = object()
