//! Socket.IO v5 wire format.
//!
//! A packet is `<type>[<attachments>-][<nsp>,][<ack id>][<json>]`, carried in one
//! Engine.IO text message; a BINARY_EVENT/BINARY_ACK is followed by one Engine.IO binary
//! message per attachment.
//!
//! - Receive: feed every Engine.IO message to a [`Decoder`]; it yields [`Packet`]s whose
//!   arguments ([`Args`]) stay JSON text until you deserialize them into your own type.
//! - Send: build a [`Packet`] (`Packet::event`, `Packet::ack`, `Packet::connect`...) and
//!   [`encode`](Packet::encode) it, or stream arguments straight into a frame with
//!   [`encode_event`] / [`encode_ack`]. Binary values anywhere in the arguments
//!   ([`Value::Binary`], or any `serialize_bytes`) become attachments.

#[cfg(feature = "arbitrary")]
mod arbitrary;
mod args;
mod binary;
mod decode;
mod encode;
mod packet;
mod ser;
mod value;

pub use args::Args;
pub use binary::PLACEHOLDER_KEY;
pub use decode::{decode_packet, Decoder, DecoderConfig, DEFAULT_MAX_ATTACHMENTS, MAX_DEPTH};
pub use encode::{encode_ack, encode_event, Encoded};
pub use packet::{
    is_reserved_event, ConnectErrorInfo, Packet, PacketData, PacketType, MAIN_NAMESPACE,
    RESERVED_EVENTS,
};
pub use value::Value;
