//! Binary placeholders: `{"_placeholder":true,"num":N}` stands for attachment N.
//!
//! Encoding writes placeholders while serializing (see [`super::ser`]). Decoding checks,
//! once every announced attachment has arrived, that the placeholders and the
//! attachments match one to one ([`check`]), and fills them in on demand ([`fill`]).

use super::value::Value;
use crate::error::DecodeError;
use bytes::Bytes;

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

fn walk(v: &Value, seen: &mut [bool]) -> Result<(), DecodeError> {
    match slot(v) {
        Slot::Index(n) => {
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
    fn fills_with_shared_bytes() {
        let b = Bytes::from(vec![1u8, 2]);
        let mut t = tree(r#"["a",{"k":{"_placeholder":true,"num":0}}]"#);
        fill(&mut t, std::slice::from_ref(&b));
        let Value::Array(a) = &t else { panic!() };
        let Value::Object(m) = &a[1] else { panic!() };
        assert_eq!(m["k"].as_binary().unwrap().as_ptr(), b.as_ptr());
    }
}
