//! One session's state: transport, held poll, outgoing queue and its budget, upgrade,
//! heartbeat timers.

use super::queue::OutQueue;
use super::types::{ConnId, RequestId};
use crate::utf8::Utf8Bytes;
use std::time::{Duration, Instant};

/// Which transport carries the session now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Active {
    Polling,
    Ws(ConnId),
}

/// An upgrade in progress: the WebSocket, whether the probe was answered, and the
/// deadline for the client's upgrade packet.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Upgrade {
    pub(crate) conn: ConnId,
    pub(crate) probed: bool,
    pub(crate) deadline: Instant,
}

/// A live session.
#[derive(Debug)]
pub(crate) struct Session {
    pub(crate) sid: Utf8Bytes,
    pub(crate) active: Active,
    pub(crate) held_get: Option<RequestId>,
    /// Packets waiting for the transport, and their bytes.
    pub(crate) queue: OutQueue,
    /// Bytes the adapter reports it still holds for the session's WebSocket
    /// (`Input::WsBacklog`; 0 unless the adapter reports it).
    pub(crate) ws_backlog: usize,
    /// Since when the session is over its budget: a message was refused for lack of
    /// room, or the adapter's backlog passed the limit. Cleared once the queue and the
    /// backlog are back to half the limits; at `since + over_budget_grace` the session is
    /// closed (`slow consumer`).
    pub(crate) over_budget_since: Option<Instant>,
    pub(crate) upgrade: Option<Upgrade>,
    pub(crate) next_ping: Option<Instant>,
    pub(crate) pong_deadline: Option<Instant>,
    /// Closed by the application while polling with no GET held: the next GET gets the
    /// queue and a close packet; the session is dropped at this deadline otherwise.
    pub(crate) closing: Option<Instant>,
    /// The deadline currently registered in the server's timer table.
    pub(crate) scheduled: Option<Instant>,
    /// The CORS headers for the held GET's response (computed from that request).
    pub(crate) held_headers: Vec<(&'static str, String)>,
}

impl Session {
    pub(crate) fn new(sid: Utf8Bytes, active: Active, now: Instant, interval: Duration) -> Self {
        Session {
            sid,
            active,
            held_get: None,
            queue: OutQueue::default(),
            ws_backlog: 0,
            over_budget_since: None,
            upgrade: None,
            next_ping: Some(now + interval),
            pong_deadline: None,
            closing: None,
            scheduled: None,
            held_headers: Vec::new(),
        }
    }

    /// The earliest deadline of this session (`grace`: how long it may stay over budget).
    pub(crate) fn deadline(&self, grace: Duration) -> Option<Instant> {
        let mut d = crate::time::earliest(self.next_ping, self.pong_deadline);
        d = crate::time::earliest(d, self.upgrade.map(|u| u.deadline));
        d = crate::time::earliest(d, self.over_budget_deadline(grace));
        crate::time::earliest(d, self.closing)
    }

    /// When the session is closed for staying over budget, if it is over budget (a
    /// grace too long to represent never closes it).
    pub(crate) fn over_budget_deadline(&self, grace: Duration) -> Option<Instant> {
        self.over_budget_since?.checked_add(grace)
    }

    /// Bytes held for the session: its queue plus the adapter's reported backlog.
    pub(crate) fn held_bytes(&self) -> usize {
        self.queue.bytes().saturating_add(self.ws_backlog)
    }
}
