//! Encoding: a packet becomes one text frame plus its binary attachments.

use super::args::not_a_sequence;
use super::packet::{is_reserved_event, Packet, PacketData, PacketType, MAIN_NAMESPACE};
use super::ser::{write_json, write_u64};
use crate::error::Error;
use crate::utf8::Utf8Bytes;
use bytes::Bytes;
use serde::Serialize;

/// An encoded packet: hand `text` to Engine.IO as one text message, then each of
/// `attachments` as a binary message, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Encoded {
    /// The packet in text form (without the Engine.IO `4` prefix).
    pub text: Utf8Bytes,
    /// The binary attachments.
    pub attachments: Vec<Bytes>,
}

/// Turns JSON written by `serde_json` (plus ASCII headers) into a string.
pub(crate) fn utf8_from_json(buf: Vec<u8>) -> Utf8Bytes {
    // SAFETY: every caller fills `buf` only with ASCII headers, `str` data and output of
    // `serde_json`'s serializer, which writes valid UTF-8 (its own `to_string` relies
    // on the same guarantee).
    Utf8Bytes::from(unsafe { String::from_utf8_unchecked(buf) })
}

/// Writes `<type>[<attachments>-][<nsp>,][<id>]`.
fn write_header(out: &mut Vec<u8>, ty: PacketType, attachments: usize, nsp: &str, id: Option<u64>) {
    out.push(ty.as_byte());
    if attachments > 0 {
        let _ = write_u64(out, attachments as u64);
        out.push(b'-');
    }
    if nsp != MAIN_NAMESPACE {
        out.extend_from_slice(nsp.as_bytes());
        out.push(b',');
    }
    if let Some(id) = id {
        let _ = write_u64(out, id);
    }
}

/// Writes `["name",...args]` at the end of `out`; `args` must serialize as a sequence.
fn write_event_body<T: Serialize + ?Sized>(
    out: &mut Vec<u8>,
    attachments: &mut Vec<Bytes>,
    name: &str,
    args: &T,
) -> Result<(), Error> {
    out.push(b'[');
    serde_json::to_writer(&mut *out, name).map_err(|e| Error::Serialize(e.to_string()))?;
    let mark = out.len();
    write_json(out, attachments, args)?;
    match out.get(mark..) {
        Some(b"[]" | b"null") => {
            out.truncate(mark);
            out.push(b']');
        }
        Some([b'[', ..]) => out[mark] = b',',
        _ => return Err(not_a_sequence()),
    }
    Ok(())
}

/// The JSON array of an event and its attachments.
pub(crate) fn event_body<T: Serialize + ?Sized>(
    name: &str,
    args: &T,
) -> Result<(Utf8Bytes, Vec<Bytes>), Error> {
    let mut out = Vec::with_capacity(64);
    let mut attachments = Vec::new();
    write_event_body(&mut out, &mut attachments, name, args)?;
    Ok((utf8_from_json(out), attachments))
}

/// Encodes an EVENT straight from `args` into the frame buffer, without building a
/// [`Packet`] first: the fast path for emitting. `args` must serialize as a sequence
/// (see [`Packet::event`]); binary values make it a BINARY_EVENT.
pub fn encode_event<T: Serialize + ?Sized>(
    nsp: &str,
    name: &str,
    id: Option<u64>,
    args: &T,
) -> Result<Encoded, Error> {
    if !nsp.starts_with('/') || nsp.contains(',') {
        return Err(Error::InvalidNamespace(nsp.to_owned()));
    }
    if is_reserved_event(name) {
        return Err(Error::ReservedEventName(name.to_owned()));
    }
    let mut out = Vec::with_capacity(64 + nsp.len() + name.len());
    let mut attachments = Vec::new();
    write_header(&mut out, PacketType::Event, 0, nsp, id);
    let body_at = out.len();
    write_event_body(&mut out, &mut attachments, name, args)?;
    if !attachments.is_empty() {
        out = with_binary_header(
            &out[body_at..],
            PacketType::BinaryEvent,
            attachments.len(),
            nsp,
            id,
        );
    }
    Ok(Encoded {
        text: utf8_from_json(out),
        attachments,
    })
}

/// Encodes an ACK straight from `args` (must serialize as a sequence).
pub fn encode_ack<T: Serialize + ?Sized>(nsp: &str, id: u64, args: &T) -> Result<Encoded, Error> {
    if !nsp.starts_with('/') || nsp.contains(',') {
        return Err(Error::InvalidNamespace(nsp.to_owned()));
    }
    let mut out = Vec::with_capacity(64 + nsp.len());
    let mut attachments = Vec::new();
    write_header(&mut out, PacketType::Ack, 0, nsp, Some(id));
    let body_at = out.len();
    write_json(&mut out, &mut attachments, args)?;
    unit_to_empty_array(&mut out, body_at)?;
    if !attachments.is_empty() {
        out = with_binary_header(
            &out[body_at..],
            PacketType::BinaryAck,
            attachments.len(),
            nsp,
            Some(id),
        );
    }
    Ok(Encoded {
        text: utf8_from_json(out),
        attachments,
    })
}

/// Checks that the JSON from `at` is an array; `null` (from `()`) becomes `[]`.
pub(crate) fn unit_to_empty_array(out: &mut Vec<u8>, at: usize) -> Result<(), Error> {
    match out.get(at..) {
        Some(b"null") => {
            out.truncate(at);
            out.extend_from_slice(b"[]");
            Ok(())
        }
        Some([b'[', ..]) => Ok(()),
        _ => Err(not_a_sequence()),
    }
}

fn with_binary_header(
    body: &[u8],
    ty: PacketType,
    count: usize,
    nsp: &str,
    id: Option<u64>,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + nsp.len() + 32);
    write_header(&mut out, ty, count, nsp, id);
    out.extend_from_slice(body);
    out
}

impl Packet {
    /// Encodes the packet: the text frame and the attachments (shared, not copied).
    pub fn encode(&self) -> Encoded {
        let (body, attachments): (&str, &[Bytes]) = match &self.data {
            PacketData::Connect(auth) => (auth.as_deref().unwrap_or(""), &[]),
            PacketData::Disconnect => ("", &[]),
            PacketData::Event { args, .. } | PacketData::Ack(args) => {
                (args.json(), args.attachments())
            }
            PacketData::ConnectError(j) => (j, &[]),
        };
        let mut out = Vec::with_capacity(body.len() + self.nsp.len() + 24);
        write_header(
            &mut out,
            self.packet_type(),
            attachments.len(),
            &self.nsp,
            self.id,
        );
        out.extend_from_slice(body.as_bytes());
        Encoded {
            text: utf8_from_json(out),
            attachments: attachments.to_vec(),
        }
    }
}
