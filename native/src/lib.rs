//! The notebook walk of `jupyter_secrets.scanner.content`, compiled.
//!
//! `cells(cells, out)` appends to `out` exactly the pieces that the Python
//! `_cell` appends for each cell, in the same order (a property test holds the
//! two to it). `notebook(data, out)` does the same for a notebook's JSON text,
//! parsed here (json.rs) instead of by jiter first: the walk reads either
//! through `value::Value`. Whatever this walk does not handle itself (a key
//! that is no string, a lone surrogate, an error raised by a Python helper)
//! sends that one cell back to the Python walk, after taking back what it
//! appended: the result is the Python walk's, only sooner. Decisions that need
//! Python's own string semantics (`classify`, labels, ANSI stripping, number
//! formatting) are asked of the Python functions themselves, and only where
//! they apply.

use std::collections::HashSet;

mod code;
mod image;
mod json;
mod text;
mod value;

use pyo3::ffi;
use pyo3::once_cell::GILOnceCell;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyDict, PyFrozenSet, PyList, PyString, PyTuple, PyType};
use pyo3::{AsPyPointer, PyTypeInfo};

use value::{str_len, text_of, Kind, Parsed, Value};

/// Python objects and constants of `content.py`, given once by `init`.
struct Toolkit {
    origin_type: PyObject,
    classify: PyObject,
    label: PyObject,
    strip_ansi: PyObject,
    python_cell: PyObject,
    known_keys: HashSet<String>,
    binary_mimes: HashSet<String>,
    min_base64: isize,
    key_marker: PyObject,
    source: PyObject,
    output: PyObject,
    metadata: PyObject,
    kind_text: PyObject,
    kind_output: PyObject,
    kinds: [(String, PyObject); 3],
    kind_raw: PyObject,
    field_source: PyObject,
    field_metadata: PyObject,
    field_traceback: PyObject,
    cells_word: PyObject,
    outputs_word: PyObject,
    data_word: PyObject,
    empty: PyObject,
    newline: PyObject,
    magic_prefix: PyObject,
    /// Dict keys looked up in every cell, made once so that their hash is kept.
    id_key: PyObject,
    cell_type_key: PyObject,
    metadata_key: PyObject,
    tags_key: PyObject,
    model_name_key: PyObject,
    label_keys: Vec<PyObject>,
}

static TOOLKIT: GILOnceCell<Toolkit> = GILOnceCell::new();

/// A cell goes back to the Python walk: something here is not handled (a key that is
/// no string, a lone surrogate), or a Python helper raised (the Python walk of the
/// cell raises it again, or not). Either way the answer is the same, so no reason is kept.
pub(crate) struct Back;

impl From<PyErr> for Back {
    fn from(_: PyErr) -> Self {
        Back
    }
}

pub(crate) type Walk<T> = Result<T, Back>;

const VALUE_KEYS: [&str; 6] = [
    "value",
    "currentValue",
    "current_value",
    "defaultValue",
    "default_value",
    "default",
];
const LABEL_KEYS: [&str; 5] = ["description", "label", "placeholder", "title", "name"];
const CELL_TYPES: [&str; 3] = ["code", "markdown", "raw"];
const OUTPUT_TYPES: [&str; 5] = [
    "stream",
    "display_data",
    "execute_result",
    "error",
    "update_display_data",
];

fn strings(set: &PyFrozenSet) -> PyResult<HashSet<String>> {
    set.iter().map(|item| item.extract::<String>()).collect()
}

