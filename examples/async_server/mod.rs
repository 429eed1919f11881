//! A server adapter for async-std and smol, written once on the layer both share:
//! `async-net` sockets, `async-io` timers, futures-io traits, `httparse` for HTTP/1.1 and
//! `async-tungstenite` for WebSocket. It only moves bytes and time; the core decides.
//!
//! One lock, no core task: a connection task locks the core, feeds its input, drains
//! every output (events go to `on_event`, transmits into per-connection outboxes with a
//! wake-up) and unlocks. A timer task sleeps until the core's deadline. Each WebSocket
//! writer feeds every queued frame (shared buffers, not copied) and flushes once. The
//! runtime is only named by `Options::spawn`. With `Options::tls` every connection is
//! HTTPS/WSS (`futures-rustls`, see `tls.rs`); the rest of the code does not know.

mod http;
mod tls;
mod ws;

use async_net::TcpListener;
use event_listener::Event;
use futures_lite::{future, AsyncReadExt};
use socketio_proto::driver::{Core, Output};
use socketio_proto::engineio::WsMessage;
use socketio_proto::server::{ConnId, HttpResponse, Input, RequestId, Transmit};
use std::collections::{HashMap, VecDeque};
use std::io::Write;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// A task for the runtime to run.
pub type Task = Pin<Box<dyn std::future::Future<Output = ()> + Send + 'static>>;

/// How the adapter runs.
pub struct Options {
    /// Spawns a task on the runtime (`smol::spawn(t).detach()`, `async_std::task::spawn`).
    pub spawn: fn(Task),
    /// The core's `max_payload`: HTTP bodies are read up to one byte more.
    pub max_payload: usize,
    /// Frames and bytes queued towards one WebSocket before it counts as too slow.
    pub max_backlog_frames: usize,
    /// See `max_backlog_frames`.
    pub max_backlog_bytes: usize,
    /// Request head budget (`431` past it).
    pub max_header_bytes: usize,
    /// How long a close (or shutdown) waits for pending writes before cutting.
    pub close_grace: Duration,
    /// Serve HTTPS/WSS with this configuration (each handshake in its connection's
    /// task, bounded by `demo::tls::HANDSHAKE_TIMEOUT`); `None`: plain HTTP/WS.
    pub tls: Option<Arc<rustls::ServerConfig>>,
}

impl Options {
    /// Defaults around `spawn` and the core's `max_payload`.
    pub fn new(spawn: fn(Task), max_payload: usize) -> Self {
        Options {
            spawn,
            max_payload,
            max_backlog_frames: 1024,
            max_backlog_bytes: 4 << 20,
            max_header_bytes: 16 << 10,
            close_grace: Duration::from_secs(2),
            tls: None,
        }
    }
}

/// How a WebSocket's writer must end.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Close {
    Open,
    /// The core closed it: write what is queued, a close frame, then shut down.
    Graceful,
    /// Too slow, or the peer is gone: shut down now.
    Abort,
}

/// What the core has for one TCP connection.
struct Queue {
    response: Option<HttpResponse>,
    verdict: Option<Result<(), HttpResponse>>,
    frames: VecDeque<WsMessage>,
    bytes: usize,
    close: Close,
}

/// A connection's outbox and its wake-up.
struct Outbox {
    queue: Mutex<Queue>,
    wake: Event,
}

impl Outbox {
    fn new() -> Arc<Self> {
        let queue = Queue {
            response: None,
            verdict: None,
            frames: VecDeque::new(),
            bytes: 0,
            close: Close::Open,
        };
        Arc::new(Outbox {
            queue: Mutex::new(queue),
            wake: Event::new(),
        })
    }

    fn update(&self, f: impl FnOnce(&mut Queue)) {
        f(&mut lock(&self.queue));
        self.wake.notify(usize::MAX);
    }

