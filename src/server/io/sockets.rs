//! The socket table: a slab of connected sockets addressed by [`SocketId`] (slot index +
//! generation), plus the map from the public socket id string to the handle.
//!
//! Memory per idle socket is one slot (about 100 bytes), its id string and one map entry;
//! the room list and the pending-ack list allocate only when used.

use super::types::SocketId;
use crate::server::SessionId;
use std::collections::HashMap;
use std::sync::Arc;

/// A live socket.
#[derive(Debug)]
pub(crate) struct Socket {
    /// The public id (sent in the CONNECT reply), also the name of its own room.
    pub(crate) sid: Arc<str>,
    /// The Engine.IO session carrying it.
    pub(crate) session: SessionId,
    /// Index of its namespace.
    pub(crate) nsp: u32,
    /// Rooms joined (besides its own id).
    pub(crate) rooms: Vec<Arc<str>>,
    /// Ack ids of incoming events the application may still answer (oldest first).
    pub(crate) pending_in_acks: Vec<u64>,
    /// Broadcast epoch stamp, for de-duplicating and excluding recipients.
    pub(crate) mark: u32,
}

#[derive(Debug)]
struct Slot {
    gen: u32,
    socket: Option<Socket>,
}

/// The slab of sockets.
#[derive(Debug, Default)]
pub(crate) struct SocketTable {
    slots: Vec<Slot>,
    free: Vec<u32>,
    by_sid: HashMap<Arc<str>, SocketId>,
    len: usize,
}

impl SocketTable {
    /// Stores a socket and returns its handle.
    pub(crate) fn insert(&mut self, socket: Socket) -> SocketId {
        let sid = socket.sid.clone();
        let id = if let Some(idx) = self.free.pop() {
            let gen = match self.slots.get_mut(idx as usize) {
                Some(slot) => {
                    slot.gen = slot.gen.wrapping_add(1);
                    slot.socket = Some(socket);
                    slot.gen
                }
                None => 0,
            };
            SocketId { idx, gen }
        } else {
            let idx = u32::try_from(self.slots.len()).unwrap_or(u32::MAX);
            self.slots.push(Slot {
                gen: 0,
                socket: Some(socket),
            });
            SocketId { idx, gen: 0 }
        };
        self.by_sid.insert(sid, id);
        self.len += 1;
        id
    }

    /// Removes a socket, returning it.
    pub(crate) fn remove(&mut self, id: SocketId) -> Option<Socket> {
        let slot = self.slots.get_mut(id.idx as usize)?;
        if slot.gen != id.gen {
            return None;
        }
        let socket = slot.socket.take()?;
        self.free.push(id.idx);
        self.by_sid.remove(&socket.sid);
        self.len -= 1;
        Some(socket)
    }

    /// The live socket `id` names.
    pub(crate) fn get(&self, id: SocketId) -> Option<&Socket> {
        let slot = self.slots.get(id.idx as usize)?;
        if slot.gen != id.gen {
            return None;
        }
        slot.socket.as_ref()
    }

    /// The live socket `id` names, mutably.
    pub(crate) fn get_mut(&mut self, id: SocketId) -> Option<&mut Socket> {
        let slot = self.slots.get_mut(id.idx as usize)?;
        if slot.gen != id.gen {
            return None;
        }
        slot.socket.as_mut()
    }

    /// The handle of the socket whose public id is `sid`.
    pub(crate) fn by_sid(&self, sid: &str) -> Option<SocketId> {
        self.by_sid.get(sid).copied()
    }

    /// Number of live sockets.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Stamps every live socket's mark with 0 (after the epoch counter wrapped).
    pub(crate) fn reset_marks(&mut self) {
        for slot in &mut self.slots {
            if let Some(s) = slot.socket.as_mut() {
                s.mark = 0;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sock(sid: &str) -> Socket {
        Socket {
            sid: Arc::from(sid),
            session: SessionId(1),
            nsp: 0,
            rooms: Vec::new(),
            pending_in_acks: Vec::new(),
            mark: 0,
        }
    }

    #[test]
    fn slots_are_reused_with_a_new_generation() {
        let mut t = SocketTable::default();
        let a = t.insert(sock("a"));
        assert_eq!(t.by_sid("a"), Some(a));
        assert!(t.remove(a).is_some());
        assert!(t.get(a).is_none());
        let b = t.insert(sock("b"));
        assert_eq!(a.idx, b.idx);
        assert_ne!(a, b);
        assert!(t.get(a).is_none());
        assert!(t.remove(a).is_none());
        assert_eq!(t.get(b).map(|s| &*s.sid), Some("b"));
        assert_eq!(t.len(), 1);
        assert_eq!(t.by_sid("a"), None);
    }
}
