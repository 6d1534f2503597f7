"""With ``--IPKernelApp.quiet=False`` ipykernel echoes every stream write to the kernel
process's own stdout/stderr (the Jupyter server's log): that echo is redacted too."""

from __future__ import annotations

import time
from pathlib import Path

from tests.kernel.conftest import write_secrets_config
from tests.kernel.harness import Kernel, leaked_forms
from tests.leaks import traces
from tests.support.fakes import fake_secret
from tests.support.jupyter_env import isolated_env

CELLS = [
    "print(pw)",
    "print('dsn=postgresql://etl:' + str(pw) + '@db/x')",
    "import sys; sys.stderr.write('err ' + str(pw) + '\\n')",
    "import sys; sys.stdout.write(str(pw)); sys.stdout.write('\\n')",
    "import os; os.write(1, (str(pw) + '\\n').encode())",
    "import subprocess; subprocess.run(['echo', str(pw)])",
]


def wait_for(path: Path, needle: bytes, timeout: float = 120) -> bytes:
    """The file's bytes once they contain ``needle`` (the echo is asynchronous)."""
    deadline = time.monotonic() + timeout
    while True:
        data = path.read_bytes()
        if needle in data or time.monotonic() > deadline:
            return data
        time.sleep(0.05)  # polling a condition, not a fixed wait


def test_echo_to_the_server_log_is_redacted(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    value = fake_secret("Ec", 18)  # pragma: allowlist secret
    write_secrets_config(home, {"": "env"})
    out_path, err_path = tmp_path / "kernel.stdout", tmp_path / "kernel.stderr"
    with out_path.open("wb") as out, err_path.open("wb") as err:
        kernel = Kernel(
            home,
            isolated_env(home, {"SECRET_DEV_ECHO_TOKEN": value}),
            extra_arguments=["--IPKernelApp.quiet=False"],
            stdout=out,
            stderr=err,
        )
    kernel.planted.append(value)
    try:
        kernel.ok("pw = %secret dev/echo/token")
        for code in CELLS:
            assert leaked_forms(kernel.run(code).everything(), value) == [], code
        kernel.ok("import sys; print('end-of-out'); sys.stderr.write('end-of-err\\n')")
        written = {
            "stdout": wait_for(out_path, b"end-of-out"),
            "stderr": wait_for(err_path, b"end-of-err"),
        }
    finally:
        kernel.shutdown()
    assert b"end-of-out" in written["stdout"], "quiet=False did not echo stdout"
    assert b"end-of-err" in written["stderr"], "quiet=False did not echo stderr"
    for name, data in written.items():
        assert not any(t in data for t in traces(value)), f"kernel {name} holds the value"
        assert leaked_forms(data, value) == [], f"kernel {name}"
    assert written["stdout"].count(b"[REDACTED dev/echo/token]") >= 5


def test_without_fd_capture_raw_writes_to_the_server_log_are_redacted(tmp_path: Path) -> None:
    # capture_fd_output=False (or a PYTEST_CURRENT_TEST in the kernel's environment): a
    # subprocess or os.write goes straight to the kernel's real stdout, the server log.
    home = tmp_path / "home"
    home.mkdir()
    value = fake_secret("Nc", 18)  # pragma: allowlist secret
    write_secrets_config(home, {"": "env"})
    out_path, err_path = tmp_path / "kernel.stdout", tmp_path / "kernel.stderr"
    with out_path.open("wb") as out, err_path.open("wb") as err:
        kernel = Kernel(
            home,
            isolated_env(home, {"SECRET_DEV_RAW_TOKEN": value}),
            extra_arguments=["--IPKernelApp.capture_fd_output=False"],
            stdout=out,
            stderr=err,
        )
    kernel.planted.append(value)
    try:
        kernel.ok("pw = %secret dev/raw/token")
        kernel.ok("import os; os.write(1, (str(pw) + '\\n').encode())")
        kernel.ok("import os; os.write(2, ('err ' + str(pw) + '\\n').encode())")
        kernel.ok("import subprocess; subprocess.run(['echo', str(pw)])")
        kernel.ok("import os; os.write(1, b'end-of-out\\n'); os.write(2, b'end-of-err\\n')")
        written = {
            "stdout": wait_for(out_path, b"end-of-out"),
            "stderr": wait_for(err_path, b"end-of-err"),
        }
    finally:
        kernel.shutdown()
    assert b"end-of-out" in written["stdout"] and b"end-of-err" in written["stderr"]
    for name, data in written.items():
        assert not any(t in data for t in traces(value)), f"kernel {name} holds the value"
    assert written["stdout"].count(b"[REDACTED dev/raw/token]") == 2
    assert b"[REDACTED dev/raw/token]" in written["stderr"]
