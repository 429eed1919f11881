//! Session life inside the [`EngineServer`]: opening, the protocol checks of a
//! request, packets from the client, flushing the outgoing queue, upgrades abandoned,
//! teardown and closing.

use super::{EngineServer, Verified};
use crate::engineio::{Handshake, Packet, ProtocolVersion};
use crate::server::queue::{encode_queue, Out};
use crate::server::request::{self, ErrorCode};
use crate::server::session::{Active, Session};
use crate::server::types::{
    CloseReason, ConnId, EngineEvent, HttpRequest, SessionId, Transmit, Transport,
};
use crate::utf8::Utf8Bytes;
use std::time::Instant;

impl EngineServer {
    /// Creates a session; the open packet is queued (not yet flushed).
    pub(crate) fn open_session(
        &mut self,
        now: Instant,
        transport: Transport,
        conn: Option<ConnId>,
        uri: &str,
    ) -> SessionId {
        let id = self.sessions.allocate();
        let sid = Utf8Bytes::from(self.ids.next_id());
        let upgrades = if transport == Transport::Polling && self.config.allow_upgrades {
            vec!["websocket".to_owned()]
        } else {
            Vec::new()
        };
        let hs = Handshake {
            sid: sid.to_string(),
            upgrades,
            ping_interval: self.config.ping_interval.as_millis() as u64,
            ping_timeout: self.config.ping_timeout.as_millis() as u64,
            max_payload: Some(self.config.max_payload as u64),
        };
        let active = match conn {
            Some(c) => {
                self.ws.activate(c, id);
                Active::Ws(c)
            }
            None => Active::Polling,
        };
        let mut s = Session::new(sid.clone(), active, now, self.config.ping_interval);
        s.queue.push_back(Out::Ctrl(Packet::Open(hs)));
        self.sessions.insert(id, s);
        self.out.event(EngineEvent::Opened {
            session: id,
            sid,
            transport,
            uri: uri.to_owned(),
        });
        self.reschedule(id);
        id
    }

    /// The protocol checks of the official `verify()`, in its order.
    pub(crate) fn verify(&self, req: &HttpRequest, is_ws: bool) -> Result<Verified, ErrorCode> {
        let (_, q) = request::parse_uri(&req.uri);
        let transport = match q.transport.as_deref() {
            Some("polling") => Transport::Polling,
            Some("websocket") => Transport::WebSocket,
            _ => return Err(ErrorCode::TransportUnknown),
        };
        if !request::origin_is_valid(req.origin.as_deref()) {
            return Err(ErrorCode::BadRequest);
        }
        if let Some(sid) = q.sid.as_deref() {
            // A session closing (closed by the application, queue not yet delivered)
            // is still found here, so that its last poll can be answered.
            let id = self.sessions.find_sid(sid).ok_or(ErrorCode::UnknownSid)?;
            let current = match self.sessions.get(id).map(|s| s.active) {
                None => return Err(ErrorCode::UnknownSid),
                Some(Active::Polling) => Transport::Polling,
                Some(Active::Ws(_)) => Transport::WebSocket,
            };
            let ok = if is_ws {
                transport == Transport::WebSocket
            } else {
                transport == current
            };
            if !ok {
                return Err(ErrorCode::BadRequest);
            }
            return Ok(Verified::Existing(id));
        }
        if req.method != crate::server::types::Method::Get {
            return Err(ErrorCode::BadHandshakeMethod);
        }
        if (transport == Transport::WebSocket) != is_ws {
            return Err(ErrorCode::BadRequest);
        }
        if let Some(allow) = &self.config.allow_request {
            if !allow(req) {
                return Err(ErrorCode::Forbidden);
            }
        }
        if q.eio.as_deref().and_then(ProtocolVersion::parse) != Some(ProtocolVersion::V4) {
            return Err(ErrorCode::UnsupportedProtocolVersion);
        }
        Ok(Verified::Handshake(transport))
    }

