//! WebSocket input: sessions that start on WebSocket, the upgrade of polling sessions
//! (`2probe` / `3probe` / `5`), and messages on established WebSockets.

use super::state::ConnRole;
use super::{EngineServer, Verified};
use crate::engineio::{Packet, WsMessage};
use crate::server::request::{self, ErrorCode};
use crate::server::session::{Active, Upgrade};
use crate::server::types::{
    CloseReason, ConnId, EngineEvent, HttpRequest, SessionId, Transmit, Transport,
};
use std::time::Instant;

impl EngineServer {
    /// A WebSocket upgrade request (`Input::WsUpgrade`): the protocol checks run once
    /// (`allow_request` included); a request that fails them is answered `WsReject` with
    /// the official JSON error (`400` / `403` / `503`, `404` off the path). Otherwise
    /// `WsAccept`, then: without `sid` a session starts on WebSocket and its open packet
    /// (`upgrades: []`) is sent; with `sid` it is an upgrade of that polling session,
    /// which waits for `2probe` and `5` (within `upgrade_timeout`). An upgrade of a
    /// session already upgrading or upgraded, or one beyond `max_pending_upgrades`, is
    /// accepted and closed at once (`WsClose`).
    pub(crate) fn on_ws_upgrade(&mut self, now: Instant, conn: ConnId, req: &HttpRequest) {
        let cors = self.config.cors.as_ref();
        let (path, _) = request::parse_uri(&req.uri);
        let reject = if !request::path_matches(&self.config, path) {
            Err(request::bare(None, req, 404))
        } else {
            match self.verify(req, true) {
                Err(code) => Err(request::error_response(cors, req, code)),
                Ok(Verified::Handshake(_)) if !self.can_open() => Err(
                    request::error_response_status(cors, req, ErrorCode::BadRequest, 503),
                ),
                Ok(v) => Ok(v),
            }
        };
        match reject {
            Err(response) => self.out.transmit(Transmit::WsReject { conn, response }),
            Ok(v) => {
                self.out.transmit(Transmit::WsAccept { conn });
                match v {
                    Verified::Handshake(_) => {
                        let id = self.open_session(now, Transport::WebSocket, Some(conn), &req.uri);
                        self.flush(id);
                    }
                    Verified::Existing(id) => self.start_upgrade(now, id, conn),
                }
            }
        }
    }

    fn start_upgrade(&mut self, now: Instant, id: SessionId, conn: ConnId) {
        let deadline = now + self.config.upgrade_timeout;
        let room = self.ws.has_upgrade_room(self.config.max_pending_upgrades);
        let allowed = self.config.allow_upgrades;
        let ok = room
            && allowed
            && self
                .live(id)
                .is_some_and(|s| s.active == Active::Polling && s.upgrade.is_none());
        if !ok {
            self.out.transmit(Transmit::WsClose { conn });
            return;
        }
        if let Some(s) = self.sessions.live_mut(id) {
            s.upgrade = Some(Upgrade {
                conn,
                probed: false,
                deadline,
            });
        }
        self.ws.start_upgrade(conn, id);
        self.reschedule(id);
    }

    /// A message arrived on a WebSocket. Messages on unknown (already closed)
    /// connections are ignored.
    pub(crate) fn on_ws_message(&mut self, now: Instant, conn: ConnId, msg: WsMessage) {
        let too_big = match &msg {
            WsMessage::Text(t) => t.len() > self.config.max_payload,
            WsMessage::Binary(b) => b.len() > self.config.max_payload,
        };
        match self.ws.role(conn) {
            None => {}
            Some(ConnRole::Upgrading(id)) => {
                let packet = if too_big {
                    None
                } else {
                    Packet::decode_ws(msg).ok()
                };
                self.on_upgrade_packet(id, conn, packet);
            }
            Some(ConnRole::Active(id)) => {
                if too_big {
                    self.end_session(id, CloseReason::TransportError);
                    return;
                }
                match Packet::decode_ws(msg) {
                    Ok(p) => self.on_packet(now, id, p),
                    Err(_) => self.end_session(id, CloseReason::ParseError),
                }
            }
        }
    }

    fn on_upgrade_packet(&mut self, id: SessionId, conn: ConnId, packet: Option<Packet>) {
        match packet {
            Some(Packet::Ping(d)) if d == crate::engineio::packet::PROBE => {
                self.out.transmit(Transmit::WsSend {
                    conn,
                    msg: Packet::pong_probe().to_ws(),
                });
                if let Some(u) = self.sessions.live_mut(id).and_then(|s| s.upgrade.as_mut()) {
                    u.probed = true;
                }
                self.release_poll(id);
            }
            Some(Packet::Upgrade) => {
                self.release_poll(id);
                if let Some(s) = self.sessions.live_mut(id) {
                    s.upgrade = None;
                    s.active = Active::Ws(conn);
                }
                self.ws.complete_upgrade(conn, id);
                self.out.event(EngineEvent::Upgraded { session: id });
                self.flush(id);
                self.reschedule(id);
            }
            // Anything else during an upgrade: drop the WebSocket, keep polling.
            _ => self.abort_upgrade(id, true),
        }
    }

    /// Answers a held poll with a noop, so the client can finish the upgrade.
    fn release_poll(&mut self, id: SessionId) {
        let Some(s) = self.sessions.get_mut(id) else {
            return;
        };
        if let Some(rid) = s.held_get.take() {
            let headers = std::mem::take(&mut s.held_headers);
            self.polling.release(rid);
            self.out
                .respond(rid, request::poll_ok(headers, "6".to_owned()));
        }
    }

    /// A WebSocket closed (`Input::WsClosed`: by the peer or after a `WsClose`) or
    /// failed (`Input::WsFailed`). The session it carried closes with `reason`
    /// (`transport close` / `transport error`); an upgrade in progress is abandoned
    /// (polling goes on).
    pub(crate) fn on_ws_closed(&mut self, conn: ConnId, reason: CloseReason) {
        match self.ws.role(conn) {
            None => {}
            Some(ConnRole::Upgrading(id)) => self.abort_upgrade(id, false),
            Some(ConnRole::Active(id)) => {
                self.ws.remove(conn);
                self.end_session(id, reason);
            }
        }
    }
}
