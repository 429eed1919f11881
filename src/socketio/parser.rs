//! The parser seam: how packets become Engine.IO messages and back, whatever the
//! encoding (JSON text frames today, msgpack binary frames later).
//!
//! See the [module docs](super) for how a state machine uses it.

use super::decode::{Decoder, DecoderConfig};
use super::encode::{encode_ack_message, encode_event_message, MessageFrame};
use super::packet::Packet;
use crate::engineio::Message;
use crate::error::{AuthError, DecodeError, EmitError};
use bytes::Bytes;
use serde::Serialize;
use std::fmt;

/// One encoded packet, as the Engine.IO messages that carry it, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Frames {
    /// A text message then binary attachments (the JSON parser). The text already has
    /// the Engine.IO message type `4` in front, written in the same buffer as the
    /// packet, so a server can queue it as is.
    Text(MessageFrame),
    /// One binary message holding the whole packet (a msgpack-style parser: binary data
    /// inside the packet, no attachments).
    Binary(Bytes),
}

impl Frames {
    /// How many Engine.IO messages this is (to check queue room before sending any:
    /// a packet goes out whole or not at all).
    pub fn len(&self) -> usize {
        match self {
            Frames::Text(m) => 1 + m.attachments.len(),
            Frames::Binary(_) => 1,
        }
    }

    /// Always `false`: a packet is at least one message.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The messages as Engine.IO [`Message`]s (text without the `4` in front: a
    /// zero-copy slice of the frame), for a sender that writes the type itself (the
    /// client engine).
    pub fn into_messages(self) -> impl Iterator<Item = Message> {
        let (first, rest) = match self {
            Frames::Text(MessageFrame { frame, attachments }) => {
                let text = frame.slice(1..frame.len()).unwrap_or_default();
                (Message::Text(text), attachments)
            }
            Frames::Binary(b) => (Message::Binary(b), Vec::new()),
        };
        std::iter::once(first).chain(rest.into_iter().map(Message::Binary))
    }
}

impl From<MessageFrame> for Frames {
    #[inline]
    fn from(m: MessageFrame) -> Self {
        Frames::Text(m)
    }
}

/// A Socket.IO packet encoding: it encodes what the state machines send and makes the
/// per-connection [`PacketDecoder`]s for what they receive.
///
/// The state machines hold a parser by value, generic over `P: Parser` with
/// [`JsonParser`] as the default, not a `Box<dyn Parser>`:
/// - the encode methods are generic over `T: Serialize`, so arguments stream straight
///   into the frame buffer; a trait object cannot have generic methods and would need
///   a type-erased serializer (a virtual call per serialized value) or an intermediate
///   value tree (a second copy of every argument);
/// - decoding is the hot path of every received message: with a generic the JSON
///   decoder's calls are direct and inlined, exactly today's code;
/// - the parser is picked once per server or client, at construction, so the generic
///   parameter costs nothing at run time.
///
/// Every method returns the whole packet or an error, never part of one. Namespace
/// checks are the parser's (a namespace must start with `/` and hold no `,`).
pub trait Parser: fmt::Debug + Clone + Default + Send + Sync + 'static {
    /// The decoder of one connection's incoming messages.
    type Decoder: PacketDecoder;

    /// A fresh decoder for one connection, with these limits.
    fn decoder(&self, config: DecoderConfig) -> Self::Decoder;

    /// EVENT `name` with `args` (which must serialize as a sequence: a tuple, array or
    /// `Vec`, `()` for none), asking for an ack when `id` is given.
    ///
    /// Errors: [`EmitError::UnknownNamespace`] (not a namespace),
    /// [`EmitError::ReservedEventName`], [`EmitError::Serialize`].
    fn encode_event<T: Serialize + ?Sized>(
        &self,
        nsp: &str,
        name: &str,
        id: Option<u64>,
        args: &T,
    ) -> Result<Frames, EmitError>;

    /// ACK answering ack id `id` with `args` (a sequence, `()` for none).
    ///
    /// Errors: [`EmitError::UnknownNamespace`], [`EmitError::Serialize`].
    fn encode_ack<T: Serialize + ?Sized>(
        &self,
        nsp: &str,
        id: u64,
        args: &T,
    ) -> Result<Frames, EmitError>;

    /// CONNECT from a client, with its auth payload (an object) if any.
    ///
    /// Errors: [`AuthError::NotAnObject`], [`AuthError::Serialize`],
    /// [`AuthError::InvalidNamespace`].
    fn encode_connect<T: Serialize + ?Sized>(
        &self,
        nsp: &str,
        auth: Option<&T>,
    ) -> Result<Frames, AuthError>;

    /// CONNECT from the server accepting a client: `{"sid": sid}`.
    ///
    /// Errors: [`EmitError::UnknownNamespace`].
    fn encode_connect_ok(&self, nsp: &str, sid: &str) -> Result<Frames, EmitError>;

    /// CONNECT_ERROR `{"message": message, "data": data}` (`data` left out when `None`).
    ///
    /// Errors: [`EmitError::UnknownNamespace`], [`EmitError::Serialize`] (`data`).
    fn encode_connect_error<T: Serialize + ?Sized>(
        &self,
        nsp: &str,
        message: &str,
        data: Option<&T>,
    ) -> Result<Frames, EmitError>;

    /// DISCONNECT.
    ///
    /// Errors: [`EmitError::UnknownNamespace`].
    fn encode_disconnect(&self, nsp: &str) -> Result<Frames, EmitError>;
}

