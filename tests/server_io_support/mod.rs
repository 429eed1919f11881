//! Scripted-client harness for the Socket.IO server scenario tests: raw Engine.IO over
//! WebSocket messages and polling requests written by hand, virtual time, and a readable
//! wire trace for insta snapshots (the shared renderer `common::trace`). Needs
//! `mod common;` in the test crate.
#![allow(dead_code)]

use crate::common::trace::{Binary, Style, Trace};
use bytes::Bytes;
use socketio_proto::driver::{Core, Output, Tables};
use socketio_proto::engineio::WsMessage;
use socketio_proto::ids::SequentialIds;
use socketio_proto::server::io::{IoConfig, IoEvent, SocketId, SocketIoServer};
use socketio_proto::server::{ConnId, HttpRequest, Input, RequestId, SessionId, Transmit};
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// The server under test plus its trace.
pub struct Harness {
    pub io: SocketIoServer,
    pub t0: Instant,
    pub now: Instant,
    pub trace: Trace,
    /// Every transmit seen, in order (for explicit assertions).
    pub transmits: Vec<Transmit>,
    names: HashMap<SocketId, String>,
    sessions: HashMap<SessionId, String>,
    next_id: u64,
    next_conn_id: u64,
}

/// Drains a server's outputs: (transmits, events, next deadline).
pub fn outputs(io: &mut SocketIoServer) -> (Vec<Transmit>, Vec<IoEvent>, Option<Instant>) {
    let (mut ts, mut es) = (Vec::new(), Vec::new());
    loop {
        match io.poll_output() {
            Output::Transmit(t) => ts.push(t),
            Output::Event(e) => es.push(e),
            Output::Timeout(t) => return (ts, es, t),
        }
    }
}

pub const WS_URI: &str = "/socket.io/?EIO=4&transport=websocket";
pub const POLL_URI: &str = "/socket.io/?EIO=4&transport=polling";

/// A server on `config` with sequential ids (`E…` sessions, `S…` sockets).
pub fn server(config: IoConfig) -> SocketIoServer {
    SocketIoServer::new(
        config,
        Box::new(SequentialIds::new("E")),
        Box::new(SequentialIds::new("S")),
    )
    .expect("valid config")
}

/// Connects `n` WebSocket clients to `/` the cheap way (no trace, every transmit
/// dropped), handing each accepted socket to `accepted`.
pub fn connect_ws_many(
    io: &mut SocketIoServer,
    now: Instant,
    n: usize,
    mut accepted: impl FnMut(SocketId),
) {
    let req = HttpRequest::get(WS_URI);
    for i in 0..n {
        let conn = ConnId::new(1_000_000 + i as u64);
        let up = Input::WsUpgrade {
            conn,
            req: req.clone(),
        };
        io.handle_input(now, up).expect("fresh conn");
        let msg = Input::WsMessage {
            conn,
            msg: WsMessage::Text("40".into()),
        };
        io.handle_input(now, msg).expect("input");
        let (_, events, _) = outputs(io);
        for ev in events {
            if let IoEvent::ConnectRequest { request, .. } = ev {
                accepted(io.accept(request).expect("accept"));
            }
        }
        let _ = outputs(io);
    }
}

impl Harness {
    pub fn new() -> Self {
        Harness::with_config(IoConfig::default())
    }

    pub fn with_config(config: IoConfig) -> Self {
        Harness::with_server(server(config))
    }

    /// A harness around a server built by the test (other ids, another parser).
    pub fn with_server(io: SocketIoServer) -> Self {
        let t0 = Instant::now();
        Harness {
            io,
            t0,
            now: t0,
            trace: Trace::new(t0, Style::SERVER),
            transmits: Vec::new(),
            names: HashMap::new(),
            sessions: HashMap::new(),
            next_id: 0,
            next_conn_id: 0,
        }
    }

    fn line(&mut self, s: impl AsRef<str>) {
        self.trace.line(self.now, s);
    }

    /// A readable name for a socket handle (its sid).
    pub fn name(&self, s: SocketId) -> String {
        self.names
            .get(&s)
            .cloned()
            .unwrap_or_else(|| format!("socket#{}", s.as_u64()))
    }

    fn session_name(&self, s: SessionId) -> String {
        self.sessions
            .get(&s)
            .cloned()
            .unwrap_or_else(|| format!("session#{}", s.as_u64()))
    }

    fn input(&mut self, input: Input) {
        self.io.handle_input(self.now, input).expect("input");
    }

    fn next_request(&mut self) -> RequestId {
        self.next_id += 1;
        RequestId::new(self.next_id)
    }

    fn next_conn(&mut self) -> ConnId {
        self.next_conn_id += 1;
        ConnId::new(self.next_conn_id)
    }

    /// The next timer deadline (outputs drained into the trace first).
    pub fn deadline(&mut self) -> Option<Instant> {
        self.drain_all().1
    }

    /// Runs every timer to completion, then asserts that no internal table holds
    /// anything (the leak check every scenario ends with).
    pub fn assert_no_leaks(&mut self) {
        for _ in 0..100_000 {
            let Some(at) = self.deadline() else { break };
            self.now = self.now.max(at);
            self.input(Input::Timeout);
        }
        self.drain();
        assert_eq!(self.io.leaks(), vec![], "leaked table entries");
    }

