//! Encoding: a packet becomes one text frame plus its binary attachments.
//!
//! Frames are written into a reused thread-local buffer and copied once into an exactly
//! sized string (see [`with_scratch`]).

use super::args::not_a_sequence;
use super::packet::{is_reserved_event, Packet, PacketData, PacketType, MAIN_NAMESPACE};
use super::ser::{push_json_str, push_u64, with_scratch, write_json};
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

/// Writes `<type>[<attachments>-][<nsp>,][<id>]`.
fn write_header(out: &mut Vec<u8>, ty: PacketType, attachments: usize, nsp: &str, id: Option<u64>) {
    out.push(ty.as_byte());
    if attachments > 0 {
        push_u64(out, attachments as u64);
        out.push(b'-');
    }
    if nsp != MAIN_NAMESPACE {
        out.extend_from_slice(nsp.as_bytes());
        out.push(b',');
    }
    if let Some(id) = id {
        push_u64(out, id);
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
    push_json_str(out, name);
    let mark = out.len();
    write_json(out, attachments, args)?;
    match out.get_mut(mark..) {
        Some([b'[', b']'] | [b'n', b'u', b'l', b'l']) => {
            out.truncate(mark);
            out.push(b']');
        }
        Some([first @ b'[', ..]) => *first = b',',
        _ => return Err(not_a_sequence()),
    }
    Ok(())
}

/// Writes the JSON of ACK arguments at the end of `out`; `args` must serialize as a
/// sequence, and `()` becomes `[]`.
pub(crate) fn write_ack_body<T: Serialize + ?Sized>(
    out: &mut Vec<u8>,
    attachments: &mut Vec<Bytes>,
    args: &T,
) -> Result<(), Error> {
    let at = out.len();
    write_json(out, attachments, args)?;
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

/// The JSON array of an event and its attachments.
pub(crate) fn event_body<T: Serialize + ?Sized>(
    name: &str,
    args: &T,
) -> Result<(Utf8Bytes, Vec<Bytes>), Error> {
    let mut attachments = Vec::new();
    let ((), json) = with_scratch(|out| write_event_body(out, &mut attachments, name, args))?;
    Ok((json, attachments))
}

#[inline]
fn check_nsp(nsp: &str) -> Result<(), Error> {
    if nsp == MAIN_NAMESPACE {
        return Ok(());
    }
    if !nsp.starts_with('/') || nsp.contains(',') {
        return Err(Error::InvalidNamespace(nsp.to_owned()));
    }
    Ok(())
}

/// Writes a frame whose header depends on the attachment count, known only after the
/// body is serialized: the body goes after a header for zero attachments, and in the
/// rare binary case the frame is rebuilt with the right header.
fn frame(
    ty: PacketType,
    binary_ty: PacketType,
    nsp: &str,
    id: Option<u64>,
    body: impl FnOnce(&mut Vec<u8>, &mut Vec<Bytes>) -> Result<(), Error>,
) -> Result<Encoded, Error> {
    let mut attachments = Vec::new();
    let (body_at, text) = with_scratch(|out| {
        write_header(out, ty, 0, nsp, id);
        let body_at = out.len();
        body(out, &mut attachments)?;
        Ok(body_at)
    })?;
    if attachments.is_empty() {
        return Ok(Encoded { text, attachments });
    }
    let body = text.as_bytes().slice(body_at..);
    let count = attachments.len();
    let ((), text) = with_scratch(|out| {
        write_header(out, binary_ty, count, nsp, id);
        out.extend_from_slice(&body);
        Ok(())
    })?;
    Ok(Encoded { text, attachments })
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
    check_nsp(nsp)?;
    if is_reserved_event(name) {
        return Err(Error::ReservedEventName(name.to_owned()));
    }
    frame(
        PacketType::Event,
        PacketType::BinaryEvent,
        nsp,
        id,
        |out, att| write_event_body(out, att, name, args),
    )
}

/// Encodes an ACK straight from `args` (must serialize as a sequence; `()` for none).
pub fn encode_ack<T: Serialize + ?Sized>(nsp: &str, id: u64, args: &T) -> Result<Encoded, Error> {
    check_nsp(nsp)?;
    frame(
        PacketType::Ack,
        PacketType::BinaryAck,
        nsp,
        Some(id),
        |out, att| write_ack_body(out, att, args),
    )
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
        let ty = self.packet_type();
        let written = with_scratch(|out| {
            write_header(out, ty, attachments.len(), &self.nsp, self.id);
            out.extend_from_slice(body.as_bytes());
            Ok(())
        });
        Encoded {
            // Writing a header and a string cannot fail.
            text: written.map(|((), t)| t).unwrap_or_default(),
            attachments: attachments.to_vec(),
        }
    }
}
