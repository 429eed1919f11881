#![no_main]
//! Arbitrary sequences of Socket.IO packets (over WebSocket and polling, valid-looking and
//! raw), application commands (accept, reject, emit, ack, join, leave, broadcast,
//! disconnect, close, shutdown) and time steps against the Socket.IO server core.
//!
//! Invariants: no panic; no `handle_input` error (every id is fresh); every table
//! empty at the end (`Tables::leaks`); a socket is reported disconnected at most
//! once and never used by an event after that; a peer-caused disconnect has a known
//! reason; with no input for long enough every socket and session is gone and no timer
//! is left. Budgets: after every step each session's queue is within `max_queued_bytes`
//! (plus its control packets), the attachments held within `max_attachment_bytes` per
//! session, a skipped broadcast recipient is a live socket reported once per broadcast,
//! and right after every input no session is over budget for longer than the grace.

use arbitrary::Arbitrary;
use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use socketio_proto::driver::{Core, Output, Tables};
use socketio_proto::engineio::{Packet, WsMessage};
use socketio_proto::error::EmitError;
use socketio_proto::ids::SequentialIds;
use socketio_proto::server::io::{
    AckRequest, ConnectRequest, IoConfig, IoEvent, SocketId, SocketIoServer, Target,
};
use socketio_proto::server::{ConnId, HttpRequest, Input, RequestId, Transmit};
use socketio_proto::socketio::Value;
use std::collections::HashSet;
use std::time::{Duration, Instant};

const NSPS: [&str; 4] = ["/", "/admin", "/dyn-1", "/nope"];
const NAMES: [&str; 5] = ["chat", "message", "disconnect", "1", "x,y"];
const ROOMS: [&str; 3] = ["red", "blue", "S0000000000000000001"];

#[derive(Arbitrary, Debug)]
enum Sio {
    Connect {
        nsp: u8,
        auth: Option<String>,
    },
    Event {
        nsp: u8,
        name: u8,
        ack: Option<u16>,
        args: String,
    },
    Ack {
        nsp: u8,
        id: u16,
        args: String,
    },
    BinaryEvent {
        nsp: u8,
        count: u8,
        nums: Vec<u8>,
        ack: Option<u8>,
    },
    BinaryAck {
        nsp: u8,
        id: u16,
        count: u8,
    },
    Attachment(Vec<u8>),
    Disconnect {
        nsp: u8,
    },
    ConnectError {
        nsp: u8,
    },
    /// A Socket.IO packet in raw text (the Engine.IO `4` is added).
    Raw(String),
    /// Any Engine.IO text frame.
    Engine(String),
    Pong,
}

impl Sio {
    fn nsp(i: u8) -> String {
        let n = NSPS[i as usize % NSPS.len()];
        if n == "/" {
            String::new()
        } else {
            format!("{n},")
        }
    }

    fn to_ws(&self) -> WsMessage {
        let text = match self {
            Sio::Connect { nsp, auth } => format!(
                "40{}{}",
                Sio::nsp(*nsp),
                auth.as_ref()
                    .map_or(String::new(), |a| format!("{{\"a\":{:?}}}", a))
            ),
            Sio::Event {
                nsp,
                name,
                ack,
                args,
            } => format!(
                "42{}{}[{:?}{}{}]",
                Sio::nsp(*nsp),
                ack.map_or(String::new(), |a| a.to_string()),
                NAMES[*name as usize % NAMES.len()],
                if args.is_empty() { "" } else { "," },
                args
            ),
            Sio::Ack { nsp, id, args } => format!("43{}{id}[{args}]", Sio::nsp(*nsp)),
            Sio::BinaryEvent {
                nsp,
                count,
                nums,
                ack,
            } => {
                let ph: Vec<String> = nums
                    .iter()
                    .map(|n| format!("{{\"_placeholder\":true,\"num\":{n}}}"))
                    .collect();
                format!(
                    "45{count}-{}{}[\"b\",{}]",
                    Sio::nsp(*nsp),
                    ack.map_or(String::new(), |a| a.to_string()),
                    ph.join(",")
                )
            }
            Sio::BinaryAck { nsp, id, count } => format!(
                "46{count}-{}{id}[{{\"_placeholder\":true,\"num\":0}}]",
                Sio::nsp(*nsp)
            ),
            Sio::Attachment(b) => return WsMessage::Binary(Bytes::from(b.clone())),
            Sio::Disconnect { nsp } => format!("41{}", Sio::nsp(*nsp)),
            Sio::ConnectError { nsp } => format!("44{}{{\"message\":\"x\"}}", Sio::nsp(*nsp)),
            Sio::Raw(s) => format!("4{s}"),
            Sio::Engine(s) => s.clone(),
            Sio::Pong => "3".to_owned(),
        };
        WsMessage::Text(text.into())
    }
}

