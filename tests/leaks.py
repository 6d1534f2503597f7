"""What a leak check looks for on disk: a value's bytes and its common digests."""

from __future__ import annotations

import base64
import hashlib


def traces(value: str) -> list[bytes]:
    """The value, its base64 and its sha256/sha1/md5 hex digests, as bytes."""
    raw = value.encode()
    return [
        raw,
        base64.b64encode(raw),
        hashlib.sha256(raw).hexdigest().encode(),
        hashlib.sha1(raw).hexdigest().encode(),  # noqa: S324 (looked for, not used)
        hashlib.md5(raw).hexdigest().encode(),  # noqa: S324
    ]
