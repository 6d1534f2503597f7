//! `binary.classify` of the commonest payload of all, a PNG in plain base64, done here:
//! most of a notebook's bytes are images, which are otherwise made into a Python str
//! only to be proven binary.
//!
//! `png_texts` answers only where it can prove what Python's `classify(text,
//! "image/png")` says: the payload is standard base64 (on one line, as `base64_head`
//! reads it, or in lines, with a last group binascii's strict mode takes), it decodes to a PNG whose
//! chunks parse up to IEND with nothing after it, and its text chunks are tEXt. Then
//! the verdict is "binary", and the texts are those chunks'. Anything else (zTXt or
//! iTXt, bytes after IEND, chunks that do not parse, the URL-safe alphabet) is
//! None, and Python's classify decides. A property test holds the two to it.

use pyo3::prelude::*;

use crate::text::{aligned_groups, plain_base64};

const PNG_MAGIC: &[u8; 8] = b"\x89PNG\r\n\x1a\n";

fn is_alphabet(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'+' || c == b'/'
}

fn sextet(c: u8) -> u32 {
    match c {
        b'A'..=b'Z' => (c - b'A') as u32,
        b'a'..=b'z' => (c - b'a' + 26) as u32,
        b'0'..=b'9' => (c - b'0' + 52) as u32,
        b'+' => 62,
        _ => 63, // '/': plain_base64 let nothing else through
    }
}

/// Base64's bytes, decoded only where they are read.
struct Decoded<'a> {
    /// The groups before the last one.
    head: &'a [u8],
    last: [u8; 3],
    last_len: usize,
}

impl<'a> Decoded<'a> {
    fn len(&self) -> usize {
        self.head.len() / 4 * 3 + self.last_len
    }

    fn byte(&self, index: usize) -> u8 {
        let group = index / 3;
        if group * 4 >= self.head.len() {
            return self.last[index - self.head.len() / 4 * 3];
        }
        let chars = &self.head[group * 4..group * 4 + 4];
        let bits = chars.iter().fold(0u32, |acc, &c| (acc << 6) | sextet(c));
        (bits >> (16 - 8 * (index % 3))) as u8
    }

    fn bytes(&self, start: usize, stop: usize) -> Vec<u8> {
        (start..stop).map(|i| self.byte(i)).collect()
    }
}

/// The last group, which decides about padding, decoded as binascii's strict mode does
/// for the forms it takes (`xxxx`, `xxx=`, `xx==`, the `=` added as `_strict_base64`
/// adds them); None for any other.
fn last_group(alphabet: &[u8], padding: usize) -> Option<([u8; 3], usize)> {
    if alphabet.len() < 2 || alphabet.len() + padding != 4 {
        return None;
    }
    let bits = alphabet.iter().fold(0u32, |acc, &c| (acc << 6) | sextet(c)) << (6 * padding);
    let all = [(bits >> 16) as u8, (bits >> 8) as u8, bits as u8];
    Some((all, alphabet.len() - 1))
}

/// The texts of the PNG `payload` is plain base64 of, where that is proven (see the
/// module doc); None leaves the verdict to Python.
pub fn png_texts(payload: &[u8]) -> Option<Vec<String>> {
    let unwrapped: Vec<u8>;
    let (units, aligned): (&[u8], usize) = match plain_base64(payload) {
        Some((aligned, end)) => (&payload[..end], aligned),
        None => {
            // Base64 in lines (76 characters each, as older writers wrapped images), read
            // as `binary._prepared` reads it: its line breaks taken out.
            let head_ok = payload.len() >= 16 && payload[..16].iter().all(|&c| is_alphabet(c));
            if !head_ok || !payload.iter().all(|&c| is_alphabet(c) || matches!(c, b'=' | b'\n' | b'\r')) {
                return None;
            }
            unwrapped = payload.iter().copied().filter(|&c| c != b'\n' && c != b'\r').collect();
            (&unwrapped, aligned_groups(&unwrapped)?)
        }
    };
    let end = units.len();
    let trailing = units.iter().rev().take_while(|&&c| c == b'=').count();
    let alphabet = &units[aligned..end - trailing];
    let added = (4 - end % 4) % 4;
    let (last, last_len) = last_group(alphabet, trailing + added)?;
    let raw = Decoded { head: &units[..aligned], last, last_len };
    if raw.len() < 8 || raw.bytes(0, 8) != PNG_MAGIC {
        return None;
    }
    let size = raw.len();
    let mut texts = Vec::new();
    let mut pos = 8;
    loop {
        if pos + 12 > size {
            return None;
        }
        let header = raw.bytes(pos, pos + 8);
        let length = u32::from_be_bytes([header[0], header[1], header[2], header[3]]) as usize;
        let kind = &header[4..8];
        if pos + 12 + length > size || !kind.iter().all(|b| b.is_ascii_alphabetic()) {
            return None;
        }
        let data_start = pos + 8;
        pos += 12 + length;
        match kind {
            b"IEND" => break,
            b"tEXt" => {
                let data = raw.bytes(data_start, data_start + length);
                let mut text = String::with_capacity(length + 1);
                for &b in &data {
                    if b == 0 {
                        text.push_str(": ");
                    } else {
                        text.push(char::from(b)); // Latin-1
                    }
                }
                texts.push(text);
            }
            b"zTXt" | b"iTXt" => return None,
            _ => {}
        }
    }
    if pos < size {
        return None; // bytes after IEND: Python reads their printable runs
    }
    Some(texts)
}

/// `png_texts` for a str, for the tests that hold it to `binary.classify`.
#[pyfunction]
pub fn png_texts_of(payload: &str) -> Option<Vec<String>> {
    png_texts(payload.as_bytes())
}
