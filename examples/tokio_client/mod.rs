//! A tokio adapter for any client core (`Core<Input = client::Input, Transmit =
//! client::Transmit>`: the Engine.IO client or the Socket.IO manager). [`run`] performs
//! what the core transmits, feeds back what happened with the time, and hands every
//! event, stdin line and app timer to one callback. It only moves bytes and time.
//!
//! - HTTP long-polling: hyper 1 with a small keep-alive pool. WebSocket:
//!   tokio-tungstenite, one task per connection; frames go down as the core's shared
//!   buffers (no copy), fed while queued and flushed once (one write per batch).
//! - The core is drained after every input and callback until `Output::Timeout`; then
//!   the loop sleeps until that deadline, the app's timer, a network result or stdin.
//!   On a `current_thread` runtime a whole drain is queued before any writer runs.
//! - `https://` speaks HTTPS and WSS: every connection (pooled HTTP, WebSocket) is a TLS
//!   stream with the Peer's rustls settings (`tls.rs`). A TLS failure is printed to
//!   stderr (`error: ORIGIN: TLS: certificate rejected (...)`) and reported to the core
//!   as any transport failure (`HttpFailed` / `WsFailed`): its back-off applies.
//! - `SIO_TRACE=1` traces to stderr.

mod tls;

use crate::client_app::tls::Connector;
use crate::client_app::Peer;
use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use http_body_util::{BodyExt, Full, Limited};
use hyper::client::conn::http1::SendRequest;
use hyper::header::{CONTENT_TYPE, HOST, ORIGIN};
use hyper_util::rt::TokioIo;
use socketio_proto::client::{ConnId, HttpRequest, Input, Transmit};
use socketio_proto::engineio::WsMessage;
use socketio_proto::{Core, Output, Utf8Bytes};
use std::collections::HashMap;
use std::convert::Infallible;
use std::ops::ControlFlow;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::AsyncBufReadExt;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::{self, protocol::WebSocketConfig, Message};

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

/// Idle keep-alive connections older than this are not reused (Node closes idle
/// connections after 5 s).
const IDLE_LIMIT: Duration = Duration::from_secs(4);
/// Idle connections kept.
const POOL_SIZE: usize = 4;

type Sender = SendRequest<Full<Bytes>>;

/// Drives `core` against `peer` (its origin `http://host:port` or `https://host:port`,
/// and for https its TLS settings) until `on` breaks; returns its exit status. `timer`
/// is the app's first deadline; `max_body` bounds every response body and WebSocket
/// message.
pub async fn run<C, F>(core: C, peer: &Peer, max_body: usize, timer: Option<Instant>, on: F) -> i32
where
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
    let link = Link {
        origin: origin.into(),
        addr: addr.into(),
        tls,
        max_body,
        trace: std::env::var_os("SIO_TRACE").is_some(),
    };
    match drive(core, link, timer, on).await {
        ControlFlow::Break(code) => code,
        ControlFlow::Continue(never) => match never {},
    }
}

