//! Timers of the [`EngineServer`]: the timer table (one entry per session, its earliest
//! deadline) and what fires: pings, ping timeouts, upgrade timeouts, the end of an
//! over-budget session's grace, the end of a closing session's linger.

use super::EngineServer;
use crate::engineio::Packet;
use crate::server::queue::Out;
use crate::server::types::{CloseReason, SessionId};
use crate::utf8::Utf8Bytes;
use std::time::Instant;

impl EngineServer {
    /// When timers must run next.
    #[must_use]
    pub(crate) fn poll_timeout(&self) -> Option<Instant> {
        self.timers.next()
    }

    /// Puts a session's earliest deadline in the timer table.
    pub(crate) fn reschedule(&mut self, id: SessionId) {
        let Some(s) = self.sessions.get_mut(id) else {
            return;
        };
        let want = s.deadline(self.config.over_budget_grace);
        self.timers.reschedule(id, &mut s.scheduled, want);
    }

    pub(crate) fn run_timers(&mut self, now: Instant) {
        while let Some(id) = self.timers.pop_due(now) {
            if let Some(s) = self.sessions.get_mut(id) {
                s.scheduled = None;
            }
            self.fire(now, id);
            self.reschedule(id);
        }
    }

    fn fire(&mut self, now: Instant, id: SessionId) {
        let timeout = self.config.ping_timeout;
        let grace = self.config.over_budget_grace;
        let Some(s) = self.sessions.get_mut(id) else {
            return;
        };
        if s.closing.is_some_and(|d| d <= now) {
            let _ = self.teardown(id);
            return;
        }
        if s.upgrade.is_some_and(|u| u.deadline <= now) {
            self.abort_upgrade(id, true);
        }
        let Some(s) = self.sessions.get_mut(id) else {
            return;
        };
        if s.pong_deadline.is_some_and(|d| d <= now) {
            self.end_session(id, CloseReason::PingTimeout);
            return;
        }
        if s.over_budget_deadline(grace).is_some_and(|d| d <= now) {
            self.end_session(id, CloseReason::SlowConsumer);
            return;
        }
        if s.next_ping.is_some_and(|d| d <= now) {
            s.next_ping = None;
            s.pong_deadline = Some(now + timeout);
            // A ping still waiting (a client that does not poll) is enough: the queue
            // of such a client does not grow by one ping per interval.
            if !s.queue.has_ping() {
                s.queue
                    .push_back(Out::Ctrl(Packet::Ping(Utf8Bytes::default())));
            }
            self.flush(id);
        }
    }
}
