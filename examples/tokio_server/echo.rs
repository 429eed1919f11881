//! Engine.IO echo mode: every message goes back to the session that sent it, text as
//! text and binary as binary.

use crate::driver::Backend;
use socketio_proto::server::{EngineEvent, EngineServer};
use std::time::Instant;

/// [`Backend`] over a bare [`EngineServer`] that echoes messages.
pub struct EchoBackend {
    server: EngineServer,
}

impl EchoBackend {
    /// Wraps `server`.
    pub fn new(server: EngineServer) -> Self {
        EchoBackend { server }
    }
}

impl Backend for EchoBackend {
    type Core = EngineServer;

    fn core(&mut self) -> &mut EngineServer {
        &mut self.server
    }

    fn process_events(&mut self, _now: Instant) {
        while let Some(event) = self.server.poll_event() {
            match event {
                EngineEvent::Opened {
                    session,
                    sid,
                    transport,
                    ..
                } => eprintln!(
                    "session {} opened: sid {sid} over {}",
                    session.as_u64(),
                    transport.as_str()
                ),
                EngineEvent::Upgraded { session } => {
                    eprintln!("session {} upgraded to websocket", session.as_u64())
                }
                EngineEvent::Message { session, msg } => {
                    if let Err(e) = self.server.send(session, msg) {
                        eprintln!("session {}: echo dropped: {e}", session.as_u64());
                    }
                }
                EngineEvent::Closed { session, reason } => {
                    eprintln!("session {} closed: {}", session.as_u64(), reason.as_str())
                }
            }
        }
    }
}