#[pyfunction]
fn init(py: Python<'_>, kit: &PyDict) -> PyResult<()> {
    let get = |name: &str| -> PyResult<PyObject> {
        kit.get_item(name)
            .map(|v| v.into_py(py))
            .ok_or_else(|| pyo3::exceptions::PyKeyError::new_err(name.to_string()))
    };
    let text = |s: &str| -> PyObject { PyString::new(py, s).into_py(py) };
    let field = |s: &str| -> PyObject { PyTuple::new(py, [PyString::new(py, s)]).into_py(py) };
    let origin_type = get("origin_type")?;
    let origin_class: &PyType = origin_type.as_ref(py).downcast()?;
    // Origins are made as tuple.__new__ makes a tuple subclass's instance: that needs
    // a plain tuple subclass (a NamedTuple: no __dict__, items where a tuple has them).
    if !origin_class.is_subclass_of::<PyTuple>()?
        || unsafe { (*origin_class.as_type_ptr()).tp_itemsize } != PyTuple::type_object(py).getattr("__itemsize__")?.extract::<isize>()?
        || origin_class.getattr("__dictoffset__")?.extract::<isize>()? != 0
    {
        return Err(pyo3::exceptions::PyTypeError::new_err("origin_type must be a NamedTuple"));
    }
    let toolkit = Toolkit {
        origin_type,
        classify: get("classify")?,
        label: get("label")?,
        strip_ansi: get("strip_ansi")?,
        python_cell: get("python_cell")?,
        known_keys: strings(get("known_keys")?.as_ref(py).downcast::<PyFrozenSet>()?)?,
        binary_mimes: strings(get("binary_mimes")?.as_ref(py).downcast::<PyFrozenSet>()?)?,
        min_base64: get("min_base64")?.extract(py)?,
        key_marker: get("key")?,
        source: get("location_source")?,
        output: get("location_output")?,
        metadata: get("location_metadata")?,
        kind_text: get("kind_text")?,
        kind_output: get("kind_output")?,
        kinds: [
            ("code".to_string(), get("kind_code")?),
            ("markdown".to_string(), get("kind_markdown")?),
            ("raw".to_string(), get("kind_raw")?),
        ],
        kind_raw: get("kind_raw")?,
        field_source: field("source"),
        field_metadata: field("metadata"),
        field_traceback: field("traceback"),
        cells_word: text("cells"),
        outputs_word: text("outputs"),
        data_word: text("data"),
        empty: text(""),
        newline: text("\n"),
        magic_prefix: text("%%"),
        id_key: text("id"),
        cell_type_key: text("cell_type"),
        metadata_key: text("metadata"),
        tags_key: text("tags"),
        model_name_key: text("model_name"),
        label_keys: LABEL_KEYS.iter().map(|k| text(k)).collect(),
    };
    let _ = TOOLKIT.set(py, toolkit);
    Ok(())
}

/// The first eight fields of an `Origin` (all but its pointer).
#[derive(Clone, Copy)]
struct Head<'py> {
    location: &'py PyAny,
    kind: &'py PyAny,
    field: &'py PyAny,
    cell_index: &'py PyAny,
    cell_id: &'py PyAny,
    output_index: &'py PyAny,
    allowed: &'py PyAny,
    magic: &'py PyAny,
}

fn starts_with(value: &PyAny, prefix: &PyAny) -> Walk<bool> {
    match unsafe { ffi::PyUnicode_Tailmatch(value.as_ptr(), prefix.as_ptr(), 0, isize::MAX, -1) } {
        -1 => Err(Back),
        found => Ok(found == 1),
    }
}

/// Takes a tuple made here out of the cyclic garbage collector's sight: it holds only
/// strings, numbers, None, booleans and such tuples, so it can never be part of a
/// cycle (CPython's own collector untracks such tuples when it meets them).
unsafe fn untrack(tuple: *mut ffi::PyObject) {
    ffi::PyObject_GC_UnTrack(tuple as *mut std::ffi::c_void); // a no-op when untracked
}

struct Walker<'py> {
    py: Python<'py>,
    kit: &'py Toolkit,
    out: &'py PyList,
}

impl<'py> Walker<'py> {
    fn obj(&self, o: &'py PyObject) -> &'py PyAny {
        o.as_ref(self.py)
    }

    /// An `Origin` made as `tuple.__new__(Origin, (*head, pointer))` makes it.
    fn origin(&self, head: &Head<'py>, pointer: &'py PyAny) -> Walk<&'py PyAny> {
        let items = [
            head.location,
            head.kind,
            head.field,
            head.cell_index,
            head.cell_id,
            head.output_index,
            head.allowed,
            head.magic,
            pointer,
        ];
        unsafe {
            let kind = self.kit.origin_type.as_ptr() as *mut ffi::PyTypeObject;
            let alloc = (*kind).tp_alloc.unwrap_or(ffi::PyType_GenericAlloc);
            let made = alloc(kind, items.len() as ffi::Py_ssize_t);
            if made.is_null() {
                return Err(Back);
            }
            for (index, item) in items.iter().enumerate() {
                ffi::Py_INCREF(item.as_ptr());
                ffi::PyTuple_SET_ITEM(made, index as ffi::Py_ssize_t, item.as_ptr());
            }
            untrack(made);
            Ok(self.py.from_owned_ptr(made))
        }
    }

