//! [`EngineServer`]: the value that owns every session. This file holds the state, the
//! outputs (`poll_*`), the application commands, timers and session teardown; HTTP
//! polling is in `polling.rs`, WebSocket in `ws.rs`.

use super::config::EngineConfig;
use super::request::{self, ErrorCode};
use super::session::{encode_queue, Active, Out, Session};
use super::types::{
    CloseReason, ConnId, EngineEvent, HttpRequest, HttpResponse, OutMessage, RequestId, SessionId,
    Transmit, TransportKind,
};
use crate::engineio::{Handshake, Packet, WsMessage};
use crate::error::Error;
use crate::ids::IdSource;
use crate::time::Clock;
use crate::utf8::Utf8Bytes;
use std::collections::{BTreeSet, HashMap, VecDeque};
use std::time::Instant;

/// Hashes the server-allocated `SessionId` numbers (never chosen by a peer, so a
/// DoS-resistant hash buys nothing) with one multiply instead of SipHash, keeping the id
/// in the low bits so the map's layout follows id order (the same scheme as the
/// Socket.IO layer's socket sets: a broadcast then walks both tables sequentially).
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct IdHasher {
    low: u64,
    mix: u64,
    started: bool,
}

impl std::hash::Hasher for IdHasher {
    fn finish(&self) -> u64 {
        // Low bits: the first number as is, so that consecutive ids land in consecutive
        // buckets and iteration follows allocation order (cache-friendly broadcasts);
        // top 7 bits (the table's tag byte): a mix of everything written.
        (self.low & LOW_BITS) | (self.mix & !LOW_BITS)
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }

    fn write_u64(&mut self, n: u64) {
        if !self.started {
            self.low = n;
            self.started = true;
        }
        self.mix = (self.mix.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

/// The bits of a hash that [`IdHasher`] takes from the id itself.
const LOW_BITS: u64 = (1 << 57) - 1;

/// Builds [`IdHasher`]s.
pub(crate) type IdHasherBuilder = std::hash::BuildHasherDefault<IdHasher>;

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
    Handshake(TransportKind),
    /// A request for this existing session.
    Existing(SessionId),
}

/// The Engine.IO v4 server state machine: every session, polling and WebSocket, the
/// upgrade between them and the heartbeat.
///
/// Inputs are `handle_*(now, …)` calls and application commands ([`send`](Self::send),
/// [`close`](Self::close), [`shutdown`](Self::shutdown)); after each, drain
/// [`poll_transmit`](Self::poll_transmit) and [`poll_event`](Self::poll_event), then wait
/// until [`poll_timeout`](Self::poll_timeout) (call [`handle_timeout`](Self::handle_timeout)
/// then) or the next input.
pub struct EngineServer {
    pub(crate) config: EngineConfig,
    ids: Box<dyn IdSource>,
    pub(crate) clock: Clock,
    pub(crate) sessions: HashMap<SessionId, Session, IdHasherBuilder>,
    pub(crate) by_sid: HashMap<String, SessionId>,
    pub(crate) conns: HashMap<ConnId, ConnRole>,
    /// Held polls, to find the session of an aborted request.
    pub(crate) held: HashMap<RequestId, SessionId>,
    timers: BTreeSet<(Instant, SessionId)>,
    pub(crate) transmits: VecDeque<Transmit>,
    pub(crate) events: VecDeque<EngineEvent>,
    next_session: u64,
    next_request: u64,
    next_conn: u64,
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
    pub fn new(config: EngineConfig, ids: Box<dyn IdSource>) -> Result<Self, Error> {
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
            next_request: 0,
            next_conn: 0,
            pending_upgrades: 0,
            shut_down: false,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    /// The next thing to send, if any.
    #[must_use]
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.transmits.pop_front()
    }

    /// The next event, if any.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<EngineEvent> {
        self.events.pop_front()
    }

    /// When [`handle_timeout`](Self::handle_timeout) must be called next.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.timers.first().map(|(at, _)| *at)
    }

