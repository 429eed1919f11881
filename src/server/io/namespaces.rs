//! Namespaces and their rooms.
//!
//! A namespace keeps the set of its sockets and a map from room name to member set.
//! A socket's own-id room is implicit: it is resolved through the socket table, so idle
//! sockets cost no room entry. Empty rooms are dropped at once.

use super::types::SocketId;
use crate::server::id_hasher::IdHasherBuilder;
use std::collections::HashMap;
use std::sync::Arc;

/// A set of socket handles, hashed with [`IdHasher`](crate::server::id_hasher::IdHasher):
/// the ids are slot indexes this server hands out (never peer-chosen), so a fast fixed
/// hash is safe, and it makes iteration order deterministic (reproducible broadcast
/// order and traces).
pub(crate) type SocketSet = std::collections::HashSet<SocketId, IdHasherBuilder>;

/// One namespace.
#[derive(Debug)]
pub(crate) struct Namespace {
    /// Its name (`/`, `/admin`, …).
    pub(crate) name: Arc<str>,
    /// Every connected socket.
    pub(crate) members: SocketSet,
    /// Rooms by name (a socket's own-id room is not stored).
    pub(crate) rooms: HashMap<Arc<str>, SocketSet>,
    /// Next ack id (shared by emits and broadcasts of this namespace, as the official
    /// server does).
    pub(crate) next_ack: u64,
}

impl Namespace {
    fn new(name: Arc<str>) -> Self {
        Namespace {
            name,
            members: SocketSet::default(),
            rooms: HashMap::new(),
            next_ack: 0,
        }
    }

    /// Takes the next ack id.
    pub(crate) fn take_ack_id(&mut self) -> u64 {
        let id = self.next_ack;
        self.next_ack = self.next_ack.wrapping_add(1);
        id
    }

    /// Adds `socket` to `room`; returns the interned room name if it was not there yet.
    pub(crate) fn join(&mut self, room: &str, socket: SocketId) -> Option<Arc<str>> {
        if let Some((name, set)) = self.rooms.get_key_value(room) {
            if set.contains(&socket) {
                return None;
            }
            let name = name.clone();
            if let Some(set) = self.rooms.get_mut(room) {
                set.insert(socket);
            }
            return Some(name);
        }
        let name: Arc<str> = Arc::from(room);
        let mut set = SocketSet::default();
        set.insert(socket);
        self.rooms.insert(name.clone(), set);
        Some(name)
    }

    /// Removes `socket` from `room`, dropping the room when it empties.
    pub(crate) fn leave(&mut self, room: &str, socket: SocketId) {
        let empty = match self.rooms.get_mut(room) {
            Some(set) => {
                set.remove(&socket);
                set.is_empty()
            }
            None => false,
        };
        if empty {
            self.rooms.remove(room);
        }
    }
}

/// Every namespace, by index and by name. Namespaces are never removed (their count is
/// bounded by the configuration), so an index stays valid.
#[derive(Debug, Default)]
pub(crate) struct Namespaces {
    list: Vec<Namespace>,
    by_name: HashMap<Arc<str>, u32>,
}

impl Namespaces {
    /// Members of every namespace, and non-empty rooms (for the leak checks).
    pub(crate) fn sizes(&self) -> (usize, usize) {
        let members = self.list.iter().map(|n| n.members.len()).sum();
        let rooms = self
            .list
            .iter()
            .map(|n| n.rooms.values().filter(|r| !r.is_empty()).count())
            .sum();
        (members, rooms)
    }

    /// The index of `name`, creating the namespace if needed.
    pub(crate) fn get_or_create(&mut self, name: &str) -> u32 {
        if let Some(&i) = self.by_name.get(name) {
            return i;
        }
        let idx = u32::try_from(self.list.len()).unwrap_or(u32::MAX);
        let name: Arc<str> = Arc::from(name);
        self.list.push(Namespace::new(name.clone()));
        self.by_name.insert(name, idx);
        idx
    }

    /// The index of `name`, if it exists.
    pub(crate) fn find(&self, name: &str) -> Option<u32> {
        self.by_name.get(name).copied()
    }

    /// The namespace at `idx`.
    pub(crate) fn get(&self, idx: u32) -> Option<&Namespace> {
        self.list.get(idx as usize)
    }

    /// The namespace at `idx`, mutably.
    pub(crate) fn get_mut(&mut self, idx: u32) -> Option<&mut Namespace> {
        self.list.get_mut(idx as usize)
    }

    /// Number of namespaces.
    pub(crate) fn len(&self) -> usize {
        self.list.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rooms_are_created_and_dropped() {
        let mut all = Namespaces::default();
        let i = all.get_or_create("/");
        assert_eq!(all.get_or_create("/"), i);
        assert_eq!(all.find("/x"), None);
        let nsp = all.get_mut(i).expect("namespace");
        let s = SocketId { idx: 0, gen: 0 };
        assert!(nsp.join("r", s).is_some());
        assert!(nsp.join("r", s).is_none());
        assert_eq!(nsp.rooms.len(), 1);
        nsp.leave("r", s);
        assert!(nsp.rooms.is_empty());
        assert_eq!(nsp.take_ack_id(), 0);
        assert_eq!(nsp.take_ack_id(), 1);
    }
}
