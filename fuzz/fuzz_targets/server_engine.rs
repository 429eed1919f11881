#![no_main]
//! Arbitrary sequences of HTTP requests, WebSocket messages, application commands and
//! time steps against the Engine.IO server core.
//!
//! Invariants: no panic; every request is answered at most once, with a known status and
//! a parseable JSON body when it says `application/json`; at most one poll is held per
//! session; a WebSocket upgrade is answered accept or reject exactly once; with no input
//! for ping interval + ping timeout (+ upgrade timeout) every session is gone and every
//! internal table is empty (`Tables::leaks`, byte counters included). Budgets: after
//! every step each live session's queue holds at most `max_queued_bytes` (plus its
//! control packets) and `max_queued_packets` (plus those), and right after every input
//! no live session is over budget for longer than `over_budget_grace`.

use arbitrary::Arbitrary;
use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use socketio_proto::driver::{Core, Output, Tables};
use socketio_proto::engineio::WsMessage;
use socketio_proto::error::SendError;
use socketio_proto::ids::SequentialIds;
use socketio_proto::server::engine::{EngineConfig, EngineEvent, EngineServer, OutMessage};
use socketio_proto::server::{ConnId, HttpRequest, Input, Method, RequestId, Transmit};
use socketio_proto::Utf8Bytes;
use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

#[derive(Arbitrary, Debug)]
enum Frame {
    Probe,
    Upgrade,
    Pong,
    Ping,
    Close,
    Noop,
    Text(String),
    Raw(String),
}

impl Frame {
    fn text(&self) -> String {
        match self {
            Frame::Probe => "2probe".into(),
            Frame::Upgrade => "5".into(),
            Frame::Pong => "3".into(),
            Frame::Ping => "2".into(),
            Frame::Close => "1".into(),
            Frame::Noop => "6".into(),
            Frame::Text(t) => format!("4{t}"),
            Frame::Raw(r) => r.clone(),
        }
    }
}

#[derive(Arbitrary, Debug)]
enum Op {
    Handshake,
    WsHandshake,
    Get(u8),
    Post(u8, Vec<Frame>),
    PostRaw(u8, Vec<u8>),
    Raw {
        method: Method,
        uri: String,
        body: Vec<u8>,
        origin: Option<String>,
    },
    Abort(u8),
    WsUpgrade(u8),
    WsRaw(String),
    WsFrame(u8, Frame),
    WsBinary(u8, Vec<u8>),
    WsClosed(u8),
    WsBacklog(u8, u16),
    Send(u8, String),
    SendMany(u8, String, Vec<u8>),
    Close(u8),
    Advance(u16),
    Shutdown,
}

const INTERVAL: u64 = 1000;
const TIMEOUT: u64 = 500;
const UPGRADE: u64 = 300;
const GRACE: u64 = 200;
const MAX_BYTES: usize = 128;
const MAX_PACKETS: usize = 8;
/// Control packets go in whatever the budget: an open (counted as 128), a ping, a close.
const CONTROL_BYTES: usize = 128 + 1 + 1;
const CONTROL_PACKETS: usize = 3;

struct World {
    server: EngineServer,
    now: Instant,
    sids: Vec<String>,
    conns: Vec<ConnId>,
    requests: Vec<RequestId>,
    answered: HashSet<RequestId>,
    /// Unanswered GETs on a session, by sid.
    polls: HashMap<RequestId, String>,
    /// Upgrades answered (accept or reject).
    upgrades: HashSet<ConnId>,
    next_id: u64,
    deadline: Option<Instant>,
}

impl World {
    fn pick<T: Clone>(list: &[T], i: u8) -> Option<T> {
        if list.is_empty() {
            None
        } else {
            list.get(i as usize % list.len()).cloned()
        }
    }

    fn uri(&self, i: u8, transport: &str) -> String {
        match Self::pick(&self.sids, i) {
            Some(sid) => format!("/engine.io/?EIO=4&transport={transport}&sid={sid}"),
            None => format!("/engine.io/?EIO=4&transport={transport}&sid=x"),
        }
    }

    fn request(&mut self, req: HttpRequest) {
        let is_poll = req.method == Method::Get && req.uri.contains("&sid=");
        let sid = req.uri.split("&sid=").nth(1).map(str::to_owned);
        self.next_id += 1;
        let rid = RequestId::new(self.next_id);
        self.input(Input::HttpRequest { request: rid, req });
        self.requests.push(rid);
        if is_poll {
            if let Some(sid) = sid {
                self.polls.insert(rid, sid);
            }
        }
        self.drain();
    }

