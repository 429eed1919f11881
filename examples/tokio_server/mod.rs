//! A tokio adapter for the sans-I/O server cores, written once against
//! [`Core`]`<Input = server::Input, Transmit = server::Transmit>`: hyper 1 for HTTP
//! (long-polling and the upgrade handshake), tokio-tungstenite for WebSocket.
//!
//! One thread, no hop: everything runs on a current-thread runtime in a `LocalSet`, and
//! the core sits in an `Rc<RefCell<…>>` ([`Driver`]) that each connection task calls
//! directly: feed the input, drain `poll_output`, route each transmit to an HTTP reply
//! (oneshot) or a WebSocket's [`ws::Outbox`] (a bounded queue plus a waker). A timer
//! task sleeps until the last `Output::Timeout` deadline. Copy this folder into an app.
//!
//! With [`Options::tls`] every accepted stream first goes through a rustls handshake in
//! its own task (`tls.rs`), then is served as a plain one is: hyper over the TLS
//! stream, and WebSockets upgraded from it (WSS). The code is generic over the stream.

mod http;
mod tls;
mod ws;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Request, Response};
use socketio_proto::driver::{Core, Output};
use socketio_proto::server::{ConnId, HttpRequest, HttpResponse, Input, RequestId, Transmit};
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::io::Write;
use std::process::ExitCode;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{oneshot, Notify};

/// Answers some requests before the core sees them (static pages): `Some` answers.
pub type Pages = fn(&Request<Incoming>) -> Option<Response<Full<Bytes>>>;

/// Where to listen, what to read, and whether to speak TLS.
#[derive(Clone)]
pub struct Options {
    /// Port on 127.0.0.1 (0: a free one).
    pub port: u16,
    /// The core's `max_payload`: bodies and WebSocket messages are read up to one more.
    pub max_payload: usize,
    /// Static pages, answered first.
    pub pages: Option<Pages>,
    /// Serve HTTPS/WSS (`None`: plain HTTP/WS). The line printed on start then says
    /// `https://`.
    pub tls: Option<Tls>,
}

/// The TLS side of [`Options`].
#[derive(Clone)]
pub struct Tls {
    /// The rustls configuration (certificate chain, key, ALPN).
    pub config: Arc<rustls::ServerConfig>,
    /// How long a client gets to finish its handshake; then it is dropped.
    pub handshake_timeout: Duration,
}

