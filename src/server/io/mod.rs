//! The Socket.IO v5 server state machine, on top of [`EngineServer`].
//!
//! [`SocketIoServer`] owns an [`EngineServer`] and takes the same inputs
//! (`handle_http_request`, `handle_ws_open`, `handle_ws_message`, `handle_ws_closed`,
//! `handle_timeout`, …); its [`poll_transmit`](SocketIoServer::poll_transmit) yields the
//! engine's transmits, [`poll_event`](SocketIoServer::poll_event) yields Socket.IO
//! [`IoEvent`]s, and [`poll_timeout`](SocketIoServer::poll_timeout) is the earliest of
//! the engine's timers and its own (connect timeouts, ack timeouts). An adapter drives it
//! exactly like the engine server:
//!
//! ```
//! use socketio_proto::server::io::{IoConfig, IoEvent, SocketIoServer};
//! use socketio_proto::server::HttpRequest;
//! use socketio_proto::ids::SequentialIds;
//! use std::time::Instant;
//!
//! let mut io = SocketIoServer::new(
//!     IoConfig::default(),
//!     Box::new(SequentialIds::new("e")),
//!     Box::new(SequentialIds::new("s")),
//! ).unwrap();
//! let now = Instant::now();
//! let ws = io.handle_ws_open(now, &HttpRequest::get("/socket.io/?EIO=4&transport=websocket"));
//! io.handle_ws_message(now, ws, socketio_proto::engineio::WsMessage::Text("40".into()));
//! while let Some(ev) = io.poll_event() {
//!     if let IoEvent::ConnectRequest { request, .. } = ev {
//!         let socket = io.accept(request).unwrap();
//!         io.emit(socket, "hello", &("world",)).unwrap();
//!     }
//! }
//! while let Some(_t) = io.poll_transmit() { /* write it */ }
//! ```
//!
//! The application answers each [`IoEvent::ConnectRequest`] with
//! [`accept`](SocketIoServer::accept) (the CONNECT reply goes out at once, before
//! anything emitted later) or [`reject`](SocketIoServer::reject) (a CONNECT_ERROR, the
//! official middleware error). Broadcasts ([`SocketIoServer::broadcast`]) encode the
//! packet once and share the frame among all recipients.
//!
//! ## Peer errors and limits
//!
//! Nothing a client sends makes a `handle_*` call fail. An invalid packet (unknown type,
//! bad payload, bad ack id, bad binary attachments, a CONNECT for a namespace already
//! joined or pending, any other packet for a namespace not joined, a CONNECT_ERROR)
//! disconnects every socket of the session with
//! [`DisconnectReason::ParseError`] and closes the session. Bounds, all in
//! [`IoConfig`]: attachments per packet (`max_attachments`, enforced by the codec's
//! decoder; a session holds its own decoder only while a binary packet waits for its
//! attachments), namespaces in the server (`max_namespaces`: beyond it a CONNECT to a new
//! dynamic namespace is answered `Invalid namespace`), namespaces per session
//! (`max_namespaces_per_session`: `Too many namespaces`), unanswered client acks per
//! socket (`max_pending_acks`: the oldest is forgotten). The engine bounds sessions,
//! payload sizes and each session's outgoing queue; a broadcast skips a recipient whose
//! queue is full.

mod acks;
mod broadcast;
mod commands;
mod config;
mod dispatch;
mod namespaces;
mod sockets;
mod types;

/// The arguments of received events and acks (the codec's type, re-exported).
pub use crate::socketio::Args;
pub use broadcast::Target;
pub use config::{IoConfig, NamespaceFilter};
pub use types::{BroadcastAckId, ConnectRequestId, DisconnectReason, IoEvent, SocketId};

use super::{ConnId, EngineServer, HttpRequest, HttpResponse, RequestId, SessionId, Transmit};
use crate::engineio::WsMessage;
use crate::error::Error;
use crate::ids::IdSource;
use crate::socketio::{Decoder, DecoderConfig};
use crate::time::{earliest, Clock};
use acks::{AckTable, TimerKey, Timers};
use namespaces::Namespaces;
use sockets::SocketTable;
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Instant;

/// Per Engine.IO session: the namespaces it joined or asks for, and a decoder while a
/// binary packet waits for its attachments (idle sessions share the server's decoder).
#[derive(Debug)]
struct Client {
    decoder: Option<Box<Decoder>>,
    /// (namespace index, socket) for each joined namespace.
    sockets: Vec<(u32, SocketId)>,
    /// (namespace name, request) for each CONNECT the application has not answered.
    pending: Vec<(Arc<str>, ConnectRequestId)>,
    /// Armed until the first namespace is joined.
    connect_timer: Option<TimerKey>,
}

