//! The Engine.IO layer alone: [`EngineServer`] and its vocabulary.
//!
//! The server owns substates (in `state/`), each with private fields and its own job:
//! `Sessions` (the session table, `sid` index, handle allocation), `Polling` (held
//! polls), `WebSockets` (connections, their roles, pending upgrades), `Timers` (each
//! session's earliest deadline) and `Outbox` (transmits and events). The protocol logic
//! that coordinates them is `EngineServer`'s: construction, outputs and queries here;
//! application commands in `commands.rs`; the outgoing budget in `budget.rs`; session life (open, checks, packets, flush,
//! teardown) in `lifecycle.rs`; timers and the heartbeat in `timers.rs`; HTTP polling in
//! `polling.rs`; WebSocket in `ws.rs`.

mod budget;
mod commands;
mod lifecycle;
mod polling;
mod state;
mod timers;
mod ws;

pub use crate::server::config::{AllowRequest, CorsConfig, EngineConfig};
pub use crate::server::request::ErrorCode;
pub use crate::server::types::{EngineEvent, OutMessage, SessionId, TextFrame};

use crate::driver::{InputError, Output};
use crate::error::ConfigError;
use crate::ids::IdSource;
use crate::server::session::Active;
use crate::server::types::{CloseReason, Transmit, Transport};
use crate::time::Clock;
use crate::utf8::Utf8Bytes;
use state::{Outbox, Polling, Sessions, Timers, WebSockets};
use std::time::Instant;

/// The outcome of the protocol checks on a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verified {
    /// A handshake on this transport.
    Handshake(Transport),
    /// A request for this existing session.
    Existing(SessionId),
}

/// The Engine.IO v4 server state machine: every session, polling and WebSocket, the
/// upgrade between them and the heartbeat.
///
/// Driven through [`Core`](crate::driver::Core): inputs with `handle_input`, plus the
/// application commands ([`send`](Self::send), [`close_session`](Self::close_session));
/// after each, drain `poll_output` until it returns `Output::Timeout`.
pub struct EngineServer {
    config: EngineConfig,
    ids: Box<dyn IdSource>,
    clock: Clock,
    /// Every session (closing ones too), the `sid` index, handle allocation.
    sessions: Sessions,
    /// Held polls, to find the session of an aborted request.
    polling: Polling,
    /// WebSocket connections and pending upgrades.
    ws: WebSockets,
    /// Each session's earliest deadline.
    timers: Timers,
    /// Transmits and events waiting for `poll_output`.
    out: Outbox,
    shut_down: bool,
}

impl std::fmt::Debug for EngineServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EngineServer")
            .field("config", &self.config)
            .field("sessions", &self.sessions.len())
            .field("conns", &self.ws.len())
            .finish_non_exhaustive()
    }
}

