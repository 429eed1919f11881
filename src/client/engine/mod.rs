//! The Engine.IO v4 client state machine, sans I/O.
//!
//! [`EngineClient`] performs the handshake (over polling, or over WebSocket only), keeps
//! the long-polling loop going (one GET outstanding, one batched POST in flight at a
//! time, within the server's `maxPayload`), upgrades to WebSocket like the official
//! client (`2probe` → `3probe` → pause polling → `5`), answers pings and watches the
//! heartbeat.
//!
//! ```no_run
//! use socketio_proto::client::engine::{ClientTransmit, EngineClient, EngineClientConfig};
//! use std::time::Instant;
//!
//! let mut client = EngineClient::new(Instant::now(), EngineClientConfig::new("localhost", 3000))?;
//! while let Some(t) = client.poll_transmit() {
//!     match t {
//!         ClientTransmit::HttpRequest(req) => { /* perform it; later handle_http_response */ }
//!         ClientTransmit::OpenWs { id, path_and_query } => { /* connect ws_origin + path */ }
//!         ClientTransmit::WsSend { id, msg } => { /* send the frame */ }
//!         ClientTransmit::CloseWs { id } => { /* close it */ }
//!     }
//! }
//! while let Some(event) = client.poll_event() { /* Open, Message, Upgraded, Closed… */ }
//! // sleep until client.poll_timeout(), then client.handle_timeout(now)
//! # Ok::<(), socketio_proto::Error>(())
//! ```

mod client;
mod config;
mod polling;
mod types;
mod websocket;

pub use client::EngineClient;
pub use config::{EngineClientConfig, Scheme, Transport};
pub use polling::POST_CONTENT_TYPE;
pub use types::{
    ClientEngineEvent, ClientTransmit, CloseReason, HttpMethod, HttpRequest, RequestId, WsId,
};
