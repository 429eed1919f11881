//! An async-std / smol adapter for any client core (`Core<Input = client::Input, Transmit
//! = client::Transmit>`: the Engine.IO client or the Socket.IO manager), written once on
//! the layer both runtimes share: async-net sockets, async-io timers, async-channel,
//! futures-lite, `httparse` and async-tungstenite. [`run`] performs what the core
//! transmits, feeds back what happened with the time, and hands every event, stdin line
//! and app timer to one callback. It only moves bytes and time; the runtime is named
//! only by the `spawn` the main passes in.
//!
//! - HTTP long-polling: HTTP/1.1 written by hand with a small keep-alive pool
//!   (`http.rs`). WebSocket: async-tungstenite, one task per connection; frames go down
//!   as the core's shared buffers (no copy), fed while queued and flushed once per batch.
//! - The core is drained after every input and callback until `Output::Timeout`; then
//!   the loop waits for that deadline, the app's timer, a network result or a stdin line.
//!   On a single-threaded executor a whole drain is queued before any writer runs.
//! - `https://`: every connection (polling and WebSocket, `wss://`) is TLS over its TCP
//!   stream with the Peer's rustls settings (`tls.rs`). A TLS failure is printed to
//!   stderr (`error: ORIGIN: TLS: certificate rejected (...)`) and reported to the core
//!   as any transport failure (`HttpFailed` / `WsFailed`): its back-off applies.
//! - `SIO_TRACE=1` traces to stderr.

mod http;
mod tls;

use crate::client_app::tls::Connector;
use crate::client_app::Peer;
use async_channel::{Receiver, Sender};
use async_io::Timer;
use async_tungstenite::tungstenite::{self, protocol::WebSocketConfig, Message};
use futures_lite::{future, StreamExt};
use futures_util::SinkExt;
use socketio_proto::client::{ConnId, Input, Transmit};
use socketio_proto::engineio::WsMessage;
use socketio_proto::{Core, Output, Utf8Bytes};
use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::io::{self, BufRead};
use std::ops::ControlFlow;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Instant;

/// A task for the runtime to run (`smol::spawn`, `LocalExecutor::spawn`,
/// `async_std::task::spawn`).
pub type Task = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

/// What the callback is woken for.
pub enum Wake<E> {
    /// The core reported an event.
    Event(E),
    /// A line arrived on stdin (without its newline).
    Line(String),
    /// The deadline the callback last returned passed.
    Timer,
}

/// The callback's answer: `Continue(next app timer)` or `Break(exit status)`.
pub type Step = ControlFlow<i32, Option<Instant>>;

/// Drives `core` against `peer` (its origin `http://host:port` or `https://host:port`,
/// and for https its TLS settings) until `on` breaks; returns its exit status. `spawn`
/// runs the adapter's connection tasks on the runtime; `timer` is the app's first
/// deadline; `max_body` bounds every response body and WebSocket message.
pub async fn run<S, C, F>(
    spawn: S,
    core: C,
    peer: &Peer,
    max_body: usize,
    timer: Option<Instant>,
    on: F,
) -> i32
where
    S: Fn(Task),
    C: Core<Input = Input, Transmit = Transmit>,
    F: FnMut(&mut C, Instant, Wake<C::Event>) -> Step,
{
    let origin = peer.origin.as_str();
    let (addr, tls) = match (origin.split_once("://"), &peer.tls) {
        (Some(("http", addr)), _) => (addr, None),
        (Some(("https", addr)), Some(tls)) => (addr, Some(Arc::new(tls.clone()))),
        _ => {
            eprintln!("error: {origin}: expected http://HOST:PORT, or https:// with TLS settings");
            return 2;
        }
    };
    let (tx, rx) = async_channel::bounded(256);
    let link = Link {
        origin: origin.into(),
        addr: addr.into(),
        tls,
        max_body,
        tx,
        trace: std::env::var_os("SIO_TRACE").is_some(),
    };
    let net = Net {
        spawn,
        link,
        pool: Arc::default(),
        ws: HashMap::new(),
    };
    match drive(core, net, rx, timer, on).await {
        ControlFlow::Break(code) => code,
        ControlFlow::Continue(never) => match never {},
    }
}

/// What ended one wait of the loop.
enum Woke {
    /// A network result.
    Net(Input),
    /// A stdin line, or `None` once stdin is closed.
    Line(Option<String>),
    /// The core's deadline or the app's timer (or both) passed.
    Clock,
}

