"""Close the ways content reaches disk without a pre-save hook seeing all of it.

jupyter_server runs pre-save hooks on ``save()`` only, and for a chunked
upload only on chunk 1. Content also lands without a save when a file is
renamed into a scanned path, a checkpoint is restored, or a directory is
copied. Rather than subclassing the contents manager (which would force
deployments onto our class and break theirs), each of those methods is
wrapped on the running *instance* at extension load; the class, and any
deployment subclass, is untouched:

* ``save`` with ``chunk``: chunk 1 is vetted by the hook; each later chunk is
  scanned before it is appended; after the last chunk (``-1``) the assembled
  file is scanned. If it leaks under ``block``, the previous file is put back
  byte-for-byte (or the new one removed) and the request gets 422; a blocked
  upload refuses its remaining chunks. Under ``strip`` the file is rewritten
  redacted.
* ``rename``: the file is scanned as if saved at the new path *before* it
  moves; ``block`` refuses the rename, ``strip`` redacts after it.
* ``restore_checkpoint``: the restored file is scanned; ``block`` puts the
  previous content back and refuses.
* ``copy`` of a directory (``shutil.copytree``, no hooks): every scanned file
  of the copy is checked; ``block`` removes the copy and refuses.

These guards need the contents manager to map API paths to files
(``_get_os_path``: every file-based manager in jupyter_server). Other
managers keep the hook, and a warning is logged at startup.
"""

from __future__ import annotations

import contextlib
import inspect
import os
import shutil
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from .gate import Gate, SaveRefused
from .report import GateReport, request_reports
from .scanning import ScanFailed, model_from_bytes, model_to_bytes

MAX_FILES_PER_COPY = 2000