    fn input(&mut self, input: Input) {
        // Every id is fresh, so the core never refuses an input here.
        assert!(self.server.handle_input(self.now, input).is_ok());
        // The timers ran first: no session is over budget past its grace.
        for sid in &self.sids {
            let Some(s) = self.server.session_by_sid(sid) else {
                continue;
            };
            if let Some(since) = self.server.over_budget_since(s) {
                assert!(
                    since + Duration::from_millis(GRACE) > self.now,
                    "{sid} over budget past its grace"
                );
            }
        }
    }

    /// Every live session's queue within its budget.
    fn check_budgets(&self) {
        for sid in &self.sids {
            let Some(s) = self.server.session_by_sid(sid) else {
                continue;
            };
            let bytes = self.server.queued_bytes(s).unwrap_or(0);
            let packets = self.server.queued(s).unwrap_or(0);
            assert!(
                bytes <= MAX_BYTES + CONTROL_BYTES,
                "{sid}: {bytes} bytes queued"
            );
            assert!(
                packets <= MAX_PACKETS + CONTROL_PACKETS,
                "{sid}: {packets} packets queued"
            );
        }
    }

    fn ws_open(&mut self, uri: String) {
        self.next_id += 1;
        let conn = ConnId::new(self.next_id);
        self.input(Input::WsUpgrade {
            conn,
            req: HttpRequest::get(uri),
        });
        self.conns.push(conn);
        self.drain();
        assert!(self.upgrades.contains(&conn), "upgrade not answered");
    }

    fn drain(&mut self) {
        let mut transmits = Vec::new();
        let mut events = Vec::new();
        self.deadline = loop {
            match self.server.poll_output() {
                Output::Transmit(t) => transmits.push(t),
                Output::Event(e) => events.push(e),
                Output::Timeout(t) => break t,
            }
        };
        for t in transmits {
            if let Transmit::WsAccept { conn } | Transmit::WsReject { conn, .. } = &t {
                assert!(self.upgrades.insert(*conn), "upgrade answered twice");
            }
            if let Transmit::HttpResponse {
                request,
                response: r,
            } = t
            {
                assert!(
                    [200, 204, 400, 403, 404, 413, 503].contains(&r.status),
                    "status {}",
                    r.status
                );
                if r.header("content-type") == Some("application/json") {
                    let v: serde_json::Value = serde_json::from_slice(&r.body).expect("json");
                    let code = v["code"].as_u64().expect("code");
                    assert!(code <= 5);
                    assert!(v["message"].is_string());
                }
                assert!(self.answered.insert(request), "answered twice");
                self.polls.remove(&request);
            }
        }
        for e in events {
            if let EngineEvent::Opened { sid, .. } = e {
                self.sids.push(sid.to_string());
            }
        }
        let mut per_sid: HashMap<&str, usize> = HashMap::new();
        for sid in self.polls.values() {
            *per_sid.entry(sid.as_str()).or_default() += 1;
        }
        for (sid, n) in per_sid {
            assert!(n <= 1, "{n} polls held on {sid}");
        }
        self.check_budgets();
    }

