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