    /// Drains transmits and events into the trace; returns the events.
    pub fn drain(&mut self) -> Vec<IoEvent> {
        self.drain_all().0
    }

    fn drain_all(&mut self) -> (Vec<IoEvent>, Option<Instant>) {
        // The trace shows transmits before events, as it always has.
        let (transmits, events, deadline) = outputs(&mut self.io);
        for t in transmits {
            let line = match &t {
                Transmit::WsAccept { conn } => format!("<- ws#{} ACCEPT", conn.as_u64()),
                Transmit::WsReject { conn, response } => format!(
                    "<- ws#{} REJECT {} {}",
                    conn.as_u64(),
                    response.status,
                    String::from_utf8_lossy(&response.body)
                ),
                Transmit::WsSend { conn, msg } => match msg {
                    WsMessage::Text(text) => format!("<- ws#{} {}", conn.as_u64(), &**text),
                    WsMessage::Binary(b) => {
                        format!("<- ws#{} {}", conn.as_u64(), Binary::List.show(b))
                    }
                },
                Transmit::WsClose { conn } => format!("<- ws#{} CLOSE", conn.as_u64()),
                Transmit::HttpResponse {
                    request,
                    response: r,
                } => format!(
                    "<- http#{} {} {}",
                    request.as_u64(),
                    r.status,
                    String::from_utf8_lossy(&r.body)
                ),
            };
            if !matches!(t, Transmit::WsAccept { .. }) {
                self.line(line);
            }
            self.transmits.push(t);
        }
        let mut out = Vec::new();
        for ev in events {
            if let IoEvent::ConnectRequest { session, .. } = &ev {
                if !self.sessions.contains_key(session) {
                    let sid = self
                        .io
                        .engine()
                        .sid(*session)
                        .map(|s| s.to_string())
                        .unwrap_or_default();
                    self.sessions.insert(*session, sid);
                }
            }
            let line = self.describe(&ev);
            self.line(format!("event {line}"));
            out.push(ev);
        }
        (out, deadline)
    }

    fn describe(&self, ev: &IoEvent) -> String {
        match ev {
            IoEvent::ConnectRequest {
                request,
                session,
                nsp,
                auth,
            } => format!(
                "ConnectRequest req={} session={} nsp={nsp} auth={}",
                request.as_u64(),
                self.session_name(*session),
                auth.as_ref().map_or("-".to_owned(), |a| a.to_string())
            ),
            IoEvent::Event {
                socket,
                event,
                args,
                ack,
            } => format!(
                "Event {} {:?} args={} attachments={:?} ack={:?}",
                self.name(*socket),
                &**event,
                &**args.json(),
                args.attachments()
                    .iter()
                    .map(|b| &b[..])
                    .collect::<Vec<_>>(),
                ack.as_ref().map(|a| a.id())
            ),
            IoEvent::AckReceived { socket, id, args } => format!(
                "AckReceived {} id={id} args={} attachments={}",
                self.name(*socket),
                &**args.json(),
                args.attachments().len()
            ),
            IoEvent::AckTimeout { socket, id } => {
                format!("AckTimeout {} id={id}", self.name(*socket))
            }
            IoEvent::BroadcastAckReceived {
                broadcast,
                socket,
                args,
            } => format!(
                "BroadcastAckReceived b={} {} args={}",
                broadcast.as_u64(),
                self.name(*socket),
                &**args.json()
            ),
            IoEvent::BroadcastAckComplete { broadcast, missing } => format!(
                "BroadcastAckComplete b={} missing={:?}",
                broadcast.as_u64(),
                missing.iter().map(|s| self.name(*s)).collect::<Vec<_>>()
            ),
            IoEvent::Disconnected { socket, reason } => {
                format!(
                    "Disconnected {} reason={:?}",
                    self.name(*socket),
                    reason.as_str()
                )
            }
            IoEvent::BroadcastSkipped { sockets } => format!(
                "BroadcastSkipped {:?}",
                sockets.iter().map(|s| self.name(*s)).collect::<Vec<_>>()
            ),
            IoEvent::Cluster(c) => format!("Cluster {c:?}"),
        }
    }

    // ----- client side -----

    /// Opens a WebSocket session (handshake over WebSocket).
    pub fn ws_open(&mut self) -> ConnId {
        self.ws_open_uri(WS_URI)
    }

    pub fn ws_open_uri(&mut self, uri: &str) -> ConnId {
        let req = HttpRequest::get(uri);
        let conn = self.next_conn();
        self.input(Input::WsUpgrade { conn, req });
        self.line(format!("-> ws#{} OPEN {uri}", conn.as_u64()));
        self.drain();
        conn
    }

    /// Sends a text frame; returns the events it caused.
    pub fn ws_text(&mut self, conn: ConnId, text: &str) -> Vec<IoEvent> {
        self.line(format!("-> ws#{} {text}", conn.as_u64()));
        self.input(Input::WsMessage {
            conn,
            msg: WsMessage::Text(text.into()),
        });
        self.drain()
    }

