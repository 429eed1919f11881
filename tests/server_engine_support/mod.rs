//! A scripted driver for `EngineServer` scenario tests: virtual time, a readable wire
//! trace (the shared renderer `common::trace`: times in ms, `\x1e` shown as `␞`) and
//! lookups for explicit assertions. Needs `mod common;` in the test crate.
#![allow(dead_code)]

use crate::common::trace::{show_quoted, Binary, Style, Trace};
use bytes::Bytes;
use socketio_proto::driver::{Core, Output, Tables};
use socketio_proto::engineio::{Message, WsMessage};
use socketio_proto::ids::SequentialIds;
use socketio_proto::server::engine::{EngineConfig, EngineEvent, EngineServer, SessionId};
use socketio_proto::server::{ConnId, HttpRequest, HttpResponse, Input, RequestId, Transmit};
use socketio_proto::Utf8Bytes;
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// The scenario driver.
pub struct H {
    pub server: EngineServer,
    pub t0: Instant,
    pub now: Instant,
    pub trace: Trace,
    pub responses: HashMap<RequestId, HttpResponse>,
    pub events: Vec<EngineEvent>,
    pub ws_out: Vec<(ConnId, WsMessage)>,
    pub ws_closed: Vec<ConnId>,
    pub ws_rejected: HashMap<ConnId, HttpResponse>,
    next_id: u64,
    next_conn_id: u64,
}

pub const POLL: &str = "/engine.io/?EIO=4&transport=polling";
pub const WS: &str = "/engine.io/?EIO=4&transport=websocket";
pub const SID1: &str = "s0000000000000000001";
pub const SID2: &str = "s0000000000000000002";

pub fn poll_uri(sid: &str) -> String {
    format!("{POLL}&sid={sid}")
}

pub fn ws_uri(sid: &str) -> String {
    format!("{WS}&sid={sid}")
}

pub use crate::common::trace::show_str as show;

/// Binary as `bin:0102`.
fn hex(b: &[u8]) -> String {
    Binary::Colon.show(b)
}

/// A body: text quoted, anything else as `hex:…`.
fn show_bytes(b: &[u8]) -> String {
    show_quoted(b)
}

impl H {
    pub fn new() -> Self {
        Self::with(EngineConfig::default())
    }

    pub fn with(config: EngineConfig) -> Self {
        let t0 = Instant::now();
        H {
            server: EngineServer::new(config, Box::new(SequentialIds::new("s"))).unwrap(),
            t0,
            now: t0,
            trace: Trace::new(t0, Style::SERVER),
            responses: HashMap::new(),
            events: Vec::new(),
            ws_out: Vec::new(),
            ws_closed: Vec::new(),
            ws_rejected: HashMap::new(),
            next_id: 0,
            next_conn_id: 0,
        }
    }

    fn line(&mut self, s: String) {
        self.trace.line(self.now, s);
    }

    /// Jumps virtual time to `ms` after start, firing every timer on the way.
    pub fn at(&mut self, ms: u64) {
        let target = self.t0 + Duration::from_millis(ms);
        while let Some(t) = self.deadline() {
            if t > target {
                break;
            }
            self.now = self.now.max(t);
            self.input(Input::Timeout);
            self.drain();
        }
        self.now = self.now.max(target);
    }

    fn input(&mut self, input: Input) {
        self.server.handle_input(self.now, input).unwrap();
    }