#[derive(Arbitrary, Debug)]
enum Op {
    WsOpen,
    PollOpen,
    Ws(u8, Sio),
    WsClose(u8),
    WsBacklog(u8, u16),
    Post(u8, Vec<Sio>),
    Get(u8),
    Accept(u8),
    Reject(u8, Option<String>),
    Emit {
        socket: u8,
        name: u8,
        binary: bool,
        ack_ms: Option<u16>,
    },
    /// An emit of `4 * size` bytes of text (to reach the byte budget).
    EmitBig {
        socket: u8,
        size: u8,
    },
    AckReply {
        socket: u8,
        id: u16,
        binary: bool,
    },
    Join(u8, u8),
    Leave(u8, u8),
    Broadcast {
        nsp: u8,
        to: Vec<u8>,
        except: Vec<u8>,
        from: Option<u8>,
        volatile: bool,
        ack_ms: Option<u16>,
        size: u8,
    },
    Disconnect(u8),
    CloseSession(u8),
    Shutdown,
    Advance(u16),
}

const GRACE_MS: u64 = 100;
/// Control packets go in whatever the budget: an open (counted as 128), a ping, a close.
const CONTROL_BYTES: usize = 128 + 1 + 1;

struct State {
    io: SocketIoServer,
    /// Recipients skipped by the latest broadcast (from `BroadcastSkipped`).
    skipped: Vec<SocketId>,
    now: Instant,
    conns: Vec<ConnId>,
    polls: Vec<String>,
    requests: Vec<ConnectRequest>,
    acks: Vec<AckRequest>,
    sockets: Vec<SocketId>,
    gone: HashSet<SocketId>,
    next_id: u64,
    deadline: Option<Instant>,
    /// The latest polling response (the handshake reads its sid).
    last_http: Vec<String>,
}

fn take<T>(v: &mut Vec<T>, i: u8) -> Option<T> {
    if v.is_empty() {
        None
    } else {
        let n = i as usize % v.len();
        Some(v.swap_remove(n))
    }
}

fn pick<T: Copy>(v: &[T], i: u8) -> Option<T> {
    if v.is_empty() {
        None
    } else {
        Some(v[i as usize % v.len()])
    }
}

impl State {
    fn input(&mut self, now: Instant, input: Input) {
        assert!(self.io.handle_input(now, input).is_ok(), "input refused");
        // The timers ran first: no session is over budget past its grace.
        for session in self.sessions() {
            if let Some(since) = self.io.engine().over_budget_since(session) {
                let end = since + Duration::from_millis(GRACE_MS);
                assert!(end > now, "a session over budget past its grace");
            }
        }
    }

    /// Every live session this run knows of.
    fn sessions(&self) -> Vec<socketio_proto::server::SessionId> {
        let engine = self.io.engine();
        let mut v: Vec<_> = self
            .sockets
            .iter()
            .filter_map(|s| self.io.socket_session(*s))
            .chain(
                self.polls
                    .iter()
                    .filter_map(|sid| engine.session_by_sid(sid)),
            )
            .collect();
        v.sort();
        v.dedup();
        v
    }

    /// Every session's queue and attachments within their budgets.
    fn check_budgets(&self) {
        let config = self.io.config();
        let max_bytes = config.engine.max_queued_bytes;
        for session in self.sessions() {
            let queued = self.io.engine().queued_bytes(session).unwrap_or(0);
            assert!(queued <= max_bytes + CONTROL_BYTES, "{queued} bytes queued");
        }
        let held = self.io.attachment_bytes();
        let limit = config.max_attachment_bytes * self.io.engine().session_count();
        assert!(held <= limit, "{held} attachment bytes held, limit {limit}");
    }

