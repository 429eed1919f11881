#![no_main]
//! Operation sequences against the Socket.IO client `Manager`: structured server
//! responses (Engine.IO payloads carrying Socket.IO packets for `/`, `/chat` and an
//! unknown namespace, binary packets with their attachments, malformed packets, raw
//! bytes), HTTP errors, WebSocket reports for current and stale ids, application
//! commands and time steps (forward, backward, jumps to `poll_timeout()`).
//!
//! Invariants: no panic; events are well-formed against a model of the sockets
//! (`Connected` only for a socket asked to connect and not already connected, events and
//! `Disconnected` only while connected, `Ack`/`AckTimeout`/`AckCancelled` once per id
//! handed out, reconnect attempts counting 1, 2, 3… in a cycle, `Open`/`Close`
//! alternating); per engine generation at most one GET and one POST outstanding; send
//! buffers within `max_buffered_packets`; pending acks as the model says; after
//! `handle_timeout(now)`, `poll_timeout()` is later than now.

use arbitrary::Arbitrary;
use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use socketio_proto::client::engine::{ClientTransmit, HttpMethod, RequestId, Transport, WsId};
use socketio_proto::client::{AckRequest, ClientEvent, DisconnectReason, Manager, ManagerConfig};
use socketio_proto::engineio::WsMessage;
use socketio_proto::ids::SeededRandom;
use socketio_proto::socketio::Value;
use socketio_proto::Error;
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

/// Namespaces the server talks about; the client creates sockets for the first two.
const NSPS: [&str; 3] = ["/", "/chat", "/x"];
const GEN_SHIFT: u32 = 32;

#[derive(Arbitrary, Debug, Clone, Copy)]
enum AckId {
    /// One of the ids the client handed out on that socket.
    Used(u8),
    /// Anything.
    Random(u64),
}

#[derive(Arbitrary, Debug)]
enum Sio {
    ConnectOk {
        nsp: u8,
        sid: u8,
    },
    ConnectNoSid {
        nsp: u8,
    },
    ConnectError {
        nsp: u8,
        data: bool,
    },
    Event {
        nsp: u8,
        ack: Option<AckId>,
    },
    Ack {
        nsp: u8,
        id: AckId,
    },
    /// A BINARY_EVENT/BINARY_ACK header followed by `sent` of its `declared` attachments.
    Binary {
        nsp: u8,
        ack_reply: bool,
        id: Option<AckId>,
        declared: u8,
        sent: u8,
    },
    Disconnect {
        nsp: u8,
    },
    Raw(String),
}

#[derive(Arbitrary, Debug)]
enum Record {
    Open {
        websocket: bool,
        interval: u8,
        timeout: u8,
    },
    Ping,
    Noop,
    Close,
    Upgrade,
    Sio(Sio),
    Attachment(Vec<u8>),
    Raw(String),
}

#[derive(Arbitrary, Debug)]
enum Body {
    Records(Vec<Record>),
    Bytes(Vec<u8>),
}

#[derive(Arbitrary, Debug)]
enum Frame {
    /// A Socket.IO packet (a binary one is followed by its attachment frames).
    Sio(Sio),
    /// Any Engine.IO-level record as a text frame.
    Record(Record),
    PongProbe,
    Binary(Vec<u8>),
}

#[derive(Arbitrary, Debug)]
enum Op {
    Respond {
        which: u8,
        status: u8,
        body: Body,
    },
    /// A shortcut to the interesting states: answers the newest outstanding GET with the
    /// handshake (if `handshake`), then [`hello_parts`].
    Hello {
        handshake: bool,
        then: Vec<Record>,
    },
    /// The same records as frames on the newest WebSocket (binary frame for the
    /// attachment).
    WsHello {
        handshake: bool,
        then: Vec<Record>,
    },
    HttpError {
        which: u8,
    },
    WsOpened {
        which: u8,
    },
    WsFrame {
        which: u8,
        frame: Frame,
    },
    WsClosed {
        which: u8,
    },
    WsError {
        which: u8,
    },
    Socket {
        nsp: u8,
    },
    Connect {
        s: u8,
    },
    Disconnect {
        s: u8,
    },
    Emit {
        s: u8,
        binary: bool,
    },
    EmitVolatile {
        s: u8,
    },
    EmitWithAck {
        s: u8,
        timeout: Option<u8>,
        binary: bool,
    },
    AckServer {
        which: u8,
        binary: bool,
    },
    Close,
    Open,
    Advance(u16),
    Backwards(u16),
    Timeout,
    FireNextTimer,
}

