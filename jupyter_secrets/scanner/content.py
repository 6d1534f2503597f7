"""The one answer to "what text does this notebook contain?": every string in it.

The gate, the CLI, ``strip`` and the REST scan all read documents through
:func:`notebook_pieces`, so no save path can see less than another.

* Cell sources and text outputs come out as structured pieces (source,
  stream text, ``text/plain``, ...) so findings get good places and the
  detectors get the context they need.
* Every other string leaf (and every dict key) anywhere in the document,
  valid nbformat or not, comes out too: notebook, cell and output metadata,
  attachments, widget state, unknown keys, ``text/plain`` given as a dict,
  ``source`` as nested lists. Such a piece carries a JSON ``pointer`` to its
  leaf, which is how ``strip`` finds it again.
* Nothing is skipped by its key's name. A string is skipped only when
  :func:`.binary.classify` proves it binary by decoding it (and even then
  the text an image carries is scanned).

Walks are iterative: no nesting depth can raise RecursionError.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from typing import Any

from .binary import BINARY_MIMES, MIN_BASE64, classify
from .document import KIND_CODE, KIND_MARKDOWN, KIND_OUTPUT, KIND_RAW, KIND_TEXT, Origin
from .finding import LOCATION_METADATA, LOCATION_OUTPUT, LOCATION_SOURCE
from .native import MODULE

ALLOW_TAG = "allow-secret"
#: A pointer's last element when the leaf is a dict key itself, not its value.
KEY = "\x00key"

Pointer = tuple[str | int, ...]
Piece = tuple[Origin, str]

_ANSI_RE = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)")
_KIND = {"code": KIND_CODE, "markdown": KIND_MARKDOWN, "raw": KIND_RAW}
_OUTPUT_TEXT_FIELDS = ("text", "ename", "evalue", "traceback")
_MIME_RE = re.compile(r"[a-z]{1,20}/[A-Za-z0-9.+-]{1,80}")
_CELL_TYPES = frozenset({"code", "markdown", "raw"})
#: nbformat's own field names: as dict keys they are no secret, so they are not scanned
#: as text themselves (their values always are).
_KNOWN_KEYS = frozenset(
    {"cells", "metadata", "nbformat", "nbformat_minor", "cell_type", "id", "source",
     "outputs", "execution_count", "attachments", "output_type", "name", "text", "data",
     "ename", "evalue", "traceback", "transient", "display_id", "tags", "collapsed",
     "scrolled", "jupyter", "kernelspec", "language_info", "display_name", "language",
     "widgets", "state", "model_name", "model_module", "model_module_version",
     "version_major", "version_minor", "execution", "trusted"}
)  # fmt: skip
_OUTPUT_TYPES = frozenset(
    {"stream", "display_data", "execute_result", "error", "update_display_data"}
)


def strip_ansi(text: str) -> str:
    return _ANSI_RE.sub("", text) if "\x1b" in text else text


def lines_text(value: Any) -> str | None:
    """nbformat text: a string, or a list of strings joined; None for anything else."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        try:
            return "".join(value)
        except TypeError:  # not all strings: the caller reads it leaf by leaf
            return None
    return None


def is_text_mime(mime: str) -> bool:
    """Whether a mimetype's payload is text (SVG is; PNG is base64 of binary)."""
    if mime.startswith("image/"):
        return mime.endswith(("+xml", "/svg"))
    if mime.startswith(("video/", "audio/", "font/")):
        return False
    return mime not in ("application/pdf", "application/octet-stream")


def cell_allowed(cell: Any) -> bool:
    metadata = cell.get("metadata") if isinstance(cell, dict) else None
    tags = metadata.get("tags") if isinstance(metadata, dict) else None
    return isinstance(tags, list) and ALLOW_TAG in tags


# -- whole documents ----------------------------------------------------------
# The walkers append to one list instead of chaining generators: a notebook has
# hundreds of thousands of leaves, and a yield through four levels costs more than
# the leaf. Origins are built with tuple.__new__ (C) rather than _replace (Python).


