//! The Socket.IO v5 server state machine, on top of [`EngineServer`].
//!
//! [`SocketIoServer`] owns an [`EngineServer`] and implements the same
//! [`Core`]: `handle_input` hands the input to the engine once and
//! then handles what the engine reported; `poll_output` yields Socket.IO [`IoEvent`]s,
//! the engine's transmits, and the earliest of the engine's timers and its own (connect
//! and ack timeouts). See the crate documentation for the run loop in full.
//!
//! ```
//! use socketio_proto::driver::{Core, Output};
//! use socketio_proto::engineio::WsMessage;
//! use socketio_proto::ids::SequentialIds;
//! use socketio_proto::server::io::{IoConfig, IoEvent, SocketIoServer};
//! use socketio_proto::server::{ConnId, HttpRequest, Input};
//! use std::time::Instant;
//!
//! let mut io = SocketIoServer::new(
//!     IoConfig::default(),
//!     Box::new(SequentialIds::new("e")),
//!     Box::new(SequentialIds::new("s")),
//! ).unwrap();
//! let now = Instant::now();
//! let conn = ConnId::new(1);
//! let req = HttpRequest::get("/socket.io/?EIO=4&transport=websocket");
//! io.handle_input(now, Input::WsUpgrade { conn, req }).unwrap();
//! io.handle_input(now, Input::WsMessage { conn, msg: WsMessage::Text("40".into()) }).unwrap();
//! loop {
//!     match io.poll_output() {
//!         Output::Event(IoEvent::ConnectRequest { request, .. }) => {
//!             let socket = io.accept(request).unwrap();
//!             io.emit(socket, "hello", &("world",)).unwrap();
//!         }
//!         Output::Event(_) => {}
//!         Output::Transmit(_t) => { /* write it */ }
//!         Output::Timeout(_deadline) => break,
//!     }
//! }
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
//! Nothing a client sends makes `handle_input` fail. An invalid packet (unknown type,
//! bad payload, bad ack id, bad binary attachments, a CONNECT for a namespace already
//! joined or pending, any other packet for a namespace not joined, a CONNECT_ERROR)
//! disconnects every socket of the session with
//! [`DisconnectReason::ParseError`] and closes the session. Bounds, all in
//! [`IoConfig`]: attachments per packet (`max_attachments`, and their bytes
//! `max_attachment_bytes`, enforced by the codec's decoder; a session holds its own
//! decoder only while a binary packet waits for its attachments), namespaces in the server (`max_namespaces`: beyond it a CONNECT to a new
//! dynamic namespace is answered `Invalid namespace`), namespaces per session
//! (`max_namespaces_per_session`: `Too many namespaces`), unanswered client acks per
//! socket (`max_ack_requests`: the oldest is forgotten), acks awaited per socket
//! (`max_pending_acks`: `emit_with_ack` is refused beyond it). The engine bounds sessions,
//! payload sizes and each session's outgoing queue in packets and bytes: an emit that
//! does not fit is refused ([`EmitError::QueueBytesFull`](crate::error::EmitError::QueueBytesFull)),
//! a broadcast skips that recipient and reports it
//! ([`IoEvent::BroadcastSkipped`]), and a session left over budget past the grace period
//! is closed, its sockets leaving with [`DisconnectReason::SlowConsumer`].

mod acks;
mod broadcast;
mod cluster;
mod commands;
mod config;
mod dispatch;
mod namespaces;
mod sockets;
mod types;

/// The arguments of received events and acks (the codec's type, re-exported).
pub use crate::socketio::Args;
pub use crate::transport::{AckRequest, DisconnectReason, SocketId};
pub use broadcast::Target;
pub use cluster::ClusterEvent;
pub use config::{IoConfig, NamespaceFilter};
pub use types::{AcceptError, BroadcastAckId, ConnectRequest, IoEvent};

use super::{EngineServer, SessionId, Transmit};
use crate::driver::{Core, InputError, Output};
use crate::error::{ConfigError, NamespaceError};
use crate::ids::IdSource;
use crate::socketio::{JsonParser, PacketDecoder, Parser};
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
struct Client<D> {
    decoder: Option<Box<D>>,
    /// (namespace index, socket) for each joined namespace.
    sockets: Vec<(u32, SocketId)>,
    /// (namespace name, request) for each CONNECT the application has not answered.
    pending: Vec<(Arc<str>, u64)>,
    /// Armed until the first namespace is joined.
    connect_timer: Option<TimerKey>,
}

impl<D> Client<D> {
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
///
/// Generic over the Socket.IO packet [`Parser`] ([`JsonParser`], the official
/// `socket.io-parser`, by default; see [`with_parser`](Self::with_parser)): every packet
/// sent is encoded and every message received decoded through it.
pub struct SocketIoServer<P: Parser = JsonParser> {
    engine: EngineServer,
    parser: P,
    config: IoConfig,
    socket_ids: Box<dyn IdSource>,
    clock: Clock,
    clients: HashMap<SessionId, Client<P::Decoder>>,
    sockets: SocketTable,
    nsps: Namespaces,
    /// The decoder for sessions not in the middle of a binary packet.
    scratch: P::Decoder,
    requests: HashMap<u64, PendingConnect>,
    next_request: u64,
    timers: Timers,
    acks: AckTable,
    epoch: u32,
    events: VecDeque<IoEvent>,
}

impl<P: Parser> std::fmt::Debug for SocketIoServer<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SocketIoServer")
            .field("engine", &self.engine)
            .field("parser", &self.parser)
            .field("clients", &self.clients.len())
            .field("sockets", &self.sockets.len())
            .field("namespaces", &self.nsps.len())
            .finish_non_exhaustive()
    }
}

