//! The JSON part of a packet, by packet type: validated with the skip-scanner on the fast
//! path, by `serde_json` on the slow path (the reference, and the error messages), or
//! parsed into [`Value`]s when the decoder builds them.

use super::args::Args;
use super::decode::MAX_DEPTH;
use super::packet::{is_reserved_event, PacketData, PacketType};
use super::scan::{self, Scanner};
use super::value::Value;
use crate::error::DecodeError;
use crate::utf8::Utf8Bytes;
use serde::de::{self, DeserializeSeed, Deserializer as _, IgnoredAny, SeqAccess, Visitor};
use std::fmt;

fn invalid(ty: PacketType, reason: &'static str) -> DecodeError {
    DecodeError::InvalidPayload {
        packet: ty.name(),
        reason,
    }
}

/// Maps a `serde_json` error: nesting → TooDeep, wrong shape → InvalidPayload (with
/// `shape` as the reason), anything else → InvalidJson.
pub(crate) fn json_error(e: serde_json::Error, shape: &'static str) -> DecodeError {
    if e.to_string().starts_with("recursion limit exceeded") {
        return DecodeError::TooDeep(MAX_DEPTH);
    }
    match e.classify() {
        serde_json::error::Category::Data => DecodeError::InvalidPayload {
            packet: "packet",
            reason: shape,
        },
        _ => DecodeError::InvalidJson(e.to_string()),
    }
}

fn with_packet(e: DecodeError, ty: PacketType) -> DecodeError {
    match e {
        DecodeError::InvalidPayload { reason, .. } => invalid(ty, reason),
        other => other,
    }
}

/// Checks that `json` is one JSON value accepted by `check` and nothing else.
fn validate(
    json: &str,
    ty: PacketType,
    shape: &'static str,
    check: impl FnOnce(
        &mut serde_json::Deserializer<serde_json::de::StrRead<'_>>,
    ) -> serde_json::Result<()>,
) -> Result<(), DecodeError> {
    let mut de = serde_json::Deserializer::from_str(json);
    check(&mut de)
        .and_then(|()| de.end())
        .map_err(|e| with_packet(json_error(e, shape), ty))
}

fn first_byte(json: &[u8]) -> Option<u8> {
    json.iter()
        .copied()
        .find(|c| !matches!(c, b' ' | b'\t' | b'\n' | b'\r'))
}

/// The fast path of [`decode_data`]: validates with the [`scan`] skip-scanner, which
/// accepts exactly what `serde_json` does. Gives `json` back (`Err`) for the serde_json
/// path to decide: rejected input (for its error message), an event name with escapes or
/// a numeric one, a reserved name, escapes in a CONNECT or CONNECT_ERROR payload.
#[inline]
fn decode_fast(ty: PacketType, json: Utf8Bytes) -> Result<PacketData, Utf8Bytes> {
    let raw = json.as_bytes();
    match ty {
        PacketType::Event | PacketType::BinaryEvent => {
            let mut s = Scanner::new(raw);
            if s.peek() != Some(b'[') {
                return Err(json);
            }
            s.bump();
            if s.peek() != Some(b'"') {
                return Err(json);
            }
            s.bump();
            let start = s.pos();
            if s.string() != Ok(false) {
                return Err(json);
            }
            let end = s.pos() - 1;
            if s.rest_of_array().and_then(|()| s.end()).is_err() {
                return Err(json);
            }
            let Some(name) = json.slice(start..end) else {
                return Err(json);
            };
            if is_reserved_event(&name) {
                return Err(json);
            }
            Ok(PacketData::Event {
                name,
                args: Args::from_parts(json, Vec::new(), true),
            })
        }
        PacketType::Ack | PacketType::BinaryAck if scan::is_json_starting_with(raw, b"[") => {
            Ok(PacketData::Ack(Args::from_parts(json, Vec::new(), false)))
        }
        PacketType::Connect if raw.is_empty() => Ok(PacketData::Connect(None)),
        // serde_json reads the keys of a top-level object (and a top-level string) as
        // strings, rejecting lone surrogates: leave any escape to it.
        PacketType::Connect | PacketType::ConnectError if raw.contains(&b'\\') => Err(json),
        PacketType::Connect if scan::is_json_starting_with(raw, b"{") => {
            Ok(PacketData::Connect(Some(json)))
        }
        PacketType::Disconnect if raw.is_empty() => Ok(PacketData::Disconnect),
        PacketType::ConnectError if scan::is_json_starting_with(raw, b"{\"") => {
            Ok(PacketData::ConnectError(json))
        }
        _ => Err(json),
    }
}

