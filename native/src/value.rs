//! What the walk reads a JSON value through: a Python object (a notebook handed in
//! parsed, as the server does), or a node of a document parsed here (json.rs), for
//! which Python objects are made only where the walk hands one on.

use std::borrow::Cow;
use std::ffi::{CStr, CString};
use std::os::raw::c_char;

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyList, PyLong, PyString};
use pyo3::{AsPyPointer, PyTypeInfo};

use crate::json::{Doc, Node};
use crate::{Back, Walk};

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Str,
    Dict,
    List,
    /// null, a boolean or a number
    Scalar,
    /// No JSON value (a tuple, a set): only a Python object can be one.
    Other,
}

pub trait Value<'py>: Copy {
    fn kind(self) -> Kind;
    /// A string's text; Back for one Rust cannot hold (a lone surrogate).
    fn text(self) -> Walk<&'py str>;
    /// A string as a Python str.
    fn py_str(self, py: Python<'py>) -> Walk<&'py PyAny>;
    /// Whether a string is shorter than `n` characters, counted as Python's len() does.
    fn shorter_than(self, n: isize) -> Walk<bool>;
    /// The number of a container's entries.
    fn len(self) -> Walk<usize>;
    /// An object's value under `name` (`key` is the same name as a Python str).
    fn get(self, name: &str, key: &'py PyAny) -> Walk<Option<Self>>;
    /// An object's keys and values, in order.
    fn entries(self) -> Walk<Vec<(Self, Self)>>;
    /// A list's items, in order.
    fn items(self) -> Walk<Vec<Self>>;
    /// A list of strings joined with `separator` (`text` as a Python str); None when the
    /// list holds anything else.
    fn joined(self, py: Python<'py>, separator: &'py PyAny, text: &str) -> Walk<Option<&'py PyAny>>;
    /// Python's str() of anything but a string or a container; None for null.
    fn scalar_text(self) -> Walk<Option<Cow<'py, str>>>;
    /// The value as Python objects, as jiter would have made them.
    fn python(self, py: Python<'py>) -> PyResult<&'py PyAny>;
}

pub fn is_str(value: &PyAny) -> bool {
    PyString::is_type_of(value)
}

fn is_scalar(value: &PyAny) -> bool {
    value.is_none() || PyLong::is_type_of(value) || PyFloat::is_type_of(value)
}

/// The length of a str in code points, as Python's len().
pub fn str_len(value: &PyAny) -> isize {
    unsafe { ffi::PyUnicode_GetLength(value.as_ptr()) }
}

pub fn text_of(value: &PyAny) -> Walk<&str> {
    let s: &PyString = value.downcast().map_err(|_| Back)?;
    s.to_str().map_err(|_| Back) // a lone surrogate: Python's walk
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

impl<'py> Value<'py> for &'py PyAny {
    fn kind(self) -> Kind {
        if is_str(self) {
            Kind::Str
        } else if PyDict::is_type_of(self) {
            Kind::Dict
        } else if PyList::is_type_of(self) {
            Kind::List
        } else if is_scalar(self) {
            Kind::Scalar
        } else {
            Kind::Other
        }
    }

    fn text(self) -> Walk<&'py str> {
        text_of(self)
    }

    fn py_str(self, _py: Python<'py>) -> Walk<&'py PyAny> {
        Ok(self)
    }

    fn shorter_than(self, n: isize) -> Walk<bool> {
        Ok(str_len(self) < n)
    }

    fn len(self) -> Walk<usize> {
        Ok(PyAny::len(self)?)
    }

    fn get(self, _name: &str, key: &'py PyAny) -> Walk<Option<Self>> {
        let dict: &PyDict = self.downcast().map_err(|_| Back)?;
        Ok(dict.get_item(key))
    }

    fn entries(self) -> Walk<Vec<(Self, Self)>> {
        let dict: &PyDict = self.downcast().map_err(|_| Back)?;
        Ok(dict.iter().collect())
    }

    fn items(self) -> Walk<Vec<Self>> {
        let list: &PyList = self.downcast().map_err(|_| Back)?;
        Ok(list.iter().collect())
    }

    fn joined(self, py: Python<'py>, separator: &'py PyAny, _text: &str) -> Walk<Option<&'py PyAny>> {
        let list: &PyList = self.downcast().map_err(|_| Back)?;
        if !list.iter().all(is_str) {
            return Ok(None);
        }
        unsafe {
            let joined = ffi::PyUnicode_Join(separator.as_ptr(), list.as_ptr());
            if joined.is_null() {
                return Err(Back);
            }
            Ok(Some(py.from_owned_ptr(joined)))
        }
    }

    fn scalar_text(self) -> Walk<Option<Cow<'py, str>>> {
        if self.is_none() {
            return Ok(None);
        }
        // Python's own str() of a number or a boolean (1e-05, True); an int that fits
        // 64 bits reads the same in Rust's decimal.
        if PyBool::is_type_of(self) {
            return Ok(Some(Cow::Borrowed(if self.is_true()? { "True" } else { "False" })));
        }
        if let Some(n) = exact_i64(self) {
            return Ok(Some(Cow::Owned(n.to_string())));
        }
        Ok(Some(Cow::Borrowed(self.str()?.to_str()?)))
    }

    fn python(self, _py: Python<'py>) -> PyResult<&'py PyAny> {
        Ok(self)
    }
}

/// A node of a document parsed here.
#[derive(Clone, Copy)]
pub struct Parsed<'py> {
    pub doc: &'py Doc<'py>,
    pub id: u32,
}

