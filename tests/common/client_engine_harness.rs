//! Test harness for the Engine.IO client: the server side is scripted by hand, time is
//! virtual, and every transmit, event and scripted input is written to a readable trace
//! (relative milliseconds, `\x1e` shown as `␞`).
#![allow(dead_code)]

use bytes::Bytes;
use socketio_proto::client::engine::{
    ClientEngineEvent, ClientTransmit, EngineClient, EngineClientConfig, HttpMethod, HttpRequest,
    RequestId, WsId,
};
use socketio_proto::engineio::{Message, WsMessage};
use socketio_proto::Error;
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
    pub trace: Vec<String>,
    pub transmits: Vec<ClientTransmit>,
    pub events: Vec<ClientEngineEvent>,
}

pub fn show(s: &str) -> String {
    s.replace('\x1e', "␞")
}

fn show_ws(msg: &WsMessage) -> String {
    match msg {
        WsMessage::Text(t) => format!("text {:?}", show(t)),
        WsMessage::Binary(b) => format!("binary {:?}", b.as_ref()),
    }
}

impl Script {
    pub fn new(config: EngineClientConfig) -> Script {
        let t0 = Instant::now();
        let client = EngineClient::new(t0, config).expect("valid config");
        let mut s = Script {
            client,
            t0,
            now: t0,
            trace: Vec::new(),
            transmits: Vec::new(),
            events: Vec::new(),
        };
        s.drain();
        s
    }

    pub fn config() -> EngineClientConfig {
        EngineClientConfig::new("localhost", 3000)
    }

    fn ms(&self) -> u128 {
        self.now.duration_since(self.t0).as_millis()
    }

    fn log(&mut self, line: String) {
        let line = format!("{:>6}ms {}", self.ms(), line);
        self.trace.push(line);
    }

    /// Drains transmits and events into the trace and into `self.transmits/events`.
    pub fn drain(&mut self) {
        while let Some(t) = self.client.poll_transmit() {
            let line = match &t {
                ClientTransmit::HttpRequest(HttpRequest {
                    id,
                    method,
                    path_and_query,
                    body,
                    content_type,
                }) => {
                    let mut l = format!("-> {} {id} {path_and_query}", method.as_str());
                    if *method == HttpMethod::Post {
                        let body = String::from_utf8_lossy(body);
                        l.push_str(&format!(
                            " {:?} {:?}",
                            content_type.unwrap_or(""),
                            show(&body)
                        ));
                    }
                    l
                }
                ClientTransmit::OpenWs { id, path_and_query } => {
                    format!("-> WS-OPEN {id} {path_and_query}")
                }
                ClientTransmit::WsSend { id, msg } => format!("-> WS {id} {}", show_ws(msg)),
                ClientTransmit::CloseWs { id } => format!("-> WS-CLOSE {id}"),
            };
            self.log(line);
            self.transmits.push(t);
        }
        while let Some(e) = self.client.poll_event() {
            let line = match &e {
                ClientEngineEvent::Open { sid, handshake } => format!(
                    "EVENT open sid={sid} pingInterval={} pingTimeout={}",
                    handshake.ping_interval, handshake.ping_timeout
                ),
                ClientEngineEvent::Message(m) => format!("EVENT message {m:?}"),
                ClientEngineEvent::Upgraded => "EVENT upgraded".to_string(),
                ClientEngineEvent::UpgradeFailed => "EVENT upgrade failed".to_string(),
                ClientEngineEvent::Closed { reason } => format!("EVENT closed \"{reason}\""),
            };
            self.log(line);
            self.events.push(e);
        }
    }

    /// Takes what was drained since the last call.
    pub fn take(&mut self) -> (Vec<ClientTransmit>, Vec<ClientEngineEvent>) {
        (
            std::mem::take(&mut self.transmits),
            std::mem::take(&mut self.events),
        )
    }

    pub fn advance(&mut self, ms: u64) {
        self.now += Duration::from_millis(ms);
    }

    /// Jumps to the client's next timeout and runs it.
    pub fn fire_timeout(&mut self) {
        let at = self.client.poll_timeout().expect("a timer is armed");
        self.now = self.now.max(at);
        self.log("   timeout".to_string());
        self.client.handle_timeout(self.now);
        self.drain();
    }

    pub fn respond(&mut self, id: RequestId, status: u16, body: &str) {
        self.log(format!("<- {id} {status} {:?}", show(body)));
        self.client.handle_http_response(
            self.now,
            id,
            status,
            Bytes::copy_from_slice(body.as_bytes()),
        );
        self.drain();
    }

    pub fn http_error(&mut self, id: RequestId) {
        self.log(format!("<- {id} network error"));
        self.client.handle_http_error(self.now, id);
        self.drain();
    }

    pub fn ws_opened(&mut self, id: WsId) {
        self.log(format!("<- WS-OPENED {id}"));
        self.client.handle_ws_opened(self.now, id);
        self.drain();
    }

    pub fn ws_text(&mut self, id: WsId, text: &str) {
        self.log(format!("<- WS {id} text {:?}", show(text)));
        self.client
            .handle_ws_message(self.now, id, WsMessage::Text(text.into()));
        self.drain();
    }

    pub fn ws_binary(&mut self, id: WsId, data: &[u8]) {
        self.log(format!("<- WS {id} binary {data:?}"));
        self.client.handle_ws_message(
            self.now,
            id,
            WsMessage::Binary(Bytes::copy_from_slice(data)),
        );
        self.drain();
    }

    pub fn ws_closed(&mut self, id: WsId) {
        self.log(format!("<- WS-CLOSED {id}"));
        self.client.handle_ws_closed(self.now, id);
        self.drain();
    }

    /// The application sends a message (logged, then drained).
    pub fn app_send(&mut self, msg: Message) -> Result<(), Error> {
        self.log(format!("APP send {msg:?}"));
        let r = self.client.send(self.now, msg);
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
        self.trace.join("\n")
    }
}

/// The outstanding request of `method` among `transmits` (the last one).
pub fn request(transmits: &[ClientTransmit], method: HttpMethod) -> Option<HttpRequest> {
    transmits.iter().rev().find_map(|t| match t {
        ClientTransmit::HttpRequest(r) if r.method == method => Some(r.clone()),
        _ => None,
    })
}

pub fn get(transmits: &[ClientTransmit]) -> RequestId {
    request(transmits, HttpMethod::Get).expect("a GET").id
}

pub fn post(transmits: &[ClientTransmit]) -> HttpRequest {
    request(transmits, HttpMethod::Post).expect("a POST")
}

pub fn ws_open(transmits: &[ClientTransmit]) -> (WsId, String) {
    transmits
        .iter()
        .find_map(|t| match t {
            ClientTransmit::OpenWs { id, path_and_query } => Some((*id, path_and_query.clone())),
            _ => None,
        })
        .expect("an OpenWs")
}

pub fn ws_sent(transmits: &[ClientTransmit]) -> Vec<WsMessage> {
    transmits
        .iter()
        .filter_map(|t| match t {
            ClientTransmit::WsSend { msg, .. } => Some(msg.clone()),
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
