//! The Socket.IO v5 client: the [`Manager`] (the JS client's `Manager` and its
//! sockets), driven through [`Core`](crate::driver::Core) like every core of the crate.
//!
//! One [`Manager`] owns one Engine.IO connection
//! ([`EngineClient`](crate::client::engine::EngineClient)) and multiplexes namespace
//! sockets ([`SocketId`](crate::transport::SocketId)) on it. It reconnects with
//! exponential back-off when the connection is lost, buffers what sockets emit while
//! offline, and keeps the acknowledgements both ways. The run loop is the same as the
//! Engine.IO client's, with [`IoEvent`]s (see the [`client`](crate::client) module docs
//! for the whole loop):
//!
//! ```no_run
//! use socketio_proto::client::io::{IoEvent, Manager, ManagerConfig};
//! use socketio_proto::client::Input;
//! use socketio_proto::ids::SeededRandom;
//! use socketio_proto::{Core, Output};
//! use std::time::Instant;
//!
//! # fn perform(_t: socketio_proto::client::Transmit) {}
//! # fn wait_for_network(_deadline: Option<Instant>) -> Option<Input> { None }
//! let mut io = Manager::new(ManagerConfig::new("localhost", 3000), Box::new(SeededRandom::new(7)))
//!     .expect("valid config");
//! let main = io.socket("/", None).expect("valid namespace");
//! io.connect(Instant::now(), main).expect("our socket");
//! loop {
//!     let deadline = loop {
//!         match io.poll_output() {
//!             Output::Event(IoEvent::Event { event, args, ack, .. }) => {
//!                 if let Some(request) = ack {
//!                     let _ = (args, io.ack(request, &(event,)));
//!                 }
//!             }
//!             Output::Event(ev) => println!("{ev:?}"),
//!             Output::Transmit(t) => perform(t),
//!             Output::Timeout(deadline) => break deadline,
//!         }
//!     };
//!     let input = wait_for_network(deadline).unwrap_or(Input::Timeout);
//!     io.handle_input(Instant::now(), input).expect("client inputs never fail");
//! }
//! ```

mod config;
mod driving;
mod event;
mod manager;
mod packets;
mod socket;
mod socket_api;

pub use config::ManagerConfig;
pub use event::{IoEvent, OpenError};
pub use manager::Manager;
