//! Engine.IO v4 packets: `<type><data>`, types 0 (open) to 6 (noop).
//!
//! Over WebSocket a text frame is one packet in its text form and a binary frame is a
//! binary message (no type byte). Over HTTP long-polling packets are joined into a
//! payload (see [`super::payload`]).

use super::handshake::Handshake;
use crate::error::DecodeError;
use crate::utf8::Utf8Bytes;
use bytes::Bytes;

/// The seven Engine.IO packet types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum PacketType {
    /// `0`: the handshake, sent by the server.
    Open,
    /// `1`: close the session.
    Close,
    /// `2`: ping (the server's heartbeat, or the client's `2probe`).
    Ping,
    /// `3`: pong.
    Pong,
    /// `4`: a message.
    Message,
    /// `5`: complete the upgrade to WebSocket.
    Upgrade,
    /// `6`: no operation (releases a held polling GET during an upgrade).
    Noop,
}

impl PacketType {
    /// The ASCII digit of this type.
    pub fn as_char(self) -> char {
        (b'0' + self as u8) as char
    }

    /// Parses an ASCII digit.
    pub fn from_byte(b: u8) -> Result<Self, DecodeError> {
        Ok(match b {
            b'0' => PacketType::Open,
            b'1' => PacketType::Close,
            b'2' => PacketType::Ping,
            b'3' => PacketType::Pong,
            b'4' => PacketType::Message,
            b'5' => PacketType::Upgrade,
            b'6' => PacketType::Noop,
            other => return Err(DecodeError::UnknownPacketType(other)),
        })
    }
}

/// An Engine.IO message: text or binary.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum Message {
    /// A text message.
    Text(Utf8Bytes),
    /// A binary message.
    Binary(#[cfg_attr(feature = "arbitrary", arbitrary(with = arbitrary_bytes))] Bytes),
}

#[cfg(feature = "arbitrary")]
fn arbitrary_bytes(u: &mut arbitrary::Unstructured<'_>) -> arbitrary::Result<Bytes> {
    Ok(Bytes::from(<Vec<u8> as arbitrary::Arbitrary>::arbitrary(
        u,
    )?))
}

impl Message {
    /// The length of the message data in bytes.
    pub fn len(&self) -> usize {
        match self {
            Message::Text(t) => t.len(),
            Message::Binary(b) => b.len(),
        }
    }

    /// Whether the message data is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// One Engine.IO packet.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum Packet {
    /// `0{json}`: the handshake.
    Open(Handshake),
    /// `1`.
    Close,
    /// `2` or `2probe` (any data is kept as text).
    Ping(Utf8Bytes),
    /// `3` or `3probe`.
    Pong(Utf8Bytes),
    /// `4…` (text) or a binary frame / `b…` polling record.
    Message(Message),
    /// `5`.
    Upgrade,
    /// `6`.
    Noop,
}

/// A WebSocket message, as the adapter receives or sends it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum WsMessage {
    /// A text frame.
    Text(Utf8Bytes),
    /// A binary frame.
    Binary(Bytes),
}

/// The data of a ping or pong probe.
pub const PROBE: &str = "probe";

impl Packet {
    /// A text message packet.
    pub fn text(s: impl Into<Utf8Bytes>) -> Self {
        Packet::Message(Message::Text(s.into()))
    }

    /// A binary message packet.
    pub fn binary(b: impl Into<Bytes>) -> Self {
        Packet::Message(Message::Binary(b.into()))
    }

    /// `2probe`.
    pub fn ping_probe() -> Self {
        Packet::Ping(Utf8Bytes::from_static(PROBE))
    }

    /// `3probe`.
    pub fn pong_probe() -> Self {
        Packet::Pong(Utf8Bytes::from_static(PROBE))
    }

    /// The packet's type.
    pub fn packet_type(&self) -> PacketType {
        match self {
            Packet::Open(_) => PacketType::Open,
            Packet::Close => PacketType::Close,
            Packet::Ping(_) => PacketType::Ping,
            Packet::Pong(_) => PacketType::Pong,
            Packet::Message(_) => PacketType::Message,
            Packet::Upgrade => PacketType::Upgrade,
            Packet::Noop => PacketType::Noop,
        }
    }

    /// Whether this is a binary message (sent as a binary frame / `b` record).
    pub fn is_binary(&self) -> bool {
        matches!(self, Packet::Message(Message::Binary(_)))
    }

