//! Binary placeholders: `{"_placeholder":true,"num":N}` stands for attachment N.
//!
//! Encoding writes placeholders while serializing (see [`super::ser`]). Decoding checks,
//! once every announced attachment has arrived, that the placeholders and the
//! attachments match one to one ([`check`]), and fills them in on demand ([`fill`]).

use super::scan::{Reject, Scanner};
use super::value::Value;
use crate::error::DecodeError;
use bytes::Bytes;
use serde::de;
use std::fmt;

/// The key that marks a placeholder object.
pub const PLACEHOLDER_KEY: &str = "_placeholder";

/// What a placeholder object refers to.
enum Slot {
    /// Not a placeholder: an ordinary value.
    NotPlaceholder,
    /// A placeholder for this attachment index.
    Index(u64),
    /// A placeholder whose `num` is missing or not a non-negative integer.
    Invalid,
}

fn slot(v: &Value) -> Slot {
    let Value::Object(m) = v else {
        return Slot::NotPlaceholder;
    };
    if m.get(PLACEHOLDER_KEY) != Some(&Value::Bool(true)) {
        return Slot::NotPlaceholder;
    }
    match m.get("num") {
        Some(Value::Number(n)) => n.as_u64().map_or(Slot::Invalid, Slot::Index),
        _ => Slot::Invalid,
    }
}

/// Checks that the placeholders in `tree` reference each of `count` attachments exactly
/// once.
pub(crate) fn check(tree: &Value, count: usize) -> Result<(), DecodeError> {
    let mut seen = vec![false; count];
    walk(tree, &mut seen)?;
    if seen.iter().all(|&s| s) {
        Ok(())
    } else {
        Err(DecodeError::InvalidPlaceholder(
            "attachment never referenced",
        ))
    }
}

/// Records that placeholder `n` was seen: it must name an attachment, and only once.
fn mark_seen(seen: &mut [bool], n: u64) -> Result<(), DecodeError> {
    let flag = usize::try_from(n)
        .ok()
        .and_then(|i| seen.get_mut(i))
        .ok_or(DecodeError::InvalidPlaceholder("num out of range"))?;
    if *flag {
        return Err(DecodeError::InvalidPlaceholder(
            "attachment referenced twice",
        ));
    }
    *flag = true;
    Ok(())
}

fn walk(v: &Value, seen: &mut [bool]) -> Result<(), DecodeError> {
    match slot(v) {
        Slot::Index(n) => {
            mark_seen(seen, n)?;
            Ok(())
        }
        Slot::Invalid => Err(DecodeError::InvalidPlaceholder(
            "num is missing or not a non-negative integer",
        )),
        Slot::NotPlaceholder => match v {
            Value::Array(a) => a.iter().try_for_each(|x| walk(x, seen)),
            Value::Object(m) => m.values().try_for_each(|x| walk(x, seen)),
            _ => Ok(()),
        },
    }
}

/// Replaces every valid placeholder in `tree` by its attachment (shared, not copied).
/// Placeholders that do not resolve are left as they are ([`check`] rejects them first).
pub(crate) fn fill(tree: &mut Value, attachments: &[Bytes]) {
    if let Slot::Index(n) = slot(tree) {
        if let Some(b) = usize::try_from(n).ok().and_then(|i| attachments.get(i)) {
            *tree = Value::Binary(b.clone());
        }
        return;
    }
    match tree {
        Value::Array(a) => a.iter_mut().for_each(|x| fill(x, attachments)),
        Value::Object(m) => m.values_mut().for_each(|x| fill(x, attachments)),
        _ => {}
    }
}

/// Checks, in one streaming pass over `json` without building a tree, what [`check`]
/// checks on a tree: every placeholder valid and each of `count` attachments referenced
/// exactly once. Placeholders nested inside a placeholder object are ignored, as
/// `socket.io-parser` ignores them.
pub(crate) fn check_json(json: &str, count: usize) -> Result<(), DecodeError> {
    if check_fast(json.as_bytes(), count) {
        return Ok(());
    }
    check_json_slow(json, count)
}