impl<'py> Parsed<'py> {
    fn node(self) -> Node {
        self.doc.nodes[self.id as usize]
    }

    fn at(self, id: u32) -> Self {
        Parsed { doc: self.doc, id }
    }

    fn kids(self) -> &'py [u32] {
        match self.node() {
            Node::List { first, len } => &self.doc.kids[first as usize..(first + len) as usize],
            Node::Dict { first, len } => &self.doc.kids[first as usize..(first + 2 * len) as usize],
            _ => &[],
        }
    }
}

/// A Python str of `text`: for ASCII, made at its size and copied into (what
/// PyUnicode_FromStringAndSize would find out by decoding it).
fn new_str<'py>(py: Python<'py>, text: &str, ascii: bool) -> Walk<&'py PyAny> {
    if !ascii {
        return Ok(PyString::new(py, text));
    }
    unsafe {
        let made = ffi::PyUnicode_New(text.len() as ffi::Py_ssize_t, 127);
        if made.is_null() {
            ffi::PyErr_Clear();
            return Err(Back);
        }
        std::ptr::copy_nonoverlapping(text.as_ptr(), ffi::PyUnicode_DATA(made) as *mut u8, text.len());
        Ok(py.from_owned_ptr(made))
    }
}

/// The double a JSON number literal stands for, read as Python's float() reads it.
fn double(literal: &str) -> Walk<f64> {
    let text = CString::new(literal).map_err(|_| Back)?;
    unsafe {
        let value = ffi::PyOS_string_to_double(text.as_ptr(), std::ptr::null_mut(), std::ptr::null_mut());
        if value == -1.0 && !ffi::PyErr_Occurred().is_null() {
            ffi::PyErr_Clear();
            return Err(Back);
        }
        Ok(value)
    }
}

/// Python's repr() of a float (which str() is): the shortest text that reads back.
fn float_text(value: f64) -> Walk<String> {
    unsafe {
        let made = ffi::PyOS_double_to_string(value, b'r' as c_char, 0, ffi::Py_DTSF_ADD_DOT_0, std::ptr::null_mut());
        if made.is_null() {
            ffi::PyErr_Clear();
            return Err(Back);
        }
        let text = CStr::from_ptr(made).to_string_lossy().into_owned();
        ffi::PyMem_Free(made as *mut std::ffi::c_void);
        Ok(text)
    }
}

