//! The Engine.IO v4 server state machine.
//!
//! [`EngineServer`] owns every session. The adapter feeds it HTTP requests
//! ([`EngineServer::handle_http_request`]), WebSocket events
//! ([`EngineServer::handle_ws_open`], [`EngineServer::handle_ws_message`],
//! [`EngineServer::handle_ws_closed`]) and timeouts, and drains [`Transmit`]s and
//! [`EngineEvent`]s:
//!
//! ```
//! use socketio_proto::server::{EngineConfig, EngineServer, EngineEvent, HttpRequest, Transmit};
//! use socketio_proto::ids::SequentialIds;
//! use std::time::Instant;
//!
//! let mut server = EngineServer::new(EngineConfig::default(), Box::new(SequentialIds::new("s"))).unwrap();
//! let now = Instant::now();
//! server.handle_http_request(now, HttpRequest::get("/engine.io/?EIO=4&transport=polling"));
//! while let Some(t) = server.poll_transmit() {
//!     if let Transmit::HttpResponse(r) = t {
//!         assert_eq!(r.status, 200);
//!         assert!(r.body.starts_with(b"0{\"sid\":\"s0000000000000000001\""));
//!     }
//! }
//! assert!(matches!(server.poll_event(), Some(EngineEvent::Opened { .. })));
//! // ... sleep until server.poll_timeout(), then server.handle_timeout(now) ...
//! ```
//!
//! Handshake filtering is a synchronous callback, [`EngineConfig::allow_request`]: it
//! sees every handshake request that passed the protocol checks and answers yes or no
//! (no: `403 {"code":4,"message":"Forbidden"}`).
//!
//! ## Policies
//!
//! - **Handles**: [`SessionId`], [`RequestId`] and [`ConnId`] are allocated by the server
//!   (`handle_http_request` and `handle_ws_open` return them) and never reused.
//! - **Polling**: one GET is held per session; a second one is answered `400` and closes
//!   the session (`transport error`, the held poll receives `1`). A POST is handled whole
//!   in one call, so POSTs never overlap. Bodies over `max_payload` get `413` (the session
//!   stays); undecodable bodies get `400` and close it (`parse error`). A held poll whose
//!   client goes away ([`EngineServer::handle_http_aborted`]) closes the session
//!   (`transport error`), as in the official server.
//! - **Closing**: a client close packet releases the held poll with a noop `6`; any other
//!   close releases it with `1`. [`EngineServer::close`] on a polling session with no
//!   poll held keeps the queue (ending with `1`) for the next poll, for at most
//!   `ping_timeout`; the `Closed` event is reported at once.
//! - **Upgrade**: `2probe` → `3probe` and the held poll is released with `6`; while the
//!   upgrade is pending every poll is answered `6` at once and outgoing messages wait;
//!   `5` switches the session to WebSocket and flushes them there. Anything else on the
//!   probing WebSocket, its closing, or `upgrade_timeout` drops that WebSocket only.
//! - **Heartbeat**: the server pings every `ping_interval`; no pong within `ping_timeout`
//!   closes with `ping timeout`. A ping from the client closes with `parse error`.
//! - **Bounds**: sessions (`max_sessions`, then `503`), per-session outgoing queue
//!   (`max_queued_packets`, then [`Error::QueueFull`](crate::Error::QueueFull) from
//!   `send`), probing WebSockets (`max_pending_upgrades`), bodies and WebSocket messages
//!   (`max_payload`). Held polls are at most one per session; nothing else a peer sends
//!   is buffered.
//! - **Broadcast**: a [`TextFrame`] is encoded once; over WebSocket every recipient's
//!   [`Transmit::Ws`] carries a clone of the same buffer.

mod commands;
mod config;
#[path = "engine.rs"]
mod engine_impl;
mod id_hasher;
pub mod io;
mod lifecycle;
mod polling;
mod request;
mod session;
mod timers;
mod types;
mod ws;

pub use crate::driver::server::{Input, Transmit};
pub use crate::transport::{
    CloseReason, ConnId, DisconnectReason, HttpRequest, HttpResponse, Method, RequestId,
    SocketId, Transport,
};
pub use config::{AllowRequest, CorsConfig, EngineConfig};
pub use engine_impl::EngineServer;
#[doc(hidden)]
pub use request::{error_body, parse_uri, EngineQuery};
pub use request::ErrorCode;
pub use types::{EngineEvent, OutMessage, SessionId, TextFrame};

/// The Engine.IO layer alone: [`EngineServer`] and its vocabulary.
pub mod engine {
    pub use super::config::{AllowRequest, CorsConfig, EngineConfig};
    pub use super::engine_impl::EngineServer;
    pub use super::request::ErrorCode;
    pub use super::types::{EngineEvent, OutMessage, SessionId, TextFrame};
}
