//! A notebook's JSON text parsed here, into one arena, for the walk to read.
//!
//! Parsing to Python objects first (jiter) and walking those cost a real
//! notebook two passes and an object per string, line and number, most of them
//! thrown away: a source's lines are joined, an image is classified and
//! dropped. Parsed here, a string is a slice of the input (or of one buffer,
//! where it had escapes), and Python objects are made only for what the walk
//! hands on: the pieces, their pointers, what a Python helper is asked about.
//!
//! This parser only ever *declines* where it is unsure: it accepts strict
//! JSON only (UTF-8, no control characters in strings, no NaN, no trailing
//! commas, escapes that decode to whole characters), no key twice in an
//! object (compared decoded, as jiter does), and nesting no deeper than
//! `MAX_DEPTH`, well inside jiter's limit. Whatever it declines, the caller
//! parses with jiter as before, which accepts or refuses it for itself; so the
//! two ways give the same answer on every input (a property test holds them to it).

use std::collections::HashSet;

/// Deeper nesting is declined (jiter refuses more than about 200 levels).
pub const MAX_DEPTH: usize = 150;

#[derive(Clone, Copy)]
pub enum Node {
    Null,
    Bool(bool),
    /// The literal's span in the input; whether it is an integer (no fraction, no exponent).
    Number { start: u32, end: u32, int: bool },
    /// The text's span in the input, or in `Doc::decoded` when it had escapes; whether
    /// it is all ASCII (a Python str is then a copy, not a decode).
    Str { start: u32, end: u32, decoded: bool, ascii: bool },
    /// Children in `Doc::kids[first..first + len]`.
    List { first: u32, len: u32 },
    /// Keys and values, alternating, in `Doc::kids[first..first + 2 * len]`.
    Dict { first: u32, len: u32 },
}

pub struct Doc<'a> {
    /// Valid UTF-8 wherever a node's span lies: each string beyond ASCII is checked
    /// as it is read (anything else beyond ASCII is no JSON).
    input: &'a [u8],
    decoded: String,
    pub nodes: Vec<Node>,
    pub kids: Vec<u32>,
    pub root: u32,
}

impl<'a> Doc<'a> {
    pub fn text(&self, start: u32, end: u32, decoded: bool) -> &str {
        let (start, end) = (start as usize, end as usize);
        if decoded {
            debug_assert!(self.decoded.is_char_boundary(start) && self.decoded.is_char_boundary(end));
            // The parser took both ends at a quote or an escape, ASCII: char boundaries.
            unsafe { self.decoded.get_unchecked(start..end) }
        } else {
            // Checked by the parser (Parser::run), or ASCII.
            unsafe { std::str::from_utf8_unchecked(&self.input[start..end]) }
        }
    }

    pub fn literal(&self, start: u32, end: u32) -> &str {
        // A number's literal: ASCII by the grammar.
        unsafe { std::str::from_utf8_unchecked(&self.input[start as usize..end as usize]) }
    }

    fn key_text(&self, id: u32) -> &str {
        match self.nodes[id as usize] {
            Node::Str { start, end, decoded, .. } => self.text(start, end, decoded),
            _ => unreachable!("a key is a string"),
        }
    }
}

/// `data` parsed, or None where the caller's own parse must decide (see the module doc).
pub fn parse(data: &[u8]) -> Option<Doc<'_>> {
    if data.len() >= u32::MAX as usize {
        return None;
    }
    // About one node per 90 bytes in real notebooks: room for most without a regrowth.
    let room = data.len() / 64 + 16;
    let mut parser = Parser {
        bytes: data,
        at: 0,
        doc: Doc {
            input: data,
            decoded: String::with_capacity(data.len() / 8),
            nodes: Vec::with_capacity(room),
            kids: Vec::with_capacity(room),
            root: 0,
        },
        open: Vec::new(),
        spare: Vec::new(),
    };
    parser.doc.root = parser.document()?;
    Some(parser.doc)
}

