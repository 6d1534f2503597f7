"""Fake secret values, generated at test time: never real, never stored in the repo.

Tests hand these values to the code under test and look for them afterwards; a failure
message names the place a value was found, never the value.

The scanner's per-vendor generators (tests/scanner/fakes.py, seeded for reproducible
golden files) and the corpus generator (tests/corpus/fakes.py) are of another kind and
stay where they are.
"""

from __future__ import annotations

import random
import secrets
import string

from jupyter_secrets.scanner.detectors.checksums import make_token

AWS_KEY_ALPHABET = string.ascii_uppercase + "234567"  # AWS access key ids are base32
ALNUM = string.ascii_letters + string.digits
BASE62 = string.ascii_uppercase + string.ascii_lowercase + string.digits


def fake_secret(prefix: str = "fake-", nbytes: int = 24) -> str:
    """``prefix`` and ``nbytes`` random bytes, URL-safe (it fits env vars, URLs, argv).

    The prefix tells the tests' values apart (and from other data) in a failure report.
    """
    return prefix + secrets.token_urlsafe(nbytes)


def fake_alnum(size: int = 14) -> str:
    """``size`` random letters and digits: a plain value no detector flags on its own."""
    return "".join(secrets.choice(ALNUM) for _ in range(size))


def fake_aws_key(rng: random.Random | None = None) -> str:
    """A fake AWS access key id (the format every detector knows).

    ``rng`` is for a reproducible draw (a hypothesis strategy seeds one); by default the
    value comes from the operating system's generator.
    """
    draw = rng or secrets.SystemRandom()
    return "AKIA" + "".join(draw.choices(AWS_KEY_ALPHABET, k=16))  # pragma: allowlist secret


def fake_github_token(rng: random.Random | None = None) -> str:
    """A fake classic GitHub token with a valid checksum: detectors find it bare."""
    draw = rng or secrets.SystemRandom()
    return make_token("ghp", "".join(draw.choices(BASE62, k=30)))  # pragma: allowlist secret
