//! WebSocket connections: what each one is to the server (an upgrade in progress or a
//! session's transport) and how many upgrades are pending.

use crate::server::types::{ConnId, SessionId};
use std::collections::HashMap;

/// What a WebSocket connection is to the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ConnRole {
    /// Negotiating an upgrade of this polling session.
    Upgrading(SessionId),
    /// The transport of this session.
    Active(SessionId),
}

/// The WebSocket connections the server knows, and the count of those upgrading.
#[derive(Debug, Default)]
pub(crate) struct WebSockets {
    conns: HashMap<ConnId, ConnRole>,
    pending_upgrades: usize,
}

impl WebSockets {
    /// The role of `conn`, if known.
    pub(crate) fn role(&self, conn: ConnId) -> Option<ConnRole> {
        self.conns.get(&conn).copied()
    }

    /// Whether `conn` is known (its id is still live).
    pub(crate) fn contains(&self, conn: ConnId) -> bool {
        self.conns.contains_key(&conn)
    }

    /// Whether another upgrade may start (below `max`).
    pub(crate) fn has_upgrade_room(&self, max: usize) -> bool {
        self.pending_upgrades < max
    }

    /// `conn` carries `session`.
    pub(crate) fn activate(&mut self, conn: ConnId, session: SessionId) {
        self.conns.insert(conn, ConnRole::Active(session));
    }

    /// `conn` starts upgrading `session`.
    pub(crate) fn start_upgrade(&mut self, conn: ConnId, session: SessionId) {
        if let Some(ConnRole::Upgrading(_)) = self.conns.insert(conn, ConnRole::Upgrading(session))
        {
            return;
        }
        self.pending_upgrades += 1;
    }

    /// `conn` finished upgrading `session`: it is the session's transport now.
    pub(crate) fn complete_upgrade(&mut self, conn: ConnId, session: SessionId) {
        if let Some(ConnRole::Upgrading(_)) = self.conns.insert(conn, ConnRole::Active(session)) {
            self.pending_upgrades = self.pending_upgrades.saturating_sub(1);
        }
    }

    /// Forgets `conn`; returns what it was.
    pub(crate) fn remove(&mut self, conn: ConnId) -> Option<ConnRole> {
        let role = self.conns.remove(&conn);
        if let Some(ConnRole::Upgrading(_)) = role {
            self.pending_upgrades = self.pending_upgrades.saturating_sub(1);
        }
        role
    }

    /// Number of known connections.
    pub(crate) fn len(&self) -> usize {
        self.conns.len()
    }

    /// Number of upgrades in progress.
    pub(crate) fn pending_upgrades(&self) -> usize {
        self.pending_upgrades
    }
}
