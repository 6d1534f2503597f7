"""Secret stores behind one small interface (see :mod:`.base`), found by name
through the entry-point group ``jupyter_secrets.backends`` (:mod:`.registry`)
and chosen per ref by :class:`.router.Router`."""

from .base import Backend, SecretInfo, SecretRecord, Viability

__all__ = ["Backend", "SecretInfo", "SecretRecord", "Viability"]
