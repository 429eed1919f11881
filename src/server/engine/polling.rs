//! HTTP input: the polling handshake, long-poll GETs, packet POSTs, preflights and the
//! error responses, following the official `lib/server.ts` and
//! `lib/transports/polling.ts`.

use super::{EngineServer, Verified};
use crate::engineio::payload::decode_payload;
use crate::server::queue::encode_queue;
use crate::server::request::{self, ErrorCode};
use crate::server::session::Active;
use crate::server::types::{CloseReason, HttpRequest, Method, RequestId, SessionId, Transport};
use std::time::Instant;

impl EngineServer {
    /// Takes in an HTTP request for the Engine.IO path and returns the id its response
    /// will carry. The response is usually queued at once; a long-poll GET is held until
    /// there is something to send or the session ends.
    ///
    /// Answers, as the official server: a handshake GET gets `200` with the open packet;
    /// a GET on a session is held (a second one while the first is held: `400`, and the
    /// session closes with `transport error`, the first poll receiving a close packet);
    /// a POST is decoded and answered `200 ok` (over `max_payload`: `413`; malformed:
    /// `400`, and the session closes with `parse error`; `Content-Type:
    /// application/octet-stream`: `400` + `transport error`); an `OPTIONS` preflight gets
    /// `204` when CORS is configured; a path other than the configured one gets `404`.
    /// Protocol errors get JSON bodies, see [`ErrorCode`]. A handshake beyond
    /// `max_sessions` or after `shutdown` gets `503`
    /// `{"code":3,"message":"Bad request"}`.
    ///
    /// The adapter reads the whole body first (up to `max_payload + 1` bytes). Since a
    /// POST is handled in one call, two POSTs can never overlap here (the official
    /// server's "data request overlap" cannot arise).
    pub(crate) fn on_http_request(&mut self, now: Instant, rid: RequestId, req: HttpRequest) {
        let cors = self.config.cors.clone();
        let cors = cors.as_ref();
        let (path, _) = request::parse_uri(&req.uri);
        if !request::path_matches(&self.config, path) {
            self.out.respond(rid, request::bare(None, &req, 404));
            return;
        }
        if req.method == Method::Options && cors.is_some() {
            self.out.respond(rid, request::preflight(cors, &req));
            return;
        }
        match self.verify(&req, false) {
            Err(code) => self
                .out
                .respond(rid, request::error_response(cors, &req, code)),
            Ok(Verified::Handshake(Transport::Polling)) => {
                if !self.can_open() {
                    let resp =
                        request::error_response_status(cors, &req, ErrorCode::BadRequest, 503);
                    self.out.respond(rid, resp);
                    return;
                }
                let id = self.open_session(now, Transport::Polling, None, &req.uri);
                self.hold(id, rid, &req);
            }
            Ok(Verified::Handshake(Transport::WebSocket)) => {
                // verify() refuses a websocket handshake over plain HTTP; keep it total.
                let resp = request::error_response(cors, &req, ErrorCode::BadRequest);
                self.out.respond(rid, resp);
            }
            Ok(Verified::Existing(id)) => match req.method {
                Method::Get => self.on_poll(id, rid, &req),
                Method::Post => self.on_data(now, id, rid, &req),
                _ => {
                    let resp = request::error_response(cors, &req, ErrorCode::BadRequest);
                    self.out.respond(rid, resp);
                }
            },
        }
    }

    /// The client went away before its request was answered. For a held poll the
    /// session closes with `transport error` (as the official "poll connection closed
    /// prematurely"); other requests are already answered and this is a no-op.
    pub(crate) fn on_http_failed(&mut self, request: RequestId) {
        if let Some(id) = self.polling.release(request) {
            if let Some(s) = self.sessions.get_mut(id) {
                s.held_get = None;
            }
            self.end_session(id, CloseReason::TransportError);
        }
    }

    /// Holds a GET on a session and sends what is queued.
    fn hold(&mut self, id: SessionId, rid: RequestId, req: &HttpRequest) {
        let headers = request::cors_headers(self.config.cors.as_ref(), req);
        if let Some(s) = self.sessions.get_mut(id) {
            s.held_get = Some(rid);
            s.held_headers = headers;
            self.polling.hold(rid, id);
        }
        self.flush(id);
    }

    fn on_poll(&mut self, id: SessionId, rid: RequestId, req: &HttpRequest) {
        let max = self.config.max_payload;
        let cors = self.config.cors.clone();
        let cors = cors.as_ref();
        let Some(s) = self.sessions.get_mut(id) else {
            let resp = request::error_response(cors, req, ErrorCode::UnknownSid);
            self.out.respond(rid, resp);
            return;
        };
        if s.closing.is_some() {
            // Closed by the application: deliver what is left, ending with `1`.
            let body = encode_queue(&mut s.queue, max);
            self.out.respond(
                rid,
                request::poll_ok(request::cors_headers(cors, req), body),
            );
            self.finish_closing(id);
            return;
        }
        if s.held_get.is_some() {
            self.out.respond(rid, request::bare(cors, req, 400));
            self.end_session(id, CloseReason::TransportError);
            return;
        }
        if s.upgrade.is_some_and(|u| u.probed) {
            // Upgrading: release every poll at once with a noop.
            self.out.respond(
                rid,
                request::poll_ok(request::cors_headers(cors, req), "6".to_owned()),
            );
            return;
        }
        self.hold(id, rid, req);
    }

    fn on_data(&mut self, now: Instant, id: SessionId, rid: RequestId, req: &HttpRequest) {
        let max = self.config.max_payload;
        let cors = self.config.cors.clone();
        let cors = cors.as_ref();
        if self.sessions.live(id).is_none() {
            let resp = request::error_response(cors, req, ErrorCode::UnknownSid);
            self.out.respond(rid, resp);
            return;
        }
        if req.content_type.as_deref() == Some("application/octet-stream") {
            // v4 polling carries binary as base64 text; a binary body is invalid content.
            self.out.respond(rid, request::bare(cors, req, 400));
            self.end_session(id, CloseReason::TransportError);
            return;
        }
        if req.body.len() > max {
            self.out.respond(rid, request::bare(cors, req, 413));
            return;
        }
        let packets = match decode_payload(req.body.clone(), max) {
            Ok(p) => p,
            Err(_) => {
                self.out.respond(rid, request::bare(cors, req, 400));
                self.end_session(id, CloseReason::ParseError);
                return;
            }
        };
        for p in packets {
            if self.sessions.live(id).is_none() {
                break;
            }
            self.on_packet(now, id, p);
        }
        self.out.respond(rid, request::post_ok(cors, req));
    }

    /// Whether a session has a poll held (for tests and invariants).
    pub fn has_held_poll(&self, session: SessionId) -> bool {
        self.sessions
            .live(session)
            .is_some_and(|s| s.held_get.is_some())
            && self
                .live(session)
                .is_some_and(|s| s.active == Active::Polling)
    }
}