#[derive(Arbitrary, Debug)]
struct Input {
    /// Allow zero delays and timeouts (timers created already due: the busy-loop check
    /// is then off, since handle_timeout legitimately leaves a due timer behind).
    allow_zero: bool,
    transports: u8,
    upgrade: bool,
    request_timeout: Option<u8>,
    max_queued: u8,
    reconnection: bool,
    attempts: Option<u8>,
    delay: u8,
    delay_factor: u8,
    jitter: u8,
    seed: u64,
    open_timeout: Option<u8>,
    max_buffered: u8,
    max_acks: u8,
    max_attachments: u8,
    ops: Vec<Op>,
}

#[derive(Default)]
struct SockModel {
    nsp: usize,
    /// `connect` was called and no disconnect / refusal followed.
    wanted: bool,
    connected: bool,
    /// Ids handed out by `emit_with_ack`.
    used: Vec<u64>,
    /// Ids still waiting for an answer.
    pending: BTreeSet<u64>,
}

struct Model {
    sockets: Vec<(socketio_proto::client::SocketId, SockModel)>,
    /// Outstanding HTTP requests: id → method.
    requests: BTreeMap<u64, HttpMethod>,
    all_requests: Vec<u64>,
    ws: Vec<u64>,
    tokens: Vec<AckRequest>,
    open: bool,
    /// The last attempt number of the running reconnect cycle (0: none yet).
    cycle: u32,
    reconnection: bool,
    max_buffered: usize,
}

impl Model {
    fn sock(&mut self, id: socketio_proto::client::SocketId) -> &mut SockModel {
        let i = self
            .sockets
            .iter()
            .position(|(s, _)| *s == id)
            .unwrap_or_else(|| panic!("event for unknown socket {id}"));
        &mut self.sockets[i].1
    }

    fn pick_socket(&self, s: u8) -> Option<usize> {
        if self.sockets.is_empty() {
            None
        } else {
            Some(usize::from(s) % self.sockets.len())
        }
    }

