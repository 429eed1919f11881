//! [`Utf8Bytes`]: a cheaply clonable string, a [`Bytes`] known to hold UTF-8.

use bytes::Bytes;
use std::fmt;
use std::ops::Deref;

/// An immutable UTF-8 string backed by [`Bytes`]: clones share the buffer, slices of a
/// received frame are taken without copying.
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Utf8Bytes(Bytes);

impl Utf8Bytes {
    /// Validates `bytes` as UTF-8.
    pub fn from_bytes(bytes: Bytes) -> Result<Self, std::str::Utf8Error> {
        std::str::from_utf8(&bytes)?;
        Ok(Utf8Bytes(bytes))
    }

    /// A string from a static literal, without allocating.
    pub const fn from_static(s: &'static str) -> Self {
        Utf8Bytes(Bytes::from_static(s.as_bytes()))
    }

    /// The string.
    pub fn as_str(&self) -> &str {
        // SAFETY: every constructor checks or guarantees UTF-8; see `from_bytes`,
        // `from_static`, `From<String>` and `From<&str>`.
        unsafe { std::str::from_utf8_unchecked(&self.0) }
    }

    /// The underlying bytes (shared, not copied).
    pub fn as_bytes(&self) -> &Bytes {
        &self.0
    }

    /// Consumes the string, returning the underlying bytes.
    pub fn into_bytes(self) -> Bytes {
        self.0
    }

    /// A sub-slice by byte range that must lie on character boundaries; `None` if not.
    pub fn slice(&self, range: std::ops::Range<usize>) -> Option<Self> {
        let s = self.as_str();
        if range.start > range.end
            || range.end > s.len()
            || !s.is_char_boundary(range.start)
            || !s.is_char_boundary(range.end)
        {
            return None;
        }
        Some(Utf8Bytes(self.0.slice(range)))
    }
}

impl Deref for Utf8Bytes {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Utf8Bytes {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl From<String> for Utf8Bytes {
    fn from(s: String) -> Self {
        Utf8Bytes(Bytes::from(s))
    }
}

impl From<&str> for Utf8Bytes {
    fn from(s: &str) -> Self {
        Utf8Bytes(Bytes::copy_from_slice(s.as_bytes()))
    }
}

impl From<Utf8Bytes> for Bytes {
    fn from(s: Utf8Bytes) -> Bytes {
        s.0
    }
}

impl PartialEq<str> for Utf8Bytes {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Utf8Bytes {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl fmt::Debug for Utf8Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Utf8Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.as_str(), f)
    }
}

#[cfg(feature = "arbitrary")]
impl<'a> arbitrary::Arbitrary<'a> for Utf8Bytes {
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        Ok(Utf8Bytes::from(String::arbitrary(u)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_invalid_utf8() {
        assert!(Utf8Bytes::from_bytes(Bytes::from_static(b"\xff")).is_err());
        assert_eq!(
            Utf8Bytes::from_bytes(Bytes::from_static(b"ok")).unwrap(),
            "ok"
        );
    }

    #[test]
    #[allow(clippy::reversed_empty_ranges)]
    fn slice_respects_char_boundaries() {
        let s = Utf8Bytes::from("héllo");
        assert_eq!(s.slice(0..1).unwrap(), "h");
        assert!(s.slice(0..2).is_none());
        assert!(s.slice(3..2).is_none());
        assert!(s.slice(0..99).is_none());
    }
}
