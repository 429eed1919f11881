//! Socket.IO v5 wire format.
//!
//! A packet is `<type>[<attachments>-][<nsp>,][<ack id>][<json>]`, carried in one
//! Engine.IO text message; a BINARY_EVENT/BINARY_ACK is followed by one Engine.IO binary
//! message per attachment, and binary values in the JSON are replaced by
//! `{"_placeholder":true,"num":N}`.
//!
//! - Receive: feed every Engine.IO message to a [`Decoder`] (`decode_text` /
//!   `decode_binary`); it yields [`Packet`]s. An EVENT is validated in one scan of its
//!   JSON and its [`Args`] stay a zero-copy slice of the frame until you call
//!   [`Args::deserialize`] into your own type or [`Args::to_values`]. A decoder made with
//!   [`Decoder::with_values`] instead parses the arguments into [`Value`]s during that
//!   one pass ([`Args::values`]). Binary placeholders are checked in a streaming pass;
//!   attachments arrive as the received [`bytes::Bytes`], never copied.
//! - Send: build a [`Packet`] (`Packet::connect`, `connect_ok`, `connect_error`,
//!   `disconnect`, `event`, `event_with_ack`, `ack`) and [`encode`](Packet::encode) it
//!   into an [`Encoded`] (text + attachments), or stream any `T: Serialize` straight
//!   into a frame with [`encode_event`] / [`encode_ack`]. Binary values anywhere in the
//!   arguments ([`Value::Binary`], or anything serialized with `serialize_bytes`) become
//!   attachments; a `Value::Binary` is shared, not copied.
//!
//! Peer input never panics: malformed packets are [`DecodeError`](crate::DecodeError)s,
//! after which the connection must be closed. Local misuse is an error of the operation:
//! [`EmitError`](crate::error::EmitError) for events, acks and the other packets (a
//! namespace not starting with `/`, a reserved event name, arguments that do not
//! serialize as a sequence), [`AuthError`](crate::error::AuthError) for a CONNECT's auth,
//! [`ArgsError`](crate::error::ArgsError) when received arguments do not deserialize.
//!
//! # The parser seam
//!
//! The encoding is pluggable: a [`Parser`] encodes what a state machine sends into
//! [`Frames`] and makes one [`PacketDecoder`] per connection for what it receives.
//! [`JsonParser`] (the official `socket.io-parser`, the code above) is the default; a
//! msgpack parser (packets as one binary message each, binary data native, no
//! attachments) plugs in as another `P: Parser` without changing the state machines.
//! A state machine uses it like this:
//!
//! ```
//! use socketio_proto::engineio::Message;
//! use socketio_proto::socketio::{
//!     DecoderConfig, Frames, JsonParser, PacketDecoder, PacketData, Parser,
//! };
//!
//! // Generic over the parser, `JsonParser` by default; the parser is a plain value.
//! struct Machine<P: Parser = JsonParser> {
//!     parser: P,
//!     /// One decoder per connection (`P::Decoder`), made by the parser.
//!     decoder: P::Decoder,
//!     /// What would go to the Engine.IO layer.
//!     sent: Vec<Message>,
//! }
//!
//! impl<P: Parser> Machine<P> {
//!     fn new(parser: P) -> Self {
//!         let decoder = parser.decoder(DecoderConfig::default());
//!         Machine { parser, decoder, sent: Vec::new() }
//!     }
//!
//!     /// Sending: every packet goes through the parser, which returns its messages.
//!     /// Check queue room for `frames.len()` messages first: all or nothing.
//!     fn emit(&mut self, event: &str, args: &impl serde::Serialize) {
//!         match self.parser.encode_event("/", event, None, args) {
//!             // A server queues the `"4"`-prefixed frame as is (no copy); a client
//!             // sends `into_messages()` (the same bytes, sliced).
//!             Ok(frames) => self.sent.extend(frames.into_messages()),
//!             Err(e) => eprintln!("not sent: {e}"), // an EmitError for the caller
//!         }
//!     }
//!
//!     /// Receiving: every Engine.IO message of the connection, text or binary, in order.
//!     fn on_message(&mut self, msg: Message) {
//!         match self.decoder.decode(msg) {
//!             Ok(Some(packet)) => {
//!                 if let PacketData::Event { name, args } = &packet.data {
//!                     let (n,): (u32,) = args.deserialize().unwrap();
//!                     println!("{name}: {n}");
//!                 }
//!             }
//!             Ok(None) => {} // waiting for attachments (`is_waiting()`)
//!             Err(_) => self.decoder.reset(), // and close the connection
//!         }
//!     }
//! }
//!
//! let mut m = Machine::new(JsonParser);
//! m.emit("count", &(1,));
//! assert_eq!(m.sent, [Message::Text("2[\"count\",1]".into())]);
//! let echo = m.sent.pop().unwrap();
//! m.on_message(echo);
//! # let _ = Frames::Binary(bytes::Bytes::new());
//! ```

#[cfg(feature = "arbitrary")]
mod arbitrary;
mod args;
mod binary;
mod decode;
mod encode;
mod packet;
mod parser;
mod payload;
mod scan;
mod ser;
mod value;

pub use args::Args;
pub use binary::PLACEHOLDER_KEY;
pub use decode::{
    decode_packet, Decoder, DecoderConfig, DEFAULT_MAX_ATTACHMENTS, DEFAULT_MAX_ATTACHMENT_BYTES,
    MAX_DEPTH,
};
pub use encode::{encode_ack, encode_event, Encoded, MessageFrame};
pub use packet::{
    is_reserved_event, ConnectErrorInfo, Packet, PacketData, PacketType, MAIN_NAMESPACE,
    RESERVED_EVENTS,
};
pub use parser::{Frames, JsonParser, PacketDecoder, Parser};
pub use value::Value;

/// Testing hooks: the decoder's serde-free fast paths beside the `serde_json` reference
/// they must agree with, for the fuzz targets. Hidden: not part of the public API.
#[doc(hidden)]
pub mod fuzz_hooks {
    /// Whether the skip-scanner accepts `json` as one JSON value (it must accept exactly
    /// what `serde_json::from_slice::<IgnoredAny>` accepts).
    pub fn scan_json(json: &[u8]) -> bool {
        super::scan::is_json_starting_with(json, b"")
    }

    /// The reference for [`scan_json`]: `serde_json::from_slice::<IgnoredAny>`.
    pub fn serde_json_accepts(json: &[u8]) -> bool {
        serde_json::from_slice::<serde::de::IgnoredAny>(json).is_ok()
    }

    /// Whether the decoder's fast path, for any packet type, decides on `json` as the
    /// serde_json path does whenever it decides.
    pub fn fast_decode_agrees(json: &str) -> bool {
        super::payload::fast_path_agrees(json)
    }

    /// The fast placeholder check: `true` only if the reference check accepts.
    pub fn placeholders_fast(json: &str, count: usize) -> bool {
        super::binary::check_fast(json.as_bytes(), count)
    }

    /// The reference (serde) placeholder check.
    pub fn placeholders_ok(json: &str, count: usize) -> bool {
        super::binary::check_json_slow(json, count).is_ok()
    }
}
