//! [`EngineConfig`]: every knob of the Engine.IO server, with the official defaults.

use super::types::HttpRequest;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// Default of [`EngineConfig::max_queued_bytes`]: 1 MiB.
pub const DEFAULT_MAX_QUEUED_BYTES: usize = 1 << 20;

/// Default of [`EngineConfig::max_header_bytes`]: 16 KiB, Node's default header limit.
pub const DEFAULT_MAX_HEADER_BYTES: usize = 16 * 1024;

/// The application's verdict on a handshake request (see [`EngineConfig::allow_request`]).
pub type AllowRequest = Arc<dyn Fn(&HttpRequest) -> bool + Send + Sync>;

/// CORS headers to add to polling responses, and how to answer `OPTIONS` preflights.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CorsConfig {
    /// Allowed origins. Empty means any origin: `Access-Control-Allow-Origin: *`, or the
    /// request's origin echoed back when `credentials` is set. Otherwise a request whose
    /// `Origin` is in the list gets it echoed back; other origins get no CORS headers.
    pub origins: Vec<String>,
    /// Send `Access-Control-Allow-Credentials: true`.
    pub credentials: bool,
}

/// Configuration of an [`EngineServer`](super::EngineServer).
#[derive(Clone)]
pub struct EngineConfig {
    /// The path the server answers on, with a trailing slash (default `/engine.io/`;
    /// Socket.IO uses `/socket.io/`). A request for the path without its trailing slash
    /// is accepted too.
    pub path: String,
    /// Time between server pings (default 25 s).
    pub ping_interval: Duration,
    /// Time to wait for a pong after a ping (default 20 s).
    pub ping_timeout: Duration,
    /// Largest POST body / WebSocket message accepted, and the budget of one polling
    /// response (default 1 000 000 bytes). Announced in the handshake.
    pub max_payload: usize,
    /// How long an upgrade may take from the WebSocket opening to the client's upgrade
    /// packet (default 10 s); after it the WebSocket is closed and polling goes on.
    pub upgrade_timeout: Duration,
    /// Whether polling sessions are offered the WebSocket upgrade (default true).
    pub allow_upgrades: bool,
    /// Most live sessions (default 100 000). A handshake beyond it is answered `503`
    /// with the JSON body `{"code":3,"message":"Bad request"}` (WebSocket: closed).
    pub max_sessions: usize,
    /// Most packets waiting in one session's outgoing queue (default 10 000). When full,
    /// [`send`](super::EngineServer::send) returns [`SendError::QueueFull`](crate::error::SendError::QueueFull)
    /// and queues nothing; the session is then *over budget* (see
    /// [`over_budget_grace`](Self::over_budget_grace)).
    pub max_queued_packets: usize,
    /// Most bytes held for one session (default 1 MiB, 1 048 576): the messages in its
    /// outgoing queue (a polling session between polls, or one in the middle of an
    /// upgrade) plus, over WebSocket, the backlog its adapter reports with
    /// [`Input::WsBacklog`](crate::driver::server::Input::WsBacklog). A message counts
    /// the bytes it holds ([`OutMessage::held_len`](super::OutMessage::held_len)); a frame
    /// shared by a broadcast counts in full for each recipient.
    ///
    /// Policy: a message that does not fit is refused whole,
    /// [`SendError::QueueBytesFull`](crate::error::SendError::QueueBytesFull) (a
    /// broadcast skips that recipient and reports it), and the session is over budget.
    /// Control packets (open, ping, close) always go in; at most one ping waits at a time.
    ///
    /// It must be at least `max_payload`, so that one message of the largest size always
    /// fits an empty queue. The default holds one full polling response (`max_payload`,
    /// 1 MB) and a little more: a client that keeps polling empties it with every poll,
    /// and one that does not costs at most this much until the grace period ends.
    pub max_queued_bytes: usize,
    /// How long a session may stay over budget (default 20 s, the default
    /// `ping_timeout`). A session is over budget from the first message refused for lack
    /// of room (or from an adapter backlog report beyond `max_queued_bytes`) until its
    /// queue and backlog are back to at most half of both limits (a poll that takes the
    /// queue does that). Past the grace period the session is closed with
    /// [`CloseReason::SlowConsumer`](crate::transport::CloseReason::SlowConsumer):
    /// a client that never polls, or a WebSocket reader that stopped reading, is
    /// released instead of holding its queue.
    pub over_budget_grace: Duration,
    /// Most WebSocket connections still negotiating an upgrade, across the server
    /// (default 10 000). Beyond it a new upgrade WebSocket is closed at once.
    pub max_pending_upgrades: usize,
    /// The header budget of one request (default 16 KiB, 16 384 bytes, as Node's
    /// `--max-http-header-size`): the adapter counts the request line and headers as they
    /// arrive (see [`handshake::header_bytes`](crate::server::handshake::header_bytes)) and
    /// answers [`handshake::header_too_large`](crate::server::handshake::header_too_large)
    /// (`431 Request Header Fields Too Large`) past it, before the core sees the request.
    pub max_header_bytes: usize,
    /// CORS, off by default.
    pub cors: Option<CorsConfig>,
    /// Called with every handshake request (polling and WebSocket) that passed the
    /// protocol checks; `false` refuses it with `403 {"code":4,"message":"Forbidden"}`.
    /// `None` (the default) accepts all. It must be quick and must not block: it runs
    /// inside `handle_http_request` / `handle_ws_open` / `check_ws_request`.
    pub allow_request: Option<AllowRequest>,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            path: "/engine.io/".into(),
            ping_interval: Duration::from_millis(25_000),
            ping_timeout: Duration::from_millis(20_000),
            max_payload: 1_000_000,
            upgrade_timeout: Duration::from_millis(10_000),
            allow_upgrades: true,
            max_sessions: 100_000,
            max_queued_packets: 10_000,
            max_queued_bytes: DEFAULT_MAX_QUEUED_BYTES,
            over_budget_grace: Duration::from_secs(20),
            max_header_bytes: DEFAULT_MAX_HEADER_BYTES,
            max_pending_upgrades: 10_000,
            cors: None,
            allow_request: None,
        }
    }
}

