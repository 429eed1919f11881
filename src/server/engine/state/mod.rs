//! The substates an [`EngineServer`](super::EngineServer) owns, each with its own job
//! and private fields: the session table ([`Sessions`]), held polls ([`Polling`]),
//! WebSocket connections and upgrades ([`WebSockets`]), the timer table ([`Timers`]) and
//! the output queues ([`Outbox`]). The protocol logic that coordinates them stays in
//! `EngineServer`.

mod outbox;
mod polling;
mod sessions;
mod timers;
mod websockets;

pub(crate) use outbox::Outbox;
pub(crate) use polling::Polling;
pub(crate) use sessions::Sessions;
pub(crate) use timers::Timers;
pub(crate) use websockets::{ConnRole, WebSockets};
