//! Held polls: which session each long-poll GET waits on, to find the session of an
//! aborted request and refuse a request id still in use.

use crate::server::types::{RequestId, SessionId};
use std::collections::HashMap;

/// The long-poll GETs held open, by request.
#[derive(Debug, Default)]
pub(crate) struct Polling {
    held: HashMap<RequestId, SessionId>,
}

impl Polling {
    /// Records that `request` is held for `session`.
    pub(crate) fn hold(&mut self, request: RequestId, session: SessionId) {
        self.held.insert(request, session);
    }

    /// Forgets a held request (answered); returns its session.
    pub(crate) fn release(&mut self, request: RequestId) -> Option<SessionId> {
        self.held.remove(&request)
    }

    /// Whether `request` is held (its id is still live).
    pub(crate) fn is_held(&self, request: RequestId) -> bool {
        self.held.contains_key(&request)
    }

    /// Number of held polls.
    pub(crate) fn len(&self) -> usize {
        self.held.len()
    }
}