    /// Runs the timers due at `now`: pings, ping timeouts, upgrade timeouts.
    pub fn handle_timeout(&mut self, now: Instant) {
        let now = self.clock.advance(now);
        self.run_timers(now);
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
    pub fn transport(&self, session: SessionId) -> Option<TransportKind> {
        self.live(session).map(|s| match s.active {
            Active::Polling => TransportKind::Polling,
            Active::Ws(_) => TransportKind::WebSocket,
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

    /// Queues one message for `session`.
    ///
    /// Errors: [`Error::UnknownSession`] if the session is closed;
    /// [`Error::QueueFull`] if `max_queue_packets` messages already wait (nothing is
    /// queued; the caller may drop the message or close the session).
    pub fn send(&mut self, session: SessionId, msg: impl Into<OutMessage>) -> Result<(), Error> {
        let msg = msg.into();
        let max = self.config.max_queue_packets;
        let s = self
            .sessions
            .get_mut(&session)
            .filter(|s| s.closing.is_none())
            .ok_or(Error::UnknownSession)?;
        match s.active {
            // Nothing waits before it on an open WebSocket: straight out (what `flush`
            // would do), without touching the queue (broadcast fast path).
            Active::Ws(conn) if s.queue.is_empty() => {
                let msg = match msg {
                    OutMessage::Text(f) => WsMessage::Text(f.into_frame()),
                    OutMessage::Binary(b) => WsMessage::Binary(b),
                };
                self.transmits.push_back(Transmit::Ws { conn, msg });
                Ok(())
            }
            _ => {
                if s.queue.len() >= max {
                    return Err(Error::QueueFull(max));
                }
                s.queue.push_back(Out::Msg(msg));
                self.flush(session);
                Ok(())
            }
        }
    }

    /// Queues several messages atomically (all or none), e.g. a Socket.IO binary packet
    /// and its attachments. Same errors as [`send`](Self::send).
    pub fn send_many(
        &mut self,
        session: SessionId,
        msgs: impl IntoIterator<Item = OutMessage>,
    ) -> Result<(), Error> {
        let max = self.config.max_queue_packets;
        let msgs: Vec<OutMessage> = msgs.into_iter().collect();
        let s = self.live_mut(session).ok_or(Error::UnknownSession)?;
        if s.queue.len().saturating_add(msgs.len()) > max {
            return Err(Error::QueueFull(max));
        }
        s.queue.extend(msgs.into_iter().map(Out::Msg));
        self.flush(session);
        Ok(())
    }

    /// Closes a session from the application side (reason `forced close`, reported at
    /// once). Queued messages are still delivered: over WebSocket they are sent before
    /// the close; over polling the held poll (or the next one, within `ping_timeout`)
    /// receives them followed by a close packet.
    pub fn close(&mut self, session: SessionId) -> Result<(), Error> {
        let now = self.clock.latest().ok_or(Error::UnknownSession)?;
        let linger = self.config.ping_timeout;
        let s = self.live_mut(session).ok_or(Error::UnknownSession)?;
        match s.active {
            Active::Ws(_) => {
                self.flush(session);
                self.close_session(session, CloseReason::ForcedClose);
            }
            Active::Polling => {
                s.queue.push_back(Out::Ctrl(Packet::Close));
                s.closing = Some(now + linger);
                s.next_ping = None;
                s.pong_deadline = None;
                if let Some(u) = s.upgrade.take() {
                    self.drop_conn(u.conn, true);
                }
                self.events.push_back(EngineEvent::Closed {
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
    pub fn shutdown(&mut self, now: Instant) {
        let _ = self.clock.advance(now);
        self.shut_down = true;
        let mut ids: Vec<SessionId> = self.sessions.keys().copied().collect();
        ids.sort();
        for id in ids {
            self.close_session(id, CloseReason::ServerShutdown);
        }
    }

    // ----- internals shared with polling.rs and ws.rs -----

    pub(crate) fn live(&self, id: SessionId) -> Option<&Session> {
        self.sessions.get(&id).filter(|s| s.closing.is_none())
    }

    pub(crate) fn live_mut(&mut self, id: SessionId) -> Option<&mut Session> {
        self.sessions.get_mut(&id).filter(|s| s.closing.is_none())
    }

    pub(crate) fn alloc_request(&mut self) -> RequestId {
        self.next_request += 1;
        RequestId(self.next_request)
    }

    pub(crate) fn alloc_conn(&mut self) -> ConnId {
        self.next_conn += 1;
        ConnId(self.next_conn)
    }

    pub(crate) fn respond(&mut self, resp: HttpResponse) {
        self.transmits.push_back(Transmit::HttpResponse(resp));
    }

    /// Whether a new session may be created (not shut down, below `max_sessions`).
    pub(crate) fn can_open(&self) -> bool {
        !self.shut_down && self.sessions.len() < self.config.max_sessions
    }

    /// Creates a session; the open packet is queued (not yet flushed).
    pub(crate) fn open_session(
        &mut self,
        now: Instant,
        transport: TransportKind,
        conn: Option<ConnId>,
        uri: &str,
    ) -> SessionId {
        self.next_session += 1;
        let id = SessionId(self.next_session);
        let sid = Utf8Bytes::from(self.ids.next_id());
        let upgrades = if transport == TransportKind::Polling && self.config.allow_upgrades {
            vec!["websocket".to_owned()]
        } else {
            Vec::new()
        };
        let hs = Handshake {
            sid: sid.to_string(),
            upgrades,
            ping_interval: self.config.ping_interval.as_millis() as u64,
            ping_timeout: self.config.ping_timeout.as_millis() as u64,
            max_payload: Some(self.config.max_payload as u64),
        };
        let active = match conn {
            Some(c) => {
                self.conns.insert(c, ConnRole::Active(id));
                Active::Ws(c)
            }
            None => Active::Polling,
        };
        let mut s = Session::new(sid.clone(), active, now, self.config.ping_interval);
        s.queue.push_back(Out::Ctrl(Packet::Open(hs)));
        self.by_sid.insert(sid.to_string(), id);
        self.sessions.insert(id, s);
        self.events.push_back(EngineEvent::Opened {
            session: id,
            sid,
            transport,
            uri: uri.to_owned(),
        });
        self.reschedule(id);
        id
    }

    /// The protocol checks of the official `verify()`, in its order.
    pub(crate) fn verify(&self, req: &HttpRequest, is_ws: bool) -> Result<Verified, ErrorCode> {
        let (_, q) = request::parse_uri(&req.uri);
        let transport = match q.transport.as_deref() {
            Some("polling") => TransportKind::Polling,
            Some("websocket") => TransportKind::WebSocket,
            _ => return Err(ErrorCode::TransportUnknown),
        };
        if !request::origin_is_valid(req.origin.as_deref()) {
            return Err(ErrorCode::BadRequest);
        }
        if let Some(sid) = q.sid.as_deref() {
            // A session closing (closed by the application, queue not yet delivered)
            // is still found here, so that its last poll can be answered.
            let id = *self.by_sid.get(sid).ok_or(ErrorCode::UnknownSid)?;
            let current = match self.sessions.get(&id).map(|s| s.active) {
                None => return Err(ErrorCode::UnknownSid),
                Some(Active::Polling) => TransportKind::Polling,
                Some(Active::Ws(_)) => TransportKind::WebSocket,
            };
            let ok = if is_ws {
                transport == TransportKind::WebSocket
            } else {
                transport == current
            };
            if !ok {
                return Err(ErrorCode::BadRequest);
            }
            return Ok(Verified::Existing(id));
        }
        if req.method != super::types::Method::Get {
            return Err(ErrorCode::BadHandshakeMethod);
        }
        if (transport == TransportKind::WebSocket) != is_ws {
            return Err(ErrorCode::BadRequest);
        }
        if let Some(allow) = &self.config.allow_request {
            if !allow(req) {
                return Err(ErrorCode::Forbidden);
            }
        }
        if q.eio.as_deref() != Some("4") {
            return Err(ErrorCode::UnsupportedProtocolVersion);
        }
        Ok(Verified::Handshake(transport))
    }

    /// Handles one decoded packet from the client on the session's transport.
    pub(crate) fn on_packet(&mut self, now: Instant, id: SessionId, packet: Packet) {
        let interval = self.config.ping_interval;
        let Some(s) = self.live_mut(id) else { return };
        match packet {
            Packet::Close => self.close_session(id, CloseReason::TransportClose),
            // The v4 server pings; a ping from the client breaks the heartbeat direction.
            Packet::Ping(_) => self.close_session(id, CloseReason::ParseError),
            Packet::Pong(_) => {
                s.pong_deadline = None;
                s.next_ping = Some(now + interval);
                self.reschedule(id);
            }
            Packet::Message(msg) => self
                .events
                .push_back(EngineEvent::Message { session: id, msg }),
            Packet::Open(_) | Packet::Upgrade | Packet::Noop => {}
        }
    }

    /// Sends what can be sent: everything over WebSocket, or one payload to a held poll.
    pub(crate) fn flush(&mut self, id: SessionId) {
        let max = self.config.max_payload;
        let Some(s) = self.sessions.get_mut(&id) else {
            return;
        };
        match s.active {
            Active::Ws(conn) => {
                for o in s.queue.drain(..) {
                    self.transmits.push_back(Transmit::Ws {
                        conn,
                        msg: o.to_ws(),
                    });
                }
            }
            Active::Polling => {
                if s.upgrade.is_some_and(|u| u.probed) || s.queue.is_empty() {
                    return;
                }
                if let Some(rid) = s.held_get.take() {
                    self.held.remove(&rid);
                    let body = encode_queue(&mut s.queue, max);
                    let headers = std::mem::take(&mut s.held_headers);
                    self.respond(request::poll_ok(headers, rid, body));
                }
            }
        }
    }

    /// Drops a closing session once its queue has been delivered.
    pub(crate) fn finish_closing(&mut self, id: SessionId) {
        if self
            .sessions
            .get(&id)
            .is_some_and(|s| s.closing.is_some() && s.queue.is_empty())
        {
            let _ = self.teardown(id);
        }
    }

    /// Forgets a WebSocket; with `close`, tells the adapter to close it.
    pub(crate) fn drop_conn(&mut self, conn: ConnId, close: bool) {
        if let Some(ConnRole::Upgrading(_)) = self.conns.remove(&conn) {
            self.pending_upgrades = self.pending_upgrades.saturating_sub(1);
        }
        if close {
            self.transmits.push_back(Transmit::CloseWs { conn });
        }
    }

    /// Abandons a session's upgrade: the WebSocket is closed, polling goes on.
    pub(crate) fn abort_upgrade(&mut self, id: SessionId, close: bool) {
        let Some(s) = self.sessions.get_mut(&id) else {
            return;
        };
        if let Some(u) = s.upgrade.take() {
            self.drop_conn(u.conn, close);
            self.flush(id);
            self.reschedule(id);
        }
    }

    /// Removes a session from every table; returns it.
    fn teardown(&mut self, id: SessionId) -> Option<Session> {
        let mut s = self.sessions.remove(&id)?;
        if self.by_sid.get(s.sid.as_str()) == Some(&id) {
            self.by_sid.remove(s.sid.as_str());
        }
        if let Some(at) = s.scheduled.take() {
            self.timers.remove(&(at, id));
        }
        if let Some(u) = s.upgrade.take() {
            self.drop_conn(u.conn, true);
        }
        Some(s)
    }

    /// Closes a session for `reason`: a held poll gets `6` (client close) or `1`, an
    /// active WebSocket is closed, and `Closed` is reported (unless it already was).
    pub(crate) fn close_session(&mut self, id: SessionId, reason: CloseReason) {
        let Some(mut s) = self.teardown(id) else {
            return;
        };
        match s.active {
            Active::Ws(conn) => {
                if self.conns.remove(&conn).is_some() {
                    self.transmits.push_back(Transmit::CloseWs { conn });
                }
            }
            Active::Polling => {
                if let Some(rid) = s.held_get.take() {
                    self.held.remove(&rid);
                    let body = if reason == CloseReason::TransportClose {
                        "6"
                    } else {
                        "1"
                    };
                    let headers = std::mem::take(&mut s.held_headers);
                    self.respond(request::poll_ok(headers, rid, body.to_owned()));
                }
            }
        }
        if s.closing.is_none() {
            self.events.push_back(EngineEvent::Closed {
                session: id,
                reason,
            });
        }
    }

    /// Puts a session's earliest deadline in the timer table.
    pub(crate) fn reschedule(&mut self, id: SessionId) {
        let Some(s) = self.sessions.get_mut(&id) else {
            return;
        };
        let want = s.deadline();
        if want == s.scheduled {
            return;
        }
        if let Some(at) = s.scheduled.take() {
            self.timers.remove(&(at, id));
        }
        if let Some(at) = want {
            self.timers.insert((at, id));
        }
        s.scheduled = want;
    }

    pub(crate) fn run_timers(&mut self, now: Instant) {
        while let Some(&(at, id)) = self.timers.first() {
            if at > now {
                break;
            }
            self.timers.remove(&(at, id));
            if let Some(s) = self.sessions.get_mut(&id) {
                s.scheduled = None;
            }
            self.fire(now, id);
            self.reschedule(id);
        }
    }

    fn fire(&mut self, now: Instant, id: SessionId) {
        let timeout = self.config.ping_timeout;
        let Some(s) = self.sessions.get_mut(&id) else {
            return;
        };
        if s.closing.is_some_and(|d| d <= now) {
            let _ = self.teardown(id);
            return;
        }
        if s.upgrade.is_some_and(|u| u.deadline <= now) {
            self.abort_upgrade(id, true);
        }
        let Some(s) = self.sessions.get_mut(&id) else {
            return;
        };
        if s.pong_deadline.is_some_and(|d| d <= now) {
            self.close_session(id, CloseReason::PingTimeout);
            return;
        }
        if s.next_ping.is_some_and(|d| d <= now) {
            s.next_ping = None;
            s.pong_deadline = Some(now + timeout);
            s.queue
                .push_back(Out::Ctrl(Packet::Ping(Utf8Bytes::default())));
            self.flush(id);
        }
    }
}