impl Client {
    fn socket_for(&self, nsp: u32) -> Option<SocketId> {
        self.sockets
            .iter()
            .find(|(n, _)| *n == nsp)
            .map(|(_, s)| *s)
    }
}

/// A CONNECT waiting for the application.
#[derive(Debug)]
struct PendingConnect {
    session: SessionId,
    nsp: Arc<str>,
}

/// The Socket.IO v5 server: namespaces, sockets, rooms, broadcasts and acks over an
/// [`EngineServer`]. See the [module documentation](self).
pub struct SocketIoServer {
    engine: EngineServer,
    config: IoConfig,
    socket_ids: Box<dyn IdSource>,
    clock: Clock,
    clients: HashMap<SessionId, Client>,
    sockets: SocketTable,
    nsps: Namespaces,
    /// The decoder for sessions not in the middle of a binary packet.
    scratch: Decoder,
    requests: HashMap<ConnectRequestId, PendingConnect>,
    next_request: u64,
    timers: Timers,
    acks: AckTable,
    epoch: u32,
    events: VecDeque<IoEvent>,
}

impl std::fmt::Debug for SocketIoServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SocketIoServer")
            .field("engine", &self.engine)
            .field("clients", &self.clients.len())
            .field("sockets", &self.sockets.len())
            .field("namespaces", &self.nsps.len())
            .finish_non_exhaustive()
    }
}

impl SocketIoServer {
    /// A server with `config`; Engine.IO session ids come from `engine_ids`, Socket.IO
    /// socket ids from `socket_ids` (use [`RandomIds`](crate::ids::RandomIds) for both in
    /// production). The main namespace `/` is registered.
    pub fn new(
        config: IoConfig,
        engine_ids: Box<dyn IdSource>,
        socket_ids: Box<dyn IdSource>,
    ) -> Result<Self, Error> {
        config.validate()?;
        let scratch_config = config.max_attachments;
        let engine = EngineServer::new(config.engine.clone(), engine_ids)?;
        let mut nsps = Namespaces::default();
        nsps.get_or_create(crate::socketio::MAIN_NAMESPACE);
        Ok(SocketIoServer {
            engine,
            config,
            socket_ids,
            clock: Clock::default(),
            clients: HashMap::new(),
            sockets: SocketTable::default(),
            nsps,
            scratch: Decoder::new(DecoderConfig {
                max_attachments: scratch_config,
            }),
            requests: HashMap::new(),
            next_request: 0,
            timers: Timers::default(),
            acks: AckTable::default(),
            epoch: 0,
            events: VecDeque::new(),
        })
    }

    /// Registers a namespace up front (`/` is always registered). Its CONNECTs reach the
    /// application as [`IoEvent::ConnectRequest`].
    pub fn register_namespace(&mut self, name: &str) -> Result<(), Error> {
        if !name.starts_with('/') || name.contains(',') {
            return Err(Error::InvalidNamespace(name.to_owned()));
        }
        if self.nsps.find(name).is_none() && self.nsps.len() >= self.config.max_namespaces {
            return Err(Error::InvalidConfig("max_namespaces reached"));
        }
        self.nsps.get_or_create(name);
        Ok(())
    }

    /// The configuration.
    pub fn config(&self) -> &IoConfig {
        &self.config
    }

    /// The Engine.IO server underneath (for its queries: transports, queue lengths…).
    pub fn engine(&self) -> &EngineServer {
        &self.engine
    }

    // ----- inputs, forwarded to the engine -----

    /// An HTTP request on the Engine.IO path (see
    /// [`EngineServer::handle_http_request`]).
    pub fn handle_http_request(&mut self, now: Instant, req: HttpRequest) -> RequestId {
        self.clock.advance(now);
        let id = self.engine.handle_http_request(now, req);
        self.pump();
        id
    }

    /// The peer aborted an HTTP request (see [`EngineServer::handle_http_aborted`]).
    pub fn handle_http_aborted(&mut self, now: Instant, request: RequestId) {
        self.clock.advance(now);
        self.engine.handle_http_aborted(now, request);
        self.pump();
    }