    /// Handles one decoded packet from the client on the session's transport.
    pub(crate) fn on_packet(&mut self, now: Instant, id: SessionId, packet: Packet) {
        let interval = self.config.ping_interval;
        let Some(s) = self.sessions.live_mut(id) else {
            return;
        };
        match packet {
            Packet::Close => self.end_session(id, CloseReason::TransportClose),
            // The v4 server pings; a ping from the client breaks the heartbeat direction.
            Packet::Ping(_) => self.end_session(id, CloseReason::ParseError),
            Packet::Pong(_) => {
                s.pong_deadline = None;
                s.next_ping = Some(now + interval);
                self.reschedule(id);
            }
            Packet::Message(msg) => self.out.event(EngineEvent::Message { session: id, msg }),
            Packet::Open(_) | Packet::Upgrade | Packet::Noop => {}
        }
    }

    /// Sends what can be sent: everything over WebSocket, or one payload to a held poll.
    pub(crate) fn flush(&mut self, id: SessionId) {
        let max = self.config.max_payload;
        let Some(s) = self.sessions.get_mut(id) else {
            return;
        };
        match s.active {
            Active::Ws(conn) => {
                for o in s.queue.take_all() {
                    self.out.transmit(Transmit::WsSend {
                        conn,
                        msg: o.into_ws(),
                    });
                }
            }
            Active::Polling => {
                if s.upgrade.is_some_and(|u| u.probed) || s.queue.is_empty() {
                    return;
                }
                if let Some(rid) = s.held_get.take() {
                    self.polling.release(rid);
                    let body = encode_queue(&mut s.queue, max);
                    let headers = std::mem::take(&mut s.held_headers);
                    self.out.respond(rid, request::poll_ok(headers, body));
                }
            }
        }
        self.relieve(id);
    }

    /// Drops a closing session once its queue has been delivered.
    pub(crate) fn finish_closing(&mut self, id: SessionId) {
        if self
            .sessions
            .get(id)
            .is_some_and(|s| s.closing.is_some() && s.queue.is_empty())
        {
            let _ = self.teardown(id);
        }
    }

    /// Forgets a WebSocket; with `close`, tells the adapter to close it.
    pub(crate) fn drop_conn(&mut self, conn: ConnId, close: bool) {
        self.ws.remove(conn);
        if close {
            self.out.transmit(Transmit::WsClose { conn });
        }
    }

    /// Abandons a session's upgrade: the WebSocket is closed, polling goes on.
    pub(crate) fn abort_upgrade(&mut self, id: SessionId, close: bool) {
        let Some(s) = self.sessions.get_mut(id) else {
            return;
        };
        if let Some(u) = s.upgrade.take() {
            self.drop_conn(u.conn, close);
            self.flush(id);
            self.reschedule(id);
        }
    }

    /// Removes a session from every table; returns it.
    pub(crate) fn teardown(&mut self, id: SessionId) -> Option<Session> {
        let mut s = self.sessions.remove(id)?;
        if let Some(at) = s.scheduled.take() {
            self.timers.cancel(at, id);
        }
        if let Some(u) = s.upgrade.take() {
            self.drop_conn(u.conn, true);
        }
        Some(s)
    }

    /// Closes a session for `reason`: a held poll gets `6` (client close) or `1`, an
    /// active WebSocket is closed, and `Closed` is reported (unless it already was).
    pub(crate) fn end_session(&mut self, id: SessionId, reason: CloseReason) {
        let Some(mut s) = self.teardown(id) else {
            return;
        };
        match s.active {
            Active::Ws(conn) => {
                if self.ws.remove(conn).is_some() {
                    self.out.transmit(Transmit::WsClose { conn });
                }
            }
            Active::Polling => {
                if let Some(rid) = s.held_get.take() {
                    self.polling.release(rid);
                    let body = if reason == CloseReason::TransportClose {
                        "6"
                    } else {
                        "1"
                    };
                    let headers = std::mem::take(&mut s.held_headers);
                    self.out
                        .respond(rid, request::poll_ok(headers, body.to_owned()));
                }
            }
        }
        if s.closing.is_none() {
            self.out.event(EngineEvent::Closed {
                session: id,
                reason,
            });
        }
    }
}