def notebook_pieces(nb: Any) -> Iterator[Piece]:
    """Every string of a notebook-like JSON value, cells first, in document order."""
    return iter(_notebook(nb, None)[0])


def notebook_pieces_skipping(nb: Any, weigh: Callable[[Any], int]) -> tuple[list[Piece], bool]:
    """notebook_pieces without the parts of its top-level entries (metadata, unknown
    keys) that ``weigh`` proves clear (see :mod:`.coarse`); and whether it skipped any."""
    return _notebook(nb, weigh)


def notebook_pieces_from_json(
    data: bytes,
    weigh: Callable[[Any], int],
    weigh_text: Callable[[bytes], int] | None = None,
) -> tuple[list[Piece], bool] | None:
    """``notebook_pieces_skipping(loads_checked(data), weigh)`` with the cells parsed and
    walked in one compiled pass (no Python object for a line, a number or an image
    that no piece needs); None where that parse declines (anything but strict JSON
    without a repeated key: see native/src/json.rs) or is not built, and the caller
    parses as before. With ``weigh_text`` (``weigh`` of a value's ``orjson.dumps``
    text), a top-level part that the compiled parse can write as that text itself, and
    that it proves clear, is skipped before any Python object is made of it."""
    if _native is None:
        return None
    out: list[Piece] = []
    found = _native.notebook(data, out, weigh_text)
    if found is None:
        return None
    rest, skipped = found
    return out, _top_level(rest, out, weigh) or skipped


def _notebook(nb: Any, weigh: Callable[[Any], int] | None) -> tuple[list[Piece], bool]:
    out: list[Piece] = []
    cells = nb.get("cells") if isinstance(nb, dict) else None
    if isinstance(cells, list):
        if _native is not None:
            _native.cells(cells, out)
        else:
            for index, cell in enumerate(cells):
                _cell(cell, index, out)
    return out, _top_level(nb, out, weigh)


#: A part whose JSON text is shorter than this is walked whole rather than weighed
#: child by child: weighing costs a dump and a scan of each child.
_WEIGH_CHILDREN = 4096


def _clear_parts(key: str, value: Any, weigh: Callable[[Any], int]) -> set[int]:
    """ids of the containers below a top-level entry (itself included) that hold
    nothing to find, top down: a part that is not clear but large is weighed child by
    child. Only parts whose walk context is neutral qualify (no name given by an
    ancestor, no binary mimetype), as a part weighed alone has none."""
    clear: set[int] = set()
    todo: list[tuple[Any, Any]] = [(value, key)]
    while todo:
        node, name = todo.pop()
        size = weigh({name: node} if name is not None else node)
        if size == 0:
            clear.add(id(node))
            continue
        if size < _WEIGH_CHILDREN:
            continue
        if isinstance(node, dict):
            if node.get("model_name") == "PasswordModel":
                continue  # its children are given the name "password"
            for child_key, child in node.items():
                name_text = str(child_key)
                if child and isinstance(child, (dict, list)) and name_text not in BINARY_MIMES:
                    todo.append((child, name_text))
        else:
            todo.extend(
                (child, name) for child in node if child and isinstance(child, (dict, list))
            )
    return clear


def top_level_pieces(nb: Any) -> Iterator[Piece]:
    """Every string of the notebook outside its ``cells`` list (metadata, unknown keys)."""
    out: list[Piece] = []
    _top_level(nb, out)
    return iter(out)


def cell_pieces(cell: Any, cell_index: int | None) -> Iterator[Piece]:
    """Every string of one cell: source, outputs, metadata, attachments, anything else.

    Pointers lead from the notebook's root when ``cell_index`` is given, else from
    the cell (the per-cell cache rebases them when it places a cached finding).
    """
    out: list[Piece] = []
    if _native is not None:
        _native.cell(cell, cell_index, out)
    else:
        _cell(cell, cell_index, out)
    return iter(out)


