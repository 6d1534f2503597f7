//! `context._scan_code` compiled: the string literals, comments and IPython shell
//! lines of a code segment, exactly as `context._CODE_TOKEN.finditer` finds them (a
//! property test holds the two to the same tokens). The regex, read as a matcher:
//!
//! * at a line start, a shell line: `[ \t]*` then `!`, `%` and a letter (not `%%`),
//!   or `name = !`; the token runs to the line end;
//! * `#`: a comment to the line end;
//! * a string literal: an optional prefix of one or two of `rRbBuUfFtT` not preceded
//!   by `[A-Za-z0-9_]`, then `"""`, `'''`, `"` or `'`, tried in that order. A triple-
//!   quoted body holds anything but its quote three times running (a backslash escapes
//!   the next character) and ends at that quote or the end of the text; a single-
//!   quoted one ends at its quote, before a line break, or at the end of the text. A
//!   body that stops at a backslash with nothing after it has no end: that quote form
//!   does not match there.
//!
//! Every part of the regex is deterministic (no two branches of a repeat can start with
//! the same character), so the greedy reading is the regex's. The one Unicode class,
//! the `\w*` of `name = !`, is handed back to Python when it meets a character beyond
//! ASCII.

use pyo3::prelude::*;
use pyo3::types::PyString;

use crate::text::{units, Units};

const PREFIX: &[u8] = b"rRbBuUfFtT";

struct Tokens {
    strings: Vec<(usize, usize, String)>,
    comments: Vec<(usize, usize)>,
    shell: Vec<(usize, usize)>,
}

/// A character beyond ASCII where the answer would need Python's Unicode tables.
struct Unicode;

struct Scan<'a, T> {
    units: &'a [T],
}

impl<'a, T: Copy + Into<u32>> Scan<'a, T> {
    fn at(&self, i: usize) -> u32 {
        self.units[i].into()
    }

    fn is(&self, i: usize, c: u8) -> bool {
        i < self.units.len() && self.at(i) == u32::from(c)
    }

    fn line_end(&self, from: usize) -> usize {
        (from..self.units.len()).find(|&i| self.at(i) == u32::from(b'\n')).unwrap_or(self.units.len())
    }

    fn ascii_in(&self, i: usize, set: &[u8]) -> bool {
        i < self.units.len() && set.iter().any(|&c| u32::from(c) == self.at(i))
    }

    fn is_alpha_(&self, i: usize) -> bool {
        i < self.units.len() && matches!(self.at(i), 0x41..=0x5A | 0x61..=0x7A | 0x5F)
    }

    /// The end of a shell line starting at the line start `pos`, if one starts there.
    fn shell(&self, pos: usize) -> Result<Option<usize>, Unicode> {
        let mut i = pos;
        while self.is(i, b' ') || self.is(i, b'\t') {
            i += 1;
        }
        let starts = if self.is(i, b'!') {
            true
        } else if self.is(i, b'%') {
            !self.is(i + 1, b'%')
                && i + 1 < self.units.len()
                && matches!(self.at(i + 1), 0x41..=0x5A | 0x61..=0x7A)
        } else if self.is_alpha_(i) {
            i += 1;
            loop {
                if i >= self.units.len() {
                    break;
                }
                let c = self.at(i);
                if c >= 0x80 {
                    return Err(Unicode); // \w beyond ASCII: Python's tables decide
                }
                if !matches!(c, 0x30..=0x39 | 0x41..=0x5A | 0x61..=0x7A | 0x5F) {
                    break;
                }
                i += 1;
            }
            while self.is(i, b' ') || self.is(i, b'\t') {
                i += 1;
            }
            if !self.is(i, b'=') {
                false
            } else {
                i += 1;
                while self.is(i, b' ') || self.is(i, b'\t') {
                    i += 1;
                }
                self.is(i, b'!')
            }
        } else {
            false
        };
        Ok(if starts { Some(self.line_end(pos)) } else { None })
    }

