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
//! - `https://` is refused for now (no TLS yet). `SIO_TRACE=1` traces to stderr.

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
use tokio::net::TcpStream;
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

/// Drives `core` against `origin` (`http://host:port`) until `on` breaks; returns its
/// exit status. `timer` is the app's first deadline; `max_body` bounds every response
/// body and WebSocket message.
pub async fn run<C, F>(core: C, origin: &str, max_body: usize, timer: Option<Instant>, on: F) -> i32
where
    C: Core<Input = Input, Transmit = Transmit>,
    F: FnMut(&mut C, Instant, Wake<C::Event>) -> Step,
{
    let Some(addr) = origin.strip_prefix("http://") else {
        eprintln!("error: {origin}: this adapter speaks plain http/ws only (no TLS yet)");
        return 2;
    };
    match drive(core, addr.to_owned(), max_body, timer, on).await {
        ControlFlow::Break(code) => code,
        ControlFlow::Continue(never) => match never {},
    }
}

/// The loop: drain, wait for one thing, feed it, repeat.
async fn drive<C, F>(
    mut core: C,
    addr: String,
    max_body: usize,
    mut timer: Option<Instant>,
    mut on: F,
) -> ControlFlow<i32, Infallible>
where
    C: Core<Input = Input, Transmit = Transmit>,
    F: FnMut(&mut C, Instant, Wake<C::Event>) -> Step,
{
    let (tx, mut rx) = mpsc::channel(256);
    let trace = std::env::var_os("SIO_TRACE").is_some();
    let (pool, ws) = (Arc::default(), HashMap::new());
    let mut net = Net {
        addr,
        max_body,
        tx,
        pool,
        ws,
        trace,
    };
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

/// The network side: HTTP requests on tasks, one task per WebSocket.
struct Net {
    /// `host:port`.
    addr: String,
    max_body: usize,
    /// Where the tasks report.
    tx: mpsc::Sender<Input>,
    pool: Arc<Mutex<Vec<(Sender, Instant)>>>,
    /// Each WebSocket's queue of frames to write; dropped to close it.
    ws: HashMap<ConnId, mpsc::UnboundedSender<Message>>,
    trace: bool,
}

impl Net {
    fn transmit(&mut self, t: Transmit) {
        if self.trace {
            eprintln!("trace: -> {t:?}");
        }
        match t {
            Transmit::HttpRequest { request, req } => {
                let (addr, pool, tx) = (self.addr.clone(), self.pool.clone(), self.tx.clone());
                let max_body = self.max_body;
                tokio::spawn(async move {
                    let input = match perform(&addr, &pool, req, max_body).await {
                        Ok((status, body)) => Input::HttpResponse {
                            request,
                            status,
                            body,
                        },
                        Err(_) => Input::HttpFailed { request },
                    };
                    let _ = tx.send(input).await;
                });
            }
            Transmit::WsOpen { conn, uri } => {
                let (out_tx, out_rx) = mpsc::unbounded_channel();
                self.ws.insert(conn, out_tx);
                let url = format!("ws://{}{uri}", self.addr);
                tokio::spawn(websocket(conn, url, self.max_body, out_rx, self.tx.clone()));
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
        if self.trace {
            eprintln!("trace: <- {input:?}");
        }
        if let Input::WsClosed { conn } | Input::WsFailed { conn } = input {
            self.ws.remove(conn);
        }
    }
}

/// Performs `req` on a pooled keep-alive connection (or a new one).
async fn perform(
    addr: &str,
    pool: &Mutex<Vec<(Sender, Instant)>>,
    req: HttpRequest,
    max_body: usize,
) -> Result<(u16, Bytes), Box<dyn std::error::Error + Send + Sync>> {
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
        None => connect(addr).await?,
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
                    sender = connect(addr).await?;
                }
                _ => return Err(Box::new(e.into_error())),
            },
        }
    };
    let status = response.status().as_u16();
    let body = Limited::new(response.into_body(), max_body)
        .collect()
        .await?
        .to_bytes();
    let mut idle = pool.lock().unwrap_or_else(|p| p.into_inner());
    if !sender.is_closed() && idle.len() < POOL_SIZE {
        idle.push((sender, Instant::now()));
    }
    Ok((status, body))
}

async fn connect(addr: &str) -> Result<Sender, Box<dyn std::error::Error + Send + Sync>> {
    let stream = TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(conn);
    Ok(sender)
}

/// One WebSocket: connects, then writes queued frames (fed, flushed once the queue is
/// empty) and reports what it reads, until either side closes.
async fn websocket(
    conn: ConnId,
    url: String,
    max_body: usize,
    mut out: mpsc::UnboundedReceiver<Message>,
    tx: mpsc::Sender<Input>,
) {
    let config = WebSocketConfig::default()
        .max_message_size(Some(max_body))
        .max_frame_size(Some(max_body));
    let mut ws = match tokio_tungstenite::connect_async_with_config(url, Some(config), true).await {
        Ok((ws, _response)) => ws,
        Err(_) => return drop(tx.send(Input::WsFailed { conn }).await),
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
