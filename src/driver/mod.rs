//! The one driving interface, the same for every core of either side.
//!
//! Every state machine of this crate (the Engine.IO server, the Socket.IO server on top
//! of it, the Engine.IO client, the Socket.IO [`Manager`](crate::client::Manager) on top
//! of it) implements [`Core`]: the adapter feeds what arrived with
//! [`handle_input`](Core::handle_input) and drains [`poll_output`](Core::poll_output)
//! until it says [`Output::Timeout`]: then it writes what it collected, and sleeps until
//! that deadline or the next input. An adapter is written once against this trait, for a
//! whole side: [`server::Input`] and [`server::Transmit`] for every server core,
//! [`client::Input`] and [`client::Transmit`] for every client core. Only the
//! [`Core::Event`] type differs between the layers of one side, and the application
//! handles those.
//!
//! The two sides mirror each other: what the client transmits, the server takes as input
//! (`HttpRequest`, `WsOpen` ↔ `WsUpgrade`), and the rest has the same names on both
//! (`HttpFailed`, `WsMessage`, `WsClosed`, `WsFailed`, `Timeout`; `WsSend`, `WsClose`).
//!
//! ```text
//! adapter ──handle_input(now, Input)──▶ core ──poll_output()──▶ Transmit / Event / Timeout
//!         ◀──────── commands (emit, join, broadcast, accept, ack…) ────────
//! ```

pub mod client;
pub mod server;

use std::time::Instant;

/// What a core has for its adapter, from [`Core::poll_output`].
#[derive(Debug, PartialEq)]
pub enum Output<T, E> {
    /// Something to send on the network.
    Transmit(T),
    /// Something that happened, for the application.
    Event(E),
    /// Nothing more for now: write what was collected, then wait for the next input or
    /// until this deadline, whichever comes first, and feed
    /// [`Input::Timeout`](server::Input::Timeout) then. `None`: no timer is armed.
    Timeout(Option<Instant>),
}

/// A sans-I/O core: inputs in with the time they happened, outputs out.
///
/// Rules for the adapter:
/// - After every input and every command, drain [`poll_output`](Core::poll_output) until
///   it returns [`Output::Timeout`] (events first, so that the application's answers
///   join the same batch of transmits).
/// - `now` may go backwards; the core clamps it.
/// - The core never blocks, never reads a clock, never allocates a thread.
pub trait Core {
    /// What the adapter feeds in: [`server::Input`] or [`client::Input`].
    type Input;
    /// What the adapter must send: [`server::Transmit`] or [`client::Transmit`].
    type Transmit;
    /// What happened, for the application (per layer).
    type Event;

    /// Feeds one input that arrived at `now`. Nothing a peer sends makes this fail: peer
    /// errors become protocol responses and events. The only error is local misuse: a
    /// server adapter naming a new request or connection with an id that is still live.
    fn handle_input(&mut self, now: Instant, input: Self::Input) -> Result<(), InputError>;

    /// The next output: events first, then transmits, then the deadline.
    fn poll_output(&mut self) -> Output<Self::Transmit, Self::Event>;

    /// Closes everything gracefully at `now` (server: every session, and no new ones;
    /// client: the connection and every socket). Drain the outputs afterwards.
    fn shutdown(&mut self, now: Instant);
}

/// Local misuse of [`Core::handle_input`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InputError {
    /// The adapter named a new HTTP request with the id of one still pending.
    #[error("request id {0} is still pending")]
    DuplicateRequest(crate::transport::RequestId),
    /// The adapter named a new WebSocket connection with the id of one still live.
    #[error("connection id {0} is still live")]
    DuplicateConn(crate::transport::ConnId),
}

/// The sizes of a core's internal tables, for leak checks in tests (as quinn-proto's
/// `known_connections()`): once every peer is gone and the timers have run, every entry
/// must be zero.
#[doc(hidden)]
pub trait Tables {
    /// `(table name, entries)` for every internal table: sessions (closing ones too),
    /// pending requests, connections, sockets, acks, timers, buffers…
    fn table_sizes(&self) -> Vec<(&'static str, usize)>;

    /// The tables that are not empty.
    fn leaks(&self) -> Vec<(&'static str, usize)> {
        self.table_sizes()
            .into_iter()
            .filter(|(_, n)| *n != 0)
            .collect()
    }
}
