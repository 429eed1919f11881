//! The Engine.IO client core: state, application commands, timers, and the packet
//! handling shared by both transports. The polling and WebSocket inputs live in
//! `polling.rs` and `websocket.rs`.

use super::config::EngineConfig;
use super::event::EngineEvent;
use crate::driver::client::Transmit;
use crate::engineio::{Handshake, Message, Packet};
use crate::error::ConfigError;
use crate::time::{Clock, Duration, Instant};
use crate::transport::{CloseReason, ConnId, RequestId, Transport};
use crate::utf8::Utf8Bytes;
use std::collections::VecDeque;

/// Default `maxPayload` when the server's handshake does not name one (the official
/// server's default).
pub(super) const DEFAULT_MAX_PAYLOAD: usize = 1_000_000;

/// Bytes a queued packet holds: a message's data, or a control packet's encoded length.
pub(super) fn held_len(packet: &Packet) -> usize {
    match packet {
        Packet::Message(Message::Text(t)) => t.len(),
        Packet::Message(Message::Binary(b)) => b.len(),
        other => other.encoded_len_hint(),
    }
}

/// Where the connection is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Phase {
    /// Waiting for the open packet.
    Opening,
    /// Handshake done.
    Open,
    /// `close()` was called over polling; waiting to write the queued packets and the
    /// close packet.
    Closing,
    /// Finished; every input is ignored.
    Closed,
}

/// An outstanding request and when it times out.
#[derive(Debug, Clone, Copy)]
pub(super) struct Pending<I> {
    pub(super) id: I,
    pub(super) deadline: Option<Instant>,
}

/// The transport packets currently go over.
#[derive(Debug)]
pub(super) enum Active {
    /// HTTP long-polling.
    Polling {
        /// The outstanding GET (always one while polling and not paused).
        get: Option<Pending<RequestId>>,
        /// The POST in flight (at most one).
        post: Option<Pending<RequestId>>,
        /// Set after the probe succeeded: no new GET or POST until the upgrade is done.
        paused: bool,
    },
    /// WebSocket (handshake over it, or after the upgrade).
    WebSocket {
        /// The connection.
        id: ConnId,
        /// Whether the adapter reported it open.
        opened: bool,
        /// Until the open packet arrives (WebSocket-only handshake), the request timeout.
        deadline: Option<Instant>,
    },
}

/// Stages of the upgrade probe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ProbeStage {
    /// `OpenWs` sent, not open yet.
    Connecting,
    /// `2probe` sent, waiting for `3probe`.
    Probing,
    /// `3probe` received; waiting for polling to go quiet before sending `5`.
    Pausing,
}

/// The WebSocket being tested for the upgrade.
#[derive(Debug)]
pub(super) struct Probe {
    pub(super) id: ConnId,
    pub(super) stage: ProbeStage,
    pub(super) deadline: Option<Instant>,
}

/// A sans-I/O Engine.IO v4 client.
///
/// Drive it through [`Core`](crate::driver::Core): feed what the network reported with
/// [`handle_input`](crate::driver::Core::handle_input), then drain
/// [`poll_output`](crate::driver::Core::poll_output) until it returns
/// [`Output::Timeout`](crate::driver::Output::Timeout), and feed
/// [`Input::Timeout`](crate::driver::client::Input::Timeout) at that deadline. Reports
/// about requests or connections the client no longer cares about (stale ids) are
/// ignored. The client names its requests and connections itself; they come out in the
/// transmits.
///
/// After [`EngineEvent::Closed`] the client is finished: it yields no more transmits,
/// and the adapter drops any requests still in flight for it. To reconnect, make a new
/// client.
#[derive(Debug)]
pub struct EngineClient {
    pub(super) config: EngineConfig,
    pub(super) clock: Clock,
    /// When the client was made (the time before any input).
    created: Instant,
    pub(super) phase: Phase,
    pub(super) active: Active,
    pub(super) probe: Option<Probe>,
    pub(super) handshake: Option<Handshake>,
    pub(super) max_payload: usize,
    pub(super) ping_deadline: Option<Instant>,
    pub(super) write_buf: VecDeque<Packet>,
    /// Bytes held by `write_buf` (see [`held_len`]).
    pub(super) write_bytes: usize,
    pub(super) transmits: VecDeque<Transmit>,
    pub(super) events: VecDeque<EngineEvent>,
    /// Added to every request and connection id (the [`Manager`](crate::client::Manager)
    /// puts its connection generation in the upper bits, so that reports about a replaced
    /// connection never match).
    id_base: u64,
    next_request: u64,
    next_ws: u64,
    stamp: u64,
    /// Packets that carried nothing (noop, pong, upgrade) since the last ping or
    /// message: past [`MAX_EMPTY_PACKETS`] the server is flooding and the connection
    /// is closed (`parse error`), so reconnection backs off instead of spinning.
    empty_packets: u32,
}

