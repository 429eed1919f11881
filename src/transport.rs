//! The vocabulary both sides share: handles for HTTP requests and WebSocket connections,
//! HTTP requests and responses, transports, close and disconnect reasons, socket handles
//! and the one-shot ack token.
//!
//! The server and the client name the same thing the same way: a [`RequestId`] is one
//! HTTP request (received by the server, issued by the client), a [`ConnId`] one
//! WebSocket connection, an [`HttpRequest`] the same value whichever side builds it.

use bytes::Bytes;
use std::fmt;

/// One HTTP request. On the server the adapter names each request it hands in (any
/// number it has not used for a request still pending, e.g. a counter); on the client
/// the core names the requests it asks for. Small and `Copy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RequestId(u64);

/// One WebSocket connection. On the server the adapter names each upgrade it hands in;
/// on the client the core names the connections it asks for. Small and `Copy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnId(u64);

macro_rules! raw_handle {
    ($ty:ident, $prefix:literal) => {
        impl $ty {
            /// The handle with this number (an adapter's own counter, for example).
            pub const fn new(raw: u64) -> Self {
                $ty(raw)
            }

            /// The raw number (for logs and maps in adapters).
            pub const fn as_u64(self) -> u64 {
                self.0
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!($prefix, "{}"), self.0)
            }
        }
    };
}

raw_handle!(RequestId, "req");
raw_handle!(ConnId, "ws");

/// The HTTP method of a request, as far as Engine.IO cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum Method {
    /// `GET`: handshake or long poll.
    Get,
    /// `POST`: packets for the peer.
    Post,
    /// `OPTIONS`: CORS preflight.
    Options,
    /// Any other method.
    Other,
}

impl Method {
    /// Maps a method name (case-sensitive, as HTTP requires).
    pub fn parse(name: &str) -> Method {
        match name {
            "GET" => Method::Get,
            "POST" => Method::Post,
            "OPTIONS" => Method::Options,
            _ => Method::Other,
        }
    }

    /// `"GET"`, `"POST"`, `"OPTIONS"`, or `"OTHER"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Options => "OPTIONS",
            Method::Other => "OTHER",
        }
    }
}

/// An HTTP request: the parts Engine.IO looks at. The server's adapter builds one from
/// what arrived (with the whole body read: it stops reading at `max_payload + 1` bytes
/// and passes what it has; a longer body is answered `413`); the client's core builds
/// one for its adapter to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// The method.
    pub method: Method,
    /// Path and query, e.g. `/engine.io/?EIO=4&transport=polling&sid=…`.
    pub uri: String,
    /// The `Origin` header, if any.
    pub origin: Option<String>,
    /// The `Content-Type` header, if any.
    pub content_type: Option<String>,
    /// The body (empty for GET).
    pub body: Bytes,
}

impl HttpRequest {
    /// A `GET` with no headers of interest.
    pub fn get(uri: impl Into<String>) -> Self {
        HttpRequest {
            method: Method::Get,
            uri: uri.into(),
            origin: None,
            content_type: None,
            body: Bytes::new(),
        }
    }

    /// A `POST` of `body` with `Content-Type: text/plain;charset=UTF-8`.
    pub fn post(uri: impl Into<String>, body: impl Into<Bytes>) -> Self {
        HttpRequest {
            method: Method::Post,
            uri: uri.into(),
            origin: None,
            content_type: Some("text/plain;charset=UTF-8".into()),
            body: body.into(),
        }
    }

    /// The same request with another method.
    pub fn with_method(mut self, method: Method) -> Self {
        self.method = method;
        self
    }

    /// The same request with an `Origin` header.
    pub fn with_origin(mut self, origin: impl Into<String>) -> Self {
        self.origin = Some(origin.into());
        self
    }
}

/// An HTTP response. The server's core builds one for its adapter to write (the adapter
/// adds `Content-Length` from `body` and whatever framing its HTTP library needs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// The status code.
    pub status: u16,
    /// Headers, in order.
    pub headers: Vec<(&'static str, String)>,
    /// The body.
    pub body: Bytes,
}

impl HttpResponse {
    /// The value of the first header named `name` (ASCII case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// An Engine.IO transport.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Transport {
    /// HTTP long-polling.
    Polling,
    /// WebSocket.
    WebSocket,
}

impl Transport {
    /// `"polling"` or `"websocket"` (the `transport` query value).
    pub fn as_str(self) -> &'static str {
        match self {
            Transport::Polling => "polling",
            Transport::WebSocket => "websocket",
        }
    }
}

/// Why an Engine.IO session ended, on either side (the official reason strings).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CloseReason {
    /// The peer closed: a close packet, or its WebSocket went away.
    TransportClose,
    /// The transport failed: a network error, an HTTP error status, overlapping polls,
    /// an aborted poll, a request timeout.
    TransportError,
    /// No heartbeat within the allowed time.
    PingTimeout,
    /// The peer sent something that does not decode, or a packet it may not send.
    ParseError,
    /// The local application closed the session.
    ForcedClose,
    /// The local application shut the server down.
    ServerShutdown,
    /// Server side: the session stayed over its outgoing byte or packet budget for
    /// longer than the grace period (a client that does not read what is sent to it).
    SlowConsumer,
}

