//! The cell walk of `jupyter_secrets.scanner.content`, compiled.
//!
//! `cells(cells, out)` appends to `out` exactly the pieces that the Python
//! `_cell` appends for each cell, in the same order (a property test holds the
//! two to it). Whatever this walk does not handle itself (a key that is no
//! string, a lone surrogate, an error raised by a Python helper) sends that
//! one cell back to the Python walk, after taking back what it appended: the
//! result is the Python walk's, only sooner. Decisions that need Python's own
//! string semantics (`classify`, labels, ANSI stripping, number formatting)
//! are asked of the Python functions themselves, and only where they apply.

use std::collections::HashSet;

mod code;
mod text;

use pyo3::ffi;
use pyo3::once_cell::GILOnceCell;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyFrozenSet, PyList, PyLong, PyString, PyTuple, PyType};
use pyo3::{AsPyPointer, PyTypeInfo};

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
    data_prefix: PyObject,
    magic_prefix: PyObject,
    /// Dict keys looked up in every cell, made once so that their hash is kept.
    id_key: PyObject,
    cell_type_key: PyObject,
    metadata_key: PyObject,
    tags_key: PyObject,
    model_name_key: PyObject,
    label_keys: Vec<PyObject>,
    /// The name a PasswordModel widget gives the strings below it.
    widget_name: PyObject,
}

static TOOLKIT: GILOnceCell<Toolkit> = GILOnceCell::new();

/// A cell goes back to the Python walk: something here is not handled (a key that is
/// no string, a lone surrogate), or a Python helper raised (the Python walk of the
/// cell raises it again, or not). Either way the answer is the same, so no reason is kept.
struct Back;

impl From<PyErr> for Back {
    fn from(_: PyErr) -> Self {
        Back
    }
}

type Walk<T> = Result<T, Back>;

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
        data_prefix: text("data:"),
        magic_prefix: text("%%"),
        id_key: text("id"),
        cell_type_key: text("cell_type"),
        metadata_key: text("metadata"),
        tags_key: text("tags"),
        model_name_key: text("model_name"),
        label_keys: LABEL_KEYS.iter().map(|k| text(k)).collect(),
        widget_name: text("password"),
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

fn is_str(value: &PyAny) -> bool {
    PyString::is_type_of(value)
}

fn is_dict(value: &PyAny) -> bool {
    PyDict::is_type_of(value)
}

fn is_list(value: &PyAny) -> bool {
    PyList::is_type_of(value)
}

fn is_scalar(value: &PyAny) -> bool {
    value.is_none() || PyLong::is_type_of(value) || PyFloat::is_type_of(value)
}

fn text_of(value: &PyAny) -> Walk<&str> {
    let s: &PyString = value.downcast().map_err(|_| Back)?;
    s.to_str().map_err(|_| Back) // a lone surrogate: Python's walk
}