/// The decoder of one connection: fed every Engine.IO message in order, it yields the
/// packets. After an error the connection must be closed (the decoder drops any
/// partial packet).
pub trait PacketDecoder: fmt::Debug + Send {
    /// Decodes one Engine.IO message: `Ok(None)` while a packet still waits for more
    /// messages (binary attachments), `Ok(Some(packet))` once it is whole.
    fn decode(&mut self, msg: Message) -> Result<Option<Packet>, DecodeError>;

    /// Whether a packet is partly received (a state machine that shares one decoder
    /// between idle connections must give this one its own).
    fn is_waiting(&self) -> bool;

    /// Drops any partial packet.
    fn reset(&mut self);

    /// Bytes held for the packet partly received (its attachments so far), for limits
    /// and leak checks; 0 when nothing waits. A decoder must keep this within its
    /// [`DecoderConfig::max_attachment_bytes`].
    fn pending_bytes(&self) -> usize {
        0
    }
}

/// The default parser, the official `socket.io-parser`: a packet is one text frame
/// `<type>[<n>-][<nsp>,][<id>][<json>]`, binary values become placeholders and follow
/// as `n` binary attachments. Its decoder is [`Decoder`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JsonParser;

impl Parser for JsonParser {
    type Decoder = Decoder;

    #[inline]
    fn decoder(&self, config: DecoderConfig) -> Decoder {
        Decoder::new(config)
    }

    #[inline]
    fn encode_event<T: Serialize + ?Sized>(
        &self,
        nsp: &str,
        name: &str,
        id: Option<u64>,
        args: &T,
    ) -> Result<Frames, EmitError> {
        encode_event_message(nsp, name, id, args).map(Frames::Text)
    }

    #[inline]
    fn encode_ack<T: Serialize + ?Sized>(
        &self,
        nsp: &str,
        id: u64,
        args: &T,
    ) -> Result<Frames, EmitError> {
        encode_ack_message(nsp, id, args).map(Frames::Text)
    }

    fn encode_connect<T: Serialize + ?Sized>(
        &self,
        nsp: &str,
        auth: Option<&T>,
    ) -> Result<Frames, AuthError> {
        Ok(Frames::Text(Packet::connect(nsp, auth)?.encode_message()))
    }

    fn encode_connect_ok(&self, nsp: &str, sid: &str) -> Result<Frames, EmitError> {
        Ok(Frames::Text(Packet::connect_ok(nsp, sid)?.encode_message()))
    }

    fn encode_connect_error<T: Serialize + ?Sized>(
        &self,
        nsp: &str,
        message: &str,
        data: Option<&T>,
    ) -> Result<Frames, EmitError> {
        let packet = Packet::connect_error(nsp, message, data)?;
        Ok(Frames::Text(packet.encode_message()))
    }

    fn encode_disconnect(&self, nsp: &str) -> Result<Frames, EmitError> {
        Ok(Frames::Text(Packet::disconnect(nsp)?.encode_message()))
    }
}

impl PacketDecoder for Decoder {
    #[inline]
    fn decode(&mut self, msg: Message) -> Result<Option<Packet>, DecodeError> {
        match msg {
            Message::Text(t) => self.decode_text(&t),
            Message::Binary(b) => self.decode_binary(b),
        }
    }

    #[inline]
    fn is_waiting(&self) -> bool {
        Decoder::is_waiting(self)
    }

    #[inline]
    fn reset(&mut self) {
        Decoder::reset(self);
    }

    #[inline]
    fn pending_bytes(&self) -> usize {
        Decoder::pending_bytes(self)
    }
}

#[cfg(test)]
#[path = "parser_tests.rs"]
mod tests;
