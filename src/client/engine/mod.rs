//! The Engine.IO v4 client state machine, sans I/O.
//!
//! [`EngineClient`] performs the handshake (over polling, or over WebSocket only), keeps
//! the long-polling loop going (one GET outstanding, one batched POST in flight at a
//! time, within the server's `maxPayload`), upgrades to WebSocket like the official
//! client (`2probe` → `3probe` → pause polling → `5`), answers pings and watches the
//! heartbeat.
//!
//! It is driven like every core of the crate, through [`Core`](crate::driver::Core):
//! the adapter feeds [`Input`](crate::client::Input)s and drains
//! [`poll_output`](crate::driver::Core::poll_output) until
//! [`Output::Timeout`](crate::driver::Output::Timeout), performing the
//! [`Transmit`](crate::client::Transmit)s and handing the
//! [`EngineEvent`]s to the application. The whole run loop:
//!
//! ```no_run
//! use socketio_proto::client::engine::{EngineClient, EngineConfig, EngineEvent};
//! use socketio_proto::client::{Input, Transmit};
//! use socketio_proto::engineio::Message;
//! use socketio_proto::{Core, Output};
//! use std::time::Instant;
//!
//! # fn wait_for_network(_deadline: Option<Instant>) -> Option<Input> { None }
//! # fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let config = EngineConfig::new("localhost", 3000);
//! let http_origin = config.http_origin(); // prefix of every HttpRequest's uri
//! let ws_origin = config.ws_origin(); // prefix of every WsOpen's uri
//! let mut client = EngineClient::new(Instant::now(), config)?;
//! loop {
//!     // 1. Drain the outputs: events, then transmits, then the next deadline.
//!     let deadline = loop {
//!         match client.poll_output() {
//!             Output::Event(EngineEvent::Opened { sid, .. }) => {
//!                 println!("open {sid}");
//!                 client.send(Message::Text("hello".into()))?;
//!             }
//!             Output::Event(EngineEvent::Message { msg }) => println!("{msg:?}"),
//!             Output::Event(EngineEvent::Closed { reason }) => {
//!                 println!("closed: {reason}");
//!                 return Ok(());
//!             }
//!             Output::Event(_) => {} // Upgraded, UpgradeFailed
//!             Output::Transmit(Transmit::HttpRequest { request, req }) => {
//!                 // Perform `req.method` on http_origin + req.uri; later feed
//!                 // Input::HttpResponse { request, status, body } or HttpFailed.
//!                 let _ = (request, req, &http_origin);
//!             }
//!             Output::Transmit(Transmit::WsOpen { conn, uri }) => {
//!                 // Connect ws_origin + uri; feed WsOpened, then WsMessage per frame,
//!                 // and WsClosed / WsFailed when it ends.
//!                 let _ = (conn, uri, &ws_origin);
//!             }
//!             Output::Transmit(Transmit::WsSend { conn, msg }) => { let _ = (conn, msg); }
//!             Output::Transmit(Transmit::WsClose { conn }) => { let _ = conn; }
//!             Output::Timeout(deadline) => break deadline,
//!         }
//!     };
//!     // 2. Wait for the network or the deadline, and feed what happened.
//!     let input = wait_for_network(deadline).unwrap_or(Input::Timeout);
//!     client.handle_input(Instant::now(), input)?;
//! }
//! # }
//! ```

mod client;
mod config;
mod driving;
mod event;
mod polling;
mod send_queue;
mod websocket;

pub use client::EngineClient;
pub use config::{EngineConfig, Scheme};
pub use event::EngineEvent;
pub use polling::POST_CONTENT_TYPE;
