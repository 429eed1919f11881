//! The [`Manager`] value and its connection life cycle: open, close, reconnect with
//! back-off, and writing packets to the engine. How it is driven (inputs, outputs,
//! timers) is in `driving.rs`; the socket commands in `socket_api.rs`; the server's
//! packets in `packets.rs`.

use super::config::ManagerConfig;
use super::event::{IoEvent, OpenError};
use super::socket::SocketState;
use crate::client::backoff::Backoff;
use crate::client::engine::EngineClient;
use crate::driver::client::Transmit;
use crate::engineio::Message;
use crate::error::{ConfigError, SendError};
use crate::ids::RandomSource;
use crate::socketio::{Decoder, DecoderConfig, Encoded};
use crate::time::{Clock, Instant};
use crate::transport::{CloseReason, DisconnectReason, SocketId};
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

/// Request and connection ids of each Engine.IO connection carry its generation in
/// their upper 32 bits, so that reports about a connection that was replaced never
/// match the current one.
pub(crate) const GEN_SHIFT: u32 = 32;
const LOW_MASK: u64 = (1 << GEN_SHIFT) - 1;

/// The handle of socket slot `i` (client sockets are never removed: generation 0).
pub(crate) fn socket_id(i: usize) -> SocketId {
    SocketId {
        idx: u32::try_from(i).unwrap_or(u32::MAX),
        gen: 0,
    }
}

