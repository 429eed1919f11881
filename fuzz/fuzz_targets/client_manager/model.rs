//! The model of what the client should be doing, and the invariants checked against
//! it: every transmit and event the manager produces goes through [`drain`].

use super::ops::{AckId, GEN_SHIFT};
use socketio_proto::client::io::{IoEvent, Manager};
use socketio_proto::client::{AckRequest, DisconnectReason, Method, SocketId, Transmit};
use socketio_proto::driver::{Core, Output, Tables};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

/// What one client socket should be.
#[derive(Default)]
pub struct SockModel {
    /// Index into `NSPS`.
    pub nsp: usize,
    /// `connect` was called and no disconnect / refusal followed.
    pub wanted: bool,
    /// `Connected` seen and no `Disconnected` since.
    pub connected: bool,
    /// Ids handed out by `emit_with_ack`.
    pub used: Vec<u64>,
    /// Ids still waiting for an answer.
    pub pending: BTreeSet<u64>,
}

/// What the manager should be.
pub struct Model {
    /// The sockets created, in order.
    pub sockets: Vec<(SocketId, SockModel)>,
    /// Outstanding HTTP requests: id → method.
    pub requests: BTreeMap<u64, Method>,
    /// Every request id ever sent.
    pub all_requests: Vec<u64>,
    /// Every WebSocket id ever opened.
    pub ws: Vec<u64>,
    /// Ack requests from the server not yet answered (at most 32 kept).
    pub tokens: Vec<AckRequest>,
    /// `Open` seen and no `Close` since.
    pub open: bool,
    /// The last attempt number of the running reconnect cycle (0: none yet). The
    /// back-off, and with it the count, restarts only once a namespace connected on
    /// the connection (`proven`), not on a bare Engine.IO open: a server that accepts
    /// the handshake and then drops us must not reset our reconnection delay.
    pub cycle: u32,
    /// A namespace connected since the last `Opened`.
    pub proven: bool,
    /// From the config.
    pub reconnection: bool,
    /// From the config: the send buffer bound per socket.
    pub max_buffered: usize,
    /// From the config: the send buffer's byte bound per socket.
    pub max_buffered_bytes: usize,
    /// The largest packet buffered so far (an empty buffer takes one of any size).
    pub largest_buffered: usize,
    /// From the config: the bytes of a packet's attachments being reassembled.
    pub max_attachment_bytes: usize,
    /// The deadline of the last `Output::Timeout`.
    pub deadline: Option<Instant>,
}

impl Model {
    /// A model of a fresh manager.
    pub fn new(reconnection: bool, max_buffered: usize) -> Model {
        Model {
            sockets: Vec::new(),
            requests: BTreeMap::new(),
            all_requests: Vec::new(),
            ws: Vec::new(),
            tokens: Vec::new(),
            open: false,
            cycle: 0,
            proven: false,
            reconnection,
            max_buffered,
            max_buffered_bytes: usize::MAX,
            largest_buffered: 0,
            max_attachment_bytes: usize::MAX,
            deadline: None,
        }
    }

    /// The model of socket `id`; an event for a socket never created is a bug.
    pub fn sock(&mut self, id: SocketId) -> &mut SockModel {
        let i = self
            .sockets
            .iter()
            .position(|(s, _)| *s == id)
            .unwrap_or_else(|| panic!("event for unknown socket {id}"));
        &mut self.sockets[i].1
    }

    /// The `s`-th socket (wrapping): its index and id.
    pub fn pick_socket(&self, s: u8) -> Option<(usize, SocketId)> {
        if self.sockets.is_empty() {
            None
        } else {
            let i = usize::from(s) % self.sockets.len();
            Some((i, self.sockets[i].0))
        }
    }

    /// The ack id an [`AckId`] stands for on the socket of namespace `nsp`.
    pub fn ack_id(&self, nsp: usize, id: AckId) -> u64 {
        match id {
            AckId::Random(r) => r,
            AckId::Used(k) => self
                .sockets
                .iter()
                .find(|(_, m)| m.nsp == nsp)
                .filter(|(_, m)| !m.used.is_empty())
                .map_or(u64::from(k), |(_, m)| m.used[usize::from(k) % m.used.len()]),
        }
    }
}

