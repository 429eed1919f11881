//! Scripted scenarios for the interop tests (`--script interop`, `reconnect`,
//! `heartbeat`), run against `tests/interop/node_server.js`. Each prints one JSON line
//! per check with what was observed (binary as `{"$bin": hex}`);
//! `tests/interop_client_node.rs` holds the assertions. A step that does not happen in
//! time prints `{"error": …}` and the process exits with status 1.
//!
//! Each scenario is a state machine over the manager's events and the app's timers
//! (`step` is where it is; `deadline` fails the step, `timer` ends a timed phase), so
//! it runs on any adapter, async or blocking.

use super::show::{show_args, show_event};
use super::{args::Args as CliArgs, open, App, Flow};
use bytes::Bytes;
use serde::Serialize;
use serde_json::{json, Value as Json};
use socketio_proto::client::io::IoEvent;
use socketio_proto::client::{Manager, SocketId, Transport};
use socketio_proto::socketio::Value;
use std::time::{Duration, Instant};

/// How long one step may take.
const STEP: Duration = Duration::from_secs(10);

fn out(v: Json) {
    println!("{v}");
}

fn emit(m: &mut Manager, s: SocketId, ev: &str, args: &impl Serialize) -> Result<(), String> {
    m.emit(s, ev, args).map_err(|e| e.to_string())
}

fn bin(b: &'static [u8]) -> Value {
    Value::Binary(Bytes::from_static(b))
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Interop,
    Reconnect,
    Heartbeat,
}

/// What the current step fails on, besides its deadline.
#[derive(Clone, Copy, PartialEq)]
enum Wait {
    /// A CONNECT: fails on a CONNECT_ERROR of the socket.
    Connect,
    /// An event: fails if the socket disconnects.
    Event,
    /// An ack: fails on its timeout.
    Ack,
    /// Anything else.
    Other,
}

/// One scripted scenario; see the module docs.
pub struct Script {
    kind: Kind,
    step: u8,
    what: &'static str,
    wait: Wait,
    /// The socket the step waits on.
    sock: SocketId,
    deadline: Option<Instant>,
    timer: Option<Instant>,
    main: SocketId,
    custom: SocketId,
    nope: SocketId,
    ack_id: u64,
    /// Things observed in earlier steps, for a later line.
    seen: Vec<Json>,
    flag: bool,
    count: usize,
    attempt: Option<u32>,
    sid: String,
    polling_first: bool,
    wants_ws: bool,
}

impl Script {
    /// Starts scenario `name` (connects `/`).
    pub fn start(m: &mut Manager, now: Instant, name: &str, a: &CliArgs) -> Result<Self, String> {
        let kind = match name {
            "interop" => Kind::Interop,
            "reconnect" => Kind::Reconnect,
            "heartbeat" => Kind::Heartbeat,
            other => {
                return Err(format!(
                    "unknown script {other:?} (interop, reconnect, heartbeat)"
                ))
            }
        };
        let main = open(m, now, "/", a.auth.clone())?;
        let mut s = Script {
            kind,
            step: 0,
            what: "",
            wait: Wait::Other,
            sock: main,
            deadline: None,
            timer: None,
            main,
            custom: main,
            nope: main,
            ack_id: 0,
            seen: Vec::new(),
            flag: false,
            count: 0,
            attempt: None,
            sid: String::new(),
            polling_first: a.transports.first() == Some(&Transport::Polling),
            wants_ws: a.transports.contains(&Transport::WebSocket),
        };
        s.want(now, 0, "connect", Wait::Connect, main);
        Ok(s)
    }

    /// The next step waits up to [`STEP`] for `what` on `sock`.
    fn want(&mut self, now: Instant, step: u8, what: &'static str, wait: Wait, sock: SocketId) {
        (self.step, self.what, self.wait, self.sock) = (step, what, wait, sock);
        self.deadline = Some(now + STEP);
        self.timer = None;
    }

    /// The next step is a timed phase of `d` (no failure deadline).
    fn phase(&mut self, now: Instant, step: u8, what: &'static str, d: Duration) {
        (self.step, self.what, self.wait) = (step, what, Wait::Other);
        self.deadline = None;
        self.timer = Some(now + d);
    }

