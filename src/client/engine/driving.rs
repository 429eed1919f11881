//! How an adapter drives the Engine.IO client: [`Core`] (one input in, outputs out until
//! the deadline), the timers, and the leak-check [`Tables`].

use super::client::{Active, EngineClient, Phase};
use super::event::EngineEvent;
use crate::driver::client::{Input, Transmit};
use crate::driver::{Core, InputError, Output, Tables};
use crate::time::{earliest, Instant};
use crate::transport::CloseReason;

impl Core for EngineClient {
    type Input = Input;
    type Transmit = Transmit;
    type Event = EngineEvent;

    /// Never fails: reports about requests or connections that are not (or no longer)
    /// the client's are ignored.
    fn handle_input(&mut self, now: Instant, input: Input) -> Result<(), InputError> {
        let now = self.clock.advance(now);
        if self.phase == Phase::Closed {
            return Ok(());
        }
        match input {
            Input::HttpResponse {
                request,
                status,
                body,
            } => self.on_http_response(now, request, status, body),
            Input::HttpFailed { request } => self.on_http_failed(request),
            Input::WsOpened { conn } => self.on_ws_opened(conn),
            Input::WsMessage { conn, msg } => self.on_ws_message(now, conn, msg),
            Input::WsClosed { conn } => self.on_ws_gone(now, conn, CloseReason::TransportClose),
            Input::WsFailed { conn } => self.on_ws_gone(now, conn, CloseReason::TransportError),
            Input::Timeout => self.on_timeout(now),
        }
        Ok(())
    }

    fn poll_output(&mut self) -> Output<Transmit, EngineEvent> {
        if let Some(e) = self.poll_event() {
            return Output::Event(e);
        }
        if let Some(t) = self.poll_transmit() {
            return Output::Transmit(t);
        }
        Output::Timeout(self.poll_timeout())
    }

    /// [`close`](EngineClient::close).
    fn shutdown(&mut self, now: Instant) {
        self.close(now);
    }
}

impl Tables for EngineClient {
    fn table_sizes(&self) -> Vec<(&'static str, usize)> {
        let (requests, ws) = match &self.active {
            Active::Polling { get, post, .. } => {
                (usize::from(get.is_some()) + usize::from(post.is_some()), 0)
            }
            Active::WebSocket { .. } => (0, 1),
        };
        let timers = [
            self.ping_deadline,
            self.request_deadline(),
            self.probe.as_ref().and_then(|p| p.deadline),
        ]
        .iter()
        .filter(|d| d.is_some())
        .count();
        vec![
            ("engine.requests", requests),
            ("engine.ws_conns", ws + usize::from(self.probe.is_some())),
            ("engine.write_buf", self.write_buf.len()),
            ("engine.write_bytes", self.write_bytes),
            ("engine.transmits", self.transmits.len()),
            ("engine.events", self.events.len()),
            ("engine.timers", timers),
        ]
    }
}

impl EngineClient {
    /// Runs the timers: ping timeout, request timeouts, probe timeout.
    pub(crate) fn on_timeout(&mut self, now: Instant) {
        if self.phase == Phase::Closed {
            return;
        }
        let due = |d: Option<Instant>| d.is_some_and(|d| d <= now);
        if due(self.ping_deadline) {
            self.finish(CloseReason::PingTimeout, None);
            return;
        }
        let request_expired = match &self.active {
            Active::Polling { get, post, .. } => {
                due(get.and_then(|p| p.deadline)) || due(post.and_then(|p| p.deadline))
            }
            Active::WebSocket { deadline, .. } => due(*deadline),
        };
        if request_expired {
            self.fail_transport();
            return;
        }
        if self.probe.as_ref().is_some_and(|p| due(p.deadline)) {
            self.probe_failed(true, now);
        }
    }

    /// The next transmit to perform, if any.
    pub(crate) fn poll_transmit(&mut self) -> Option<Transmit> {
        self.transmits.pop_front()
    }

    /// The next event, if any.
    pub(crate) fn poll_event(&mut self) -> Option<EngineEvent> {
        self.events.pop_front()
    }

    /// When [`Input::Timeout`] is due next (`None`: no timer).
    pub(crate) fn poll_timeout(&self) -> Option<Instant> {
        if self.phase == Phase::Closed {
            return None;
        }
        let probe = self.probe.as_ref().and_then(|p| p.deadline);
        earliest(earliest(self.ping_deadline, self.request_deadline()), probe)
    }

    /// The earliest timeout of the requests in flight (or of the opening WebSocket).
    fn request_deadline(&self) -> Option<Instant> {
        match &self.active {
            Active::Polling { get, post, .. } => {
                earliest(get.and_then(|p| p.deadline), post.and_then(|p| p.deadline))
            }
            Active::WebSocket { deadline, .. } => *deadline,
        }
    }
}
