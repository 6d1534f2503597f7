//! Passes over the code units of a Python str (PEP 393: one, two or four bytes
//! each), whose index `i` is the str's index `i`: what the prefilter and the
//! detectors would otherwise do one character at a time in Python.

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};
use pyo3::AsPyPointer;

/// A str's code units.
pub enum Units<'a> {
    One(&'a [u8]),
    Two(&'a [u16]),
    Four(&'a [u32]),
}

/// The code units of `text`, borrowed for as long as `text` is.
pub fn units<'a>(text: &'a PyString) -> PyResult<Units<'a>> {
    let ptr = text.as_ptr();
    #[allow(deprecated)] // strs made by 3.11's own API are always ready: a no-op there
    unsafe {
        if ffi::PyUnicode_READY(ptr) != 0 {
            return Err(PyErr::fetch(text.py()));
        }
        let length = ffi::PyUnicode_GET_LENGTH(ptr) as usize;
        let data = ffi::PyUnicode_DATA(ptr);
        Ok(match ffi::PyUnicode_KIND(ptr) {
            ffi::PyUnicode_1BYTE_KIND => Units::One(std::slice::from_raw_parts(data as *const u8, length)),
            ffi::PyUnicode_2BYTE_KIND => Units::Two(std::slice::from_raw_parts(data as *const u16, length)),
            _ => Units::Four(std::slice::from_raw_parts(data as *const u32, length)),
        })
    }
}

/// Characters whose lowercase is ASCII, or that Python's case-insensitive regexes
/// match to ASCII: KELVIN SIGN, I WITH DOT ABOVE, LONG S, DOTLESS I (all beyond Latin-1).
const FOLDS_TO_ASCII: [u32; 4] = [0x212A, 0x0130, 0x017F, 0x0131];

fn narrowed<T: Copy + Into<u32>>(wide: &[T]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(wide.len());
    for &unit in wide {
        let code: u32 = unit.into();
        if code <= 0xFF {
            out.push(code as u8);
        } else if FOLDS_TO_ASCII.contains(&code) {
            return None;
        } else {
            out.push(b'?');
        }
    }
    Some(out)
}

/// `text.encode("latin-1", "replace")`, or None when `text` holds a character of
/// FOLDS_TO_ASCII (the prefilter then leaves the text to its other engine).
#[pyfunction]
pub fn latin1<'py>(py: Python<'py>, text: &'py PyString) -> PyResult<Option<&'py PyBytes>> {
    let bytes = match units(text)? {
        Units::One(narrow) => return Ok(Some(PyBytes::new(py, narrow))),
        Units::Two(wide) => narrowed(wide),
        Units::Four(wide) => narrowed(wide),
    };
    Ok(bytes.map(|b| PyBytes::new(py, &b)))
}