/// The common case of [`check_json`] without serde: `true` only when the placeholders
/// are certainly valid and one-to-one. Anything unusual (escaped or repeated keys,
/// containers inside a placeholder, a `num` that is not a plain integer, deep nesting)
/// and every error go to the serde path, which decides.
pub(crate) fn check_fast(json: &[u8], count: usize) -> bool {
    let mut seen = [false; 16];
    let Some(seen) = seen.get_mut(..count) else {
        return false;
    };
    let mut w = FastWalk {
        s: Scanner::new(json),
        seen,
    };
    w.value(0).and_then(|()| w.s.end()).is_ok() && w.seen.iter().all(|&s| s)
}

/// Whether a raw string may hold a `\uD800`-`\uDFFF` escape (conservative).
fn may_have_surrogate(raw: &[u8]) -> bool {
    raw.windows(4).any(|w| {
        matches!(w, [b'\\', b'u', b'd' | b'D', c] if matches!(c, b'8'..=b'9' | b'a'..=b'f' | b'A'..=b'F'))
    })
}

/// Nesting beyond which [`check_fast`] gives up (serde's limit is 128).
const FAST_DEPTH: usize = 100;

struct FastWalk<'a, 'b> {
    s: Scanner<'a>,
    seen: &'b mut [bool],
}

impl FastWalk<'_, '_> {
    fn value(&mut self, depth: usize) -> Result<(), Reject> {
        if depth > FAST_DEPTH {
            return Err(Reject);
        }
        match self.s.peek() {
            Some(b'[') => {
                self.s.bump();
                if self.s.peek() == Some(b']') {
                    self.s.bump();
                    return Ok(());
                }
                loop {
                    self.value(depth + 1)?;
                    match self.s.peek() {
                        Some(b',') => self.s.bump(),
                        Some(b']') => {
                            self.s.bump();
                            return Ok(());
                        }
                        _ => return Err(Reject),
                    }
                }
            }
            Some(b'{') => self.object(depth),
            Some(b'"') => {
                self.s.bump();
                let start = self.s.pos();
                if self.s.string()? && may_have_surrogate(self.s.since(start)) {
                    // serde_json rejects lone surrogates when it reads a string.
                    return Err(Reject);
                }
                Ok(())
            }
            Some(b'-' | b'0'..=b'9') => {
                let start = self.s.pos();
                self.s.number()?;
                // serde_json rejects numbers beyond the f64 range when it reads them.
                let n = self.s.since(start);
                if n.len() > 300 || n.iter().any(|&c| c == b'e' || c == b'E') {
                    return Err(Reject);
                }
                Ok(())
            }
            // true, false, null, or an error.
            _ => self.s.value(),
        }
    }

    fn object(&mut self, depth: usize) -> Result<(), Reject> {
        self.s.bump();
        if self.s.peek() == Some(b'}') {
            self.s.bump();
            return Ok(());
        }
        let (mut placeholder, mut num, mut nested) = (None, None, false);
        loop {
            if self.s.peek() != Some(b'"') {
                return Err(Reject);
            }
            self.s.bump();
            let start = self.s.pos();
            if self.s.string()? {
                return Err(Reject);
            }
            let key = self.s.since(start);
            if self.s.peek() != Some(b':') {
                return Err(Reject);
            }
            self.s.bump();
            let first = self.s.peek();
            match key {
                b"_placeholder\"" | b"num\"" if matches!(first, Some(b'[' | b'{')) => {
                    return Err(Reject)
                }
                b"_placeholder\"" if placeholder.is_none() => {
                    placeholder = Some(first == Some(b't'));
                    self.s.value()?;
                }
                b"num\"" if num.is_none() && matches!(first, Some(b'0'..=b'9')) => {
                    let start = self.s.pos();
                    if !self.s.number()? {
                        return Err(Reject);
                    }
                    let digits = self.s.since(start);
                    if digits.len() > 19 {
                        return Err(Reject);
                    }
                    num = Some(
                        digits
                            .iter()
                            .fold(0u64, |n, d| n * 10 + u64::from(d - b'0')),
                    );
                }
                b"_placeholder\"" | b"num\"" => return Err(Reject),
                _ => {
                    nested |= matches!(first, Some(b'[' | b'{'));
                    self.value(depth + 1)?;
                }
            }
            match self.s.peek() {
                Some(b',') => self.s.bump(),
                Some(b'}') => {
                    self.s.bump();
                    break;
                }
                _ => return Err(Reject),
            }
        }
        if placeholder != Some(true) {
            return Ok(());
        }
        // A placeholder: its own children are not references (give up if it has any).
        if nested {
            return Err(Reject);
        }
        let slot = num
            .and_then(|n| usize::try_from(n).ok())
            .and_then(|i| self.seen.get_mut(i))
            .ok_or(Reject)?;
        if *slot {
            return Err(Reject);
        }
        *slot = true;
        Ok(())
    }
}