/// `orjson.dumps({key: value})` for a key and value of `doc`, written from the input
/// where that is the same text: strings without escapes (orjson escapes nothing such a
/// string holds), integers within 64 bits. None for anything else (a string with an
/// escape, a float, "-0", a larger integer), which Python dumps itself.
pub fn compact_entry(doc: &Doc<'_>, key: u32, value: u32) -> Option<Vec<u8>> {
    enum Step {
        /// A value, after a comma when true.
        Value(u32, bool),
        /// An object's key and its colon, after a comma when true.
        Key(u32, bool),
        Close(u8),
    }
    let mut out = Vec::with_capacity(256);
    out.push(b'{');
    write_string(doc, key, &mut out)?;
    out.push(b':');
    let mut steps = vec![Step::Value(value, false)];
    while let Some(step) = steps.pop() {
        let id = match step {
            Step::Close(bracket) => {
                out.push(bracket);
                continue;
            }
            Step::Key(id, comma) => {
                if comma {
                    out.push(b',');
                }
                write_string(doc, id, &mut out)?;
                out.push(b':');
                continue;
            }
            Step::Value(id, comma) => {
                if comma {
                    out.push(b',');
                }
                id
            }
        };
        match doc.nodes[id as usize] {
            Node::Null => out.extend_from_slice(b"null"),
            Node::Bool(true) => out.extend_from_slice(b"true"),
            Node::Bool(false) => out.extend_from_slice(b"false"),
            Node::Number { start, end, int: true } => {
                let literal = doc.literal(start, end);
                if literal == "-0" || literal.parse::<i64>().is_err() {
                    return None;
                }
                out.extend_from_slice(literal.as_bytes());
            }
            Node::Number { .. } => return None,
            Node::Str { .. } => write_string(doc, id, &mut out)?,
            Node::List { first, len } => {
                out.push(b'[');
                steps.push(Step::Close(b']'));
                let kids = &doc.kids[first as usize..(first + len) as usize];
                for (index, &kid) in kids.iter().enumerate().rev() {
                    steps.push(Step::Value(kid, index > 0));
                }
            }
            Node::Dict { first, len } => {
                out.push(b'{');
                steps.push(Step::Close(b'}'));
                let kids = &doc.kids[first as usize..(first + 2 * len) as usize];
                for (index, pair) in kids.chunks_exact(2).enumerate().rev() {
                    steps.push(Step::Value(pair[1], false));
                    steps.push(Step::Key(pair[0], index > 0));
                }
            }
        }
    }
    out.push(b'}');
    Some(out)
}

fn write_string(doc: &Doc<'_>, id: u32, out: &mut Vec<u8>) -> Option<()> {
    match doc.nodes[id as usize] {
        Node::Str { start, end, decoded: false, .. } => {
            out.push(b'"');
            out.extend_from_slice(&doc.input[start as usize..end as usize]);
            out.push(b'"');
            Some(())
        }
        _ => None,
    }
}

enum Begun {
    Whole(u32),
    Opened,
}

/// A container being read: its kind and the children read so far.
struct Open {
    dict: bool,
    children: Vec<u32>,
}

struct Parser<'a> {
    bytes: &'a [u8],
    at: usize,
    doc: Doc<'a>,
    open: Vec<Open>,
    /// Children vectors of closed containers, kept for the next ones.
    spare: Vec<Vec<u32>>,
}

