//! The client side: state machines that talk to a Socket.IO server.
//!
//! - [`engine`]: the Engine.IO v4 client (handshake, polling loop, WebSocket upgrade,
//!   heartbeat watch). The Socket.IO manager and sockets build on it.
//! - [`Manager`]: the Socket.IO v5 client (the JS client's `Manager` and its sockets):
//!   namespaces multiplexed on one Engine.IO connection, reconnection with exponential
//!   back-off ([`backoff`]), send buffer while offline, acknowledgements both ways.

pub mod engine;

pub mod backoff;
mod manager;
mod manager_config;
mod manager_event;
mod manager_packets;
mod socket;
mod socket_api;

pub use manager::Manager;
pub use manager_config::ManagerConfig;
pub use manager_event::{AckRequest, ClientEvent, DisconnectReason, OpenError, SocketId};
