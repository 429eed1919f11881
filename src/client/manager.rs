//! The Socket.IO client [`Manager`]: one Engine.IO connection shared by every namespace
//! socket, reconnected with exponential back-off when it is lost.
//!
//! This file holds the connection life cycle (open, close, reconnect, timers) and the
//! transport inputs; the socket commands are in `socket_api.rs` and the handling of the
//! server's packets in `manager_packets.rs`.

use super::backoff::Backoff;
use super::engine::{
    ClientEngineEvent, ClientTransmit, EngineClient, HttpRequest, RequestId, WsId,
};
use super::manager_config::ManagerConfig;
use super::manager_event::{ClientEvent, DisconnectReason, OpenError};
use super::socket::SocketState;
use crate::engineio::{Message, WsMessage};
use crate::error::Error;
use crate::ids::RandomSource;
use crate::socketio::{Decoder, DecoderConfig, Encoded};
use crate::time::{earliest, Clock, Instant};
use bytes::Bytes;
use std::collections::VecDeque;

/// Where the Engine.IO connection is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ready {
    /// No connection (and maybe a reconnection timer running).
    Closed,
    /// An Engine.IO client is doing its handshake.
    Opening,
    /// The handshake is done.
    Open,
}

/// Request and WebSocket ids handed to the adapter carry the connection generation in
/// their upper 32 bits, so that reports about a connection that was replaced are ignored.
const GEN_SHIFT: u32 = 32;
const LOW_MASK: u64 = (1 << GEN_SHIFT) - 1;

/// A sans-I/O Socket.IO v5 client: the JS client's `Manager` and its sockets.
///
/// One value owns the Engine.IO connection ([`EngineClient`]) and every namespace
/// socket ([`SocketId`](super::SocketId)). Drive it like the engine client: report network
/// results with the `handle_*` methods, then drain [`poll_transmit`](Self::poll_transmit)
/// and [`poll_event`](Self::poll_event), and call [`handle_timeout`](Self::handle_timeout)
/// at [`poll_timeout`](Self::poll_timeout).
///
/// When the connection is lost (not by [`close`](Self::close) or a server disconnect),
/// the manager waits the back-off delay and builds a new [`EngineClient`], then sends
/// CONNECT again for every socket that should be connected. Request and WebSocket ids of
/// a replaced connection are never reused; reports about them are ignored.
///
/// ```
/// use socketio_proto::client::engine::ClientTransmit;
/// use socketio_proto::client::{ClientEvent, Manager, ManagerConfig};
/// use socketio_proto::ids::SeededRandom;
/// use std::time::Instant;
///
/// let config = ManagerConfig::new("localhost", 3000);
/// let mut io = Manager::new(config, Box::new(SeededRandom::new(1))).unwrap();
/// let chat = io.socket("/chat", Some(serde_json::json!({"token": "t"}))).unwrap();
/// let now = Instant::now();
/// io.connect(now, chat).unwrap();
/// io.emit(now, chat, "hello", &("world",)).unwrap(); // buffered until connected
/// while let Some(t) = io.poll_transmit() {
///     if let ClientTransmit::HttpRequest(req) = t {
///         assert!(req.path_and_query.starts_with("/socket.io/?EIO=4&transport=polling"));
///         // Perform it; report with io.handle_http_response(now, req.id, status, body).
///     }
/// }
/// while let Some(ev) = io.poll_event() {
///     if let ClientEvent::Event { event, args, ack, .. } = ev {
///         let _ = (event, args.deserialize::<(String,)>(), ack);
///     }
/// }
/// // Sleep until io.poll_timeout(), then io.handle_timeout(now), and drain again.
/// ```
pub struct Manager {
    pub(crate) config: ManagerConfig,
    pub(crate) clock: Clock,
    rng: Box<dyn RandomSource>,
    pub(crate) backoff: Backoff,
    pub(crate) engine: Option<EngineClient>,
    /// Counts Engine.IO connections (the upper half of transport ids).
    pub(crate) generation: u64,
    pub(crate) ready: Ready,
    pub(crate) reconnecting: bool,
    pub(crate) skip_reconnect: bool,
    reconnect_at: Option<Instant>,
    open_deadline: Option<Instant>,
    pub(crate) decoder: Decoder,
    pub(crate) sockets: Vec<SocketState>,
    transmits: VecDeque<ClientTransmit>,
    pub(crate) events: VecDeque<ClientEvent>,
}

