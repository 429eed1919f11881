//! A validating JSON skip-scanner: checks that bytes are JSON exactly as
//! `serde_json::from_slice::<IgnoredAny>` checks them, without building anything and
//! without serde's visitor machinery.
//!
//! It accepts exactly what `serde_json` accepts when it ignores a value: the RFC 8259
//! grammar, with `\uXXXX` escapes checked for four hex digits but not for surrogate
//! pairing (as `JSON.parse` does), and no nesting limit (containers are tracked on a bit
//! stack, one bit per level, so the memory is bounded by the input length). The scanner
//! only says yes or no; callers that need `serde_json`'s error message re-run it on the
//! rejected input.

/// Whitespace as JSON (and `serde_json`) defines it.
#[inline(always)]
fn is_ws(c: u8) -> bool {
    matches!(c, b' ' | b'\n' | b'\t' | b'\r')
}

/// Rejected input (the position is not kept: callers re-parse for the message).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Reject;

type Result<T> = std::result::Result<T, Reject>;

/// One bit per open container: set for an object, clear for an array.
struct BitStack {
    top: u64,
    depth: usize,
    spill: Vec<u64>,
}

impl BitStack {
    #[inline(always)]
    fn new() -> Self {
        BitStack {
            top: 0,
            depth: 0,
            spill: Vec::new(),
        }
    }

    #[inline(always)]
    fn push(&mut self, object: bool) {
        if self.depth != 0 && self.depth % 64 == 0 {
            self.spill.push(self.top);
            self.top = 0;
        }
        self.top = (self.top << 1) | u64::from(object);
        self.depth += 1;
    }

    /// Pops the innermost container.
    #[inline(always)]
    fn pop(&mut self) {
        self.depth -= 1;
        self.top >>= 1;
        if self.depth != 0 && self.depth % 64 == 0 {
            self.top = self.spill.pop().unwrap_or(0);
        }
    }

    /// Whether the innermost container is an object (`None` when none is open).
    #[inline(always)]
    fn in_object(&self) -> Option<bool> {
        if self.depth == 0 {
            None
        } else {
            Some(self.top & 1 == 1)
        }
    }
}

/// A cursor over JSON bytes.
pub(crate) struct Scanner<'a> {
    b: &'a [u8],
    i: usize,
}

const ONES: u64 = u64::MAX / 255;
const HIGHS: u64 = ONES << 7;

/// Whether the 8 bytes of `w` contain `"`, `\` or a control character, as a mask of
/// the high bits of those bytes (the lowest set bit marks the first one).
#[inline(always)]
fn special_mask(w: u64) -> u64 {
    let ctrl = w.wrapping_sub(ONES * 0x20) & !w;
    let q = w ^ (ONES * u64::from(b'"'));
    let quote = q.wrapping_sub(ONES) & !q;
    let bs = w ^ (ONES * u64::from(b'\\'));
    let backslash = bs.wrapping_sub(ONES) & !bs;
    (ctrl | quote | backslash) & HIGHS
}

#[inline(always)]
fn hex(c: u8) -> bool {
    c.is_ascii_hexdigit()
}

impl<'a> Scanner<'a> {
    /// A scanner at the start of `b`.
    #[inline(always)]
    pub(crate) fn new(b: &'a [u8]) -> Self {
        Scanner { b, i: 0 }
    }

    /// The current offset.
    #[inline(always)]
    pub(crate) fn pos(&self) -> usize {
        self.i
    }

    /// Skips whitespace and returns the next byte, not consuming it.
    #[inline(always)]
    pub(crate) fn peek(&mut self) -> Option<u8> {
        let c = *self.b.get(self.i)?;
        // Every whitespace byte is at most b' '.
        if c > b' ' {
            return Some(c);
        }
        self.peek_slow()
    }

    #[inline(never)]
    fn peek_slow(&mut self) -> Option<u8> {
        while let Some(&c) = self.b.get(self.i) {
            if !is_ws(c) {
                return Some(c);
            }
            self.i += 1;
        }
        None
    }

    /// Consumes one byte (after a [`peek`](Self::peek) returned it).
    #[inline(always)]
    pub(crate) fn bump(&mut self) {
        self.i += 1;
    }

    /// Skips whitespace and requires the end of input.
    #[inline(always)]
    pub(crate) fn end(&mut self) -> Result<()> {
        match self.peek() {
            None => Ok(()),
            Some(_) => Err(Reject),
        }
    }

    /// Skips the rest of a string whose opening quote was consumed, through its closing
    /// quote. Returns whether it contained an escape.
    #[inline(always)]
    pub(crate) fn string(&mut self) -> Result<bool> {
        let mut escaped = false;
        loop {
            // Eight bytes at a time while there are eight.
            while let Some(chunk) = self.b.get(self.i..self.i + 8) {
                let mut w = [0u8; 8];
                w.copy_from_slice(chunk);
                let m = special_mask(u64::from_le_bytes(w));
                if m != 0 {
                    self.i += m.trailing_zeros() as usize / 8;
                    break;
                }
                self.i += 8;
            }
            let c = *self.b.get(self.i).ok_or(Reject)?;
            self.i += 1;
            match c {
                b'"' => return Ok(escaped),
                b'\\' => {
                    escaped = true;
                    match self.b.get(self.i).copied() {
                        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => self.i += 1,
                        Some(b'u') => match self.b.get(self.i + 1..self.i + 5) {
                            Some(&[a, b, c, d]) if hex(a) && hex(b) && hex(c) && hex(d) => {
                                self.i += 5
                            }
                            _ => return Err(Reject),
                        },
                        _ => return Err(Reject),
                    }
                }
                c if c < 0x20 => return Err(Reject),
                _ => {}
            }
        }
    }

