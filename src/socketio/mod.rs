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
//! after which the connection must be closed. Local misuse (a namespace not starting
//! with `/`, a reserved event name, arguments that do not serialize as a sequence) is a
//! [`crate::Error`].

#[cfg(feature = "arbitrary")]
mod arbitrary;
mod args;
mod binary;
mod decode;
mod encode;
mod packet;
mod scan;
mod ser;
mod value;

pub use args::Args;
pub use binary::PLACEHOLDER_KEY;
pub use decode::{decode_packet, Decoder, DecoderConfig, DEFAULT_MAX_ATTACHMENTS, MAX_DEPTH};
pub use encode::{encode_ack, encode_event, Encoded};
pub(crate) use encode::{encode_ack_message, encode_event_message, MessageFrame};
pub use packet::{
    is_reserved_event, ConnectErrorInfo, Packet, PacketData, PacketType, MAIN_NAMESPACE,
    RESERVED_EVENTS,
};
pub use value::Value;

/// Testing hooks: the decoder's serde-free fast paths beside the `serde_json` reference
/// they must agree with, for the fuzz targets. Not a stable API.
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
        super::decode::fast_path_agrees(json)
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