/// The loop: drain, wait for one thing, feed it, repeat.
async fn drive<S, C, F>(
    mut core: C,
    mut net: Net<S>,
    rx: Receiver<Input>,
    mut timer: Option<Instant>,
    mut on: F,
) -> ControlFlow<i32, Infallible>
where
    S: Fn(Task),
    C: Core<Input = Input, Transmit = Transmit>,
    F: FnMut(&mut C, Instant, Wake<C::Event>) -> Step,
{
    let lines = stdin_lines();
    let mut stdin_open = true;
    loop {
        // Events first (the app's answers join this batch), transmits, the deadline.
        let deadline = loop {
            match core.poll_output() {
                Output::Event(e) => timer = on(&mut core, Instant::now(), Wake::Event(e))?,
                Output::Transmit(t) => net.transmit(t),
                Output::Timeout(deadline) => break deadline,
            }
        };
        let wake_at = [deadline, timer].into_iter().flatten().min();
        // `net` holds a sender, so `rx` never closes.
        let network = async {
            match rx.recv().await {
                Ok(input) => Woke::Net(input),
                Err(_) => future::pending().await,
            }
        };
        let stdin = async {
            match stdin_open {
                true => Woke::Line(lines.recv().await.ok()),
                false => future::pending().await,
            }
        };
        let clock = async {
            wake_at.map_or_else(Timer::never, Timer::at).await;
            Woke::Clock
        };
        // `race` picks at random among the ready ones: none starves the others.
        let wake = match future::race(network, future::race(stdin, clock)).await {
            Woke::Net(input) => {
                net.input(&input);
                if let Err(e) = core.handle_input(Instant::now(), input) {
                    eprintln!("input refused: {e}");
                }
                None
            }
            Woke::Line(Some(line)) => Some(Wake::Line(line)),
            Woke::Line(None) => {
                stdin_open = false;
                None
            }
            Woke::Clock => {
                let now = Instant::now();
                if deadline.is_some_and(|d| now >= d) {
                    let _ = core.handle_input(now, Input::Timeout);
                }
                timer.is_some_and(|t| now >= t).then_some(Wake::Timer)
            }
        };
        if let Some(wake) = wake {
            timer = on(&mut core, Instant::now(), wake)?;
        }
    }
}

/// Stdin lines, read by a plain thread (stdin has no portable non-blocking mode); the
/// channel closes at EOF or on a read error.
fn stdin_lines() -> Receiver<String> {
    let (tx, rx) = async_channel::bounded(16);
    let reader = move || {
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            if tx.send_blocking(line).is_err() {
                break;
            }
        }
    };
    // If no thread can be started, `tx` is dropped with the closure: stdin reads as closed.
    let _ = std::thread::Builder::new()
        .name("stdin".into())
        .spawn(reader);
    rx
}

/// What every connection task needs: where to connect, how, and where to report.
#[derive(Clone)]
struct Link {
    /// `http://host:port` or `https://host:port`, for messages.
    origin: Arc<str>,
    /// `host:port`.
    addr: Arc<str>,
    /// For `https`: the TLS settings of every connection.
    tls: Option<Arc<Connector>>,
    /// Bound on response bodies and WebSocket messages.
    max_body: usize,
    /// Where the tasks report.
    tx: Sender<Input>,
    /// `SIO_TRACE` is set.
    trace: bool,
}

impl Link {
    /// Says why the connection of `what` (a request or a WebSocket) failed: a TLS
    /// failure always (the user has a certificate or a CA to fix), others only when
    /// tracing. The core hears of it as of any transport failure.
    fn report(&self, what: impl std::fmt::Display, e: &io::Error) {
        match tls::failure(e) {
            Some(why) => eprintln!("error: {}: {why}", self.origin),
            None if self.trace => eprintln!("trace: {what} failed: {e}"),
            None => {}
        }
    }
}

/// The network side: HTTP requests on tasks, one task per WebSocket.
struct Net<S> {
    /// Runs a task on the runtime.
    spawn: S,
    /// What the tasks share.
    link: Link,
    /// Idle keep-alive HTTP connections.
    pool: Arc<http::Pool>,
    /// Each WebSocket's queue of frames to write; dropped to close it.
    ws: HashMap<ConnId, Sender<Message>>,
}