/// The length of a str in code points, as Python's len().
fn str_len(value: &PyAny) -> isize {
    unsafe { ffi::PyUnicode_GetLength(value.as_ptr()) }
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

    fn join(&self, separator: &'py PyAny, list: &'py PyAny) -> Walk<&'py PyAny> {
        unsafe {
            let joined = ffi::PyUnicode_Join(separator.as_ptr(), list.as_ptr());
            if joined.is_null() {
                return Err(Back);
            }
            Ok(self.py.from_owned_ptr(joined))
        }
    }

    /// nbformat text: a string, or a list of strings joined; None for anything else.
    fn lines_text(&self, value: &'py PyAny) -> Walk<Option<&'py PyAny>> {
        if is_str(value) {
            return Ok(Some(value));
        }
        if is_list(value) {
            let list: &PyList = value.downcast().map_err(|_| Back)?;
            if list.iter().all(is_str) {
                return Ok(Some(self.join(self.obj(&self.kit.empty), value)?));
            }
        }
        Ok(None)
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
    fn trivial(&self, key: &str, value: &PyAny) -> Walk<bool> {
        if !self.known(key) {
            return Ok(false);
        }
        if is_scalar(value) {
            return Ok(true);
        }
        if is_dict(value) || is_list(value) {
            return Ok(value.len()? == 0);
        }
        if is_str(value) {
            return Ok(false);
        }
        Err(Back)
    }

    /// `content._one_of`: the value is a string, and one of `names`.
    fn member(value: &PyAny, names: &[&str]) -> Walk<bool> {
        if is_str(value) {
            return Ok(names.contains(&text_of(value)?));
        }
        Ok(false)
    }

    fn cell(&self, cell: &'py PyAny, index: &'py PyAny) -> Walk<()> {
        let kit = self.kit;
        let cell: &PyDict = cell.downcast().map_err(|_| Back)?;
        let base: Vec<&PyAny> = if index.is_none() {
            vec![]
        } else {
            vec![self.obj(&kit.cells_word), index]
        };
        let cell_id = match cell.get_item(self.obj(&kit.id_key)) {
            Some(id) if is_str(id) => id,
            _ => self.none(),
        };
        let allowed = cell_allowed(kit, cell)?;
        let kind = match cell.get_item(self.obj(&kit.cell_type_key)) {
            Some(t) if is_str(t) => {
                let t = text_of(t)?;
                kit.kinds
                    .iter()
                    .find(|(name, _)| name == t)
                    .map(|(_, k)| self.obj(k))
                    .unwrap_or_else(|| self.obj(&kit.kind_raw))
            }
            Some(t) if !is_scalar(t) => return Err(Back), // str() of it
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
        for (key, value) in cell.iter() {
            let name = text_of(key)?;
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
                self.leaves(value, self.tuple(&base, &[key]), &head, None)?;
            } else if name == "outputs" && is_list(value) {
                let outputs: &PyList = value.downcast().map_err(|_| Back)?;
                for (output_index, output) in outputs.iter().enumerate() {
                    let number = self.int(output_index);
                    let where_ = Head { output_index: number, ..other };
                    let mut pointer = base.clone();
                    pointer.extend([self.obj(&kit.outputs_word), number]);
                    self.output(output, &pointer, &where_)?;
                }
            } else if (name == "cell_type" && Self::member(value, &CELL_TYPES)?)
                || self.trivial(name, value)?
            {
                continue;
            } else {
                self.key_and_value(key, name, value, &base, &other)?;
            }
        }
        Ok(())
    }

    fn output(&self, output: &'py PyAny, base: &[&'py PyAny], cell: &Head<'py>) -> Walk<()> {
        let kit = self.kit;
        let out_head = Head {
            location: self.obj(&kit.output),
            kind: self.obj(&kit.kind_output),
            field: self.obj(&kit.field_metadata),
            magic: self.flag(false),
            ..*cell
        };
        let generic = out_head;
        if !is_dict(output) {
            return self.leaves(output, self.tuple(base, &[]), &generic, None);
        }
        let output: &PyDict = output.downcast().map_err(|_| Back)?;
        for (key, value) in output.iter() {
            let name = text_of(key)?;
            if matches!(name, "text" | "ename" | "evalue" | "traceback") {
                if name == "traceback" && is_list(value) {
                    let list: &PyList = value.downcast().map_err(|_| Back)?;
                    if list.iter().all(is_str) {
                        let text = self.join(self.obj(&kit.newline), value)?;
                        let head = Head { field: self.obj(&kit.field_traceback), ..out_head };
                        let origin = self.origin(&head, self.none())?;
                        self.push(origin, self.strip_ansi(text)?)?;
                        continue;
                    }
                } else if name != "traceback" {
                    if let Some(text) = self.lines_text(value)? {
                        let head = Head { field: PyTuple::new(self.py, [key]), ..out_head };
                        let origin = self.origin(&head, self.none())?;
                        let shown = if name == "text" { text } else { self.strip_ansi(text)? };
                        self.push(origin, shown)?;
                        continue;
                    }
                }
                self.leaves(value, self.tuple(base, &[key]), &generic, None)?;
            } else if name == "data" && is_dict(value) {
                let data: &PyDict = value.downcast().map_err(|_| Back)?;
                for (mime, payload) in data.iter() {
                    let mut pointer = base.to_vec();
                    pointer.extend([self.obj(&kit.data_word), mime]);
                    self.mime(mime, payload, &pointer, &out_head)?;
                }
            } else if (name == "output_type" && Self::member(value, &OUTPUT_TYPES)?)
                || (name == "name" && is_str(value) && matches!(text_of(value)?, "stdout" | "stderr"))
                || self.trivial(name, value)?
            {
                continue;
            } else {
                self.key_and_value(key, name, value, base, &generic)?;
            }
        }
        Ok(())
    }

    fn mime(
        &self,
        mime_key: &'py PyAny,
        payload: &'py PyAny,
        pointer: &[&'py PyAny],
        out_head: &Head<'py>,
    ) -> Walk<()> {
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
        if let Some(text) = self.lines_text(payload)? {
            let (binary, texts) = self.classify(text, Some(mime_key), Some(mime))?;
            if !binary {
                let origin = self.origin(&head, self.none())?;
                self.push(origin, text)?;
            }
            for extra in texts {
                let origin = self.origin(&head, self.tuple(pointer, &[]))?;
                self.push(origin, extra)?;
            }
        } else if (is_dict(payload) || is_list(payload)) && mime.ends_with("json") {
            let origin = self.origin(&head, self.none())?;
            let text = self.json_text(payload)?;
            self.push_str(origin, &text)?;
        } else {
            self.leaves(payload, self.tuple(pointer, &[]), &head, None)?;
        }
        Ok(())
    }

    /// `binary.classify`'s verdict, computed here when its own first test says "text".
    fn classify(
        &self,
        text: &'py PyAny,
        mime_obj: Option<&'py PyAny>,
        mime: Option<&str>,
    ) -> Walk<(bool, Vec<&'py PyAny>)> {
        if !self.binary_mime(mime)
            && !starts_with(text, self.obj(&self.kit.data_prefix))?
            && str_len(text) < self.kit.min_base64
        {
            return Ok((false, vec![]));
        }
        let verdict = self
            .kit
            .classify
            .as_ref(self.py)
            .call1((text, mime_obj.unwrap_or_else(|| self.none())))?;
        let binary = verdict.get_item(0)?.is_true()?;
        let texts: Vec<&PyAny> = verdict.get_item(1)?.iter()?.collect::<PyResult<_>>()?;
        Ok((binary, texts))
    }

    fn key_and_value(
        &self,
        key: &'py PyAny,
        name: &str,
        value: &'py PyAny,
        base: &[&'py PyAny],
        origin: &Head<'py>,
    ) -> Walk<()> {
        if is_str(value) {
            if str_len(value) < self.kit.min_base64 {
                let o = self.origin(origin, self.tuple(base, &[key]))?;
                return self.push_str(o, &format!("\"{}\": \"{}\"", name, text_of(value)?));
            }
        } else if !self.known(name) {
            let o = self.origin(origin, self.tuple(base, &[key, self.obj(&self.kit.key_marker)]))?;
            self.push_str(o, name)?;
        }
        self.leaves(value, self.tuple(base, &[key]), origin, Some(key))
    }

    /// `content._leaves` without `skip` (cells are never skipped in part).
    fn leaves(
        &self,
        value: &'py PyAny,
        pointer: &'py PyAny,
        head: &Head<'py>,
        key: Option<&'py PyAny>,
    ) -> Walk<()> {
        if !(is_str(value) || is_dict(value) || is_list(value)) {
            return if is_scalar(value) { Ok(()) } else { Err(Back) };
        }
        if !is_str(value) && value.len()? == 0 {
            return Ok(());
        }
        // (item, pointer, the name its text is shown under, mime, name given by an ancestor);
        // names are Python strs.
        type Entry<'a> = (&'a PyAny, &'a PyAny, Option<&'a PyAny>, Option<&'a PyAny>, Option<&'a PyAny>);
        let mut stack: Vec<Entry<'py>> = vec![(value, pointer, key, None, None)];
        while let Some((item, where_, key, mime, given)) = stack.pop() {
            if is_str(item) {
                let leaf = self.origin(head, where_)?;
                let mime_text = match mime {
                    Some(m) => Some(text_of(m)?),
                    None => None,
                };
                let (binary, texts) = self.classify(item, mime, mime_text)?;
                if !binary {
                    match key {
                        Some(k) => {
                            self.push_str(leaf, &format!("\"{}\": \"{}\"", text_of(k)?, text_of(item)?))?
                        }
                        None => self.push(leaf, item)?,
                    }
                }
                for extra in texts {
                    self.push(leaf, extra)?;
                }
            } else if is_dict(item) {
                let dict: &PyDict = item.downcast().map_err(|_| Back)?;
                // `_label(item) or given or key`, of which only the truth is used.
                let nonempty = |name: Option<&'py PyAny>| name.filter(|n| str_len(n) > 0);
                let label = nonempty(self.label(dict)?).or(nonempty(given)).or(nonempty(key));
                let passed = match dict.get_item(self.obj(&self.kit.model_name_key)) {
                    Some(m) if is_str(m) && text_of(m)? == "PasswordModel" => {
                        Some(self.obj(&self.kit.widget_name))
                    }
                    _ => given,
                };
                let children: Vec<(&PyAny, &PyAny)> = dict.iter().collect();
                for (child_key, child) in children.into_iter().rev() {
                    let name = text_of(child_key)?;
                    let child_mime = if name.contains('/') { Some(child_key) } else { mime };
                    let child_pointer = self.extend(where_, &[child_key])?;
                    if is_str(child) {
                        let shown = match label {
                            Some(l) if VALUE_KEYS.contains(&name) => l,
                            _ => child_key,
                        };
                        stack.push((child, child_pointer, Some(shown), child_mime, None));
                        continue;
                    }
                    if !self.known(name) {
                        let key_pointer = self.extend(where_, &[child_key, self.obj(&self.kit.key_marker)])?;
                        let o = self.origin(head, key_pointer)?;
                        self.push(o, child_key)?;
                    }
                    stack.push((child, child_pointer, Some(child_key), child_mime, passed));
                }
            } else if is_list(item) {
                let list: &PyList = item.downcast().map_err(|_| Back)?;
                for index in (0..list.len()).rev() {
                    let child = list.get_item(index)?;
                    let child_pointer = self.extend(where_, &[self.int(index)])?;
                    stack.push((child, child_pointer, key, mime, given));
                }
            } else if !is_scalar(item) {
                return Err(Back);
            }
        }
        Ok(())
    }

    /// `content._label`, asked of Python only where a label field holds a string.
    fn label(&self, dict: &PyDict) -> Walk<Option<&'py PyAny>> {
        if !self.kit.label_keys.iter().any(|k| dict.get_item(k.as_ref(self.py)).map_or(false, is_str)) {
            return Ok(None);
        }
        let label = self.kit.label.as_ref(self.py).call1((dict,))?;
        if label.is_none() {
            return Ok(None);
        }
        if !is_str(label) {
            return Err(Back);
        }
        Ok(Some(label))
    }

    /// `content.json_text`: unescaped `"key": "value"` lines of a JSON output, written into
    /// one buffer (a Plotly figure has hundreds of thousands of leaves).
    fn json_text(&self, value: &'py PyAny) -> Walk<String> {
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
        let mut stack: Vec<(&PyAny, Option<&str>)> = vec![(value, None)];
        while let Some((item, key)) = stack.pop() {
            if is_dict(item) {
                let dict: &PyDict = item.downcast().map_err(|_| Back)?;
                let children: Vec<(&PyAny, &PyAny)> = dict.iter().collect();
                for (k, v) in children.into_iter().rev() {
                    stack.push((v, Some(text_of(k)?)));
                }
            } else if is_list(item) {
                let list: &PyList = item.downcast().map_err(|_| Back)?;
                for index in (0..list.len()).rev() {
                    stack.push((list.get_item(index)?, key));
                }
            } else if is_str(item) {
                line(&mut out, key, text_of(item)?, true);
            } else if key.is_some() && !item.is_none() {
                // Python's own str() of a number or a boolean (1e-05, True); an int that
                // fits 64 bits reads the same in Rust's decimal.
                if PyBool::is_type_of(item) {
                    line(&mut out, key, if item.is_true()? { "True" } else { "False" }, false);
                } else if let Some(n) = exact_i64(item) {
                    line(&mut out, key, &n.to_string(), false);
                } else {
                    line(&mut out, key, item.str()?.to_str()?, false);
                }
            }
        }
        Ok(out)
    }
}