class DiskGuards:
    def __init__(self, contents_manager: Any, gate: Gate) -> None:
        self.cm = contents_manager
        self.gate = gate
        #: Content of each path before its chunked upload began (None: no file).
        self._snapshots: OrderedDict[str, bytes | None] = OrderedDict()
        #: Paths whose chunked upload was refused: their later chunks are too.
        self._refused_uploads: set[str] = set()
        #: What the gate did to earlier chunks, repeated in the last chunk's response.
        self._chunk_reports: dict[str, list[GateReport]] = {}

    @classmethod
    def install(cls, contents_manager: Any, gate: Gate) -> DiskGuards | None:
        if not callable(getattr(contents_manager, "_get_os_path", None)):
            gate.log.warning(
                "jupyter-secrets: %s does not store files on a local disk; chunked uploads, "
                "renames, checkpoint restores and directory copies are not re-scanned",
                type(contents_manager).__name__,
            )
            return None
        guards = cls(contents_manager, gate)
        _wrap(
            contents_manager, "save", guards._before_save, guards._after_save, guards._on_save_error
        )
        _wrap(contents_manager, "rename", guards._before_rename, guards._after_rename)
        _wrap(
            contents_manager,
            "restore_checkpoint",
            guards._before_restore,
            guards._after_restore,
        )
        _wrap(contents_manager, "copy", lambda *a, **k: None, guards._after_copy)
        return guards

    # -- disk access -------------------------------------------------------

    def _os_path(self, path: str) -> str:
        return str(self.cm._get_os_path(path.strip("/")))

    def _read(self, path: str) -> bytes | None:
        try:
            with open(self._os_path(path), "rb") as handle:
                return handle.read()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            return None

    def _write(self, path: str, data: bytes | None) -> None:
        os_path = self._os_path(path)
        if data is None:
            with contextlib.suppress(FileNotFoundError):
                os.remove(os_path)
            return
        with open(os_path, "wb") as handle:
            handle.write(data)

    def _check_disk(
        self, path: str, origin: str, scan_as: str | None = None, rewrite: bool = True
    ) -> tuple[GateReport | None, bytes | None]:
        """Scan the file at ``path`` as if saved at ``scan_as``.

        Returns the report and, under ``strip``, the redacted bytes (already
        written back to ``path`` when ``rewrite``). Raises SaveRefused.
        """
        target = (scan_as or path).strip("/")
        if not self.gate.applies(target):
            return None, None
        limit = self.gate.policy.max_scan_bytes
        try:
            size = os.path.getsize(self._os_path(path))
        except OSError:
            size = 0
        if limit > 0 and size > limit:
            failure = ScanFailed("too_large", f"the file is larger than {limit} bytes")
            return self.gate.fail(target, failure, origin), None
        model = model_from_bytes(target, self._read(path) or b"")
        report = self.gate.check(model, target, origin=origin)
        if report is None or report.action != "stripped":
            return report, None
        stripped = model_to_bytes(model)
        if rewrite:
            self._write(path, stripped)
        return report, stripped

    # -- chunked uploads ---------------------------------------------------

    def _before_save(self, model: Any = None, path: str = "", *_: Any, **__: Any) -> Any:
        chunk = model.get("chunk") if isinstance(model, dict) else None
        path = str(path).strip("/")
        if chunk is None or not self.gate.applies(path):
            return None
        if chunk == 1:
            self._refused_uploads.discard(path)
            self._chunk_reports.pop(path, None)
            self._snapshots[path] = self._read(path)
            while len(self._snapshots) > 256:
                self._snapshots.popitem(last=False)
            return (path, chunk)
        if path in self._refused_uploads:
            raise SaveRefused(
                422,
                GateReport(
                    path,
                    self.gate.policy.for_path(path),
                    "blocked",
                    f"Upload of {path} was already blocked; start the upload again",
                    origin="upload",
                ),
            )
        try:
            report = self.gate.check(model, path, origin="upload")
        except SaveRefused:
            self._abort_upload(path)
            raise
        if report is not None and report.action != "clean":
            self._chunk_reports.setdefault(path, []).append(report)
        return (path, chunk)

    def _after_save(self, context: Any, result: Any) -> Any:
        if context is None:
            return result
        path, chunk = context
        if chunk == 1:  # the pre-save hook vetted chunk 1 in this request
            self._chunk_reports[path] = [
                r for r in request_reports() if r.path == path and r.action != "clean"
            ]
        if chunk != -1:
            return result
        try:
            self._check_disk(path, origin="upload")
        except SaveRefused:
            self._abort_upload(path)
            raise
        self._snapshots.pop(path, None)
        for report in self._chunk_reports.pop(path, []):
            self.gate.registry.record(report)
        return result

    def _on_save_error(self, context: Any) -> None:
        if context is not None and context[1] == 1:
            self._snapshots.pop(context[0], None)

    def _abort_upload(self, path: str) -> None:
        self._refused_uploads.add(path)
        self._chunk_reports.pop(path, None)
        if path in self._snapshots:
            self._write(path, self._snapshots.pop(path))

    # -- rename, checkpoints, directory copies -----------------------------

    def _before_rename(self, old_path: str, new_path: str, *_: Any, **__: Any) -> Any:
        old_path, new_path = old_path.strip("/"), new_path.strip("/")
        if not self.gate.applies(new_path) or not os.path.isfile(self._os_path(old_path)):
            return None
        # Scanned where it is, as what it will become: a refusal moves nothing.
        _report, stripped = self._check_disk(old_path, "rename", scan_as=new_path, rewrite=False)
        return (new_path, stripped)

    def _after_rename(self, context: Any, result: Any) -> Any:
        if context is not None and context[1] is not None:
            self._write(context[0], context[1])
        return result

    def _before_restore(self, checkpoint_id: str, path: str, *_: Any, **__: Any) -> Any:
        path = path.strip("/")
        if not self.gate.applies(path):
            return None
        return (path, self._read(path))

    def _after_restore(self, context: Any, result: Any) -> Any:
        if context is None:
            return result
        path, previous = context
        try:
            self._check_disk(path, origin="checkpoint")
        except SaveRefused:
            self._write(path, previous)
            raise
        return result

    def _after_copy(self, _context: Any, result: Any) -> Any:
        if not isinstance(result, dict) or result.get("type") != "directory":
            return result
        root = str(result.get("path", "")).strip("/")
        try:
            self._check_tree(root)
        except SaveRefused:
            shutil.rmtree(self._os_path(root), ignore_errors=True)
            raise
        return result

    def _check_tree(self, root: str) -> None:
        os_root = self._os_path(root)
        seen = 0
        for directory, _dirs, files in os.walk(os_root):
            for name in files:
                rel = os.path.relpath(os.path.join(directory, name), os_root).replace(os.sep, "/")
                api_path = f"{root}/{rel}" if root else rel
                if not self.gate.applies(api_path):
                    continue
                seen += 1
                if seen > MAX_FILES_PER_COPY:
                    return
                self._check_disk(api_path, origin="copy")


def _wrap(
    target: Any,
    name: str,
    before: Callable[..., Any],
    after: Callable[[Any, Any], Any],
    cleanup: Callable[[Any], None] | None = None,
) -> None:
    """Replace ``target.name`` (bound method) by one that calls before/after around it."""
    original = getattr(target, name)

    if inspect.iscoroutinefunction(original):

        async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
            context = before(*args, **kwargs)
            try:
                result = await original(*args, **kwargs)
            except Exception:
                if cleanup is not None:
                    cleanup(context)
                raise
            return after(context, result)

        async_wrapper.__wrapped__ = original  # type: ignore[attr-defined]
        setattr(target, name, async_wrapper)
    else:

        def sync_wrapper(*args: Any, **kwargs: Any) -> Any:
            context = before(*args, **kwargs)
            try:
                result = original(*args, **kwargs)
            except Exception:
                if cleanup is not None:
                    cleanup(context)
                raise
            return after(context, result)

        sync_wrapper.__wrapped__ = original  # type: ignore[attr-defined]
        setattr(target, name, sync_wrapper)