impl<'a> Parser<'a> {
    fn skip_space(&mut self) {
        while let Some(&b) = self.bytes.get(self.at) {
            if !matches!(b, b' ' | b'\t' | b'\n' | b'\r') {
                break;
            }
            self.at += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn push(&mut self, node: Node) -> u32 {
        self.doc.nodes.push(node);
        (self.doc.nodes.len() - 1) as u32
    }

    /// The whole input as one value, iteratively (no nesting reaches Rust's stack).
    fn document(&mut self) -> Option<u32> {
        self.skip_space();
        'values: loop {
            let mut value = match self.begin()? {
                Begun::Whole(id) => id,
                Begun::Opened => continue 'values, // its first child is next
            };
            // `value` is complete: it goes to the innermost open container, which may
            // then close too, and so on up.
            loop {
                let top = match self.open.last_mut() {
                    Some(top) => top,
                    None => {
                        self.skip_space();
                        return if self.at == self.bytes.len() { Some(value) } else { None };
                    }
                };
                top.children.push(value);
                let dict = top.dict;
                self.skip_space();
                match self.peek()? {
                    b',' => {
                        self.at += 1;
                        self.skip_space();
                        if dict {
                            let key = self.key()?;
                            self.open.last_mut()?.children.push(key);
                        }
                        continue 'values;
                    }
                    b'}' if dict => value = self.close()?,
                    b']' if !dict => value = self.close()?,
                    _ => return None,
                }
            }
        }
    }

    /// `"key":` of an object, the key's node.
    fn key(&mut self) -> Option<u32> {
        if self.peek()? != b'"' {
            return None;
        }
        let key = self.string()?;
        self.skip_space();
        if self.peek()? != b':' {
            return None;
        }
        self.at += 1;
        self.skip_space();
        Some(key)
    }

    /// The value that starts here: whole (a scalar, an empty container), or a container
    /// opened, with an object's first key read. None declines.
    fn begin(&mut self) -> Option<Begun> {
        let b = self.peek()?;
        let id = match b {
            b'{' | b'[' => {
                self.at += 1;
                if self.open.len() >= MAX_DEPTH {
                    return None;
                }
                let dict = b == b'{';
                let children = self.spare.pop().unwrap_or_default();
                self.open.push(Open { dict, children });
                self.skip_space();
                if self.peek()? == if dict { b'}' } else { b']' } {
                    return Some(Begun::Whole(self.close()?));
                }
                if dict {
                    let key = self.key()?;
                    self.open.last_mut()?.children.push(key);
                }
                return Some(Begun::Opened);
            }
            b'"' => self.string()?,
            b't' => self.word(b"true", Node::Bool(true))?,
            b'f' => self.word(b"false", Node::Bool(false))?,
            b'n' => self.word(b"null", Node::Null)?,
            b'-' | b'0'..=b'9' => self.number()?,
            _ => return None,
        };
        Some(Begun::Whole(id))
    }

    /// Closes the innermost container at its closing bracket: its node.
    fn close(&mut self) -> Option<u32> {
        self.at += 1;
        let Open { dict, mut children } = self.open.pop()?;
        let first = self.doc.kids.len() as u32;
        self.doc.kids.extend_from_slice(&children);
        let node = if dict {
            if !self.distinct_keys(&children) {
                return None;
            }
            Node::Dict { first, len: (children.len() / 2) as u32 }
        } else {
            Node::List { first, len: children.len() as u32 }
        };
        children.clear();
        self.spare.push(children);
        Some(self.push(node))
    }

    fn distinct_keys(&self, pairs: &[u32]) -> bool {
        let keys = pairs.iter().step_by(2).map(|&id| self.doc.key_text(id));
        if pairs.len() <= 32 {
            let keys: Vec<&str> = keys.collect();
            return keys.iter().enumerate().all(|(i, k)| !keys[..i].contains(k));
        }
        let mut seen = HashSet::with_capacity(pairs.len() / 2);
        keys.into_iter().all(|k| seen.insert(k))
    }

    fn word(&mut self, word: &[u8], node: Node) -> Option<u32> {
        if !self.bytes[self.at..].starts_with(word) {
            return None;
        }
        self.at += word.len();
        Some(self.push(node))
    }

    /// JSON's number grammar exactly: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
    fn number(&mut self) -> Option<u32> {
        let start = self.at;
        let digits = |p: &mut Self| {
            let from = p.at;
            while p.peek().map_or(false, |b| b.is_ascii_digit()) {
                p.at += 1;
            }
            p.at - from
        };
        if self.peek() == Some(b'-') {
            self.at += 1;
        }
        match self.peek()? {
            b'0' => self.at += 1,
            b'1'..=b'9' => {
                digits(self);
            }
            _ => return None,
        }
        let mut int = true;
        if self.peek() == Some(b'.') {
            self.at += 1;
            int = false;
            if digits(self) == 0 {
                return None;
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.at += 1;
            int = false;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.at += 1;
            }
            if digits(self) == 0 {
                return None;
            }
        }
        // Python's int() refuses more than 4,300 digits (sys.get_int_max_str_digits).
        if int && self.at - start > 4000 {
            return None;
        }
        Some(self.push(Node::Number { start: start as u32, end: self.at as u32, int }))
    }

    /// A string at its opening quote: a slice of the input when it has no escape.
    fn string(&mut self) -> Option<u32> {
        self.at += 1;
        let start = self.at;
        let (stop, mut wide) = special(self.bytes, start);
        match self.bytes.get(stop)? {
            b'"' => {
                if wide && std::str::from_utf8(&self.bytes[start..stop]).is_err() {
                    return None;
                }
                self.at = stop + 1;
                let node = Node::Str { start: start as u32, end: stop as u32, decoded: false, ascii: !wide };
                return Some(self.push(node));
            }
            b'\\' => {}
            _ => return None, // a control character
        }
        let from = self.doc.decoded.len();
        self.run(start, stop, wide)?;
        self.at = stop;
        loop {
            match self.peek()? {
                b'"' => break,
                b'\\' => {
                    let ch = self.escape()?;
                    wide |= !ch.is_ascii();
                    self.doc.decoded.push(ch);
                }
                _ => return None,
            }
            let (run, more) = special(self.bytes, self.at);
            wide |= more;
            self.run(self.at, run, more)?;
            self.at = run;
        }
        self.at += 1;
        let end = self.doc.decoded.len();
        Some(self.push(Node::Str { start: from as u32, end: end as u32, decoded: true, ascii: !wide }))
    }

    /// A run of a string's bytes between escapes, into `decoded`: checked as UTF-8 when
    /// it holds a byte beyond ASCII (`wide`).
    fn run(&mut self, start: usize, stop: usize, wide: bool) -> Option<()> {
        let bytes = &self.bytes[start..stop];
        let text = if wide { std::str::from_utf8(bytes).ok()? } else { unsafe { std::str::from_utf8_unchecked(bytes) } };
        self.doc.decoded.push_str(text);
        Some(())
    }

    /// One escape at its backslash, decoded; a surrogate must come as a whole pair.
    fn escape(&mut self) -> Option<char> {
        let b = *self.bytes.get(self.at + 1)?;
        self.at += 2;
        Some(match b {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let high = self.hex4()?;
                if (0xDC00..0xE000).contains(&high) {
                    return None;
                }
                if (0xD800..0xDC00).contains(&high) {
                    if self.bytes.get(self.at..self.at + 2)? != b"\\u" {
                        return None;
                    }
                    self.at += 2;
                    let low = self.hex4()?;
                    if !(0xDC00..0xE000).contains(&low) {
                        return None;
                    }
                    char::from_u32(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))?
                } else {
                    char::from_u32(high)?
                }
            }
            _ => return None,
        })
    }

    fn hex4(&mut self) -> Option<u32> {
        let digits = self.bytes.get(self.at..self.at + 4)?;
        let mut value = 0;
        for &d in digits {
            value = value * 16 + (d as char).to_digit(16)?;
        }
        self.at += 4;
        Some(value)
    }
}

