//! The servers: [`engine`] (Engine.IO v4 alone: [`EngineServer`]) and [`io`] (Socket.IO v5
//! on top: [`io::SocketIoServer`]). Both implement [`driver::Core`](crate::driver::Core)
//! with the same [`Input`] and [`Transmit`], so one adapter drives either:
//!
//! ```
//! use socketio_proto::driver::{Core, Output};
//! use socketio_proto::ids::SequentialIds;
//! use socketio_proto::server::engine::{EngineConfig, EngineEvent, EngineServer};
//! use socketio_proto::server::{HttpRequest, Input, RequestId, Transmit};
//! use std::time::Instant;
//!
//! let mut server = EngineServer::new(EngineConfig::default(), Box::new(SequentialIds::new("s"))).unwrap();
//! let now = Instant::now();
//! let req = HttpRequest::get("/engine.io/?EIO=4&transport=polling");
//! server.handle_input(now, Input::HttpRequest { request: RequestId::new(7), req }).unwrap();
//! assert!(matches!(server.poll_output(), Output::Event(EngineEvent::Opened { .. })));
//! let Output::Transmit(Transmit::HttpResponse { request, response }) = server.poll_output() else {
//!     panic!()
//! };
//! assert_eq!((request, response.status), (RequestId::new(7), 200));
//! assert!(response.body.starts_with(b"0{\"sid\":\"s0000000000000000001\""));
//! let Output::Timeout(Some(_ping_at)) = server.poll_output() else { panic!() };
//! // ... sleep until then, feed `Input::Timeout` ...
//! ```
//!
//! Handshake filtering is a synchronous callback, [`EngineConfig::allow_request`]: it
//! sees every handshake request that passed the protocol checks and answers yes or no
//! (no: `403 {"code":4,"message":"Forbidden"}`).
//!
//! ## Policies
//!
//! - **Handles**: [`RequestId`] and [`ConnId`] are named by the adapter (a new one
//!   whose id is still live is refused with `InputError`; inputs naming an unknown id are
//!   ignored). [`SessionId`]s are allocated by the server and never reused.
//! - **WebSocket upgrades**: `Input::WsUpgrade` is answered `Transmit::WsAccept`
//!   (then the open packet…) or `Transmit::WsReject` with the official JSON error.
//! - **Polling**: one GET is held per session; a second one is answered `400` and closes
//!   the session (`transport error`, the held poll receives `1`). A POST is handled whole
//!   in one call, so POSTs never overlap. Bodies over `max_payload` get `413` (the session
//!   stays); undecodable bodies get `400` and close it (`parse error`). A held poll whose
//!   client goes away (`Input::HttpFailed`) closes the session
//!   (`transport error`), as in the official server.
//! - **Closing**: a client close packet releases the held poll with a noop `6`; any other
//!   close releases it with `1`. [`EngineServer::close_session`] on a polling session with no
//!   poll held keeps the queue (ending with `1`) for the next poll, for at most
//!   `ping_timeout`; the `Closed` event is reported at once.
//! - **Upgrade**: `2probe` → `3probe` and the held poll is released with `6`; while the
//!   upgrade is pending every poll is answered `6` at once and outgoing messages wait;
//!   `5` switches the session to WebSocket and flushes them there. Anything else on the
//!   probing WebSocket, its closing, or `upgrade_timeout` drops that WebSocket only.
//! - **Heartbeat**: the server pings every `ping_interval`; no pong within `ping_timeout`
//!   closes with `ping timeout`. A ping from the client closes with `parse error`.
//! - **Bounds**: sessions (`max_sessions`, then `503`), each session's outgoing queue in
//!   packets and bytes (`max_queued_packets`, `max_queued_bytes`, then
//!   [`SendError::QueueFull`](crate::error::SendError::QueueFull) /
//!   [`SendError::QueueBytesFull`](crate::error::SendError::QueueBytesFull) from `send`;
//!   a session over budget past `over_budget_grace` closes with `slow consumer`),
//!   probing WebSockets (`max_pending_upgrades`), bodies and WebSocket messages
//!   (`max_payload`), request headers (`max_header_bytes`, `431`, checked by the
//!   adapter with [`handshake`]). Held polls are at most one per session, waiting pings
//!   one; nothing else a peer sends is buffered. See the crate's "Limits".
//! - **WebSocket handshakes**: the adapter checks each upgrade request with
//!   [`handshake::check_ws_upgrade`] (RFC 6455: version 13, a 16-byte key, the `Upgrade`
//!   and `Connection` tokens; `400` / `426`) before feeding `Input::WsUpgrade`.
//! - **Broadcast**: a [`TextFrame`] is encoded once; over WebSocket every recipient's
//!   [`Transmit::WsSend`] carries a clone of the same buffer.

mod config;
pub mod engine;
pub mod handshake;
mod id_hasher;
pub mod io;
mod queue;
mod request;
mod session;
pub mod shard;
mod types;

pub use crate::driver::server::{Input, Transmit};
pub use crate::transport::{
    CloseReason, ConnId, DisconnectReason, HttpRequest, HttpResponse, Method, RequestId, SocketId,
    Transport,
};
pub use config::{
    AllowRequest, CorsConfig, EngineConfig, DEFAULT_MAX_HEADER_BYTES, DEFAULT_MAX_QUEUED_BYTES,
};
pub use engine::EngineServer;
pub use request::ErrorCode;
#[doc(hidden)]
pub use request::{error_body, parse_uri, EngineQuery};
pub use types::{EngineEvent, OutMessage, SessionId, TextFrame};
