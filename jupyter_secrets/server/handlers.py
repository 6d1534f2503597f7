"""The REST API under ``/jupyter-secrets/``.

Every handler needs an authenticated user (``@web.authenticated``) who is
authorized on the ``jupyter_secrets`` resource (``@authorized``). No
response ever contains a secret value.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import unicodedata
from collections.abc import Callable
from http.client import responses
from types import TracebackType
from typing import Any

from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler
from tornado import web

from ..audit import AuditLog
from ..backends.registry import available_backends, plugin_failures
from ..errors import (
    BackendReadOnlyError,
    BackendUnavailableError,
    ConfigError,
    InvalidRefError,
    ScopeDeniedError,
    SecretError,
    SecretNotFoundError,
)
from ..identity import current_user
from ..link_protocol import KNOWN_PATH
from ..manager import build_audit
from ..refs import SecretRef, check_scope, parse_ref
from ..scanner import Finding
from .known_link import KnownValuesHandler
from .ranges import findings_json, source_text
from .scanning import ScanFailed, run_limited, scan_model
from .state import ServerState, on_jupyterhub

AUTH_RESOURCE = "jupyter_secrets"

#: Deepest JSON nesting a request body may have. A notebook's own structure
#: takes 9 levels and the scanner reads JSON outputs 64 levels deep; anything
#: far deeper is an attack on the recursion limit, not a notebook.
MAX_JSON_DEPTH = 100
#: A cell index beyond this is not a notebook anyone edits.
MAX_CELL_INDEX = 1_000_000
MAX_PATH_CHARS = 4096
_SCAN_USAGE = (
    'send one of {"model": {"type": "notebook"|"file", "format": ..., "content": ...}}, '
    '{"cell": {...}, "cell_index": n} or {"text": "...", "path": "..."}'
)
_PUT_USAGE = '{"value": "...", "backend": optional}'


class SecretsAPIHandler(APIHandler):
    auth_resource = AUTH_RESOURCE

    @property
    def state(self) -> ServerState:
        state: ServerState = self.settings["jupyter_secrets"]
        return state

    def user_name(self) -> str:
        """The hub user on JupyterHub; stand-alone, the OS user running the server."""
        if on_jupyterhub() and self.current_user is not None:
            return str(self.current_user.username)
        return current_user()

    def reply(self, data: Any, status: int = 200) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(data, default=str))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """A one-line JSON ``message``; never a traceback, never an exception's own text.

        An HTTPError carries a message we wrote (value-free). Any other exception
        may quote the request it choked on, so only its type is named.
        """
        exc = (kwargs.get("exc_info") or (None, None, None))[1]
        if isinstance(exc, web.HTTPError):
            message = _http_message(exc) or responses.get(status_code, "error")
            reason = exc.reason
        elif exc is not None:
            message = (
                f"jupyter-secrets failed on this request ({type(exc).__name__}); "
                "the server log names the request; retry, and report it if it persists"
            )
            reason = None
        else:
            message, reason = responses.get(status_code, "error"), None
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"message": _one_line(message), "reason": reason}))

    def log_exception(
        self,
        typ: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if isinstance(value, web.HTTPError):
            super().log_exception(typ, value, tb)
            return
        # No traceback and no str(value): either could carry request content.
        self.log.error(
            "jupyter-secrets: %s %s failed with %s (details withheld: they may quote the request)",
            self.request.method,
            self.request.path,
            typ.__name__ if typ is not None else "an error",
        )


class PolicyHandler(SecretsAPIHandler):
    """``GET /jupyter-secrets/policy[?path=]``: the effective save policy."""

    @web.authenticated
    @authorized
    def get(self) -> None:
        path = self.get_query_argument("path", None)
        self.reply(self.state.policy.to_json(path))


class ScanHandler(SecretsAPIHandler):
    """``POST /jupyter-secrets/scan``: findings in a contents model, a cell, or text.

    Body: ``{"model": {...}}``, ``{"cell": {...}, "cell_index": n, "path": "..."}`` or
    ``{"text": "...", "path": "x.py"}``. Reply: ``{"findings": [...]}`` (no values); a
    source finding's ``range`` gives the value's offsets in its cell or file (UTF-16 units,
    as the browser counts), so the editor can underline and replace it (:mod:`.ranges`).
    Every malformed body is a one-line 400 (413 over ``max_scan_bytes``), checked
    before the scanner sees it.
    """

    @web.authenticated
    @authorized
    async def post(self) -> None:
        body = json_body(self.request.body, _SCAN_USAGE)
        text_chars = check_json_tree(body)
        limit = self.state.policy.max_scan_bytes
        if limit > 0 and text_chars > limit:
            raise web.HTTPError(
                413,
                f"the request holds more than {limit} characters of text "
                "(JupyterSecrets.max_scan_bytes); scan the file with `jupyter-secrets scan` "
                "or ask an admin to raise the limit",
            )
        work = self.scan_work(body)
        try:
            findings = await asyncio.get_running_loop().run_in_executor(None, work)
        except ScanFailed as failure:
            status = 400 if failure.kind == "input" else 413 if failure.kind == "too_large" else 503
            raise web.HTTPError(status, failure.reason) from None
        self.reply({"findings": findings_json(findings, scanned_sources(body))})

    def scan_work(self, body: dict[str, Any]) -> Callable[[], list[Finding]]:
        """What to scan, validated field by field (400 on the first bad one)."""
        given = [key for key in ("model", "cell", "text") if body.get(key) is not None]
        if len(given) != 1:
            raise web.HTTPError(400, _SCAN_USAGE)
        kind = given[0]
        path = check_path(body.get("path"), '"path"')
        if "cell_index" in body and kind != "cell":
            raise web.HTTPError(400, '"cell_index" goes with "cell" only')
        timeout = self.state.policy.scan_timeout_seconds
        if kind == "model":
            model = check_model(body["model"])
            model["path"] = check_path(model.get("path"), '"model.path"') or path
            scanner = self.state.scanner()
            return lambda: scan_model(scanner, model, timeout)
        if kind == "cell":
            cell, index = body["cell"], body.get("cell_index")
            check_cell(cell, '"cell"')
            if index is not None and (
                isinstance(index, bool)
                or not isinstance(index, int)
                or not 0 <= index < MAX_CELL_INDEX
            ):
                raise web.HTTPError(
                    400, f'"cell_index" must be an integer from 0 to {MAX_CELL_INDEX - 1}'
                )
            scanner = self.state.scanner()
            return lambda: run_limited(lambda: scanner.scan_cell(cell, index, path), timeout)
        text = body["text"]
        if not isinstance(text, str):
            raise web.HTTPError(400, '"text" must be a string (the file\'s text)')
        scanner = self.state.scanner()
        return lambda: run_limited(lambda: scanner.scan_text(text, path), timeout)


def scanned_sources(body: dict[str, Any]) -> dict[int | None, str | None]:
    """The texts a scan's findings count offsets in: cell sources by index, or the file."""
    if body.get("text") is not None:
        return {None: body["text"]}
    if body.get("cell") is not None:
        return {body.get("cell_index"): source_text(body["cell"].get("source"))}
    model = body["model"]
    content = model.get("content")
    if model.get("format") == "base64" or not isinstance(content, (dict, str)):
        return {}
    if isinstance(content, str):
        return {None: content}
    cells = content.get("cells")
    if not isinstance(cells, list):
        return {}
    return {
        index: source_text(cell.get("source")) if isinstance(cell, dict) else None
        for index, cell in enumerate(cells)
    }


