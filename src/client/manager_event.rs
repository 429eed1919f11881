//! The values the [`Manager`](super::Manager) hands to the application: socket handles,
//! events, disconnect reasons, and the token to answer the server's ack requests.

use super::engine::CloseReason;
use crate::socketio::Args;
use std::fmt;

/// A Socket.IO client socket: one namespace on the shared connection. Small, `Copy`,
/// valid for the lifetime of its [`Manager`](super::Manager).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SocketId(pub(crate) u32);

impl SocketId {
    /// The raw index (for logs and maps in adapters).
    pub fn as_u32(self) -> u32 {
        self.0
    }
}

impl fmt::Display for SocketId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "socket{}", self.0)
    }
}

/// Why a socket was disconnected (the strings of the JS client's `disconnect` event).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DisconnectReason {
    /// The server disconnected the socket (a DISCONNECT packet); no reconnection.
    IoServerDisconnect,
    /// The application called [`Manager::disconnect`](super::Manager::disconnect).
    IoClientDisconnect,
    /// The server stopped sending pings.
    PingTimeout,
    /// The server closed the connection.
    TransportClose,
    /// The connection failed (network error, HTTP error).
    TransportError,
    /// The server sent something that does not decode.
    ParseError,
    /// The application closed the whole manager with [`Manager::close`](super::Manager::close).
    ForcedClose,
}

impl DisconnectReason {
    /// `"io server disconnect"`, `"io client disconnect"`, `"ping timeout"`,
    /// `"transport close"`, `"transport error"`, `"parse error"` or `"forced close"`.
    pub fn as_str(self) -> &'static str {
        match self {
            DisconnectReason::IoServerDisconnect => "io server disconnect",
            DisconnectReason::IoClientDisconnect => "io client disconnect",
            DisconnectReason::PingTimeout => "ping timeout",
            DisconnectReason::TransportClose => "transport close",
            DisconnectReason::TransportError => "transport error",
            DisconnectReason::ParseError => "parse error",
            DisconnectReason::ForcedClose => "forced close",
        }
    }

    /// Whether the manager reconnects after a disconnection for this reason (if
    /// reconnection is enabled): not after a server disconnect or a local one.
    pub fn reconnects(self) -> bool {
        !matches!(
            self,
            DisconnectReason::IoServerDisconnect
                | DisconnectReason::IoClientDisconnect
                | DisconnectReason::ForcedClose
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
        }
    }
}

impl fmt::Display for DisconnectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a connection attempt failed before the Engine.IO handshake completed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OpenError {
    /// No handshake within [`ManagerConfig::timeout`](super::ManagerConfig::timeout).
    Timeout,
    /// The Engine.IO client gave up (connection refused, HTTP error…).
    Engine(CloseReason),
}

impl fmt::Display for OpenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OpenError::Timeout => f.write_str("timeout"),
            OpenError::Engine(r) => f.write_str(r.as_str()),
        }
    }
}

/// The server asked for an acknowledgement of an event. Answer it (once: the token is
/// consumed) with [`Manager::ack`](super::Manager::ack), or drop it.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct AckRequest {
    pub(crate) socket: SocketId,
    pub(crate) id: u64,
    /// Which connection of the socket the request came on: a reply after a reconnect is
    /// refused, the server has forgotten the request.
    pub(crate) session: u64,
}

impl AckRequest {
    /// The socket the event arrived on.
    pub fn socket(&self) -> SocketId {
        self.socket
    }

    /// The ack id the server chose.
    pub fn id(&self) -> u64 {
        self.id
    }
}

/// What happened, drained with [`Manager::poll_event`](super::Manager::poll_event).
#[derive(Debug, PartialEq)]
pub enum ClientEvent {
    /// The Engine.IO connection is open (the JS manager's `open`).
    Open,
    /// The Engine.IO connection closed (the JS manager's `close`).
    Close {
        /// Why.
        reason: DisconnectReason,
    },
    /// The first connection attempt failed (the JS manager's `error`); reconnection
    /// follows if enabled.
    OpenError {
        /// Why.
        error: OpenError,
    },
    /// A reconnection attempt starts now (`attempt` counts from 1).
    ReconnectAttempt {
        /// The attempt number.
        attempt: u32,
    },
    /// A reconnection attempt succeeded after `attempt` attempts.
    Reconnected {
        /// The attempt number.
        attempt: u32,
    },
    /// A reconnection attempt failed; another follows after the back-off delay.
    ReconnectError {
        /// Why.
        error: OpenError,
    },
    /// [`reconnection_attempts`](super::ManagerConfig::reconnection_attempts) attempts
    /// failed; the manager stops trying.
    ReconnectFailed,
    /// The server accepted the socket into its namespace.
    Connected {
        /// The socket.
        socket: SocketId,
        /// The socket id the server assigned (not the Engine.IO sid).
        sid: String,
    },
    /// The server refused the namespace connection (CONNECT_ERROR). The socket is no
    /// longer active: call [`Manager::connect`](super::Manager::connect) to try again.
    ConnectError {
        /// The socket.
        socket: SocketId,
        /// The error message.
        message: String,
        /// The extra data, if any.
        data: Option<serde_json::Value>,
    },
    /// An event from the server.
    Event {
        /// The socket (namespace) it arrived on.
        socket: SocketId,
        /// The event name.
        event: String,
        /// The arguments after the name; deserialize with [`Args::deserialize`].
        args: Args,
        /// Present when the server wants an acknowledgement.
        ack: Option<AckRequest>,
    },
    /// The server answered an `emit_with_ack`.
    Ack {
        /// The socket.
        socket: SocketId,
        /// The id `emit_with_ack` returned.
        id: u64,
        /// The reply's arguments.
        args: Args,
    },
    /// No answer within the timeout given to `emit_with_ack`.
    AckTimeout {
        /// The socket.
        socket: SocketId,
        /// The id `emit_with_ack` returned.
        id: u64,
    },
    /// The socket disconnected before the answer came (the packet had been sent, so it
    /// will not be answered; the JS client's "socket has been disconnected" error).
    AckCancelled {
        /// The socket.
        socket: SocketId,
        /// The id `emit_with_ack` returned.
        id: u64,
    },
    /// The socket is no longer connected to its namespace. Only sockets that were
    /// connected get it (a socket still waiting for its CONNECT reply does not).
    Disconnected {
        /// The socket.
        socket: SocketId,
        /// Why.
        reason: DisconnectReason,
    },
}