    fn push(&self, origin: &PyAny, text: &PyAny) -> Walk<()> {
        let piece = PyTuple::new(self.py, [origin, text]);
        unsafe { untrack(piece.as_ptr()) };
        Ok(self.out.append(piece)?)
    }

    fn push_str(&self, origin: &PyAny, text: &str) -> Walk<()> {
        self.push(origin, PyString::new(self.py, text))
    }

    /// `"key": "value"`, as the Python walk shows a string under its name.
    fn push_named(&self, origin: &PyAny, name: &str, text: &str) -> Walk<()> {
        let mut shown = String::with_capacity(name.len() + text.len() + 6);
        shown.push('"');
        shown.push_str(name);
        shown.push_str("\": \"");
        shown.push_str(text);
        shown.push('"');
        self.push_str(origin, &shown)
    }

    fn tuple(&self, base: &[&'py PyAny], more: &[&'py PyAny]) -> &'py PyAny {
        let made = PyTuple::new(self.py, base.iter().chain(more.iter()).copied().collect::<Vec<_>>());
        unsafe { untrack(made.as_ptr()) };
        made
    }

    fn extend(&self, pointer: &'py PyAny, more: &[&'py PyAny]) -> Walk<&'py PyAny> {
        let tuple: &PyTuple = pointer.downcast().map_err(|_| Back)?;
        let made = PyTuple::new(self.py, tuple.iter().chain(more.iter().copied()).collect::<Vec<_>>());
        unsafe { untrack(made.as_ptr()) };
        Ok(made)
    }

    fn none(&self) -> &'py PyAny {
        self.py.None().into_ref(self.py)
    }

    fn flag(&self, value: bool) -> &'py PyAny {
        PyBool::new(self.py, value)
    }

    fn int(&self, value: usize) -> &'py PyAny {
        value.into_py(self.py).into_ref(self.py)
    }

    fn known(&self, name: &str) -> bool {
        self.kit.known_keys.contains(name)
    }

    fn binary_mime(&self, mime: Option<&str>) -> bool {
        mime.map_or(false, |m| self.kit.binary_mimes.contains(m))
    }

    /// nbformat text: a string, or a list of strings joined; None for anything else.
    fn lines_text<V: Value<'py>>(&self, value: V) -> Walk<Option<&'py PyAny>> {
        match value.kind() {
            Kind::Str => Ok(Some(value.py_str(self.py)?)),
            Kind::List => value.joined(self.py, self.obj(&self.kit.empty), ""),
            _ => Ok(None),
        }
    }

    fn strip_ansi(&self, text: &'py PyAny) -> Walk<&'py PyAny> {
        let found = unsafe { ffi::PyUnicode_FindChar(text.as_ptr(), 0x1b, 0, str_len(text), 1) };
        if found == -2 {
            return Err(Back);
        }
        if found >= 0 {
            return Ok(self.kit.strip_ansi.as_ref(self.py).call1((text,))?);
        }
        Ok(text)
    }

    /// `content._trivial`: a known field holding no text at all.
    fn trivial<V: Value<'py>>(&self, key: &str, value: V) -> Walk<bool> {
        if !self.known(key) {
            return Ok(false);
        }
        match value.kind() {
            Kind::Scalar => Ok(true),
            Kind::Dict | Kind::List => Ok(value.len()? == 0),
            Kind::Str => Ok(false),
            Kind::Other => Err(Back),
        }
    }

    /// `content._one_of`: the value is a string, and one of `names`.
    fn member<V: Value<'py>>(value: V, names: &[&str]) -> Walk<bool> {
        if value.kind() == Kind::Str {
            return Ok(names.contains(&value.text()?));
        }
        Ok(false)
    }

    fn cell<V: Value<'py>>(&self, cell: V, index: &'py PyAny) -> Walk<()> {
        let kit = self.kit;
        if cell.kind() != Kind::Dict {
            return Err(Back);
        }
        let base: Vec<&PyAny> = if index.is_none() {
            vec![]
        } else {
            vec![self.obj(&kit.cells_word), index]
        };
        let cell_id = match cell.get("id", self.obj(&kit.id_key))? {
            Some(id) if id.kind() == Kind::Str => id.py_str(self.py)?,
            _ => self.none(),
        };
        let allowed = self.cell_allowed(cell)?;
        let kind = match cell.get("cell_type", self.obj(&kit.cell_type_key))? {
            Some(t) if t.kind() == Kind::Str => {
                let t = t.text()?;
                kit.kinds
                    .iter()
                    .find(|(name, _)| name == t)
                    .map(|(_, k)| self.obj(k))
                    .unwrap_or_else(|| self.obj(&kit.kind_raw))
            }
            Some(t) if t.kind() != Kind::Scalar => return Err(Back), // str() of it
            _ => self.obj(&kit.kind_raw),
        };
        let other = Head {
            location: self.obj(&kit.metadata),
            kind: self.obj(&kit.kind_text),
            field: self.obj(&kit.field_metadata),
            cell_index: index,
            cell_id,
            output_index: self.none(),
            allowed: self.flag(allowed),
            magic: self.flag(false),
        };
        for (key, value) in cell.entries()? {
            let name = key.text()?;
            if name == "source" {
                if let Some(text) = self.lines_text(value)? {
                    let head = Head {
                        location: self.obj(&kit.source),
                        kind,
                        field: self.obj(&kit.field_source),
                        magic: self.flag(starts_with(text, self.obj(&kit.magic_prefix))?),
                        ..other
                    };
                    let origin = self.origin(&head, self.none())?;
                    self.push(origin, text)?;
                    continue;
                }
                let head = Head { location: self.obj(&kit.source), kind, ..other };
                self.leaves(value, self.tuple(&base, &[key.py_str(self.py)?]), &head, None)?;
            } else if name == "outputs" && value.kind() == Kind::List {
                for (output_index, output) in value.items()?.into_iter().enumerate() {
                    let number = self.int(output_index);
                    let where_ = Head { output_index: number, ..other };
                    let mut pointer = base.clone();
                    pointer.extend([self.obj(&kit.outputs_word), number]);
                    self.output(output, &pointer, &where_)?;
                }
            } else if (name == "cell_type" && Self::member(value, &CELL_TYPES)?) || self.trivial(name, value)? {
                continue;
            } else {
                self.key_and_value(key, name, value, &base, &other)?;
            }
        }
        Ok(())
    }

    fn output<V: Value<'py>>(&self, output: V, base: &[&'py PyAny], cell: &Head<'py>) -> Walk<()> {
        let kit = self.kit;
        let out_head = Head {
            location: self.obj(&kit.output),
            kind: self.obj(&kit.kind_output),
            field: self.obj(&kit.field_metadata),
            magic: self.flag(false),
            ..*cell
        };
        let generic = out_head;
        if output.kind() != Kind::Dict {
            return self.leaves(output, self.tuple(base, &[]), &generic, None);
        }
        for (key, value) in output.entries()? {
            let name = key.text()?;
            if matches!(name, "text" | "ename" | "evalue" | "traceback") {
                if name == "traceback" && value.kind() == Kind::List {
                    if let Some(text) = value.joined(self.py, self.obj(&kit.newline), "\n")? {
                        let head = Head { field: self.obj(&kit.field_traceback), ..out_head };
                        let origin = self.origin(&head, self.none())?;
                        self.push(origin, self.strip_ansi(text)?)?;
                        continue;
                    }
                } else if name != "traceback" {
                    if let Some(text) = self.lines_text(value)? {
                        let head = Head { field: PyTuple::new(self.py, [key.py_str(self.py)?]), ..out_head };
                        let origin = self.origin(&head, self.none())?;
                        let shown = if name == "text" { text } else { self.strip_ansi(text)? };
                        self.push(origin, shown)?;
                        continue;
                    }
                }
                self.leaves(value, self.tuple(base, &[key.py_str(self.py)?]), &generic, None)?;
            } else if name == "data" && value.kind() == Kind::Dict {
                for (mime, payload) in value.entries()? {
                    let mime_key = mime.py_str(self.py)?;
                    let mut pointer = base.to_vec();
                    pointer.extend([self.obj(&kit.data_word), mime_key]);
                    self.mime(mime_key, payload, &pointer, &out_head)?;
                }
            } else if (name == "output_type" && Self::member(value, &OUTPUT_TYPES)?)
                || (name == "name" && value.kind() == Kind::Str && matches!(value.text()?, "stdout" | "stderr"))
                || self.trivial(name, value)?
            {
                continue;
            } else {
                self.key_and_value(key, name, value, base, &generic)?;
            }
        }
        Ok(())
    }

    fn mime<V: Value<'py>>(&self, mime_key: &'py PyAny, payload: V, pointer: &[&'py PyAny], out_head: &Head<'py>) -> Walk<()> {
        let mime = text_of(mime_key)?;
        // origin(field) and generic._replace(field=field) are the same head.
        let head = Head {
            field: PyTuple::new(self.py, [self.obj(&self.kit.data_word), mime_key]),
            ..*out_head
        };
        if !mime_shaped(mime) {
            let origin = self.origin(&head, self.tuple(pointer, &[self.obj(&self.kit.key_marker)]))?;
            self.push_str(origin, mime)?;
        }
        if mime == "image/png" && payload.kind() == Kind::Str {
            // Proven here, the payload never becomes a Python str (see image.rs).
            if let Some(texts) = image::png_texts(payload.text()?.as_bytes()) {
                for extra in texts {
                    let origin = self.origin(&head, self.tuple(pointer, &[]))?;
                    self.push_str(origin, &extra)?;
                }
                return Ok(());
            }
        }
        if let Some(text) = self.lines_text(payload)? {
            let (binary, texts) = self.classify(text, Some((mime, mime_key)))?;
            if !binary {
                let origin = self.origin(&head, self.none())?;
                self.push(origin, text)?;
            }
            for extra in texts {
                let origin = self.origin(&head, self.tuple(pointer, &[]))?;
                self.push(origin, extra)?;
            }
        } else if matches!(payload.kind(), Kind::Dict | Kind::List) && mime.ends_with("json") {
            let origin = self.origin(&head, self.none())?;
            let text = self.json_text(payload)?;
            self.push_str(origin, &text)?;
        } else {
            self.leaves(payload, self.tuple(pointer, &[]), &head, None)?;
        }
        Ok(())
    }

    /// `binary.classify`'s verdict, computed here when its own first tests say "text";
    /// `mime` is the mimetype's name and key, made a Python str only if Python is asked.
    fn classify<V: Value<'py>, M: Value<'py>>(&self, text: V, mime: Option<(&str, M)>) -> Walk<(bool, Vec<&'py PyAny>)> {
        let shown = text.text()?;
        let data_uri = shown.starts_with("data:");
        if !self.binary_mime(mime.map(|(name, _)| name)) && !data_uri && text.shorter_than(self.kit.min_base64)? {
            return Ok((false, vec![]));
        }
        // classify's next test, which says "text" at once for most long strings (HTML,
        // logs): outside a data: URI, base64 starts with 16 of its characters (_B64_HEAD).
        let head = shown.as_bytes();
        let b64 = |c: &u8| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'_' | b'-');
        if !data_uri && (head.len() < 16 || !head[..16].iter().all(b64)) {
            return Ok((false, vec![]));
        }
        let mime_obj = match mime {
            Some((_, key)) => key.py_str(self.py)?,
            None => self.none(),
        };
        let verdict = self.kit.classify.as_ref(self.py).call1((text.py_str(self.py)?, mime_obj))?;
        let binary = verdict.get_item(0)?.is_true()?;
        let texts: Vec<&PyAny> = verdict.get_item(1)?.iter()?.collect::<PyResult<_>>()?;
        Ok((binary, texts))
    }

    fn key_and_value<V: Value<'py>>(
        &self,
        key: V,
        name: &'py str,
        value: V,
        base: &[&'py PyAny],
        origin: &Head<'py>,
    ) -> Walk<()> {
        let key_obj = key.py_str(self.py)?;
        if value.kind() == Kind::Str {
            if value.shorter_than(self.kit.min_base64)? {
                let o = self.origin(origin, self.tuple(base, &[key_obj]))?;
                return self.push_named(o, name, value.text()?);
            }
        } else if !self.known(name) {
            let o = self.origin(origin, self.tuple(base, &[key_obj, self.obj(&self.kit.key_marker)]))?;
            self.push(o, key_obj)?;
        }
        self.leaves(value, self.tuple(base, &[key_obj]), origin, Some(name))
    }

    /// `content._leaves` without `skip` (cells are never skipped in part).
    fn leaves<V: Value<'py>>(&self, value: V, pointer: &'py PyAny, head: &Head<'py>, key: Option<&'py str>) -> Walk<()> {
        match value.kind() {
            Kind::Str => {}
            Kind::Dict | Kind::List => {
                if value.len()? == 0 {
                    return Ok(());
                }
            }
            Kind::Scalar => return Ok(()),
            Kind::Other => return Err(Back),
        }
        // (item, pointer, the name its text is shown under, mime (a key), name given by
        // an ancestor)
        type Entry<'a, V> = (V, &'a PyAny, Option<&'a str>, Option<(&'a str, V)>, Option<&'a str>);
        let mut stack: Vec<Entry<'py, V>> = vec![(value, pointer, key, None, None)];
        while let Some((item, where_, key, mime, given)) = stack.pop() {
            match item.kind() {
                Kind::Str => {
                    let leaf = self.origin(head, where_)?;
                    let (binary, texts) = self.classify(item, mime)?;
                    if !binary {
                        match key {
                            Some(k) => self.push_named(leaf, k, item.text()?)?,
                            None => self.push(leaf, item.py_str(self.py)?)?,
                        }
                    }
                    for extra in texts {
                        self.push(leaf, extra)?;
                    }
                }
                Kind::Dict => {
                    // `_label(item) or given or key`, of which only the truth is used.
                    let nonempty = |name: Option<&'py str>| name.filter(|n| !n.is_empty());
                    let label = nonempty(self.label(item)?).or(nonempty(given)).or(nonempty(key));
                    let passed = match item.get("model_name", self.obj(&self.kit.model_name_key))? {
                        Some(m) if m.kind() == Kind::Str && m.text()? == "PasswordModel" => Some("password"),
                        _ => given,
                    };
                    for (child_key, child) in item.entries()?.into_iter().rev() {
                        let name = child_key.text()?;
                        let child_mime = if name.contains('/') { Some((name, child_key)) } else { mime };
                        let key_obj = child_key.py_str(self.py)?;
                        let child_pointer = self.extend(where_, &[key_obj])?;
                        if child.kind() == Kind::Str {
                            let shown = match label {
                                Some(l) if VALUE_KEYS.contains(&name) => l,
                                _ => name,
                            };
                            stack.push((child, child_pointer, Some(shown), child_mime, None));
                            continue;
                        }
                        if !self.known(name) {
                            let key_pointer = self.extend(where_, &[key_obj, self.obj(&self.kit.key_marker)])?;
                            let o = self.origin(head, key_pointer)?;
                            self.push(o, key_obj)?;
                        }
                        stack.push((child, child_pointer, Some(name), child_mime, passed));
                    }
                }
                Kind::List => {
                    for (index, child) in item.items()?.into_iter().enumerate().rev() {
                        let child_pointer = self.extend(where_, &[self.int(index)])?;
                        stack.push((child, child_pointer, key, mime, given));
                    }
                }
                Kind::Scalar => {}
                Kind::Other => return Err(Back),
            }
        }
        Ok(())
    }

    /// `content._label`, asked of Python only where a label field holds a string (with
    /// a dict of just those fields: all it reads).
    fn label<V: Value<'py>>(&self, dict: V) -> Walk<Option<&'py str>> {
        let mut fields: Option<&PyDict> = None;
        for (name, key) in LABEL_KEYS.iter().zip(self.kit.label_keys.iter()) {
            if let Some(text) = dict.get(name, key.as_ref(self.py))? {
                if text.kind() == Kind::Str {
                    let made = *fields.get_or_insert_with(|| PyDict::new(self.py));
                    made.set_item(key.as_ref(self.py), text.py_str(self.py)?)?;
                }
            }
        }
        let fields = match fields {
            Some(fields) => fields,
            None => return Ok(None),
        };
        let label = self.kit.label.as_ref(self.py).call1((fields,))?;
        if label.is_none() {
            return Ok(None);
        }
        Ok(Some(text_of(label)?))
    }

    /// `content.json_text`: unescaped `"key": "value"` lines of a JSON output, written into
    /// one buffer (a Plotly figure has hundreds of thousands of leaves).
    fn json_text<V: Value<'py>>(&self, value: V) -> Walk<String> {
        fn line(out: &mut String, key: Option<&str>, shown: &str, quoted: bool) {
            if !out.is_empty() {
                out.push('\n'); // no line is empty: each holds a quote at least
            }
            if let Some(k) = key {
                out.push('"');
                out.push_str(k);
                out.push_str("\": ");
            }
            if quoted {
                out.push('"');
            }
            out.push_str(shown);
            if quoted {
                out.push('"');
            }
        }
        let mut out = String::new();
        let mut stack: Vec<(V, Option<&str>)> = vec![(value, None)];
        while let Some((item, key)) = stack.pop() {
            match item.kind() {
                Kind::Dict => {
                    for (k, v) in item.entries()?.into_iter().rev() {
                        stack.push((v, Some(k.text()?)));
                    }
                }
                Kind::List => {
                    for child in item.items()?.into_iter().rev() {
                        stack.push((child, key));
                    }
                }
                Kind::Str => line(&mut out, key, item.text()?, true),
                _ if key.is_some() => {
                    if let Some(shown) = item.scalar_text()? {
                        line(&mut out, key, &shown, false);
                    }
                }
                _ => {}
            }
        }
        Ok(out)
    }

    /// `content.cell_allowed`: the cell's tags hold "allow-secret".
    fn cell_allowed<V: Value<'py>>(&self, cell: V) -> Walk<bool> {
        let metadata = match cell.get("metadata", self.obj(&self.kit.metadata_key))? {
            Some(m) if m.kind() == Kind::Dict => m,
            _ => return Ok(false),
        };
        let tags = match metadata.get("tags", self.obj(&self.kit.tags_key))? {
            Some(t) if t.kind() == Kind::List => t,
            _ => return Ok(false),
        };
        for tag in tags.items()? {
            match tag.kind() {
                Kind::Str => {
                    if tag.text()? == "allow-secret" {
                        return Ok(true);
                    }
                }
                Kind::Other => return Err(Back),
                _ => {}
            }
        }
        Ok(false)
    }
}