    /// Decodes the text form `<type><data>` (a WebSocket text frame or one polling
    /// record that does not start with `b`). Message data is sliced, not copied.
    pub fn decode_text(text: &Utf8Bytes) -> Result<Packet, DecodeError> {
        let bytes = text.as_bytes();
        let first = *bytes.first().ok_or(DecodeError::Empty)?;
        let kind = PacketType::from_byte(first)?;
        // The type is one ASCII byte, so index 1 is a char boundary.
        let data = text.slice(1..bytes.len()).unwrap_or_default();
        Ok(match kind {
            PacketType::Open => {
                let hs: Handshake = serde_json::from_str(&data)
                    .map_err(|e| DecodeError::InvalidHandshake(e.to_string()))?;
                Packet::Open(hs)
            }
            PacketType::Close => no_data(&data, Packet::Close)?,
            PacketType::Ping => Packet::Ping(data),
            PacketType::Pong => Packet::Pong(data),
            PacketType::Message => Packet::Message(Message::Text(data)),
            PacketType::Upgrade => no_data(&data, Packet::Upgrade)?,
            PacketType::Noop => no_data(&data, Packet::Noop)?,
        })
    }

    /// Decodes a WebSocket message: a text frame is a packet in text form; a binary
    /// frame is a binary message.
    pub fn decode_ws(msg: WsMessage) -> Result<Packet, DecodeError> {
        match msg {
            WsMessage::Text(t) => Packet::decode_text(&t),
            WsMessage::Binary(b) => Ok(Packet::Message(Message::Binary(b))),
        }
    }

    /// Appends the text form `<type><data>` to `out`. A binary message is appended as
    /// `b<base64>` (its polling form); use [`Packet::to_ws`] for WebSocket.
    pub fn encode_text_into(&self, out: &mut String) {
        match self {
            Packet::Message(Message::Binary(b)) => {
                out.push('b');
                base64::Engine::encode_string(&base64::engine::general_purpose::STANDARD, b, out);
            }
            Packet::Open(hs) => {
                out.push('0');
                out.push_str(&hs.to_json());
            }
            Packet::Ping(d) | Packet::Pong(d) => {
                out.push(self.packet_type().as_char());
                out.push_str(d);
            }
            Packet::Message(Message::Text(t)) => {
                out.push('4');
                out.push_str(t);
            }
            Packet::Close | Packet::Upgrade | Packet::Noop => {
                out.push(self.packet_type().as_char())
            }
        }
    }

    /// The text form as a new string (see [`Packet::encode_text_into`]).
    pub fn encode_text(&self) -> String {
        let mut s = String::with_capacity(self.encoded_len_hint());
        self.encode_text_into(&mut s);
        s
    }

    /// The WebSocket message for this packet: a binary message is a binary frame of its
    /// raw bytes (shared, not copied); every other packet is a text frame.
    pub fn to_ws(&self) -> WsMessage {
        match self {
            Packet::Message(Message::Binary(b)) => WsMessage::Binary(b.clone()),
            other => WsMessage::Text(Utf8Bytes::from(other.encode_text())),
        }
    }

    /// An estimate of the encoded text length, exact except for the open packet.
    pub fn encoded_len_hint(&self) -> usize {
        match self {
            Packet::Message(Message::Binary(b)) => 1 + b.len().div_ceil(3) * 4,
            Packet::Message(Message::Text(t)) => 1 + t.len(),
            Packet::Ping(d) | Packet::Pong(d) => 1 + d.len(),
            Packet::Open(_) => 128,
            _ => 1,
        }
    }
}

fn no_data(data: &str, packet: Packet) -> Result<Packet, DecodeError> {
    if data.is_empty() {
        Ok(packet)
    } else {
        Err(DecodeError::UnexpectedData)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(s: &'static str) -> Result<Packet, DecodeError> {
        Packet::decode_text(&Utf8Bytes::from_static(s))
    }

    #[test]
    fn decodes_every_type() {
        assert_eq!(dec("1"), Ok(Packet::Close));
        assert_eq!(dec("2"), Ok(Packet::Ping(Utf8Bytes::default())));
        assert_eq!(dec("2probe"), Ok(Packet::ping_probe()));
        assert_eq!(dec("3probe"), Ok(Packet::pong_probe()));
        assert_eq!(dec("4hello"), Ok(Packet::text("hello")));
        assert_eq!(dec("5"), Ok(Packet::Upgrade));
        assert_eq!(dec("6"), Ok(Packet::Noop));
    }

    #[test]
    fn rejects_malformed() {
        assert_eq!(dec(""), Err(DecodeError::Empty));
        assert_eq!(dec("7"), Err(DecodeError::UnknownPacketType(b'7')));
        assert_eq!(dec("1x"), Err(DecodeError::UnexpectedData));
        assert!(matches!(dec("0{"), Err(DecodeError::InvalidHandshake(_))));
    }

    #[test]
    fn binary_ws_frame_is_raw() {
        let p = Packet::binary(Bytes::from_static(&[1, 2, 3]));
        assert_eq!(p.to_ws(), WsMessage::Binary(Bytes::from_static(&[1, 2, 3])));
        assert_eq!(Packet::decode_ws(p.to_ws()), Ok(p));
    }
}