#[inline]
pub(super) fn decode_data(ty: PacketType, json: Utf8Bytes) -> Result<PacketData, DecodeError> {
    match decode_fast(ty, json) {
        Ok(data) => Ok(data),
        Err(json) => decode_slow(ty, json),
    }
}

/// Decodes with serde_json: the reference behaviour, and the error messages.
#[cold]
#[inline(never)]
fn decode_slow(ty: PacketType, json: Utf8Bytes) -> Result<PacketData, DecodeError> {
    let raw = json.as_str();
    Ok(match ty {
        PacketType::Connect if json.is_empty() => PacketData::Connect(None),
        PacketType::Connect => {
            const SHAPE: &str = "payload must be an object";
            validate(raw, ty, SHAPE, |de| {
                de.deserialize_map(IgnoredAny).map(drop)
            })?;
            PacketData::Connect(Some(json))
        }
        PacketType::Disconnect if json.is_empty() => PacketData::Disconnect,
        PacketType::Disconnect => return Err(invalid(ty, "must not have a payload")),
        PacketType::ConnectError => {
            const SHAPE: &str = "payload must be an object or a string";
            if !matches!(first_byte(raw.as_bytes()), Some(b'{' | b'"')) {
                return Err(invalid(ty, SHAPE));
            }
            validate(raw, ty, SHAPE, |de| {
                de.deserialize_any(IgnoredAny).map(drop)
            })?;
            PacketData::ConnectError(json)
        }
        PacketType::Ack | PacketType::BinaryAck | PacketType::Event | PacketType::BinaryEvent
            if json.is_empty() =>
        {
            return Err(invalid(ty, "payload is mandatory"))
        }
        PacketType::Ack | PacketType::BinaryAck => {
            const SHAPE: &str = "payload must be an array";
            validate(raw, ty, SHAPE, |de| {
                de.deserialize_seq(IgnoredAny).map(drop)
            })?;
            PacketData::Ack(Args::from_parts(json, Vec::new(), false))
        }
        PacketType::Event | PacketType::BinaryEvent => {
            const SHAPE: &str =
                "payload must be a non-empty array starting with a string or number";
            let mut name = None;
            validate(raw, ty, SHAPE, |de| {
                name = Some(de.deserialize_seq(EventScan {
                    base: raw.as_bytes(),
                })?);
                Ok(())
            })?;
            let name = match name {
                Some(NameRef::Borrowed(start, len)) => json
                    .slice(start..start + len)
                    .ok_or_else(|| invalid(ty, SHAPE))?,
                Some(NameRef::Owned(s)) => Utf8Bytes::from(s),
                None => return Err(invalid(ty, SHAPE)),
            };
            if is_reserved_event(&name) {
                return Err(DecodeError::ReservedEventName(name.to_string()));
            }
            PacketData::Event {
                name,
                args: Args::from_parts(json, Vec::new(), true),
            }
        }
    })
}

/// Like [`decode_data`], but parses EVENT and ACK arguments into values in the same pass.
pub(super) fn decode_values(ty: PacketType, json: Utf8Bytes) -> Result<PacketData, DecodeError> {
    const EVENT: &str = "payload must be a non-empty array starting with a string or number";
    let (shape, skip_first) = match ty {
        PacketType::Event => (EVENT, true),
        PacketType::Ack => ("payload must be an array", false),
        _ => return decode_data(ty, json),
    };
    if json.is_empty() {
        return Err(invalid(ty, "payload is mandatory"));
    }
    let tree: Value =
        serde_json::from_str(json.as_str()).map_err(|e| with_packet(json_error(e, shape), ty))?;
    let Value::Array(mut values) = tree else {
        return Err(invalid(ty, shape));
    };
    if !skip_first {
        let mut args = Args::from_parts(json, Vec::new(), false);
        args.set_values(values);
        return Ok(PacketData::Ack(args));
    }
    let name = match values.first() {
        Some(Value::String(s)) if is_reserved_event(s) => {
            return Err(DecodeError::ReservedEventName(s.clone()))
        }
        Some(Value::String(s)) => Utf8Bytes::from(s.as_str()),
        Some(Value::Number(n)) => Utf8Bytes::from(n.to_string()),
        _ => return Err(invalid(ty, shape)),
    };
    values.remove(0);
    let mut args = Args::from_parts(json, Vec::new(), true);
    args.set_values(values);
    Ok(PacketData::Event { name, args })
}