impl fmt::Debug for EngineConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EngineConfig")
            .field("path", &self.path)
            .field("ping_interval", &self.ping_interval)
            .field("ping_timeout", &self.ping_timeout)
            .field("max_payload", &self.max_payload)
            .field("upgrade_timeout", &self.upgrade_timeout)
            .field("allow_upgrades", &self.allow_upgrades)
            .field("max_sessions", &self.max_sessions)
            .field("max_queued_packets", &self.max_queued_packets)
            .field("max_queued_bytes", &self.max_queued_bytes)
            .field("over_budget_grace", &self.over_budget_grace)
            .field("max_header_bytes", &self.max_header_bytes)
            .field("max_pending_upgrades", &self.max_pending_upgrades)
            .field("cors", &self.cors)
            .field("allow_request", &self.allow_request.is_some())
            .finish()
    }
}

impl EngineConfig {
    /// Checks the values are usable.
    pub fn validate(&self) -> Result<(), crate::error::ConfigError> {
        if !self.path.starts_with('/') {
            return Err(crate::error::ConfigError("path must start with '/'"));
        }
        if self.ping_interval.is_zero() || self.ping_timeout.is_zero() {
            return Err(crate::error::ConfigError(
                "ping_interval and ping_timeout must be non-zero",
            ));
        }
        if self.max_payload == 0 || self.max_queued_packets == 0 {
            return Err(crate::error::ConfigError(
                "max_payload and max_queued_packets must be non-zero",
            ));
        }
        if self.max_queued_bytes < self.max_payload {
            return Err(crate::error::ConfigError(
                "max_queued_bytes must be at least max_payload",
            ));
        }
        Ok(())
    }

    /// Sets the path (builder style).
    pub fn with_path(mut self, path: impl Into<String>) -> Self {
        self.path = path.into();
        self
    }

    /// Sets the handshake filter (builder style).
    pub fn with_allow_request(
        mut self,
        f: impl Fn(&HttpRequest) -> bool + Send + Sync + 'static,
    ) -> Self {
        self.allow_request = Some(Arc::new(f));
        self
    }
}
