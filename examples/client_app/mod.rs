//! The client application every client main shares (tokio today; async-std/smol and
//! blocking later): flag parsing, building the core, and what to do with its events,
//! stdin lines and the app's own timers. No runtime and no I/O here besides stdout and
//! stderr: a main hands an [`App`] and its core to its runtime's adapter and maps the
//! adapter's callback onto [`App::event`], [`App::line`] and [`App::tick`].
//!
//! Modes (see `args.rs` for the flags):
//! - Socket.IO ([`Interactive`]): prints every event as a JSON line, emits each stdin
//!   line as `message`, answers the server's ack requests with `["ok"]`.
//! - `--engineio` ([`EngineIo`]): plain Engine.IO; prints events, sends stdin lines as
//!   text messages.
//! - `--script interop|reconnect|heartbeat` ([`Script`]): a fixed scenario against
//!   `tests/interop/node_server.js`, one JSON line per check.

pub mod args;
mod script;
pub mod show;
#[path = "../tls/client.rs"]
pub mod tls;

pub use script::Script;

use socketio_proto::client::engine::{EngineClient, EngineConfig, EngineEvent};
use socketio_proto::client::io::{IoEvent, ManagerConfig};
use socketio_proto::client::{Manager, SocketId};
use socketio_proto::engineio::Message;
use socketio_proto::ids::RandomSource;
use socketio_proto::Core;
use std::ops::ControlFlow;
use std::time::{Duration, Instant};

/// Largest response body / WebSocket message accepted (the adapter enforces it too).
pub const MAX_BODY: usize = 10_000_000;

/// `Continue`, or `Break(exit status)`: the process ends with that status.
pub type Flow = ControlFlow<i32>;

/// An application on top of a client core `C`. Every call may issue commands on the
/// core; the adapter drains it right after.
pub trait App<C: Core> {
    /// The core reported `event`.
    fn event(&mut self, core: &mut C, now: Instant, event: C::Event) -> Flow;
    /// A line arrived on stdin (without its newline).
    fn line(&mut self, _core: &mut C, _now: Instant, _line: String) -> Flow {
        Flow::Continue(())
    }
    /// When the app wants [`tick`](App::tick) called (its own timers), if ever.
    fn timer(&self) -> Option<Instant> {
        None
    }
    /// The [`timer`](App::timer) deadline passed.
    fn tick(&mut self, _core: &mut C, _now: Instant) -> Flow {
        Flow::Continue(())
    }
}

/// The server a client talks to.
#[derive(Debug, Clone)]
pub struct Peer {
    /// `http://host:port` or `https://host:port`: where the core's requests go.
    pub origin: String,
    /// For an `https` origin, the TLS settings every connection (polling and WebSocket)
    /// is opened with; `None` for plain `http`.
    pub tls: Option<tls::Connector>,
}

impl Peer {
    /// The peer for `origin`, with TLS (per `ca_file`) when it is `https://`.
    fn new(origin: String, host: &str, ca_file: Option<&std::path::Path>) -> Result<Self, String> {
        let tls = if origin.starts_with("https://") {
            Some(tls::connector(host, ca_file)?)
        } else {
            None
        };
        Ok(Peer { origin, tls })
    }
}

/// A client main's adapter: runs an app on a core until the app breaks.
pub trait Runner {
    /// Runs `app` on `core` (speaking to `peer`); the exit status.
    fn run<C, A>(&mut self, core: C, peer: &Peer, app: A) -> i32
    where
        C: Core<Input = socketio_proto::client::Input, Transmit = socketio_proto::client::Transmit>,
        A: App<C>;
}

/// What an adapter's callback answers for `flow`: `Break(status)`, or go on until the
/// app's next timer.
pub fn step<C: Core, A: App<C>>(app: &A, flow: Flow) -> ControlFlow<i32, Option<Instant>> {
    match flow {
        ControlFlow::Break(code) => ControlFlow::Break(code),
        ControlFlow::Continue(()) => ControlFlow::Continue(app.timer()),
    }
}

