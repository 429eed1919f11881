//! `arbitrary::Arbitrary` for [`Packet`] and [`Value`] (feature `arbitrary`).
//!
//! Packets are generated through the public builders, so every generated packet is one
//! this crate can send: valid namespaces, unreserved event names, arguments with binary
//! values anywhere. Numbers are integers or short binary fractions, which survive a trip
//! through JSON text exactly; object keys never collide with the placeholder key.

use super::binary::PLACEHOLDER_KEY;
use super::packet::{is_reserved_event, Packet};
use super::value::Value;
use arbitrary::{Arbitrary, Result, Unstructured};
use bytes::Bytes;

const MAX_DEPTH: u32 = 4;

fn value(u: &mut Unstructured<'_>, depth: u32, binary: bool) -> Result<Value> {
    let kinds = if depth >= MAX_DEPTH { 4 } else { 6 };
    Ok(match u.int_in_range(0..=kinds)? {
        0 => Value::Null,
        1 => Value::Bool(bool::arbitrary(u)?),
        2 => match u.int_in_range(0..=2)? {
            0 => Value::from(u64::arbitrary(u)?),
            1 => Value::from(i64::arbitrary(u)?),
            _ => Value::from(f64::from(i32::arbitrary(u)?) / 8.0),
        },
        3 => Value::String(String::arbitrary(u)?),
        4 if binary => Value::Binary(Bytes::from(Vec::<u8>::arbitrary(u)?)),
        4 => Value::String(String::arbitrary(u)?),
        5 => Value::Array(values(u, depth + 1, binary)?),
        _ => object(u, depth + 1, binary)?,
    })
}

fn values(u: &mut Unstructured<'_>, depth: u32, binary: bool) -> Result<Vec<Value>> {
    let n = u.int_in_range(0..=4)?;
    (0..n).map(|_| value(u, depth, binary)).collect()
}

fn object(u: &mut Unstructured<'_>, depth: u32, binary: bool) -> Result<Value> {
    let n = u.int_in_range(0..=4)?;
    let mut m = std::collections::BTreeMap::new();
    for _ in 0..n {
        let mut k = String::arbitrary(u)?;
        if k == PLACEHOLDER_KEY {
            k.push('_');
        }
        m.insert(k, value(u, depth, binary)?);
    }
    Ok(Value::Object(m))
}

impl<'a> Arbitrary<'a> for Value {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        value(u, 0, true)
    }
}

fn nsp(u: &mut Unstructured<'_>) -> Result<String> {
    if bool::arbitrary(u)? {
        return Ok("/".into());
    }
    let s: String = String::arbitrary(u)?
        .chars()
        .filter(|&c| c != ',')
        .collect();
    Ok(format!("/{s}"))
}

impl<'a> Arbitrary<'a> for Packet {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let nsp = nsp(u)?;
        let id = Option::<u64>::arbitrary(u)?;
        let built = match u.int_in_range(0..=5)? {
            0 => {
                let connect = match bool::arbitrary(u)? {
                    true => Packet::connect(&nsp, Some(&object(u, 1, false)?)),
                    false => Packet::connect::<Value>(&nsp, None),
                };
                // Any refusal is "not a packet we can send", whatever its type.
                connect.map_err(|e| crate::error::EmitError::Serialize(e.to_string()))
            }
            1 => Packet::connect_ok(&nsp, &String::arbitrary(u)?),
            2 => Packet::disconnect(&nsp),
            3 => {
                let mut name = String::arbitrary(u)?;
                if is_reserved_event(&name) {
                    name.push('!');
                }
                Packet::event(&nsp, &name, &values(u, 1, true)?)
            }
            4 => Packet::ack(&nsp, 0, &values(u, 1, true)?),
            _ => {
                let message = String::arbitrary(u)?;
                let data = match bool::arbitrary(u)? {
                    true => Some(value(u, 1, false)?),
                    false => None,
                };
                Packet::connect_error(&nsp, &message, data.as_ref())
            }
        };
        let mut packet = built.map_err(|_| arbitrary::Error::IncorrectFormat)?;
        packet.id = id;
        Ok(packet)
    }
}
