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

fn is_name_char(code: u32) -> bool {
    matches!(code, 0x30..=0x39 | 0x41..=0x5A | 0x61..=0x7A | 0x5F | 0x2E | 0x2D) // 0-9 A-Z a-z _ . -
}

fn is_name_start(code: u32) -> bool {
    matches!(code, 0x41..=0x5A | 0x61..=0x7A | 0x5F)
}

fn spans_of<T: Copy + Into<u32>>(
    units: &[T],
    keywords: &[(usize, Vec<usize>)],
    max_name: usize,
) -> Vec<(usize, usize)> {
    let at = |i: usize| -> u32 { units[i].into() };
    let size = units.len();
    let mut done = std::collections::HashSet::new();
    let mut spans = Vec::new();
    for (length, hits) in keywords {
        for &pos in hits {
            if pos > size {
                continue;
            }
            let mut start = pos;
            while start > 0 && pos - start < max_name && is_name_char(at(start - 1)) {
                start -= 1;
            }
            while start < pos && !is_name_start(at(start)) {
                start += 1;
            }
            if !done.insert(start) {
                continue;
            }
            let mut end = (pos + length).min(size);
            while end < size && end - start < max_name && is_name_char(at(end)) {
                end += 1;
            }
            spans.push((start, end));
        }
    }
    spans
}

/// The names around keyword hits, as `textscan.names_around` finds them: for each hit
/// of each `(keyword length, hits)`, in order, the run of name characters around it
/// (at most `max_name` back), starting at a letter or "_"; one span per start.
#[pyfunction]
pub fn names_around(
    text: &PyString,
    keywords: Vec<(usize, Vec<usize>)>,
    max_name: usize,
) -> PyResult<Vec<(usize, usize)>> {
    Ok(match units(text)? {
        Units::One(u) => spans_of(u, &keywords, max_name),
        Units::Two(u) => spans_of(u, &keywords, max_name),
        Units::Four(u) => spans_of(u, &keywords, max_name),
    })
}

/// Whether `literal` (ASCII) lies wholly inside `units[start..end]`.
fn holds<T: Copy + Into<u32>>(units: &[T], literal: &[u8], start: usize, end: usize) -> bool {
    let end = end.min(units.len());
    if literal.is_empty() || end < start + literal.len() {
        return false;
    }
    (start..=end - literal.len())
        .any(|i| literal.iter().enumerate().all(|(j, &b)| units[i + j].into() == b as u32))
}

fn near_of<T: Copy + Into<u32>>(
    units: &[T],
    hits: &[usize],
    before: &[(Vec<u8>, usize)],
    after: &[(Vec<u8>, usize)],
) -> Vec<usize> {
    hits.iter()
        .copied()
        .filter(|&pos| {
            before.iter().any(|(lit, reach)| holds(units, lit, pos.saturating_sub(*reach), pos))
                || after.iter().any(|(lit, reach)| holds(units, lit, pos, pos + reach))
        })
        .collect()
}

/// The hits with one of `before` wholly inside the `reach` characters before them, or
/// one of `after` wholly inside the `reach` characters from them on (as
/// `textscan.near_any`).
#[pyfunction]
pub fn near_any(
    text: &PyString,
    hits: Vec<usize>,
    before: Vec<(Vec<u8>, usize)>,
    after: Vec<(Vec<u8>, usize)>,
) -> PyResult<Vec<usize>> {
    Ok(match units(text)? {
        Units::One(u) => near_of(u, &hits, &before, &after),
        Units::Two(u) => near_of(u, &hits, &before, &after),
        Units::Four(u) => near_of(u, &hits, &before, &after),
    })
}
