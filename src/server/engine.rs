//! [`EngineServer`]: the value that owns every session. This file holds the state, its
//! construction, the outputs (`poll_transmit`, `poll_event`) and the queries; the
//! application commands are in `commands.rs`, session life (open, checks, packets,
//! flush, teardown) in `lifecycle.rs`, timers and the heartbeat in `timers.rs`, HTTP
//! polling in `polling.rs`, WebSocket in `ws.rs`.

use super::config::EngineConfig;
use super::id_hasher::IdHasherBuilder;
use super::session::{Active, Session};
use super::types::{ConnId, EngineEvent, HttpResponse, RequestId, SessionId, Transmit, Transport};
use crate::driver::{InputError, Output};
use crate::error::ConfigError;
use crate::ids::IdSource;
use crate::time::Clock;
use crate::utf8::Utf8Bytes;
use std::collections::{BTreeSet, HashMap, VecDeque};
use std::time::Instant;

/// What a WebSocket connection is to the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ConnRole {
    /// Negotiating an upgrade of this polling session.
    Upgrading(SessionId),
    /// The transport of this session.
    Active(SessionId),
}

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
    pub(crate) config: EngineConfig,
    pub(crate) ids: Box<dyn IdSource>,
    pub(crate) clock: Clock,
    pub(crate) sessions: HashMap<SessionId, Session, IdHasherBuilder>,
    pub(crate) by_sid: HashMap<String, SessionId>,
    pub(crate) conns: HashMap<ConnId, ConnRole>,
    /// Held polls, to find the session of an aborted request.
    pub(crate) held: HashMap<RequestId, SessionId>,
    pub(crate) timers: BTreeSet<(Instant, SessionId)>,
    pub(crate) transmits: VecDeque<Transmit>,
    pub(crate) events: VecDeque<EngineEvent>,
    pub(crate) next_session: u64,
    pub(crate) pending_upgrades: usize,
    pub(crate) shut_down: bool,
}

impl std::fmt::Debug for EngineServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EngineServer")
            .field("config", &self.config)
            .field("sessions", &self.sessions.len())
            .field("conns", &self.conns.len())
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
            sessions: HashMap::default(),
            by_sid: HashMap::new(),
            conns: HashMap::new(),
            held: HashMap::new(),
            timers: BTreeSet::new(),
            transmits: VecDeque::new(),
            events: VecDeque::new(),
            next_session: 0,
            pending_upgrades: 0,
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
        self.events.pop_front()
    }

    /// Number of live sessions.
    pub fn session_count(&self) -> usize {
        self.sessions
            .values()
            .filter(|s| s.closing.is_none())
            .count()
    }

    /// The session with Engine.IO id `sid`, if live.
    pub fn session_by_sid(&self, sid: &str) -> Option<SessionId> {
        let id = *self.by_sid.get(sid)?;
        self.live(id).map(|_| id)
    }

    /// The Engine.IO `sid` of a live session.
    pub fn sid(&self, session: SessionId) -> Option<&Utf8Bytes> {
        self.live(session).map(|s| &s.sid)
    }

    /// The transport a live session uses now.
    pub fn transport(&self, session: SessionId) -> Option<Transport> {
        self.live(session).map(|s| match s.active {
            Active::Polling => Transport::Polling,
            Active::Ws(_) => Transport::WebSocket,
        })
    }

    /// Whether a message sent now would leave at once (a WebSocket, or a held poll):
    /// the test for Socket.IO's volatile emits.
    pub fn is_writable(&self, session: SessionId) -> bool {
        self.live(session).is_some_and(|s| match s.active {
            Active::Ws(_) => true,
            Active::Polling => s.held_get.is_some() && !s.upgrade.is_some_and(|u| u.probed),
        })
    }

    /// Number of messages waiting in a session's outgoing queue.
    pub fn queued(&self, session: SessionId) -> Option<usize> {
        self.live(session).map(|s| s.queue.len())
    }

    // ----- internals shared with the other files -----

    pub(crate) fn live(&self, id: SessionId) -> Option<&Session> {
        self.sessions.get(&id).filter(|s| s.closing.is_none())
    }

    pub(crate) fn live_mut(&mut self, id: SessionId) -> Option<&mut Session> {
        self.sessions.get_mut(&id).filter(|s| s.closing.is_none())
    }

    pub(crate) fn respond(&mut self, request: RequestId, response: HttpResponse) {
        self.transmits
            .push_back(Transmit::HttpResponse { request, response });
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
                if self.held.contains_key(&request) {
                    return Err(InputError::DuplicateRequest(request));
                }
                self.on_http_request(now, request, req);
            }
            Input::HttpFailed { request } => self.on_http_failed(request),
            Input::WsUpgrade { conn, req } => {
                if self.conns.contains_key(&conn) {
                    return Err(InputError::DuplicateConn(conn));
                }
                self.on_ws_upgrade(now, conn, &req);
            }
            Input::WsMessage { conn, msg } => self.on_ws_message(now, conn, msg),
            Input::WsClosed { conn } | Input::WsFailed { conn } => self.on_ws_closed(conn),
            Input::Timeout => {}
        }
        Ok(())
    }

    fn poll_output(&mut self) -> Output<Transmit, EngineEvent> {
        if let Some(e) = self.events.pop_front() {
            return Output::Event(e);
        }
        if let Some(t) = self.transmits.pop_front() {
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
        vec![
            ("engine.sessions", self.sessions.len()),
            ("engine.sid_index", self.by_sid.len()),
            ("engine.conns", self.conns.len()),
            ("engine.held_polls", self.held.len()),
            ("engine.timers", self.timers.len()),
            ("engine.pending_upgrades", self.pending_upgrades),
            ("engine.transmits", self.transmits.len()),
            ("engine.events", self.events.len()),
        ]
    }
}