    /// Prints the failure and ends with status 1.
    fn fail(e: String) -> Flow {
        out(json!({ "error": e }));
        eprintln!("error: {e}");
        Flow::Break(1)
    }

    /// Fails the step on the events `wait` names.
    fn check_failure(&self, e: &IoEvent) -> Result<(), String> {
        match (self.wait, e) {
            (
                Wait::Connect,
                IoEvent::ConnectError {
                    socket, message, ..
                },
            ) if *socket == self.sock => Err(format!("connect_error {message}")),
            (Wait::Event, IoEvent::Disconnected { socket, reason }) if *socket == self.sock => {
                Err(format!("disconnected: {reason:?}"))
            }
            (Wait::Ack, IoEvent::AckTimeout { socket, id })
                if *socket == self.sock && *id == self.ack_id =>
            {
                Err("ack timeout".into())
            }
            _ => Ok(()),
        }
    }

    /// Emits with an ack (timeout `STEP / 2`) and waits for it as `step`.
    fn ask(&mut self, m: &mut Manager, now: Instant, step: u8, event: &str) -> Result<(), String> {
        let id = m.emit_with_ack(now, self.main, event, &(), Some(STEP / 2));
        self.ack_id = id.map_err(|e| e.to_string())?;
        self.want(now, step, "ack", Wait::Ack, self.main);
        Ok(())
    }