/// [`check_json`] with serde: the reference behaviour and its errors.
#[cold]
pub(crate) fn check_json_slow(json: &str, count: usize) -> Result<(), DecodeError> {
    let mut log = Vec::with_capacity(count);
    let mut de = serde_json::Deserializer::from_str(json);
    de::DeserializeSeed::deserialize(Walk { log: &mut log }, &mut de)
        .and_then(|_| de.end())
        .map_err(|e| super::payload::json_error(e, "invalid JSON"))?;
    let mut seen = vec![false; count];
    for entry in log {
        let n = entry.ok_or(DecodeError::InvalidPlaceholder(
            "num is missing or not a non-negative integer",
        ))?;
        mark_seen(seen.as_mut_slice(), n)?;
    }
    if seen.iter().all(|&s| s) {
        Ok(())
    } else {
        Err(DecodeError::InvalidPlaceholder(
            "attachment never referenced",
        ))
    }
}

/// What the streaming walk learned about one value.
enum Node {
    True,
    /// A number: `Some` if a non-negative integer.
    Num(Option<u64>),
    Other,
}

/// Walks one value, appending every placeholder it finds to `log` (`None` for an
/// invalid `num`).
struct Walk<'a> {
    log: &'a mut Vec<Option<u64>>,
}

impl<'de> de::DeserializeSeed<'de> for Walk<'_> {
    type Value = Node;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> de::Visitor<'de> for Walk<'_> {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Node, E> {
        Ok(if v { Node::True } else { Node::Other })
    }
    fn visit_u64<E>(self, v: u64) -> Result<Node, E> {
        Ok(Node::Num(Some(v)))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Node, E> {
        Ok(Node::Num(u64::try_from(v).ok()))
    }
    fn visit_f64<E>(self, _: f64) -> Result<Node, E> {
        Ok(Node::Num(None))
    }
    fn visit_str<E>(self, _: &str) -> Result<Node, E> {
        Ok(Node::Other)
    }
    fn visit_unit<E>(self) -> Result<Node, E> {
        Ok(Node::Other)
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        while seq
            .next_element_seed(Walk {
                log: &mut *self.log,
            })?
            .is_some()
        {}
        Ok(Node::Other)
    }
    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mark = self.log.len();
        let (mut placeholder, mut num) = (false, None);
        while let Some(key) = map.next_key_seed(KeySeed)? {
            let node = map.next_value_seed(Walk {
                log: &mut *self.log,
            })?;
            match key {
                Key::Placeholder => placeholder = matches!(node, Node::True),
                Key::Num => num = Some(node),
                Key::Other => {}
            }
        }
        if placeholder {
            // Its children are not references: forget what they logged.
            self.log.truncate(mark);
            self.log.push(match num {
                Some(Node::Num(n)) => n,
                _ => None,
            });
        }
        Ok(Node::Other)
    }
}

enum Key {
    Placeholder,
    Num,
    Other,
}

struct KeySeed;

