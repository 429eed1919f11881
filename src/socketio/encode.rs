//! Encoding: a packet becomes one text frame plus its binary attachments.
//!
//! Frames are written into a reused thread-local buffer and copied once into an exactly
//! sized string (see [`with_scratch`]).

use super::args::not_a_sequence;
use super::packet::{is_reserved_event, Packet, PacketData, PacketType, MAIN_NAMESPACE};
use super::ser::{
    finish, push_json_str, push_u64, put_scratch, take_scratch, text_from, with_scratch, write_json,
};
use crate::error::EmitError;
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

/// A packet encoded as Engine.IO messages: `frame` is `"4"` + the packet's text form,
/// written in the same buffer as the packet (no copy to add the prefix), then each of
/// `attachments` goes as a binary message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageFrame {
    /// `"4"` + the packet in text form.
    pub frame: Utf8Bytes,
    /// The binary attachments.
    pub attachments: Vec<Bytes>,
}

/// What goes in front of the packet: nothing ([`Encoded`]) or the Engine.IO message
/// type `4` ([`MessageFrame`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Prefix {
    None,
    Message,
}

impl Prefix {
    fn bytes(self) -> &'static [u8] {
        match self {
            Prefix::None => b"",
            Prefix::Message => b"4",
        }
    }
}

/// Writes `[prefix]<type>[<attachments>-][<nsp>,][<id>]`.
fn write_header(
    out: &mut Vec<u8>,
    prefix: Prefix,
    ty: PacketType,
    attachments: usize,
    nsp: &str,
    id: Option<u64>,
) {
    out.extend_from_slice(prefix.bytes());
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
) -> Result<(), EmitError> {
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
) -> Result<(), EmitError> {
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
) -> Result<(Utf8Bytes, Vec<Bytes>), EmitError> {
    let mut attachments = Vec::new();
    let ((), json) = with_scratch(|out| write_event_body(out, &mut attachments, name, args))?;
    Ok((json, attachments))
}

#[inline]
fn check_nsp(nsp: &str) -> Result<(), EmitError> {
    if nsp == MAIN_NAMESPACE {
        return Ok(());
    }
    if !nsp.starts_with('/') || nsp.contains(',') {
        return Err(EmitError::UnknownNamespace(nsp.to_owned()));
    }
    Ok(())
}

/// Writes a frame whose header depends on the attachment count, known only after the
/// body is serialized: the body goes after a header for zero attachments; in the rare
/// binary case the right header is written after the body and the frame is assembled
/// from the two (still one allocation).
fn frame(
    prefix: Prefix,
    ty: PacketType,
    binary_ty: PacketType,
    nsp: &str,
    id: Option<u64>,
    body: impl FnOnce(&mut Vec<u8>, &mut Vec<Bytes>) -> Result<(), EmitError>,
) -> Result<(Utf8Bytes, Vec<Bytes>), EmitError> {
    let mut attachments = Vec::new();
    let mut out = take_scratch();
    write_header(&mut out, prefix, ty, 0, nsp, id);
    let body_at = out.len();
    let text = match body(&mut out, &mut attachments) {
        Ok(()) if attachments.is_empty() => {
            let len = out.len();
            Ok(finish(&mut out, 0..0, 0..len))
        }
        Ok(()) => {
            let body_end = out.len();
            write_header(&mut out, prefix, binary_ty, attachments.len(), nsp, id);
            let head_end = out.len();
            Ok(finish(&mut out, body_end..head_end, body_at..body_end))
        }
        Err(e) => Err(e),
    };
    put_scratch(out);
    Ok((text?, attachments))
}

/// Encodes an EVENT straight from `args` into the frame buffer, without building a
/// [`Packet`] first: the fast path for emitting. `args` must serialize as a sequence
/// (see [`Packet::event`]); binary values make it a BINARY_EVENT.
pub fn encode_event<T: Serialize + ?Sized>(
    nsp: &str,
    name: &str,
    id: Option<u64>,
    args: &T,
) -> Result<Encoded, EmitError> {
    let (text, attachments) = event_frame(Prefix::None, nsp, name, id, args)?;
    Ok(Encoded { text, attachments })
}

/// [`encode_event`] as an Engine.IO message (`"4"` written in front, in the same buffer).
pub(crate) fn encode_event_message<T: Serialize + ?Sized>(
    nsp: &str,
    name: &str,
    id: Option<u64>,
    args: &T,
) -> Result<MessageFrame, EmitError> {
    let (frame, attachments) = event_frame(Prefix::Message, nsp, name, id, args)?;
    Ok(MessageFrame { frame, attachments })
}