def leaf_pieces(value: Any, pointer: Pointer, origin: Origin) -> Iterator[Piece]:
    """Every string leaf (and dict key) below ``value``, each with its pointer.

    A leaf under a dict key comes out as ``"key": "value"`` so the detectors
    see the name it is assigned to (``"password": "..."``).
    """
    out: list[Piece] = []
    _leaves(value, pointer, origin, None, out)
    return iter(out)


def _top_level(nb: Any, out: list[Piece], weigh: Callable[[Any], int] | None = None) -> bool:
    """Every string outside the ``cells`` list into ``out``, less the parts ``weigh``
    proves clear when it is given; whether any part was skipped."""
    if not isinstance(nb, dict):
        _leaves(nb, (), _meta_origin(None, None), None, out)
        return False
    skipped = False
    for key, value in nb.items():
        if key == "cells" and isinstance(value, list):
            continue  # _cell reads them (and "cells" is no secret)
        skip = None
        if weigh is not None and isinstance(value, (dict, list)):
            skip = _clear_parts(key, value, weigh)
            skipped = skipped or bool(skip)
            if id(value) in skip:
                continue
        _key_and_value(key, value, (), _meta_origin(None, None), out, skip)
    return skipped


def _cell(cell: Any, cell_index: int | None, out: list[Piece]) -> None:
    base: Pointer = ("cells", cell_index) if cell_index is not None else ()
    if not isinstance(cell, dict):
        _leaves(cell, base, _meta_origin(cell_index, None), None, out)
        return
    cell_id = cell.get("id") if isinstance(cell.get("id"), str) else None
    allowed = cell_allowed(cell)
    kind = _KIND.get(str(cell.get("cell_type")), KIND_RAW)
    other = _meta_origin(cell_index, None, cell_id, allowed)
    for key, value in cell.items():
        if key == "source":
            text = lines_text(value)
            if text is not None:
                magic = text.startswith("%%")
                origin = Origin(
                    LOCATION_SOURCE, kind, ("source",), cell_index, cell_id, None, allowed, magic
                )
                out.append((origin, text))
                continue
            origin = other._replace(location=LOCATION_SOURCE, kind=kind)
            _leaves(value, (*base, "source"), origin, None, out)
        elif key == "outputs" and isinstance(value, list):
            for output_index, output in enumerate(value):
                where = Origin(
                    LOCATION_METADATA, KIND_TEXT, ("metadata",), cell_index, cell_id,
                    output_index, allowed,
                )  # fmt: skip
                _output(output, (*base, "outputs", output_index), where, out)
        elif (key == "cell_type" and _one_of(value, _CELL_TYPES)) or _trivial(key, value):
            continue
        else:
            _key_and_value(key, value, base, other, out)


def _output(output: Any, base: Pointer, cell: Origin, out: list[Piece]) -> None:
    head = (LOCATION_OUTPUT, KIND_OUTPUT)
    tail = (cell.cell_index, cell.cell_id, cell.output_index, cell.allowed, False, None)

    def origin(field: tuple[str, ...]) -> Origin:
        return _new_origin((*head, field, *tail))

    generic = origin(("metadata",))
    if not isinstance(output, dict):
        _leaves(output, base, generic, None, out)
        return
    for key, value in output.items():
        if key in _OUTPUT_TEXT_FIELDS:
            if key == "traceback" and isinstance(value, list):
                text = "\n".join(v for v in value if isinstance(v, str))
                if all(isinstance(v, str) for v in value):
                    out.append((origin(("traceback",)), strip_ansi(text)))
                    continue
            elif key != "traceback":
                text_or_none = lines_text(value)
                if text_or_none is not None:
                    out.append(
                        (
                            origin((key,)),
                            strip_ansi(text_or_none) if key != "text" else text_or_none,
                        )
                    )
                    continue
            _leaves(value, (*base, key), generic, None, out)
        elif key == "data" and isinstance(value, dict):
            for mime, payload in value.items():
                _mime(str(mime), payload, (*base, "data", mime), origin, generic, out)
        elif (
            (key == "output_type" and _one_of(value, _OUTPUT_TYPES))
            or (key == "name" and value in ("stdout", "stderr"))
            or _trivial(key, value)
        ):
            continue
        else:
            _key_and_value(key, value, base, generic, out)