impl EngineServer {
    /// A server with `config`, taking session ids from `ids` (use
    /// [`RandomIds`](crate::ids::RandomIds) in production).
    pub fn new(config: EngineConfig, ids: Box<dyn IdSource>) -> Result<Self, ConfigError> {
        config.validate()?;
        Ok(EngineServer {
            config,
            ids,
            clock: Clock::default(),
            sessions: Sessions::default(),
            polling: Polling::default(),
            ws: WebSockets::default(),
            timers: Timers::default(),
            out: Outbox::default(),
            shut_down: false,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    /// The next event, if any.
    #[must_use]
    pub(crate) fn poll_event(&mut self) -> Option<EngineEvent> {
        self.out.pop_event()
    }

    /// Number of live sessions.
    pub fn session_count(&self) -> usize {
        self.sessions.live_count()
    }

    /// The session with Engine.IO id `sid`, if live.
    pub fn session_by_sid(&self, sid: &str) -> Option<SessionId> {
        let id = self.sessions.find_sid(sid)?;
        self.sessions.live(id).map(|_| id)
    }

    /// The Engine.IO `sid` of a live session.
    pub fn sid(&self, session: SessionId) -> Option<&Utf8Bytes> {
        self.sessions.live(session).map(|s| &s.sid)
    }

    /// The transport a live session uses now.
    pub fn transport(&self, session: SessionId) -> Option<Transport> {
        self.sessions.live(session).map(|s| match s.active {
            Active::Polling => Transport::Polling,
            Active::Ws(_) => Transport::WebSocket,
        })
    }

    /// Whether a message sent now would leave at once (a WebSocket, or a held poll):
    /// the test for Socket.IO's volatile emits.
    pub fn is_writable(&self, session: SessionId) -> bool {
        self.sessions.live(session).is_some_and(|s| match s.active {
            Active::Ws(_) => true,
            Active::Polling => s.held_get.is_some() && !s.upgrade.is_some_and(|u| u.probed),
        })
    }

    /// Number of packets waiting in a session's outgoing queue (see also
    /// [`queued_bytes`](Self::queued_bytes)).
    pub fn queued(&self, session: SessionId) -> Option<usize> {
        self.sessions.live(session).map(|s| s.queue.len())
    }

    // ----- internals shared with the other files -----

    fn live(&self, id: SessionId) -> Option<&crate::server::session::Session> {
        self.sessions.live(id)
    }

    /// Whether a new session may be created (not shut down, below `max_sessions`).
    pub(crate) fn can_open(&self) -> bool {
        !self.shut_down && self.sessions.len() < self.config.max_sessions
    }
}

impl crate::driver::Core for EngineServer {
    type Input = crate::driver::server::Input;
    type Transmit = Transmit;
    type Event = EngineEvent;

    fn handle_input(&mut self, now: Instant, input: Self::Input) -> Result<(), InputError> {
        use crate::driver::server::Input;
        let now = self.clock.advance(now);
        self.run_timers(now);
        match input {
            Input::HttpRequest { request, req } => {
                if self.polling.is_held(request) {
                    return Err(InputError::DuplicateRequest(request));
                }
                self.on_http_request(now, request, req);
            }
            Input::HttpFailed { request } => self.on_http_failed(request),
            Input::WsUpgrade { conn, req } => {
                if self.ws.contains(conn) {
                    return Err(InputError::DuplicateConn(conn));
                }
                self.on_ws_upgrade(now, conn, &req);
            }
            Input::WsMessage { conn, msg } => self.on_ws_message(now, conn, msg),
            Input::WsClosed { conn } => self.on_ws_closed(conn, CloseReason::TransportClose),
            Input::WsFailed { conn } => self.on_ws_closed(conn, CloseReason::TransportError),
            Input::WsBacklog { conn, bytes } => self.on_ws_backlog(conn, bytes),
            Input::Timeout => {}
        }
        Ok(())
    }

    fn poll_output(&mut self) -> Output<Transmit, EngineEvent> {
        if let Some(e) = self.out.pop_event() {
            return Output::Event(e);
        }
        if let Some(t) = self.out.pop_transmit() {
            return Output::Transmit(t);
        }
        Output::Timeout(self.poll_timeout())
    }

    fn shutdown(&mut self, now: Instant) {
        self.shutdown_at(now);
    }
}

impl crate::driver::Tables for EngineServer {
    fn table_sizes(&self) -> Vec<(&'static str, usize)> {
        let (queued_bytes, backlog_bytes, over_budget) = self.budget_sizes();
        vec![
            ("engine.sessions", self.sessions.len()),
            ("engine.sid_index", self.sessions.sid_index_len()),
            ("engine.conns", self.ws.len()),
            ("engine.held_polls", self.polling.len()),
            ("engine.timers", self.timers.len()),
            ("engine.pending_upgrades", self.ws.pending_upgrades()),
            ("engine.transmits", self.out.transmits_len()),
            ("engine.events", self.out.events_len()),
            ("engine.queued_bytes", queued_bytes),
            ("engine.ws_backlog_bytes", backlog_bytes),
            ("engine.over_budget", over_budget),
        ]
    }
}
