//! Test harness for the Engine.IO client: the server side is scripted by hand, time is
//! virtual, and every transmit, event and scripted input is written to a readable trace
//! (the shared renderer `common::trace`: relative milliseconds, `\x1e` shown as `␞`).
//! The client is driven through `driver::Core` only. Dropping a `Script` shuts the
//! client down, runs its timers and asserts that none of its internal tables leaks.
#![allow(dead_code)]

use super::trace::{show_ws as render_ws, Binary, Style, Trace};
use bytes::Bytes;
use socketio_proto::client::engine::{EngineClient, EngineConfig, EngineEvent};
use socketio_proto::client::{ConnId, Input, Method, RequestId, Transmit};
use socketio_proto::driver::{Core, Output, Tables};
use socketio_proto::engineio::{Message, WsMessage};
use socketio_proto::error::SendError;
use std::time::{Duration, Instant};

/// Open packet of the scripted server (polling, upgrades to websocket).
pub const OPEN: &str = r#"0{"sid":"sid1","upgrades":["websocket"],"pingInterval":300,"pingTimeout":200,"maxPayload":1000000}"#;
/// Open packet with no upgrades.
pub const OPEN_NO_UPGRADE: &str =
    r#"0{"sid":"sid1","upgrades":[],"pingInterval":300,"pingTimeout":200,"maxPayload":20}"#;
/// Open packet over WebSocket.
pub const OPEN_WS: &str =
    r#"0{"sid":"sid1","upgrades":[],"pingInterval":300,"pingTimeout":200,"maxPayload":1000000}"#;

pub struct Script {
    pub client: EngineClient,
    pub t0: Instant,
    pub now: Instant,
    pub trace: Trace,
    pub transmits: Vec<Transmit>,
    pub events: Vec<EngineEvent>,
    /// The deadline of the last `Output::Timeout`.
    deadline: Option<Instant>,
}

pub use super::trace::show_str as show;

/// A frame: `text "…"` or `binary [1, 2]`.
fn show_ws(msg: &WsMessage) -> String {
    match msg {
        WsMessage::Text(_) => format!("text {}", render_ws(msg, true, Binary::List)),
        WsMessage::Binary(_) => render_ws(msg, true, Binary::List),
    }
}

/// One HTTP request the client asked for, with the id it carried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Req {
    pub id: RequestId,
    pub method: Method,
    pub path_and_query: String,
    pub body: Bytes,
    pub content_type: Option<String>,
}

impl Script {
    pub fn new(config: EngineConfig) -> Script {
        let t0 = Instant::now();
        let client = EngineClient::new(t0, config).expect("valid config");
        let mut s = Script {
            client,
            t0,
            now: t0,
            trace: Trace::new(t0, Style::CLIENT),
            transmits: Vec::new(),
            events: Vec::new(),
            deadline: None,
        };
        s.drain();
        s
    }

    pub fn config() -> EngineConfig {
        EngineConfig::new("localhost", 3000)
    }

    fn log(&mut self, line: String) {
        self.trace.line(self.now, line);
    }

    /// Drains `poll_output` until the deadline into `self.transmits/events`, and into
    /// the trace: transmits first, then events (the order of the traces).
    pub fn drain(&mut self) {
        let mut transmits = Vec::new();
        let mut events = Vec::new();
        self.deadline = loop {
            match self.client.poll_output() {
                Output::Transmit(t) => transmits.push(t),
                Output::Event(e) => events.push(e),
                Output::Timeout(d) => break d,
            }
        };
        for t in transmits {
            let line = match &t {
                Transmit::HttpRequest { request, req } => {
                    let mut l = format!("-> {} {request} {}", req.method.as_str(), req.uri);
                    if req.method == Method::Post {
                        let body = String::from_utf8_lossy(&req.body);
                        l.push_str(&format!(
                            " {:?} {:?}",
                            req.content_type.as_deref().unwrap_or(""),
                            show(&body)
                        ));
                    }
                    l
                }
                Transmit::WsOpen { conn, uri } => format!("-> WS-OPEN {conn} {uri}"),
                Transmit::WsSend { conn, msg } => format!("-> WS {conn} {}", show_ws(msg)),
                Transmit::WsClose { conn } => format!("-> WS-CLOSE {conn}"),
            };
            self.log(line);
            self.transmits.push(t);
        }
        for e in events {
            let line = match &e {
                EngineEvent::Opened { sid, handshake } => format!(
                    "EVENT open sid={sid} pingInterval={} pingTimeout={}",
                    handshake.ping_interval, handshake.ping_timeout
                ),
                EngineEvent::Message { msg } => format!("EVENT message {msg:?}"),
                EngineEvent::Upgraded => "EVENT upgraded".to_string(),
                EngineEvent::UpgradeFailed => "EVENT upgrade failed".to_string(),
                EngineEvent::Closed { reason } => format!("EVENT closed \"{reason}\""),
            };
            self.log(line);
            self.events.push(e);
        }
    }

    /// Takes what was drained since the last call.
    pub fn take(&mut self) -> (Vec<Transmit>, Vec<EngineEvent>) {
        (
            std::mem::take(&mut self.transmits),
            std::mem::take(&mut self.events),
        )
    }