    /// Handles `e` in the current step: `Ok(false)` if the step did not want it.
    fn advance(&mut self, m: &mut Manager, now: Instant, e: IoEvent) -> Result<bool, String> {
        use IoEvent as E;
        let (main, custom) = (self.main, self.custom);
        match (self.kind, self.step, e) {
            // ---- all: the first CONNECT of `/`.
            (_, 0, E::Connected { socket, sid }) if socket == main => match self.kind {
                Kind::Interop => {
                    out(json!({"check": "connected", "nsp": "/", "sid": sid}));
                    self.want(now, 1, "auth", Wait::Event, main);
                }
                Kind::Reconnect => {
                    out(json!({"step": "connected", "sid": sid}));
                    self.want(now, 1, "disconnect", Wait::Other, main);
                    self.deadline = None; // the test kills the server when it likes
                }
                Kind::Heartbeat => {
                    out(json!({"step": "connected", "sid": sid}));
                    self.sid = sid;
                    self.phase(now, 1, "idle", Duration::from_millis(1500));
                }
            },
            // ---- interop: auth, echo, acks both ways, /custom, /nope, server disconnect.
            (
                Kind::Interop,
                1,
                E::Event {
                    socket,
                    event,
                    args,
                    ..
                },
            ) if socket == main && event == "auth" => {
                out(json!({"check": "auth", "args": show_args(&args)}));
                let mut nested = std::collections::BTreeMap::new();
                nested.insert("nested".to_string(), bin(&[4, 5]));
                nested.insert("n".to_string(), Value::Number(1.into()));
                let payload = (
                    "hello",
                    bin(&[0, 1, 2, 3, 255]),
                    Value::Object(nested),
                    Value::Array(vec![bin(&[]), Value::String("x".into())]),
                );
                emit(m, main, "message", &payload)?;
                self.want(now, 2, "message-back", Wait::Event, main);
            }
            (
                Kind::Interop,
                2,
                E::Event {
                    socket,
                    event,
                    args,
                    ..
                },
            ) if socket == main && event == "message-back" => {
                out(json!({"check": "echo", "args": show_args(&args)}));
                let ack_args = (1, "two", bin(&[6]), Value::Null);
                let id = m.emit_with_ack(now, main, "message-with-ack", &ack_args, Some(STEP / 2));
                self.ack_id = id.map_err(|e| e.to_string())?;
                self.want(now, 3, "ack", Wait::Ack, main);
            }
            (Kind::Interop, 3, E::AckReceived { socket, id, args })
                if socket == main && id == self.ack_id =>
            {
                out(json!({"check": "ack", "args": show_args(&args)}));
                emit(m, main, "ask-me", &("q?",))?;
                self.want(now, 4, "question", Wait::Event, main);
            }
            (
                Kind::Interop,
                4,
                E::Event {
                    socket,
                    event,
                    args,
                    ack,
                },
            ) if socket == main && event == "question" => {
                let request = ack.ok_or("`question` came without an ack request")?;
                m.ack(request, &("answer", bin(&[7, 8])))
                    .map_err(|e| e.to_string())?;
                self.seen = vec![show_args(&args)];
                self.want(now, 5, "got-ack", Wait::Event, main);
            }
            (
                Kind::Interop,
                5,
                E::Event {
                    socket,
                    event,
                    args,
                    ..
                },
            ) if socket == main && event == "got-ack" => {
                let question = self.seen.pop();
                out(json!({"check": "server-ack", "question": question, "got": show_args(&args)}));
                self.custom = open(m, now, "/custom", Some(json!({"ns": "custom"})))?;
                self.want(now, 6, "connect", Wait::Connect, self.custom);
            }
            (Kind::Interop, 6, E::Connected { socket, sid }) if socket == custom => {
                self.sid = sid;
                self.want(now, 7, "auth", Wait::Event, custom);
            }
            (
                Kind::Interop,
                7,
                E::Event {
                    socket,
                    event,
                    args,
                    ..
                },
            ) if socket == custom && event == "auth" => {
                self.seen = vec![show_args(&args)];
                emit(m, custom, "message", &("in custom", bin(&[9])))?;
                self.want(now, 8, "message-back", Wait::Event, custom);
            }
            (
                Kind::Interop,
                8,
                E::Event {
                    socket,
                    event,
                    args,
                    ..
                },
            ) if socket == custom && event == "message-back" => {
                let auth = self.seen.pop();
                out(
                    json!({"check": "custom", "sid": self.sid, "auth": auth, "echo": show_args(&args)}),
                );
                self.nope = open(m, now, "/nope", None)?;
                self.want(now, 9, "connect_error", Wait::Other, self.nope);
            }
            (
                Kind::Interop,
                9,
                E::ConnectError {
                    socket,
                    message,
                    data,
                },
            ) if socket == self.nope => {
                out(json!({"check": "unknown-nsp", "message": message, "data": data}));
                // The server disconnects /custom: no reconnection for it, / stays up.
                emit(m, custom, "disconnect-me", &())?;
                self.want(now, 10, "server disconnect", Wait::Other, custom);
            }
            (Kind::Interop, 9, E::Connected { socket, .. }) if socket == self.nope => {
                return Err("unknown namespace accepted".into())
            }
            (Kind::Interop, 10, E::Disconnected { socket, reason }) if socket == custom => {
                self.seen = vec![json!(reason.as_str())];
                self.phase(now, 11, "linger", Duration::from_millis(500));
            }
            (Kind::Interop, 11, e) => {
                self.flag |= matches!(e, E::Connected { socket, .. } if socket == custom);
            }
            // ---- reconnect: offline buffer, back-off, the new server got it all.
            (Kind::Reconnect, 1, E::Disconnected { socket, reason }) if socket == main => {
                out(json!({"step": "disconnected", "reason": reason.as_str()}));
                for i in 1..=5 {
                    emit(m, main, "message", &(format!("offline-{i}"),))?;
                }
                out(json!({"step": "buffered", "buffered": m.buffered(main)}));
                self.want(now, 2, "reconnection", Wait::Other, main);
                self.deadline = Some(now + Duration::from_secs(25));
            }
            (Kind::Reconnect, 2, E::ReconnectAttempt { attempt }) => {
                out(json!({"step": "reconnect-attempt", "attempt": attempt}));
            }
            (Kind::Reconnect, 2, E::Reconnected { attempt }) => self.attempt = Some(attempt),
            (Kind::Reconnect, 2, E::ReconnectFailed) => return Err("reconnect failed".into()),
            (Kind::Reconnect, 2, E::Connected { socket, sid }) if socket == main => {
                out(json!({"step": "reconnected", "sid": sid, "attempt": self.attempt}));
                self.ask(m, now, 3, "get-received")?;
            }
            (Kind::Reconnect, 3, E::AckReceived { socket, id, args })
                if socket == main && id == self.ack_id =>
            {
                out(json!({"step": "received", "args": show_args(&args)}));
                m.close(now);
                self.phase(now, 4, "settle", Duration::from_millis(200));
            }
            // ---- heartbeat: idle across heartbeats, alive, then the ping timeout.
            (Kind::Heartbeat, 1, e) => {
                self.count += usize::from(matches!(e, E::Disconnected { .. }));
            }
            (
                Kind::Heartbeat,
                2,
                E::Event {
                    socket,
                    event,
                    args,
                    ..
                },
            ) if socket == main && event == "message-back" => {
                out(json!({"step": "alive", "args": show_args(&args)}));
                self.want(now, 3, "disconnect", Wait::Other, main);
            }
            (Kind::Heartbeat, 3, E::Disconnected { socket, reason }) if socket == main => {
                out(json!({"step": "disconnected", "reason": reason.as_str()}));
                self.step = 255; // done
            }
            (_, _, _) => return Ok(false),
        }
        Ok(true)
    }