def json_body(raw: bytes | None, usage: str) -> dict[str, Any]:
    """The request body as a JSON object, or a one-line 400 that says what to send."""
    data = _loads(raw or b"{}", f"the request body is not JSON; {usage}")
    if not isinstance(data, dict):
        raise web.HTTPError(400, f"the request body must be a JSON object; {usage}")
    return data


def _loads(raw: bytes | str, not_json: str) -> Any:
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise web.HTTPError(400, "the request body is not UTF-8; send UTF-8 JSON") from None
    try:
        return json.loads(raw, parse_constant=_no_constant)
    except RecursionError:
        raise _too_deep() from None
    except ValueError:
        raise web.HTTPError(400, not_json) from None


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _too_deep() -> web.HTTPError:
    return web.HTTPError(
        400,
        f"the request nests JSON more than {MAX_JSON_DEPTH} levels deep; no notebook, "
        "cell or text needs that: send flatter content",
    )


_MEDIA_PREFIXES = ("image/", "video/", "audio/")


def check_json_tree(data: Any) -> int:
    """Refuse JSON nested deeper than MAX_JSON_DEPTH or holding non-Unicode strings.

    Iterative, so it cannot itself hit the recursion limit. Returns the number of
    text characters the scanner would read (media outputs are not counted), as the
    gate counts them for ``max_scan_bytes``.
    """
    chars = 0
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise _too_deep()
        if isinstance(node, dict):
            for key, value in node.items():
                _check_unicode(key)
                if isinstance(value, (dict, list)):
                    stack.append((value, depth + 1))
                elif isinstance(value, str):
                    _check_unicode(value)
                    if not key.startswith(_MEDIA_PREFIXES):
                        chars += len(value)
            continue
        for value in node if isinstance(node, list) else ():
            if isinstance(value, (dict, list)):
                stack.append((value, depth + 1))
            elif isinstance(value, str):
                _check_unicode(value)
                chars += len(value)
    return chars


