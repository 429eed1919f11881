//! # socketio-proto
//!
//! A sans-I/O implementation of the Socket.IO protocol stack, **Engine.IO v4** and
//! **Socket.IO v5**, server and client, byte-exact with the official Node.js `socket.io`
//! server and `socket.io-client`.
//!
//! The core never touches a socket, a clock or a runtime. Every core implements one
//! interface, [`driver::Core`]: the adapter feeds what arrived with
//! `handle_input(now, Input)` and drains `poll_output()` until it says
//! `Output::Timeout(deadline)`. The run loop of a server adapter, in full:
//!
//! ```
//! use socketio_proto::driver::{Core, Output};
//! use socketio_proto::ids::SequentialIds;
//! use socketio_proto::server::io::{IoConfig, IoEvent, SocketIoServer};
//! use socketio_proto::server::{HttpRequest, Input, RequestId, Transmit};
//! use std::time::{Duration, Instant};
//!
//! let ids = || Box::new(SequentialIds::new("id"));
//! let mut io = SocketIoServer::new(IoConfig::default(), ids(), ids()).unwrap();
//! let mut now = Instant::now();
//! // An input arrives (here: the handshake GET of a polling client). The adapter names
//! // each request and connection itself (a counter will do).
//! let req = HttpRequest::get("/socket.io/?EIO=4&transport=polling");
//! io.handle_input(now, Input::HttpRequest { request: RequestId::new(1), req }).unwrap();
//! loop {
//!     // Drain after every input and command: events first (the application's answers
//!     // join the same batch), then what to send, then the deadline.
//!     let wake = loop {
//!         match io.poll_output() {
//!             Output::Event(IoEvent::ConnectRequest { request, .. }) => {
//!                 let _ = io.accept(request);
//!             }
//!             Output::Event(IoEvent::Event { socket, event, args, .. }) if event == "ping" => {
//!                 io.emit(socket, "pong", &args.to_values().unwrap_or_default()).unwrap();
//!             }
//!             Output::Event(_) => {}
//!             Output::Transmit(Transmit::HttpResponse { response, .. }) => {
//!                 assert_eq!(response.status, 200) // write it
//!             }
//!             Output::Transmit(_) => {} // WsAccept / WsReject / WsSend / WsClose
//!             Output::Timeout(at) => break at,
//!         }
//!     };
//!     // Sleep until the next input or `wake`; here: pretend the timer fired.
//!     let Some(wake) = wake else { break };
//!     now = wake.max(now + Duration::from_millis(1));
//!     io.handle_input(now, Input::Timeout).unwrap();
//!     if io.engine().session_count() == 0 {
//!         break; // the client never polled again: the heartbeat closed its session
//!     }
//! }
//! ```
//!
//! ## Modules
//!
//! - [`engineio`]: Engine.IO v4 wire format (packets, polling payloads, the handshake).
//! - [`socketio`]: Socket.IO v5 wire format (packets, binary attachments, [`socketio::Args`]
//!   deserializable into any `serde::Deserialize`, [`socketio::Value`] with binary).
//! - [`server`]: the Engine.IO server ([`server::EngineServer`]: polling, WebSocket,
//!   upgrade, heartbeat, every error response) and the Socket.IO server
//!   ([`server::io::SocketIoServer`]: namespaces, auth, events, acks, rooms, broadcast);
//!   [`server::shard`]: how a server uses more than one core (one core per thread, sids
//!   that name their shard, broadcasts across shards through the cluster seam).
//! - [`client`]: the Engine.IO client ([`client::engine::EngineClient`]) and the Socket.IO
//!   [`client::Manager`] (reconnection with back-off, namespaces multiplexed on one
//!   connection, buffering while offline, acks).
//! - [`time`], [`ids`]: injected time and randomness, so tests run in virtual time.
//!
//! Errors are split by who caused them: peer input never makes `handle_input` fail
//! (it becomes the response the protocol requires and an event with the reason); local
//! misuse returns the operation's own error type (see [`error`]); decoders return
//! [`DecodeError`].
//!
//! ## Limits
//!
//! Every queue a peer can grow is bounded in count and in bytes. Each limit is a field of
//! a configuration (the link), with its default and its policy:
//!
//! | Limit | Default | Beyond it |
//! | --- | --- | --- |
//! | **Engine.IO server** ([`server::EngineConfig`]) | | |
//! | [`max_sessions`](server::EngineConfig::max_sessions) | 100 000 | a handshake gets `503` |
//! | [`max_payload`](server::EngineConfig::max_payload) | 1 000 000 B | a POST gets `413`; a WebSocket message closes the session (`transport error`) |
//! | [`max_queued_packets`](server::EngineConfig::max_queued_packets) | 10 000 | `send` refused ([`SendError::QueueFull`](error::SendError::QueueFull)); the session is over budget |
//! | [`max_queued_bytes`](server::EngineConfig::max_queued_bytes) | 1 MiB | `send` refused ([`SendError::QueueBytesFull`](error::SendError::QueueBytesFull)); the session is over budget |
//! | [`over_budget_grace`](server::EngineConfig::over_budget_grace) | 20 s | a session over budget that long is closed ([`CloseReason::SlowConsumer`](transport::CloseReason::SlowConsumer)) |
//! | [`max_pending_upgrades`](server::EngineConfig::max_pending_upgrades) | 10 000 | a new upgrade WebSocket is closed at once |
//! | [`max_header_bytes`](server::EngineConfig::max_header_bytes) | 16 KiB | the adapter answers `431` ([`server::handshake::check_header_bytes`]) |
//! | held polls, waiting pings | 1 each per session | a second poll gets `400` and closes the session; a second ping is not queued |
//! | **Socket.IO server** ([`server::io::IoConfig`]) | | |
//! | [`max_attachments`](server::io::IoConfig::max_attachments) | 10 per packet | the session closes (`parse error`) |
//! | [`max_attachment_bytes`](server::io::IoConfig::max_attachment_bytes) | 1 000 000 B per packet | the session closes (`parse error`) |
//! | [`max_namespaces`](server::io::IoConfig::max_namespaces) | 1024 | a CONNECT to a new namespace gets `Invalid namespace` |
//! | [`max_namespaces_per_session`](server::io::IoConfig::max_namespaces_per_session) | 64 | a CONNECT gets `Too many namespaces` |
//! | [`max_ack_requests`](server::io::IoConfig::max_ack_requests) | 1024 per socket | the oldest is forgotten |
//! | [`max_pending_acks`](server::io::IoConfig::max_pending_acks) | 1024 per socket | `emit_with_ack` refused |
//! | [`connect_timeout`](server::io::IoConfig::connect_timeout) | 45 s | a session with no namespace is closed |
//! | broadcast recipients over budget | | skipped, reported in [`IoEvent::BroadcastSkipped`](server::io::IoEvent::BroadcastSkipped) |
//! | **Engine.IO client** ([`client::engine::EngineConfig`]) | | |
//! | [`max_queued_packets`](client::engine::EngineConfig::max_queued_packets) | 1024 | `send` refused (`QueueFull`) |
//! | [`max_queued_bytes`](client::engine::EngineConfig::max_queued_bytes) | 1 MiB | `send` refused (`QueueBytesFull`); an empty queue takes one message |
//! | [`max_incoming_payload`](client::engine::EngineConfig::max_incoming_payload) | 100 MB | the connection closes (`parse error`) |
//! | **Socket.IO client** ([`client::io::ManagerConfig`]) | | |
//! | [`max_buffered_packets`](client::io::ManagerConfig::max_buffered_packets) | 1024 per socket | `emit` refused while offline (`QueueFull`) |
//! | [`max_buffered_bytes`](client::io::ManagerConfig::max_buffered_bytes) | 1 MiB per socket | `emit` refused while offline (`QueueBytesFull`); an empty buffer takes one packet |
//! | [`max_pending_acks`](client::io::ManagerConfig::max_pending_acks) | 1024 per socket | `emit_with_ack` refused |
//! | [`max_attachments`](client::io::ManagerConfig::max_attachments) | 10 per packet | the connection closes (`parse error`) |
//! | [`max_attachment_bytes`](client::io::ManagerConfig::max_attachment_bytes) | 100 MB per packet | the connection closes (`parse error`) |
//! | **Decoders** | | |
//! | JSON nesting ([`socketio::MAX_DEPTH`]) | 128 | the packet is refused (`parse error`) |
//!
//! A session *over budget* is one that had a message refused for lack of room; it stays
//! so until its queue (and the WebSocket backlog its adapter reports with
//! [`Input::WsBacklog`](driver::server::Input::WsBacklog)) is back to half of both
//! limits. So a slow or dead reader costs the server core at most `max_queued_bytes`
//! (plus its control packets and a partial binary packet within
//! `max_attachment_bytes`) for at most `over_budget_grace`, or until the heartbeat ends
//! it. WebSocket handshakes are checked strictly by [`server::handshake::check_ws_upgrade`]
//! (`Sec-WebSocket-Version: 13`, a 16-byte key, the `Upgrade` and `Connection` tokens),
//! which server adapters call (the adapters' HTTP libraries check the request line and
//! header syntax).
//!
//! Adapters are in the repository's `examples/`: a server and a client each for tokio,
//! async-std / smol (one adapter on the layer both share) and a blocking readiness loop
//! (mio, no runtime), all on one shared demo application, plus a browser chat.
#![deny(missing_docs)]
#![forbid(unsafe_op_in_unsafe_fn)]

pub mod client;
pub mod driver;
pub mod engineio;
pub mod error;
pub mod ids;
pub mod server;
pub mod socketio;
pub mod time;
pub mod transport;
pub mod utf8;

pub use driver::{Core, InputError, Output};
pub use error::DecodeError;
pub use utf8::Utf8Bytes;
