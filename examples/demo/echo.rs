//! Engine.IO echo mode (`--engineio`): every message goes back to the session that sent
//! it, text as text and binary as binary.

use socketio_proto::server::engine::{EngineEvent, EngineServer};

/// Answers one event of the Engine.IO core.
pub fn on_event(server: &mut EngineServer, event: EngineEvent) {
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
            if let Err(e) = server.send(session, msg) {
                eprintln!("session {}: echo dropped: {e}", session.as_u64());
            }
        }
        EngineEvent::Closed { session, reason } => {
            eprintln!("session {} closed: {}", session.as_u64(), reason.as_str())
        }
    }
}
