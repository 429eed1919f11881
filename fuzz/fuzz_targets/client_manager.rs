#![no_main]
//! Operation sequences against the Socket.IO client `Manager`: structured server
//! responses (Engine.IO payloads carrying Socket.IO packets for `/`, `/chat` and an
//! unknown namespace, binary packets with their attachments, malformed packets, raw
//! bytes), HTTP errors, WebSocket reports for current and stale ids, application
//! commands and time steps (forward, backward, jumps to `poll_timeout()`).
//!
//! Invariants: no panic; events are well-formed against a model of the sockets
//! (`Connected` only for a socket asked to connect and not already connected, events and
//! `Disconnected` only while connected, `Ack`/`AckTimeout`/`AckCancelled` once per id
//! handed out, reconnect attempts counting 1, 2, 3… in a cycle, `Open`/`Close`
//! alternating); per engine generation at most one GET and one POST outstanding; send
//! buffers within `max_buffered_packets` and `max_buffered_bytes` (or one larger packet
//! that found them empty); attachments held within `max_attachment_bytes`; pending acks
//! as the model says; after `handle_timeout(now)`, `poll_timeout()` is later than now.
//!
//! `client_manager/ops.rs`: the input; `wire.rs`: the server's packets as text;
//! `model.rs`: the model and the event invariants; `driver.rs`: applying the ops.

use libfuzzer_sys::fuzz_target;

#[path = "client_manager/driver.rs"]
mod driver;
#[path = "client_manager/model.rs"]
mod model;
#[path = "client_manager/ops.rs"]
mod ops;
#[path = "client_manager/wire.rs"]
mod wire;

fuzz_target!(|input: ops::Input| driver::run(input));