/// `content._MIME_RE.fullmatch`: `[a-z]{1,20}/[A-Za-z0-9.+-]{1,80}`.
fn mime_shaped(mime: &str) -> bool {
    // (No let-else: Debian 12's own rustc, 1.63, builds this too.)
    let (kind, sub) = match mime.split_once('/') {
        Some(parts) => parts,
        None => return false,
    };
    (1..=20).contains(&kind.len())
        && kind.bytes().all(|b| b.is_ascii_lowercase())
        && (1..=80).contains(&sub.len())
        && sub.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'+' || b == b'-')
}

/// Walk one cell, or hand it to the Python walk with `out` as it was.
fn walk_cell<'py, V: Value<'py>>(
    py: Python<'py>,
    kit: &'py Toolkit,
    out: &'py PyList,
    cell: V,
    index: &'py PyAny,
) -> PyResult<()> {
    let mark = out.len();
    let walked = {
        // The objects this cell's walk makes are released when it ends, not at the call's.
        // None of them leaves this block but through `out`, which holds its own references:
        // so the pool's token may stand for the caller's lifetime, as `cell`'s needs.
        let pool = unsafe { py.new_pool() };
        let py: Python<'py> = unsafe { std::mem::transmute(pool.python()) };
        let walker = Walker { py, kit, out };
        walker.cell(cell, index).is_ok()
    };
    if !walked {
        out.as_sequence().del_slice(mark, usize::MAX)?;
        kit.python_cell.as_ref(py).call1((cell.python(py)?, index, out))?;
    }
    Ok(())
}