    /// A triple-quoted body from `from` (after the opening): (body end, token end).
    fn triple(&self, from: usize, quote: u8) -> Option<(usize, usize)> {
        let size = self.units.len();
        let mut i = from;
        loop {
            if i >= size {
                return Some((size, size)); // \Z
            }
            let c = self.at(i);
            if c == u32::from(b'\\') {
                if i + 1 >= size {
                    return None; // a backslash with nothing after it
                }
                i += 2;
            } else if c == u32::from(quote) {
                if self.is(i + 1, quote) && self.is(i + 2, quote) {
                    return Some((i, i + 3));
                }
                i += 1;
            } else {
                i += 1;
            }
        }
    }

    /// A single-quoted body from `from`: (body end, token end).
    fn single(&self, from: usize, quote: u8) -> Option<(usize, usize)> {
        let size = self.units.len();
        let mut i = from;
        loop {
            if i >= size {
                return Some((size, size));
            }
            let c = self.at(i);
            if c == u32::from(b'\\') {
                if i + 1 >= size {
                    return None;
                }
                i += 2;
            } else if c == u32::from(quote) {
                return Some((i, i + 1));
            } else if c == u32::from(b'\n') {
                return Some((i, i)); // (?=\n): the line break is not taken
            } else {
                i += 1;
            }
        }
    }

    /// A string literal whose quote is at `q`: (body start, body end, token end).
    fn literal(&self, q: usize) -> Option<(usize, usize, usize)> {
        for quote in [b'"', b'\''] {
            if self.is(q, quote) && self.is(q + 1, quote) && self.is(q + 2, quote) {
                if let Some((end, token)) = self.triple(q + 3, quote) {
                    return Some((q + 3, end, token));
                }
            }
        }
        for quote in [b'"', b'\''] {
            if self.is(q, quote) {
                if let Some((end, token)) = self.single(q + 1, quote) {
                    return Some((q + 1, end, token));
                }
            }
        }
        None
    }

    fn prefix_allowed(&self, pos: usize) -> bool {
        pos == 0 || !matches!(self.at(pos - 1), 0x30..=0x39 | 0x41..=0x5A | 0x61..=0x7A | 0x5F)
    }

    fn tokens(&self, base: usize) -> Result<Tokens, Unicode> {
        let size = self.units.len();
        let mut found = Tokens { strings: Vec::new(), comments: Vec::new(), shell: Vec::new() };
        let mut pos = 0;
        while pos < size {
            if pos == 0 || self.at(pos - 1) == u32::from(b'\n') {
                if let Some(end) = self.shell(pos)? {
                    found.shell.push((base + pos, base + end));
                    pos = end;
                    continue;
                }
            }
            if self.is(pos, b'#') {
                let end = self.line_end(pos);
                found.comments.push((base + pos + 1, base + end));
                pos = end;
                continue;
            }
            let mut matched = None;
            if self.prefix_allowed(pos) {
                for length in [2, 1] {
                    if (0..length).all(|k| self.ascii_in(pos + k, PREFIX)) {
                        if let Some(token) = self.literal(pos + length) {
                            matched = Some((length, token));
                            break;
                        }
                    }
                }
            }
            if matched.is_none() {
                matched = self.literal(pos).map(|token| (0, token));
            }
            match matched {
                Some((length, (start, end, token))) => {
                    let prefix: String = (0..length)
                        .map(|k| char::from(self.at(pos + k) as u8).to_ascii_lowercase())
                        .collect();
                    found.strings.push((base + start, base + end, prefix));
                    pos = token;
                }
                None => pos += 1,
            }
        }
        Ok(found)
    }
}

type Found = (Vec<(usize, usize, String)>, Vec<(usize, usize)>, Vec<(usize, usize)>);

/// The string literals (content start, end, lowercased prefix), comments (after the
/// `#`, to the line end) and shell lines of `text`, offsets plus `base`; None when
/// Python must read it (see the module docstring).
#[pyfunction]
pub fn code_tokens(text: &PyString, base: usize) -> PyResult<Option<Found>> {
    let found = match units(text)? {
        Units::One(u) => Scan { units: u }.tokens(base),
        Units::Two(u) => Scan { units: u }.tokens(base),
        Units::Four(u) => Scan { units: u }.tokens(base),
    };
    Ok(found.ok().map(|t| (t.strings, t.comments, t.shell)))
}