def _check_unicode(text: str) -> None:
    if text.isascii():
        return
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise web.HTTPError(
            400,
            "the request has a lone UTF-16 surrogate (\\ud800-\\udfff) in a string; "
            "send valid Unicode",
        ) from None


def check_path(value: Any, name: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise web.HTTPError(400, f"{name} must be a string (the file's path), not {_kind(value)}")
    if len(value) > MAX_PATH_CHARS:
        raise web.HTTPError(400, f"{name} is longer than {MAX_PATH_CHARS} characters")
    if any(unicodedata.category(c) == "Cc" for c in value):
        raise web.HTTPError(400, f"{name} must not contain control characters")
    return value


def check_model(model: Any) -> dict[str, Any]:
    """A copy of a contents model the scanner can read, or a one-line 400."""
    if not isinstance(model, dict):
        raise web.HTTPError(400, f'"model" must be a contents model object; {_SCAN_USAGE}')
    kind, fmt, content = model.get("type"), model.get("format"), model.get("content")
    if kind == "directory":
        raise web.HTTPError(400, "a directory model has no content to scan; send its files")
    if kind not in ("notebook", "file"):
        raise web.HTTPError(400, '"model.type" must be "notebook" or "file"')
    if content is None:
        raise web.HTTPError(
            400, 'the model has no "content"; send it with its content (GET ...?content=1)'
        )
    checked: dict[str, Any] = dict(model)
    if kind == "notebook":
        if fmt not in (None, "json"):
            raise web.HTTPError(400, 'a notebook model has "format": "json"')
        if isinstance(content, str):
            content = _loads(content, '"model.content" is not a notebook\'s JSON text')
            check_json_tree(content)
        check_notebook(content)
        checked["content"], checked["format"] = content, "json"
        return checked
    if fmt not in ("text", "base64"):
        raise web.HTTPError(400, 'a file model has "format": "text" or "base64"')
    if not isinstance(content, str):
        raise web.HTTPError(
            400, f'"model.content" of a {fmt} file must be a string, not {_kind(content)}'
        )
    if fmt == "base64" and not _is_base64(content):
        raise web.HTTPError(400, '"model.content" is not valid base64')
    return checked


def _is_base64(content: str) -> bool:
    try:
        base64.b64decode(content, validate=True)
    except (binascii.Error, ValueError):
        # Line-wrapped base64 (as encodebytes writes it) is still base64.
        try:
            base64.b64decode("".join(content.split()), validate=True)
        except (binascii.Error, ValueError):
            return False
    return True


def check_notebook(nb: Any) -> None:
    where = '"model.content"'
    if not isinstance(nb, dict):
        raise web.HTTPError(400, f"{where} of a notebook must be a JSON object, not {_kind(nb)}")
    cells = nb.get("cells")
    if not isinstance(cells, list):
        raise web.HTTPError(400, f'{where} is not an nbformat 4 notebook (no "cells" list)')
    if "metadata" in nb and not isinstance(nb["metadata"], dict):
        raise web.HTTPError(400, f"{where}.metadata must be an object")
    for index, cell in enumerate(cells):
        check_cell(cell, f"{where}.cells[{index}]")


_CELL_TYPES = ("code", "markdown", "raw")
_OUTPUT_TYPES = ("stream", "display_data", "execute_result", "error", "update_display_data")


def check_cell(cell: Any, where: str) -> None:
    """The nbformat 4 shape of one cell, as far as the scanner reads it."""
    if not isinstance(cell, dict):
        raise web.HTTPError(400, f"{where} must be a cell object, not {_kind(cell)}")
    if cell.get("cell_type") not in _CELL_TYPES:
        raise web.HTTPError(400, f'{where}.cell_type must be "code", "markdown" or "raw"')
    _check_multiline(cell, "source", where)
    _check_field(cell, "id", str, where, "a string")
    _check_field(cell, "metadata", dict, where, "an object")
    _check_field(cell, "attachments", dict, where, "an object")
    outputs = cell.get("outputs")
    if outputs is None:
        return
    if not isinstance(outputs, list):
        raise web.HTTPError(400, f"{where}.outputs must be a list")
    for index, output in enumerate(outputs):
        here = f"{where}.outputs[{index}]"
        if not isinstance(output, dict):
            raise web.HTTPError(400, f"{here} must be an output object, not {_kind(output)}")
        if output.get("output_type") not in _OUTPUT_TYPES:
            raise web.HTTPError(
                400, f"{here}.output_type must be one of {', '.join(_OUTPUT_TYPES)}"
            )
        _check_multiline(output, "text", here)
        _check_field(output, "name", str, here, "a string")
        _check_field(output, "ename", str, here, "a string")
        _check_field(output, "evalue", str, here, "a string")
        _check_field(output, "data", dict, here, "a mime bundle object")
        _check_field(output, "metadata", dict, here, "an object")
        traceback = output.get("traceback")
        if traceback is not None and not (
            isinstance(traceback, list) and all(isinstance(t, str) for t in traceback)
        ):
            raise web.HTTPError(400, f"{here}.traceback must be a list of strings")


def _check_multiline(container: dict[str, Any], key: str, where: str) -> None:
    value = container.get(key)
    if value is None or isinstance(value, str):
        return
    if isinstance(value, list) and all(isinstance(line, str) for line in value):
        return
    raise web.HTTPError(400, f"{where}.{key} must be a string or a list of strings")


def _check_field(
    container: dict[str, Any], key: str, kind: type, where: str, expected: str
) -> None:
    value = container.get(key)
    if value is not None and not isinstance(value, kind):
        raise web.HTTPError(400, f"{where}.{key} must be {expected}, not {_kind(value)}")


def _kind(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}
    return names.get(type(value), "a number" if isinstance(value, (int, float)) else "null")


class FindingsHandler(SecretsAPIHandler):
    """``GET /jupyter-secrets/findings?path=[&id=]``: the gate's report on a save of that path.

    With ``id`` (from the ``X-Jupyter-Secrets-Report`` header), exactly that
    save's report; without it, the last one. ``wait=1`` is for a client that
    polls for a report still to come (a collaborative save, which the server
    makes itself): "none yet" is then 204 No Content, not a 404 error.
    """

    @web.authenticated
    @authorized
    def get(self) -> None:
        path = self.get_query_argument("path", "")
        report_id = self.get_query_argument("id", None)
        registry = self.state.registry
        if report_id is not None:
            report = registry.get(path, report_id) if registry is not None else None
            if report is None:
                raise web.HTTPError(
                    404, "no report with this id is kept for this path; save again to get a new one"
                )
        else:
            report = registry.last(path) if registry is not None else None
            if report is None and self.get_query_argument("wait", "") == "1":
                self.set_status(204)
                self.finish()
                return
            if report is None:
                raise web.HTTPError(
                    404, "no save of this path was checked since the server started"
                )
        self.reply(report.to_json())


class SecretsListHandler(SecretsAPIHandler):
    """``GET /jupyter-secrets/secrets[?scope=]``: refs this user can read, metadata only."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        scope = self.get_query_argument("scope", None)
        manager = self.state.manager_for(self.user_name())
        loop = asyncio.get_running_loop()
        try:
            infos = await loop.run_in_executor(None, manager.list, scope)
        except SecretError as exc:
            raise http_error(exc) from None
        self.reply(
            {
                "secrets": [
                    {
                        "ref": info.path,
                        "backend": info.backend,
                        "version": info.version,
                        "updated": info.updated.isoformat() if info.updated else None,
                    }
                    for info in infos
                ]
            }
        )


class SecretHandler(SecretsAPIHandler):
    """``PUT /jupyter-secrets/secrets/{ref}``: store a value (never echoed back).

    Only scopes in ``JupyterSecrets.writable_scopes`` can be written here; a
    write to any other scope is refused (403) and audited, and nothing is stored.
    """

    def decode_argument(self, value: bytes, name: str | None = None) -> str:
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            raise web.HTTPError(
                400, "the ref in the URL is not UTF-8; a valid ref looks like 'dev/db/password'"
            ) from None

    @web.authenticated
    @authorized
    async def put(self, ref: str) -> None:
        parsed = self.writable_ref(ref)
        body = json_body(self.request.body, f"send {_PUT_USAGE}")
        check_json_tree(body)
        value, backend = body.get("value"), body.get("backend")
        if not isinstance(value, str) or not value:
            raise web.HTTPError(422, 'the body needs a non-empty string "value"')
        if backend is not None and not isinstance(backend, str):
            raise web.HTTPError(422, '"backend" must be a backend name (a string)')
        if backend:
            check_backend_name(backend)
        manager = self.state.manager_for(self.user_name())
        loop = asyncio.get_running_loop()
        try:
            version = await loop.run_in_executor(None, manager.set, parsed, value, backend or None)
        except SecretError as exc:
            raise http_error(exc) from None
        if self.state.known is not None:
            # The value now lives in the store: a notebook still holding the literal
            # is a leak, even where no detector would flag it (memory only).
            self.state.known.add(value, label=parsed.path)
        del value, body
        self.reply({"ref": parsed.path, "stored": True, "version": version}, status=201)

    def writable_ref(self, ref: str) -> SecretRef:
        """The parsed ref, if this API may write it: 422 malformed, 403 scope (audited)."""
        if not ref:
            raise web.HTTPError(
                422, "the URL needs a ref: PUT /jupyter-secrets/secrets/<scope>/<path>/<name>"
            )
        try:
            parsed = parse_ref(ref)
        except SecretError as exc:
            raise http_error(exc) from None
        try:
            check_scope(parsed, self.state.secrets_settings.allowed_scopes)
        except ScopeDeniedError as exc:
            self.audit_denied(parsed, exc.message)
            raise http_error(exc) from None
        writable = self.state.policy.writable_scopes
        if parsed.scope not in writable:
            shown = ", ".join(writable) or "none"
            self.audit_denied(parsed, f"scope '{parsed.scope}' is not in writable_scopes")
            raise web.HTTPError(
                403,
                f"scope '{parsed.scope}' cannot be written through the REST API (writable "
                f"scopes: {shown}; JupyterSecrets.writable_scopes); an admin can store it "
                f"with: jupyter-secrets set {parsed.path}",
            )
        return parsed

    def audit_denied(self, ref: SecretRef, reason: str) -> None:
        settings = self.state.secrets_settings
        if not settings.audit_enabled:
            return
        try:
            build_audit(settings).record(
                user=self.user_name(),
                action="write",
                ref=ref.path,
                outcome="denied",
                reason=reason,
                source="rest-api",
            )
        except SecretError as exc:  # the refusal stands even when it cannot be recorded
            self.log.warning("jupyter-secrets: could not audit a refused write: %s", exc.message)


def check_backend_name(name: str) -> None:
    """422 for a backend nobody installed, naming the ones that are."""
    known = available_backends()
    if name in known or name in plugin_failures():
        return
    listed = ", ".join(
        n if cls.writable else f"{n} (read-only)" for n, cls in sorted(known.items())
    )
    raise web.HTTPError(
        422,
        f"unknown backend {name[:64]!r}; available backends: {listed}; "
        'omit "backend" to use the configured route',
    )


class KernelRefsHandler(SecretsAPIHandler):
    """``GET /jupyter-secrets/kernels/{kernel_id}/refs``: the refs that kernel fetched.

    Names only, as the kernel announced them with its values' fingerprints, so the
    Secrets panel can mark what the notebook's kernel holds. 404 for a kernel this
    server's link does not know (not running, or started before the extension).
    """

    @web.authenticated
    @authorized
    def get(self, kernel_id: str) -> None:
        link = self.state.link
        refs = link.refs_of(kernel_id) if link is not None else None
        if refs is None:
            raise web.HTTPError(404, "no running kernel with that id is linked to this server")
        self.reply({"kernel_id": kernel_id, "refs": refs})


class AuditHandler(SecretsAPIHandler):
    """``GET /jupyter-secrets/audit?limit=&offset=``: this user's own events, newest first."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        limit = self._int_arg("limit", 100, 1, 1000)
        offset = self._int_arg("offset", 0, 0, 10**9)
        settings = self.state.secrets_settings
        log = AuditLog(settings.audit_log or None)
        user = self.user_name()
        loop = asyncio.get_running_loop()
        events = await loop.run_in_executor(None, lambda: log.read(user, limit, offset))
        self.reply({"user": user, "limit": limit, "offset": offset, "events": events})

    def _int_arg(self, name: str, default: int, low: int, high: int) -> int:
        raw = self.get_query_argument(name, str(default))
        try:
            number = int(raw)
        except ValueError:
            raise web.HTTPError(400, f"{name} must be an integer") from None
        if not low <= number <= high:
            raise web.HTTPError(400, f"{name} must be between {low} and {high}")
        return number


_STATUS_BY_ERROR: tuple[tuple[type[SecretError], int], ...] = (
    (ScopeDeniedError, 403),
    (InvalidRefError, 422),
    (SecretNotFoundError, 404),
    (BackendReadOnlyError, 422),
    (BackendUnavailableError, 503),
    (ConfigError, 500),
)


def http_error(exc: SecretError) -> web.HTTPError:
    """The HTTP form of a core error: its one-line, value-free message."""
    status = next((code for kind, code in _STATUS_BY_ERROR if isinstance(exc, kind)), 400)
    return web.HTTPError(status, _one_line(str(exc)))


def _http_message(exc: web.HTTPError) -> str | None:
    """The message as written: tornado >= 6.5 doubles '%' in ``log_message`` itself."""
    get_message = getattr(exc, "get_message", None)
    if get_message is not None:
        message: str | None = get_message()
        return message
    if exc.log_message and exc.args:
        return str(exc.log_message % exc.args)
    return exc.log_message


def _one_line(message: str) -> str:
    """The first line, for the rare message that quotes a multi-line detail."""
    return message.splitlines()[0] if message else message


def handlers() -> list[tuple[str, type[APIHandler]]]:
    return [
        (r"/jupyter-secrets/policy", PolicyHandler),
        (r"/jupyter-secrets/scan", ScanHandler),
        (r"/jupyter-secrets/findings", FindingsHandler),
        (r"/jupyter-secrets/secrets", SecretsListHandler),
        (r"/jupyter-secrets/secrets/(?P<ref>.*)", SecretHandler),
        (r"/jupyter-secrets/audit", AuditHandler),
        (r"/jupyter-secrets/kernels/(?P<kernel_id>[A-Za-z0-9-]{1,64})/refs", KernelRefsHandler),
        (KNOWN_PATH, KnownValuesHandler),
    ]