    /// Skips a number starting at the cursor (`-` or a digit): the JSON grammar
    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`. Returns whether it was a plain
    /// non-negative integer (no sign, fraction or exponent).
    #[inline(always)]
    pub(crate) fn number(&mut self) -> Result<bool> {
        let b = self.b;
        let mut i = self.i;
        let negative = b.get(i) == Some(&b'-');
        i += usize::from(negative);
        match b.get(i) {
            Some(b'0') => i += 1,
            Some(b'1'..=b'9') => {
                i = skip_digits(b, i + 1);
            }
            _ => return Err(Reject),
        }
        let mut plain = !negative;
        match b.get(i) {
            // A leading zero followed by a digit.
            Some(b'0'..=b'9') => return Err(Reject),
            Some(b'.') => {
                plain = false;
                i = skip_one_or_more_digits(b, i + 1)?;
            }
            _ => {}
        }
        if let Some(b'e' | b'E') = b.get(i) {
            plain = false;
            i += 1;
            if let Some(b'+' | b'-') = b.get(i) {
                i += 1;
            }
            i = skip_one_or_more_digits(b, i)?;
        }
        self.i = i;
        Ok(plain)
    }

    /// The bytes from `start` to the cursor.
    #[inline(always)]
    pub(crate) fn since(&self, start: usize) -> &'a [u8] {
        self.b.get(start..self.i).unwrap_or_default()
    }

    /// Consumes `word` (a literal such as `true`).
    #[inline(always)]
    pub(crate) fn literal(&mut self, word: &[u8]) -> Result<()> {
        if self.b.get(self.i..self.i + word.len()) == Some(word) {
            self.i += word.len();
            Ok(())
        } else {
            Err(Reject)
        }
    }

    /// After `{` or `,` in an object: `"key"` and `:`.
    #[inline(always)]
    fn key(&mut self) -> Result<()> {
        if self.peek() != Some(b'"') {
            return Err(Reject);
        }
        self.i += 1;
        self.string()?;
        if self.peek() != Some(b':') {
            return Err(Reject);
        }
        self.i += 1;
        Ok(())
    }

    /// Skips one value (after optional whitespace), iteratively.
    pub(crate) fn value(&mut self) -> Result<()> {
        let mut stack = BitStack::new();
        'value: loop {
            match self.peek().ok_or(Reject)? {
                b'"' => {
                    self.i += 1;
                    self.string()?;
                }
                b'-' | b'0'..=b'9' => {
                    self.number()?;
                }
                b't' => self.literal(b"true")?,
                b'f' => self.literal(b"false")?,
                b'n' => self.literal(b"null")?,
                b'[' => {
                    self.i += 1;
                    if self.peek() == Some(b']') {
                        self.i += 1;
                    } else {
                        stack.push(false);
                        continue 'value;
                    }
                }
                b'{' => {
                    self.i += 1;
                    if self.peek() == Some(b'}') {
                        self.i += 1;
                    } else {
                        self.key()?;
                        stack.push(true);
                        continue 'value;
                    }
                }
                _ => return Err(Reject),
            }
            // After a value: close containers until one continues with a comma.
            loop {
                let Some(object) = stack.in_object() else {
                    return Ok(());
                };
                match (self.peek(), object) {
                    (Some(b','), _) => {
                        self.i += 1;
                        if object {
                            self.key()?;
                        }
                        continue 'value;
                    }
                    (Some(b']'), false) | (Some(b'}'), true) => {
                        self.i += 1;
                        stack.pop();
                    }
                    _ => return Err(Reject),
                }
            }
        }
    }

    /// Skips the elements of an array whose first element was just read, through the
    /// closing `]`.
    pub(crate) fn rest_of_array(&mut self) -> Result<()> {
        loop {
            match self.peek() {
                Some(b',') => {
                    self.i += 1;
                    // Scalars without the container machinery.
                    match self.peek() {
                        Some(b'"') => {
                            self.i += 1;
                            self.string()?;
                        }
                        Some(b'-' | b'0'..=b'9') => {
                            self.number()?;
                        }
                        _ => self.value()?,
                    }
                }
                Some(b']') => {
                    self.i += 1;
                    return Ok(());
                }
                _ => return Err(Reject),
            }
        }
    }
}

/// Whether `json` is exactly one JSON value (surrounding whitespace allowed) whose first
/// byte is one of `first` (any value when `first` is empty).
pub(crate) fn is_json_starting_with(json: &[u8], first: &[u8]) -> bool {
    let mut s = Scanner::new(json);
    match s.peek() {
        Some(c) if first.is_empty() || first.contains(&c) => {}
        _ => return false,
    }
    s.value().and_then(|()| s.end()).is_ok()
}

/// The index after the run of ASCII digits starting at `i`.
#[inline(always)]
fn skip_digits(b: &[u8], mut i: usize) -> usize {
    while let Some(b'0'..=b'9') = b.get(i) {
        i += 1;
    }
    i
}

/// Like [`skip_digits`], but the run must not be empty (a fraction or an exponent).
#[inline(always)]
fn skip_one_or_more_digits(b: &[u8], i: usize) -> Result<usize> {
    let end = skip_digits(b, i);
    if end == i {
        Err(Reject)
    } else {
        Ok(end)
    }
}

#[cfg(test)]
mod tests;
