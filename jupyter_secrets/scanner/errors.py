"""The one error the scanner raises: a file it cannot scan."""

from __future__ import annotations

from ..errors import SecretError


class ScanError(SecretError, ValueError):
    """The input cannot be scanned (not JSON, not nbformat 4, not text, too large).

    The message names the file and the problem, never its content.
    """

    exit_code = 2
