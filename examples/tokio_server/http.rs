//! HTTP: the accept loop and shutdown, and one hyper connection per stream (TCP, or TLS
//! over it: [`connection`] is generic over the stream). Plain requests are read (body
//! capped at `max_payload + 1`) and handed to the core; WebSocket upgrades are asked of
//! the core and, once accepted, continued in [`ws`].

use super::{announce, tls, ws, Driver, Options, Pages, SHUTDOWN_GRACE};
use bytes::{Bytes, BytesMut};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{HeaderName, HeaderValue, UPGRADE};
use hyper::{server::conn::http1, service::service_fn, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use socketio_proto::server::{handshake, HttpRequest, HttpResponse, Method, RequestId};

/// The request header budget (`431` past it): the core's default.
const MAX_HEADER_BYTES: usize = socketio_proto::server::DEFAULT_MAX_HEADER_BYTES;
use std::rc::Rc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::{mpsc, watch};

/// What every request of a connection needs from the [`Options`] (copied per request).
#[derive(Clone, Copy)]
pub struct Serving {
    /// The core's `max_payload`.
    pub max_payload: usize,
    /// Static pages, answered first.
    pub pages: Option<Pages>,
}

/// What every connection task holds: the core, a token of life (shutdown waits for
/// every one to drop) and the stop signal.
pub struct Conn {
    /// The core.
    pub driver: Rc<Driver>,
    /// Dropped when the connection (and its WebSocket) ends.
    pub alive: mpsc::Sender<()>,
    /// Turns `true` when the server shuts down.
    pub stop: watch::Receiver<bool>,
}

/// Binds, serves until a signal, shuts the core down and lets connections flush.
pub async fn serve(opts: Options, driver: Rc<Driver>) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", opts.port)).await?;
    // Installed now, synchronously, before the line that lets tests signal us: an
    // `async fn` would only install its handlers when first polled.
    let signal = shutdown_signal();
    announce(listener.local_addr()?.port(), opts.tls.is_some())?;
    let acceptor = opts.tls.map(tls::Acceptor::new);
    let serving = Serving {
        max_payload: opts.max_payload,
        pages: opts.pages,
    };
    tokio::task::spawn_local(driver.clone().timers());
    let (stop_tx, stop) = watch::channel(false);
    // Every connection holds a clone of `alive`; `recv` yields None once all are gone.
    let (alive, mut all_gone) = mpsc::channel::<()>(1);
    tokio::pin!(signal);
    loop {
        let stream = tokio::select! {
            _ = &mut signal => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    eprintln!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let conn = Conn {
            driver: driver.clone(),
            alive: alive.clone(),
            stop: stop.clone(),
        };
        // The TLS handshake runs in the connection's task: the loop never waits for one.
        match &acceptor {
            None => tokio::task::spawn_local(connection(stream, serving, conn)),
            Some(acceptor) => {
                tokio::task::spawn_local(acceptor.clone().connection(stream, serving, conn))
            }
        };
    }
    eprintln!("shutting down");
    drop(listener);
    let _ = stop_tx.send(true);
    driver.input(None);
    drop(alive);
    let _ = tokio::time::timeout(SHUTDOWN_GRACE, all_gone.recv()).await;
    Ok(())
}

/// Serves one connection with hyper until it ends, or until shutdown (then gracefully,
/// within a bound). `S` is the stream: `TcpStream`, or a TLS stream over one; an
/// upgraded WebSocket continues on the same `S` (see [`ws::run`]).
pub async fn connection<S>(io: S, serving: Serving, conn: Conn)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let Conn {
        driver,
        alive,
        mut stop,
    } = conn;
    let service = service_fn(|req| request::<S>(driver.clone(), serving, alive.clone(), req));
    let conn = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(Duration::from_secs(30))
        .serve_connection(TokioIo::new(io), service)
        .with_upgrades();
    tokio::pin!(conn);
    tokio::select! {
        _ = conn.as_mut() => return,
        _ = stop.wait_for(|s| *s) => {}
    }
    conn.as_mut().graceful_shutdown();
    let _ = tokio::time::timeout(Duration::from_secs(2), conn).await;
}

