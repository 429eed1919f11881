//! Error types.
//!
//! Errors are split by who caused them:
//! - [`DecodeError`]: bytes from the peer that do not follow the wire format. The state
//!   machines never hand these to the caller of `handle_input`; they turn them into the
//!   response the protocol requires and an event with the reason.
//! - Local misuse of the API (an unknown handle, a full queue, a value that does not
//!   serialize): one error type per operation, the same type on both sides for the same
//!   operation: [`ConfigError`] (constructors), [`SendError`] (Engine.IO `send`),
//!   [`EmitError`] (emit and broadcast), [`AckError`] (answering an ack),
//!   [`SocketError`] (join, leave, connect, disconnect, close), [`NamespaceError`],
//!   [`AuthError`], [`ArgsError`] (reading received arguments), and
//!   [`InputError`](crate::driver::InputError) (an adapter reusing a live id). The
//!   server's `accept`/`reject` return `AcceptError`, which can hand the request back.

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
    /// The attachments of one binary packet hold more bytes than the configured limit
    /// (`max_attachment_bytes`); the partial packet was dropped.
    #[error("attachments of {size} bytes exceed the limit of {limit}")]
    AttachmentsTooLarge {
        /// Bytes received for the packet so far, this attachment included.
        size: usize,
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

// ----- one error type per operation (both sides use the same type for the same
// operation) -----

/// A configuration was refused by a constructor (`new`, `with_parser`…).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid configuration: {0}")]
#[non_exhaustive]
pub struct ConfigError(pub &'static str);

/// An Engine.IO message could not be queued ([`send`](crate::server::EngineServer)).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SendError {
    /// The session handle names no live session.
    #[error("unknown or closed session")]
    UnknownSession,
    /// The connection is not open (client), or is closing.
    #[error("not connected")]
    NotConnected,
    /// The outgoing queue is at its limit; nothing was queued.
    #[error("outgoing queue full ({limit} packets)")]
    QueueFull {
        /// The limit in packets.
        limit: usize,
    },
    /// The message does not fit the bytes left in the outgoing queue (its byte budget:
    /// `max_queued_bytes`); nothing was queued.
    #[error("outgoing queue full ({limit} bytes)")]
    QueueBytesFull {
        /// The limit in bytes.
        limit: usize,
    },
}

/// An event could not be emitted or broadcast (`emit`, `emit_volatile`,
/// `emit_with_ack`, `broadcast`, `broadcast_with_ack`), on either side.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EmitError {
    /// The socket handle names no live socket.
    #[error("unknown or disconnected socket")]
    UnknownSocket,
    /// The namespace does not exist (broadcast).
    #[error("unknown namespace {0:?}")]
    UnknownNamespace(String),
    /// The event name is reserved by the protocol (`connect`, `disconnect`, …).
    #[error("reserved event name {0:?}")]
    ReservedEventName(String),
    /// The arguments could not be serialized (they must form a sequence).
    #[error("cannot serialize: {0}")]
    Serialize(String),
    /// The outgoing queue (or the offline buffer) is at its limit; nothing was queued.
    #[error("outgoing queue full ({limit} packets)")]
    QueueFull {
        /// The limit.
        limit: usize,
    },
    /// The packet does not fit the bytes left in the outgoing queue (or the offline
    /// buffer); nothing was queued.
    #[error("outgoing queue full ({limit} bytes)")]
    QueueBytesFull {
        /// The limit in bytes.
        limit: usize,
    },
    /// `max_pending_acks` acknowledgements are awaited already; nothing was sent.
    #[error("too many pending acks ({limit})")]
    TooManyPendingAcks {
        /// The limit.
        limit: usize,
    },
}

/// An [`AckRequest`](crate::transport::AckRequest) could not be answered (`ack`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AckError {
    /// The socket is gone, or reconnected since the request: the peer forgot it.
    #[error("the socket that asked is gone")]
    Stale,
    /// The arguments could not be serialized.
    #[error("cannot serialize: {0}")]
    Serialize(String),
    /// The outgoing queue is at its limit; nothing was queued.
    #[error("outgoing queue full ({limit} packets)")]
    QueueFull {
        /// The limit.
        limit: usize,
    },
    /// The answer does not fit the bytes left in the outgoing queue; nothing was queued.
    #[error("outgoing queue full ({limit} bytes)")]
    QueueBytesFull {
        /// The limit in bytes.
        limit: usize,
    },
}

/// An operation on a socket handle (`join`, `leave`, `disconnect`, `connect`, …) failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SocketError {
    /// The socket handle names no live socket.
    #[error("unknown or disconnected socket")]
    UnknownSocket,
    /// The session handle names no live session.
    #[error("unknown or closed session")]
    UnknownSession,
    /// The core was shut down or closed.
    #[error("closed")]
    Closed,
}

/// A namespace could not be registered or opened (`register_namespace`, `socket`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NamespaceError {
    /// The name is not a namespace (it must start with `/` and hold no `,`).
    #[error("invalid namespace {0:?}")]
    Invalid(String),
    /// The limit on namespaces is reached.
    #[error("too many namespaces ({limit})")]
    TooMany {
        /// The limit.
        limit: usize,
    },
    /// The `auth` payload given with the namespace was refused (client `socket`).
    #[error("{0}")]
    Auth(AuthError),
}

/// The `auth` payload of a CONNECT was refused (`socket`, `set_auth`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// `auth` must serialize to a JSON object.
    #[error("auth must be an object")]
    NotAnObject,
    /// It could not be serialized.
    #[error("cannot serialize: {0}")]
    Serialize(String),
    /// The namespace of the CONNECT is not one (it must start with `/` and hold no `,`).
    #[error("invalid namespace {0:?}")]
    InvalidNamespace(String),
    /// The socket handle names no socket of this client (`set_auth`).
    #[error("unknown socket")]
    UnknownSocket,
}

/// Received arguments could not be read as the requested type (`Args::deserialize`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot deserialize: {0}")]
#[non_exhaustive]
pub struct ArgsError(pub String);

impl From<SendError> for EmitError {
    fn from(e: SendError) -> Self {
        match e {
            SendError::QueueFull { limit } => EmitError::QueueFull { limit },
            SendError::QueueBytesFull { limit } => EmitError::QueueBytesFull { limit },
            SendError::UnknownSession | SendError::NotConnected => EmitError::UnknownSocket,
        }
    }
}

impl From<SendError> for AckError {
    fn from(e: SendError) -> Self {
        match e {
            SendError::QueueFull { limit } => AckError::QueueFull { limit },
            SendError::QueueBytesFull { limit } => AckError::QueueBytesFull { limit },
            SendError::UnknownSession | SendError::NotConnected => AckError::Stale,
        }
    }
}

impl From<EmitError> for AckError {
    fn from(e: EmitError) -> Self {
        match e {
            EmitError::QueueFull { limit } => AckError::QueueFull { limit },
            EmitError::QueueBytesFull { limit } => AckError::QueueBytesFull { limit },
            EmitError::Serialize(s) => AckError::Serialize(s),
            EmitError::ReservedEventName(s) | EmitError::UnknownNamespace(s) => {
                AckError::Serialize(s)
            }
            EmitError::UnknownSocket | EmitError::TooManyPendingAcks { .. } => AckError::Stale,
        }
    }
}
