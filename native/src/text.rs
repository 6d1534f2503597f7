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

/// `wide` narrowed into `out` (one byte per unit, "?" beyond Latin-1); false when it
/// holds a character of FOLDS_TO_ASCII. Written without a branch per unit, so that the
/// loop is vectorised: most of a notebook's text is wide (one emoji makes it so).
fn narrow_into<T: Copy + Into<u32>>(wide: &[T], out: &mut [u8]) -> bool {
    let mut folds = false;
    for (byte, &unit) in out.iter_mut().zip(wide) {
        let code: u32 = unit.into();
        *byte = if code <= 0xFF { code as u8 } else { b'?' };
        folds |= code == FOLDS_TO_ASCII[0] || code == FOLDS_TO_ASCII[1] || code == FOLDS_TO_ASCII[2] || code == FOLDS_TO_ASCII[3];
    }
    !folds
}

/// `text.encode("latin-1", "replace")`, or None when `text` holds a character of
/// FOLDS_TO_ASCII (the prefilter then leaves the text to its other engine).
#[pyfunction]
pub fn latin1<'py>(py: Python<'py>, text: &'py PyString) -> PyResult<Option<&'py PyBytes>> {
    let units = units(text)?;
    if let Units::One(narrow) = units {
        return Ok(Some(PyBytes::new(py, narrow)));
    }
    let size = match units {
        Units::Two(wide) => wide.len(),
        Units::Four(wide) => wide.len(),
        Units::One(_) => unreachable!(),
    };
    let mut clear = true;
    // Written straight into the bytes object: no copy of the copy.
    let made = PyBytes::new_with(py, size, |out| {
        clear = match units {
            Units::Two(wide) => narrow_into(wide, out),
            Units::Four(wide) => narrow_into(wide, out),
            Units::One(_) => unreachable!(),
        };
        Ok(())
    })?;
    Ok(if clear { Some(made) } else { None })
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

/// ASCII literals to look for near a position, each with its reach, found in one pass
/// over the reach: a table of their first characters turns most characters away.
struct Near {
    literals: Vec<(Vec<u32>, usize)>,
    first: [bool; 128],
    reach: usize,
}

impl Near {
    fn new(literals: &[(&[u8], usize)]) -> Near {
        let mut first = [false; 128];
        let mut kept = Vec::new();
        for (literal, reach) in literals {
            // An empty or non-ASCII literal is never wholly found (as str.find of a
            // literal no str holds as ASCII bytes would have it).
            if literal.is_empty() || !literal.is_ascii() {
                continue;
            }
            first[literal[0] as usize] = true;
            kept.push((literal.iter().map(|&b| u32::from(b)).collect::<Vec<u32>>(), *reach));
        }
        let reach = kept.iter().map(|(_, r)| *r).max().unwrap_or(0);
        Near { literals: kept, first, reach }
    }

    fn matches_at<T: Copy + Into<u32>>(units: &[T], literal: &[u32], at: usize) -> bool {
        at + literal.len() <= units.len()
            && literal.iter().enumerate().all(|(j, &c)| units[at + j].into() == c)
    }

    /// Whether a literal lies wholly inside the `reach` characters before `pos`.
    fn before<T: Copy + Into<u32>>(&self, units: &[T], pos: usize) -> bool {
        let pos = pos.min(units.len());
        for at in pos.saturating_sub(self.reach)..pos {
            let c: u32 = units[at].into();
            if c >= 128 || !self.first[c as usize] {
                continue;
            }
            for (literal, reach) in &self.literals {
                if literal[0] == c
                    && at >= pos.saturating_sub(*reach)
                    && at + literal.len() <= pos
                    && Self::matches_at(units, literal, at)
                {
                    return true;
                }
            }
        }
        false
    }

    /// Whether a literal lies wholly inside the `reach` characters from `pos` on.
    fn after<T: Copy + Into<u32>>(&self, units: &[T], pos: usize) -> bool {
        let stop = (pos + self.reach).min(units.len());
        for at in pos..stop {
            let c: u32 = units[at].into();
            if c >= 128 || !self.first[c as usize] {
                continue;
            }
            for (literal, reach) in &self.literals {
                if literal[0] == c
                    && at + literal.len() <= (pos + reach).min(units.len())
                    && Self::matches_at(units, literal, at)
                {
                    return true;
                }
            }
        }
        false
    }
}

fn near_of<T: Copy + Into<u32>>(units: &[T], hits: &[usize], before: &Near, after: &Near) -> Vec<usize> {
    hits.iter()
        .copied()
        .filter(|&pos| before.before(units, pos) || after.after(units, pos))
        .collect()
}

/// The hits with one of `before` wholly inside the `reach` characters before them, or
/// one of `after` wholly inside the `reach` characters from them on (as
/// `textscan.near_any`).
#[pyfunction]
pub fn near_any(
    text: &PyString,
    hits: Vec<usize>,
    before: Vec<(&PyBytes, usize)>,
    after: Vec<(&PyBytes, usize)>,
) -> PyResult<Vec<usize>> {
    fn bytes<'a>(given: &[(&'a PyBytes, usize)]) -> Vec<(&'a [u8], usize)> {
        given.iter().map(|(b, r)| (b.as_bytes(), *r)).collect()
    }
    let (before, after) = (Near::new(&bytes(&before)), Near::new(&bytes(&after)));
    Ok(match units(text)? {
        Units::One(u) => near_of(u, &hits, &before, &after),
        Units::Two(u) => near_of(u, &hits, &before, &after),
        Units::Four(u) => near_of(u, &hits, &before, &after),
    })
}

