//! Handles, reasons and events of the Socket.IO server.

use crate::server::SessionId;
use crate::socketio::Args;
pub use crate::transport::{AckRequest, DisconnectReason, SocketId};
use crate::utf8::Utf8Bytes;

/// A CONNECT waiting for the application: answer it once with
/// [`accept`](super::SocketIoServer::accept) or [`reject`](super::SocketIoServer::reject),
/// which consume it (answering twice does not compile). Neither `Clone` nor `Copy`.
/// Dropping it leaves the CONNECT unanswered until the session closes (or the connect
/// timeout).
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct ConnectRequest {
    pub(crate) id: u64,
    pub(crate) session: SessionId,
}

impl ConnectRequest {
    /// The Engine.IO session asking.
    pub fn session(&self) -> SessionId {
        self.session
    }

    /// A raw number for logs (unique per server).
    pub fn as_u64(&self) -> u64 {
        self.id
    }
}

/// A CONNECT answer that could not be sent.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AcceptError {
    /// The session closed, or the request was already dropped.
    #[error("the session that asked is gone")]
    Stale,
    /// The session's queue is full: nothing was sent; the request is given back to
    /// retry later.
    #[error("outgoing queue full ({limit} packets)")]
    QueueFull {
        /// The request, still pending.
        request: ConnectRequest,
        /// The limit in packets.
        limit: usize,
    },
    /// The answer does not fit the bytes left in the session's queue: nothing was sent;
    /// the request is given back to retry later.
    #[error("outgoing queue full ({limit} bytes)")]
    QueueBytesFull {
        /// The request, still pending.
        request: ConnectRequest,
        /// The limit in bytes.
        limit: usize,
    },
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

/// What happened, for the application to act on.
#[derive(Debug, PartialEq)]
pub enum IoEvent {
    /// A client asks to join a namespace; answer with
    /// [`accept`](super::SocketIoServer::accept) or
    /// [`reject`](super::SocketIoServer::reject) (the middleware step). Unanswered
    /// requests are dropped when their session closes.
    ConnectRequest {
        /// The request handle.
        request: ConnectRequest,
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
        /// [`ack`](super::SocketIoServer::ack), which consumes it.
        ack: Option<AckRequest>,
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
    /// A broadcast (local, or from another node) left out recipients whose outgoing
    /// queue had no room for it (over its packet or byte budget): nothing was queued for
    /// them. One event per broadcast that skipped any; volatile broadcasts skip silently,
    /// by design. A session left over budget past
    /// [`over_budget_grace`](crate::server::EngineConfig::over_budget_grace) is closed
    /// (its sockets leave with [`DisconnectReason::SlowConsumer`]).
    BroadcastSkipped {
        /// The recipients skipped.
        sockets: Vec<SocketId>,
    },
    /// For a cluster adapter (only with
    /// [`IoConfig::cluster_events`](super::IoConfig::cluster_events)): a local broadcast
    /// or room change.
    Cluster(super::ClusterEvent),
    /// A socket left its namespace; its handle is dead from now on.
    Disconnected {
        /// The socket.
        socket: SocketId,
        /// Why.
        reason: DisconnectReason,
    },
}