/// Serves `core` until Ctrl-C / SIGTERM (then `Core::shutdown`, exit 0).
pub fn run<C, F>(opts: Options, core: C, on_event: F) -> ExitCode
where
    C: Core<Input = Input, Transmit = Transmit> + 'static,
    F: FnMut(&mut C, C::Event) + 'static,
{
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let driver = Rc::new(Driver::new(Box::new(Pump { core, on_event })));
    match tokio::task::LocalSet::new().block_on(&rt, http::serve(opts, driver)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The core with its event handler, behind one object-safe face.
trait Drive {
    /// Feeds `input` (or shuts down, for `None`) and drains the outputs into `routes`.
    fn drive(&mut self, routes: &mut Routes, input: Option<Input>);
}

struct Pump<C, F> {
    core: C,
    on_event: F,
}

impl<C, F> Drive for Pump<C, F>
where
    C: Core<Input = Input, Transmit = Transmit>,
    F: FnMut(&mut C, C::Event),
{
    fn drive(&mut self, routes: &mut Routes, input: Option<Input>) {
        match input {
            Some(input) => {
                if let Err(e) = self.core.handle_input(Instant::now(), input) {
                    eprintln!("adapter bug: {e}");
                }
            }
            None => self.core.shutdown(Instant::now()),
        }
        loop {
            match self.core.poll_output() {
                Output::Event(e) => (self.on_event)(&mut self.core, e),
                Output::Transmit(t) => {
                    if let Some(conn) = routes.route(t) {
                        // Over its hand-off limit: the connection is closed.
                        let _ = self
                            .core
                            .handle_input(Instant::now(), Input::WsFailed { conn });
                    }
                }
                Output::Timeout(at) => return routes.set_deadline(at),
            }
        }
    }
}

/// Our ids are a counter: a multiply spreads them well enough (SipHash was 5% of a
/// broadcast's instructions).
#[derive(Default)]
struct IdHash(u64);

impl Hasher for IdHash {
    fn write(&mut self, bytes: &[u8]) {
        bytes.iter().for_each(|b| self.write_u64(u64::from(*b)));
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0 ^ n).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

type IdMap<K, V> = HashMap<K, V, BuildHasherDefault<IdHash>>;

/// Where the core's transmits go.
struct Routes {
    http: IdMap<RequestId, oneshot::Sender<HttpResponse>>,
    /// Upgrades waiting for their verdict (`None`: accepted).
    upgrades: IdMap<ConnId, oneshot::Sender<Option<HttpResponse>>>,
    conns: IdMap<ConnId, Rc<ws::Outbox>>,
    deadline: Option<Instant>,
    timer: Rc<Notify>,
}

impl Routes {
    /// Routes one transmit; `Some(conn)` if that connection went over its limit.
    fn route(&mut self, t: Transmit) -> Option<ConnId> {
        match t {
            Transmit::HttpResponse { request, response } => {
                if let Some(reply) = self.http.remove(&request) {
                    let _ = reply.send(response);
                }
            }
            Transmit::WsAccept { conn } => {
                if let Some(reply) = self.upgrades.remove(&conn) {
                    let _ = reply.send(None);
                }
            }
            Transmit::WsReject { conn, response } => {
                self.conns.remove(&conn);
                if let Some(reply) = self.upgrades.remove(&conn) {
                    let _ = reply.send(Some(response));
                }
            }
            Transmit::WsSend { conn, msg } => {
                let over = self.conns.get(&conn).is_some_and(|out| !out.push(msg));
                if over {
                    eprintln!("websocket {conn} too slow; closing it");
                    self.conns.remove(&conn);
                    return Some(conn);
                }
            }
            Transmit::WsClose { conn } => {
                if let Some(out) = self.conns.remove(&conn) {
                    out.close(false);
                }
            }
        }
        None
    }

    fn set_deadline(&mut self, at: Option<Instant>) {
        // A later deadline can wait for the armed one (it then re-arms); an earlier one
        // wakes the timer task.
        let earlier = match (at, self.deadline) {
            (Some(a), Some(d)) => a < d,
            (a, d) => a.is_some() && d.is_none(),
        };
        self.deadline = at;
        if earlier {
            self.timer.notify_one();
        }
    }
}

/// The core and its routes, shared by every task of the thread.
pub struct Driver {
    pump: RefCell<Box<dyn Drive>>,
    routes: RefCell<Routes>,
    next_id: Cell<u64>,
}

impl Driver {
    fn new(pump: Box<dyn Drive>) -> Self {
        let routes = Routes {
            http: IdMap::default(),
            upgrades: IdMap::default(),
            conns: IdMap::default(),
            deadline: None,
            timer: Rc::new(Notify::new()),
        };
        Driver {
            pump: RefCell::new(pump),
            routes: RefCell::new(routes),
            next_id: Cell::new(0),
        }
    }

    fn id(&self) -> u64 {
        self.next_id.set(self.next_id.get() + 1);
        self.next_id.get()
    }

    /// Feeds one input (`None`: shut down). From `Drop` the driver may be busy: then the
    /// input is lost, which only happens when the whole runtime goes away.
    fn input(&self, input: Option<Input>) {
        if let (Ok(mut pump), Ok(mut routes)) =
            (self.pump.try_borrow_mut(), self.routes.try_borrow_mut())
        {
            pump.drive(&mut routes, input);
        }
    }

    /// Hands a request to the core; the response arrives on the receiver.
    fn request(&self, req: HttpRequest) -> (RequestId, oneshot::Receiver<HttpResponse>) {
        let (request, (tx, rx)) = (RequestId::new(self.id()), oneshot::channel());
        self.routes.borrow_mut().http.insert(request, tx);
        self.input(Some(Input::HttpRequest { request, req }));
        (request, rx)
    }

    /// The request went away unanswered.
    fn abandon(&self, request: RequestId) {
        let pending = self
            .routes
            .try_borrow_mut()
            .map(|mut r| r.http.remove(&request).is_some());
        if pending.unwrap_or(false) {
            self.input(Some(Input::HttpFailed { request }));
        }
    }

    /// Asks the core about an upgrade: its outbox, and the verdict (`None`: accepted).
    fn upgrade(
        &self,
        req: HttpRequest,
    ) -> (
        ConnId,
        Rc<ws::Outbox>,
        oneshot::Receiver<Option<HttpResponse>>,
    ) {
        let (conn, (tx, rx)) = (ConnId::new(self.id()), oneshot::channel());
        let out = Rc::new(ws::Outbox::default());
        let mut routes = self.routes.borrow_mut();
        routes.upgrades.insert(conn, tx);
        routes.conns.insert(conn, out.clone());
        drop(routes);
        self.input(Some(Input::WsUpgrade { conn, req }));
        (conn, out, rx)
    }

    /// The WebSocket ended on its own (not by `WsClose`).
    fn ended(&self, conn: ConnId, failed: bool) {
        let live = self
            .routes
            .try_borrow_mut()
            .map(|mut r| r.conns.remove(&conn).is_some());
        if live.unwrap_or(false) {
            self.input(Some(if failed {
                Input::WsFailed { conn }
            } else {
                Input::WsClosed { conn }
            }));
        }
    }

    /// Runs the core's timers, forever.
    async fn timers(self: Rc<Self>) {
        let notify = self.routes.borrow().timer.clone();
        loop {
            let at = self.routes.borrow().deadline;
            let sleep = async {
                match at {
                    Some(at) => tokio::time::sleep_until(at.into()).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                _ = sleep => self.input(Some(Input::Timeout)),
                _ = notify.notified() => {}
            }
        }
    }
}

/// Prints the line the tests wait for (`https://` when serving TLS).
fn announce(port: u16, tls: bool) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    let scheme = if tls { "https" } else { "http" };
    writeln!(out, "listening on {scheme}://127.0.0.1:{port}")?;
    out.flush()
}

/// How long connections get to write what the shutdown produced.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);