impl std::fmt::Debug for Manager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Manager")
            .field("ready", &self.ready)
            .field("generation", &self.generation)
            .field("reconnecting", &self.reconnecting)
            .field("sockets", &self.sockets.len())
            .finish_non_exhaustive()
    }
}

impl Manager {
    /// A manager that is not connected yet: create sockets with
    /// [`socket`](Self::socket) and start with [`connect`](Self::connect) (or
    /// [`open`](Self::open)). `rng` supplies the reconnection jitter.
    ///
    /// Errors with [`Error::InvalidConfig`] if the configuration is inconsistent.
    pub fn new(config: ManagerConfig, rng: Box<dyn RandomSource>) -> Result<Self, Error> {
        config.validate()?;
        let backoff = Backoff::new(
            config.reconnection_delay,
            config.reconnection_delay_max,
            config.randomization_factor,
        );
        let decoder = new_decoder(&config);
        Ok(Manager {
            config,
            clock: Clock::default(),
            rng,
            backoff,
            engine: None,
            generation: 0,
            ready: Ready::Closed,
            reconnecting: false,
            skip_reconnect: false,
            reconnect_at: None,
            open_deadline: None,
            decoder,
            sockets: Vec::new(),
            transmits: VecDeque::new(),
            events: VecDeque::new(),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &ManagerConfig {
        &self.config
    }

    /// The current Engine.IO connection, if one exists (opening or open).
    pub fn engine(&self) -> Option<&EngineClient> {
        self.engine.as_ref()
    }

    /// Whether the Engine.IO connection is open.
    pub fn is_open(&self) -> bool {
        self.ready == Ready::Open
    }

    /// Whether a reconnection loop is running (waiting for the back-off delay or for an
    /// attempt to complete).
    pub fn is_reconnecting(&self) -> bool {
        self.reconnecting
    }

    /// Opens the Engine.IO connection if there is none and no reconnection is pending
    /// (the JS manager's `open`). Sockets usually do this through
    /// [`connect`](Self::connect).
    pub fn open(&mut self, now: Instant) {
        let now = self.clock.advance(now);
        self.open_at(now);
    }

    pub(crate) fn open_at(&mut self, now: Instant) {
        if self.ready != Ready::Closed || self.reconnecting {
            return;
        }
        self.start_engine(now);
    }

    /// Closes the connection and stops reconnecting (the JS manager's `disconnect`):
    /// connected sockets get `Disconnected { reason: ForcedClose }`. A later
    /// [`connect`](Self::connect) opens a new connection.
    pub fn close(&mut self, now: Instant) {
        let now = self.clock.advance(now);
        self.close_all(now);
    }

    pub(crate) fn close_all(&mut self, now: Instant) {
        self.skip_reconnect = true;
        self.reconnecting = false;
        self.reconnect_at = None;
        // As the JS manager's `_close`: whatever state the connection is in, the next
        // `open` starts a fresh back-off (else a failed open would not reconnect).
        self.backoff.reset();
        if self.ready == Ready::Opening {
            self.retire_engine(now);
            self.ready = Ready::Closed;
            self.open_deadline = None;
            return;
        }
        if self.ready == Ready::Open {
            self.retire_engine(now);
            self.on_close(now, DisconnectReason::ForcedClose);
        }
    }

    // ----- transport inputs ---------------------------------------------------------

    /// The response to an [`HttpRequest`] (see [`EngineClient::handle_http_response`]).
    pub fn handle_http_response(&mut self, now: Instant, id: RequestId, status: u16, body: Bytes) {
        if let Some(inner) = self.inner_id(id.0) {
            self.drive(now, |e, now| {
                e.handle_http_response(now, RequestId(inner), status, body)
            });
        }
    }

    /// An HTTP request failed without a response.
    pub fn handle_http_error(&mut self, now: Instant, id: RequestId) {
        if let Some(inner) = self.inner_id(id.0) {
            self.drive(now, |e, now| e.handle_http_error(now, RequestId(inner)));
        }
    }

    /// A WebSocket asked for with `OpenWs` is open.
    pub fn handle_ws_opened(&mut self, now: Instant, id: WsId) {
        if let Some(inner) = self.inner_id(id.0) {
            self.drive(now, |e, now| e.handle_ws_opened(now, WsId(inner)));
        }
    }

    /// A frame arrived on a WebSocket.
    pub fn handle_ws_message(&mut self, now: Instant, id: WsId, msg: WsMessage) {
        if let Some(inner) = self.inner_id(id.0) {
            self.drive(now, |e, now| e.handle_ws_message(now, WsId(inner), msg));
        }
    }

    /// A WebSocket closed (by the server or the network).
    pub fn handle_ws_closed(&mut self, now: Instant, id: WsId) {
        if let Some(inner) = self.inner_id(id.0) {
            self.drive(now, |e, now| e.handle_ws_closed(now, WsId(inner)));
        }
    }

    /// A WebSocket failed (could not connect, or broke).
    pub fn handle_ws_error(&mut self, now: Instant, id: WsId) {
        if let Some(inner) = self.inner_id(id.0) {
            self.drive(now, |e, now| e.handle_ws_error(now, WsId(inner)));
        }
    }

    /// Runs the timers: the engine's, the connection timeout, the reconnection delay and
    /// the ack timeouts.
    pub fn handle_timeout(&mut self, now: Instant) {
        let now = self.clock.advance(now);
        if self.engine.is_some() {
            self.drive(now, |e, now| e.handle_timeout(now));
        }
        if self.ready == Ready::Opening && self.open_deadline.is_some_and(|d| d <= now) {
            self.retire_engine(now);
            self.on_open_failed(now, OpenError::Timeout);
        }
        if self.reconnect_at.is_some_and(|d| d <= now) {
            self.reconnect_at = None;
            if !self.skip_reconnect {
                self.events.push_back(ClientEvent::ReconnectAttempt {
                    attempt: self.backoff.attempts(),
                });
                self.start_engine(now);
            }
        }
        self.expire_acks(now);
    }

    // ----- outputs ------------------------------------------------------------------

    /// The next transmit to perform, if any.
    #[must_use]
    pub fn poll_transmit(&mut self) -> Option<ClientTransmit> {
        if let Some(t) = self.transmits.pop_front() {
            return Some(t);
        }
        let generation = self.generation;
        let t = self.engine.as_mut()?.poll_transmit()?;
        Some(outer_transmit(generation, t))
    }

    /// The next event, if any.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<ClientEvent> {
        self.events.pop_front()
    }

    /// When to call [`handle_timeout`](Self::handle_timeout) next (`None`: no timer).
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        let mut t = earliest(
            self.engine.as_ref().and_then(|e| e.poll_timeout()),
            earliest(self.open_deadline, self.reconnect_at),
        );
        for s in &self.sockets {
            t = earliest(t, s.next_deadline());
        }
        t
    }

    // ----- internals ----------------------------------------------------------------

    /// The engine-level id of an adapter id, if it belongs to the current connection.
    fn inner_id(&self, id: u64) -> Option<u64> {
        (self.engine.is_some() && id >> GEN_SHIFT == self.generation).then_some(id & LOW_MASK)
    }

    /// Runs `f` on the engine, then handles what it produced.
    fn drive(&mut self, now: Instant, f: impl FnOnce(&mut EngineClient, Instant)) {
        let now = self.clock.advance(now);
        if let Some(engine) = self.engine.as_mut() {
            f(engine, now);
        }
        self.pump(now);
    }

    /// Handles the engine's events until there are none.
    pub(crate) fn pump(&mut self, now: Instant) {
        while let Some(ev) = self.engine.as_mut().and_then(|e| e.poll_event()) {
            match ev {
                ClientEngineEvent::Open { .. } => self.on_open(now),
                ClientEngineEvent::Message(msg) => self.on_message(now, msg),
                ClientEngineEvent::Upgraded | ClientEngineEvent::UpgradeFailed => {}
                ClientEngineEvent::Closed { reason } => {
                    self.retire_engine(now);
                    if self.ready == Ready::Open {
                        self.on_close(now, reason.into());
                    } else {
                        self.on_open_failed(now, OpenError::Engine(reason));
                    }
                }
            }
        }
    }

    fn on_message(&mut self, now: Instant, msg: Message) {
        let decoded = match msg {
            Message::Text(t) => self.decoder.decode_text(&t),
            Message::Binary(b) => self.decoder.decode_binary(b),
        };
        match decoded {
            Ok(Some(packet)) => self.on_packet(now, packet),
            Ok(None) => {}
            Err(_) => {
                self.retire_engine(now);
                self.on_close(now, DisconnectReason::ParseError);
            }
        }
    }

    /// A new Engine.IO client (the JS manager's `open`).
    fn start_engine(&mut self, now: Instant) {
        self.generation = (self.generation + 1) & LOW_MASK;
        self.skip_reconnect = false;
        self.decoder = new_decoder(&self.config);
        match EngineClient::new(now, self.config.engine.clone()) {
            Ok(engine) => {
                self.engine = Some(engine);
                self.ready = Ready::Opening;
                self.open_deadline = self.config.timeout.and_then(|t| now.checked_add(t));
            }
            // The configuration was validated in `new`; treat a failure like a refusal.
            Err(_) => self.on_open_failed(
                now,
                OpenError::Engine(super::engine::CloseReason::TransportError),
            ),
        }
    }

    /// Closes and drops the current engine, keeping the transmits it still wants done.
    pub(crate) fn retire_engine(&mut self, now: Instant) {
        if let Some(mut engine) = self.engine.take() {
            engine.close(now);
            while let Some(t) = engine.poll_transmit() {
                self.transmits.push_back(outer_transmit(self.generation, t));
            }
        }
    }

    /// The handshake completed (the JS manager's `onopen`, then `onreconnect`).
    fn on_open(&mut self, now: Instant) {
        self.ready = Ready::Open;
        self.open_deadline = None;
        self.events.push_back(ClientEvent::Open);
        for i in 0..self.sockets.len() {
            self.send_connect(now, i);
        }
        if self.reconnecting {
            let attempt = self.backoff.attempts();
            self.reconnecting = false;
            self.backoff.reset();
            self.events.push_back(ClientEvent::Reconnected { attempt });
        }
    }

    /// A connection attempt failed before the handshake.
    fn on_open_failed(&mut self, now: Instant, error: OpenError) {
        self.ready = Ready::Closed;
        self.open_deadline = None;
        if self.reconnecting {
            self.reconnecting = false;
            self.reconnect(now);
            self.events.push_back(ClientEvent::ReconnectError { error });
        } else {
            self.events.push_back(ClientEvent::OpenError { error });
            if self.config.reconnection && self.backoff.attempts() == 0 {
                self.reconnect(now);
            }
        }
    }

    /// The connection was lost or closed (the JS manager's `onclose`).
    pub(crate) fn on_close(&mut self, now: Instant, reason: DisconnectReason) {
        self.ready = Ready::Closed;
        self.open_deadline = None;
        self.backoff.reset();
        for i in 0..self.sockets.len() {
            self.socket_closed(i, reason);
        }
        self.events.push_back(ClientEvent::Close { reason });
        if self.config.reconnection && !self.skip_reconnect {
            self.reconnect(now);
        }
    }

    /// Schedules the next attempt, or gives up (the JS manager's `reconnect`).
    fn reconnect(&mut self, now: Instant) {
        if self.reconnecting || self.skip_reconnect {
            return;
        }
        if let Some(max) = self.config.reconnection_attempts {
            if self.backoff.attempts() >= max {
                self.backoff.reset();
                self.events.push_back(ClientEvent::ReconnectFailed);
                self.reconnecting = false;
                return;
            }
        }
        let delay = self.backoff.duration(self.rng.as_mut());
        self.reconnecting = true;
        self.reconnect_at = Some(now.checked_add(delay).unwrap_or(now));
    }

    /// Hands an encoded packet to the engine: the text, then each attachment.
    pub(crate) fn write_packet(&mut self, now: Instant, packet: Encoded) -> Result<(), Error> {
        let engine = match self.engine.as_mut() {
            Some(e) if self.ready == Ready::Open => e,
            _ => return Err(Error::NotConnected),
        };
        // All or nothing: a text packet without its attachments would break the stream.
        if engine.send_capacity() < 1 + packet.attachments.len() {
            return Err(Error::QueueFull(self.config.engine.max_queued_packets));
        }
        engine.send(now, Message::Text(packet.text))?;
        for a in packet.attachments {
            engine.send(now, Message::Binary(a))?;
        }
        Ok(())
    }

    /// Whether the engine can take a packet right now (for volatile emits).
    pub(crate) fn writable(&self) -> bool {
        self.ready == Ready::Open && self.engine.as_ref().is_some_and(|e| e.is_writable())
    }

    /// The ack timeouts that are due.
    fn expire_acks(&mut self, now: Instant) {
        for (i, s) in self.sockets.iter_mut().enumerate() {
            for id in s.expire_acks(now) {
                self.events.push_back(ClientEvent::AckTimeout {
                    socket: super::SocketId(i as u32),
                    id,
                });
            }
        }
    }
}

fn new_decoder(config: &ManagerConfig) -> Decoder {
    Decoder::new(DecoderConfig {
        max_attachments: config.max_attachments,
    })
}

/// Puts the connection generation into the ids of an engine transmit.
fn outer_transmit(generation: u64, t: ClientTransmit) -> ClientTransmit {
    let outer = |id: u64| (generation << GEN_SHIFT) | (id & LOW_MASK);
    match t {
        ClientTransmit::HttpRequest(r) => ClientTransmit::HttpRequest(HttpRequest {
            id: RequestId(outer(r.id.0)),
            ..r
        }),
        ClientTransmit::OpenWs { id, path_and_query } => ClientTransmit::OpenWs {
            id: WsId(outer(id.0)),
            path_and_query,
        },
        ClientTransmit::WsSend { id, msg } => ClientTransmit::WsSend {
            id: WsId(outer(id.0)),
            msg,
        },
        ClientTransmit::CloseWs { id } => ClientTransmit::CloseWs {
            id: WsId(outer(id.0)),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::engine::Transport;
    use crate::ids::FixedRandom;

    fn manager() -> Manager {
        let mut c = ManagerConfig::new("h", 1);
        c.engine.transports = vec![Transport::WebSocket];
        Manager::new(c, Box::new(FixedRandom::new(vec![0.5]))).unwrap()
    }

    #[test]
    fn transport_ids_carry_the_generation() {
        let t = outer_transmit(3, ClientTransmit::CloseWs { id: WsId(7) });
        assert_eq!(
            t,
            ClientTransmit::CloseWs {
                id: WsId((3 << 32) | 7)
            }
        );
        let mut m = manager();
        assert_eq!(m.inner_id((1 << 32) | 7), None, "no engine yet");
        m.open(Instant::now());
        assert_eq!(m.generation, 1);
        assert_eq!(m.inner_id((1 << 32) | 7), Some(7));
        assert_eq!(m.inner_id((2 << 32) | 7), None);
        let Some(ClientTransmit::OpenWs { id, .. }) = m.poll_transmit() else {
            panic!("OpenWs expected");
        };
        assert_eq!(id.0 >> 32, 1);
    }

    #[test]
    fn open_is_idempotent_and_close_stops_everything() {
        let t0 = Instant::now();
        let mut m = manager();
        m.open(t0);
        m.open(t0);
        assert_eq!(m.generation, 1);
        assert!(m.poll_timeout().is_some(), "the connection timeout runs");
        m.close(t0);
        assert!(m.engine().is_none());
        assert_eq!(m.poll_timeout(), None);
        assert!(!m.is_reconnecting());
    }

    #[test]
    fn writing_needs_an_open_connection() {
        let mut m = manager();
        let packet = crate::socketio::Packet::disconnect("/").unwrap().encode();
        assert_eq!(
            m.write_packet(Instant::now(), packet),
            Err(Error::NotConnected)
        );
        assert!(!m.writable());
    }
}
