//! Engine.IO echo mode: every message goes back to the session that sent it, text as
//! text and binary as binary.

use crate::driver::Backend;
use socketio_proto::engineio::WsMessage;
use socketio_proto::server::{
    ConnId, EngineEvent, EngineServer, HttpRequest, HttpResponse, RequestId, Transmit,
};
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
    fn handle_http_request(&mut self, now: Instant, req: HttpRequest) -> RequestId {
        self.server.handle_http_request(now, req)
    }

    fn handle_http_aborted(&mut self, now: Instant, req: RequestId) {
        self.server.handle_http_aborted(now, req);
    }

    fn check_ws_request(&mut self, _now: Instant, req: &HttpRequest) -> Option<HttpResponse> {
        self.server.check_ws_request(req).err()
    }

    fn handle_ws_open(&mut self, now: Instant, req: HttpRequest) -> ConnId {
        self.server.handle_ws_open(now, &req)
    }

    fn handle_ws_message(&mut self, now: Instant, conn: ConnId, msg: WsMessage) {
        self.server.handle_ws_message(now, conn, msg);
    }

    fn handle_ws_closed(&mut self, now: Instant, conn: ConnId) {
        self.server.handle_ws_closed(now, conn);
    }

    fn handle_timeout(&mut self, now: Instant) {
        self.server.handle_timeout(now);
    }

    fn shutdown(&mut self, now: Instant) {
        self.server.shutdown(now);
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

    fn poll_transmit(&mut self) -> Option<Transmit> {
        self.server.poll_transmit()
    }

    fn poll_timeout(&mut self) -> Option<Instant> {
        self.server.poll_timeout()
    }
}