    fn fresh(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    fn drain(&mut self) {
        loop {
            let ev = match self.io.poll_output() {
                Output::Timeout(t) => {
                    self.deadline = t;
                    break;
                }
                Output::Transmit(Transmit::HttpResponse { response, .. }) => {
                    let body = String::from_utf8_lossy(&response.body).into_owned();
                    self.last_http.push(body);
                    continue;
                }
                Output::Transmit(_) => continue,
                Output::Event(ev) => ev,
            };
            match ev {
                IoEvent::ConnectRequest { request, nsp, .. } => {
                    assert!(nsp.starts_with('/'));
                    self.requests.push(request);
                }
                IoEvent::Event { socket, ack, .. } => {
                    assert!(!self.gone.contains(&socket), "event from a gone socket");
                    self.acks.extend(ack);
                }
                IoEvent::AckReceived { socket, .. } => {
                    assert!(!self.gone.contains(&socket), "event from a gone socket");
                }
                IoEvent::BroadcastAckReceived { socket, .. } => {
                    assert!(!self.gone.contains(&socket), "ack from a gone socket");
                }
                IoEvent::BroadcastSkipped { sockets } => {
                    assert!(!sockets.is_empty(), "an empty skip report");
                    for s in &sockets {
                        assert!(!self.gone.contains(s), "skipped a gone socket");
                    }
                    assert!(
                        self.skipped.is_empty(),
                        "two skip reports for one broadcast"
                    );
                    self.skipped = sockets;
                }
                IoEvent::AckTimeout { .. }
                | IoEvent::BroadcastAckComplete { .. }
                | IoEvent::Cluster(_) => {}
                IoEvent::Disconnected { socket, reason } => {
                    assert!(self.gone.insert(socket), "disconnected twice");
                    assert!(!reason.as_str().is_empty());
                }
            }
        }
        self.check_budgets();
    }

    fn run(&mut self, op: Op) {
        let now = self.now;
        match op {
            Op::WsOpen => {
                let c = ConnId::new(self.fresh());
                let req = HttpRequest::get("/socket.io/?EIO=4&transport=websocket");
                self.input(now, Input::WsUpgrade { conn: c, req });
                self.conns.push(c);
            }
            Op::PollOpen => {
                let request = RequestId::new(self.fresh());
                let req = HttpRequest::get("/socket.io/?EIO=4&transport=polling");
                self.input(now, Input::HttpRequest { request, req });
                self.drain();
                for body in std::mem::take(&mut self.last_http) {
                    {
                        if let Some(json) = body.strip_prefix('0') {
                            let v: serde_json::Value =
                                serde_json::from_str(json).expect("handshake JSON");
                            if let Some(sid) = v["sid"].as_str() {
                                self.polls.push(sid.to_owned());
                            }
                        }
                    }
                }
            }
            Op::Ws(c, sio) => {
                if let Some(c) = pick(&self.conns, c) {
                    self.input(
                        now,
                        Input::WsMessage {
                            conn: c,
                            msg: sio.to_ws(),
                        },
                    );
                }
            }
            Op::WsClose(c) => {
                if let Some(c) = pick(&self.conns, c) {
                    self.input(now, Input::WsClosed { conn: c });
                }
            }
            Op::WsBacklog(c, bytes) => {
                if let Some(c) = pick(&self.conns, c) {
                    let bytes = usize::from(bytes % 1024);
                    self.input(now, Input::WsBacklog { conn: c, bytes });
                }
            }
            Op::Post(p, frames) => {
                if let Some(sid) = self
                    .polls
                    .get(p as usize % self.polls.len().max(1))
                    .cloned()
                {
                    let mut body = String::new();
                    for (i, f) in frames.iter().enumerate() {
                        if i > 0 {
                            body.push('\x1e');
                        }
                        match f.to_ws() {
                            WsMessage::Text(t) => body.push_str(&t),
                            WsMessage::Binary(b) => {
                                Packet::binary(b).encode_text_into(&mut body);
                            }
                        }
                    }
                    let uri = format!("/socket.io/?EIO=4&transport=polling&sid={sid}");
                    let request = RequestId::new(self.fresh());
                    let req = HttpRequest::post(uri, body);
                    self.input(now, Input::HttpRequest { request, req });
                }
            }
            Op::Get(p) => {
                if let Some(sid) = self
                    .polls
                    .get(p as usize % self.polls.len().max(1))
                    .cloned()
                {
                    let uri = format!("/socket.io/?EIO=4&transport=polling&sid={sid}");
                    let request = RequestId::new(self.fresh());
                    let req = HttpRequest::get(uri);
                    self.input(now, Input::HttpRequest { request, req });
                }
            }
            Op::Accept(r) => {
                if let Some(r) = take(&mut self.requests, r) {
                    if let Ok(s) = self.io.accept(r) {
                        self.sockets.push(s);
                    }
                }
            }
            Op::Reject(r, msg) => {
                if let Some(r) = take(&mut self.requests, r) {
                    let data = msg.as_ref().map(|m| serde_json::json!({ "m": m }));
                    let _ = self.io.reject(r, msg.as_deref().unwrap_or("no"), data);
                }
            }
            Op::Emit {
                socket,
                name,
                binary,
                ack_ms,
            } => {
                if let Some(s) = pick(&self.sockets, socket) {
                    let name = NAMES[name as usize % NAMES.len()];
                    let bin = Value::Binary(Bytes::from_static(b"bin"));
                    let r = match (binary, ack_ms) {
                        (true, None) => self.io.emit(s, name, &(1, &bin)).map(|_| 0),
                        (false, None) => self.io.emit(s, name, &("a",)).map(|_| 0),
                        (true, Some(ms)) => self.io.emit_with_ack(
                            now,
                            s,
                            name,
                            &(&bin,),
                            Some(Duration::from_millis(ms.into())),
                        ),
                        (false, Some(ms)) => self.io.emit_with_ack(
                            now,
                            s,
                            name,
                            &(),
                            Some(Duration::from_millis(ms.into())),
                        ),
                    };
                    if r.is_ok() {
                        assert!(!self.gone.contains(&s), "emit to a gone socket succeeded");
                    }
                }
            }
            Op::EmitBig { socket, size } => {
                if let Some(s) = pick(&self.sockets, socket) {
                    let text = "z".repeat(4 * usize::from(size));
                    match self.io.emit(s, "big", &(text,)) {
                        Err(EmitError::QueueBytesFull { .. } | EmitError::QueueFull { .. }) => {
                            let session = self.io.socket_session(s);
                            let since = session.and_then(|x| self.io.engine().over_budget_since(x));
                            assert!(since.is_some(), "refused but not over budget");
                        }
                        Ok(()) | Err(_) => {}
                    }
                }
            }
            Op::AckReply { socket, id, binary } => {
                let _ = id;
                if let Some(a) = take(&mut self.acks, socket) {
                    let _ = if binary {
                        self.io.ack(a, &[Value::Binary(Bytes::from_static(b"x"))])
                    } else {
                        self.io.ack(a, &("ok",))
                    };
                }
            }
            Op::Join(s, r) => {
                if let Some(s) = pick(&self.sockets, s) {
                    let _ = self.io.join(s, ROOMS[r as usize % ROOMS.len()]);
                }
            }
            Op::Leave(s, r) => {
                if let Some(s) = pick(&self.sockets, s) {
                    let _ = self.io.leave(s, ROOMS[r as usize % ROOMS.len()]);
                }
            }
            Op::Broadcast {
                nsp,
                to,
                except,
                from,
                volatile,
                ack_ms,
                size,
            } => {
                let news = "x".repeat(4 * usize::from(size));
                let mut t = match from.and_then(|f| pick(&self.sockets, f)) {
                    Some(s) => match self.io.broadcast_from(s) {
                        Ok(t) => t,
                        Err(_) => Target::namespace(NSPS[nsp as usize % NSPS.len()]),
                    },
                    None => Target::namespace(NSPS[nsp as usize % NSPS.len()]),
                };
                for r in to.iter().take(4) {
                    t = t.to(ROOMS[*r as usize % ROOMS.len()]);
                }
                for r in except.iter().take(4) {
                    t = t.except(ROOMS[*r as usize % ROOMS.len()]);
                }
                if volatile {
                    t = t.volatile();
                }
                let expected = self.io.targets(&t);
                for s in &expected {
                    assert!(!self.gone.contains(s), "target is a gone socket");
                }
                self.drain();
                self.skipped.clear();
                match ack_ms {
                    None => {
                        if let Ok(n) = self.io.broadcast(&t, "news", &(&news,)) {
                            self.drain();
                            assert!(n + self.skipped.len() <= expected.len());
                            for s in &self.skipped {
                                assert!(expected.contains(s), "skipped a socket not targeted");
                            }
                            if volatile {
                                assert!(self.skipped.is_empty(), "volatile skips silently");
                            }
                        }
                    }
                    Some(ms) => {
                        let _ = self.io.broadcast_with_ack(
                            now,
                            &t,
                            "q",
                            &(&news,),
                            // 0: no timeout (wait for every answer or departure).
                            (ms != 0).then(|| Duration::from_millis(ms.into())),
                        );
                    }
                }
            }
            Op::Disconnect(s) => {
                if let Some(s) = pick(&self.sockets, s) {
                    let _ = self.io.disconnect(s);
                }
            }
            Op::CloseSession(s) => {
                if let Some(s) = pick(&self.sockets, s) {
                    if let Some(session) = self.io.socket_session(s) {
                        let _ = self.io.close_session(now, session);
                    }
                }
            }
            Op::Shutdown => Core::shutdown(&mut self.io, now),
            Op::Advance(ms) => {
                self.now += Duration::from_millis(ms.into()) * 8;
                let target = self.now;
                self.drain();
                for _ in 0..1000 {
                    match self.deadline {
                        Some(at) if at <= target => {
                            self.input(at, Input::Timeout);
                            self.drain();
                        }
                        _ => break,
                    }
                }
                self.input(target, Input::Timeout);
            }
        }
        self.drain();
    }
}

#[derive(Arbitrary, Debug)]
struct Limits {
    namespaces: u8,
    per_session: u8,
    attachments: u8,
    pending_acks: u8,
    queue: u8,
    queue_bytes: u8,
    attachment_bytes: u8,
}

fuzz_target!(|input: (Limits, Vec<Op>)| {
    let (limits, ops) = input;
    let mut config = IoConfig {
        max_namespaces: 1 + usize::from(limits.namespaces % 4),
        max_namespaces_per_session: 1 + usize::from(limits.per_session % 3),
        max_attachments: usize::from(limits.attachments % 4),
        max_ack_requests: usize::from(limits.pending_acks % 5),
        max_attachment_bytes: usize::from(limits.attachment_bytes % 16),
        ..IoConfig::default()
    };
    config.engine.max_queued_packets = 1 + usize::from(limits.queue % 16);
    config.engine.max_payload = 200;
    config.engine.max_queued_bytes = 200 + usize::from(limits.queue_bytes);
    config.engine.over_budget_grace = Duration::from_millis(GRACE_MS);
    let config = config.dynamic_namespaces(|n| n.starts_with("/dyn"));
    let Ok(mut io) = SocketIoServer::new(
        config,
        Box::new(SequentialIds::new("E")),
        Box::new(SequentialIds::new("S")),
    ) else {
        return;
    };
    let _ = io.register_namespace("/admin");
    let mut st = State {
        io,
        skipped: Vec::new(),
        now: Instant::now(),
        conns: Vec::new(),
        polls: Vec::new(),
        requests: Vec::new(),
        acks: Vec::new(),
        sockets: Vec::new(),
        gone: HashSet::new(),
        next_id: 0,
        deadline: None,
        last_http: Vec::new(),
    };
    for op in ops.into_iter().take(256) {
        st.run(op);
    }
    // Silence: after long enough with no pongs, everything is gone.
    for _ in 0..20 {
        st.run(Op::Advance(u16::MAX));
    }
    assert_eq!(st.io.socket_count(), 0, "sockets outlived their sessions");
    assert_eq!(
        st.io.engine().session_count(),
        0,
        "sessions outlived the ping timeout"
    );
    // Unanswered tokens are dropped by the application: nothing is left inside.
    st.requests.clear();
    st.acks.clear();
    assert_eq!(st.deadline, None, "timers left");
    assert_eq!(st.io.leaks(), vec![], "tables left");
});