impl<'de> de::DeserializeSeed<'de> for KeySeed {
    type Value = Key;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Key, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> de::Visitor<'de> for KeySeed {
    type Value = Key;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object key")
    }
    fn visit_str<E>(self, v: &str) -> Result<Key, E> {
        Ok(match v {
            PLACEHOLDER_KEY => Key::Placeholder,
            "num" => Key::Num,
            _ => Key::Other,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(s: &str) -> Value {
        serde_json::from_str(s).unwrap()
    }

    #[test]
    fn checks_one_to_one() {
        let ok =
            tree(r#"["a",{"_placeholder":true,"num":1},[{"x":{"_placeholder":true,"num":0}}]]"#);
        assert_eq!(check(&ok, 2), Ok(()));
        assert!(check(&ok, 3).is_err());
        assert!(check(&ok, 1).is_err());
        let dup = tree(r#"[{"_placeholder":true,"num":0},{"_placeholder":true,"num":0}]"#);
        assert!(check(&dup, 1).is_err());
        let bad = tree(r#"[{"_placeholder":true,"num":0.5}]"#);
        assert!(check(&bad, 1).is_err());
        let not = tree(r#"[{"_placeholder":false,"num":9},{"_placeholder":true,"num":0}]"#);
        assert_eq!(check(&not, 1), Ok(()));
    }

    #[test]
    fn fast_check_never_accepts_what_serde_rejects() {
        let p = |n: &str| format!(r#"{{"_placeholder":true,"num":{n}}}"#);
        let mut cases = vec![
            format!(r#"["a",{},[{{"x":{}}}]]"#, p("1"), p("0")),
            format!(r#"["a",{},{}]"#, p("0"), p("0")),
            format!(r#"["a",{}]"#, p("1")),
            format!(r#"["a",{}]"#, p("0.5")),
            format!(r#"["a",{}]"#, p("-0")),
            format!(r#"["a",{}]"#, p("\"0\"")),
            format!(r#"["a",{}]"#, p("99999999999999999999")),
            r#"["a",{"_placeholder":true}]"#.into(),
            r#"["a",{"_placeholder":false,"num":0}]"#.into(),
            r#"["a",{"_placeholder":true,"_placeholder":false,"num":0}]"#.into(),
            r#"["a",{"_placeholder":false,"_placeholder":true,"num":0}]"#.into(),
            r#"["a",{"_placeholder":true,"num":1,"num":0}]"#.into(),
            r#"["a",{"_placeholde\u0072":true,"num":0}]"#.into(),
            r#"["a",{"_placeholder":true,"num":0,"x":{"_placeholder":true,"num":1}}]"#.into(),
            r#"["a",{"_placeholder":true,"num":0,"x":[]}]"#.into(),
            r#"["a",{"_placeholder":[true],"num":0}]"#.into(),
            r#"["a",{"num":0,"_placeholder":true}]"#.into(),
            r#" [ "a" , { "_placeholder" : true , "num" : 0 } ] "#.into(),
            format!(r#"{}"a",{}{}"#, "[".repeat(150), p("0"), "]".repeat(150)),
            format!(r#"{}"a",{}{}"#, "[".repeat(90), p("0"), "]".repeat(90)),
            r#"["a",{"_placeholder":true,"num":0},1e999]"#.into(),
            format!(r#"["a",{},{}]"#, p("0"), "9".repeat(400)),
            r#"["a",{"_placeholder":true,"num":0},"\ud800"]"#.into(),
            r#"["a",{"_placeholder":true,"num":0},"\ud83d\ude00\n"]"#.into(),
            r#"["a",{"_placeholder":true,"num":0},"\n\u00e9"]"#.into(),
            "452222222222222252221055e+555624".into(),
        ];
        cases.push(format!(r#"["a",{},{}]"#, p("1"), p("0")));
        for json in &cases {
            for count in 0..4 {
                let slow = check_json_slow(json, count);
                if check_fast(json.as_bytes(), count) {
                    assert_eq!(slow, Ok(()), "{json} {count}");
                }
                assert_eq!(check_json(json, count), slow, "{json} {count}");
            }
        }
        // The common shapes do take the fast path.
        assert!(check_fast(cases[0].as_bytes(), 2));
        assert!(check_fast(cases[16].as_bytes(), 1));
        assert!(check_fast(cases[17].as_bytes(), 1));
        assert!(check_fast(cases[19].as_bytes(), 1));
        assert!(check_fast(cases[26].as_bytes(), 2));
        assert!(check_fast(cases[24].as_bytes(), 1));
    }

    #[test]
    fn fills_with_shared_bytes() {
        let b = Bytes::from(vec![1u8, 2]);
        let mut t = tree(r#"["a",{"k":{"_placeholder":true,"num":0}}]"#);
        fill(&mut t, std::slice::from_ref(&b));
        let Value::Array(a) = &t else { panic!() };
        let Value::Object(m) = &a[1] else { panic!() };
        assert_eq!(m["k"].as_binary().unwrap().as_ptr(), b.as_ptr());
    }
}
