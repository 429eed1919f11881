//! The seam for a cluster adapter: with [`IoConfig::cluster_events`](super::IoConfig),
//! the server reports every broadcast (already encoded) and every room change as an
//! [`IoEvent::Cluster`](super::IoEvent::Cluster), and
//! [`apply_remote_broadcast`](super::SocketIoServer::apply_remote_broadcast) delivers a
//! broadcast that another node encoded, without reporting it again.
//!
//! A cluster adapter (Redis pub/sub, a message bus…) forwards the `Broadcast` events to
//! the other nodes and calls `apply_remote_broadcast` with what they forward; it may keep
//! a room directory from `Joined` / `Left`. The frames are the exact wire bytes, so
//! every node sends the same packet.

use super::broadcast::{Shared, Target};
use super::{IoEvent, SocketIoServer};
use crate::server::OutMessage;
use crate::socketio::Parser;
use crate::transport::SocketId;
use bytes::Bytes;

/// What a cluster adapter needs to see (only with `IoConfig::cluster_events`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClusterEvent {
    /// A local [`broadcast`](super::SocketIoServer::broadcast): deliver it on the other
    /// nodes with [`apply_remote_broadcast`](super::SocketIoServer::apply_remote_broadcast).
    Broadcast {
        /// Who receives it. Its `except_socket` handles name local sockets only (they
        /// are ignored remotely); exclude a socket everywhere with `except(its sid)`.
        target: Target,
        /// The encoded packet, shared, not copied: a text frame (`"4"` + Socket.IO
        /// packet) for the JSON parser, one binary message for a binary parser.
        frame: OutMessage,
        /// Its binary attachments, in order.
        attachments: Vec<Bytes>,
    },
    /// A local socket joined a room.
    Joined {
        /// The socket.
        socket: SocketId,
        /// Its namespace.
        namespace: String,
        /// The room.
        room: String,
    },
    /// A local socket left a room (not reported when the socket itself goes: watch
    /// [`IoEvent::Disconnected`](super::IoEvent::Disconnected) for that).
    Left {
        /// The socket.
        socket: SocketId,
        /// Its namespace.
        namespace: String,
        /// The room.
        room: String,
    },
}

impl<P: Parser> SocketIoServer<P> {
    /// Delivers a broadcast encoded by another node (a [`ClusterEvent::Broadcast`] it
    /// reported) to the local sockets `target` selects; returns how many were sent it.
    /// It is not reported again as a cluster event. Socket exclusions by handle are
    /// ignored (handles are per node).
    pub fn apply_remote_broadcast(
        &mut self,
        target: &Target,
        frame: OutMessage,
        attachments: Vec<Bytes>,
    ) -> usize {
        let target = target.clone().without_socket_exclusions();
        self.deliver_shared(&target, &Shared { frame, attachments })
    }

    /// Reports a cluster event, if enabled.
    pub(super) fn cluster(&mut self, ev: impl FnOnce() -> ClusterEvent) {
        if self.config.cluster_events {
            self.events.push_back(IoEvent::Cluster(ev()));
        }
    }
}