impl SocketIoServer<JsonParser> {
    /// A server with `config` and the JSON parser; Engine.IO session ids come from
    /// `engine_ids`, Socket.IO socket ids from `socket_ids` (use
    /// [`RandomIds`](crate::ids::RandomIds) for both in production). The main namespace
    /// `/` is registered.
    pub fn new(
        config: IoConfig,
        engine_ids: Box<dyn IdSource>,
        socket_ids: Box<dyn IdSource>,
    ) -> Result<Self, ConfigError> {
        Self::with_parser(config, engine_ids, socket_ids, JsonParser)
    }
}

impl<P: Parser> SocketIoServer<P> {
    /// As [`new`](SocketIoServer::new), with the Socket.IO packet parser `parser`: every
    /// packet is encoded and decoded through it (a binary parser's packets travel as
    /// one binary Engine.IO message each).
    pub fn with_parser(
        config: IoConfig,
        engine_ids: Box<dyn IdSource>,
        socket_ids: Box<dyn IdSource>,
        parser: P,
    ) -> Result<Self, ConfigError> {
        config.validate()?;
        let scratch_config = config.decoder_config();
        let engine = EngineServer::new(config.engine.clone(), engine_ids)?;
        let mut nsps = Namespaces::default();
        nsps.get_or_create(crate::socketio::MAIN_NAMESPACE);
        let scratch = parser.decoder(scratch_config);
        Ok(SocketIoServer {
            engine,
            parser,
            config,
            socket_ids,
            clock: Clock::default(),
            clients: HashMap::new(),
            sockets: SocketTable::default(),
            nsps,
            scratch,
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
    pub fn register_namespace(&mut self, name: &str) -> Result<(), NamespaceError> {
        if !name.starts_with('/') || name.contains(',') {
            return Err(NamespaceError::Invalid(name.to_owned()));
        }
        if self.nsps.find(name).is_none() && self.nsps.len() >= self.config.max_namespaces {
            return Err(NamespaceError::TooMany {
                limit: self.config.max_namespaces,
            });
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

    /// Bytes of binary attachments held for packets not yet complete, across sessions:
    /// each session's share is at most
    /// [`IoConfig::max_attachment_bytes`](IoConfig::max_attachment_bytes).
    pub fn attachment_bytes(&self) -> usize {
        let own: usize = self
            .clients
            .values()
            .filter_map(|c| c.decoder.as_deref())
            .map(PacketDecoder::pending_bytes)
            .sum();
        own + self.scratch.pending_bytes()
    }

    /// Processes every event the engine produced.
    fn pump(&mut self) {
        while let Some(ev) = self.engine.poll_event() {
            self.on_engine_event(ev);
        }
    }
}

impl<P: Parser> Core for SocketIoServer<P> {
    type Input = crate::driver::server::Input;
    type Transmit = Transmit;
    type Event = IoEvent;

    /// Forwards the input to the engine, then handles what the engine reported; a
    /// timeout also runs this layer's timers (connect and ack timeouts).
    fn handle_input(&mut self, now: Instant, input: Self::Input) -> Result<(), InputError> {
        let now = self.clock.advance(now);
        let timeout = matches!(input, crate::driver::server::Input::Timeout);
        let result = self.engine.handle_input(now, input);
        self.pump();
        if timeout {
            self.run_timers(now);
            self.pump();
        }
        result
    }

    fn poll_output(&mut self) -> Output<Transmit, IoEvent> {
        if let Some(e) = self.events.pop_front() {
            return Output::Event(e);
        }
        match self.engine.poll_output() {
            Output::Transmit(t) => Output::Transmit(t),
            // The engine's events are pumped after every input and command.
            Output::Event(ev) => {
                self.on_engine_event(ev);
                self.poll_output()
            }
            Output::Timeout(t) => Output::Timeout(earliest(t, self.timers.next())),
        }
    }

    fn shutdown(&mut self, now: Instant) {
        self.shutdown_at(now);
    }
}

impl<P: Parser> crate::driver::Tables for SocketIoServer<P> {
    fn table_sizes(&self) -> Vec<(&'static str, usize)> {
        let mut v = crate::driver::Tables::table_sizes(&self.engine);
        let (members, rooms) = self.nsps.sizes();
        v.extend([
            ("io.clients", self.clients.len()),
            ("io.sockets", self.sockets.len()),
            ("io.namespace_members", members),
            ("io.rooms", rooms),
            ("io.connect_requests", self.requests.len()),
            ("io.acks", self.acks.single.len()),
            ("io.broadcast_acks", self.acks.broadcasts.len()),
            ("io.broadcast_ack_index", self.acks.by_ack.len()),
            ("io.timers", self.timers.len()),
            ("io.events", self.events.len()),
            ("io.attachment_bytes", self.attachment_bytes()),
        ]);
        v
    }
}
