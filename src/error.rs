//! Error types.
//!
//! Errors are split by who caused them:
//! - [`DecodeError`]: bytes from the peer that do not follow the wire format. The state
//!   machines never hand these to the caller of a `handle_*` method; they turn them into
//!   the response the protocol requires and an event with the reason.
//! - [`Error`]: local misuse of the API (an unknown handle, a call in the wrong state).

/// Malformed wire input. Every decoder in this crate returns this on bad input, and never
/// panics.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The input was empty where a packet was expected.
    #[error("empty packet")]
    Empty,
    /// The packet type is not one the protocol defines.
    #[error("unknown packet type {0:?}")]
    UnknownPacketType(u8),
    /// Text that must be UTF-8 was not.
    #[error("invalid UTF-8")]
    InvalidUtf8,
    /// The Engine.IO open packet did not carry a valid handshake object.
    #[error("invalid handshake: {0}")]
    InvalidHandshake(String),
    /// A packet type that carries no data had some.
    #[error("unexpected data after packet type")]
    UnexpectedData,
    /// A `b`-prefixed polling record was not valid base64.
    #[error("invalid base64 in binary record")]
    InvalidBase64,
    /// The payload is larger than the configured `maxPayload`.
    #[error("payload of {size} bytes exceeds the limit of {limit}")]
    PayloadTooLarge {
        /// The size seen so far.
        size: usize,
        /// The configured limit.
        limit: usize,
    },
    /// The Socket.IO attachment count was malformed (missing `-`, not digits, overflow).
    #[error("invalid attachment count")]
    InvalidAttachmentCount,
    /// A binary packet announced zero attachments.
    #[error("binary packet announces zero attachments")]
    ZeroAttachments,
    /// A binary packet announced more attachments than the configured limit.
    #[error("{count} attachments exceed the limit of {limit}")]
    TooManyAttachments {
        /// Announced count.
        count: usize,
        /// Configured limit.
        limit: usize,
    },
    /// The namespace was malformed.
    #[error("invalid namespace")]
    InvalidNamespace,
    /// The ack id was not decimal digits or overflowed `u64`.
    #[error("invalid ack id")]
    InvalidAckId,
    /// The JSON payload was not valid JSON.
    #[error("invalid JSON: {0}")]
    InvalidJson(String),
    /// The JSON was valid, but not of the shape the packet type requires.
    #[error("invalid payload for {packet}: {reason}")]
    InvalidPayload {
        /// Packet type name.
        packet: &'static str,
        /// What rule it broke.
        reason: &'static str,
    },
    /// An event used a name reserved by the protocol (`connect`, `disconnect`, ...).
    #[error("reserved event name {0:?}")]
    ReservedEventName(String),
    /// The JSON nests deeper than the configured limit.
    #[error("JSON nesting exceeds the limit of {0}")]
    TooDeep(usize),
    /// A binary placeholder was malformed: `num` missing, not an integer, out of range,
    /// or used twice; or an attachment was never referenced.
    #[error("invalid binary placeholder: {0}")]
    InvalidPlaceholder(&'static str),
    /// A binary attachment arrived with no binary packet waiting for it.
    #[error("unexpected binary attachment")]
    UnexpectedAttachment,
    /// A text packet arrived while a binary packet was still waiting for attachments.
    #[error("expected a binary attachment, got a text packet")]
    ExpectedAttachment,
}

/// Local misuse of the API: the caller asked for something that cannot be done in the
/// current state. Peer behaviour never produces this.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The session handle does not name a live session.
    #[error("unknown or closed session")]
    UnknownSession,
    /// The socket handle does not name a live socket.
    #[error("unknown or disconnected socket")]
    UnknownSocket,
    /// The request handle does not name a pending request.
    #[error("unknown or already answered request")]
    UnknownRequest,
    /// The operation needs a connection that is not there.
    #[error("not connected")]
    NotConnected,
    /// The outgoing queue of the session is full.
    #[error("outgoing queue full ({0} packets)")]
    QueueFull(usize),
    /// The value could not be serialized.
    #[error("cannot serialize: {0}")]
    Serialize(String),
    /// The value could not be deserialized into the requested type.
    #[error("cannot deserialize: {0}")]
    Deserialize(String),
    /// The event name is reserved by the protocol.
    #[error("reserved event name {0:?}")]
    ReservedEventName(String),
    /// The namespace name is not valid (must start with `/`).
    #[error("invalid namespace {0:?}")]
    InvalidNamespace(String),
    /// An ack was already sent, or no ack was requested.
    #[error("ack already sent or not requested")]
    AckUnavailable,
    /// The configuration is inconsistent.
    #[error("invalid configuration: {0}")]
    InvalidConfig(&'static str),
    /// The state machine was shut down or closed.
    #[error("closed")]
    Closed,
}
