"""Close the ways content reaches disk without a pre-save hook seeing all of it.

jupyter_server runs pre-save hooks on ``save()`` only, and for a chunked
upload only on chunk 1. Content also lands without a save when a file is
renamed into a scanned path, a checkpoint is restored, or a directory is
copied. Rather than subclassing the contents manager (which would force
deployments onto our class and break theirs), each of those methods is
wrapped on the running *instance* at extension load; the class, and any
deployment subclass, is untouched:

* ``save`` with ``chunk``: chunk 1 is vetted by the hook. After every later
  chunk is appended, the seam is scanned: the new chunk together with the
  end of what was there before, so a secret split across two chunks is seen
  whole even if the last chunk never comes. After the last chunk (``-1``)
  the assembled file is scanned. If it leaks under ``block``, the previous
  file is put back byte-for-byte (or the new one removed) and the request
  gets 422; a blocked upload refuses its remaining chunks, and a chunk sent
  after the last one is refused. Under ``strip`` the file is rewritten
  redacted.
* ``rename``: the file, or every file of a directory, is scanned as if saved
  at the new path *before* it moves; ``block`` refuses the rename, ``strip``
  redacts after it.
* ``restore_checkpoint``: the restored file is scanned; ``block`` puts the
  previous content back and refuses.
* ``copy`` of a directory (``shutil.copytree``, no hooks): every scanned file
  of the copy is checked; ``block`` removes the copy and refuses.

Over :data:`MAX_FILES_PER_TREE` files a rename or copy of a directory is
refused (fail closed): it is never left half checked. Every path is
normalised, and judged by every name it has (see ``gate.names_of``).

These guards need the contents manager to map API paths to files
(``_get_os_path``: every file-based manager in jupyter_server). Other
managers keep the hook, and a warning is logged at startup.
"""

from __future__ import annotations

import base64
import contextlib
import inspect
import os
import shutil
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from .gate import Gate, SaveRefused, normalize
from .gate_report import GateReport, request_reports
from .scanning import ScanFailed, model_from_bytes, model_to_bytes
from .vocabulary import Origin

