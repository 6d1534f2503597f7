"""The one error the scanner raises: a file it cannot scan."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import SecretError


class ScanError(SecretError, ValueError):
    """The input cannot be scanned (not JSON, not nbformat 4, not text, too large).

    The message names the file and the problem, never its content.
    """

    exit_code = 2


@dataclass(frozen=True)
class FileError:
    """A file that could not be scanned: its path and a one-line reason."""

    path: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"path": self.path, "message": self.message}
