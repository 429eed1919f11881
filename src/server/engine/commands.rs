//! Application commands on the [`EngineServer`]: send, close, shutdown.

use super::EngineServer;
use crate::engineio::{Packet, WsMessage};
use crate::error::{SendError, SocketError};
use crate::server::queue::Out;
use crate::server::session::Active;
use crate::server::types::{CloseReason, EngineEvent, OutMessage, SessionId, Transmit};
use std::time::Instant;

impl EngineServer {
    /// Queues one message for `session`.
    ///
    /// Errors: [`SendError::UnknownSession`] if the session is closed;
    /// [`SendError::QueueFull`] if `max_queued_packets` packets already wait, or
    /// [`SendError::QueueBytesFull`] if the message does not fit in `max_queued_bytes`
    /// (nothing is queued, and the session is over budget: the caller may drop the
    /// message, or close the session; left over budget past `over_budget_grace`, the
    /// session is closed with `slow consumer`).
    pub fn send(
        &mut self,
        session: SessionId,
        msg: impl Into<OutMessage>,
    ) -> Result<(), SendError> {
        let msg = msg.into();
        self.check_room(session, 1, msg.held_len())?;
        let s = self
            .sessions
            .live_mut(session)
            .ok_or(SendError::UnknownSession)?;
        match s.active {
            // Nothing waits before it on an open WebSocket: straight out (what `flush`
            // would do), without touching the queue (broadcast fast path).
            Active::Ws(conn) if s.queue.is_empty() => {
                let msg = match msg {
                    OutMessage::Text(f) => WsMessage::Text(f.into_frame()),
                    OutMessage::Binary(b) => WsMessage::Binary(b),
                };
                self.out.transmit(Transmit::WsSend { conn, msg });
                Ok(())
            }
            _ => {
                s.queue.push_back(Out::Msg(msg));
                self.flush(session);
                Ok(())
            }
        }
    }

    /// Queues several messages atomically (all or none), e.g. a Socket.IO binary packet
    /// and its attachments. Same errors as [`send`](Self::send), for the messages
    /// together.
    pub fn send_many(
        &mut self,
        session: SessionId,
        msgs: impl IntoIterator<Item = OutMessage>,
    ) -> Result<(), SendError> {
        let max_packets = self.config.max_queued_packets;
        let max_bytes = self.config.max_queued_bytes;
        let s = self
            .sessions
            .live_mut(session)
            .ok_or(SendError::UnknownSession)?;
        // Straight into the queue (no collecting first); if they do not all fit, the
        // ones pushed are taken back out: all or none, never beyond either limit.
        let before = s.queue.len();
        let mut refused = None;
        for msg in msgs {
            if s.queue.len() >= max_packets {
                refused = Some(SendError::QueueFull { limit: max_packets });
            } else if s.held_bytes().saturating_add(msg.held_len()) > max_bytes {
                refused = Some(SendError::QueueBytesFull { limit: max_bytes });
            } else {
                s.queue.push_back(Out::Msg(msg));
                continue;
            }
            s.queue.truncate(before);
            break;
        }
        if let Some(e) = refused {
            self.mark_over_budget(session);
            return Err(e);
        }
        self.flush(session);
        Ok(())
    }

    /// Closes a session from the application side (reason `forced close`, reported at
    /// once). Queued messages are still delivered: over WebSocket they are sent before
    /// the close; over polling the held poll (or the next one, within `ping_timeout`)
    /// receives them followed by a close packet. That linger is measured from `now`
    /// (clamped like every input).
    pub fn close_session(&mut self, now: Instant, session: SessionId) -> Result<(), SocketError> {
        let now = self.clock.advance(now);
        self.close_at(now, session)
            .map_err(|_| SocketError::UnknownSession)
    }

    /// [`close`](Self::close) at the latest time seen, for closes decided while handling
    /// an input (whose `now` the clock already holds).
    pub(crate) fn close_latest(&mut self, session: SessionId) -> Result<(), SendError> {
        let now = self.clock.latest().ok_or(SendError::UnknownSession)?;
        self.close_at(now, session)
    }

    fn close_at(&mut self, now: Instant, session: SessionId) -> Result<(), SendError> {
        let linger = self.config.ping_timeout;
        let s = self
            .sessions
            .live_mut(session)
            .ok_or(SendError::UnknownSession)?;
        match s.active {
            Active::Ws(_) => {
                self.flush(session);
                self.end_session(session, CloseReason::ForcedClose);
            }
            Active::Polling => {
                s.queue.push_back(Out::Ctrl(Packet::Close));
                s.closing = Some(now + linger);
                // The linger bounds the queue's life now, not the budget's grace.
                s.over_budget_since = None;
                s.next_ping = None;
                s.pong_deadline = None;
                if let Some(u) = s.upgrade.take() {
                    self.drop_conn(u.conn, true);
                }
                self.out.event(EngineEvent::Closed {
                    session,
                    reason: CloseReason::ForcedClose,
                });
                self.flush(session);
                self.finish_closing(session);
                self.reschedule(session);
            }
        }
        Ok(())
    }

    /// Closes every session (reason `server shutdown`): held polls receive a close
    /// packet, WebSockets are closed. Later handshakes are refused with 503.
    pub(crate) fn shutdown_at(&mut self, now: Instant) {
        let _ = self.clock.advance(now);
        self.shut_down = true;
        for id in self.sessions.ids_sorted() {
            self.end_session(id, CloseReason::ServerShutdown);
        }
    }
}
