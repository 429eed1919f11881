//! Request parsing (path, query) and the responses the server builds: Engine.IO JSON
//! errors, polling bodies, CORS headers.

use super::config::{CorsConfig, EngineConfig};
use crate::transport::{HttpRequest, HttpResponse};
use bytes::Bytes;

/// The Engine.IO error codes of the official server, sent as
/// `{"code":N,"message":"…"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// 0: the `transport` query parameter is missing or unknown.
    TransportUnknown,
    /// 1: the `sid` names no live session.
    UnknownSid,
    /// 2: a handshake that is not a GET.
    BadHandshakeMethod,
    /// 3: anything else malformed.
    BadRequest,
    /// 4: the application refused the handshake (HTTP 403).
    Forbidden,
    /// 5: `EIO` missing or not `4`.
    UnsupportedProtocolVersion,
}

impl ErrorCode {
    /// The numeric code.
    pub fn code(self) -> u8 {
        match self {
            ErrorCode::TransportUnknown => 0,
            ErrorCode::UnknownSid => 1,
            ErrorCode::BadHandshakeMethod => 2,
            ErrorCode::BadRequest => 3,
            ErrorCode::Forbidden => 4,
            ErrorCode::UnsupportedProtocolVersion => 5,
        }
    }

    /// The message string.
    pub fn message(self) -> &'static str {
        match self {
            ErrorCode::TransportUnknown => "Transport unknown",
            ErrorCode::UnknownSid => "Session ID unknown",
            ErrorCode::BadHandshakeMethod => "Bad handshake method",
            ErrorCode::BadRequest => "Bad request",
            ErrorCode::Forbidden => "Forbidden",
            ErrorCode::UnsupportedProtocolVersion => "Unsupported protocol version",
        }
    }

    /// The HTTP status (403 for `Forbidden`, 400 otherwise).
    pub fn status(self) -> u16 {
        match self {
            ErrorCode::Forbidden => 403,
            _ => 400,
        }
    }
}

#[doc(hidden)]
/// The query parameters Engine.IO reads (`t` and others are ignored).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EngineQuery {
    /// `EIO`.
    pub eio: Option<String>,
    /// `transport`.
    pub transport: Option<String>,
    /// `sid`.
    pub sid: Option<String>,
}

/// Splits `uri` into path and query and reads the Engine.IO parameters. The first
/// occurrence of a parameter wins; values are percent-decoded.
#[doc(hidden)]
pub fn parse_uri(uri: &str) -> (&str, EngineQuery) {
    let (path, query) = match uri.split_once('?') {
        Some((p, q)) => (p, q),
        None => (uri, ""),
    };
    let mut out = EngineQuery::default();
    for pair in query.split('&') {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let slot = match k {
            "EIO" => &mut out.eio,
            "transport" => &mut out.transport,
            "sid" => &mut out.sid,
            _ => continue,
        };
        if slot.is_none() {
            *slot = Some(percent_decode(v));
        }
    }
    (path, out)
}

fn percent_decode(s: &str) -> String {
    if !s.contains('%') && !s.contains('+') {
        return s.to_owned();
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(v) => {
                        out.push(v);
                        i += 3;
                    }
                    None => {
                        out.push(b);
                        i += 1;
                    }
                }
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Whether `path` is the configured Engine.IO path (with or without trailing slash).
pub fn path_matches(config: &EngineConfig, path: &str) -> bool {
    let want = config.path.as_str();
    path == want || (want.ends_with('/') && Some(path) == want.strip_suffix('/'))
}

/// An origin header value is acceptable if it has only visible ASCII / tab characters
/// (the official `checkInvalidHeaderChar`).
pub fn origin_is_valid(origin: Option<&str>) -> bool {
    origin.map_or(true, |o| {
        o.bytes()
            .all(|b| b == b'\t' || (0x20..0x7f).contains(&b) || b >= 0x80)
    })
}

/// CORS headers for a request, if CORS is configured and the origin is allowed.
pub fn cors_headers(cors: Option<&CorsConfig>, req: &HttpRequest) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    let Some(cors) = cors else { return out };
    let origin = req.origin.as_deref();
    if cors.origins.is_empty() {
        match (cors.credentials, origin) {
            (true, Some(o)) => {
                out.push(("Access-Control-Allow-Origin", o.to_owned()));
                out.push(("Vary", "Origin".to_owned()));
            }
            _ => out.push(("Access-Control-Allow-Origin", "*".to_owned())),
        }
    } else {
        match origin {
            Some(o) if cors.origins.iter().any(|a| a == o) => {
                out.push(("Access-Control-Allow-Origin", o.to_owned()));
                out.push(("Vary", "Origin".to_owned()));
            }
            _ => return out,
        }
    }
    if cors.credentials {
        out.push(("Access-Control-Allow-Credentials", "true".to_owned()));
    }
    out
}