    fn next(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    fn next_conn(&mut self) -> u64 {
        self.next_conn_id += 1;
        self.next_conn_id
    }

    /// Runs the timers due now.
    pub fn timeout(&mut self) {
        self.input(Input::Timeout);
        self.drain();
    }

    /// The next timer deadline (transmits and events are drained first).
    pub fn deadline(&mut self) -> Option<Instant> {
        self.drain_deadline()
    }

    /// Runs every timer to completion, then asserts that no internal table holds
    /// anything (the leak check every scenario ends with).
    pub fn assert_no_leaks(&mut self) {
        for _ in 0..10_000 {
            let Some(t) = self.deadline() else { break };
            self.now = self.now.max(t);
            self.input(Input::Timeout);
        }
        self.drain();
        assert_eq!(self.server.leaks(), vec![], "leaked table entries");
    }

    pub fn request(&mut self, req: HttpRequest) -> RequestId {
        let body = if req.body.is_empty() {
            String::new()
        } else {
            format!(" {}", show_bytes(&req.body))
        };
        let origin = req
            .origin
            .as_ref()
            .map(|o| format!(" (Origin: {o:?})"))
            .unwrap_or_default();
        let rid = RequestId::new(self.next());
        self.input(Input::HttpRequest {
            request: rid,
            req: req.clone(),
        });
        self.line(format!(
            "→ #{} {:?} {}{}{}",
            rid.as_u64(),
            req.method,
            req.uri,
            origin,
            body
        ));
        self.drain();
        rid
    }

    pub fn get(&mut self, uri: &str) -> RequestId {
        self.request(HttpRequest::get(uri))
    }

    pub fn post(&mut self, uri: &str, body: &str) -> RequestId {
        self.request(HttpRequest::post(
            uri,
            Bytes::copy_from_slice(body.as_bytes()),
        ))
    }

    pub fn abort(&mut self, rid: RequestId) {
        self.line(format!("→ #{} aborted by client", rid.as_u64()));
        self.input(Input::HttpFailed { request: rid });
        self.drain();
    }

    pub fn ws_open(&mut self, uri: &str) -> ConnId {
        let conn = ConnId::new(self.next_conn());
        self.input(Input::WsUpgrade {
            conn,
            req: HttpRequest::get(uri),
        });
        self.line(format!("→ ws{} open {}", conn.as_u64(), uri));
        self.drain();
        conn
    }

    pub fn ws_send(&mut self, conn: ConnId, text: &str) {
        self.line(format!("→ ws{} {:?}", conn.as_u64(), text));
        self.input(Input::WsMessage {
            conn,
            msg: WsMessage::Text(Utf8Bytes::from(text)),
        });
        self.drain();
    }

    pub fn ws_send_bin(&mut self, conn: ConnId, data: &[u8]) {
        self.line(format!("→ ws{} {}", conn.as_u64(), hex(data)));
        self.input(Input::WsMessage {
            conn,
            msg: WsMessage::Binary(Bytes::copy_from_slice(data)),
        });
        self.drain();
    }

    pub fn ws_closed(&mut self, conn: ConnId) {
        self.line(format!("→ ws{} closed by client", conn.as_u64()));
        self.input(Input::WsClosed { conn });
        self.drain();
    }

    pub fn ws_failed(&mut self, conn: ConnId) {
        self.line(format!("→ ws{} failed", conn.as_u64()));
        self.input(Input::WsFailed { conn });
        self.drain();
    }

    pub fn send(&mut self, session: SessionId, text: &str) {
        self.line(format!("app send s{} {:?}", session.as_u64(), text));
        self.server.send(session, text).unwrap();
        self.drain();
    }

    pub fn close(&mut self, session: SessionId) {
        self.line(format!("app close s{}", session.as_u64()));
        self.server.close_session(self.now, session).unwrap();
        self.drain();
    }

    pub fn shutdown(&mut self) {
        self.line("app shutdown".to_owned());
        Core::shutdown(&mut self.server, self.now);
        self.drain();
    }

    /// Drains transmits and events into the trace and the lookup tables.
    pub fn drain(&mut self) {
        let _ = self.drain_deadline();
    }

    /// Drains the outputs; the trace shows transmits before events, as it always has.
    fn drain_deadline(&mut self) -> Option<Instant> {
        let mut transmits = Vec::new();
        let mut events = Vec::new();
        let deadline = loop {
            match self.server.poll_output() {
                Output::Transmit(t) => transmits.push(t),
                Output::Event(e) => events.push(e),
                Output::Timeout(t) => break t,
            }
        };
        for t in transmits {
            match t {
                Transmit::HttpResponse {
                    request,
                    response: r,
                } => {
                    let headers = r
                        .headers
                        .iter()
                        .map(|(k, v)| format!("{k}: {v}"))
                        .collect::<Vec<_>>()
                        .join(" | ");
                    self.line(format!(
                        "← #{} {} [{}] {}",
                        request.as_u64(),
                        r.status,
                        headers,
                        show_bytes(&r.body)
                    ));
                    assert!(
                        self.responses.insert(request, r).is_none(),
                        "a request was answered twice"
                    );
                }
                Transmit::WsAccept { .. } => {}
                Transmit::WsReject { conn, response } => {
                    self.line(format!(
                        "← ws{} reject {} {}",
                        conn.as_u64(),
                        response.status,
                        show_bytes(&response.body)
                    ));
                    self.ws_rejected.insert(conn, response);
                }
                Transmit::WsSend { conn, msg } => {
                    let shown = match &msg {
                        WsMessage::Text(t) => format!("{:?}", show(t)),
                        WsMessage::Binary(b) => hex(b),
                    };
                    self.line(format!("← ws{} {}", conn.as_u64(), shown));
                    self.ws_out.push((conn, msg));
                }
                Transmit::WsClose { conn } => {
                    self.line(format!("← ws{} close", conn.as_u64()));
                    self.ws_closed.push(conn);
                }
            }
        }
        for e in events {
            let s = match &e {
                EngineEvent::Opened {
                    session,
                    sid,
                    transport,
                    ..
                } => format!(
                    "event Opened s{} sid={} {}",
                    session.as_u64(),
                    sid,
                    transport.as_str()
                ),
                EngineEvent::Upgraded { session } => {
                    format!("event Upgraded s{}", session.as_u64())
                }
                EngineEvent::Message { session, msg } => match msg {
                    Message::Text(t) => format!("event Message s{} {:?}", session.as_u64(), t),
                    Message::Binary(b) => {
                        format!("event Message s{} {}", session.as_u64(), hex(b))
                    }
                },
                EngineEvent::Closed { session, reason } => {
                    format!("event Closed s{} {:?}", session.as_u64(), reason.as_str())
                }
            };
            self.line(s);
            self.events.push(e);
        }
        deadline
    }

    pub fn resp(&self, rid: RequestId) -> &HttpResponse {
        self.responses
            .get(&rid)
            .unwrap_or_else(|| panic!("request #{} not answered", rid.as_u64()))
    }

    pub fn answered(&self, rid: RequestId) -> bool {
        self.responses.contains_key(&rid)
    }

    pub fn body(&self, rid: RequestId) -> String {
        String::from_utf8(self.resp(rid).body.to_vec()).unwrap()
    }

    pub fn status(&self, rid: RequestId) -> u16 {
        self.resp(rid).status
    }

    /// The JSON error `(code, message)` of a response.
    pub fn json_error(&self, rid: RequestId) -> (u64, String) {
        let r = self.resp(rid);
        assert_eq!(r.header("content-type"), Some("application/json"));
        let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
        (
            v["code"].as_u64().unwrap(),
            v["message"].as_str().unwrap().to_owned(),
        )
    }

    pub fn ws_texts(&self, conn: ConnId) -> Vec<String> {
        self.ws_out
            .iter()
            .filter(|(c, _)| *c == conn)
            .filter_map(|(_, m)| match m {
                WsMessage::Text(t) => Some(t.to_string()),
                WsMessage::Binary(_) => None,
            })
            .collect()
    }

    pub fn closed_reason(&self, session: SessionId) -> Option<&'static str> {
        self.events.iter().find_map(|e| match e {
            EngineEvent::Closed { session: s, reason } if *s == session => Some(reason.as_str()),
            _ => None,
        })
    }

    pub fn messages(&self, session: SessionId) -> Vec<Message> {
        self.events
            .iter()
            .filter_map(|e| match e {
                EngineEvent::Message { session: s, msg } if *s == session => Some(msg.clone()),
                _ => None,
            })
            .collect()
    }

    /// Polling handshake; returns the session.
    pub fn handshake_polling(&mut self) -> SessionId {
        let rid = self.get(POLL);
        assert_eq!(self.status(rid), 200);
        self.last_opened()
    }

    pub fn last_opened(&self) -> SessionId {
        self.events
            .iter()
            .rev()
            .find_map(|e| match e {
                EngineEvent::Opened { session, .. } => Some(*session),
                _ => None,
            })
            .expect("no session opened")
    }
}

impl Drop for H {
    /// Every scenario ends with the leak check: the timers run to completion (every
    /// session left closes by ping timeout), then every internal table must be empty.
    fn drop(&mut self) {
        if !std::thread::panicking() {
            self.assert_no_leaks();
        }
    }
}
