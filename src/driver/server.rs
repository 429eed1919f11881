//! What a server adapter feeds in and sends out, for every server core
//! ([`EngineServer`](crate::server::EngineServer) and
//! [`SocketIoServer`](crate::server::io::SocketIoServer) alike).

use crate::engineio::WsMessage;
use crate::transport::{ConnId, HttpRequest, HttpResponse, RequestId};

/// Something that arrived at the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// An HTTP request on the Engine.IO path (handshake, poll, POST, preflight). The
    /// adapter names it; the answer is a [`Transmit::HttpResponse`] with the same id,
    /// now or later (a held long-poll).
    HttpRequest {
        /// The adapter's name for it: not the id of a request still pending.
        request: RequestId,
        /// The request.
        req: HttpRequest,
    },
    /// The request went away before its answer was written (the peer closed the
    /// connection). Ignored for a request already answered.
    HttpFailed {
        /// The request.
        request: RequestId,
    },
    /// A WebSocket upgrade request on the Engine.IO path. The core answers
    /// [`Transmit::WsAccept`] (complete the handshake: `101`, then send what follows for
    /// the connection) or [`Transmit::WsReject`] (write that HTTP response instead).
    WsUpgrade {
        /// The adapter's name for the connection: not the id of one still live.
        conn: ConnId,
        /// The upgrade request (method `GET`).
        req: HttpRequest,
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
    /// The WebSocket failed (a protocol or I/O error, a write deadline missed).
    WsFailed {
        /// The connection.
        conn: ConnId,
    },
    /// Optional: how many bytes of [`Transmit::WsSend`] messages the adapter holds for
    /// this WebSocket and has not written to the socket yet (its hand-off queue and
    /// unflushed buffers), as an absolute figure. An adapter that reports it (when a
    /// write completes, and when the figure grows, e.g. once per drained batch) has the
    /// core apply the session's byte budget over WebSocket too: sends beyond
    /// [`max_queued_bytes`](crate::server::EngineConfig::max_queued_bytes) are refused,
    /// broadcasts skip the session, and a session over budget past
    /// [`over_budget_grace`](crate::server::EngineConfig::over_budget_grace) is closed
    /// (`slow consumer`, [`Transmit::WsClose`]). Never reported, the backlog counts as 0.
    /// Ignored for a connection that is not a session's transport (yet).
    WsBacklog {
        /// The connection.
        conn: ConnId,
        /// Bytes handed over and not yet written.
        bytes: usize,
    },
    /// The deadline from [`Output::Timeout`](super::Output::Timeout) passed.
    Timeout,
}

/// Something a server adapter must send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transmit {
    /// Answer an HTTP request.
    HttpResponse {
        /// The request it answers.
        request: RequestId,
        /// The response.
        response: HttpResponse,
    },
    /// Complete a WebSocket upgrade (`101 Switching Protocols`); `WsSend`s for the
    /// connection may follow at once.
    WsAccept {
        /// The connection.
        conn: ConnId,
    },
    /// Refuse a WebSocket upgrade with this HTTP response.
    WsReject {
        /// The connection.
        conn: ConnId,
        /// The response to write instead of `101`.
        response: HttpResponse,
    },
    /// Send one message on a WebSocket.
    WsSend {
        /// The connection.
        conn: ConnId,
        /// The message (a shared buffer: send it without copying).
        msg: WsMessage,
    },
    /// Close a WebSocket (normal closure), even if a write is pending. The core has
    /// forgotten it; later inputs for it are ignored.
    WsClose {
        /// The connection.
        conn: ConnId,
    },
}