impl<'py> Value<'py> for Parsed<'py> {
    fn kind(self) -> Kind {
        match self.node() {
            Node::Str { .. } => Kind::Str,
            Node::Dict { .. } => Kind::Dict,
            Node::List { .. } => Kind::List,
            _ => Kind::Scalar,
        }
    }

    fn text(self) -> Walk<&'py str> {
        match self.node() {
            Node::Str { start, end, decoded, .. } => Ok(self.doc.text(start, end, decoded)),
            _ => Err(Back),
        }
    }

    fn py_str(self, py: Python<'py>) -> Walk<&'py PyAny> {
        let ascii = matches!(self.node(), Node::Str { ascii: true, .. });
        new_str(py, self.text()?, ascii)
    }

    fn shorter_than(self, n: isize) -> Walk<bool> {
        let text = self.text()?;
        if (text.len() as isize) < n {
            return Ok(true); // never fewer bytes than characters
        }
        let chars = text.bytes().filter(|&b| (b & 0xC0) != 0x80).count();
        Ok((chars as isize) < n)
    }

    fn len(self) -> Walk<usize> {
        match self.node() {
            Node::List { len, .. } | Node::Dict { len, .. } => Ok(len as usize),
            _ => Err(Back),
        }
    }

    fn get(self, name: &str, _key: &'py PyAny) -> Walk<Option<Self>> {
        let kids = self.kids();
        for pair in kids.chunks_exact(2) {
            if self.at(pair[0]).text()? == name {
                return Ok(Some(self.at(pair[1])));
            }
        }
        Ok(None)
    }

    fn entries(self) -> Walk<Vec<(Self, Self)>> {
        Ok(self.kids().chunks_exact(2).map(|pair| (self.at(pair[0]), self.at(pair[1]))).collect())
    }

    fn items(self) -> Walk<Vec<Self>> {
        Ok(self.kids().iter().map(|&id| self.at(id)).collect())
    }

    fn joined(self, py: Python<'py>, _separator: &'py PyAny, text: &str) -> Walk<Option<&'py PyAny>> {
        let kids = self.kids();
        let mut total = 0;
        let mut ascii = text.is_ascii();
        for &id in kids {
            match self.doc.nodes[id as usize] {
                Node::Str { start, end, ascii: part, .. } => {
                    total += (end - start) as usize + text.len();
                    ascii &= part;
                }
                _ => return Ok(None),
            }
        }
        let mut out = String::with_capacity(total);
        for (index, &id) in kids.iter().enumerate() {
            if index > 0 {
                out.push_str(text);
            }
            out.push_str(self.at(id).text()?);
        }
        Ok(Some(new_str(py, &out, ascii)?))
    }

    fn scalar_text(self) -> Walk<Option<Cow<'py, str>>> {
        Ok(match self.node() {
            Node::Null => None,
            Node::Bool(true) => Some(Cow::Borrowed("True")),
            Node::Bool(false) => Some(Cow::Borrowed("False")),
            Node::Number { start, end, int: true } => {
                let literal = self.doc.literal(start, end);
                // A JSON integer is Python's str() of itself, but for "-0".
                Some(match literal.parse::<i64>() {
                    Ok(n) => Cow::Owned(n.to_string()),
                    Err(_) => Cow::Borrowed(literal),
                })
            }
            Node::Number { start, end, int: false } => {
                Some(Cow::Owned(float_text(double(self.doc.literal(start, end))?)?))
            }
            _ => return Err(Back),
        })
    }

    fn python(self, py: Python<'py>) -> PyResult<&'py PyAny> {
        // What this parse accepted, Python can hold: a failure here is a bug, raised.
        let bug = |_: Back| pyo3::exceptions::PyValueError::new_err("a parsed value Python cannot hold");
        Ok(match self.node() {
            Node::Null => py.None().into_ref(py),
            Node::Bool(b) => PyBool::new(py, b),
            Node::Number { start, end, int: true } => {
                let literal = self.doc.literal(start, end);
                match literal.parse::<i64>() {
                    Ok(n) => n.into_py(py).into_ref(py),
                    Err(_) => {
                        let text = CString::new(literal).map_err(|_| bug(Back))?;
                        unsafe {
                            py.from_owned_ptr_or_err(ffi::PyLong_FromString(text.as_ptr(), std::ptr::null_mut(), 10))?
                        }
                    }
                }
            }
            Node::Number { start, end, int: false } => PyFloat::new(py, double(self.doc.literal(start, end)).map_err(bug)?),
            Node::Str { .. } => self.py_str(py).map_err(bug)?,
            Node::List { .. } => {
                let list = PyList::empty(py);
                for &id in self.kids() {
                    list.append(self.at(id).python(py)?)?;
                }
                list
            }
            Node::Dict { .. } => {
                let dict = PyDict::new(py);
                for pair in self.kids().chunks_exact(2) {
                    dict.set_item(self.at(pair[0]).python(py)?, self.at(pair[1]).python(py)?)?;
                }
                dict
            }
        })
    }
}
