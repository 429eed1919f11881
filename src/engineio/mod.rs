//! Engine.IO v4 wire format: packets, polling payloads and the handshake.
//!
//! This layer knows nothing of sessions or transports; it turns bytes into
//! [`Packet`]s and back.

pub mod handshake;
pub mod packet;
pub mod payload;
pub mod version;

pub use handshake::Handshake;
pub use packet::{Message, Packet, PacketType, WsMessage};
pub use payload::{decode_payload, encode_payload, PayloadDecoder};
pub use version::ProtocolVersion;

/// The Engine.IO protocol revision this crate speaks by default (the `EIO` query
/// parameter).
pub const PROTOCOL_VERSION: u8 = 4;