    /// The timed phase of the current step ended (or, in the transport step, it is
    /// time to look again).
    fn timed(&mut self, m: &mut Manager, now: Instant) -> Result<(), String> {
        match (self.kind, self.step) {
            (Kind::Interop, 11) => {
                out(json!({
                    "check": "server-disconnect",
                    "reason": self.seen.pop(),
                    "custom_reconnected": self.flag,
                    "custom_connected": m.is_connected(self.custom),
                    "main_connected": m.is_connected(self.main),
                }));
                // The upgrade normally finished long ago; give it a moment if not.
                self.phase(now, 12, "transport", Duration::ZERO);
                self.deadline = Some(now + Duration::from_secs(5));
                self.transport(m, now, false);
            }
            (Kind::Interop, 12) => self.transport(m, now, false),
            (Kind::Interop, 13) => {
                out(json!({"check": "done"}));
                self.step = 255;
            }
            (Kind::Reconnect, 4) => self.step = 255,
            (Kind::Heartbeat, 1) => {
                out(json!({
                    "step": "idle",
                    "disconnects": self.count,
                    "connected": m.is_connected(self.main),
                    "sid_unchanged": m.socket_sid(self.main) == Some(self.sid.as_str()),
                }));
                emit(m, self.main, "message", &("still here",))?;
                self.want(now, 2, "message-back", Wait::Event, self.main);
            }
            _ => self.timer = None,
        }
        Ok(())
    }

    /// Reports the transport once it is the one wanted, or when the wait is over.
    fn transport(&mut self, m: &mut Manager, now: Instant, give_up: bool) {
        let t = m.engine().and_then(|e| e.transport());
        if !(give_up || !self.wants_ws || t == Some(Transport::WebSocket)) {
            self.timer = Some(now + Duration::from_millis(50));
            return;
        }
        let transport = t.map(Transport::as_str);
        out(json!({
            "check": "transport",
            "transport": transport,
            "upgraded": self.polling_first && transport == Some("websocket"),
        }));
        m.close(now);
        self.phase(now, 13, "settle", Duration::from_millis(200));
    }

    fn finish(&self, r: Result<(), String>) -> Flow {
        match r {
            Err(e) => Script::fail(e),
            Ok(()) if self.step == 255 => Flow::Break(0),
            Ok(()) => Flow::Continue(()),
        }
    }
}

impl App<Manager> for Script {
    fn event(&mut self, m: &mut Manager, now: Instant, e: IoEvent) -> Flow {
        let shown = show_event(m, &e);
        let r = match self.check_failure(&e) {
            Err(why) => Err(format!("waiting for {}: {why} ({shown})", self.what)),
            Ok(()) => match self.advance(m, now, e) {
                Ok(true) => Ok(()),
                Ok(false) => {
                    eprintln!("({}) other event: {shown}", self.what);
                    Ok(())
                }
                Err(why) => Err(format!("waiting for {}: {why} ({shown})", self.what)),
            },
        };
        let flow = self.finish(r);
        if self.kind == Kind::Interop && self.step == 12 && flow.is_continue() {
            self.transport(m, now, false);
        }
        flow
    }

    fn timer(&self) -> Option<Instant> {
        match (self.deadline, self.timer) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    fn tick(&mut self, m: &mut Manager, now: Instant) -> Flow {
        if self.deadline.is_some_and(|d| now >= d) {
            if self.kind == Kind::Interop && self.step == 12 {
                self.transport(m, now, true);
                return Flow::Continue(());
            }
            return Script::fail(format!("timed out waiting for {}", self.what));
        }
        if self.timer.is_some_and(|t| now >= t) {
            let r = self.timed(m, now);
            return self.finish(r);
        }
        Flow::Continue(())
    }
}
