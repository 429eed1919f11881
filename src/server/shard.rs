//! Scaling a server past one core: shards.
//!
//! One [`SocketIoServer`](super::io::SocketIoServer) (or
//! [`EngineServer`](super::EngineServer)) owns its sessions, so all the protocol work of
//! one core runs on one thread. A server uses more cores by running **N independent
//! cores, one per thread (a shard)**, each with its own sockets and timers. Nothing is
//! shared between them but two small rules, which this module provides:
//!
//! 1. **A sid names its shard.** Each shard's core gets its sids (and Socket.IO socket
//!    ids) from a [`ShardIds`], which prefixes every id with the shard's number:
//!    `"3.Hk2…"`. The id stays URL-safe and unguessable (the prefix adds no
//!    information an attacker lacks).
//! 2. **Every request goes to the shard its sid names.** The adapter's accept loop (or
//!    the connection's first request) reads the query with [`shard_of_uri`]:
//!    - a handshake (no `sid`) goes to any shard: round-robin, or the least loaded;
//!    - a polling `GET`/`POST` or a WebSocket upgrade with `sid` goes to
//!      [`shard_of_sid`]; a sid that names no shard (forged, or from an earlier run
//!      with more shards) goes to any shard, whose core answers `400 Session ID
//!      unknown` as usual.
//!
//!    Long-polling needs this routing on every request, since one session's `GET` and
//!    `POST` may arrive on different keep-alive connections; a WebSocket session stays
//!    on the thread that accepted its upgrade.
//!
//! **Broadcasts cross shards through the cluster seam** ([`ClusterEvent`]), the same
//! one a multi-node cluster adapter uses: every shard runs with
//! [`IoConfig::cluster_events`](super::io::IoConfig::cluster_events) on; when a shard
//! reports [`ClusterEvent::Broadcast`] the adapter hands the already-encoded frame
//! (`Bytes`: shared, not copied, and `Send`) to every other shard, which delivers it to
//! its own members of the target with
//! [`apply_remote_broadcast`](super::io::SocketIoServer::apply_remote_broadcast). Room
//! membership stays local to each shard: a remote broadcast evaluates its target's
//! rooms and exceptions where the sockets live, so no shard needs the others' rooms,
//! and `Joined`/`Left` events are only needed by a cluster that answers queries about
//! remote sockets. A message to one socket id (`to(socket_id)`, every socket's own
//! room) travels the same way; the adapter may send it only to
//! [`shard_of_sid`]`(socket_id)`, since socket ids carry the prefix too.
//!
//! In one process the hop between shards is a channel per shard that the shard's loop
//! drains with its other inputs; across processes or machines it is the cluster
//! adapter (Redis pub/sub and the like). The test `tests/server_io_shards.rs` runs two
//! shards in memory: routing by sid, and a broadcast that reaches the sockets of both.
//!
//! Not covered by the seam yet: broadcasts with acknowledgements across shards, and
//! queries about remote sockets (`fetchSockets`, `socketsJoin` on other shards); those
//! need request/response messages between shards, which the cluster adapter adds.

use super::io::ClusterEvent;
use crate::ids::IdSource;

/// Separates a shard's number from the rest of an id.
const SEPARATOR: char = '.';

/// Ids for the core of shard `shard`: the inner source's ids, prefixed with the shard's
/// number (`"{shard}.{id}"`), so [`shard_of_sid`] can route a request by its sid.
#[derive(Debug, Clone)]
pub struct ShardIds<S> {
    prefix: String,
    inner: S,
}

impl<S: IdSource> ShardIds<S> {
    /// Ids of shard `shard`, made unique and unguessable by `inner`.
    pub fn new(shard: u16, inner: S) -> Self {
        ShardIds {
            prefix: format!("{shard}{SEPARATOR}"),
            inner,
        }
    }
}

impl<S: IdSource> IdSource for ShardIds<S> {
    fn next_id(&mut self) -> String {
        let mut id = self.prefix.clone();
        id.push_str(&self.inner.next_id());
        id
    }
}

/// The shard a sid (or Socket.IO socket id) made by [`ShardIds`] names; `None` for an
/// id without a shard prefix.
pub fn shard_of_sid(sid: &str) -> Option<u16> {
    let (shard, rest) = sid.split_once(SEPARATOR)?;
    if rest.is_empty() || shard.is_empty() || !shard.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    shard.parse().ok()
}

/// The shard that must answer a request for `uri` (path and query): the shard named by
/// its `sid` parameter; `None` for a handshake (no `sid`) or a sid that names no shard,
/// which any shard may answer.
pub fn shard_of_uri(uri: &str) -> Option<u16> {
    let (_, query) = uri.split_once('?')?;
    let sid = query
        .split('&')
        .find_map(|pair| pair.strip_prefix("sid="))?;
    shard_of_sid(sid)
}

/// The shards a [`ClusterEvent::Broadcast`] from shard `from` must be handed to, out of
/// `shards`: all the others (each delivers to its own members of the target).
pub fn broadcast_peers(from: u16, shards: u16) -> impl Iterator<Item = u16> {
    (0..shards).filter(move |s| *s != from)
}

/// Whether `event` is one other shards must apply (a broadcast); room changes stay
/// local to a shard.
pub fn crosses_shards(event: &ClusterEvent) -> bool {
    matches!(event, ClusterEvent::Broadcast { .. })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::SequentialIds;

    #[test]
    fn ids_name_their_shard() {
        let mut ids = ShardIds::new(7, SequentialIds::new("x"));
        let id = ids.next_id();
        assert!(id.starts_with("7."), "{id}");
        assert_eq!(shard_of_sid(&id), Some(7));
        assert_ne!(ids.next_id(), id);
    }

    #[test]
    fn uris_route_by_sid() {
        assert_eq!(shard_of_uri("/socket.io/?EIO=4&transport=polling"), None);
        assert_eq!(
            shard_of_uri("/socket.io/?EIO=4&transport=polling&sid=12.abc"),
            Some(12)
        );
        assert_eq!(shard_of_uri("/socket.io/?sid=3.abc&EIO=4"), Some(3));
        for bad in [
            "abc",
            ".abc",
            "3.",
            "x3.abc",
            "99999.abc",
            "-1.abc",
            "+1.abc",
        ] {
            assert_eq!(shard_of_sid(bad), None, "{bad}");
        }
    }

    #[test]
    fn broadcasts_go_to_every_other_shard() {
        assert_eq!(broadcast_peers(1, 4).collect::<Vec<_>>(), vec![0, 2, 3]);
        assert_eq!(broadcast_peers(0, 1).count(), 0);
    }
}
