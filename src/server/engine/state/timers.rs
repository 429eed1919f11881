//! The timer table: one entry per session with a deadline (its earliest), ordered, so
//! the next deadline is the first entry.

use crate::server::types::SessionId;
use std::collections::BTreeSet;
use std::time::Instant;

/// Sessions by their earliest deadline.
#[derive(Debug, Default)]
pub(crate) struct Timers {
    table: BTreeSet<(Instant, SessionId)>,
}

impl Timers {
    /// When timers must run next.
    pub(crate) fn next(&self) -> Option<Instant> {
        self.table.first().map(|(at, _)| *at)
    }

    /// Moves `session`'s entry from `scheduled` to `want`; `scheduled` (the session's
    /// record of its entry) is updated.
    pub(crate) fn reschedule(
        &mut self,
        session: SessionId,
        scheduled: &mut Option<Instant>,
        want: Option<Instant>,
    ) {
        if want == *scheduled {
            return;
        }
        if let Some(at) = scheduled.take() {
            self.table.remove(&(at, session));
        }
        if let Some(at) = want {
            self.table.insert((at, session));
        }
        *scheduled = want;
    }

    /// Removes the entry `(at, session)`.
    pub(crate) fn cancel(&mut self, at: Instant, session: SessionId) {
        self.table.remove(&(at, session));
    }

    /// Takes the first entry due at `now`.
    pub(crate) fn pop_due(&mut self, now: Instant) -> Option<SessionId> {
        let &(at, id) = self.table.first()?;
        if at > now {
            return None;
        }
        self.table.remove(&(at, id));
        Some(id)
    }

    /// Number of entries.
    pub(crate) fn len(&self) -> usize {
        self.table.len()
    }
}
