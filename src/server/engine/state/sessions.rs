//! The session table: sessions by handle (closing ones too), the `sid` index, the
//! live/closing lookup and handle allocation.

use crate::server::id_hasher::IdHasherBuilder;
use crate::server::session::Session;
use crate::server::types::SessionId;
use std::collections::HashMap;

/// Every session the server holds, live or closing (closed by the application, its last
/// poll not yet delivered).
#[derive(Debug, Default)]
pub(crate) struct Sessions {
    table: HashMap<SessionId, Session, IdHasherBuilder>,
    by_sid: HashMap<String, SessionId>,
    next: u64,
}

impl Sessions {
    /// A fresh handle, never reused.
    pub(crate) fn allocate(&mut self) -> SessionId {
        self.next += 1;
        SessionId(self.next)
    }

    /// Adds a session under `id` and indexes its `sid`.
    pub(crate) fn insert(&mut self, id: SessionId, session: Session) {
        self.by_sid.insert(session.sid.to_string(), id);
        self.table.insert(id, session);
    }

    /// A session, live or closing.
    pub(crate) fn get(&self, id: SessionId) -> Option<&Session> {
        self.table.get(&id)
    }

    /// A session, live or closing.
    pub(crate) fn get_mut(&mut self, id: SessionId) -> Option<&mut Session> {
        self.table.get_mut(&id)
    }

    /// A live session (not closing).
    pub(crate) fn live(&self, id: SessionId) -> Option<&Session> {
        self.table.get(&id).filter(|s| s.closing.is_none())
    }

    /// A live session (not closing).
    pub(crate) fn live_mut(&mut self, id: SessionId) -> Option<&mut Session> {
        self.table.get_mut(&id).filter(|s| s.closing.is_none())
    }

    /// The handle of the session with Engine.IO id `sid`, live or closing.
    pub(crate) fn find_sid(&self, sid: &str) -> Option<SessionId> {
        self.by_sid.get(sid).copied()
    }

    /// Removes a session and its `sid` entry.
    pub(crate) fn remove(&mut self, id: SessionId) -> Option<Session> {
        let s = self.table.remove(&id)?;
        if self.by_sid.get(s.sid.as_str()) == Some(&id) {
            self.by_sid.remove(s.sid.as_str());
        }
        Some(s)
    }

    /// Number of sessions, closing ones included.
    pub(crate) fn len(&self) -> usize {
        self.table.len()
    }

    /// Number of live sessions.
    pub(crate) fn live_count(&self) -> usize {
        self.table.values().filter(|s| s.closing.is_none()).count()
    }

    /// Every session, live or closing, in no particular order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &Session> {
        self.table.values()
    }

    /// Number of `sid` index entries.
    pub(crate) fn sid_index_len(&self) -> usize {
        self.by_sid.len()
    }

    /// Every handle, in order (for a deterministic shutdown).
    pub(crate) fn ids_sorted(&self) -> Vec<SessionId> {
        let mut ids: Vec<SessionId> = self.table.keys().copied().collect();
        ids.sort();
        ids
    }
}
