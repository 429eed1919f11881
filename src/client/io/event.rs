//! What the [`Manager`](super::Manager) reports to the application: its events, and why
//! a connection attempt failed.

use crate::socketio::Args;
use crate::transport::{AckRequest, CloseReason, DisconnectReason, SocketId};
use std::fmt;

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

/// What happened, from [`poll_output`](crate::driver::Core::poll_output) as
/// [`Output::Event`](crate::driver::Output::Event).
#[derive(Debug, PartialEq)]
pub enum IoEvent {
    /// The Engine.IO connection is open (the JS manager's `open`).
    Opened,
    /// The Engine.IO connection closed (the JS manager's `close`).
    Closed {
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
        /// Present when the server wants an acknowledgement: answer it with
        /// [`Manager::ack`](super::Manager::ack).
        ack: Option<AckRequest>,
    },
    /// The server answered an `emit_with_ack`.
    AckReceived {
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