fn event_frame<T: Serialize + ?Sized>(
    prefix: Prefix,
    nsp: &str,
    name: &str,
    id: Option<u64>,
    args: &T,
) -> Result<(Utf8Bytes, Vec<Bytes>), EmitError> {
    check_nsp(nsp)?;
    if is_reserved_event(name) {
        return Err(EmitError::ReservedEventName(name.to_owned()));
    }
    frame(
        prefix,
        PacketType::Event,
        PacketType::BinaryEvent,
        nsp,
        id,
        |out, att| write_event_body(out, att, name, args),
    )
}

/// Encodes an ACK straight from `args` (must serialize as a sequence; `()` for none).
pub fn encode_ack<T: Serialize + ?Sized>(
    nsp: &str,
    id: u64,
    args: &T,
) -> Result<Encoded, EmitError> {
    let (text, attachments) = ack_frame(Prefix::None, nsp, id, args)?;
    Ok(Encoded { text, attachments })
}

/// [`encode_ack`] as an Engine.IO message (`"4"` written in front, in the same buffer).
pub(crate) fn encode_ack_message<T: Serialize + ?Sized>(
    nsp: &str,
    id: u64,
    args: &T,
) -> Result<MessageFrame, EmitError> {
    let (frame, attachments) = ack_frame(Prefix::Message, nsp, id, args)?;
    Ok(MessageFrame { frame, attachments })
}

fn ack_frame<T: Serialize + ?Sized>(
    prefix: Prefix,
    nsp: &str,
    id: u64,
    args: &T,
) -> Result<(Utf8Bytes, Vec<Bytes>), EmitError> {
    check_nsp(nsp)?;
    frame(
        prefix,
        PacketType::Ack,
        PacketType::BinaryAck,
        nsp,
        Some(id),
        |out, att| write_ack_body(out, att, args),
    )
}

/// Decimal digits of `n`.
fn digits(mut n: u64) -> usize {
    let mut d = 1;
    while n >= 10 {
        n /= 10;
        d += 1;
    }
    d
}

impl Packet {
    /// Encodes the packet: the text frame and the attachments (shared, not copied).
    pub fn encode(&self) -> Encoded {
        let (text, attachments) = self.encode_with(Prefix::None);
        Encoded { text, attachments }
    }

    /// [`encode`](Self::encode) as an Engine.IO message (`"4"` + the packet, one buffer).
    pub(crate) fn encode_message(&self) -> MessageFrame {
        let (frame, attachments) = self.encode_with(Prefix::Message);
        MessageFrame { frame, attachments }
    }