    fn step(&mut self, op: Op) {
        match op {
            Op::Handshake => self.request(HttpRequest::get("/engine.io/?EIO=4&transport=polling")),
            Op::WsHandshake => self.ws_open("/engine.io/?EIO=4&transport=websocket".to_owned()),
            Op::Get(i) => {
                let uri = self.uri(i, "polling");
                self.request(HttpRequest::get(uri));
            }
            Op::Post(i, frames) => {
                let body = frames
                    .iter()
                    .map(Frame::text)
                    .collect::<Vec<_>>()
                    .join("\x1e");
                let uri = self.uri(i, "polling");
                self.request(HttpRequest::post(uri, body));
            }
            Op::PostRaw(i, body) => {
                let uri = self.uri(i, "polling");
                self.request(HttpRequest::post(uri, body));
            }
            Op::Raw {
                method,
                uri,
                body,
                origin,
            } => self.request(HttpRequest {
                method,
                uri,
                origin,
                content_type: None,
                body: Bytes::from(body),
            }),
            Op::Abort(i) => {
                if let Some(rid) = Self::pick(&self.requests, i) {
                    self.input(Input::HttpFailed { request: rid });
                    if !self.answered.contains(&rid) {
                        // An aborted request is never answered.
                        self.answered.insert(rid);
                        self.polls.remove(&rid);
                    }
                    self.drain();
                }
            }
            Op::WsUpgrade(i) => {
                let uri = self.uri(i, "websocket");
                self.ws_open(uri);
            }
            Op::WsRaw(uri) => self.ws_open(uri),
            Op::WsFrame(i, f) => {
                if let Some(c) = Self::pick(&self.conns, i) {
                    let msg = WsMessage::Text(Utf8Bytes::from(f.text()));
                    self.input(Input::WsMessage { conn: c, msg });
                    self.drain();
                }
            }
            Op::WsBinary(i, data) => {
                if let Some(c) = Self::pick(&self.conns, i) {
                    let msg = WsMessage::Binary(Bytes::from(data));
                    self.input(Input::WsMessage { conn: c, msg });
                    self.drain();
                }
            }
            Op::WsClosed(i) => {
                if let Some(c) = Self::pick(&self.conns, i) {
                    self.input(Input::WsClosed { conn: c });
                    self.drain();
                }
            }
            Op::WsBacklog(i, bytes) => {
                if let Some(c) = Self::pick(&self.conns, i) {
                    let bytes = usize::from(bytes % 512);
                    self.input(Input::WsBacklog { conn: c, bytes });
                    self.drain();
                }
            }
            Op::Send(i, text) => {
                if let Some(s) =
                    Self::pick(&self.sids, i).and_then(|sid| self.server.session_by_sid(&sid))
                {
                    let held = self.server.queued_bytes(s).unwrap_or(0)
                        + self.server.ws_backlog(s).unwrap_or(0);
                    let len = 1 + text.len(); // "4" + text
                    match self.server.send(s, text.as_str()) {
                        Ok(()) => assert!(held + len <= MAX_BYTES, "{held} + {len} accepted"),
                        Err(SendError::QueueBytesFull { limit }) => {
                            assert!(held + len > limit, "{held} + {len} refused");
                            assert!(self.server.over_budget_since(s).is_some());
                        }
                        Err(SendError::QueueFull { .. }) => {
                            assert!(self.server.over_budget_since(s).is_some());
                        }
                        Err(e) => panic!("send to a live session: {e}"),
                    }
                    self.drain();
                }
            }
            Op::SendMany(i, text, bin) => {
                if let Some(s) =
                    Self::pick(&self.sids, i).and_then(|sid| self.server.session_by_sid(&sid))
                {
                    let _ = self.server.send_many(
                        s,
                        [
                            OutMessage::from(text.as_str()),
                            OutMessage::Binary(Bytes::from(bin)),
                        ],
                    );
                    self.drain();
                }
            }
            Op::Close(i) => {
                if let Some(s) =
                    Self::pick(&self.sids, i).and_then(|sid| self.server.session_by_sid(&sid))
                {
                    assert!(self.server.close_session(self.now, s).is_ok());
                    self.drain();
                }
            }
            Op::Advance(ms) => {
                let target = self.now + Duration::from_millis(u64::from(ms % 4000));
                self.run_until(target);
            }
            Op::Shutdown => {
                Core::shutdown(&mut self.server, self.now);
                self.drain();
                assert_eq!(self.server.session_count(), 0);
            }
        }
    }

    fn run_until(&mut self, target: Instant) {
        let mut guard = 0;
        self.drain();
        while let Some(t) = self.deadline {
            if t > target {
                break;
            }
            guard += 1;
            assert!(guard < 10_000, "timer loop does not progress");
            self.now = self.now.max(t);
            self.input(Input::Timeout);
            self.drain();
        }
        self.now = self.now.max(target);
    }
}

fuzz_target!(|ops: Vec<Op>| {
    let config = EngineConfig {
        ping_interval: Duration::from_millis(INTERVAL),
        ping_timeout: Duration::from_millis(TIMEOUT),
        upgrade_timeout: Duration::from_millis(UPGRADE),
        max_payload: 64,
        max_sessions: 8,
        max_queued_packets: MAX_PACKETS,
        max_queued_bytes: MAX_BYTES,
        over_budget_grace: Duration::from_millis(GRACE),
        max_pending_upgrades: 4,
        ..EngineConfig::default()
    };
    let Ok(server) = EngineServer::new(config, Box::new(SequentialIds::new("s"))) else {
        return;
    };
    let mut w = World {
        server,
        now: Instant::now(),
        sids: Vec::new(),
        conns: Vec::new(),
        requests: Vec::new(),
        answered: HashSet::new(),
        polls: HashMap::new(),
        upgrades: HashSet::new(),
        next_id: 0,
        deadline: None,
    };
    for op in ops.into_iter().take(256) {
        w.step(op);
    }
    // Silence from every client: after interval + timeout (+ the closing linger) every
    // session is gone and no timer remains.
    let end = w.now + Duration::from_millis(INTERVAL + TIMEOUT);
    w.run_until(end);
    assert_eq!(
        w.server.session_count(),
        0,
        "a session outlived its ping timeout"
    );
    assert_eq!(w.deadline, None, "a timer outlived every session");
    assert_eq!(w.server.leaks(), vec![], "a table outlived every session");
    assert!(w.polls.is_empty(), "a poll was never answered");
});