impl<S: Fn(Task)> Net<S> {
    /// Starts performing `t`.
    fn transmit(&mut self, t: Transmit) {
        if self.link.trace {
            eprintln!("trace: -> {t:?}");
        }
        match t {
            Transmit::HttpRequest { request, req } => {
                let (link, pool) = (self.link.clone(), self.pool.clone());
                (self.spawn)(Box::pin(async move {
                    let tls = link.tls.as_deref();
                    let done = http::perform(&link.addr, tls, &pool, req, link.max_body).await;
                    let input = match done {
                        Ok((status, body)) => Input::HttpResponse {
                            request,
                            status,
                            body,
                        },
                        Err(e) => {
                            link.report(request, &e);
                            Input::HttpFailed { request }
                        }
                    };
                    let _ = link.tx.send(input).await;
                }));
            }
            Transmit::WsOpen { conn, uri } => {
                let (out_tx, out_rx) = async_channel::unbounded();
                self.ws.insert(conn, out_tx);
                let scheme = if self.link.tls.is_some() { "wss" } else { "ws" };
                let url = format!("{scheme}://{}{uri}", self.link.addr);
                let task = websocket(conn, url, self.link.clone(), out_rx);
                (self.spawn)(Box::pin(task));
            }
            Transmit::WsSend { conn, msg } => {
                let frame = match msg {
                    // SAFETY: the core's `Utf8Bytes` holds valid UTF-8 by construction.
                    WsMessage::Text(t) => Message::Text(unsafe {
                        tungstenite::Utf8Bytes::from_bytes_unchecked(t.into_bytes())
                    }),
                    WsMessage::Binary(b) => Message::Binary(b),
                };
                if let Some(out) = self.ws.get(&conn) {
                    let _ = out.try_send(frame); // unbounded: fails only once closed
                }
            }
            // Dropping the queue closes the socket once what is queued is written.
            Transmit::WsClose { conn } => drop(self.ws.remove(&conn)),
        }
    }

    /// Bookkeeping for an input about to be fed to the core.
    fn input(&mut self, input: &Input) {
        if self.link.trace {
            eprintln!("trace: <- {input:?}");
        }
        if let Input::WsClosed { conn } | Input::WsFailed { conn } = input {
            self.ws.remove(conn);
        }
    }
}

/// One WebSocket: connects, then writes queued frames (fed, flushed once the queue is
/// empty) and reports what it reads, until either side closes.
async fn websocket(conn: ConnId, url: String, link: Link, out: Receiver<Message>) {
    let tx = &link.tx;
    let config = WebSocketConfig::default()
        .max_message_size(Some(link.max_body))
        .max_frame_size(Some(link.max_body));
    let connect = async {
        let stream = tls::connect(&link.addr, link.tls.as_deref()).await?;
        let handshake = async_tungstenite::client_async_with_config(url, stream, Some(config));
        match handshake.await {
            Ok((ws, _response)) => Ok(ws),
            Err(tungstenite::Error::Io(e)) => Err(e),
            Err(e) => Err(io::Error::other(e)),
        }
    };
    let ws = match connect.await {
        Ok(ws) => ws,
        Err(e) => {
            link.report(conn, &e);
            return drop(tx.send(Input::WsFailed { conn }).await);
        }
    };
    if tx.send(Input::WsOpened { conn }).await.is_err() {
        return;
    }
    let (mut sink, mut stream) = ws.split();
    let reader = async {
        let end = loop {
            let msg = match stream.next().await {
                Some(Ok(Message::Text(t))) => match Utf8Bytes::from_bytes(t.into()) {
                    Ok(t) => WsMessage::Text(t),
                    Err(_) => break Input::WsFailed { conn },
                },
                Some(Ok(Message::Binary(b))) => WsMessage::Binary(b),
                Some(Ok(Message::Close(_))) | None => break Input::WsClosed { conn },
                Some(Ok(_)) => continue, // ping/pong: tungstenite answers
                Some(Err(_)) => break Input::WsFailed { conn },
            };
            if tx.send(Input::WsMessage { conn, msg }).await.is_err() {
                return None;
            }
        };
        Some(end)
    };
    let writer = async {
        while let Ok(frame) = out.recv().await {
            // Feed this frame and every one already queued, then flush once.
            let batch = async {
                sink.feed(frame).await?;
                while let Ok(frame) = out.try_recv() {
                    sink.feed(frame).await?;
                }
                sink.flush().await
            };
            if batch.await.is_err() {
                return Some(Input::WsFailed { conn });
            }
        }
        let _ = sink.close(None).await; // WsClose: nothing to report
        None
    };
    if let Some(end) = future::or(reader, writer).await {
        let _ = tx.send(end).await;
    }
}
