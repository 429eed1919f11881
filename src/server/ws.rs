//! WebSocket input: sessions that start on WebSocket, the upgrade of polling sessions
//! (`2probe` / `3probe` / `5`), and messages on established WebSockets.

use super::engine::{ConnRole, EngineServer, Verified};
use super::request::{self, ErrorCode};
use super::session::{Active, Upgrade};
use super::types::{
    CloseReason, ConnId, EngineEvent, HttpRequest, HttpResponse, SessionId, Transmit, TransportKind,
};
use crate::engineio::{Packet, WsMessage};
use std::time::Instant;

impl EngineServer {
    /// Pre-checks a WebSocket upgrade request before the adapter accepts it, so that a
    /// bad one can be refused with the official JSON error (`400` / `403` / `503`) rather
    /// than an opened-then-closed socket. `Ok(())` means
    /// [`handle_ws_open`](Self::handle_ws_open) would accept it now. Runs
    /// `allow_request` for a handshake (so it runs again in `handle_ws_open`). The
    /// returned response carries a fresh request id; write it directly, it is not also
    /// queued in `poll_transmit`.
    pub fn check_ws_request(&mut self, req: &HttpRequest) -> Result<(), HttpResponse> {
        let rid = self.alloc_request();
        let cors = self.config.cors.as_ref();
        let (path, _) = request::parse_uri(&req.uri);
        if !request::path_matches(&self.config, path) {
            return Err(request::bare(None, rid, req, 404));
        }
        match self.verify(req, true) {
            Err(code) => Err(request::error_response(cors, rid, req, code)),
            Ok(Verified::Handshake(_)) if !self.can_open() => Err(request::error_response_status(
                cors,
                rid,
                req,
                ErrorCode::BadRequest,
                503,
            )),
            Ok(_) => Ok(()),
        }
    }

    /// A WebSocket was opened on the Engine.IO path; `req` is its upgrade request (its
    /// method is `GET`; only `uri` and `origin` matter). Returns the connection's id,
    /// which the adapter uses in `handle_ws_message` / `handle_ws_closed` and finds in
    /// [`Transmit::Ws`] / [`Transmit::CloseWs`].
    ///
    /// Without `sid` this is a handshake: a session starts on WebSocket and its open
    /// packet (`upgrades: []`) is sent. With `sid` it is an upgrade of that polling
    /// session: it waits for `2probe` and `5` (within `upgrade_timeout`). A request that
    /// fails the checks, an upgrade of a session that is already upgrading or upgraded,
    /// or one beyond `max_pending_upgrades`, is closed at once (a `CloseWs`).
    pub fn handle_ws_open(&mut self, now: Instant, req: &HttpRequest) -> ConnId {
        let now = self.clock.advance(now);
        self.run_timers(now);
        let conn = self.alloc_conn();
        let (path, _) = request::parse_uri(&req.uri);
        if !request::path_matches(&self.config, path) {
            self.transmits.push_back(Transmit::CloseWs { conn });
            return conn;
        }
        match self.verify(req, true) {
            Ok(Verified::Handshake(TransportKind::WebSocket)) if self.can_open() => {
                let id = self.open_session(now, TransportKind::WebSocket, Some(conn), &req.uri);
                self.flush(id);
            }
            Ok(Verified::Existing(id)) => self.start_upgrade(now, id, conn),
            _ => self.transmits.push_back(Transmit::CloseWs { conn }),
        }
        conn
    }

    fn start_upgrade(&mut self, now: Instant, id: SessionId, conn: ConnId) {
        let deadline = now + self.config.upgrade_timeout;
        let room = self.pending_upgrades < self.config.max_pending_upgrades;
        let allowed = self.config.allow_upgrades;
        let ok = room
            && allowed
            && self
                .live(id)
                .is_some_and(|s| s.active == Active::Polling && s.upgrade.is_none());
        if !ok {
            self.transmits.push_back(Transmit::CloseWs { conn });
            return;
        }
        if let Some(s) = self.live_mut(id) {
            s.upgrade = Some(Upgrade {
                conn,
                probed: false,
                deadline,
            });
        }
        self.conns.insert(conn, ConnRole::Upgrading(id));
        self.pending_upgrades += 1;
        self.reschedule(id);
    }

    /// A message arrived on a WebSocket. Messages on unknown (already closed)
    /// connections are ignored.
    pub fn handle_ws_message(&mut self, now: Instant, conn: ConnId, msg: WsMessage) {
        let now = self.clock.advance(now);
        self.run_timers(now);
        let too_big = match &msg {
            WsMessage::Text(t) => t.len() > self.config.max_payload,
            WsMessage::Binary(b) => b.len() > self.config.max_payload,
        };
        match self.conns.get(&conn).copied() {
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
                    self.close_session(id, CloseReason::TransportError);
                    return;
                }
                match Packet::decode_ws(msg) {
                    Ok(p) => self.on_packet(now, id, p),
                    Err(_) => self.close_session(id, CloseReason::ParseError),
                }
            }
        }
    }

    fn on_upgrade_packet(&mut self, id: SessionId, conn: ConnId, packet: Option<Packet>) {
        match packet {
            Some(Packet::Ping(d)) if d == crate::engineio::packet::PROBE => {
                self.transmits.push_back(Transmit::Ws {
                    conn,
                    msg: Packet::pong_probe().to_ws(),
                });
                if let Some(u) = self.live_mut(id).and_then(|s| s.upgrade.as_mut()) {
                    u.probed = true;
                }
                self.release_poll(id);
            }
            Some(Packet::Upgrade) => {
                self.release_poll(id);
                if let Some(s) = self.live_mut(id) {
                    s.upgrade = None;
                    s.active = Active::Ws(conn);
                }
                self.pending_upgrades = self.pending_upgrades.saturating_sub(1);
                self.conns.insert(conn, ConnRole::Active(id));
                self.events.push_back(EngineEvent::Upgraded { session: id });
                self.flush(id);
                self.reschedule(id);
            }
            // Anything else during an upgrade: drop the WebSocket, keep polling.
            _ => self.abort_upgrade(id, true),
        }
    }

    /// Answers a held poll with a noop, so the client can finish the upgrade.
    fn release_poll(&mut self, id: SessionId) {
        let Some(s) = self.sessions.get_mut(&id) else {
            return;
        };
        if let Some(rid) = s.held_get.take() {
            let headers = std::mem::take(&mut s.held_headers);
            self.held.remove(&rid);
            self.respond(request::poll_ok(headers, rid, "6".to_owned()));
        }
    }

    /// A WebSocket closed (by the peer or after a `CloseWs`). The session it carried
    /// closes with `transport close`; an upgrade in progress is abandoned (polling goes
    /// on).
    pub fn handle_ws_closed(&mut self, now: Instant, conn: ConnId) {
        let now = self.clock.advance(now);
        self.run_timers(now);
        match self.conns.get(&conn).copied() {
            None => {}
            Some(ConnRole::Upgrading(id)) => self.abort_upgrade(id, false),
            Some(ConnRole::Active(id)) => {
                self.conns.remove(&conn);
                self.close_session(id, CloseReason::TransportClose);
            }
        }
    }
}