    /// The client's next deadline (from the last `Output::Timeout`).
    pub fn deadline(&self) -> Option<Instant> {
        self.deadline
    }

    pub fn advance(&mut self, ms: u64) {
        self.now += Duration::from_millis(ms);
    }

    fn input(&mut self, input: Input) {
        self.client
            .handle_input(self.now, input)
            .expect("client inputs never fail");
        self.drain();
    }

    /// Jumps to the client's next timeout and runs it.
    pub fn fire_timeout(&mut self) {
        let at = self.deadline.expect("a timer is armed");
        self.now = self.now.max(at);
        self.log("   timeout".to_string());
        self.input(Input::Timeout);
    }

    /// Feeds `Input::Timeout` at `at` (not logged, time not moved).
    pub fn timeout_at(&mut self, at: Instant) {
        self.client
            .handle_input(at, Input::Timeout)
            .expect("client inputs never fail");
        self.drain();
    }

    pub fn respond(&mut self, id: RequestId, status: u16, body: &str) {
        self.log(format!("<- {id} {status} {:?}", show(body)));
        self.input(Input::HttpResponse {
            request: id,
            status,
            body: Bytes::copy_from_slice(body.as_bytes()),
        });
    }

    pub fn http_error(&mut self, id: RequestId) {
        self.log(format!("<- {id} network error"));
        self.input(Input::HttpFailed { request: id });
    }

    pub fn ws_opened(&mut self, id: ConnId) {
        self.log(format!("<- WS-OPENED {id}"));
        self.input(Input::WsOpened { conn: id });
    }

    pub fn ws_text(&mut self, id: ConnId, text: &str) {
        self.log(format!("<- WS {id} text {:?}", show(text)));
        self.input(Input::WsMessage {
            conn: id,
            msg: WsMessage::Text(text.into()),
        });
    }

    pub fn ws_binary(&mut self, id: ConnId, data: &[u8]) {
        self.log(format!("<- WS {id} {}", Binary::List.show(data)));
        self.input(Input::WsMessage {
            conn: id,
            msg: WsMessage::Binary(Bytes::copy_from_slice(data)),
        });
    }

    pub fn ws_closed(&mut self, id: ConnId) {
        self.log(format!("<- WS-CLOSED {id}"));
        self.input(Input::WsClosed { conn: id });
    }

    /// The application sends a message (logged, then drained).
    pub fn app_send(&mut self, msg: Message) -> Result<(), SendError> {
        self.log(format!("APP send {msg:?}"));
        let r = self.client.send(msg);
        if let Err(e) = &r {
            self.log(format!("APP send failed: {e}"));
        }
        self.drain();
        r
    }

    /// The application closes the connection.
    pub fn app_close(&mut self) {
        self.log("APP close()".to_string());
        self.client.close(self.now);
        self.drain();
    }

    pub fn note(&mut self, text: &str) {
        self.log(format!("## {text}"));
    }

    pub fn trace_text(&self) -> String {
        self.trace.text()
    }

    /// The teardown: shuts the client down, runs every timer, and asserts that every
    /// internal table is empty.
    pub fn assert_no_leaks(&mut self) {
        self.client.shutdown(self.now);
        self.drain();
        for _ in 0..100 {
            let Some(at) = self.deadline else { break };
            self.now = self.now.max(at);
            self.input(Input::Timeout);
        }
        assert!(self.client.is_closed(), "shut down");
        assert_eq!(self.deadline, None, "no timer after the shutdown");
        assert_eq!(self.client.leaks(), Vec::new(), "leaked table entries");
    }
}

impl Drop for Script {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            self.assert_no_leaks();
        }
    }
}

/// The outstanding request of `method` among `transmits` (the last one).
pub fn request(transmits: &[Transmit], method: Method) -> Option<Req> {
    transmits.iter().rev().find_map(|t| match t {
        Transmit::HttpRequest { request, req } if req.method == method => Some(Req {
            id: *request,
            method: req.method,
            path_and_query: req.uri.clone(),
            body: req.body.clone(),
            content_type: req.content_type.clone(),
        }),
        _ => None,
    })
}

pub fn get(transmits: &[Transmit]) -> RequestId {
    request(transmits, Method::Get).expect("a GET").id
}

pub fn post(transmits: &[Transmit]) -> Req {
    request(transmits, Method::Post).expect("a POST")
}

pub fn ws_open(transmits: &[Transmit]) -> (ConnId, String) {
    transmits
        .iter()
        .find_map(|t| match t {
            Transmit::WsOpen { conn, uri } => Some((*conn, uri.clone())),
            _ => None,
        })
        .expect("a WsOpen")
}

pub fn ws_sent(transmits: &[Transmit]) -> Vec<WsMessage> {
    transmits
        .iter()
        .filter_map(|t| match t {
            Transmit::WsSend { msg, .. } => Some(msg.clone()),
            _ => None,
        })
        .collect()
}

pub fn text(msg: &WsMessage) -> &str {
    match msg {
        WsMessage::Text(t) => t,
        WsMessage::Binary(_) => "<binary>",
    }
}
