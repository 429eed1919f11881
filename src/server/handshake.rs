//! Strict WebSocket handshake checks (RFC 6455 §4.2.1) and the request header budget:
//! pure functions every server adapter calls on the raw request, before the core sees
//! it.
//!
//! An adapter that receives an upgrade request on the Engine.IO path:
//! 1. counts the request's header bytes as they arrive, and past
//!    [`EngineConfig::max_header_bytes`](crate::server::EngineConfig::max_header_bytes)
//!    writes [`header_too_large`] (`431`) and closes ([`check_header_bytes`] does both
//!    steps for headers already parsed);
//! 2. calls [`check_ws_upgrade`] with the request's headers: `Err(response)` is written
//!    as is (`400`, or `426` with `Sec-WebSocket-Version: 13`) and the connection closed;
//!    `Ok(accept)` carries the `Sec-WebSocket-Accept` value for the `101` response;
//! 3. feeds `Input::WsUpgrade`, whose protocol checks (path, `EIO`, `sid`, transport,
//!    `allow_request`) are the core's, and writes `101` only on `Transmit::WsAccept`.
//!
//! Where each check lives: the header budget, the `Upgrade` / `Connection` tokens, the
//! version and the key are checked here, in the core, the same for every adapter; the
//! request line (method `GET`, `HTTP/1.1`) and the header syntax are the adapter's HTTP
//! library's; the Engine.IO checks are the core's `Input::WsUpgrade`.
//!
//! ```
//! use socketio_proto::server::handshake::check_ws_upgrade;
//! let headers: [(&str, &[u8]); 4] = [
//!     ("Upgrade", b"websocket"),
//!     ("Connection", b"keep-alive, Upgrade"),
//!     ("Sec-WebSocket-Version", b"13"),
//!     ("Sec-WebSocket-Key", b"dGhlIHNhbXBsZSBub25jZQ=="),
//! ];
//! let accept = check_ws_upgrade(headers).unwrap();
//! assert_eq!(accept.accept_key, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
//!
//! let bad: [(&str, &[u8]); 4] = [
//!     ("Upgrade", b"websocket"),
//!     ("Connection", b"Upgrade"),
//!     ("Sec-WebSocket-Version", b"99"),
//!     ("Sec-WebSocket-Key", b"dGhlIHNhbXBsZSBub25jZQ=="),
//! ];
//! let refused = check_ws_upgrade(bad).unwrap_err();
//! assert_eq!(refused.status, 426);
//! assert_eq!(refused.header("Sec-WebSocket-Version"), Some("13"));
//! ```

use crate::transport::HttpResponse;
use base64::Engine as _;
use bytes::Bytes;
use sha1::{Digest, Sha1};

/// The one WebSocket protocol version this server speaks (RFC 6455).
pub const WS_VERSION: &str = "13";

/// The GUID RFC 6455 appends to the client's key before hashing.
pub const WS_GUID: &str = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/// A WebSocket upgrade request that passed [`check_ws_upgrade`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WsAccept {
    /// The `Sec-WebSocket-Accept` value of the `101` response.
    pub accept_key: String,
}