/// The `204` answer to a CORS preflight.
pub fn preflight(cors: Option<&CorsConfig>, req: &HttpRequest) -> HttpResponse {
    let mut headers = cors_headers(cors, req);
    if !headers.is_empty() {
        headers.push((
            "Access-Control-Allow-Methods",
            "GET,HEAD,PUT,PATCH,POST,DELETE".to_owned(),
        ));
    }
    HttpResponse {
        status: 204,
        headers,
        body: Bytes::new(),
    }
}

/// The JSON body of an Engine.IO error.
#[doc(hidden)]
pub fn error_body(code: ErrorCode) -> Bytes {
    Bytes::from(format!(
        "{{\"code\":{},\"message\":\"{}\"}}",
        code.code(),
        code.message()
    ))
}

/// An Engine.IO error response: `application/json` `{"code":N,"message":"…"}`.
pub fn error_response(
    cors: Option<&CorsConfig>,
    req: &HttpRequest,
    code: ErrorCode,
) -> HttpResponse {
    error_response_status(cors, req, code, code.status())
}

/// As [`error_response`] with an explicit status.
pub fn error_response_status(
    cors: Option<&CorsConfig>,
    req: &HttpRequest,
    code: ErrorCode,
    status: u16,
) -> HttpResponse {
    let mut headers = vec![("Content-Type", "application/json".to_owned())];
    headers.extend(cors_headers(cors, req));
    HttpResponse {
        status,
        headers,
        body: error_body(code),
    }
}

/// A bare status with an empty body (400 for overlapping polls, 413 for a too large
/// body, 404 for a path that is not Engine.IO's).
pub fn bare(cors: Option<&CorsConfig>, req: &HttpRequest, status: u16) -> HttpResponse {
    HttpResponse {
        status,
        headers: cors_headers(cors, req),
        body: Bytes::new(),
    }
}

/// `200` with a `text/plain; charset=UTF-8` body (a polling GET).
pub fn poll_ok(headers: Vec<(&'static str, String)>, body: String) -> HttpResponse {
    let mut h = vec![("Content-Type", "text/plain; charset=UTF-8".to_owned())];
    h.extend(headers);
    HttpResponse {
        status: 200,
        headers: h,
        body: Bytes::from(body),
    }
}

/// `200` `ok` (a polling POST). The official server sends `text/html` here, to avoid a
/// download dialog in some browsers.
pub fn post_ok(cors: Option<&CorsConfig>, req: &HttpRequest) -> HttpResponse {
    let mut h = vec![("Content-Type", "text/html".to_owned())];
    h.extend(cors_headers(cors, req));
    HttpResponse {
        status: 200,
        headers: h,
        body: Bytes::from_static(b"ok"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_query() {
        let (p, q) = parse_uri("/engine.io/?EIO=4&transport=polling&t=x&sid=a%2Db&sid=zz");
        assert_eq!(p, "/engine.io/");
        assert_eq!(q.eio.as_deref(), Some("4"));
        assert_eq!(q.transport.as_deref(), Some("polling"));
        assert_eq!(q.sid.as_deref(), Some("a-b"));
        let (p, q) = parse_uri("/x");
        assert_eq!(p, "/x");
        assert_eq!(q, EngineQuery::default());
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
    }

    #[test]
    fn error_bodies_are_json() {
        let v: serde_json::Value =
            serde_json::from_slice(&error_body(ErrorCode::UnsupportedProtocolVersion)).unwrap();
        assert_eq!(v["code"], 5);
        assert_eq!(v["message"], "Unsupported protocol version");
    }
}
