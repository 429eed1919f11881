//! What a client adapter feeds in and sends out, for every client core
//! ([`EngineClient`](crate::client::engine::EngineClient) and
//! [`Manager`](crate::client::Manager) alike). The mirror of the
//! [server's](super::server) interface.

use crate::engineio::WsMessage;
use crate::transport::{ConnId, HttpRequest, RequestId};
use bytes::Bytes;

/// Something that arrived at the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// The response to a [`Transmit::HttpRequest`].
    HttpResponse {
        /// The request it answers.
        request: RequestId,
        /// The status code.
        status: u16,
        /// The whole body (the adapter stops reading past the core's limit and reports
        /// [`HttpFailed`](Input::HttpFailed) instead).
        body: Bytes,
    },
    /// The request failed without a response (connection refused, reset, TLS error).
    HttpFailed {
        /// The request.
        request: RequestId,
    },
    /// A WebSocket asked for with [`Transmit::WsOpen`] completed its handshake.
    WsOpened {
        /// The connection.
        conn: ConnId,
    },
    /// A message arrived on a WebSocket.
    WsMessage {
        /// The connection.
        conn: ConnId,
        /// The message.
        msg: WsMessage,
    },
    /// The WebSocket closed (a close frame, or the TCP connection ended cleanly).
    WsClosed {
        /// The connection.
        conn: ConnId,
    },
    /// The WebSocket failed (could not connect, a protocol or I/O error).
    WsFailed {
        /// The connection.
        conn: ConnId,
    },
    /// The deadline from [`Output::Timeout`](super::Output::Timeout) passed.
    Timeout,
}

/// Something a client adapter must do on the network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transmit {
    /// Perform an HTTP request against the server's origin; report with
    /// [`Input::HttpResponse`] or [`Input::HttpFailed`].
    HttpRequest {
        /// The core's name for it.
        request: RequestId,
        /// The request (`uri` is path and query).
        req: HttpRequest,
    },
    /// Open a WebSocket to the server's WebSocket origin + `uri`; report with
    /// [`Input::WsOpened`], then [`Input::WsMessage`] per message and
    /// [`Input::WsClosed`] / [`Input::WsFailed`].
    WsOpen {
        /// The core's name for it.
        conn: ConnId,
        /// Path and query, e.g. `/socket.io/?EIO=4&transport=websocket&sid=…`.
        uri: String,
    },
    /// Send one message on an open WebSocket (a shared buffer: send it without copying).
    WsSend {
        /// The connection.
        conn: ConnId,
        /// The message.
        msg: WsMessage,
    },
    /// Close the WebSocket (normal closure). No further inputs are needed for it.
    WsClose {
        /// The connection.
        conn: ConnId,
    },
}
