"""The one error the scanner raises: a file it cannot scan."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ..errors import SecretError

#: Why: the input itself, or its size over the scan limit.
ScanErrorKind = Literal["input", "too_large"]


class ScanError(SecretError, ValueError):
    """The input cannot be scanned (not JSON, not nbformat 4, not text, too large).

    The message names the file and the problem, never its content; ``kind`` says
    which of the two it is, so callers never read it from the message.
    """

    exit_code = 2

    def __init__(self, message: str, kind: ScanErrorKind = "input") -> None:
        super().__init__(message)
        self.kind: ScanErrorKind = kind


@dataclass(frozen=True)
class FileError:
    """A file that could not be scanned: its path and a one-line reason."""

    path: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"path": self.path, "message": self.message}
