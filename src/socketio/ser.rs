//! Streaming JSON output with binary placeholders.
//!
//! Binary values are written by serde as `serialize_bytes`, which `serde_json` hands to
//! its [`Formatter::write_byte_array`]. [`PlaceholderFormatter`] writes
//! `{"_placeholder":true,"num":N}` there instead and collects the bytes as attachment N,
//! so any `T: Serialize` streams straight into the output buffer in one pass.
//!
//! A [`Value::Binary`](super::Value::Binary) already holds a [`Bytes`]; to pass it on
//! without copying, its `Serialize` impl stashes a clone in a thread-local slot
//! ([`with_stash`]) and [`bytes_for`] takes it back when the slice is the same memory.

use crate::utf8::Utf8Bytes;
use bytes::Bytes;
use serde::Serialize;
use serde_json::ser::Formatter;
use std::cell::{Cell, RefCell};
use std::io;

thread_local! {
    static STASH: RefCell<Option<Bytes>> = const { RefCell::new(None) };
    static SCRATCH: Cell<Vec<u8>> = const { Cell::new(Vec::new()) };
}

/// A scratch buffer larger than this is not kept for the next encode.
const SCRATCH_KEEP: usize = 256 * 1024;

/// Frames up to this size are copied out of the scratch buffer; larger ones take the
/// buffer itself (shrunk in place) and leave a fresh one of the same capacity.
const COPY_MAX: usize = 4096;

/// Runs `f` with a cleared, reused output buffer, then turns what it wrote into an
/// exactly sized string: one allocation per frame, and no regrowth while serializing.
/// A small frame is copied out; a large one keeps the buffer it was written in (no copy
/// of the frame) and the thread gets a new buffer of the same capacity.
///
/// `f` must write only valid UTF-8 (ASCII headers, `str` data, `serde_json` output).
pub(crate) fn with_scratch<R, E>(
    f: impl FnOnce(&mut Vec<u8>) -> Result<R, E>,
) -> Result<(R, Utf8Bytes), E> {
    let mut buf = take_scratch();
    let out = match f(&mut buf) {
        Ok(r) => {
            let len = buf.len();
            Ok((r, finish(&mut buf, 0..0, 0..len)))
        }
        Err(e) => Err(e),
    };
    put_scratch(buf);
    out
}

/// The thread's reused output buffer, cleared; hand it back with [`put_scratch`].
#[inline]
pub(crate) fn take_scratch() -> Vec<u8> {
    let mut buf = SCRATCH.with(Cell::take);
    buf.clear();
    buf
}

/// Keeps `buf` as the thread's scratch buffer, unless it grew too large.
#[inline]
pub(crate) fn put_scratch(buf: Vec<u8>) {
    if buf.capacity() <= SCRATCH_KEEP {
        SCRATCH.with(|s| s.set(buf));
    }
}

/// The string `buf[head]` followed by `buf[body]`, in one exactly sized allocation.
/// A large frame that is all of `buf` takes `buf`'s allocation instead (no copy),
/// leaving `buf` a new buffer of the same capacity.
///
/// The bytes must be valid UTF-8 and both ranges must lie on character boundaries
/// (see [`with_scratch`]; callers split only at ASCII header bytes).
pub(crate) fn finish(
    buf: &mut Vec<u8>,
    head: std::ops::Range<usize>,
    body: std::ops::Range<usize>,
) -> Utf8Bytes {
    if head.is_empty() && body.start == 0 && body.end == buf.len() && buf.len() > COPY_MAX {
        let keep = if buf.capacity() <= SCRATCH_KEEP {
            Vec::with_capacity(buf.capacity())
        } else {
            Vec::new()
        };
        let mut frame = std::mem::replace(buf, keep);
        frame.shrink_to_fit();
        return text_from(frame);
    }
    let head = buf.get(head).unwrap_or_default();
    let body = buf.get(body).unwrap_or_default();
    let mut out = Vec::with_capacity(head.len() + body.len());
    out.extend_from_slice(head);
    out.extend_from_slice(body);
    text_from(out)
}

/// `buf` as a string; `buf` must be valid UTF-8 (it is made only of ASCII headers,
/// `str` data and `serde_json` output).
pub(crate) fn text_from(buf: Vec<u8>) -> Utf8Bytes {
    // SAFETY: every caller (`with_scratch` and `finish` callers, `Packet::encode`)
    // writes only ASCII headers, `str` data and output of `serde_json`'s serializer,
    // which is valid UTF-8 (its own `to_string` relies on the same guarantee).
    Utf8Bytes::from(unsafe { String::from_utf8_unchecked(buf) })
}

/// Runs `f` with `bytes` stashed, so that [`bytes_for`] can share it instead of copying.
pub(crate) fn with_stash<R>(bytes: &Bytes, f: impl FnOnce() -> R) -> R {
    let prev = STASH.with(|s| s.replace(Some(bytes.clone())));
    let out = f();
    STASH.with(|s| s.replace(prev));
    out
}

/// The stashed [`Bytes`] if `slice` is exactly its memory, else a copy of `slice`.
pub(crate) fn bytes_for(slice: &[u8]) -> Bytes {
    STASH.with(|s| match &*s.borrow() {
        Some(b) if b.as_ptr() == slice.as_ptr() && b.len() == slice.len() => b.clone(),
        _ => Bytes::copy_from_slice(slice),
    })
}

/// A compact `serde_json` formatter that turns byte arrays into attachment placeholders.
pub(crate) struct PlaceholderFormatter<'a> {
    /// Attachments collected so far, in depth-first order.
    pub attachments: &'a mut Vec<Bytes>,
}