    /// Pre-checks a WebSocket upgrade request (see [`EngineServer::check_ws_request`]).
    pub fn check_ws_request(&mut self, req: &HttpRequest) -> Result<(), HttpResponse> {
        self.engine.check_ws_request(req)
    }

    /// A WebSocket opened (see [`EngineServer::handle_ws_open`]).
    pub fn handle_ws_open(&mut self, now: Instant, req: &HttpRequest) -> ConnId {
        self.clock.advance(now);
        let conn = self.engine.handle_ws_open(now, req);
        self.pump();
        conn
    }

    /// A WebSocket message arrived (see [`EngineServer::handle_ws_message`]).
    pub fn handle_ws_message(&mut self, now: Instant, conn: ConnId, msg: WsMessage) {
        self.clock.advance(now);
        self.engine.handle_ws_message(now, conn, msg);
        self.pump();
    }

    /// A WebSocket closed (see [`EngineServer::handle_ws_closed`]).
    pub fn handle_ws_closed(&mut self, now: Instant, conn: ConnId) {
        self.clock.advance(now);
        self.engine.handle_ws_closed(now, conn);
        self.pump();
    }

    /// Runs the timers due at `now`: the engine's (pings, timeouts) and this layer's
    /// (connect timeouts, ack timeouts).
    pub fn handle_timeout(&mut self, now: Instant) {
        let now = self.clock.advance(now);
        self.engine.handle_timeout(now);
        self.pump();
        self.run_timers(now);
        self.pump();
    }

    // ----- outputs -----

    /// The next thing to send (the engine's transmits).
    #[must_use]
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.engine.poll_transmit()
    }

    /// The next Socket.IO event.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<IoEvent> {
        self.events.pop_front()
    }

    /// When [`handle_timeout`](Self::handle_timeout) must be called next.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        earliest(self.engine.poll_timeout(), self.timers.next())
    }

    // ----- queries -----

    /// Number of connected sockets (all namespaces).
    pub fn socket_count(&self) -> usize {
        self.sockets.len()
    }

    /// The public id of a socket (the `sid` of its CONNECT reply).
    pub fn socket_sid(&self, socket: SocketId) -> Option<&str> {
        self.sockets.get(socket).map(|s| &*s.sid)
    }

    /// The socket whose public id is `sid`.
    pub fn socket_by_sid(&self, sid: &str) -> Option<SocketId> {
        self.sockets.by_sid(sid)
    }

    /// The Engine.IO session carrying a socket.
    pub fn socket_session(&self, socket: SocketId) -> Option<SessionId> {
        self.sockets.get(socket).map(|s| s.session)
    }

    /// The namespace of a socket.
    pub fn socket_namespace(&self, socket: SocketId) -> Option<&str> {
        let s = self.sockets.get(socket)?;
        self.nsps.get(s.nsp).map(|n| &*n.name)
    }

    /// The rooms a socket is in, its own-id room first.
    pub fn rooms(&self, socket: SocketId) -> Option<Vec<&str>> {
        let s = self.sockets.get(socket)?;
        let mut v = Vec::with_capacity(1 + s.rooms.len());
        v.push(&*s.sid);
        v.extend(s.rooms.iter().map(|r| &**r));
        Some(v)
    }

    /// The sockets a session has in each namespace it joined.
    pub fn session_sockets(&self, session: SessionId) -> Vec<SocketId> {
        self.clients
            .get(&session)
            .map(|c| c.sockets.iter().map(|(_, s)| *s).collect())
            .unwrap_or_default()
    }

    /// Number of sockets in a namespace (0 if it does not exist).
    pub fn namespace_len(&self, nsp: &str) -> usize {
        self.nsps
            .find(nsp)
            .and_then(|i| self.nsps.get(i))
            .map_or(0, |n| n.members.len())
    }

    /// Number of sockets in a room of a namespace (a socket id counts as a room of one).
    pub fn room_len(&self, nsp: &str, room: &str) -> usize {
        let Some(i) = self.nsps.find(nsp) else {
            return 0;
        };
        let stored = self
            .nsps
            .get(i)
            .and_then(|n| n.rooms.get(room))
            .map_or(0, |r| r.len());
        let own = self
            .sockets
            .by_sid(room)
            .and_then(|s| self.sockets.get(s))
            .filter(|s| s.nsp == i)
            .map_or(0, |_| 1);
        stored + own
    }

    // ----- internals -----

    /// Processes every event the engine produced.
    fn pump(&mut self) {
        while let Some(ev) = self.engine.poll_event() {
            self.on_engine_event(ev);
        }
    }
}