/// Every client main: parses the flags, builds the core and the app of the mode they
/// ask for, and hands both to `runner`; returns the exit status.
pub fn main(runner: &mut impl Runner) -> i32 {
    let args = args::parse();
    let now = Instant::now();
    if args.engineio {
        return match engine(&args, now) {
            Ok(core) => {
                let origin = core.config().http_origin();
                match Peer::new(origin, &args.host, args.ca_file.as_deref()) {
                    Ok(peer) => runner.run(core, &peer, EngineIo),
                    Err(e) => {
                        eprintln!("error: {e}");
                        2
                    }
                }
            }
            Err(e) => {
                eprintln!("error: {e}");
                2
            }
        };
    }
    let started = manager(&args).and_then(|mut m| {
        let origin = m.config().engine.http_origin();
        let peer = Peer::new(origin, &args.host, args.ca_file.as_deref())?;
        let app = match &args.script {
            Some(name) => Mode::Script(Script::start(&mut m, now, name, &args)?),
            None => Mode::Interactive(Interactive::start(&mut m, now, &args)?),
        };
        Ok((m, peer, app))
    });
    match started {
        Ok((m, peer, app)) => match app {
            Mode::Script(s) => runner.run(m, &peer, s),
            Mode::Interactive(i) => runner.run(m, &peer, i),
        },
        Err(e) => {
            if args.script.is_some() {
                println!("{}", serde_json::json!({ "error": e }));
            }
            eprintln!("error: {e}");
            1
        }
    }
}

/// The Socket.IO modes.
enum Mode {
    Script(Script),
    Interactive(Interactive),
}

/// The Engine.IO settings for the flags.
pub fn engine_config(a: &args::Args) -> EngineConfig {
    let mut c = EngineConfig::new(a.host.clone(), a.port);
    c.scheme = a.scheme;
    c.path = a.path.clone();
    c.transports = a.transports.clone();
    c.max_incoming_payload = MAX_BODY;
    c
}

/// Reconnection jitter from the thread RNG.
struct ThreadRandom;

impl RandomSource for ThreadRandom {
    fn next_f64(&mut self) -> f64 {
        rand::random::<f64>()
    }
}

/// A Socket.IO manager for the flags.
pub fn manager(a: &args::Args) -> Result<Manager, String> {
    let mut config = ManagerConfig::with_engine(engine_config(a));
    if let Some(ms) = a.reconnection_delay_ms {
        config.reconnection_delay = Duration::from_millis(ms);
        config.reconnection_delay_max =
            config.reconnection_delay_max.max(config.reconnection_delay);
    }
    Manager::new(config, Box::new(ThreadRandom)).map_err(|e| e.to_string())
}

/// A plain Engine.IO client for the flags.
pub fn engine(a: &args::Args, now: Instant) -> Result<EngineClient, String> {
    EngineClient::new(now, engine_config(a)).map_err(|e| e.to_string())
}

/// Creates the socket for `nsp` and connects it.
pub fn open(
    m: &mut Manager,
    now: Instant,
    nsp: &str,
    auth: Option<serde_json::Value>,
) -> Result<SocketId, String> {
    let s = m.socket(nsp, auth).map_err(|e| e.to_string())?;
    m.connect(now, s).map_err(|e| e.to_string())?;
    Ok(s)
}

/// Socket.IO mode: prints every event, emits each stdin line as `message`, answers the
/// server's ack requests with `["ok"]`.
pub struct Interactive {
    socket: SocketId,
}

impl Interactive {
    /// Connects the socket of `--namespace` with `--auth`.
    pub fn start(m: &mut Manager, now: Instant, a: &args::Args) -> Result<Self, String> {
        let socket = open(m, now, &a.namespace, a.auth.clone())?;
        Ok(Interactive { socket })
    }
}

impl App<Manager> for Interactive {
    fn event(&mut self, m: &mut Manager, _now: Instant, event: IoEvent) -> Flow {
        println!("{}", show::show_event(m, &event));
        match event {
            IoEvent::Event {
                ack: Some(request), ..
            } => {
                if let Err(e) = m.ack(request, &("ok",)) {
                    eprintln!("ack failed: {e}");
                }
            }
            IoEvent::ReconnectFailed => return Flow::Break(0),
            IoEvent::Disconnected { reason, .. } if !reason.reconnects() => return Flow::Break(0),
            _ => {}
        }
        Flow::Continue(())
    }

    fn line(&mut self, m: &mut Manager, _now: Instant, line: String) -> Flow {
        if let Err(e) = m.emit(self.socket, "message", &(line,)) {
            eprintln!("emit failed: {e}");
        }
        Flow::Continue(())
    }
}

/// Plain Engine.IO: prints events, sends stdin lines as text messages; ends when the
/// connection closes.
pub struct EngineIo;

impl App<EngineClient> for EngineIo {
    fn event(&mut self, _c: &mut EngineClient, _now: Instant, event: EngineEvent) -> Flow {
        println!("{}", show::show_engine_event(&event));
        match event {
            EngineEvent::Closed { .. } => Flow::Break(0),
            _ => Flow::Continue(()),
        }
    }

    fn line(&mut self, c: &mut EngineClient, _now: Instant, line: String) -> Flow {
        if let Err(e) = c.send(Message::Text(line.into())) {
            eprintln!("send failed: {e}");
        }
        Flow::Continue(())
    }
}