/// The loop: drain, wait for one thing, feed it, repeat.
async fn drive<C, F>(
    mut core: C,
    link: Link,
    mut timer: Option<Instant>,
    mut on: F,
) -> ControlFlow<i32, Infallible>
where
    C: Core<Input = Input, Transmit = Transmit>,
    F: FnMut(&mut C, Instant, Wake<C::Event>) -> Step,
{
    let (tx, mut rx) = mpsc::channel(256);
    let (pool, ws) = (Arc::default(), HashMap::new());
    let mut net = Net { link, tx, pool, ws };
    let mut stdin = tokio::io::BufReader::new(tokio::io::stdin()).lines();
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
        let far = Instant::now() + Duration::from_secs(3600);
        let wake = tokio::select! {
            Some(input) = rx.recv() => {
                net.input(&input);
                if let Err(e) = core.handle_input(Instant::now(), input) {
                    eprintln!("input refused: {e}");
                }
                None
            }
            line = stdin.next_line(), if stdin_open => match line {
                Ok(Some(line)) => Some(Wake::Line(line)),
                _ => { stdin_open = false; None }
            },
            _ = tokio::time::sleep_until(wake_at.unwrap_or(far).into()) => {
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

/// What every connection task needs: where to connect, how, and the bounds.
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
    /// `SIO_TRACE` is set.
    trace: bool,
}

impl Link {
    /// Says why the connection of `what` (a request or a WebSocket) failed: a TLS
    /// failure always (the user has a certificate or a CA to fix), others only when
    /// tracing. The core hears of it as of any transport failure.
    fn report(&self, what: impl std::fmt::Display, e: &(dyn std::error::Error + 'static)) {
        match tls::failure(e) {
            Some(why) => eprintln!("error: {}: {why}", self.origin),
            None if self.trace => eprintln!("trace: {what} failed: {e}"),
            None => {}
        }
    }
}

/// The network side: HTTP requests on tasks, one task per WebSocket.
struct Net {
    /// What the tasks share.
    link: Link,
    /// Where the tasks report.
    tx: mpsc::Sender<Input>,
    pool: Arc<Mutex<Vec<(Sender, Instant)>>>,
    /// Each WebSocket's queue of frames to write; dropped to close it.
    ws: HashMap<ConnId, mpsc::UnboundedSender<Message>>,
}

impl Net {
    fn transmit(&mut self, t: Transmit) {
        if self.link.trace {
            eprintln!("trace: -> {t:?}");
        }
        match t {
            Transmit::HttpRequest { request, req } => {
                let (link, pool, tx) = (self.link.clone(), self.pool.clone(), self.tx.clone());
                tokio::spawn(async move {
                    let input = match perform(&link, &pool, req).await {
                        Ok((status, body)) => Input::HttpResponse {
                            request,
                            status,
                            body,
                        },
                        Err(e) => {
                            link.report(request, &*e);
                            Input::HttpFailed { request }
                        }
                    };
                    let _ = tx.send(input).await;
                });
            }
            Transmit::WsOpen { conn, uri } => {
                let (out_tx, out_rx) = mpsc::unbounded_channel();
                self.ws.insert(conn, out_tx);
                let scheme = if self.link.tls.is_some() { "wss" } else { "ws" };
                let url = format!("{scheme}://{}{uri}", self.link.addr);
                let task = websocket(conn, url, self.link.clone(), out_rx, self.tx.clone());
                tokio::spawn(task);
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
                    let _ = out.send(frame);
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

/// Performs `req` on a pooled keep-alive connection (or a new one, TLS with `link.tls`).
async fn perform(
    link: &Link,
    pool: &Mutex<Vec<(Sender, Instant)>>,
    req: HttpRequest,
) -> Result<(u16, Bytes), Box<dyn std::error::Error + Send + Sync>> {
    let addr = &*link.addr;
    let mut builder = hyper::Request::builder()
        .method(req.method.as_str())
        .uri(req.uri.as_str())
        .header(HOST, addr);
    for (name, value) in [(CONTENT_TYPE, &req.content_type), (ORIGIN, &req.origin)] {
        if let Some(value) = value {
            builder = builder.header(name, value.as_str());
        }
    }
    let mut request = builder.body(Full::new(req.body))?;
    let idle = {
        let mut idle = pool.lock().unwrap_or_else(|p| p.into_inner());
        std::iter::from_fn(|| idle.pop())
            .find(|(s, since)| s.is_ready() && since.elapsed() < IDLE_LIMIT)
    };
    let mut sender = match idle {
        Some((s, _)) => s,
        None => connect(link).await?,
    };
    // A pooled connection may have closed before the request was written: then hyper
    // hands the request back and it goes out once on a fresh connection.
    let mut retried = false;
    let response = loop {
        match sender.try_send_request(request).await {
            Ok(response) => break response,
            Err(mut e) => match e.take_message() {
                Some(back) if !retried => {
                    (retried, request) = (true, back);
                    sender = connect(link).await?;
                }
                _ => return Err(Box::new(e.into_error())),
            },
        }
    };
    let status = response.status().as_u16();
    let body = Limited::new(response.into_body(), link.max_body)
        .collect()
        .await?
        .to_bytes();
    let mut idle = pool.lock().unwrap_or_else(|p| p.into_inner());
    if !sender.is_closed() && idle.len() < POOL_SIZE {
        idle.push((sender, Instant::now()));
    }
    Ok((status, body))
}

/// A new HTTP/1.1 connection (its driving task spawned), over TLS with `link.tls`.
async fn connect(link: &Link) -> Result<Sender, Box<dyn std::error::Error + Send + Sync>> {
    let stream = tls::connect(&link.addr, link.tls.as_deref()).await?;
    let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(conn);
    Ok(sender)
}

/// One WebSocket: connects, then writes queued frames (fed, flushed once the queue is
/// empty) and reports what it reads, until either side closes.
async fn websocket(
    conn: ConnId,
    url: String,
    link: Link,
    mut out: mpsc::UnboundedReceiver<Message>,
    tx: mpsc::Sender<Input>,
) {
    let config = WebSocketConfig::default()
        .max_message_size(Some(link.max_body))
        .max_frame_size(Some(link.max_body));
    let connect = async {
        let stream = tls::connect(&link.addr, link.tls.as_deref()).await?;
        let handshake = tokio_tungstenite::client_async_with_config(url, stream, Some(config));
        match handshake.await {
            Ok((ws, _response)) => Ok(ws),
            Err(tungstenite::Error::Io(e)) => Err(e),
            Err(e) => Err(std::io::Error::other(e)),
        }
    };
    let mut ws = match connect.await {
        Ok(ws) => ws,
        Err(e) => {
            link.report(conn, &e);
            return drop(tx.send(Input::WsFailed { conn }).await);
        }
    };
    if tx.send(Input::WsOpened { conn }).await.is_err() {
        return;
    }
    let end = loop {
        tokio::select! {
            frame = out.recv() => match frame {
                // Feed this frame and every one already queued, then flush once.
                Some(frame) => if async {
                    ws.feed(frame).await?;
                    while let Ok(frame) = out.try_recv() {
                        ws.feed(frame).await?;
                    }
                    ws.flush().await
                }.await.is_err() {
                    break Input::WsFailed { conn };
                },
                None => return drop(ws.close(None).await), // WsClose: nothing to report
            },
            msg = ws.next() => {
                let msg = match msg {
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
                    return;
                }
            }
        }
    };
    let _ = tx.send(end).await;
}
