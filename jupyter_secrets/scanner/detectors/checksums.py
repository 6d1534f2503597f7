"""Checksums that token formats carry (GitHub classic tokens and npm tokens).

Their last 6 characters are the CRC32 of the 30 random characters before
them, in base62 (0-9A-Za-z), left-padded with '0'. A token whose checksum
does not verify was never issued: it is a made-up example, not a secret.
"""

from __future__ import annotations

import zlib

BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def base62(number: int, width: int = 6) -> str:
    digits = ""
    while number:
        number, rest = divmod(number, 62)
        digits = BASE62[rest] + digits
    return digits.rjust(width, "0")


def crc32_base62(random_part: str) -> str:
    return base62(zlib.crc32(random_part.encode("ascii")))


def verify_token_checksum(token: str) -> bool:
    """``ghp_``/``gho_``/``ghu_``/``ghs_``/``ghr_``/``npm_`` + 30 random + 6 checksum."""
    body = token.split("_", 1)[-1]
    if len(body) != 36 or not body.isascii():
        return False
    return crc32_base62(body[:30]) == body[30:]


def make_token(prefix: str, random_part: str) -> str:
    """Build a well-formed (fake) token; for tests and corpora."""
    return f"{prefix}_{random_part}{crc32_base62(random_part)}"
