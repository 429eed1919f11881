//! The network half of the tokio client adapter: performs the HTTP requests and
//! WebSocket connections the client core asks for and reports every result back to the
//! task that owns the core, as an [`IoEvent`] over a bounded channel.
//!
//! HTTP goes through hyper 1's low-level client (`hyper::client::conn::http1`) with a
//! small keep-alive pool (a long-polling GET and a POST are often in flight together,
//! so each request takes an idle connection or opens a new one). WebSockets go through
//! tokio-tungstenite; each has a writer task fed by a channel created when the core asks
//! to open it, so frames queued before the socket is open are sent once it is.

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use http_body_util::{BodyExt, Full, Limited};
use hyper::client::conn::http1::SendRequest;
use hyper::header::{CONTENT_TYPE, HOST};
use hyper::Request;
use hyper_util::rt::TokioIo;
use socketio_proto::client::engine::{HttpRequest, RequestId, WsId};
use socketio_proto::engineio::WsMessage;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message as TMessage;

/// A network result for the core, tagged with the id the core gave the operation.
#[derive(Debug)]
pub enum IoEvent {
    /// An HTTP response arrived (any status) with its whole body.
    HttpResponse {
        /// The request.
        id: RequestId,
        /// HTTP status code.
        status: u16,
        /// The body.
        body: Bytes,
    },
    /// The HTTP request failed at the network level (connect, reset, oversized body).
    HttpError {
        /// The request.
        id: RequestId,
    },
    /// The WebSocket handshake succeeded.
    WsOpened {
        /// The connection.
        id: WsId,
    },
    /// One data frame arrived.
    WsMessage {
        /// The connection.
        id: WsId,
        /// The frame.
        msg: WsMessage,
    },
    /// The WebSocket closed (close frame or end of stream).
    WsClosed {
        /// The connection.
        id: WsId,
    },
    /// The WebSocket failed (handshake refused, network error).
    WsError {
        /// The connection.
        id: WsId,
    },
}

/// Idle keep-alive connections older than this are dropped rather than reused (Node's
/// HTTP server closes idle connections after 5 s).
const IDLE_LIMIT: Duration = Duration::from_secs(4);

type Pool = Arc<Mutex<Vec<(SendRequest<Full<Bytes>>, Instant)>>>;

/// Performs the core's network requests; results come back on the receiver returned by
/// [`Io::new`].
pub struct Io {
    /// `host:port` to connect to.
    addr: String,
    /// `ws://host:port`.
    ws_origin: String,
    /// Largest response body / WebSocket message accepted.
    max_body: usize,
    tx: mpsc::Sender<IoEvent>,
    pool: Pool,
    ws: HashMap<WsId, mpsc::UnboundedSender<TMessage>>,
}

impl Io {
    /// An `Io` for the server at `addr` (`host:port`); events come out of the receiver
    /// (bounded at `capacity`: the I/O tasks wait when the core falls behind).
    pub fn new(addr: String, max_body: usize, capacity: usize) -> (Io, mpsc::Receiver<IoEvent>) {
        let (tx, rx) = mpsc::channel(capacity);
        let io = Io {
            ws_origin: format!("ws://{addr}"),
            addr,
            max_body,
            tx,
            pool: Arc::new(Mutex::new(Vec::new())),
            ws: HashMap::new(),
        };
        (io, rx)
    }

    /// Performs `req` on a task; reports [`IoEvent::HttpResponse`] or
    /// [`IoEvent::HttpError`].
    pub fn http(&self, req: HttpRequest) {
        let addr = self.addr.clone();
        let pool = self.pool.clone();
        let tx = self.tx.clone();
        let max_body = self.max_body;
        tokio::spawn(async move {
            let id = req.id;
            let event = match perform(&addr, &pool, req, max_body).await {
                Ok((status, body)) => IoEvent::HttpResponse { id, status, body },
                Err(_) => IoEvent::HttpError { id },
            };
            let _ = tx.send(event).await;
        });
    }

    /// Opens a WebSocket to `ws://addr` + `path_and_query` on a task; reports
    /// [`IoEvent::WsOpened`], then messages, then [`IoEvent::WsClosed`] or
    /// [`IoEvent::WsError`].
    pub fn open_ws(&mut self, id: WsId, path_and_query: &str) {
        let url = format!("{}{}", self.ws_origin, path_and_query);
        let (out_tx, out_rx) = mpsc::unbounded_channel();
        self.ws.insert(id, out_tx);
        let tx = self.tx.clone();
        let config = WebSocketConfig {
            max_message_size: Some(self.max_body),
            max_frame_size: Some(self.max_body),
            ..WebSocketConfig::default()
        };
        tokio::spawn(run_ws(id, url, config, out_rx, tx));
    }

