//! The client side: state machines that talk to a Socket.IO server.
//!
//! - [`engine`]: the Engine.IO v4 client (handshake, polling loop, WebSocket upgrade,
//!   heartbeat watch). The Socket.IO manager and sockets build on it.

pub mod engine;
