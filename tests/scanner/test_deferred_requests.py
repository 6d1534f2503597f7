"""The command line imports detect-secrets without requests, and loses nothing by it.

Run in a fresh interpreter: the test process has imported requests long before.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

from .fakes import Fakes

F = Fakes(seed=5)


def _run(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_the_cli_scanner_finds_without_importing_requests_and_requests_still_works() -> None:
    key = F.aws()
    out = _run(
        f"""
        import argparse, sys
        from jupyter_secrets.cli.scan import build_scanner
        args = argparse.Namespace(detectors=None, baseline=None, known_values_from=None,
                                  max_bytes=None, min_confidence=None)
        built = build_scanner(args)
        scanner = built[0] if isinstance(built, tuple) else built
        scanner.prepare()  # every plugin, as a folder scan does before it forks
        print("imported" if "requests" in sys.modules else "deferred")
        found = scanner.scan_text('aws_access_key_id = "{key}"', "a.py")
        print(len(found), found[0].detector)
        # What detect-secrets' modules hold reads through to the real module...
        import detect_secrets.plugins.base as base
        print(base.requests.exceptions.RequestException.__module__)
        # ...and whoever imports requests afterwards gets the real one.
        import requests
        print(type(requests).__name__, hasattr(requests, "Session"))
        """
    )
    assert out.splitlines()[:4] == [
        "deferred",
        "1 aws",
        "requests.exceptions",
        "module True",
    ], out


def test_without_the_cli_detect_secrets_imports_requests_as_usual() -> None:
    out = _run(
        """
        import sys
        from jupyter_secrets.scanner import Scanner
        Scanner().prepare()
        print("imported" if "requests" in sys.modules else "deferred")
        """
    )
    assert out.strip() == "imported"