    /// Waits until `f` takes something out of the queue.
    async fn wait<T>(&self, mut f: impl FnMut(&mut Queue) -> Option<T>) -> T {
        loop {
            if let Some(t) = f(&mut lock(&self.queue)) {
                return t;
            }
            let listener = self.wake.listen();
            if let Some(t) = f(&mut lock(&self.queue)) {
                return t;
            }
            listener.await;
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn frame_len(m: &WsMessage) -> usize {
    match m {
        WsMessage::Text(t) => t.as_bytes().len(),
        WsMessage::Binary(b) => b.len(),
    }
}

/// Where each transmit goes, and the core's next deadline.
struct Routes {
    http: HashMap<RequestId, Arc<Outbox>>,
    ws: HashMap<ConnId, Arc<Outbox>>,
    failed: Vec<ConnId>,
    deadline: Option<Instant>,
    max_frames: usize,
    max_bytes: usize,
}

impl Routes {
    fn route(&mut self, t: Transmit) {
        match t {
            Transmit::HttpResponse { request, response } => {
                if let Some(o) = self.http.remove(&request) {
                    o.update(|q| q.response = Some(response));
                }
            }
            Transmit::WsAccept { conn } => {
                if let Some(o) = self.ws.get(&conn) {
                    o.update(|q| q.verdict = Some(Ok(())));
                }
            }
            Transmit::WsReject { conn, response } => {
                if let Some(o) = self.ws.remove(&conn) {
                    o.update(|q| q.verdict = Some(Err(response)));
                }
            }
            Transmit::WsSend { conn, msg } => {
                let Some(o) = self.ws.get(&conn) else { return };
                let mut q = lock(&o.queue);
                let len = frame_len(&msg);
                if q.frames.len() < self.max_frames && q.bytes + len <= self.max_bytes {
                    let was_empty = q.frames.is_empty();
                    q.frames.push_back(msg);
                    q.bytes += len;
                    drop(q);
                    if was_empty {
                        o.wake.notify(usize::MAX);
                    }
                } else {
                    eprintln!("websocket {conn} too slow; dropping it");
                    q.close = Close::Abort;
                    drop(q);
                    o.wake.notify(usize::MAX);
                    self.ws.remove(&conn);
                    self.failed.push(conn);
                }
            }
            Transmit::WsClose { conn } => {
                if let Some(o) = self.ws.remove(&conn) {
                    o.update(|q| {
                        if q.close == Close::Open {
                            q.close = Close::Graceful;
                        }
                    });
                }
            }
        }
    }
}

/// The core and its application, behind one object-safe face.
trait Drive: Send {
    /// Feeds `input` (`None`: shut down) and drains every output into `routes`.
    fn drive(&mut self, now: Instant, input: Option<Input>, routes: &mut Routes);
}

impl<C, F> Drive for (C, F)
where
    C: Core<Input = Input, Transmit = Transmit> + Send,
    F: FnMut(&mut C, C::Event) + Send,
{
    fn drive(&mut self, now: Instant, input: Option<Input>, routes: &mut Routes) {
        let (core, on_event) = self;
        match input {
            Some(input) => {
                if let Err(e) = core.handle_input(now, input) {
                    eprintln!("adapter error: {e}");
                }
            }
            None => core.shutdown(now),
        }
        loop {
            match core.poll_output() {
                Output::Event(e) => on_event(core, e),
                Output::Transmit(t) => routes.route(t),
                Output::Timeout(at) => match routes.failed.pop() {
                    Some(conn) => {
                        let _ = core.handle_input(now, Input::WsFailed { conn });
                    }
                    None => return routes.deadline = at,
                },
            }
        }
    }
}

/// What every task shares.
struct Shared {
    core: Mutex<(Box<dyn Drive>, Routes)>,
    timer: Event,
    stop: Event,
    stopping: AtomicBool,
    next_id: AtomicU64,
    opts: Options,
}

impl Shared {
    fn id(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }

    /// Feeds one input, registering `outbox` for its answers first.
    fn feed(&self, input: Option<Input>, outbox: Option<&Arc<Outbox>>) {
        let mut guard = lock(&self.core);
        let (core, routes) = &mut *guard;
        match (&input, outbox) {
            (Some(Input::HttpRequest { request, .. }), Some(o)) => {
                routes.http.insert(*request, o.clone());
            }
            (Some(Input::WsUpgrade { conn, .. }), Some(o)) => {
                routes.ws.insert(*conn, o.clone());
            }
            (Some(Input::HttpFailed { request }), _) => {
                routes.http.remove(request);
            }
            // Already closed by the core: nothing to tell it.
            (Some(Input::WsClosed { conn } | Input::WsFailed { conn }), _)
                if routes.ws.remove(conn).is_none() =>
            {
                return
            }
            _ => {}
        }
        let before = routes.deadline;
        core.drive(Instant::now(), input, routes);
        if routes.deadline.is_some() && (before.is_none() || routes.deadline < before) {
            self.timer.notify(1);
        }
    }
}

/// Sleeps until the core's deadline, then feeds `Input::Timeout`.
async fn timer(shared: Arc<Shared>) {
    loop {
        let changed = shared.timer.listen();
        let deadline = lock(&shared.core).1.deadline;
        match deadline {
            Some(at) if at <= Instant::now() => shared.feed(Some(Input::Timeout), None),
            Some(at) => {
                future::or(changed, async {
                    async_io::Timer::at(at).await;
                })
                .await
            }
            None => changed.await,
        }
    }
}

/// Resolves on SIGINT or SIGTERM (handlers installed when this is called).
fn shutdown_signal() -> std::io::Result<impl std::future::Future<Output = ()>> {
    let (rx, tx) = std::os::unix::net::UnixStream::pair()?;
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::low_level::pipe::register(sig, tx.try_clone()?)?;
    }
    let mut rx = async_io::Async::new(rx)?;
    Ok(async move {
        let _ = rx.read(&mut [0]).await;
    })
}

/// Serves `core` on `listener` until SIGINT/SIGTERM, then shuts the core down and lets
/// the connections write what that produced. `on_event` handles the core's events (it
/// may call the core's commands: their transmits join the same drain).
pub async fn serve<C, F>(
    listener: TcpListener,
    core: C,
    on_event: F,
    opts: Options,
) -> std::io::Result<()>
where
    C: Core<Input = Input, Transmit = Transmit> + Send + 'static,
    F: FnMut(&mut C, C::Event) + Send + 'static,
{
    let routes = Routes {
        http: HashMap::new(),
        ws: HashMap::new(),
        failed: Vec::new(),
        deadline: None,
        max_frames: opts.max_backlog_frames,
        max_bytes: opts.max_backlog_bytes,
    };
    let (spawn, grace) = (opts.spawn, opts.close_grace);
    let acceptor = opts.tls.clone().map(futures_rustls::TlsAcceptor::from);
    let scheme = if acceptor.is_some() { "https" } else { "http" };
    let shared = Arc::new(Shared {
        core: Mutex::new((Box::new((core, on_event)), routes)),
        timer: Event::new(),
        stop: Event::new(),
        stopping: AtomicBool::new(false),
        next_id: AtomicU64::new(1),
        opts,
    });
    // Handlers first: the `listening on` line tells tests they may signal us.
    let mut signal = Box::pin(shutdown_signal()?);
    let port = listener.local_addr()?.port();
    let mut out = std::io::stdout().lock();
    writeln!(out, "listening on {scheme}://127.0.0.1:{port}")?;
    out.flush()?;
    drop(out);
    spawn(Box::pin(timer(shared.clone())));
    // Every connection task holds a sender; `recv` fails once all are gone.
    let (alive, all_gone) = async_channel::bounded::<()>(1);
    loop {
        let accept = async { Some(listener.accept().await) };
        match future::or(accept, async {
            (&mut signal).await;
            None
        })
        .await
        {
            None => break,
            Some(Ok((stream, _))) => {
                let _ = stream.set_nodelay(true);
                let (shared, alive, acceptor) = (shared.clone(), alive.clone(), acceptor.clone());
                spawn(Box::pin(async move {
                    match acceptor {
                        Some(acceptor) => tls::connection(shared, acceptor, stream).await,
                        None => http::connection(shared, stream.clone(), stream).await,
                    }
                    drop(alive);
                }));
            }
            Some(Err(e)) => {
                eprintln!("accept failed: {e}");
                async_io::Timer::after(Duration::from_millis(50)).await;
            }
        }
    }
    eprintln!("shutting down");
    drop(listener);
    shared.stopping.store(true, Ordering::SeqCst);
    shared.stop.notify(usize::MAX);
    shared.feed(None, None);
    drop(alive);
    let gone = async {
        let _ = all_gone.recv().await;
    };
    future::or(gone, async {
        async_io::Timer::after(grace + Duration::from_secs(1)).await;
    })
    .await;
    Ok(())
}