    fn encode_with(&self, prefix: Prefix) -> (Utf8Bytes, Vec<Bytes>) {
        let (body, attachments): (&str, &[Bytes]) = match &self.data {
            PacketData::Connect(auth) => (auth.as_deref().unwrap_or(""), &[]),
            PacketData::Disconnect => ("", &[]),
            PacketData::Event { args, .. } | PacketData::Ack(args) => {
                (args.json(), args.attachments())
            }
            PacketData::ConnectError(j) => (j, &[]),
        };
        let ty = self.packet_type();
        let main = &*self.nsp == MAIN_NAMESPACE;
        if main && body.is_empty() && self.id.is_none() {
            // `0` and `1` on the main namespace: no allocation.
            let text = match (ty, prefix) {
                (PacketType::Connect, Prefix::None) => Some("0"),
                (PacketType::Disconnect, Prefix::None) => Some("1"),
                (PacketType::Connect, Prefix::Message) => Some("40"),
                (PacketType::Disconnect, Prefix::Message) => Some("41"),
                _ => None,
            };
            if let Some(text) = text {
                return (Utf8Bytes::from_static(text), Vec::new());
            }
        }
        // The exact size, so that the buffer becomes the string without reallocating.
        let len = prefix.bytes().len()
            + 1
            + if attachments.is_empty() {
                0
            } else {
                digits(attachments.len() as u64) + 1
            }
            + if main { 0 } else { self.nsp.len() + 1 }
            + self.id.map_or(0, digits)
            + body.len();
        let mut out = Vec::with_capacity(len);
        write_header(&mut out, prefix, ty, attachments.len(), &self.nsp, self.id);
        out.extend_from_slice(body.as_bytes());
        debug_assert_eq!(out.len(), len, "exactly sized");
        (text_from(out), attachments.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::socketio::Value;

    fn text(e: &Encoded) -> &str {
        &e.text
    }

    #[test]
    fn packet_encode_headers() {
        let e = |p: Result<Packet, EmitError>| p.unwrap().encode();
        assert_eq!(text(&e(Packet::disconnect("/"))), "1");
        assert_eq!(
            text(&Packet::connect::<()>("/", None).unwrap().encode()),
            "0"
        );
        assert_eq!(text(&e(Packet::disconnect("/chat"))), "1/chat,");
        assert_eq!(
            text(&e(Packet::connect_ok("/chat", "ab"))),
            r#"0/chat,{"sid":"ab"}"#
        );
        assert_eq!(
            text(&e(Packet::event_with_ack("/a", "x", 12345, &(1,)))),
            r#"2/a,12345["x",1]"#
        );
        assert_eq!(text(&e(Packet::ack("/", 7, &()))), "37[]");
        let many: Vec<Value> = (0..12)
            .map(|i| Value::Binary(Bytes::from(vec![i])))
            .collect();
        let p = Packet::event_with_ack("/b", "up", 99, &many)
            .unwrap()
            .encode();
        assert!(text(&p).starts_with(r#"512-/b,99["up",{"_placeholder":true,"num":0},"#));
        assert_eq!(p.attachments.len(), 12);
        assert_eq!(digits(0), 1);
        assert_eq!(digits(9), 1);
        assert_eq!(digits(10), 2);
        assert_eq!(digits(u64::MAX), 20);
    }

    #[test]
    fn message_frames_are_4_then_the_packet() {
        let data = Bytes::from_static(b"\x01\x02");
        let big = "z".repeat(5000);
        let check = |plain: Encoded, framed: MessageFrame| {
            assert_eq!(&*framed.frame, format!("4{}", &*plain.text));
            assert_eq!(framed.attachments, plain.attachments);
        };
        for (nsp, id) in [("/", None), ("/chat", Some(7)), ("/", Some(123))] {
            for args in [
                vec![Value::from(1u64)],
                vec![Value::Binary(data.clone()), Value::from("x")],
                vec![Value::from(big.as_str())],
                vec![Value::from(big.as_str()), Value::Binary(data.clone())],
            ] {
                check(
                    encode_event(nsp, "ev", id, &args).unwrap(),
                    encode_event_message(nsp, "ev", id, &args).unwrap(),
                );
                check(
                    encode_ack(nsp, 5, &args).unwrap(),
                    encode_ack_message(nsp, 5, &args).unwrap(),
                );
                let p = Packet::event_with_ack(nsp, "ev", 9, &args).unwrap();
                check(p.encode(), p.encode_message());
            }
        }
        for p in [
            Packet::connect::<()>("/", None).map_err(|e| EmitError::Serialize(e.to_string())),
            Packet::disconnect("/"),
            Packet::disconnect("/a"),
            Packet::connect_ok("/", "sid"),
            Packet::ack("/", 3, &()),
        ] {
            let p = p.unwrap();
            check(p.encode(), p.encode_message());
        }
        assert_eq!(
            &*Packet::connect::<()>("/", None)
                .unwrap()
                .encode_message()
                .frame,
            "40"
        );
        assert!(encode_event_message("bad", "ev", None, &(1,)).is_err());
        assert!(encode_ack_message("/", 1, &1).is_err());
    }

    #[test]
    fn binary_frames_get_their_header_in_front() {
        let data = Bytes::from_static(b"\x01\x02");
        let e = encode_event("/x", "up", Some(7), &(Value::Binary(data.clone()),)).unwrap();
        assert_eq!(text(&e), r#"51-/x,7["up",{"_placeholder":true,"num":0}]"#);
        assert_eq!(e.attachments, vec![data.clone()]);
        let e = encode_ack("/", 3, &(1, Value::Binary(data.clone()))).unwrap();
        assert_eq!(text(&e), r#"61-3[1,{"_placeholder":true,"num":0}]"#);
        // A frame over the copy limit, with and without attachments.
        let big = "y".repeat(5000);
        let e = encode_event("/", "big", None, &(&big, Value::Binary(data))).unwrap();
        assert_eq!(
            text(&e),
            format!(r#"51-["big","{big}",{{"_placeholder":true,"num":0}}]"#)
        );
        let e = encode_event("/", "big", None, &(&big,)).unwrap();
        assert_eq!(text(&e), format!(r#"2["big","{big}"]"#));
    }
}