impl CloseReason {
    /// `"transport close"`, `"transport error"`, `"ping timeout"`, `"parse error"`,
    /// `"forced close"`, `"server shutdown"` or `"slow consumer"`.
    pub fn as_str(self) -> &'static str {
        match self {
            CloseReason::TransportClose => "transport close",
            CloseReason::TransportError => "transport error",
            CloseReason::PingTimeout => "ping timeout",
            CloseReason::ParseError => "parse error",
            CloseReason::ForcedClose => "forced close",
            CloseReason::ServerShutdown => "server shutdown",
            CloseReason::SlowConsumer => "slow consumer",
        }
    }
}

impl fmt::Display for CloseReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a Socket.IO socket left its namespace, on either side (the official strings).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DisconnectReason {
    /// Server side: the client sent a DISCONNECT for this namespace.
    ClientNamespaceDisconnect,
    /// Server side: the application disconnected the socket.
    ServerNamespaceDisconnect,
    /// Client side: the server sent a DISCONNECT (no reconnection follows).
    IoServerDisconnect,
    /// Client side: the application disconnected the socket.
    IoClientDisconnect,
    /// The peer closed the connection.
    TransportClose,
    /// The transport failed.
    TransportError,
    /// The heartbeat stopped.
    PingTimeout,
    /// The peer sent something invalid; the connection was closed.
    ParseError,
    /// The local application closed the whole connection.
    ForcedClose,
    /// Server side: the application shut the server down.
    ServerShuttingDown,
    /// Server side: the connection stayed over its outgoing budget past the grace period
    /// ([`CloseReason::SlowConsumer`]).
    SlowConsumer,
}

impl DisconnectReason {
    /// The reason string (`"client namespace disconnect"`, `"io server disconnect"`,
    /// `"ping timeout"`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            DisconnectReason::ClientNamespaceDisconnect => "client namespace disconnect",
            DisconnectReason::ServerNamespaceDisconnect => "server namespace disconnect",
            DisconnectReason::IoServerDisconnect => "io server disconnect",
            DisconnectReason::IoClientDisconnect => "io client disconnect",
            DisconnectReason::TransportClose => "transport close",
            DisconnectReason::TransportError => "transport error",
            DisconnectReason::PingTimeout => "ping timeout",
            DisconnectReason::ParseError => "parse error",
            DisconnectReason::ForcedClose => "forced close",
            DisconnectReason::ServerShuttingDown => "server shutting down",
            DisconnectReason::SlowConsumer => "slow consumer",
        }
    }

    /// Whether a client reconnects after a disconnection for this reason (if
    /// reconnection is enabled): not after a server disconnect or a local one.
    pub fn reconnects(self) -> bool {
        !matches!(
            self,
            DisconnectReason::IoServerDisconnect
                | DisconnectReason::IoClientDisconnect
                | DisconnectReason::ForcedClose
                | DisconnectReason::ServerNamespaceDisconnect
                | DisconnectReason::ClientNamespaceDisconnect
                | DisconnectReason::ServerShuttingDown
        )
    }
}

impl From<CloseReason> for DisconnectReason {
    fn from(r: CloseReason) -> Self {
        match r {
            CloseReason::TransportClose => DisconnectReason::TransportClose,
            CloseReason::TransportError => DisconnectReason::TransportError,
            CloseReason::PingTimeout => DisconnectReason::PingTimeout,
            CloseReason::ParseError => DisconnectReason::ParseError,
            CloseReason::ForcedClose => DisconnectReason::ForcedClose,
            CloseReason::ServerShutdown => DisconnectReason::ServerShuttingDown,
            CloseReason::SlowConsumer => DisconnectReason::SlowConsumer,
        }
    }
}

impl fmt::Display for DisconnectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A Socket.IO socket: one namespace of one connection. Small and `Copy`; a handle of a
/// socket that is gone never names a later socket (its slot carries a generation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SocketId {
    pub(crate) idx: u32,
    pub(crate) gen: u32,
}

impl SocketId {
    /// A raw number for logs and adapter maps (slot and generation).
    pub fn as_u64(self) -> u64 {
        (u64::from(self.gen) << 32) | u64::from(self.idx)
    }
}

impl fmt::Display for SocketId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "socket{}", self.idx)?;
        if self.gen != 0 {
            write!(f, ".{}", self.gen)?;
        }
        Ok(())
    }
}

/// The peer asked for an acknowledgement of an event. Answer it once with the core's
/// `ack(request, args)`, which consumes the token (answering twice does not compile), or
/// drop it. Neither `Copy` nor `Clone`.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct AckRequest {
    pub(crate) socket: SocketId,
    pub(crate) id: u64,
    /// Which connection of the socket the request came on: a reply after a reconnect (or
    /// a later socket in the same slot) is refused, the peer has forgotten the request.
    pub(crate) epoch: u64,
}

impl AckRequest {
    /// The socket the event arrived on.
    pub fn socket(&self) -> SocketId {
        self.socket
    }

    /// The ack id the peer chose.
    pub fn id(&self) -> u64 {
        self.id
    }
}