/// Takes every output of the manager (up to its deadline, kept in `m.deadline`),
/// updating the model and checking the invariants: the transmits first, then the
/// events.
pub fn drain(io: &mut Manager, m: &mut Model) {
    let mut transmits = Vec::new();
    let mut events = Vec::new();
    m.deadline = loop {
        match io.poll_output() {
            Output::Transmit(t) => transmits.push(t),
            Output::Event(e) => events.push(e),
            Output::Timeout(d) => break d,
        }
    };
    for t in transmits {
        match t {
            Transmit::HttpRequest { request, req } => {
                let id = request.as_u64();
                let generation = id >> GEN_SHIFT;
                assert!(
                    m.requests.insert(id, req.method).is_none(),
                    "request id reused"
                );
                m.all_requests.push(id);
                let same = m
                    .requests
                    .iter()
                    .filter(|(id, meth)| *id >> GEN_SHIFT == generation && **meth == req.method)
                    .count();
                assert!(
                    same <= 1,
                    "two {:?} outstanding in generation {generation}",
                    req.method
                );
            }
            Transmit::WsOpen { conn, .. } => {
                assert!(!m.ws.contains(&conn.as_u64()), "ws id reused");
                m.ws.push(conn.as_u64());
            }
            Transmit::WsSend { conn, .. } | Transmit::WsClose { conn } => {
                assert!(m.ws.contains(&conn.as_u64()), "unknown ws {conn}")
            }
        }
    }
    let mut open_error = false;
    let mut failed = false;
    let mut after_failed = false;
    for e in events {
        let is_failed = e == IoEvent::ReconnectFailed;
        match e {
            IoEvent::Opened => {
                assert!(!m.open, "Opened twice");
                m.open = true;
                m.proven = false;
            }
            IoEvent::Closed { .. } => {
                assert!(m.open, "Closed without Opened");
                m.open = false;
                if m.proven {
                    m.cycle = 0;
                }
                for (_, s) in &m.sockets {
                    assert!(!s.connected, "Close before a socket's Disconnected");
                }
            }
            IoEvent::OpenError { .. } => {
                assert!(!m.open);
                open_error = true;
            }
            IoEvent::ReconnectAttempt { attempt } => {
                assert_eq!(attempt, m.cycle + 1, "reconnect attempts count up by one");
                m.cycle = attempt;
            }
            IoEvent::Reconnected { attempt } => {
                assert!(m.open);
                assert_eq!(attempt, m.cycle);
            }
            // As in the JS manager, the last failed attempt gives `ReconnectFailed`
            // (from `reconnect()`) just before its `ReconnectError`.
            IoEvent::ReconnectError { .. } => assert!(
                m.cycle > 0 || after_failed,
                "ReconnectError outside a cycle"
            ),
            IoEvent::ReconnectFailed => {
                m.cycle = 0;
                failed = true;
            }
            IoEvent::Connected { socket, .. } => {
                assert!(m.open);
                let s = m.sock(socket);
                assert!(s.wanted, "Connected for a socket not asked to connect");
                assert!(!s.connected, "Connected twice");
                s.connected = true;
                m.proven = true;
                m.cycle = 0;
            }
            IoEvent::ConnectError { socket, .. } => {
                let s = m.sock(socket);
                assert!(s.wanted, "ConnectError for a socket not connecting");
                assert!(!s.connected);
                s.wanted = false;
            }
            IoEvent::Event { socket, ack, .. } => {
                assert!(m.sock(socket).connected, "Event on a disconnected socket");
                if let Some(a) = ack {
                    assert_eq!(a.socket(), socket);
                    if m.tokens.len() < 32 {
                        m.tokens.push(a);
                    }
                }
            }
            IoEvent::AckReceived { socket, id, .. }
            | IoEvent::AckTimeout { socket, id }
            | IoEvent::AckCancelled { socket, id } => {
                let s = m.sock(socket);
                assert!(s.used.contains(&id), "ack for an id never handed out");
                assert!(s.pending.remove(&id), "ack id resolved twice");
            }
            IoEvent::Disconnected { socket, reason } => {
                let s = m.sock(socket);
                assert!(s.connected, "Disconnected for a socket not connected");
                s.connected = false;
                if reason == DisconnectReason::IoServerDisconnect {
                    s.wanted = false;
                }
            }
        }
        after_failed = is_failed;
    }
    if open_error && m.reconnection && !failed {
        assert!(
            io.is_reconnecting(),
            "the first connection attempt failed and no reconnection is scheduled"
        );
    }
    assert_eq!(io.is_open(), m.open);
    for (id, _) in &m.sockets {
        assert!(
            io.buffered(*id) <= m.max_buffered,
            "send buffer over its bound"
        );
        assert!(
            io.buffered_bytes(*id) <= m.max_buffered_bytes.max(m.largest_buffered),
            "send buffer over its byte bound"
        );
    }
    let held = io
        .table_sizes()
        .into_iter()
        .find(|(name, _)| *name == "io.attachment_bytes")
        .map_or(0, |(_, n)| n);
    assert!(
        held <= m.max_attachment_bytes,
        "{held} attachment bytes held"
    );
    for (id, s) in &m.sockets {
        assert_eq!(io.pending_acks(*id), s.pending.len(), "pending acks differ");
        assert_eq!(io.is_connected(*id), s.connected);
    }
}