MAX_FILES_PER_TREE = 2000
#: Bytes of the file before a chunk that are scanned with it: far longer than any
#: secret (a PEM private key is about 3 KB), so none can hide across the seam.
SEAM_BYTES = 64 * 1024


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
        #: Paths whose upload got its last chunk: a later chunk needs a new chunk 1.
        self._finished_uploads: OrderedDict[str, None] = OrderedDict()

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
        return str(self.cm._get_os_path(normalize(path)))

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
        self, path: str, origin: Origin, scan_as: str | None = None, rewrite: bool = True
    ) -> tuple[GateReport | None, bytes | None]:
        """Scan the file at ``path`` as if saved at ``scan_as``.

        Returns the report and, under ``strip``, the redacted bytes (already
        written back to ``path`` when ``rewrite``). Raises SaveRefused.
        """
        target = normalize(scan_as or path)
        if not self.gate.applies(target, self.cm):
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
        report = self.gate.check(model, target, origin=origin, contents_manager=self.cm)
        if report is None or report.action != "stripped":
            return report, None
        stripped = model_to_bytes(model)
        if rewrite:
            self._write(path, stripped)
        return report, stripped

    # -- chunked uploads ---------------------------------------------------

    def _before_save(self, model: Any = None, path: str = "", *_: Any, **__: Any) -> Any:
        chunk = model.get("chunk") if isinstance(model, dict) else None
        path = normalize(path)
        if chunk is None or not self.gate.applies(path, self.cm):
            return None
        if chunk == 1:
            self._refused_uploads.discard(path)
            self._finished_uploads.pop(path, None)
            self._chunk_reports.pop(path, None)
            self._snapshots[path] = self._read(path)
            while len(self._snapshots) > 256:
                self._snapshots.popitem(last=False)
            return (path, chunk, 0)
        if path in self._refused_uploads:
            raise self._chunk_refused(
                path, f"Upload of {path} was already blocked; start the upload again"
            )
        if path in self._finished_uploads:
            raise self._chunk_refused(
                path,
                f"Upload of {path} already got its last chunk; start a new upload with chunk 1",
            )
        if path not in self._snapshots:
            # A later chunk with no chunk 1 before it appends to whatever is there.
            self._snapshots[path] = self._read(path)
        try:
            report = self.gate.check(model, path, origin="upload", contents_manager=self.cm)
        except SaveRefused:
            self._abort_upload(path)
            raise
        if report is not None and report.action != "clean":
            self._chunk_reports.setdefault(path, []).append(report)
        return (path, chunk, self._size(path))

    def _chunk_refused(self, path: str, message: str) -> SaveRefused:
        report = GateReport(
            path, self.gate.policy_for(path, self.cm), "blocked", message, origin="upload"
        )
        return SaveRefused(422, report)

    def _size(self, path: str) -> int:
        try:
            return os.path.getsize(self._os_path(path))
        except OSError:
            return 0

    def _after_save(self, context: Any, result: Any) -> Any:
        if context is None:
            return result
        path, chunk, size_before = context
        if chunk == 1:  # the pre-save hook vetted chunk 1 in this request
            self._chunk_reports[path] = [
                r for r in request_reports() if r.path == path and r.action != "clean"
            ]
            return result
        try:
            self._check_seam(path, size_before)
            if chunk == -1:
                self._check_disk(path, origin="upload")
        except SaveRefused:
            self._abort_upload(path)
            raise
        if chunk != -1:
            return result
        self._snapshots.pop(path, None)
        self._finished_uploads[path] = None
        while len(self._finished_uploads) > 4096:
            self._finished_uploads.popitem(last=False)
        for report in self._chunk_reports.pop(path, []):
            self.gate.registry.record(report)
        return result

    def _check_seam(self, path: str, size_before: int) -> None:
        """Scan the chunk just appended together with the end of the file before it."""
        start = max(0, size_before - SEAM_BYTES)
        try:
            with open(self._os_path(path), "rb") as handle:
                handle.seek(start)
                seam = handle.read()
        except OSError:
            return
        model = {"type": "file", "format": "base64", "path": path}
        model["content"] = base64.b64encode(seam).decode("ascii")
        report = self.gate.check(dict(model), path, origin="upload", contents_manager=self.cm)
        if report is not None and report.action == "stripped":
            # The seam held a secret: redact the whole assembled file, not just the seam.
            self._check_disk(path, origin="upload")
        elif report is not None and report.action != "clean":
            self._chunk_reports.setdefault(path, []).append(report)

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
        old_path, new_path = normalize(old_path), normalize(new_path)
        os_old = self._os_path(old_path)
        if os.path.isdir(os_old):
            return self._before_rename_tree(old_path, new_path)
        if not self.gate.applies(new_path, self.cm) or not os.path.isfile(os_old):
            return None
        # Scanned where it is, as what it will become: a refusal moves nothing.
        _report, stripped = self._check_disk(old_path, "rename", scan_as=new_path, rewrite=False)
        return [(new_path, stripped)] if stripped is not None else None

    def _before_rename_tree(self, old_root: str, new_root: str) -> Any:
        """Every gated file of a directory, scanned as it will be named after the move."""
        rewrites = []
        for rel in self._tree_files(old_root, new_root, "rename"):
            source = f"{old_root}/{rel}" if old_root else rel
            target = f"{new_root}/{rel}" if new_root else rel
            _report, stripped = self._check_disk(source, "rename", scan_as=target, rewrite=False)
            if stripped is not None:
                rewrites.append((target, stripped))
        return rewrites or None

    def _after_rename(self, context: Any, result: Any) -> Any:
        for path, data in context or ():
            self._write(path, data)
        return result

    def _before_restore(self, checkpoint_id: str, path: str, *_: Any, **__: Any) -> Any:
        path = normalize(path)
        if not self.gate.applies(path, self.cm):
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
        root = normalize(str(result.get("path", "")))
        try:
            for rel in self._tree_files(root, root, "copy"):
                self._check_disk(f"{root}/{rel}" if root else rel, origin="copy")
        except SaveRefused:
            shutil.rmtree(self._os_path(root), ignore_errors=True)
            raise
        return result

    def _tree_files(self, root: str, judged_root: str, origin: Origin) -> list[str]:
        """Paths (relative to ``root``) of the files below it that are gated once under
        ``judged_root``. Over MAX_FILES_PER_TREE the operation is refused, never half done."""
        os_root = self._os_path(root)
        found: list[str] = []
        for directory, _dirs, files in os.walk(os_root):
            for name in files:
                rel = os.path.relpath(os.path.join(directory, name), os_root).replace(os.sep, "/")
                judged = f"{judged_root}/{rel}" if judged_root else rel
                if not self.gate.applies(judged, self.cm):
                    continue
                found.append(rel)
                if len(found) > MAX_FILES_PER_TREE:
                    failure = ScanFailed(
                        "too_large",
                        f"the folder holds more than {MAX_FILES_PER_TREE} files to check; "
                        "move or copy it in parts",
                    )
                    self.gate.fail(judged_root or "/", failure, origin, force_closed=True)
        return found


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
