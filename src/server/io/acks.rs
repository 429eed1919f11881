//! Timers (connect timeouts, ack timeouts) and the tables of acks the server waits for.

use super::namespaces::SocketSet;
use super::types::{BroadcastAckId, SocketId};
use crate::server::SessionId;
use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

/// What a timer is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Timer {
    /// The session has not joined any namespace yet.
    Connect(SessionId),
    /// An emit with ack waits for its answer.
    Ack(SocketId, u64),
    /// A broadcast with ack waits for its answers.
    Broadcast(BroadcastAckId),
}

/// The key of a scheduled timer (for cancelling it).
pub(crate) type TimerKey = (Instant, u64);

/// A timer table ordered by deadline.
#[derive(Debug, Default)]
pub(crate) struct Timers {
    map: BTreeMap<TimerKey, Timer>,
    seq: u64,
}

impl Timers {
    /// Number of armed timers.
    pub(crate) fn len(&self) -> usize {
        self.map.len()
    }

    /// Schedules `timer` at `at`.
    pub(crate) fn add(&mut self, at: Instant, timer: Timer) -> TimerKey {
        self.seq = self.seq.wrapping_add(1);
        let key = (at, self.seq);
        self.map.insert(key, timer);
        key
    }

    /// Cancels a timer (no-op if it already fired).
    pub(crate) fn cancel(&mut self, key: TimerKey) {
        self.map.remove(&key);
    }

    /// The earliest deadline.
    pub(crate) fn next(&self) -> Option<Instant> {
        self.map.keys().next().map(|k| k.0)
    }

    /// Removes and returns a timer due at `now`.
    pub(crate) fn pop_due(&mut self, now: Instant) -> Option<Timer> {
        let (&key, _) = self.map.iter().next()?;
        if key.0 > now {
            return None;
        }
        self.map.remove(&key)
    }
}

/// A broadcast waiting for acks.
#[derive(Debug)]
pub(crate) struct BroadcastAck {
    /// Namespace index and the ack id its packet carries.
    pub(crate) nsp: u32,
    pub(crate) ack_id: u64,
    /// Recipients that have not answered yet.
    pub(crate) pending: SocketSet,
    /// The timeout; `None`: wait until every recipient answered or left.
    pub(crate) timer: Option<TimerKey>,
    /// Recipients that left without answering (untimed broadcasts only).
    pub(crate) gone: Vec<SocketId>,
}

/// Acks the server waits for.
#[derive(Debug, Default)]
pub(crate) struct AckTable {
    /// Single emits: (socket, ack id) → timer (none: wait until the socket leaves).
    pub(crate) single: BTreeMap<(SocketId, u64), Option<TimerKey>>,
    /// Broadcasts by handle.
    pub(crate) broadcasts: HashMap<BroadcastAckId, BroadcastAck>,
    /// Broadcasts by (namespace, ack id).
    pub(crate) by_ack: HashMap<(u32, u64), BroadcastAckId>,
    next_broadcast: u64,
}

impl AckTable {
    /// A fresh broadcast handle.
    pub(crate) fn next_broadcast_id(&mut self) -> BroadcastAckId {
        self.next_broadcast = self.next_broadcast.wrapping_add(1);
        BroadcastAckId(self.next_broadcast)
    }

    /// The single-emit acks pending for `socket`, removed from the table.
    pub(crate) fn take_socket(&mut self, socket: SocketId) -> Vec<(u64, Option<TimerKey>)> {
        let lo = (socket, 0u64);
        let hi = (socket, u64::MAX);
        let ids: Vec<(u64, Option<TimerKey>)> = self
            .single
            .range(lo..=hi)
            .map(|(&(_, id), &key)| (id, key))
            .collect();
        for (id, _) in &ids {
            self.single.remove(&(socket, *id));
        }
        ids
    }

    /// Number of single-emit acks awaited from `socket`.
    pub(crate) fn pending_for(&self, socket: SocketId) -> usize {
        self.single
            .range((socket, 0u64)..=(socket, u64::MAX))
            .count()
    }

    /// `socket` left: every untimed broadcast stops waiting for it. Returns the
    /// broadcasts that now have nobody left to wait for (removed from the table), with
    /// the sockets that never answered, sorted.
    pub(crate) fn forget_socket(
        &mut self,
        socket: SocketId,
    ) -> Vec<(BroadcastAckId, Vec<SocketId>)> {
        let mut done = Vec::new();
        for (id, b) in &mut self.broadcasts {
            if b.timer.is_none() && b.pending.remove(&socket) {
                b.gone.push(socket);
                if b.pending.is_empty() {
                    done.push(*id);
                }
            }
        }
        done.sort();
        done.into_iter()
            .filter_map(|id| {
                let mut b = self.remove_broadcast(id)?;
                b.gone.sort();
                Some((id, b.gone))
            })
            .collect()
    }

    /// Removes a finished broadcast.
    pub(crate) fn remove_broadcast(&mut self, id: BroadcastAckId) -> Option<BroadcastAck> {
        let b = self.broadcasts.remove(&id)?;
        self.by_ack.remove(&(b.nsp, b.ack_id));
        Some(b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn timers_fire_in_order() {
        let t0 = Instant::now();
        let mut t = Timers::default();
        let s = SessionId(1);
        let a = t.add(t0 + Duration::from_secs(2), Timer::Connect(s));
        t.add(
            t0 + Duration::from_secs(1),
            Timer::Broadcast(BroadcastAckId(1)),
        );
        assert_eq!(t.next(), Some(t0 + Duration::from_secs(1)));
        assert_eq!(t.pop_due(t0), None);
        assert_eq!(
            t.pop_due(t0 + Duration::from_secs(5)),
            Some(Timer::Broadcast(BroadcastAckId(1)))
        );
        t.cancel(a);
        assert_eq!(t.pop_due(t0 + Duration::from_secs(5)), None);
        assert_eq!(t.next(), None);
    }

    #[test]
    fn take_socket_only_takes_that_socket() {
        let t0 = Instant::now();
        let mut acks = AckTable::default();
        let a = SocketId { idx: 1, gen: 0 };
        let b = SocketId { idx: 2, gen: 0 };
        acks.single.insert((a, 3), Some((t0, 1)));
        acks.single.insert((b, 4), Some((t0, 2)));
        acks.single.insert((a, 9), Some((t0, 3)));
        let got = acks.take_socket(a);
        assert_eq!(got.iter().map(|x| x.0).collect::<Vec<_>>(), vec![3, 9]);
        assert_eq!(acks.single.len(), 1);
    }
}
