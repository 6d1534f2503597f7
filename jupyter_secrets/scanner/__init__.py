"""Notebook-aware secret scanner (core: no tornado, jupyter_server or IPython).

Python API (stable)::

    from jupyter_secrets.scanner import Scanner, Finding, KnownValues, ScanError, Baseline

    scanner = Scanner(
        known=None,        # KnownValues: exact values / fingerprints to find
        baseline=None,     # Baseline: accepted findings to drop
        detectors=None,    # detector names (entry points); None = all registered
        max_bytes=None,    # per-file cap; ScanError beyond it
        hash_key=None,     # HMAC key of hashed_secret (see below)
        track=(),          # findings of an earlier scan, found again (see Echoes)
    )
    scanner.scan_notebook(nb_dict_or_json_text_or_bytes, path="")  -> list[Finding]
    scanner.scan_text(str_or_utf8_bytes, path="")                   -> list[Finding]
    scanner.scan_file(path)                                         -> list[Finding]
    scanner.scan_model(contents_model)                              -> list[Finding]
    scanner.scan_cell(cell_dict, cell_index=None, path="")          -> list[Finding]  # LRU-cached
    scanner.scan_echoes(nb_dict, findings, path="")                 -> list[Finding]  # across cells

    from jupyter_secrets.scanner.strip import strip_notebook, strip_text, strip_model
    strip_notebook(nb, findings) -> new dict   # findings must come from scanning that nb
    strip_text(text, findings)   -> str
    strip_model(model, findings) -> new model

Every string of a document is read (:mod:`.content`): notebooks of any
structure or nbformat, text in any common encoding (:mod:`.decode`), and text
that is not JSON or has duplicate keys as raw text (:mod:`.jsontext`). Binary
payloads are skipped only when decoded and proven (:mod:`.binary`). A
:class:`ScanError` (one line, value-free) is raised only for what cannot be
read at all: an unreadable file, invalid base64, over ``max_bytes``.

:class:`Finding` is a frozen dataclass; ``to_dict()`` gives exactly the
keys ``path, cell_index, cell_id, location, output_index, line, column,
type, hashed_secret, preview``. ``cell_index`` is 0-based in ``nb["cells"]``;
``location`` is "source", "output" or "metadata" (anything else in a notebook:
notebook, cell or output metadata, attachments, unknown keys; "source" for
plain files, whose cell fields are None); ``line``/``column`` are 1-based within the cell source or
the output's text (error outputs: ename, evalue, then the ANSI-stripped
traceback lines). One finding per secret per output, whatever the number of
mimetypes. ``finding.detector`` names the detector (not in the JSON). The
plaintext lives only in the private ``finding.span`` (memory only, never in
repr, equality, ``to_dict()``, pickles).

``hashed_secret`` is HMAC-SHA256(key, secret). The key is ``hash_key`` if
given, else the baseline's salt (reproducible for everyone sharing that
baseline), else ``$JUPYTER_SECRETS_HASH_KEY``, else a random per-process key,
so hashes printed in CI logs cannot be brute-forced offline.

``KnownValues`` (see :mod:`.known_values`): ``add(value, label)`` for values this
process holds (only their fingerprints are kept), ``add_fingerprint(fp)``
for keyed fingerprints a kernel computed with
``jupyter_secrets.knownprints.link_fingerprints(value, key)`` (found as
substrings) or ``fingerprints(value, key)`` (whole tokens, the old kind);
findings have type "Known secret value" and detector "known_values".

**Echoes** (see :mod:`.echoes`): once a value (8 characters or more) is
found anywhere in a document, every other occurrence of it in that document
is a finding too, in any carrier (sources, outputs, metadata) and in its
JSON-, HTML-, URL- and repr-escaped forms: ``'VALUE'`` as a cell's result,
``using key: VALUE`` on stdout, a DataFrame's HTML cell. Echoes are linked
findings: they keep the type and the ``hashed_secret`` of the finding they
echo (the same hash is the link: one fix resolves them all), their
``detector`` is "echo", and the allowlist applies to them as to any finding.
A notebook scanned in parts (``scan_cell`` per cell, ``scan_pieces`` for the
rest) gets its echoes across parts from ``scan_echoes(nb, findings, path)``.
``Scanner(track=findings)`` finds the values of an earlier scan's findings
again wherever they occur (the proof that a strip left none, which a plain
rescan cannot give once the context that found a value is redacted).

Detector types (``Finding.type``) and names (``Finding.detector``, the
entry-point names in group ``jupyter_secrets.detectors``): see
:mod:`.registry`. GitHub classic and npm tokens must carry a valid CRC32
checksum; build fake ones with
:func:`jupyter_secrets.scanner.detectors.checksums.make_token`.

Allowlisting: ``pragma: allowlist secret`` on the line (or ``pragma:
allowlist nextline secret`` on the line before), the cell tag
``allow-secret`` (whole cell: source and outputs), or a baseline.
"""

from __future__ import annotations

from .baseline import Baseline
from .engine import Scanner
from .errors import ScanError
from .finding import Finding
from .known_values import KnownValues, fingerprints

__all__ = ["Baseline", "Finding", "KnownValues", "ScanError", "Scanner", "fingerprints"]