fn toolkit(py: Python<'_>) -> PyResult<&Toolkit> {
    TOOLKIT
        .get(py)
        .ok_or_else(|| pyo3::exceptions::PyRuntimeError::new_err("jupyter_secrets native walk: init() first"))
}

/// Every cell of `cells` into `out`, as `content._cell` would put them.
#[pyfunction]
fn cells(py: Python<'_>, cells: &PyList, out: &PyList) -> PyResult<()> {
    let kit = toolkit(py)?;
    for (index, cell) in cells.iter().enumerate() {
        walk_cell(py, kit, out, cell, index.into_py(py).into_ref(py))?;
    }
    Ok(())
}

/// One cell into `out`, as `content._cell(cell, cell_index, out)` would put it.
#[pyfunction]
fn cell(py: Python<'_>, cell: &PyAny, cell_index: &PyAny, out: &PyList) -> PyResult<()> {
    walk_cell(py, toolkit(py)?, out, cell, cell_index)
}

/// A notebook's JSON text parsed and its cells walked into `out` in one pass, as
/// `cells(loads_checked(data)["cells"], out)` would; what is returned is the rest of
/// the notebook (every top-level entry but a list of cells) as Python objects, for the
/// Python walk of the top level, and whether a part of it was skipped. With
/// `weigh_text` (`CoarseCheck.weigh_text`), a top-level container whose `orjson.dumps`
/// text this parse can write itself (json::compact_entry) and that it weighs clear is
/// left out of the rest, as `content._top_level` would skip it. None, with `out`
/// untouched, where the parse declines (see json.rs): the caller then parses as before.
#[pyfunction]
fn notebook<'py>(
    py: Python<'py>,
    data: &PyBytes,
    out: &'py PyList,
    weigh_text: Option<&PyAny>,
) -> PyResult<Option<(&'py PyAny, bool)>> {
    let kit = toolkit(py)?;
    let doc = match json::parse(data.as_bytes()) {
        Some(doc) => doc,
        None => return Ok(None),
    };
    let root = Parsed { doc: &doc, id: doc.root };
    if root.kind() != Kind::Dict {
        return Ok(None);
    }
    let rest = PyDict::new(py);
    let mut skipped = false;
    for (key, value) in root.entries().map_err(|_| declined())? {
        let name = key.text().map_err(|_| declined())?;
        if name == "cells" && value.kind() == Kind::List {
            for (index, cell) in value.items().map_err(|_| declined())?.into_iter().enumerate() {
                walk_cell(py, kit, out, cell, index.into_py(py).into_ref(py))?;
            }
            continue;
        }
        if let (Some(weigh), Kind::Dict | Kind::List) = (weigh_text, value.kind()) {
            if let Some(text) = json::compact_entry(&doc, key.id, value.id) {
                if weigh.call1((PyBytes::new(py, &text),))?.extract::<i64>()? == 0 {
                    skipped = true;
                    continue;
                }
            }
        }
        rest.set_item(key.python(py)?, value.python(py)?)?;
    }
    Ok(Some((rest, skipped)))
}