    /// Sends a binary frame.
    pub fn ws_binary(&mut self, conn: ConnId, data: &[u8]) -> Vec<IoEvent> {
        self.line(format!(
            "-> ws#{} {}",
            conn.as_u64(),
            Binary::List.show(data)
        ));
        self.input(Input::WsMessage {
            conn,
            msg: WsMessage::Binary(Bytes::copy_from_slice(data)),
        });
        self.drain()
    }

    /// The client's WebSocket went away.
    pub fn ws_closed(&mut self, conn: ConnId) -> Vec<IoEvent> {
        self.line(format!("-> ws#{} CLOSED", conn.as_u64()));
        self.input(Input::WsClosed { conn });
        self.drain()
    }

    /// The WebSocket failed (an I/O error, not a close).
    pub fn ws_failed(&mut self, conn: ConnId) -> Vec<IoEvent> {
        self.line(format!("-> ws#{} FAILED", conn.as_u64()));
        self.input(Input::WsFailed { conn });
        self.drain()
    }

    /// An HTTP GET.
    pub fn get(&mut self, uri: &str) -> (RequestId, Vec<IoEvent>) {
        let id = self.next_request();
        self.input(Input::HttpRequest {
            request: id,
            req: HttpRequest::get(uri),
        });
        self.line(format!("-> http#{} GET {uri}", id.as_u64()));
        (id, self.drain())
    }

    /// An HTTP POST.
    pub fn post(&mut self, uri: &str, body: &str) -> (RequestId, Vec<IoEvent>) {
        let id = self.next_request();
        self.input(Input::HttpRequest {
            request: id,
            req: HttpRequest::post(uri, body.to_owned()),
        });
        self.line(format!("-> http#{} POST {uri} {body}", id.as_u64()));
        (id, self.drain())
    }

    /// Advances virtual time by `ms`, running every timer on the way.
    pub fn advance(&mut self, ms: u64) -> Vec<IoEvent> {
        let target = self.now + Duration::from_millis(ms);
        let mut out = Vec::new();
        for _ in 0..10_000 {
            match self.deadline() {
                Some(at) if at <= target => {
                    self.now = self.now.max(at);
                    self.input(Input::Timeout);
                    out.extend(self.drain());
                }
                _ => break,
            }
        }
        self.now = target;
        out
    }

    // ----- application side -----

    /// Accepts a connect request and names the socket after its sid.
    pub fn accept(&mut self, ev: IoEvent) -> SocketId {
        let IoEvent::ConnectRequest { request, .. } = ev else {
            panic!("not a connect request: {ev:?}");
        };
        let n = request.as_u64();
        let socket = self.io.accept(request).expect("accept");
        let sid = self.io.socket_sid(socket).expect("sid").to_owned();
        self.line(format!("app accept req={n} -> {sid}"));
        self.names.insert(socket, sid);
        self.drain();
        socket
    }

    /// Notes an application action in the trace and drains.
    pub fn app(&mut self, what: &str) -> Vec<IoEvent> {
        self.line(format!("app {what}"));
        self.drain()
    }

    /// Opens a WebSocket session and connects it to `nsp` (accepted), returning both.
    pub fn connect_ws(&mut self, nsp: &str) -> (ConnId, SocketId) {
        let conn = self.ws_open();
        let packet = if nsp == "/" {
            "40".to_owned()
        } else {
            format!("40{nsp},")
        };
        let evs = self.ws_text(conn, &packet);
        let req = evs
            .into_iter()
            .find(|e| matches!(e, IoEvent::ConnectRequest { .. }))
            .expect("connect request");
        (conn, self.accept(req))
    }

    /// Texts sent on `conn` so far.
    pub fn ws_texts(&self, conn: ConnId) -> Vec<String> {
        self.transmits
            .iter()
            .filter_map(|t| match t {
                Transmit::WsSend {
                    conn: c,
                    msg: WsMessage::Text(t),
                } if *c == conn => Some(t.to_string()),
                _ => None,
            })
            .collect()
    }
}

/// The only ConnectRequest among `evs`.
pub fn connect_request(evs: Vec<IoEvent>) -> IoEvent {
    let mut found: Vec<IoEvent> = evs
        .into_iter()
        .filter(|e| matches!(e, IoEvent::ConnectRequest { .. }))
        .collect();
    assert_eq!(found.len(), 1, "expected one ConnectRequest in {found:?}");
    found.remove(0)
}

impl Drop for Harness {
    /// Every scenario ends with the leak check: the timers run to completion (every
    /// session left closes by ping timeout), then every internal table must be empty.
    fn drop(&mut self) {
        if !std::thread::panicking() {
            self.assert_no_leaks();
        }
    }
}

/// The ack request of the first event among `evs` (panics if it asked for none).
pub fn ack_request(evs: Vec<IoEvent>) -> socketio_proto::server::io::AckRequest {
    evs.into_iter()
        .find_map(|e| match e {
            IoEvent::Event { ack, .. } => ack,
            _ => None,
        })
        .expect("an event asking for an ack")
}
