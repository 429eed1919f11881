//! The polling transport of the Engine.IO client: the handshake GET, the long-polling
//! loop (always one GET outstanding), and batched POSTs (one in flight at a time).

use super::client::{Active, EngineClient, Pending, Phase, ProbeStage};
use crate::driver::client::Transmit;
use crate::engineio::payload::{decode_payload, encode_payload};
use crate::engineio::Packet;
use crate::time::Instant;
use crate::transport::{CloseReason, HttpRequest, Method, RequestId, Transport};
use bytes::Bytes;

/// `Content-Type` of polling POSTs, as sent by browsers for the JS client.
pub const POST_CONTENT_TYPE: &str = "text/plain;charset=UTF-8";

impl EngineClient {
    /// The response to request `id`: `status` and the whole `body`. A status other than
    /// 200 closes the connection with "transport error" (as the JS client does); a
    /// malformed body with "parse error".
    pub(super) fn on_http_response(
        &mut self,
        now: Instant,
        id: RequestId,
        status: u16,
        body: Bytes,
    ) {
        if self.phase == Phase::Closed {
            return;
        }
        let Active::Polling { get, post, .. } = &mut self.active else {
            return;
        };
        if get.is_some_and(|p| p.id == id) {
            *get = None;
            if status != 200 {
                self.fail_transport();
                return;
            }
            self.on_poll_data(now, body);
        } else if post.is_some_and(|p| p.id == id) {
            *post = None;
            if status != 200 {
                self.fail_transport();
                return;
            }
            // The body is "ok"; nothing else to learn from it.
            self.after_poll_activity(now);
        }
    }

    /// The request `id` failed on the network (connection refused or reset, …): the
    /// connection closes with "transport error".
    pub(super) fn on_http_failed(&mut self, id: RequestId) {
        if self.phase == Phase::Closed {
            return;
        }
        if let Active::Polling { get, post, .. } = &self.active {
            let ours = |p: &Option<Pending<RequestId>>| p.is_some_and(|p| p.id == id);
            if ours(get) || ours(post) {
                self.fail_transport();
            }
        }
    }

    /// Queues a GET (the handshake when there is no sid yet).
    pub(super) fn send_get(&mut self, now: Instant) {
        self.queue_request(now, Method::Get, Bytes::new());
    }

    /// Queues a polling request (GET or POST) on the current session and records it
    /// as the transport's pending GET or POST.
    fn queue_request(&mut self, now: Instant, method: Method, body: Bytes) {
        let id = self.next_request_id();
        let stamp = self.next_stamp();
        let sid = self.handshake.as_ref().map(|h| h.sid.clone());
        let path_and_query = self
            .config
            .path_and_query(Transport::Polling, sid.as_deref(), stamp);
        let deadline = self.deadline(now);
        if let Active::Polling { get, post, .. } = &mut self.active {
            let slot = if method == Method::Get { get } else { post };
            *slot = Some(Pending { id, deadline });
        }
        let req = match method {
            Method::Post => HttpRequest::post(path_and_query, body),
            _ => HttpRequest::get(path_and_query).with_method(method),
        };
        self.transmits
            .push_back(Transmit::HttpRequest { request: id, req });
    }

    /// Writes queued packets in one POST if polling is active, open (or closing), not
    /// paused, and no POST is in flight.
    pub(super) fn flush_polling(&mut self, now: Instant) {
        if !matches!(self.phase, Phase::Open | Phase::Closing) || self.write_buf.is_empty() {
            return;
        }
        match &self.active {
            Active::Polling {
                post: None,
                paused: false,
                ..
            } => {}
            _ => return,
        }
        let body = encode_payload(&mut self.write_buf, self.max_payload);
        self.recount();
        self.queue_request(now, Method::Post, Bytes::from(body));
        if self.phase == Phase::Closing && self.write_buf.is_empty() {
            // The close packet is on its way: like the JS client, we are done.
            self.finish(CloseReason::ForcedClose, None);
        }
    }

    /// A GET returned 200 with `body`.
    fn on_poll_data(&mut self, now: Instant, body: Bytes) {
        if body.len() > self.config.max_incoming_payload {
            self.finish(CloseReason::ParseError, None);
            return;
        }
        let packets = match decode_payload(body, self.config.max_incoming_payload) {
            Ok(p) => p,
            Err(_) => {
                self.finish(CloseReason::ParseError, None);
                return;
            }
        };
        let mut packets = packets.into_iter();
        let opening = self.phase == Phase::Opening;
        if opening {
            match packets.next() {
                Some(Packet::Open(hs)) => self.on_handshake(now, hs),
                _ => {
                    self.finish(CloseReason::ParseError, None);
                    return;
                }
            }
        }
        for packet in packets {
            if !self.on_packet(now, packet) {
                return;
            }
        }
        self.after_poll_activity(now);
        if opening && self.phase == Phase::Open && self.upgrade_allowed() {
            self.start_probe(now);
        }
    }

    /// After a GET or POST finished: keep the loop going, or finish the pause.
    pub(super) fn after_poll_activity(&mut self, now: Instant) {
        if self.phase == Phase::Closed {
            return;
        }
        let (get_idle, post_idle, paused) = match &self.active {
            Active::Polling { get, post, paused } => (get.is_none(), post.is_none(), *paused),
            Active::WebSocket { .. } => return,
        };
        if paused {
            if get_idle && post_idle {
                self.complete_upgrade(now);
            }
            return;
        }
        if get_idle && self.phase == Phase::Open {
            self.send_get(now);
        }
        self.flush_polling(now);
    }

    /// Whether to probe WebSocket after a polling handshake.
    fn upgrade_allowed(&self) -> bool {
        self.config.upgrade
            && self.config.transports.contains(&Transport::WebSocket)
            && self
                .handshake
                .as_ref()
                .is_some_and(|h| h.upgrades.iter().any(|u| u == "websocket"))
    }

    /// The probe answered `3probe`: stop polling, and upgrade once it is quiet.
    pub(super) fn pause_polling(&mut self, now: Instant) {
        if let Some(probe) = &mut self.probe {
            probe.stage = ProbeStage::Pausing;
        }
        if let Active::Polling { paused, .. } = &mut self.active {
            *paused = true;
        }
        self.after_poll_activity(now);
    }
}