    fn ack_id(&self, nsp: usize, id: AckId) -> u64 {
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

fn nsp_prefix(nsp: usize) -> String {
    match NSPS[nsp] {
        "/" => String::new(),
        other => format!("{other},"),
    }
}

/// The Socket.IO packet text, and how many attachments follow.
fn encode_sio(p: &Sio, m: &Model) -> (String, u8) {
    let n = |x: &u8| usize::from(*x) % NSPS.len();
    match p {
        Sio::ConnectOk { nsp, sid } => {
            (format!("0{}{{\"sid\":\"s{sid}\"}}", nsp_prefix(n(nsp))), 0)
        }
        Sio::ConnectNoSid { nsp } => (format!("0{}{{}}", nsp_prefix(n(nsp))), 0),
        Sio::ConnectError { nsp, data } => {
            let extra = if *data { r#","data":{"code":1}"# } else { "" };
            (
                format!("4{}{{\"message\":\"no\"{extra}}}", nsp_prefix(n(nsp))),
                0,
            )
        }
        Sio::Event { nsp, ack } => {
            let id = ack.map_or(String::new(), |a| m.ack_id(n(nsp), a).to_string());
            (
                format!("2{}{id}[\"ev\",1,{{\"a\":[]}}]", nsp_prefix(n(nsp))),
                0,
            )
        }
        Sio::Ack { nsp, id } => (
            format!("3{}{}[\"ok\"]", nsp_prefix(n(nsp)), m.ack_id(n(nsp), *id)),
            0,
        ),
        Sio::Binary {
            nsp,
            ack_reply,
            id,
            declared,
            sent,
        } => {
            let declared = declared % 4;
            let id = id.map_or(String::new(), |a| m.ack_id(n(nsp), a).to_string());
            let mut args: Vec<String> = (0..declared)
                .map(|k| format!("{{\"_placeholder\":true,\"num\":{k}}}"))
                .collect();
            let text = if *ack_reply {
                format!("6{declared}-{}{id}[{}]", nsp_prefix(n(nsp)), args.join(","))
            } else {
                args.insert(0, "\"bin\"".into());
                format!("5{declared}-{}{id}[{}]", nsp_prefix(n(nsp)), args.join(","))
            };
            (text, sent % 5)
        }
        Sio::Disconnect { nsp } => (format!("1{}", nsp_prefix(n(nsp))), 0),
        Sio::Raw(r) => (r.clone(), 0),
    }
}

fn base64_into(data: &[u8], out: &mut String) {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let v = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[((v >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
}

/// The Engine.IO text form(s) of a record (a binary Socket.IO packet gives several).
fn encode_record(r: &Record, m: &Model, out: &mut Vec<String>) {
    match r {
        Record::Open {
            websocket,
            interval,
            timeout,
        } => {
            let upgrades = if *websocket { r#"["websocket"]"# } else { "[]" };
            out.push(format!(
                r#"0{{"sid":"e","upgrades":{upgrades},"pingInterval":{},"pingTimeout":{},"maxPayload":1000}}"#,
                u32::from(*interval) * 4,
                u32::from(*timeout) * 4
            ));
        }
        Record::Ping => out.push("2".into()),
        Record::Noop => out.push("6".into()),
        Record::Close => out.push("1".into()),
        Record::Upgrade => out.push("5".into()),
        Record::Sio(p) => {
            let (text, attachments) = encode_sio(p, m);
            out.push(format!("4{text}"));
            for k in 0..attachments {
                let mut s = String::from("b");
                base64_into(&[k, 0xff, 0], &mut s);
                out.push(s);
            }
        }
        Record::Attachment(b) => {
            let mut s = String::from("b");
            base64_into(b, &mut s);
            out.push(s);
        }
        Record::Raw(s) => out.push(s.clone()),
    }
}

/// The `Hello` records: the handshake (if asked), CONNECT replies for both namespaces,
/// an event on each (one asking for an ack), the answer to the oldest pending ack of each
/// socket, a binary event with its attachment, then `then`.
fn hello_parts(handshake: bool, then: &[Record], m: &Model) -> Vec<String> {
    let mut parts = Vec::new();
    if handshake {
        let open = Record::Open {
            websocket: false,
            interval: 250,
            timeout: 250,
        };
        encode_record(&open, m, &mut parts);
    }
    parts.push(r#"40{"sid":"a"}"#.into());
    parts.push(r#"40/chat,{"sid":"b"}"#.into());
    parts.push(r#"42["hello"]"#.into());
    parts.push(r#"42/chat,7["hello",{"n":1}]"#.into());
    for (_, sm) in &m.sockets {
        if let Some(id) = sm.pending.iter().next() {
            parts.push(format!("43{}{id}[\"ok\"]", nsp_prefix(sm.nsp)));
        }
    }
    parts.push(r#"451-/chat,["bin",{"_placeholder":true,"num":0}]"#.into());
    parts.push("bAQI=".into());
    for r in then {
        encode_record(r, m, &mut parts);
    }
    parts
}

fn pick<T: Copy>(items: &[T], which: u8) -> Option<T> {
    if items.is_empty() {
        None
    } else {
        items.get(usize::from(which) % items.len()).copied()
    }
}

/// Mostly the newest items (the current connection), sometimes any (stale ids).
fn pick_recent(items: &[u64], which: u8) -> Option<u64> {
    if which & 0x80 == 0 {
        let newest = items.iter().map(|i| i >> GEN_SHIFT).max()?;
        let recent: Vec<u64> = items
            .iter()
            .copied()
            .filter(|i| i >> GEN_SHIFT == newest)
            .collect();
        pick(&recent, which)
    } else {
        pick(items, which)
    }
}

fn drain(io: &mut Manager, m: &mut Model) {
    while let Some(t) = io.poll_transmit() {
        match t {
            ClientTransmit::HttpRequest(r) => {
                let generation = r.id.0 >> GEN_SHIFT;
                assert!(
                    m.requests.insert(r.id.0, r.method).is_none(),
                    "request id reused"
                );
                m.all_requests.push(r.id.0);
                let same = m
                    .requests
                    .iter()
                    .filter(|(id, meth)| *id >> GEN_SHIFT == generation && **meth == r.method)
                    .count();
                assert!(
                    same <= 1,
                    "two {:?} outstanding in generation {generation}",
                    r.method
                );
            }
            ClientTransmit::OpenWs { id, .. } => {
                assert!(!m.ws.contains(&id.0), "ws id reused");
                m.ws.push(id.0);
            }
            ClientTransmit::WsSend { id, .. } | ClientTransmit::CloseWs { id } => {
                assert!(m.ws.contains(&id.0), "unknown ws {id}")
            }
        }
    }
    let mut open_error = false;
    let mut failed = false;
    let mut after_failed = false;
    while let Some(e) = io.poll_event() {
        let is_failed = e == ClientEvent::ReconnectFailed;
        match e {
            ClientEvent::Open => {
                assert!(!m.open, "Open twice");
                m.open = true;
            }
            ClientEvent::Close { .. } => {
                assert!(m.open, "Close without Open");
                m.open = false;
                m.cycle = 0;
                for (_, s) in &m.sockets {
                    assert!(!s.connected, "Close before a socket's Disconnected");
                }
            }
            ClientEvent::OpenError { .. } => {
                assert!(!m.open);
                open_error = true;
            }
            ClientEvent::ReconnectAttempt { attempt } => {
                assert_eq!(attempt, m.cycle + 1, "reconnect attempts count up by one");
                m.cycle = attempt;
            }
            ClientEvent::Reconnected { attempt } => {
                assert!(m.open);
                assert_eq!(attempt, m.cycle);
                m.cycle = 0;
            }
            // As in the JS manager, the last failed attempt gives `ReconnectFailed`
            // (from `reconnect()`) just before its `ReconnectError`.
            ClientEvent::ReconnectError { .. } => assert!(
                m.cycle > 0 || after_failed,
                "ReconnectError outside a cycle"
            ),
            ClientEvent::ReconnectFailed => {
                m.cycle = 0;
                failed = true;
            }
            ClientEvent::Connected { socket, .. } => {
                assert!(m.open);
                let s = m.sock(socket);
                assert!(s.wanted, "Connected for a socket not asked to connect");
                assert!(!s.connected, "Connected twice");
                s.connected = true;
            }
            ClientEvent::ConnectError { socket, .. } => {
                let s = m.sock(socket);
                assert!(s.wanted, "ConnectError for a socket not connecting");
                assert!(!s.connected);
                s.wanted = false;
            }
            ClientEvent::Event { socket, ack, .. } => {
                assert!(m.sock(socket).connected, "Event on a disconnected socket");
                if let Some(a) = ack {
                    assert_eq!(a.socket(), socket);
                    if m.tokens.len() < 32 {
                        m.tokens.push(a);
                    }
                }
            }
            ClientEvent::Ack { socket, id, .. }
            | ClientEvent::AckTimeout { socket, id }
            | ClientEvent::AckCancelled { socket, id } => {
                let s = m.sock(socket);
                assert!(s.used.contains(&id), "ack for an id never handed out");
                assert!(s.pending.remove(&id), "ack id resolved twice");
            }
            ClientEvent::Disconnected { socket, reason } => {
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
    for (id, s) in &m.sockets {
        assert!(
            io.buffered(*id) <= m.max_buffered,
            "send buffer over its bound"
        );
        assert_eq!(io.pending_acks(*id), s.pending.len(), "pending acks differ");
        assert_eq!(io.is_connected(*id), s.connected);
    }
}

fn args(binary: bool) -> Vec<Value> {
    if binary {
        vec![
            Value::Binary(Bytes::from_static(b"\x00\x01")),
            Value::Bool(true),
        ]
    } else {
        vec![Value::String("x".into())]
    }
}

fuzz_target!(|input: Input| {
    let mut config = ManagerConfig::new("localhost", 3000);
    config.engine.transports = match input.transports % 3 {
        0 => vec![Transport::Polling, Transport::WebSocket],
        1 => vec![Transport::WebSocket],
        _ => vec![Transport::Polling],
    };
    config.engine.upgrade = input.upgrade;
    let floor = u64::from(!input.allow_zero);
    config.engine.request_timeout = input
        .request_timeout
        .map(|ms| Duration::from_millis((u64::from(ms) * 8).max(floor)));
    config.engine.max_queued_packets = usize::from(input.max_queued % 8).max(1);
    config.engine.max_incoming_payload = 4096;
    config.reconnection = input.reconnection;
    config.reconnection_attempts = input.attempts.map(|a| u32::from(a % 4));
    config.reconnection_delay = Duration::from_millis(u64::from(input.delay).max(floor));
    config.reconnection_delay_max =
        config.reconnection_delay * (u32::from(input.delay_factor % 4) + 1);
    config.randomization_factor = f64::from(input.jitter) / 255.0;
    config.timeout = input
        .open_timeout
        .map(|ms| Duration::from_millis((u64::from(ms) * 4).max(floor)));
    config.max_buffered_packets = usize::from(input.max_buffered % 4).max(1);
    config.max_pending_acks = usize::from(input.max_acks % 4).max(1);
    config.max_attachments = usize::from(input.max_attachments % 4);
    let max_buffered = config.max_buffered_packets;
    let max_acks = config.max_pending_acks;
    let Ok(mut io) = Manager::new(config, Box::new(SeededRandom::new(input.seed))) else {
        return;
    };
    let mut now = Instant::now() + Duration::from_secs(100_000);
    let mut m = Model {
        sockets: Vec::new(),
        requests: BTreeMap::new(),
        all_requests: Vec::new(),
        ws: Vec::new(),
        tokens: Vec::new(),
        open: false,
        cycle: 0,
        reconnection: input.reconnection,
        max_buffered,
    };
    for op in input.ops {
        let mut timed_out = false;
        match op {
            Op::Hello { handshake, then } => {
                let newest = m
                    .requests
                    .iter()
                    .filter(|(_, meth)| **meth == HttpMethod::Get)
                    .map(|(id, _)| *id)
                    .max();
                let Some(id) = newest else { continue };
                m.requests.remove(&id);
                let parts = hello_parts(handshake, &then, &m);
                let body = Bytes::from(parts.join("\x1e"));
                io.handle_http_response(now, RequestId(id), 200, body);
            }
            Op::WsHello { handshake, then } => {
                let Some(id) = m.ws.iter().copied().max() else {
                    continue;
                };
                for part in hello_parts(handshake, &then, &m) {
                    // A `b<base64>` record is a binary frame on WebSocket; the fuzz
                    // target's attachments are all "bAQI=" = [1, 2] here.
                    let msg = if part == "bAQI=" {
                        WsMessage::Binary(Bytes::from_static(&[1, 2]))
                    } else {
                        WsMessage::Text(part.into())
                    };
                    io.handle_ws_message(now, WsId(id), msg);
                    drain(&mut io, &mut m);
                }
            }
            Op::Respond {
                which,
                status,
                body,
            } => {
                let outstanding: Vec<u64> = m.requests.keys().copied().collect();
                let id = if which & 0x80 == 0 {
                    pick_recent(&outstanding, which & 0x7f)
                } else {
                    pick(&m.all_requests, which)
                };
                let Some(id) = id else { continue };
                m.requests.remove(&id);
                let body = match body {
                    Body::Records(rs) => {
                        let mut parts = Vec::new();
                        for r in &rs {
                            encode_record(r, &m, &mut parts);
                        }
                        Bytes::from(parts.join("\x1e"))
                    }
                    Body::Bytes(b) => Bytes::from(b),
                };
                let status = match status % 8 {
                    0 => 400,
                    1 => 500,
                    2 => u16::from(status),
                    _ => 200,
                };
                io.handle_http_response(now, RequestId(id), status, body);
            }
            Op::HttpError { which } => {
                if let Some(id) = pick(&m.all_requests, which) {
                    m.requests.remove(&id);
                    io.handle_http_error(now, RequestId(id));
                }
            }
            Op::WsOpened { which } => {
                if let Some(id) = pick_recent(&m.ws, which) {
                    io.handle_ws_opened(now, WsId(id));
                }
            }
            Op::WsFrame { which, frame } => {
                let Some(id) = pick_recent(&m.ws, which) else {
                    continue;
                };
                let mut frames: Vec<WsMessage> = Vec::new();
                match frame {
                    Frame::Sio(p) => {
                        let (text, attachments) = encode_sio(&p, &m);
                        frames.push(WsMessage::Text(format!("4{text}").into()));
                        for k in 0..attachments {
                            frames.push(WsMessage::Binary(Bytes::from(vec![k, 0xfe])));
                        }
                    }
                    Frame::Record(r) => {
                        let mut parts = Vec::new();
                        encode_record(&r, &m, &mut parts);
                        frames.extend(parts.into_iter().map(|p| WsMessage::Text(p.into())));
                    }
                    Frame::PongProbe => frames.push(WsMessage::Text("3probe".into())),
                    Frame::Binary(b) => frames.push(WsMessage::Binary(Bytes::from(b))),
                }
                for f in frames {
                    io.handle_ws_message(now, WsId(id), f);
                    // Each frame is its own report; the adapter drains between them.
                    drain(&mut io, &mut m);
                }
            }
            Op::WsClosed { which } => {
                if let Some(id) = pick_recent(&m.ws, which) {
                    io.handle_ws_closed(now, WsId(id));
                }
            }
            Op::WsError { which } => {
                if let Some(id) = pick_recent(&m.ws, which) {
                    io.handle_ws_error(now, WsId(id));
                }
            }
            Op::Socket { nsp } => {
                let nsp = usize::from(nsp) % 2;
                let id = io.socket(NSPS[nsp], None).expect("valid namespace");
                if !m.sockets.iter().any(|(s, _)| *s == id) {
                    m.sockets.push((
                        id,
                        SockModel {
                            nsp,
                            ..SockModel::default()
                        },
                    ));
                }
            }
            Op::Connect { s } => {
                if let Some(i) = m.pick_socket(s) {
                    let id = m.sockets[i].0;
                    io.connect(now, id).expect("connect on a known socket");
                    m.sockets[i].1.wanted = true;
                }
            }
            Op::Disconnect { s } => {
                if let Some(i) = m.pick_socket(s) {
                    let id = m.sockets[i].0;
                    io.disconnect(now, id)
                        .expect("disconnect on a known socket");
                    m.sockets[i].1.wanted = false;
                    if !io.is_reconnecting() {
                        // The last active socket left: the manager closed, any
                        // reconnection cycle is over.
                        m.cycle = 0;
                    }
                }
            }
            Op::Emit { s, binary } => {
                if let Some(i) = m.pick_socket(s) {
                    let id = m.sockets[i].0;
                    let before = io.buffered(id);
                    let r = io.emit(now, id, "msg", &args(binary));
                    if !m.sockets[i].1.connected {
                        if before < max_buffered {
                            assert_eq!(r, Ok(()), "buffering below the bound must succeed");
                            assert_eq!(io.buffered(id), before + 1);
                        } else {
                            assert!(matches!(r, Err(Error::QueueFull(_))), "{r:?}");
                        }
                    }
                }
            }
            Op::EmitVolatile { s } => {
                if let Some(i) = m.pick_socket(s) {
                    let id = m.sockets[i].0;
                    let r = io.emit_volatile(now, id, "v", &args(false));
                    if !m.sockets[i].1.connected {
                        assert_eq!(r, Ok(false));
                    }
                }
            }
            Op::EmitWithAck { s, timeout, binary } => {
                if let Some(i) = m.pick_socket(s) {
                    let id = m.sockets[i].0;
                    let timeout = timeout.map(|t| Duration::from_millis(u64::from(t) * 2));
                    let r = io.emit_with_ack(now, id, "q", &args(binary), timeout);
                    let sm = &mut m.sockets[i].1;
                    match r {
                        Ok(ack) => {
                            assert!(!sm.used.contains(&ack), "ack id handed out twice");
                            assert!(sm.pending.len() < max_acks);
                            sm.used.push(ack);
                            sm.pending.insert(ack);
                        }
                        Err(e) => assert!(matches!(e, Error::QueueFull(_)), "{e:?}"),
                    }
                }
            }
            Op::AckServer { which, binary } => {
                if m.tokens.is_empty() {
                    continue;
                }
                let token = m.tokens.remove(usize::from(which) % m.tokens.len());
                let connected = m.sock(token.socket()).connected;
                let r = io.ack(now, token, &args(binary));
                if !connected {
                    assert_eq!(r, Err(Error::NotConnected));
                }
            }
            Op::Close => {
                io.close(now);
                assert!(!io.is_reconnecting());
                m.cycle = 0;
            }
            Op::Open => io.open(now),
            Op::Advance(ms) => now += Duration::from_millis(ms.into()),
            Op::Backwards(ms) => {
                now = now
                    .checked_sub(Duration::from_millis(ms.into()))
                    .unwrap_or(now)
            }
            Op::Timeout => {
                io.handle_timeout(now);
                timed_out = true;
            }
            Op::FireNextTimer => {
                if let Some(at) = io.poll_timeout() {
                    now = now.max(at);
                    io.handle_timeout(now);
                    timed_out = true;
                }
            }
        }
        if timed_out && !input.allow_zero {
            if let Some(t) = io.poll_timeout() {
                // The manager's clock may be later than `now` (time went backwards);
                // a timer at or before the `now` just handled would be a busy loop.
                assert!(t > now, "poll_timeout() not after now: busy loop");
            }
        }
        drain(&mut io, &mut m);
    }
});