/// A sans-I/O Socket.IO v5 client: the JS client's `Manager` and its sockets.
///
/// One value owns the Engine.IO connection ([`EngineClient`]) and every namespace
/// socket ([`SocketId`]). It is driven exactly like the engine client, through
/// [`Core`](crate::driver::Core) with [`Input`](crate::client::Input) and
/// [`Transmit`]: [`handle_input`](crate::driver::Core::handle_input) hands each input to
/// the engine once, and [`poll_output`](crate::driver::Core::poll_output) yields the
/// [`IoEvent`]s, then the transmits, then the next deadline. The full run loop is in the
/// [`client`](crate::client) module docs.
///
/// When the connection is lost (not by [`close`](Self::close) or a server disconnect),
/// the manager waits the back-off delay and builds a new [`EngineClient`], then sends
/// CONNECT again for every socket that should be connected. Request and connection ids
/// of a replaced connection are never reused; reports about them are ignored.
///
/// ```
/// use socketio_proto::client::io::{IoEvent, Manager, ManagerConfig};
/// use socketio_proto::client::Transmit;
/// use socketio_proto::ids::SeededRandom;
/// use socketio_proto::{Core, Output};
/// use std::time::Instant;
///
/// let config = ManagerConfig::new("localhost", 3000);
/// let mut io = Manager::new(config, Box::new(SeededRandom::new(1))).unwrap();
/// let chat = io.socket("/chat", Some(serde_json::json!({"token": "t"}))).unwrap();
/// io.connect(Instant::now(), chat).unwrap();
/// io.emit(chat, "hello", &("world",)).unwrap(); // buffered until connected
/// let Output::Transmit(Transmit::HttpRequest { request, req }) = io.poll_output() else {
///     panic!("the handshake comes first");
/// };
/// assert!(req.uri.starts_with("/socket.io/?EIO=4&transport=polling"));
/// // Perform it; feed Input::HttpResponse { request, status, body }.
/// # let _ = request;
/// assert!(matches!(io.poll_output(), Output::Timeout(Some(_))));
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
    /// A namespace connected on the current connection: only then does a later close
    /// start the back-off afresh (a server that accepts the handshake and drops the
    /// connection at once gets ever longer delays, not a reconnect every first delay).
    pub(crate) proven: bool,
    pub(crate) skip_reconnect: bool,
    pub(crate) reconnect_at: Option<Instant>,
    pub(crate) open_deadline: Option<Instant>,
    pub(crate) decoder: Decoder,
    pub(crate) sockets: Vec<SocketState>,
    pub(crate) transmits: VecDeque<Transmit>,
    pub(crate) events: VecDeque<IoEvent>,
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
    /// Errors with [`ConfigError`] if the configuration is inconsistent.
    pub fn new(config: ManagerConfig, rng: Box<dyn RandomSource>) -> Result<Self, ConfigError> {
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
            proven: false,
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
    /// connected sockets get `Disconnected { reason: ForcedClose }`. What the sockets
    /// buffered while offline stays for a later [`connect`](Self::connect), which opens
    /// a new connection. [`Core::shutdown`](crate::driver::Core::shutdown) also drops
    /// those buffers.
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

    // ----- life cycle ---------------------------------------------------------------

    /// A new Engine.IO client (the JS manager's `open`).
    fn start_engine(&mut self, now: Instant) {
        self.generation = (self.generation + 1) & LOW_MASK;
        self.skip_reconnect = false;
        self.proven = false;
        self.decoder = new_decoder(&self.config);
        let id_base = self.generation << GEN_SHIFT;
        match EngineClient::with_id_base(now, self.config.engine.clone(), id_base) {
            Ok(engine) => {
                self.engine = Some(engine);
                self.ready = Ready::Opening;
                self.open_deadline = self.config.timeout.and_then(|t| now.checked_add(t));
            }
            // The configuration was validated in `new`; treat a failure like a refusal.
            Err(_) => self.on_open_failed(now, OpenError::Engine(CloseReason::TransportError)),
        }
    }

    /// Closes and drops the current engine, keeping the transmits it still wants done.
    pub(crate) fn retire_engine(&mut self, now: Instant) {
        if let Some(mut engine) = self.engine.take() {
            engine.close(now);
            while let Some(t) = engine.poll_transmit() {
                self.transmits.push_back(t);
            }
        }
        // A binary packet half received on that connection will never complete.
        self.decoder.reset();
    }

    /// The handshake completed (the JS manager's `onopen`, then `onreconnect`).
    pub(crate) fn on_open(&mut self) {
        self.ready = Ready::Open;
        self.open_deadline = None;
        self.events.push_back(IoEvent::Opened);
        for i in 0..self.sockets.len() {
            self.send_connect(i);
        }
        if self.reconnecting {
            // The back-off restarts once a namespace connects on it (`proven`).
            let attempt = self.backoff.attempts();
            self.reconnecting = false;
            self.events.push_back(IoEvent::Reconnected { attempt });
        }
    }

    /// A connection attempt failed before the handshake.
    pub(crate) fn on_open_failed(&mut self, now: Instant, error: OpenError) {
        self.ready = Ready::Closed;
        self.open_deadline = None;
        if self.reconnecting {
            self.reconnecting = false;
            self.reconnect(now);
            self.events.push_back(IoEvent::ReconnectError { error });
        } else {
            self.events.push_back(IoEvent::OpenError { error });
            if self.config.reconnection && self.backoff.attempts() == 0 {
                self.reconnect(now);
            }
        }
    }

    /// The connection was lost or closed (the JS manager's `onclose`).
    pub(crate) fn on_close(&mut self, now: Instant, reason: DisconnectReason) {
        self.ready = Ready::Closed;
        self.open_deadline = None;
        if self.proven {
            self.backoff.reset();
        }
        for i in 0..self.sockets.len() {
            self.socket_closed(i, reason);
        }
        self.events.push_back(IoEvent::Closed { reason });
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
                self.events.push_back(IoEvent::ReconnectFailed);
                self.reconnecting = false;
                return;
            }
        }
        let delay = self.backoff.duration(self.rng.as_mut());
        self.reconnecting = true;
        self.reconnect_at = Some(now.checked_add(delay).unwrap_or(now));
    }

    /// The reconnection delay passed: the next attempt starts.
    pub(crate) fn reconnect_due(&mut self, now: Instant) {
        if self.reconnect_at.is_some_and(|d| d <= now) {
            self.reconnect_at = None;
            if !self.skip_reconnect {
                self.events.push_back(IoEvent::ReconnectAttempt {
                    attempt: self.backoff.attempts(),
                });
                self.start_engine(now);
            }
        }
    }

    // ----- writing ------------------------------------------------------------------

    /// Hands an encoded packet to the engine: the text, then each attachment.
    pub(crate) fn write_packet(&mut self, packet: Encoded) -> Result<(), SendError> {
        let engine = match self.engine.as_mut() {
            Some(e) if self.ready == Ready::Open => e,
            _ => return Err(SendError::NotConnected),
        };
        // All or nothing: a text packet without its attachments would break the stream.
        let msgs = std::iter::once(Message::Text(packet.text))
            .chain(packet.attachments.into_iter().map(Message::Binary));
        engine.send_many(msgs)
    }

    /// Whether the engine can take a packet right now (for volatile emits).
    pub(crate) fn writable(&self) -> bool {
        self.ready == Ready::Open && self.engine.as_ref().is_some_and(|e| e.is_writable())
    }
}

pub(crate) fn new_decoder(config: &ManagerConfig) -> Decoder {
    Decoder::new(DecoderConfig {
        max_attachments: config.max_attachments,
        max_attachment_bytes: config.max_attachment_bytes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::driver::Core;
    use crate::driver::Output;
    use crate::ids::FixedRandom;
    use crate::transport::Transport;

    fn manager() -> Manager {
        let mut c = ManagerConfig::new("h", 1);
        c.engine.transports = vec![Transport::WebSocket];
        Manager::new(c, Box::new(FixedRandom::new(vec![0.5]))).unwrap()
    }

    #[test]
    fn transport_ids_carry_the_generation() {
        let mut m = manager();
        m.open(Instant::now());
        assert_eq!(m.generation, 1);
        let Output::Transmit(Transmit::WsOpen { conn, .. }) = m.poll_output() else {
            panic!("WsOpen expected");
        };
        assert_eq!(conn.as_u64(), (1 << 32) | 1);
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
        assert_eq!(m.write_packet(packet), Err(SendError::NotConnected));
        assert!(!m.writable());
    }
}
