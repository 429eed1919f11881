//! The output queues: transmits for the adapter and events for the application, in the
//! order they were produced.

use crate::server::types::{EngineEvent, HttpResponse, RequestId, Transmit};
use std::collections::VecDeque;

/// What waits to leave through `poll_output`.
#[derive(Debug, Default)]
pub(crate) struct Outbox {
    transmits: VecDeque<Transmit>,
    events: VecDeque<EngineEvent>,
}

impl Outbox {
    /// Queues a transmit.
    #[inline]
    pub(crate) fn transmit(&mut self, t: Transmit) {
        self.transmits.push_back(t);
    }

    /// Queues the response to `request`.
    pub(crate) fn respond(&mut self, request: RequestId, response: HttpResponse) {
        self.transmits
            .push_back(Transmit::HttpResponse { request, response });
    }

    /// Queues an event.
    pub(crate) fn event(&mut self, e: EngineEvent) {
        self.events.push_back(e);
    }

    /// The next transmit.
    #[inline]
    pub(crate) fn pop_transmit(&mut self) -> Option<Transmit> {
        self.transmits.pop_front()
    }

    /// The next event.
    #[inline]
    pub(crate) fn pop_event(&mut self) -> Option<EngineEvent> {
        self.events.pop_front()
    }

    /// Number of queued transmits.
    pub(crate) fn transmits_len(&self) -> usize {
        self.transmits.len()
    }

    /// Number of queued events.
    pub(crate) fn events_len(&self) -> usize {
        self.events.len()
    }
}
