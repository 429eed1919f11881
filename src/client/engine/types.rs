//! The values the Engine.IO client hands to its adapter (transmits, events) and the
//! handles the adapter uses to report back.

use crate::engineio::{Handshake, Message, WsMessage};
use bytes::Bytes;
use std::fmt;

/// Names one HTTP request the client asked for. The adapter passes it back to
/// [`handle_http_response`](super::EngineClient::handle_http_response) or
/// [`handle_http_error`](super::EngineClient::handle_http_error).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RequestId(pub u64);

/// Names one WebSocket connection the client asked for (the probe during an upgrade, or
/// the transport itself).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct WsId(pub u64);

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "req{}", self.0)
    }
}

impl fmt::Display for WsId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ws{}", self.0)
    }
}

/// HTTP method of a polling request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HttpMethod {
    /// A long-polling read (and the handshake).
    Get,
    /// A polling write carrying a payload.
    Post,
}

impl HttpMethod {
    /// `"GET"` or `"POST"`.
    pub fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
        }
    }
}

/// An HTTP request the adapter must perform against the server's origin
/// ([`EngineClientConfig::http_origin`](super::EngineClientConfig::http_origin)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// Pass it back with the response or the failure.
    pub id: RequestId,
    /// GET (poll / handshake) or POST (write).
    pub method: HttpMethod,
    /// For example `/engine.io/?EIO=4&transport=polling&sid=abc&t=2`.
    pub path_and_query: String,
    /// The request body (empty for GET).
    pub body: Bytes,
    /// The `Content-Type` header to send, if any (`text/plain;charset=UTF-8` for POST).
    pub content_type: Option<&'static str>,
}

/// Something the adapter must do on the network, drained with
/// [`poll_transmit`](super::EngineClient::poll_transmit).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientTransmit {
    /// Perform an HTTP request; report with `handle_http_response` / `handle_http_error`.
    HttpRequest(HttpRequest),
    /// Open a WebSocket to `ws_origin + path_and_query`; report with `handle_ws_opened`,
    /// then `handle_ws_message` per frame and `handle_ws_closed` / `handle_ws_error`.
    OpenWs {
        /// The connection's handle.
        id: WsId,
        /// For example `/engine.io/?EIO=4&transport=websocket&sid=abc`.
        path_and_query: String,
    },
    /// Send one frame on an open WebSocket.
    WsSend {
        /// The connection.
        id: WsId,
        /// A text frame (an Engine.IO packet) or a binary frame (a binary message).
        msg: WsMessage,
    },
    /// Close the WebSocket (normal closure). No further reports are needed for it.
    CloseWs {
        /// The connection.
        id: WsId,
    },
}

/// Why the connection ended. The strings mirror the official JS client's close reasons.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CloseReason {
    /// The server closed the connection: a close packet, the WebSocket closed.
    TransportClose,
    /// A network failure, an HTTP error status, or a request timeout.
    TransportError,
    /// No ping from the server within `pingInterval + pingTimeout`.
    PingTimeout,
    /// The server sent data that does not follow the protocol.
    ParseError,
    /// The application called [`close`](super::EngineClient::close).
    ForcedClose,
}

impl CloseReason {
    /// The JS client's reason string: `"transport close"`, `"transport error"`,
    /// `"ping timeout"`, `"parse error"` or `"forced close"`.
    pub fn as_str(self) -> &'static str {
        match self {
            CloseReason::TransportClose => "transport close",
            CloseReason::TransportError => "transport error",
            CloseReason::PingTimeout => "ping timeout",
            CloseReason::ParseError => "parse error",
            CloseReason::ForcedClose => "forced close",
        }
    }
}

impl fmt::Display for CloseReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What happened, drained with [`poll_event`](super::EngineClient::poll_event).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientEngineEvent {
    /// The handshake completed.
    Open {
        /// The session id the server assigned.
        sid: String,
        /// The whole open packet (ping interval and timeout, upgrades, maxPayload).
        handshake: Handshake,
    },
    /// A message from the server.
    Message(Message),
    /// The connection moved from polling to WebSocket.
    Upgraded,
    /// The WebSocket probe failed; the connection stays on polling.
    UpgradeFailed,
    /// The connection is over; the client is finished and yields nothing more.
    Closed {
        /// Why.
        reason: CloseReason,
    },
}