def _mime(
    mime: str, payload: Any, pointer: Pointer, origin: Any, generic: Origin, out: list[Piece]
) -> None:
    field = ("data", mime)
    if _MIME_RE.fullmatch(mime) is None:  # keys are strings too: an odd one is scanned
        out.append((generic._replace(field=field, pointer=(*pointer, KEY)), mime))
    text = lines_text(payload)
    if text is not None:
        verdict = classify(text, mime)
        if not verdict.binary:
            out.append((origin(field), text))
        for extra in verdict.texts:
            out.append((generic._replace(field=field, pointer=pointer), extra))
    elif isinstance(payload, (dict, list)) and mime.endswith("json"):
        out.append((origin(field), json_text(payload)))
    else:
        _leaves(payload, pointer, generic._replace(field=field), None, out)


# -- generic leaves -------------------------------------------------------------

_new_origin = functools.partial(tuple.__new__, Origin)


def _leaves(
    value: Any,
    pointer: Pointer,
    origin: Origin,
    key: str | None,
    out: list[Piece],
    skip: set[int] | None = None,
) -> None:
    """Every string leaf of ``value`` into ``out``; containers whose id is in ``skip``
    (proven clear by :func:`_clear_parts`) are left out where their context is neutral."""
    if not isinstance(value, (str, dict, list)) or (not value and not isinstance(value, str)):
        return  # numbers, booleans, null and empty containers hold no text (their keys may)
    head = origin[:8]  # everything but the pointer
    append = out.append
    # (item, pointer, the name its text is shown under, mime, name given by an ancestor)
    stack: list[tuple[Any, Pointer, str | None, str | None, str | None]] = [
        (value, pointer, key, None, None)
    ]
    while stack:
        item, where, key, mime, given = stack.pop()
        if isinstance(item, str):
            leaf = _new_origin((*head, where))
            # classify()'s own first test, inlined: most leaves are short plain text.
            if (
                len(item) < MIN_BASE64
                and (mime is None or mime not in BINARY_MIMES)
                and not item.startswith("data:")
            ):
                append((leaf, f'"{key}": "{item}"' if key is not None else item))
                continue
            verdict = classify(item, mime)
            if not verdict.binary:
                append((leaf, f'"{key}": "{item}"' if key is not None else item))
            for extra in verdict.texts:
                append((leaf, extra))
        elif isinstance(item, dict):
            label = _label(item) or given or key
            passed = "password" if item.get("model_name") == "PasswordModel" else given
            children = list(item.items())
            for child_key, child in reversed(children):
                name = str(child_key)
                child_mime = name if "/" in name else mime
                if isinstance(child, str):
                    # {"currentValue": v} says nothing; the dict's label names the value.
                    shown = label if label and name in _VALUE_KEYS else name
                    stack.append((child, (*where, child_key), shown, child_mime, None))
                    continue
                if skip and id(child) in skip and _neutral(passed, child_mime):
                    continue
                if name not in _KNOWN_KEYS:
                    append((_new_origin((*head, (*where, child_key, KEY))), name))
                stack.append((child, (*where, child_key), name, child_mime, passed))
        elif isinstance(item, list):
            skipping = skip and _neutral(given, mime)
            for index in range(len(item) - 1, -1, -1):
                if skipping and id(item[index]) in skip:  # type: ignore[operator]
                    continue
                stack.append((item[index], (*where, index), key, mime, given))


def _neutral(given: str | None, mime: str | None) -> bool:
    """A walk context that adds nothing to a part's text (see _clear_parts)."""
    return given is None and (mime is None or mime not in BINARY_MIMES)


#: Keys whose string says nothing of what it holds: a widget's or form field's value.
_VALUE_KEYS = frozenset(
    {"value", "currentValue", "current_value", "defaultValue", "default_value", "default"}
)
#: Sibling keys that name a dict's value, as a widget or form field shows it.
_LABEL_KEYS = ("description", "label", "placeholder", "title", "name")