impl Formatter for PlaceholderFormatter<'_> {
    fn write_byte_array<W>(&mut self, writer: &mut W, value: &[u8]) -> io::Result<()>
    where
        W: ?Sized + io::Write,
    {
        let num = self.attachments.len();
        self.attachments.push(bytes_for(value));
        writer.write_all(b"{\"_placeholder\":true,\"num\":")?;
        write_u64(writer, num as u64)?;
        writer.write_all(b"}")
    }
}

/// Serializes `value` as JSON at the end of `out`, binary values as placeholders.
pub(crate) fn write_json<T: Serialize + ?Sized>(
    out: &mut Vec<u8>,
    attachments: &mut Vec<Bytes>,
    value: &T,
) -> Result<(), crate::error::EmitError> {
    let mut ser = serde_json::Serializer::with_formatter(out, PlaceholderFormatter { attachments });
    value
        .serialize(&mut ser)
        .map_err(|e| crate::error::EmitError::Serialize(e.to_string()))
}

/// Writes `n` in decimal (two digits per step, no allocation).
pub(crate) fn write_u64<W: ?Sized + io::Write>(w: &mut W, n: u64) -> io::Result<()> {
    let mut buf = [0u8; 20];
    let start = format_u64(&mut buf, n);
    w.write_all(buf.get(start..).unwrap_or_default())
}

/// `00` to `99`.
const PAIRS: &[u8; 200] = b"0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

/// Formats `n` at the end of `buf`; returns where the digits start.
#[inline]
pub(crate) fn format_u64(buf: &mut [u8; 20], mut n: u64) -> usize {
    let mut i = buf.len();
    while n >= 100 {
        let pair = (n % 100) as usize * 2;
        n /= 100;
        i -= 2;
        buf[i] = PAIRS[pair];
        buf[i + 1] = PAIRS[pair + 1];
    }
    if n >= 10 {
        let pair = n as usize * 2;
        i -= 2;
        buf[i] = PAIRS[pair];
        buf[i + 1] = PAIRS[pair + 1];
    } else {
        i -= 1;
        buf[i] = b'0' + n as u8;
    }
    i
}

/// Appends `n` in decimal to `out`.
#[inline]
pub(crate) fn push_u64(out: &mut Vec<u8>, n: u64) {
    if n < 10 {
        out.push(b'0' + n as u8);
        return;
    }
    if n < 100 {
        let pair = n as usize * 2;
        out.extend_from_slice(PAIRS.get(pair..pair + 2).unwrap_or_default());
        return;
    }
    let mut buf = [0u8; 20];
    let start = format_u64(&mut buf, n);
    out.extend_from_slice(buf.get(start..).unwrap_or_default());
}

/// The bytes a JSON string must escape: control characters, `"` and `\`.
static ESCAPED: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 0x20 {
        t[i] = true;
        i += 1;
    }
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t
};

/// Appends `s` as a JSON string, exactly as `serde_json` writes it: bytes that need no
/// escape are copied as they are; anything else goes through `serde_json`.
#[inline]
pub(crate) fn push_json_str(out: &mut Vec<u8>, s: &str) {
    let b = s.as_bytes();
    if !b.iter().any(|&c| ESCAPED[usize::from(c)]) {
        out.reserve(b.len() + 2);
        out.push(b'"');
        out.extend_from_slice(b);
        out.push(b'"');
    } else {
        // Writing a string into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut *out, s);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_become_placeholders_in_order() {
        let mut out = Vec::new();
        let mut att = Vec::new();
        let a = serde_json::json!(1);
        write_json(
            &mut out,
            &mut att,
            &(&a, serde_bytes_like(&[1, 2]), vec![serde_bytes_like(&[3])]),
        )
        .unwrap();
        assert_eq!(
            std::str::from_utf8(&out).unwrap(),
            r#"[1,{"_placeholder":true,"num":0},[{"_placeholder":true,"num":1}]]"#
        );
        assert_eq!(
            att,
            vec![Bytes::from_static(&[1, 2]), Bytes::from_static(&[3])]
        );
    }

    struct B<'a>(&'a [u8]);
    impl Serialize for B<'_> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_bytes(self.0)
        }
    }
    fn serde_bytes_like(b: &[u8]) -> B<'_> {
        B(b)
    }

    #[test]
    fn stashed_bytes_are_shared() {
        let b = Bytes::from(vec![9u8; 100]);
        let got = with_stash(&b, || bytes_for(&b));
        assert_eq!(got.as_ptr(), b.as_ptr());
        let copy = bytes_for(&b);
        assert_ne!(copy.as_ptr(), b.as_ptr());
    }

    #[test]
    fn decimal() {
        let mut all = vec![0u64, 7, 10, 12345, u64::MAX, u64::MAX / 10, 1 << 40];
        all.extend(0..1000);
        all.extend((1..20).map(|e| 10u64.pow(e)));
        all.extend((1..20).map(|e| 10u64.pow(e) - 1));
        for n in all {
            let mut v = Vec::new();
            write_u64(&mut v, n).unwrap();
            assert_eq!(String::from_utf8(v).unwrap(), n.to_string());
            let mut v = b"x".to_vec();
            push_u64(&mut v, n);
            assert_eq!(String::from_utf8(v).unwrap(), format!("x{n}"));
        }
    }

    #[test]
    fn json_strings_as_serde_json_writes_them() {
        for s in [
            "",
            "chat",
            "é😀",
            "a\"b",
            "back\\slash",
            "\u{1}\n\t",
            "\u{7f}",
            "/x",
        ] {
            let mut v = Vec::new();
            push_json_str(&mut v, s);
            assert_eq!(
                String::from_utf8(v).unwrap(),
                serde_json::to_string(s).unwrap()
            );
        }
    }
}
