//! # socketio-proto
//!
//! A sans-I/O implementation of Engine.IO v4 and Socket.IO v5: wire codecs and the
//! server and client state machines. The core never touches a socket, a clock or a
//! runtime; adapters feed it transport messages and `now`, and drain what it wants sent.
#![deny(missing_docs)]
#![forbid(unsafe_op_in_unsafe_fn)]

pub mod client;
pub mod engineio;
pub mod error;
pub mod ids;
pub mod server;
pub mod socketio;
pub mod time;
pub mod utf8;

pub use error::{DecodeError, Error};
pub use utf8::Utf8Bytes;