impl WsAccept {
    /// The headers of the `101 Switching Protocols` response, for an adapter that writes
    /// it itself: `Upgrade: websocket`, `Connection: Upgrade`, `Sec-WebSocket-Accept`.
    pub fn response_headers(&self) -> [(&'static str, String); 3] {
        [
            ("Upgrade", "websocket".to_owned()),
            ("Connection", "Upgrade".to_owned()),
            ("Sec-WebSocket-Accept", self.accept_key.clone()),
        ]
    }
}

/// The `Sec-WebSocket-Accept` value for a client's `Sec-WebSocket-Key`: base64 of the
/// SHA-1 of the key followed by [`WS_GUID`].
pub fn accept_key(key: &str) -> String {
    let mut h = Sha1::new();
    h.update(key.as_bytes());
    h.update(WS_GUID.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(h.finalize())
}

/// Checks the headers of a WebSocket upgrade request per RFC 6455 §4.2.1, in this order:
/// - an `Upgrade` header with the token `websocket`, else `400`;
/// - a `Connection` header with the token `upgrade`, else `400` (tokens are matched
///   case-insensitively in comma-separated lists; repeated headers count as one list);
/// - `Sec-WebSocket-Version` exactly `13`, once, else (missing, `99`, `13, 8`…) `426`
///   with `Sec-WebSocket-Version: 13` (and `Upgrade: websocket`, `Connection: Upgrade,
///   close`, as RFC 9110 asks of a `426`);
/// - `Sec-WebSocket-Key` once, base64 of exactly 16 bytes, else `400`.
///
/// Header names are matched case-insensitively; values are trimmed of spaces and tabs.
/// Every refusal is a plain-text response whose `Connection` header holds `close`, ready
/// to write; close the connection after it.
/// Never panics, whatever the bytes.
pub fn check_ws_upgrade<'a, I>(headers: I) -> Result<WsAccept, HttpResponse>
where
    I: IntoIterator<Item = (&'a str, &'a [u8])>,
{
    let mut upgrade = false;
    let mut connection = false;
    let mut versions = 0usize;
    let mut version_ok = false;
    let mut keys = 0usize;
    let mut key: Option<&[u8]> = None;
    for (name, value) in headers {
        if name.eq_ignore_ascii_case("upgrade") {
            upgrade |= has_token(value, b"websocket");
        } else if name.eq_ignore_ascii_case("connection") {
            connection |= has_token(value, b"upgrade");
        } else if name.eq_ignore_ascii_case("sec-websocket-version") {
            versions += 1;
            version_ok = trim(value) == WS_VERSION.as_bytes();
        } else if name.eq_ignore_ascii_case("sec-websocket-key") {
            keys += 1;
            key = Some(trim(value));
        }
    }
    if !upgrade {
        return Err(bad_request(
            "Missing or invalid Upgrade header (expected websocket)",
        ));
    }
    if !connection {
        return Err(bad_request("Missing Connection header token upgrade"));
    }
    if versions != 1 || !version_ok {
        return Err(upgrade_required());
    }
    let key = match key {
        Some(k) if keys == 1 && key_is_valid(k) => k,
        _ => return Err(bad_request("Missing or invalid Sec-WebSocket-Key header")),
    };
    // A valid key is base64, hence ASCII.
    let key = std::str::from_utf8(key).unwrap_or_default();
    Ok(WsAccept {
        accept_key: accept_key(key),
    })
}

/// The bytes headers take on the wire: `name: value\r\n` for each.
pub fn header_bytes<'a, I>(headers: I) -> usize
where
    I: IntoIterator<Item = (&'a str, &'a [u8])>,
{
    headers.into_iter().fold(0usize, |n, (name, value)| {
        n.saturating_add(name.len() + value.len() + 4)
    })
}

/// `Err(`[`header_too_large`]`)` when the headers take more than `max` bytes (see
/// [`header_bytes`]; `max` is usually
/// [`EngineConfig::max_header_bytes`](crate::server::EngineConfig::max_header_bytes)).
pub fn check_header_bytes<'a, I>(headers: I, max: usize) -> Result<(), HttpResponse>
where
    I: IntoIterator<Item = (&'a str, &'a [u8])>,
{
    if header_bytes(headers) > max {
        Err(header_too_large())
    } else {
        Ok(())
    }
}

/// `431 Request Header Fields Too Large`, with `Connection: close`: the answer to a
/// request whose headers exceed the budget (the official server's answer too).
pub fn header_too_large() -> HttpResponse {
    plain(431, "Request Header Fields Too Large")
}

/// Whether a key is base64 (standard alphabet, padded) of exactly 16 bytes.
fn key_is_valid(key: &[u8]) -> bool {
    // 16 bytes encode to 24 characters; checking the length first bounds the work.
    key.len() == 24
        && base64::engine::general_purpose::STANDARD
            .decode(key)
            .is_ok_and(|k| k.len() == 16)
}

/// Whether a comma-separated header value holds `token` (ASCII case-insensitive).
fn has_token(value: &[u8], token: &[u8]) -> bool {
    value
        .split(|&b| b == b',')
        .any(|t| trim(t).eq_ignore_ascii_case(token))
}

/// `value` without leading and trailing spaces and tabs.
fn trim(value: &[u8]) -> &[u8] {
    let is_ws = |b: &u8| *b == b' ' || *b == b'\t';
    let start = value.iter().position(|b| !is_ws(b)).unwrap_or(value.len());
    let end = value
        .iter()
        .rposition(|b| !is_ws(b))
        .map_or(start, |e| e + 1);
    value.get(start..end).unwrap_or_default()
}

fn bad_request(message: &'static str) -> HttpResponse {
    plain(400, message)
}

/// `426` names the protocol it requires in `Upgrade`, and a sender of `Upgrade` lists
/// `upgrade` in `Connection` (RFC 9110 §7.8, §15.5.22).
fn upgrade_required() -> HttpResponse {
    let mut r = plain(
        426,
        "Unsupported Sec-WebSocket-Version (this server speaks 13)",
    );
    r.headers = vec![
        ("Content-Type", "text/plain; charset=utf-8".to_owned()),
        ("Connection", "Upgrade, close".to_owned()),
        ("Upgrade", "websocket".to_owned()),
        ("Sec-WebSocket-Version", WS_VERSION.to_owned()),
    ];
    r
}

fn plain(status: u16, message: &'static str) -> HttpResponse {
    let headers = vec![
        ("Content-Type", "text/plain; charset=utf-8".to_owned()),
        ("Connection", "close".to_owned()),
    ];
    HttpResponse {
        status,
        headers,
        body: Bytes::from_static(message.as_bytes()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_key_matches_rfc_6455() {
        // RFC 6455 §1.3.
        assert_eq!(
            accept_key("dGhlIHNhbXBsZSBub25jZQ=="),
            "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        );
    }

    #[test]
    fn tokens_and_trimming() {
        assert!(has_token(b"keep-alive, Upgrade", b"upgrade"));
        assert!(has_token(b" \tUPGRADE\t", b"upgrade"));
        assert!(!has_token(b"upgrades", b"upgrade"));
        assert!(!has_token(b"", b"upgrade"));
        assert_eq!(trim(b"  13 "), b"13");
        assert_eq!(trim(b"   "), b"");
        assert!(key_is_valid(b"dGhlIHNhbXBsZSBub25jZQ=="));
        assert!(!key_is_valid(b"dGhlIHNhbXBsZSBub25jZQ="));
        assert!(!key_is_valid("dGhlIHNhbXBsZSBub25jZ€".as_bytes()));
    }

    #[test]
    fn header_budget() {
        let h: [(&str, &[u8]); 1] = [("Cookie", b"abc")];
        assert_eq!(header_bytes(h), 13);
        assert!(check_header_bytes(h, 13).is_ok());
        assert_eq!(check_header_bytes(h, 12).unwrap_err().status, 431);
    }
}