/// The value of an exact `int` that fits 64 bits (tried only on those: a failed
/// extraction makes an exception, and a figure has thousands of floats).
fn exact_i64(item: &PyAny) -> Option<i64> {
    if PyLong::is_exact_type_of(item) {
        item.extract::<i64>().ok()
    } else {
        None
    }
}

/// `content.cell_allowed`: the cell's tags hold "allow-secret".
fn cell_allowed(kit: &Toolkit, cell: &PyDict) -> Walk<bool> {
    let py = cell.py();
    let metadata = match cell.get_item(kit.metadata_key.as_ref(py)) {
        Some(m) if is_dict(m) => m.downcast::<PyDict>().map_err(|_| Back)?,
        _ => return Ok(false),
    };
    let tags = match metadata.get_item(kit.tags_key.as_ref(py)) {
        Some(t) if is_list(t) => t.downcast::<PyList>().map_err(|_| Back)?,
        _ => return Ok(false),
    };
    for tag in tags.iter() {
        if is_str(tag) {
            if text_of(tag)? == "allow-secret" {
                return Ok(true);
            }
        } else if !(is_scalar(tag) || is_list(tag) || is_dict(tag)) {
            return Err(Back);
        }
    }
    Ok(false)
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
fn walk_cell(py: Python<'_>, kit: &Toolkit, out: &PyList, cell: &PyAny, index: &PyAny) -> PyResult<()> {
    let mark = out.len();
    let walked = {
        // The objects this cell's walk makes are released when it ends, not at the call's.
        let pool = unsafe { py.new_pool() };
        let walker = Walker { py: pool.python(), kit, out };
        walker.cell(cell, index).is_ok()
    };
    if !walked {
        out.as_sequence().del_slice(mark, usize::MAX)?;
        kit.python_cell.as_ref(py).call1((cell, index, out))?;
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

#[pymodule]
fn _native(_py: Python<'_>, m: &PyModule) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(init, m)?)?;
    m.add_function(wrap_pyfunction!(cells, m)?)?;
    m.add_function(wrap_pyfunction!(cell, m)?)?;
    m.add_function(wrap_pyfunction!(text::latin1, m)?)?;
    m.add_function(wrap_pyfunction!(text::names_around, m)?)?;
    m.add_function(wrap_pyfunction!(text::near_any, m)?)?;
    m.add_function(wrap_pyfunction!(text::words_that_may_name, m)?)?;
    m.add_function(wrap_pyfunction!(code::code_tokens, m)?)?;
    m.add_function(wrap_pyfunction!(text::base64_head, m)?)?;
    Ok(())
}
