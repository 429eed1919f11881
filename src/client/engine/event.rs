//! What the Engine.IO client reports to the application.

use crate::engineio::{Handshake, Message};
use crate::transport::CloseReason;

/// What happened, from [`poll_output`](crate::driver::Core::poll_output) as
/// [`Output::Event`](crate::driver::Output::Event).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EngineEvent {
    /// The handshake completed.
    Opened {
        /// The session id the server assigned.
        sid: String,
        /// The whole open packet (ping interval and timeout, upgrades, maxPayload).
        handshake: Handshake,
    },
    /// A message from the server.
    Message {
        /// The message.
        msg: Message,
    },
    /// The connection moved from polling to WebSocket.
    Upgraded,
    /// The WebSocket probe failed; the connection stays on polling.
    UpgradeFailed,
    /// The connection is over; the client is finished and yields nothing more.
    Closed {
        /// Why: [`TransportClose`](CloseReason::TransportClose),
        /// [`TransportError`](CloseReason::TransportError),
        /// [`PingTimeout`](CloseReason::PingTimeout),
        /// [`ParseError`](CloseReason::ParseError) or
        /// [`ForcedClose`](CloseReason::ForcedClose) (the application closed it).
        reason: CloseReason,
    },
}
