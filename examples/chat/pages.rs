//! The static part of the chat: the page and the browser client, embedded in the
//! binary.

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{HeaderValue, CACHE_CONTROL, CONTENT_TYPE};
use hyper::{Method, Request, Response, StatusCode};

/// The chat page.
pub const INDEX_HTML: &str = include_str!("index.html");
/// The browser Socket.IO client (Engine.IO v4 over WebSocket).
pub const CHAT_JS: &str = include_str!("chat.js");

/// The response for `GET /` and `GET /chat.js` (and `HEAD`); `None` for anything else,
/// which goes to the Socket.IO core.
pub fn page_for<B>(req: &Request<B>) -> Option<Response<Full<Bytes>>> {
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return None;
    }
    let (body, content_type) = match req.uri().path() {
        "/" | "/index.html" => (INDEX_HTML, "text/html; charset=utf-8"),
        "/chat.js" => (CHAT_JS, "text/javascript; charset=utf-8"),
        _ => return None,
    };
    let body = if req.method() == Method::HEAD {
        Bytes::new()
    } else {
        Bytes::from_static(body.as_bytes())
    };
    let mut resp = Response::new(Full::new(body));
    *resp.status_mut() = StatusCode::OK;
    let headers = resp.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    Some(resp)
}