fn may_name_of<T: Copy + Into<u32>>(
    units: &[T],
    hits: &[usize],
    settings: &Near,
    max_word: usize,
    env_before: &[u8],
) -> Vec<usize> {
    let at = |i: usize| -> u32 { units[i].into() };
    let size = units.len();
    hits.iter()
        .copied()
        .filter(|&pos| {
            if pos >= size {
                return false;
            }
            let mut start = pos;
            while start > 0 && pos - start < max_word && is_name_char(at(start - 1)) {
                start -= 1;
            }
            let mut end = pos;
            while end < size && end - pos < max_word && is_name_char(at(end)) {
                end += 1;
            }
            at(start) == u32::from(b'-')
                || (end < size
                    && at(end) == u32::from(b'=')
                    && (start == 0 || env_before.iter().any(|&b| u32::from(b) == at(start - 1))))
                || settings.before(units, start)
        })
        .collect()
}

/// The hits whose word (the run of name characters around the hit, at most
/// `max_word` each way) starts with "-", or is followed by "=" with one of
/// `env_before` (or nothing) before it, or has one of `setting_words` wholly inside
/// the `reach` characters before it (as `textscan.words_that_may_name`).
#[pyfunction]
pub fn words_that_may_name(
    text: &PyString,
    hits: Vec<usize>,
    setting_words: Vec<&PyBytes>,
    reach: usize,
    max_word: usize,
    env_before: &PyBytes,
) -> PyResult<Vec<usize>> {
    let env_before = env_before.as_bytes();
    let settings: Vec<(&[u8], usize)> = setting_words.iter().map(|w| (w.as_bytes(), reach)).collect();
    let settings = Near::new(&settings);
    Ok(match units(text)? {
        Units::One(u) => may_name_of(u, &hits, &settings, max_word, env_before),
        Units::Two(u) => may_name_of(u, &hits, &settings, max_word, env_before),
        Units::Four(u) => may_name_of(u, &hits, &settings, max_word, env_before),
    })
}

/// For `binary._strict_base64`: `(aligned, end)` when the payload is plain standard
/// base64 (only `A-Za-z0-9+/=`, at least 16 long, no "=" among its first 16), save line
/// breaks at its end (as nbformat writes images), whose groups before the last one
/// hold no "=": `end` is where the line breaks start, `aligned` the length of those
/// groups. None when such a payload has "=" there (it is no strict base64); `(-1, -1)`
/// for anything else (line breaks inside, the URL-safe alphabet, other characters),
/// which the Python steps read. One pass the compiler vectorizes, and no copy.
#[pyfunction]
pub fn base64_head(payload: &PyString) -> PyResult<Option<(isize, isize)>> {
    Ok(match units(payload)? {
        Units::One(u) => match plain_base64_of(u) {
            Plain::Yes(aligned, end) => Some((aligned as isize, end as isize)),
            Plain::EqualsInside => None,
            Plain::Elsewhere => Some((-1, -1)),
        },
        _ => Some((-1, -1)),
    })
}

/// What `base64_head` tells of a one-byte-per-character payload.
pub enum Plain {
    /// `(aligned, end)`
    Yes(usize, usize),
    /// plain, but with "=" before its last group: no strict base64
    EqualsInside,
    /// anything else: the Python steps read it
    Elsewhere,
}

/// `(aligned, end)` of plain base64 (see `base64_head`), else None.
pub fn plain_base64(units: &[u8]) -> Option<(usize, usize)> {
    match plain_base64_of(units) {
        Plain::Yes(aligned, end) => Some((aligned, end)),
        _ => None,
    }
}

pub fn plain_base64_of(units: &[u8]) -> Plain {
    let end = units.len() - units.iter().rev().take_while(|&&c| c == b'\n' || c == b'\r').count();
    let units = &units[..end];
    if end < 16 {
        return Plain::Elsewhere;
    }
    let plain = units.chunks(256).all(|chunk| {
        chunk.iter().fold(true, |ok, &c| {
            ok & ((c.wrapping_sub(b'0') < 10)
                | ((c | 0x20).wrapping_sub(b'a') < 26)
                | (c == b'+')
                | (c == b'/')
                | (c == b'='))
        })
    });
    if !plain || units[..16].contains(&b'=') {
        return Plain::Elsewhere;
    }
    match aligned_groups(units) {
        Some(aligned) => Plain::Yes(aligned, end),
        None => Plain::EqualsInside,
    }
}

/// The length of the groups before the last one of base64 `units` (line breaks taken
/// out), as `binary._prepared` counts it; None when "=" comes among them.
pub fn aligned_groups(units: &[u8]) -> Option<usize> {
    let trailing = units.iter().rev().take_while(|&&c| c == b'=').count();
    let body = units.len() - trailing;
    let aligned = if body == 0 { 0 } else { (body - 1) / 4 * 4 };
    if units[..aligned].contains(&b'=') {
        return None;
    }
    Some(aligned)
}
