//! Handles, reasons and events of the Socket.IO server.

use crate::server::SessionId;
use crate::socketio::Args;
use crate::utf8::Utf8Bytes;

/// A connected Socket.IO socket: one client in one namespace. Small and `Copy`; a handle
/// of a disconnected socket never names a later socket (the slot carries a generation).
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

/// A CONNECT waiting for the application's [`accept`](super::SocketIoServer::accept) or
/// [`reject`](super::SocketIoServer::reject).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnectRequestId(pub(crate) u64);

impl ConnectRequestId {
    /// The raw number.
    pub fn as_u64(self) -> u64 {
        self.0
    }
}

/// A broadcast that waits for acknowledgements from every recipient.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BroadcastAckId(pub(crate) u64);

impl BroadcastAckId {
    /// The raw number.
    pub fn as_u64(self) -> u64 {
        self.0
    }
}

/// Why a socket left its namespace (the strings of the official server).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DisconnectReason {
    /// The client sent a DISCONNECT for this namespace (the session lives on).
    ClientNamespaceDisconnect,
    /// The application called [`disconnect`](super::SocketIoServer::disconnect).
    ServerNamespaceDisconnect,
    /// The client closed the connection.
    TransportClose,
    /// The client stopped answering pings.
    PingTimeout,
    /// The client sent something invalid; the connection was closed.
    ParseError,
    /// The transport misbehaved.
    TransportError,
    /// The Engine.IO session was closed by the application.
    ForcedClose,
    /// The application shut the server down.
    ServerShuttingDown,
}

impl DisconnectReason {
    /// The reason string (`"client namespace disconnect"`, `"ping timeout"`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            DisconnectReason::ClientNamespaceDisconnect => "client namespace disconnect",
            DisconnectReason::ServerNamespaceDisconnect => "server namespace disconnect",
            DisconnectReason::TransportClose => "transport close",
            DisconnectReason::PingTimeout => "ping timeout",
            DisconnectReason::ParseError => "parse error",
            DisconnectReason::TransportError => "transport error",
            DisconnectReason::ForcedClose => "forced close",
            DisconnectReason::ServerShuttingDown => "server shutting down",
        }
    }

    /// The reason for a socket whose Engine.IO session closed with `reason`.
    pub fn from_close(reason: crate::server::CloseReason) -> Self {
        use crate::server::CloseReason as C;
        match reason {
            C::TransportClose => DisconnectReason::TransportClose,
            C::PingTimeout => DisconnectReason::PingTimeout,
            C::ParseError => DisconnectReason::ParseError,
            C::TransportError => DisconnectReason::TransportError,
            C::ForcedClose => DisconnectReason::ForcedClose,
            C::ServerShutdown => DisconnectReason::ServerShuttingDown,
        }
    }
}

impl std::fmt::Display for DisconnectReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What happened, for the application to act on.
#[derive(Debug, Clone, PartialEq)]
pub enum IoEvent {
    /// A client asks to join a namespace; answer with
    /// [`accept`](super::SocketIoServer::accept) or
    /// [`reject`](super::SocketIoServer::reject) (the middleware step). Unanswered
    /// requests are dropped when their session closes.
    ConnectRequest {
        /// The request handle.
        request: ConnectRequestId,
        /// The Engine.IO session asking.
        session: SessionId,
        /// The namespace name (`/` or `/something`).
        nsp: String,
        /// The CONNECT payload (the client's `auth`), if any.
        auth: Option<serde_json::Value>,
    },
    /// An event from a client.
    Event {
        /// The socket it came from.
        socket: SocketId,
        /// The event name (a numeric name in its JSON text form).
        event: Utf8Bytes,
        /// The arguments after the name, binary attachments included; deserialize them
        /// into any type with the codec's [`Args`] methods.
        args: Args,
        /// Present when the client waits for an answer: pass it to
        /// [`ack`](super::SocketIoServer::ack) once.
        ack: Option<u64>,
    },
    /// A client answered an [`emit_with_ack`](super::SocketIoServer::emit_with_ack).
    AckReceived {
        /// The socket that answered.
        socket: SocketId,
        /// The id `emit_with_ack` returned.
        id: u64,
        /// The answer's arguments.
        args: Args,
    },
    /// No answer came within the timeout (or the socket disconnected first).
    AckTimeout {
        /// The socket.
        socket: SocketId,
        /// The id `emit_with_ack` returned.
        id: u64,
    },
    /// One recipient of a [`broadcast_with_ack`](super::SocketIoServer::broadcast_with_ack)
    /// answered.
    BroadcastAckReceived {
        /// The broadcast.
        broadcast: BroadcastAckId,
        /// The socket that answered.
        socket: SocketId,
        /// Its answer's arguments.
        args: Args,
    },
    /// A broadcast with ack is finished: every recipient answered (`missing` is empty) or
    /// the timeout passed (`missing` lists the sockets that did not answer).
    BroadcastAckComplete {
        /// The broadcast.
        broadcast: BroadcastAckId,
        /// The recipients that did not answer in time.
        missing: Vec<SocketId>,
    },
    /// A socket left its namespace; its handle is dead from now on.
    Disconnected {
        /// The socket.
        socket: SocketId,
        /// Why.
        reason: DisconnectReason,
    },
}