/// Packets carrying nothing a server may send between two pings or messages. One noop
/// ends a poll during an upgrade; the official server never sends more.
pub const MAX_EMPTY_PACKETS: u32 = 64;

impl EngineClient {
    /// A client that starts connecting at once: the first transmit is the handshake
    /// (a polling GET, or an `OpenWs` when the first transport is WebSocket).
    ///
    /// Errors with [`ConfigError`] if `transports` is empty or a limit is 0.
    pub fn new(now: Instant, config: EngineConfig) -> Result<Self, ConfigError> {
        EngineClient::with_id_base(now, config, 0)
    }

    /// As [`new`](Self::new), with every request and connection id offset by `id_base`.
    pub(crate) fn with_id_base(
        now: Instant,
        config: EngineConfig,
        id_base: u64,
    ) -> Result<Self, ConfigError> {
        config.validate()?;
        let mut clock = Clock::default();
        let now = clock.advance(now);
        let first = config
            .transports
            .first()
            .copied()
            .unwrap_or(Transport::Polling);
        let mut client = EngineClient {
            config,
            clock,
            created: now,
            phase: Phase::Opening,
            active: Active::Polling {
                get: None,
                post: None,
                paused: false,
            },
            probe: None,
            handshake: None,
            max_payload: DEFAULT_MAX_PAYLOAD,
            ping_deadline: None,
            write_buf: VecDeque::new(),
            write_bytes: 0,
            transmits: VecDeque::new(),
            events: VecDeque::new(),
            id_base,
            next_request: 0,
            next_ws: 0,
            stamp: 0,
            empty_packets: 0,
        };
        match first {
            Transport::Polling => client.send_get(now),
            Transport::WebSocket => {
                let id = client.open_ws(Transport::WebSocket);
                client.active = Active::WebSocket {
                    id,
                    opened: false,
                    deadline: client.deadline(now),
                };
            }
        }
        Ok(client)
    }

    /// The configuration the client was built with.
    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    /// The session id, once the handshake is done.
    pub fn sid(&self) -> Option<&str> {
        self.handshake.as_ref().map(|h| h.sid.as_str())
    }

    /// The server's open packet, once the handshake is done.
    pub fn handshake(&self) -> Option<&Handshake> {
        self.handshake.as_ref()
    }

    /// The transport packets currently go over (`None` once closed).
    pub fn transport(&self) -> Option<Transport> {
        match (&self.phase, &self.active) {
            (Phase::Closed, _) => None,
            (_, Active::Polling { .. }) => Some(Transport::Polling),
            (_, Active::WebSocket { .. }) => Some(Transport::WebSocket),
        }
    }

    /// Whether the handshake is done and the connection not closing or closed.
    pub fn is_open(&self) -> bool {
        self.phase == Phase::Open
    }

    /// Whether the client is finished.
    pub fn is_closed(&self) -> bool {
        self.phase == Phase::Closed
    }

    /// Closes the connection: writes the queued packets and a close packet (`1`), closes
    /// the WebSocket, and ends with `Closed { reason: ForcedClose }`. Over polling with a
    /// POST in flight, the close waits for that POST to finish. Does nothing if already
    /// closing or closed.
    pub fn close(&mut self, now: Instant) {
        let now = self.clock.advance(now);
        match self.phase {
            Phase::Closing | Phase::Closed => return,
            Phase::Opening => {
                self.finish(CloseReason::ForcedClose, None);
                return;
            }
            Phase::Open => {}
        }
        if let Some(probe) = self.probe.take() {
            self.transmits
                .push_back(Transmit::WsClose { conn: probe.id });
            if let Active::Polling { paused, .. } = &mut self.active {
                *paused = false;
            }
        }
        self.phase = Phase::Closing;
        self.push(Packet::Close);
        self.flush(now);
    }

    // ----- shared internals -------------------------------------------------------

    /// `now + request_timeout`, if a timeout is configured and representable.
    pub(super) fn deadline(&self, now: Instant) -> Option<Instant> {
        self.config.request_timeout.and_then(|t| now.checked_add(t))
    }

    /// The latest time seen (for commands that take no `now`).
    pub(super) fn now(&self) -> Instant {
        self.clock.latest().unwrap_or(self.created)
    }

