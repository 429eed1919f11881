//! Configuration of the Engine.IO client, and the URLs it builds.

use crate::engineio::ProtocolVersion;
use crate::error::ConfigError;
use crate::transport::Transport;
use std::time::Duration;

/// The Engine.IO revision the client speaks (only v4 behaviour exists).
pub(crate) const VERSION: ProtocolVersion = ProtocolVersion::V4;

/// `http` or `https` (the WebSocket scheme follows: `ws` / `wss`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Scheme {
    /// Plain text.
    #[default]
    Http,
    /// TLS.
    Https,
}

/// Settings of an [`EngineClient`](super::EngineClient). Build with
/// [`EngineConfig::new`] and adjust the public fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineConfig {
    /// `http` or `https`.
    pub scheme: Scheme,
    /// Server host name or address.
    pub host: String,
    /// Server port; `None` means the scheme's default.
    pub port: Option<u16>,
    /// Engine.IO path; default `/engine.io/` (Socket.IO uses `/socket.io/`). A missing
    /// leading or trailing `/` is added.
    pub path: String,
    /// Extra query pairs, sent first on every request (percent-encoded by the client).
    pub query: Vec<(String, String)>,
    /// Transports in order of preference, like the JS option. The first is used for the
    /// handshake; `[Polling, WebSocket]` (the default) handshakes over polling and then
    /// upgrades; `[WebSocket]` connects over WebSocket only; `[Polling]` never upgrades.
    pub transports: Vec<Transport>,
    /// Whether to try the WebSocket upgrade after a polling handshake (default true).
    pub upgrade: bool,
    /// Add `t=<counter>` to polling requests to defeat caches (default true, as the JS
    /// client's `timestampRequests`).
    pub timestamp_requests: bool,
    /// Fail a request (HTTP request, or a WebSocket that has not opened or not sent the
    /// open packet) after this long: "transport error", or a failed upgrade for the
    /// probe. `None` (the default) waits forever. Must exceed `pingInterval` for the
    /// long-polling GET.
    pub request_timeout: Option<Duration>,
    /// Packets the application may queue while they cannot be sent (before the open,
    /// while a POST is in flight, during the upgrade); `send` beyond it returns
    /// [`SendError::QueueFull`](crate::error::SendError::QueueFull). Default 1024.
    pub max_queued_packets: usize,
    /// Bytes those waiting messages may hold together; a `send` that does not fit
    /// returns [`SendError::QueueBytesFull`](crate::error::SendError::QueueBytesFull)
    /// and queues nothing. An empty queue takes one message whatever its size (it is the
    /// application's own, and the server's `maxPayload` bounds it). Default 1 MiB
    /// (1 048 576): one full POST body (the default `maxPayload`) waiting behind the one
    /// in flight.
    pub max_queued_bytes: usize,
    /// Largest polling response body or WebSocket frame accepted from the server, in
    /// bytes; beyond it the connection closes with "parse error". Default 100 MB.
    pub max_incoming_payload: usize,
}

impl EngineConfig {
    /// Defaults for `http://host:port/engine.io/`.
    pub fn new(host: impl Into<String>, port: u16) -> Self {
        EngineConfig {
            scheme: Scheme::Http,
            host: host.into(),
            port: Some(port),
            path: "/engine.io/".into(),
            query: Vec::new(),
            transports: vec![Transport::Polling, Transport::WebSocket],
            upgrade: true,
            timestamp_requests: true,
            request_timeout: None,
            max_queued_packets: 1024,
            max_queued_bytes: 1 << 20,
            max_incoming_payload: 100_000_000,
        }
    }

    /// `http://host:port` (or `https`), the origin for [`Transmit::HttpRequest`](crate::driver::client::Transmit::HttpRequest)s.
    pub fn http_origin(&self) -> String {
        self.origin(match self.scheme {
            Scheme::Http => "http",
            Scheme::Https => "https",
        })
    }

    /// `ws://host:port` (or `wss`), the origin for [`Transmit::WsOpen`](crate::driver::client::Transmit::WsOpen)s.
    pub fn ws_origin(&self) -> String {
        self.origin(match self.scheme {
            Scheme::Http => "ws",
            Scheme::Https => "wss",
        })
    }

    fn origin(&self, scheme: &str) -> String {
        let host = if self.host.contains(':') && !self.host.starts_with('[') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        match self.port {
            Some(port) => format!("{scheme}://{host}:{port}"),
            None => format!("{scheme}://{host}"),
        }
    }

    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        if self.transports.is_empty() {
            return Err(ConfigError("transports must not be empty"));
        }
        if self.max_queued_packets == 0 {
            return Err(ConfigError("max_queued_packets must be at least 1"));
        }
        if self.max_incoming_payload == 0 {
            return Err(ConfigError("max_incoming_payload must be at least 1"));
        }
        Ok(())
    }

    /// `/path/?<query>&EIO=4&transport=<t>[&sid=<sid>][&t=<stamp>]`.
    pub(crate) fn path_and_query(
        &self,
        transport: Transport,
        sid: Option<&str>,
        stamp: Option<u64>,
    ) -> String {
        let mut out = String::with_capacity(64);
        if !self.path.starts_with('/') {
            out.push('/');
        }
        out.push_str(&self.path);
        if !out.ends_with('/') {
            out.push('/');
        }
        out.push('?');
        for (k, v) in &self.query {
            encode_component(k, &mut out);
            out.push('=');
            encode_component(v, &mut out);
            out.push('&');
        }
        out.push_str("EIO=");
        out.push_str(VERSION.as_str());
        out.push_str("&transport=");
        out.push_str(transport.as_str());
        if let Some(sid) = sid {
            out.push_str("&sid=");
            encode_component(sid, &mut out);
        }
        if let Some(t) = stamp {
            out.push_str("&t=");
            out.push_str(&t.to_string());
        }
        out
    }
}

/// Percent-encodes like JavaScript's `encodeURIComponent`.
fn encode_component(s: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in s.as_bytes() {
        let keep = b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'-' | b'_' | b'.' | b'!' | b'~' | b'*' | b'\'' | b'(' | b')'
            );
        if keep {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(HEX[usize::from(b >> 4)] as char);
            out.push(HEX[usize::from(b & 15)] as char);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_urls_like_the_js_client() {
        let mut c = EngineConfig::new("localhost", 3000);
        c.path = "/socket.io".into();
        c.query = vec![("token".into(), "a b&c".into())];
        assert_eq!(
            c.path_and_query(Transport::Polling, Some("s1"), Some(7)),
            "/socket.io/?token=a%20b%26c&EIO=4&transport=polling&sid=s1&t=7"
        );
        assert_eq!(
            c.path_and_query(Transport::WebSocket, None, None),
            "/socket.io/?token=a%20b%26c&EIO=4&transport=websocket"
        );
        assert_eq!(c.http_origin(), "http://localhost:3000");
        c.scheme = Scheme::Https;
        c.host = "::1".into();
        c.port = None;
        assert_eq!(c.ws_origin(), "wss://[::1]");
    }

    #[test]
    fn rejects_empty_transports() {
        let mut c = EngineConfig::new("h", 1);
        assert!(c.validate().is_ok());
        c.transports.clear();
        assert!(matches!(c.validate(), Err(ConfigError(_))));
    }
}