    /// Queues one frame on the WebSocket `id` (ignored if it is unknown or gone).
    pub fn ws_send(&mut self, id: WsId, msg: WsMessage) {
        let frame = match msg {
            WsMessage::Text(t) => TMessage::Text(t.as_str().to_owned()),
            WsMessage::Binary(b) => TMessage::Binary(b.to_vec()),
        };
        if let Some(out) = self.ws.get(&id) {
            let _ = out.send(frame);
        }
    }

    /// Closes the WebSocket `id` with a normal closure and forgets it.
    pub fn close_ws(&mut self, id: WsId) {
        if let Some(out) = self.ws.remove(&id) {
            let _ = out.send(TMessage::Close(None));
        }
    }

    /// Forgets a WebSocket the peer closed (its writer task ends).
    pub fn forget_ws(&mut self, id: WsId) {
        self.ws.remove(&id);
    }
}

/// Takes a live idle connection from the pool, if any.
fn take_idle(pool: &Pool) -> Option<SendRequest<Full<Bytes>>> {
    let mut idle = match pool.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    };
    while let Some((sender, since)) = idle.pop() {
        if sender.is_ready() && since.elapsed() < IDLE_LIMIT {
            return Some(sender);
        }
    }
    None
}

fn put_idle(pool: &Pool, sender: SendRequest<Full<Bytes>>) {
    if sender.is_closed() {
        return;
    }
    let mut idle = match pool.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    };
    if idle.len() < 8 {
        idle.push((sender, Instant::now()));
    }
}

async fn connect(addr: &str) -> Result<SendRequest<Full<Bytes>>, Box<dyn std::error::Error>> {
    let stream = TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    Ok(sender)
}

async fn perform(
    addr: &str,
    pool: &Pool,
    req: HttpRequest,
    max_body: usize,
) -> Result<(u16, Bytes), Box<dyn std::error::Error + Send + Sync>> {
    let mut builder = Request::builder()
        .method(req.method.as_str())
        .uri(req.path_and_query.as_str())
        .header(HOST, addr);
    if let Some(ct) = req.content_type {
        builder = builder.header(CONTENT_TYPE, ct);
    }
    let mut request = builder.body(Full::new(req.body))?;
    // A pooled connection may turn out to be closed before the request is written; then
    // hyper hands the request back and it goes out on a fresh connection.
    let mut sender = match take_idle(pool) {
        Some(s) => s,
        None => connect(addr).await.map_err(|e| e.to_string())?,
    };
    let mut retried = false;
    let response = loop {
        match sender.try_send_request(request).await {
            Ok(resp) => break resp,
            Err(mut e) => match e.take_message() {
                Some(back) if !retried => {
                    retried = true;
                    request = back;
                    sender = connect(addr).await.map_err(|e| e.to_string())?;
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
    put_idle(pool, sender);
    Ok((status, body))
}

async fn run_ws(
    id: WsId,
    url: String,
    config: WebSocketConfig,
    mut out_rx: mpsc::UnboundedReceiver<TMessage>,
    tx: mpsc::Sender<IoEvent>,
) {
    let stream = match tokio_tungstenite::connect_async_with_config(
        url.as_str(),
        Some(config),
        true,
    )
    .await
    {
        Ok((stream, _response)) => stream,
        Err(_) => {
            let _ = tx.send(IoEvent::WsError { id }).await;
            return;
        }
    };
    if tx.send(IoEvent::WsOpened { id }).await.is_err() {
        return;
    }
    let (mut write, mut read) = stream.split();
    // Writer: forwards queued frames; a Close (or the core forgetting us) ends it.
    let writer = tokio::spawn(async move {
        while let Some(frame) = out_rx.recv().await {
            let closing = matches!(frame, TMessage::Close(_));
            if write.send(frame).await.is_err() || closing {
                break;
            }
        }
        let _ = write.close().await;
    });
    let end = loop {
        match read.next().await {
            Some(Ok(TMessage::Text(text))) => {
                let msg = WsMessage::Text(text.into());
                if tx.send(IoEvent::WsMessage { id, msg }).await.is_err() {
                    break None;
                }
            }
            Some(Ok(TMessage::Binary(data))) => {
                let msg = WsMessage::Binary(Bytes::from(data));
                if tx.send(IoEvent::WsMessage { id, msg }).await.is_err() {
                    break None;
                }
            }
            Some(Ok(TMessage::Close(_))) | None => break Some(IoEvent::WsClosed { id }),
            Some(Ok(_)) => {} // ping/pong are answered by tungstenite
            Some(Err(_)) => break Some(IoEvent::WsError { id }),
        }
    };
    writer.abort();
    if let Some(event) = end {
        let _ = tx.send(event).await;
    }
}