    pub(super) fn next_request_id(&mut self) -> RequestId {
        self.next_request += 1;
        RequestId::new(self.id_base | self.next_request)
    }

    pub(super) fn next_stamp(&mut self) -> Option<u64> {
        if self.config.timestamp_requests {
            self.stamp += 1;
            Some(self.stamp)
        } else {
            None
        }
    }

    /// Queues an `OpenWs` for `transport=websocket` (with the sid when known).
    pub(super) fn open_ws(&mut self, transport: Transport) -> ConnId {
        self.next_ws += 1;
        let conn = ConnId::new(self.id_base | self.next_ws);
        let sid = self.handshake.as_ref().map(|h| h.sid.clone());
        let uri = self.config.path_and_query(transport, sid.as_deref(), None);
        self.transmits.push_back(Transmit::WsOpen { conn, uri });
        conn
    }

    /// Restarts the heartbeat watch: the next ping must come within
    /// `pingInterval + pingTimeout`.
    pub(super) fn reset_ping_deadline(&mut self, now: Instant) {
        self.ping_deadline = self.handshake.as_ref().and_then(|h| {
            let ms = h.ping_interval.saturating_add(h.ping_timeout);
            now.checked_add(Duration::from_millis(ms))
        });
    }

    /// The open packet arrived: record it, report it, start the heartbeat watch.
    pub(super) fn on_handshake(&mut self, now: Instant, handshake: Handshake) {
        self.max_payload = handshake
            .max_payload
            .and_then(|m| usize::try_from(m).ok())
            .unwrap_or(DEFAULT_MAX_PAYLOAD);
        self.events.push_back(EngineEvent::Opened {
            sid: handshake.sid.clone(),
            handshake: handshake.clone(),
        });
        self.handshake = Some(handshake);
        self.phase = Phase::Open;
        self.reset_ping_deadline(now);
    }

    /// Handles one packet from the server on the active transport (after the open).
    /// Returns false when the packet ended the connection.
    pub(super) fn on_packet(&mut self, now: Instant, packet: Packet) -> bool {
        match packet {
            Packet::Open(_) => {
                self.finish(CloseReason::ParseError, None);
                return false;
            }
            Packet::Close => {
                self.finish(CloseReason::TransportClose, None);
                return false;
            }
            Packet::Ping(_) => {
                self.empty_packets = 0;
                self.reset_ping_deadline(now);
                let pong_queued = self.write_buf.iter().any(|p| matches!(p, Packet::Pong(_)));
                if self.phase == Phase::Open && !pong_queued {
                    self.push(Packet::Pong(Utf8Bytes::default()));
                }
            }
            Packet::Message(msg) => {
                self.empty_packets = 0;
                self.events.push_back(EngineEvent::Message { msg });
            }
            Packet::Pong(_) | Packet::Upgrade | Packet::Noop => {
                self.empty_packets += 1;
                if self.empty_packets > MAX_EMPTY_PACKETS {
                    self.finish(CloseReason::ParseError, None);
                    return false;
                }
            }
        }
        true
    }

    /// Sends what can be sent on the active transport.
    pub(super) fn flush(&mut self, now: Instant) {
        match self.active {
            Active::Polling { .. } => self.flush_polling(now),
            Active::WebSocket { .. } => self.flush_ws(),
        }
    }

    /// A request or the active WebSocket failed (or timed out).
    pub(super) fn fail_transport(&mut self) {
        let reason = if self.phase == Phase::Closing {
            CloseReason::ForcedClose
        } else {
            CloseReason::TransportError
        };
        self.finish(reason, None);
    }

    /// Ends the connection: closes any WebSocket still open (except `dead`, which the
    /// peer already closed), drops the queue, reports `Closed`.
    pub(super) fn finish(&mut self, reason: CloseReason, dead: Option<ConnId>) {
        if self.phase == Phase::Closed {
            return;
        }
        self.phase = Phase::Closed;
        self.write_buf.clear();
        self.write_bytes = 0;
        self.ping_deadline = None;
        let mut to_close = Vec::with_capacity(2);
        if let Some(probe) = self.probe.take() {
            to_close.push(probe.id);
        }
        if let Active::WebSocket { id, .. } = self.active {
            to_close.push(id);
        }
        // Requests in flight are forgotten (the adapter drops them); nothing is active.
        self.active = Active::Polling {
            get: None,
            post: None,
            paused: false,
        };
        for conn in to_close {
            if Some(conn) != dead {
                self.transmits.push_back(Transmit::WsClose { conn });
            }
        }
        self.events.push_back(EngineEvent::Closed { reason });
    }
}
