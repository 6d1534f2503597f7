"""Paired credentials: one half identifies the other.

An AWS access key id names the secret access key printed next to it, a Twilio account
SID the auth token next to it, with no keyword in between: ``("AKIA...", "wJal...")``,
``Client("AC...", "f3a...")``, two lines of stdout, a dict's repr, a markdown table.
:func:`paired` finds the other half near an anchor: in the same piece of text, within
``PAIR_REACH`` characters and ``PAIR_LINES`` line breaks on either side.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..document import Document

#: How far from its anchor the other half may be.
PAIR_REACH = 300
PAIR_LINES = 3


def paired(
    doc: Document, anchor: tuple[int, int], other: re.Pattern[str]
) -> Iterator[tuple[int, int]]:
    """Spans of ``other`` near ``anchor`` (not overlapping it), nearest first."""
    text = doc.text
    segment = doc.segment_at(anchor[0])
    low = max(segment.start, anchor[0] - PAIR_REACH)
    high = min(segment.end, anchor[1] + PAIR_REACH)
    found: list[tuple[int, int, int]] = []
    for match in other.finditer(text, low, high):
        s, e = match.span()
        if s < anchor[1] and e > anchor[0]:
            continue
        between = text[e : anchor[0]] if e <= anchor[0] else text[anchor[1] : s]
        if between.count("\n") > PAIR_LINES:
            continue
        found.append((len(between), s, e))
    for _, s, e in sorted(found):
        yield s, e
