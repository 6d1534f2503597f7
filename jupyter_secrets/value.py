"""The value type returned by ``secret()`` and ``%secret``."""

from __future__ import annotations

from typing import Any


class SecretStr(str):
    """A ``str`` that works anywhere a string does, but never shows itself.

    ``repr()`` (what IPython displays, what debuggers and containers show)
    is a mask naming the ref. ``str()``, f-strings, concatenation and
    ``.encode()`` give the real value, because libraries need it; the
    kernel-side redactor covers those paths on output.
    """

    __slots__ = ("ref",)
    ref: str

    def __new__(cls, value: str, ref: str) -> SecretStr:
        obj = super().__new__(cls, value)
        obj.ref = ref
        return obj

    def __repr__(self) -> str:
        return f"<secret {self.ref}>"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self))

    def __reduce__(self) -> Any:
        # Pickling would write the value to wherever the pickle goes
        # (a cache, a file, a multiprocessing pipe to a logger).
        raise TypeError(
            f"secret {self.ref} cannot be pickled; call secret('{self.ref}') where it is needed"
        )

    def __copy__(self) -> SecretStr:
        return self  # immutable, and copying must not go through __reduce__

    def __deepcopy__(self, memo: dict[int, Any]) -> SecretStr:
        return self

    def reveal(self) -> str:
        """The plain ``str`` value, for APIs that reject str subclasses."""
        return str.__str__(self)