def _label(item: dict[Any, Any]) -> str | None:
    """What a dict's own fields call its value ("Token:" -> "Token"), if they say."""
    for field in _LABEL_KEYS:
        text = item.get(field)
        if isinstance(text, str) and 0 < len(text) <= 40:
            words = text.strip().rstrip(":").strip()
            if words:
                return "_".join(words.split())
    return None


def _one_of(value: Any, names: frozenset[str]) -> bool:
    """Whether a field holds one of nbformat's names; a list or dict there (a hostile
    or broken notebook) is no name, and is scanned as the value it is."""
    return isinstance(value, str) and value in names


def _trivial(key: Any, value: Any) -> bool:
    """A known nbformat field holding no text at all (``"metadata": {}``, a count, null)."""
    if key not in _KNOWN_KEYS:
        return False
    return value is None or isinstance(value, (bool, int, float)) or value in ({}, [])


def _key_and_value(
    key: Any,
    value: Any,
    base: Pointer,
    origin: Origin,
    out: list[Piece],
    skip: set[int] | None = None,
) -> None:
    """One entry of a dict the structured walk does not know: its key and its value."""
    name = str(key)
    if isinstance(value, str):
        if len(value) < MIN_BASE64:  # short: nothing to decode, no walk needed
            out.append((_new_origin((*origin[:8], (*base, key))), f'"{name}": "{value}"'))
            return
    elif name not in _KNOWN_KEYS:
        out.append((_new_origin((*origin[:8], (*base, key, KEY))), name))
    _leaves(value, (*base, key), origin, name, out, skip)


def _meta_origin(
    cell_index: int | None,
    output_index: int | None,
    cell_id: str | None = None,
    allowed: bool = False,
) -> Origin:
    return Origin(
        LOCATION_METADATA, KIND_TEXT, ("metadata",), cell_index, cell_id, output_index, allowed
    )


def json_text(value: Any) -> str:
    """Unescaped ``"key": "value"`` lines of a JSON output (no leaf skipped, no depth limit)."""
    lines: list[str] = []
    stack: list[tuple[Any, str | None]] = [(value, None)]
    while stack:
        item, key = stack.pop()
        if isinstance(item, dict):
            stack.extend((v, str(k)) for k, v in reversed(list(item.items())))
        elif isinstance(item, list):
            stack.extend((v, key) for v in reversed(item))
        elif isinstance(item, str):
            lines.append(f'"{key}": "{item}"' if key is not None else f'"{item}"')
        elif key is not None and item is not None:
            lines.append(f'"{key}": {item}')
    return "\n".join(lines)


# -- the compiled walk ----------------------------------------------------------
# native/ holds _cell's walk in Rust (built by scripts/build-native.sh where cargo and
# Debian's pyo3 are): the same pieces in the same order, several times sooner. What it
# does not handle itself (a key that is no string, a lone surrogate) it hands back to
# _cell, cell by cell. Without it, or with JUPYTER_SECRETS_NATIVE=0, _cell walks.


def _init_native() -> Any:
    if MODULE is None:
        return None
    MODULE.init(
        {
            "origin_type": Origin,
            "classify": classify,
            "label": _label,
            "strip_ansi": strip_ansi,
            "python_cell": _cell,
            "known_keys": _KNOWN_KEYS,
            "binary_mimes": BINARY_MIMES,
            "min_base64": MIN_BASE64,
            "key": KEY,
            "location_source": LOCATION_SOURCE,
            "location_output": LOCATION_OUTPUT,
            "location_metadata": LOCATION_METADATA,
            "kind_code": KIND_CODE,
            "kind_markdown": KIND_MARKDOWN,
            "kind_raw": KIND_RAW,
            "kind_text": KIND_TEXT,
            "kind_output": KIND_OUTPUT,
        }
    )
    return MODULE


_native = _init_native()


def native_walk() -> bool:
    """Whether the compiled walk is in use."""
    return _native is not None
