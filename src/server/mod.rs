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

mod config;
mod engine;
mod polling;
mod request;
mod session;
mod types;
mod ws;

pub use config::{AllowRequest, CorsConfig, EngineConfig};
pub use engine::EngineServer;
pub use request::{error_body, parse_uri, EngineQuery, ErrorCode};
pub use types::{
    CloseReason, ConnId, EngineEvent, HttpRequest, HttpResponse, Method, OutMessage, RequestId,
    SessionId, TextFrame, Transmit, TransportKind,
};
