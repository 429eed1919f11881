//! HTTP side: one hyper connection per TCP stream. Plain requests are read (body capped
//! at `max_payload + 1` bytes) and handed to the core; WebSocket upgrade requests are
//! pre-checked by the core, answered `101`, and continued in [`super::ws`].

use crate::driver::{CoreHandle, Input, Notice};
use bytes::{Bytes, BytesMut};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{HeaderValue, CONNECTION, SEC_WEBSOCKET_ACCEPT, SEC_WEBSOCKET_KEY, UPGRADE};
use hyper::{Request, Response, StatusCode};
use socketio_proto::server::{HttpRequest, HttpResponse, Method};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use tokio::sync::oneshot;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;

/// Settings every connection needs.
pub struct Shared {
    /// The core task.
    pub core: CoreHandle,
    /// Largest body / WebSocket message accepted (the core answers 413 above it).
    pub max_payload: usize,
    /// Source of adapter-side request tokens.
    pub next_token: AtomicU64,
    /// Held (through the `Arc`) by every connection task; the main task waits for the
    /// channel to close to know they have all finished.
    pub _alive: tokio::sync::mpsc::Sender<()>,
}

/// Tells the core when a request is dropped before its response arrived (the peer
/// closed the connection while a long-poll was held).
struct AbortGuard {
    token: u64,
    notices: tokio::sync::mpsc::UnboundedSender<Notice>,
    armed: bool,
}

impl Drop for AbortGuard {
    fn drop(&mut self) {
        if self.armed {
            let _ = self.notices.send(Notice::HttpAborted(self.token));
        }
    }
}

fn header_string(req: &Request<Incoming>, name: hyper::header::HeaderName) -> Option<String> {
    req.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

fn uri_of(req: &Request<Incoming>) -> String {
    req.uri()
        .path_and_query()
        .map(|pq| pq.as_str().to_owned())
        .unwrap_or_else(|| "/".to_owned())
}

fn core_request(req: &Request<Incoming>, body: Bytes) -> HttpRequest {
    HttpRequest {
        method: Method::parse(req.method().as_str()),
        uri: uri_of(req),
        origin: header_string(req, hyper::header::ORIGIN),
        content_type: header_string(req, hyper::header::CONTENT_TYPE),
        body,
    }
}

fn is_ws_upgrade(req: &Request<Incoming>) -> bool {
    let has_token = |name, token: &str| {
        req.headers().get_all(name).iter().any(|v| {
            v.to_str()
                .map(|s| s.split(',').any(|p| p.trim().eq_ignore_ascii_case(token)))
                .unwrap_or(false)
        })
    };
    req.method() == hyper::Method::GET
        && has_token(UPGRADE, "websocket")
        && has_token(CONNECTION, "upgrade")
        && req.headers().contains_key(SEC_WEBSOCKET_KEY)
}

/// Converts the core's response to hyper's.
pub fn to_hyper(resp: HttpResponse) -> Response<Full<Bytes>> {
    let mut out = Response::new(Full::new(resp.body));
    *out.status_mut() =
        StatusCode::from_u16(resp.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    for (name, value) in resp.headers {
        if let (Ok(n), Ok(v)) = (
            hyper::header::HeaderName::from_bytes(name.as_bytes()),
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

/// Reads at most `limit` bytes of the body (the rest is left unread; hyper then closes
/// the connection after the response).
async fn read_capped(body: &mut Incoming, limit: usize) -> Result<Bytes, hyper::Error> {
    let mut buf = BytesMut::new();
    while buf.len() < limit {
        let Some(frame) = body.frame().await else {
            break;
        };
        if let Ok(data) = frame?.into_data() {
            let take = data.len().min(limit - buf.len());
            buf.extend_from_slice(&data[..take]);
        }
    }
    Ok(buf.freeze())
}

/// The hyper service: one call per request.
pub async fn serve(
    shared: Arc<Shared>,
    mut req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, hyper::Error> {
    if is_ws_upgrade(&req) {
        return Ok(upgrade(shared, req).await);
    }
    let body = match read_capped(req.body_mut(), shared.max_payload.saturating_add(1)).await {
        Ok(b) => b,
        Err(_) => return Ok(plain(StatusCode::BAD_REQUEST, "bad body")),
    };
    let core_req = core_request(&req, body);
    let token = shared.next_token.fetch_add(1, Ordering::Relaxed);
    let (reply, response) = oneshot::channel();
    let mut guard = AbortGuard {
        token,
        notices: shared.core.notices.clone(),
        armed: false,
    };
    let input = Input::Http {
        token,
        req: core_req,
        reply,
    };
    if shared.core.inputs.send(input).await.is_err() {
        return Ok(plain(StatusCode::SERVICE_UNAVAILABLE, "shutting down"));
    }
    guard.armed = true;
    let resp = response.await;
    guard.armed = false;
    Ok(match resp {
        Ok(resp) => to_hyper(resp),
        Err(_) => plain(StatusCode::SERVICE_UNAVAILABLE, "shutting down"),
    })
}

async fn upgrade(shared: Arc<Shared>, mut req: Request<Incoming>) -> Response<Full<Bytes>> {
    let core_req = core_request(&req, Bytes::new());
    let (reply, verdict) = oneshot::channel();
    let check = Input::WsCheck {
        req: core_req.clone(),
        reply,
    };
    if shared.core.inputs.send(check).await.is_err() {
        return plain(StatusCode::SERVICE_UNAVAILABLE, "shutting down");
    }
    match verdict.await {
        Ok(None) => {}
        Ok(Some(refusal)) => return to_hyper(refusal),
        Err(_) => return plain(StatusCode::SERVICE_UNAVAILABLE, "shutting down"),
    }
    let Some(key) = req.headers().get(SEC_WEBSOCKET_KEY) else {
        return plain(StatusCode::BAD_REQUEST, "missing Sec-WebSocket-Key");
    };
    let accept = derive_accept_key(key.as_bytes());
    let on_upgrade = hyper::upgrade::on(&mut req);
    tokio::spawn(crate::ws::run(shared.clone(), on_upgrade, core_req));
    let mut resp = Response::new(Full::new(Bytes::new()));
    *resp.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    let headers = resp.headers_mut();
    headers.insert(UPGRADE, HeaderValue::from_static("websocket"));
    headers.insert(CONNECTION, HeaderValue::from_static("Upgrade"));
    if let Ok(v) = HeaderValue::from_str(&accept) {
        headers.insert(SEC_WEBSOCKET_ACCEPT, v);
    }
    resp
}