fn is_special(b: u8) -> bool {
    b == b'"' || b == b'\\' || b < 0x20
}

/// The first index from `at` holding a quote, a backslash or a control character (or
/// the end), and whether a byte beyond ASCII came before it: sixteen bytes at a time,
/// as images are most of a notebook's bytes.
#[cfg(target_arch = "x86_64")]
fn special(bytes: &[u8], mut at: usize) -> (usize, bool) {
    use std::arch::x86_64::*;
    let mut wide = false;
    // SSE2 is part of x86_64 itself: no detection needed.
    unsafe {
        let quote = _mm_set1_epi8(b'"' as i8);
        let backslash = _mm_set1_epi8(b'\\' as i8);
        let control = _mm_set1_epi8(0x1F);
        while at + 16 <= bytes.len() {
            let x = _mm_loadu_si128(bytes.as_ptr().add(at) as *const __m128i);
            let hits = _mm_or_si128(
                _mm_or_si128(_mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, backslash)),
                _mm_cmpeq_epi8(_mm_min_epu8(x, control), x), // x <= 0x1F, unsigned
            );
            let found = _mm_movemask_epi8(hits) as u32;
            let high = _mm_movemask_epi8(x) as u32;
            if found != 0 {
                let i = found.trailing_zeros();
                wide |= high & ((1u32 << i) - 1) != 0;
                return (at + i as usize, wide);
            }
            wide |= high != 0;
            at += 16;
        }
    }
    while at < bytes.len() && !is_special(bytes[at]) {
        wide |= bytes[at] >= 0x80;
        at += 1;
    }
    (at, wide)
}

#[cfg(not(target_arch = "x86_64"))]
fn special(bytes: &[u8], mut at: usize) -> (usize, bool) {
    let mut wide = false;
    while at < bytes.len() && !is_special(bytes[at]) {
        wide |= bytes[at] >= 0x80;
        at += 1;
    }
    (at, wide)
}