/// For the tests: each top-level entry of `data` with its `json::compact_entry` text
/// (None where it has none); None where the parse declines or the root is no object.
#[pyfunction]
fn compact_entries<'py>(py: Python<'py>, data: &PyBytes) -> Option<Vec<(String, Option<&'py PyBytes>)>> {
    let doc = json::parse(data.as_bytes())?;
    let root = Parsed { doc: &doc, id: doc.root };
    if root.kind() != Kind::Dict {
        return None;
    }
    let entries = root.entries().ok()?;
    let mut found = Vec::with_capacity(entries.len());
    for (key, value) in entries {
        let text = json::compact_entry(&doc, key.id, value.id);
        found.push((key.text().ok()?.to_string(), text.map(|t| PyBytes::new(py, &t))));
    }
    Some(found)
}

fn declined() -> PyErr {
    pyo3::exceptions::PyValueError::new_err("unreachable: a parsed document's key is a string")
}

#[pymodule]
fn _native(_py: Python<'_>, m: &PyModule) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(init, m)?)?;
    m.add_function(wrap_pyfunction!(cells, m)?)?;
    m.add_function(wrap_pyfunction!(cell, m)?)?;
    m.add_function(wrap_pyfunction!(notebook, m)?)?;
    m.add_function(wrap_pyfunction!(compact_entries, m)?)?;
    m.add_function(wrap_pyfunction!(text::latin1, m)?)?;
    m.add_function(wrap_pyfunction!(text::names_around, m)?)?;
    m.add_function(wrap_pyfunction!(text::near_any, m)?)?;
    m.add_function(wrap_pyfunction!(text::words_that_may_name, m)?)?;
    m.add_function(wrap_pyfunction!(code::code_tokens, m)?)?;
    m.add_function(wrap_pyfunction!(text::base64_head, m)?)?;
    m.add_function(wrap_pyfunction!(image::png_texts_of, m)?)?;
    Ok(())
}
