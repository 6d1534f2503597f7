import json
import os
import stat
import threading
from pathlib import Path

import pytest

from jupyter_secrets.audit import AuditLog
from jupyter_secrets.errors import ConfigError


def test_record_and_read(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "sub" / "audit.log")
    log.record(user="alice", action="read", ref="dev/a", backend="env", outcome="allowed")
    log.record(user="bob", action="read", ref="dev/b", backend="env", outcome="not_found")
    log.record(user="alice", action="read", ref="prod/c", outcome="denied", reason="scope")
    assert stat.S_IMODE(os.stat(log.path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(log.path.parent).st_mode) == 0o700
    events = log.read(user="alice")
    assert [e["ref"] for e in events] == ["prod/c", "dev/a"]  # newest first
    assert events[0]["outcome"] == "denied"
    assert set(events[0]) >= {
        "time",
        "user",
        "ref",
        "backend",
        "version",
        "outcome",
        "kernel_id",
        "notebook",
    }
    assert [e["ref"] for e in log.read(limit=1, offset=1)] == ["dev/b"]


def test_rejects_unknown_fields_and_non_scalars(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.log")
    with pytest.raises(TypeError):
        log.record(user="a", outcome="allowed", value="x")  # there is no value field, by design
    with pytest.raises(TypeError):
        log.record(user="a", outcome="allowed", ref={"nested": "x"})
    with pytest.raises(TypeError):
        log.record(user="a", outcome="maybe")
    assert not log.path.exists()


def test_concurrent_appends_keep_lines_whole(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.log")

    def work(n: int) -> None:
        for i in range(50):
            log.record(user=f"u{n}", ref=f"dev/r{i}", outcome="allowed", reason="x" * 300)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    lines = log.path.read_text().splitlines()
    assert len(lines) == 400
    assert all(json.loads(line)["outcome"] == "allowed" for line in lines)


def test_unwritable_location_is_one_line_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    log = AuditLog(blocker / "audit.log")
    with pytest.raises(ConfigError) as info:
        log.record(user="a", outcome="allowed")
    assert "cannot write the audit log" in str(info.value)
    assert "\n" not in str(info.value)


def test_a_path_that_is_not_utf8_is_recorded_escaped(tmp_path: Path) -> None:
    """A notebook named by bytes that are not UTF-8 (Python reads them as lone
    surrogates) must not make the event, and with it the save or read, fail."""
    log = AuditLog(tmp_path / "audit.log")
    name = "reports/q\udcff3.ipynb"
    event = log.record(user="alice", action="read", ref="dev/a", outcome="allowed", notebook=name)
    assert event["notebook"] == "reports/q\\udcff3.ipynb"
    (stored,) = log.read()
    assert stored["notebook"] == "reports/q\\udcff3.ipynb"
    assert stored["ref"] == "dev/a"