/// The event name: a range of the input when it had no escapes, else a new string.
enum NameRef {
    Borrowed(usize, usize),
    Owned(String),
}

/// Visits the EVENT array: reads the name, skips the rest.
struct EventScan<'a> {
    base: &'a [u8],
}

impl<'de> Visitor<'de> for EventScan<'_> {
    type Value = NameRef;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a non-empty array")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<NameRef, A::Error> {
        let name = seq
            .next_element_seed(NameSeed { base: self.base })?
            .ok_or_else(|| de::Error::invalid_length(0, &self))?;
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(name)
    }
}

struct NameSeed<'a> {
    base: &'a [u8],
}

impl<'de> DeserializeSeed<'de> for NameSeed<'_> {
    type Value = NameRef;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<NameRef, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for NameSeed<'_> {
    type Value = NameRef;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an event name (string or number)")
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<NameRef, E> {
        let start = (v.as_ptr() as usize).wrapping_sub(self.base.as_ptr() as usize);
        if start <= self.base.len() && v.len() <= self.base.len() - start {
            Ok(NameRef::Borrowed(start, v.len()))
        } else {
            Ok(NameRef::Owned(v.to_owned()))
        }
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<NameRef, E> {
        Ok(NameRef::Owned(v.to_owned()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<NameRef, E> {
        Ok(NameRef::Owned(v.to_string()))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<NameRef, E> {
        Ok(NameRef::Owned(v.to_string()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<NameRef, E> {
        // Same text as `decode_values` gives (serde_json's number formatting).
        let n = serde_json::Number::from_f64(v).ok_or_else(|| E::custom("non-finite"))?;
        Ok(NameRef::Owned(n.to_string()))
    }
}

/// For every packet type: whether the fast path, when it decides on `json`, decides as
/// the serde_json path does (the fuzz invariant).
pub(crate) fn fast_path_agrees(json: &str) -> bool {
    let types = [
        PacketType::Connect,
        PacketType::Disconnect,
        PacketType::Event,
        PacketType::Ack,
        PacketType::ConnectError,
        PacketType::BinaryEvent,
        PacketType::BinaryAck,
    ];
    types.into_iter().all(|ty| {
        let json = Utf8Bytes::from(json);
        match decode_fast(ty, json.clone()) {
            Ok(fast) => decode_slow(ty, json) == Ok(fast),
            Err(_) => true,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fast path agrees with the serde_json path whenever it decides.
    #[test]
    fn fast_path_agrees_with_serde_json() {
        let jsons = [
            "",
            " ",
            "{}",
            r#"{"a":1}"#,
            r#"{"\ud800":1}"#,
            r#"{"a":"\ud800"}"#,
            r#"{"a":1e999}"#,
            r#" {"token":"x"} "#,
            r#""msg""#,
            r#""\ud800""#,
            "[]",
            "[1]",
            r#"["a"]"#,
            r#"["a",1,{"b":[null]}]"#,
            r#"["a","\ud800",1e999]"#,
            r#"["\ud800"]"#,
            r#"["é\u00e9"]"#,
            r#"["a\"b",1]"#,
            r#"[1,2]"#,
            r#"[1e999,2]"#,
            r#"["connect",1]"#,
            r#" [ "a" , 1 ] "#,
            r#"["a",]"#,
            r#"["a" 1]"#,
            "[\"a\",\"\t\"]",
            "nul",
            "1",
        ];
        for j in jsons {
            assert!(fast_path_agrees(j), "{j}");
        }
    }
}
