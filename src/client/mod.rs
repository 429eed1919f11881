//! The client side: state machines that talk to a Socket.IO server.
//!
//! - [`engine`]: the Engine.IO v4 client ([`EngineClient`](engine::EngineClient):
//!   handshake, polling loop, WebSocket upgrade, heartbeat watch).
//! - [`io`]: the Socket.IO v5 client ([`Manager`], the JS client's
//!   `Manager` and its sockets): namespaces multiplexed on one Engine.IO connection,
//!   reconnection with exponential back-off ([`backoff`]), send buffer while offline,
//!   acknowledgements both ways.
//!
//! Both are driven the same way, through [`Core`](crate::driver::Core) with the
//! client's [`Input`] and [`Transmit`]: an adapter written for one drives the other.
//! Only the event type differs ([`engine::EngineEvent`], [`io::IoEvent`]). The whole run
//! loop of a Socket.IO client:
//!
//! ```no_run
//! use socketio_proto::client::io::{IoEvent, Manager, ManagerConfig};
//! use socketio_proto::client::{Input, Transmit};
//! use socketio_proto::ids::SeededRandom;
//! use socketio_proto::{Core, Output};
//! use std::time::{Duration, Instant};
//!
//! # fn wait_for_network(_deadline: Option<Instant>) -> Option<Input> { None }
//! # fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let config = ManagerConfig::new("localhost", 3000);
//! let (http_origin, ws_origin) = (config.engine.http_origin(), config.engine.ws_origin());
//! let mut io = Manager::new(config, Box::new(SeededRandom::new(1)))?;
//! let chat = io.socket("/chat", Some(serde_json::json!({ "token": "t" })))?;
//! io.connect(Instant::now(), chat)?;
//! io.emit(chat, "hello", &("world",))?; // buffered until the socket is connected
//! loop {
//!     // 1. Drain the outputs: events, then transmits, then the next deadline.
//!     let deadline = loop {
//!         match io.poll_output() {
//!             Output::Event(IoEvent::Connected { socket, sid }) => {
//!                 println!("{socket} connected as {sid}");
//!                 let timeout = Some(Duration::from_secs(5));
//!                 io.emit_with_ack(Instant::now(), socket, "ping", &(), timeout)?;
//!             }
//!             Output::Event(IoEvent::Event { event, args, ack, .. }) => {
//!                 println!("{event}: {:?}", args.deserialize::<(String,)>());
//!                 if let Some(request) = ack {
//!                     io.ack(request, &("got it",))?; // consumes the token
//!                 }
//!             }
//!             Output::Event(IoEvent::AckReceived { id, args, .. }) => {
//!                 println!("ack {id}: {args:?}");
//!             }
//!             Output::Event(other) => println!("{other:?}"),
//!             Output::Transmit(Transmit::HttpRequest { request, req }) => {
//!                 // Perform it on http_origin + req.uri; later feed
//!                 // Input::HttpResponse { request, status, body } or HttpFailed.
//!                 let _ = (request, req, &http_origin);
//!             }
//!             Output::Transmit(Transmit::WsOpen { conn, uri }) => {
//!                 // Connect ws_origin + uri; feed WsOpened, WsMessage per frame,
//!                 // then WsClosed / WsFailed.
//!                 let _ = (conn, uri, &ws_origin);
//!             }
//!             Output::Transmit(Transmit::WsSend { conn, msg }) => { let _ = (conn, msg); }
//!             Output::Transmit(Transmit::WsClose { conn }) => { let _ = conn; }
//!             Output::Timeout(deadline) => break deadline,
//!         }
//!     };
//!     // 2. Wait for the network or the deadline, and feed what happened.
//!     let input = wait_for_network(deadline).unwrap_or(Input::Timeout);
//!     io.handle_input(Instant::now(), input)?;
//! }
//! # }
//! ```

pub mod backoff;
pub mod engine;
pub mod io;

pub use crate::driver::client::{Input, Transmit};
pub use crate::transport::{
    AckRequest, CloseReason, ConnId, DisconnectReason, HttpRequest, Method, RequestId, SocketId,
    Transport,
};
pub use io::Manager;
