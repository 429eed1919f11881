//! The byte and packet budget of each session's outgoing side: the room check every
//! send makes, the over-budget state and its grace period, and the WebSocket backlog
//! adapters report (`Input::WsBacklog`).

use super::state::ConnRole;
use super::EngineServer;
use crate::error::SendError;
use crate::server::types::{ConnId, SessionId};
use std::time::Instant;

impl EngineServer {
    /// Bytes of the packets waiting in a live session's outgoing queue: at most
    /// [`max_queued_bytes`](crate::server::EngineConfig::max_queued_bytes) (less the
    /// WebSocket backlog the adapter reports), plus the control packets that always go
    /// in (an open, a ping, a close).
    pub fn queued_bytes(&self, session: SessionId) -> Option<usize> {
        self.sessions.live(session).map(|s| s.queue.bytes())
    }

    /// The WebSocket backlog last reported for a live session
    /// ([`Input::WsBacklog`](crate::driver::server::Input::WsBacklog); 0 if never).
    /// With [`queued_bytes`](Self::queued_bytes) it makes what counts toward the budget.
    pub fn ws_backlog(&self, session: SessionId) -> Option<usize> {
        self.sessions.live(session).map(|s| s.ws_backlog)
    }

    /// Since when a live session is over budget (a message was refused for lack of room
    /// and the queue has not drained to half the limits since), if it is. It is closed
    /// with `slow consumer` once
    /// [`over_budget_grace`](crate::server::EngineConfig::over_budget_grace) has passed.
    pub fn over_budget_since(&self, session: SessionId) -> Option<Instant> {
        self.sessions.live(session)?.over_budget_since
    }

    /// Whether `count` more messages holding `bytes` fit session `id`'s budget. If they
    /// do not, the session is over budget from now on (the error says which limit).
    pub(crate) fn check_room(
        &mut self,
        id: SessionId,
        count: usize,
        bytes: usize,
    ) -> Result<(), SendError> {
        let max_packets = self.config.max_queued_packets;
        let max_bytes = self.config.max_queued_bytes;
        let s = self.sessions.live(id).ok_or(SendError::UnknownSession)?;
        let refused = if s.queue.len().saturating_add(count) > max_packets {
            SendError::QueueFull { limit: max_packets }
        } else if s.held_bytes().saturating_add(bytes) > max_bytes {
            SendError::QueueBytesFull { limit: max_bytes }
        } else {
            return Ok(());
        };
        self.mark_over_budget(id);
        Err(refused)
    }

    /// Starts the session's over-budget state (at the latest time seen), if not started.
    pub(crate) fn mark_over_budget(&mut self, id: SessionId) {
        let Some(now) = self.clock.latest() else {
            return;
        };
        if let Some(s) = self.sessions.live_mut(id) {
            if s.over_budget_since.is_none() {
                s.over_budget_since = Some(now);
                self.reschedule(id);
            }
        }
    }

    /// Ends the session's over-budget state once its queue and backlog are back to at
    /// most half of both limits (hysteresis: a queue hovering at the limit stays over).
    pub(crate) fn relieve(&mut self, id: SessionId) {
        let half_packets = self.config.max_queued_packets / 2;
        let half_bytes = self.config.max_queued_bytes / 2;
        let Some(s) = self.sessions.get_mut(id) else {
            return;
        };
        if s.over_budget_since.is_some()
            && s.queue.len() <= half_packets
            && s.held_bytes() <= half_bytes
        {
            s.over_budget_since = None;
            self.reschedule(id);
        }
    }

    /// `Input::WsBacklog`: the adapter holds `bytes` for `conn`, not yet written. Beyond
    /// the byte limit the session is over budget; back to half of it, it is relieved.
    pub(crate) fn on_ws_backlog(&mut self, conn: ConnId, bytes: usize) {
        let Some(ConnRole::Active(id)) = self.ws.role(conn) else {
            return;
        };
        let max_bytes = self.config.max_queued_bytes;
        let Some(s) = self.sessions.live_mut(id) else {
            return;
        };
        s.ws_backlog = bytes;
        if s.held_bytes() > max_bytes {
            self.mark_over_budget(id);
        } else {
            self.relieve(id);
        }
    }

    /// Budget figures across sessions, for the leak check: (queued bytes, reported
    /// backlog bytes, sessions over budget).
    pub(crate) fn budget_sizes(&self) -> (usize, usize, usize) {
        self.sessions.iter().fold((0, 0, 0), |(q, b, o), s| {
            (
                q + s.queue.bytes(),
                b + s.ws_backlog,
                o + usize::from(s.over_budget_since.is_some()),
            )
        })
    }
}