/// Ctrl-C or SIGTERM. The handlers are installed when this is called, not when the
/// returned future is first polled, so a signal sent right after it returns is seen.
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let term = signal(SignalKind::terminate());
        let int = signal(SignalKind::interrupt());
        async move {
            match (term, int) {
                (Ok(mut term), Ok(mut int)) => {
                    tokio::select! { _ = int.recv() => {}, _ = term.recv() => {} }
                }
                _ => {
                    let _ = tokio::signal::ctrl_c().await;
                }
            }
        }
    }
    #[cfg(not(unix))]
    async {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Tells the core when a request is dropped unanswered (the peer left a held poll).
struct Abandon(Rc<Driver>, RequestId);

impl Drop for Abandon {
    fn drop(&mut self) {
        self.0.abandon(self.1);
    }
}

/// One request on a connection over `S`.
async fn request<S>(
    driver: Rc<Driver>,
    opts: Serving,
    alive: mpsc::Sender<()>,
    mut req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, hyper::Error>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let headers = || {
        req.headers()
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_bytes()))
    };
    if let Err(refusal) = handshake::check_header_bytes(headers(), MAX_HEADER_BYTES) {
        return Ok(to_hyper(refusal));
    }
    if let Some(page) = opts.pages.and_then(|pages| pages(&req)) {
        return Ok(page);
    }
    if req.headers().contains_key(UPGRADE) {
        // RFC 6455 checks in the core (version 13, a 16-byte key, both tokens).
        return Ok(match handshake::check_ws_upgrade(headers()) {
            Ok(accept) => upgrade::<S>(driver, opts.max_payload, alive, req, accept).await,
            Err(refusal) => to_hyper(refusal),
        });
    }
    let mut body = BytesMut::new();
    let limit = opts.max_payload.saturating_add(1);
    while body.len() < limit {
        let Some(frame) = req.body_mut().frame().await else {
            break;
        };
        let Ok(frame) = frame else {
            return Ok(plain(StatusCode::BAD_REQUEST, "bad body"));
        };
        if let Ok(data) = frame.into_data() {
            body.extend_from_slice(&data[..data.len().min(limit - body.len())]);
        }
    }
    let (id, response) = driver.request(core_request(&req, body.freeze()));
    let _abandon = Abandon(driver, id);
    Ok(match response.await {
        Ok(resp) => to_hyper(resp),
        Err(_) => plain(StatusCode::SERVICE_UNAVAILABLE, "shutting down"),
    })
}

/// A WebSocket upgrade on a connection over `S`: the core says yes (`101`, then
/// [`ws::run`]) or answers it.
async fn upgrade<S>(
    driver: Rc<Driver>,
    max_payload: usize,
    alive: mpsc::Sender<()>,
    mut req: Request<Incoming>,
    accept: handshake::WsAccept,
) -> Response<Full<Bytes>>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (conn, out, verdict) = driver.upgrade(core_request(&req, Bytes::new()));
    let guard = ws::Ended {
        driver,
        conn,
        failed: true,
    };
    match verdict.await {
        Ok(None) => {}
        Ok(Some(refusal)) => return to_hyper(refusal),
        Err(_) => return plain(StatusCode::SERVICE_UNAVAILABLE, "shutting down"),
    }
    let on_upgrade = hyper::upgrade::on(&mut req);
    tokio::task::spawn_local(ws::run::<S>(guard, out, on_upgrade, max_payload, alive));
    let mut resp = Response::new(Full::new(Bytes::new()));
    *resp.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    for (name, value) in accept.response_headers() {
        if let Ok(v) = HeaderValue::try_from(value) {
            resp.headers_mut().insert(name, v);
        }
    }
    resp
}

fn header(req: &Request<Incoming>, name: HeaderName) -> Option<String> {
    req.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

fn core_request(req: &Request<Incoming>, body: Bytes) -> HttpRequest {
    HttpRequest {
        method: Method::parse(req.method().as_str()),
        uri: req
            .uri()
            .path_and_query()
            .map_or("/", |pq| pq.as_str())
            .to_owned(),
        origin: header(req, hyper::header::ORIGIN),
        content_type: header(req, hyper::header::CONTENT_TYPE),
        body,
    }
}

fn to_hyper(resp: HttpResponse) -> Response<Full<Bytes>> {
    let mut out = Response::new(Full::new(resp.body));
    *out.status_mut() =
        StatusCode::from_u16(resp.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    for (name, value) in resp.headers {
        if let (Ok(n), Ok(v)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            out.headers_mut().append(n, v);
        }
    }
    out
}

fn plain(status: StatusCode, body: &'static str) -> Response<Full<Bytes>> {
    let mut out = Response::new(Full::new(Bytes::from_static(body.as_bytes())));
    *out.status_mut() = status;
    out
}
