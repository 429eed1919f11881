//! Broadcasts: choosing recipients (namespace, rooms, exceptions) and sending one shared
//! encoded frame to each.
//!
//! Recipients are de-duplicated and exceptions applied with an epoch stamp in each socket
//! slot (no set is built per broadcast). The packet is encoded once; each recipient's
//! queue gets a clone of the same frame ([`TextFrame`](crate::server::TextFrame), or one
//! binary message) and attachment [`Bytes`].

use super::acks::{BroadcastAck, Timer};
use super::commands::deadline;
use super::namespaces::Namespaces;
use super::sockets::SocketTable;
use super::types::{BroadcastAckId, SocketId};
use super::SocketIoServer;
use crate::error::{EmitError, SendError, SocketError};
use crate::server::{EngineServer, OutMessage};
use crate::socketio::Parser;
use bytes::Bytes;
use serde::Serialize;
use std::time::{Duration, Instant};

/// Who receives a broadcast: a namespace, optionally narrowed to rooms (their union,
/// each socket once), minus rooms and sockets; optionally volatile (skips recipients
/// whose transport cannot send right now).
///
/// ```
/// use socketio_proto::server::io::Target;
/// let t = Target::namespace("/chat").to("room1").to("room2").except("muted").volatile();
/// # let _ = t;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    nsp: String,
    rooms: Vec<String>,
    except_rooms: Vec<String>,
    except_sockets: Vec<SocketId>,
    volatile: bool,
}

impl Target {
    /// The same target without exclusions by socket handle (per node).
    pub(super) fn without_socket_exclusions(mut self) -> Self {
        self.except_sockets.clear();
        self
    }
}

impl Default for Target {
    fn default() -> Self {
        Target::namespace(crate::socketio::MAIN_NAMESPACE)
    }
}

impl Target {
    /// Every socket of namespace `nsp`.
    pub fn namespace(nsp: impl Into<String>) -> Self {
        Target {
            nsp: nsp.into(),
            rooms: Vec::new(),
            except_rooms: Vec::new(),
            except_sockets: Vec::new(),
            volatile: false,
        }
    }

    /// Narrows to `room` (several calls: the union of the rooms). A socket id is a room.
    pub fn to(mut self, room: impl Into<String>) -> Self {
        self.rooms.push(room.into());
        self
    }

    /// Leaves out the sockets in `room`.
    pub fn except(mut self, room: impl Into<String>) -> Self {
        self.except_rooms.push(room.into());
        self
    }

    /// Leaves out one socket.
    pub fn except_socket(mut self, socket: SocketId) -> Self {
        self.except_sockets.push(socket);
        self
    }

    /// Skips recipients whose transport is not writable right now.
    pub fn volatile(mut self) -> Self {
        self.volatile = true;
        self
    }

    /// The namespace.
    pub fn nsp(&self) -> &str {
        &self.nsp
    }
}

/// One packet encoded once: its first message (a text frame, or the one binary message
/// of a binary parser) plus attachments.
pub(super) struct Shared {
    pub(super) frame: OutMessage,
    pub(super) attachments: Vec<Bytes>,
}

/// What became of one recipient of a broadcast.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Delivery {
    /// Queued (or sent).
    Sent,
    /// Left out: a volatile broadcast and a transport not writable now, or a session
    /// gone.
    Dropped,
    /// Left out: its queue has no room (over its packet or byte budget).
    NoRoom,
}

impl Shared {
    /// Queues the frame for one recipient (its bytes count toward that recipient's
    /// budget, shared buffer or not).
    fn deliver(
        &self,
        engine: &mut EngineServer,
        s: &super::sockets::Socket,
        volatile: bool,
    ) -> Delivery {
        if volatile && !engine.is_writable(s.session) {
            return Delivery::Dropped;
        }
        let res = if self.attachments.is_empty() {
            engine.send(s.session, self.frame.clone())
        } else {
            engine.send_many(
                s.session,
                std::iter::once(self.frame.clone())
                    .chain(self.attachments.iter().cloned().map(OutMessage::Binary)),
            )
        };
        match res {
            Ok(()) => Delivery::Sent,
            Err(SendError::QueueFull { .. } | SendError::QueueBytesFull { .. }) if !volatile => {
                Delivery::NoRoom
            }
            Err(_) => Delivery::Dropped,
        }
    }
}

/// The recipients a broadcast skipped for lack of room, reported once per broadcast.
#[derive(Debug, Default)]
struct Skipped(Vec<SocketId>);

impl Skipped {
    /// Records one recipient's outcome; whether it was sent.
    fn note(&mut self, id: SocketId, d: Delivery) -> bool {
        if d == Delivery::NoRoom {
            self.0.push(id);
        }
        d == Delivery::Sent
    }

    /// The event for the application, if any recipient was skipped.
    fn report(self, events: &mut std::collections::VecDeque<super::IoEvent>) {
        if !self.0.is_empty() {
            events.push_back(super::IoEvent::BroadcastSkipped { sockets: self.0 });
        }
    }
}

impl<P: Parser> SocketIoServer<P> {
    /// A target of every other socket in `socket`'s namespace (the official
    /// `socket.broadcast`); narrow it further with [`Target::to`] / [`Target::except`].
    pub fn broadcast_from(&self, socket: SocketId) -> Result<Target, SocketError> {
        let nsp = self
            .socket_namespace(socket)
            .ok_or(SocketError::UnknownSocket)?;
        Ok(Target::namespace(nsp).except_socket(socket))
    }

    /// Emits an event to every socket `target` selects; returns how many were sent it.
    /// The packet is encoded once and shared; it counts in full toward each recipient's
    /// budget. A recipient whose queue has no room for it (over its packet or byte
    /// budget) is skipped and reported, with the others skipped by the same broadcast, in
    /// one [`IoEvent::BroadcastSkipped`](super::IoEvent::BroadcastSkipped); a volatile
    /// broadcast skips silently the recipients whose transport is not writable or has no
    /// room. `args` as in [`emit`](Self::emit).
    ///
    /// A well-formed namespace that does not exist (yet) has no recipient: `Ok(0)`.
    ///
    /// Errors: [`EmitError::UnknownNamespace`] if the name is malformed,
    /// [`EmitError::ReservedEventName`], [`EmitError::Serialize`].
    pub fn broadcast<A: Serialize + ?Sized>(
        &mut self,
        target: &Target,
        event: &str,
        args: &A,
    ) -> Result<usize, EmitError> {
        let (frame, attachments) = super::commands::split_frames(self.parser.encode_event(
            &target.nsp,
            event,
            None,
            args,
        )?);
        let shared = Shared { frame, attachments };
        let count = self.deliver_shared(target, &shared);
        self.cluster(|| super::ClusterEvent::Broadcast {
            target: target.clone(),
            frame: shared.frame,
            attachments: shared.attachments,
        });
        Ok(count)
    }

    /// Queues an encoded broadcast for every local socket `target` selects.
    pub(super) fn deliver_shared(&mut self, target: &Target, shared: &Shared) -> usize {
        let Some(nsp) = self.nsps.find(&target.nsp) else {
            return 0; // a namespace nobody has joined yet
        };
        let epoch = self.next_epoch();
        let engine = &mut self.engine;
        let mut count = 0;
        let mut skipped = Skipped::default();
        for_each_target(
            &self.nsps,
            &mut self.sockets,
            nsp,
            target,
            epoch,
            |id, s| {
                if skipped.note(id, shared.deliver(engine, s, target.volatile)) {
                    count += 1;
                }
            },
        );
        skipped.report(&mut self.events);
        count
    }

    /// Emits an event to every socket `target` selects and collects their acks: each
    /// answer arrives as [`IoEvent::BroadcastAckReceived`](super::IoEvent), then one
    /// [`IoEvent::BroadcastAckComplete`](super::IoEvent) when all answered or `timeout`
    /// passed since `now` (clamped: a `now` earlier than one seen before counts as that
    /// one), listing the sockets that did not answer (with no recipient it completes at
    /// once). With `timeout: None` it waits until every recipient answered or
    /// disconnected (those that disconnected first are the ones listed), as
    /// [`emit_with_ack`](Self::emit_with_ack) does. Recipients skipped for lack of room
    /// are reported as by [`broadcast`](Self::broadcast) and not waited for. Errors as
    /// [`broadcast`](Self::broadcast).
    pub fn broadcast_with_ack<A: Serialize + ?Sized>(
        &mut self,
        now: Instant,
        target: &Target,
        event: &str,
        args: &A,
        timeout: Option<Duration>,
    ) -> Result<BroadcastAckId, EmitError> {
        let now = self.clock.advance(now);
        let nsp = self.nsps.find(&target.nsp);
        let ack_id = nsp.and_then(|i| self.nsps.get(i)).map_or(0, |n| n.next_ack);
        let enc = self
            .parser
            .encode_event(&target.nsp, event, Some(ack_id), args)?;
        let bid = self.acks.next_broadcast_id();
        let Some(nsp) = nsp else {
            // A namespace nobody has joined yet: no recipient.
            self.events.push_back(super::IoEvent::BroadcastAckComplete {
                broadcast: bid,
                missing: Vec::new(),
            });
            return Ok(bid);
        };
        if let Some(n) = self.nsps.get_mut(nsp) {
            n.take_ack_id();
        }
        let (frame, attachments) = super::commands::split_frames(enc);
        let shared = Shared { frame, attachments };
        let epoch = self.next_epoch();
        let engine = &mut self.engine;
        let mut pending = super::namespaces::SocketSet::default();
        let mut skipped = Skipped::default();
        for_each_target(
            &self.nsps,
            &mut self.sockets,
            nsp,
            target,
            epoch,
            |id, s| {
                if skipped.note(id, shared.deliver(engine, s, target.volatile)) {
                    pending.insert(id);
                }
            },
        );
        skipped.report(&mut self.events);
        if pending.is_empty() {
            self.events.push_back(super::IoEvent::BroadcastAckComplete {
                broadcast: bid,
                missing: Vec::new(),
            });
            return Ok(bid);
        }
        let timer = timeout.map(|t| self.timers.add(deadline(now, t), Timer::Broadcast(bid)));
        self.acks.by_ack.insert((nsp, ack_id), bid);
        self.acks.broadcasts.insert(
            bid,
            BroadcastAck {
                nsp,
                ack_id,
                pending,
                timer,
                gone: Vec::new(),
            },
        );
        Ok(bid)
    }

    /// The sockets `target` selects now (sorted), e.g. to inspect a target in tests.
    pub fn targets(&mut self, target: &Target) -> Vec<SocketId> {
        let Some(nsp) = self.nsps.find(&target.nsp) else {
            return Vec::new();
        };
        let epoch = self.next_epoch();
        let mut out = Vec::new();
        for_each_target(
            &self.nsps,
            &mut self.sockets,
            nsp,
            target,
            epoch,
            |id, _| out.push(id),
        );
        out.sort();
        out
    }

    fn next_epoch(&mut self) -> u32 {
        self.epoch = self.epoch.wrapping_add(1);
        if self.epoch == 0 {
            self.sockets.reset_marks();
            self.epoch = 1;
        }
        self.epoch
    }
}

/// Calls `f` once for every socket of namespace `nsp` that `target` selects.
fn for_each_target(
    nsps: &Namespaces,
    sockets: &mut SocketTable,
    nsp: u32,
    target: &Target,
    epoch: u32,
    mut f: impl FnMut(SocketId, &super::sockets::Socket),
) {
    let Some(ns) = nsps.get(nsp) else {
        return;
    };
    let no_exceptions = target.except_sockets.is_empty() && target.except_rooms.is_empty();
    // Stamp the exceptions first; a stamped socket is skipped below.
    for &id in &target.except_sockets {
        if let Some(s) = sockets.get_mut(id) {
            s.mark = epoch;
        }
    }
    for room in &target.except_rooms {
        for_room(ns, sockets, nsp, room, |sockets, id| {
            if let Some(s) = sockets.get_mut(id) {
                s.mark = epoch;
            }
        });
    }
    if target.rooms.is_empty() {
        for &id in &ns.members {
            if let Some(s) = sockets.get(id) {
                if s.mark != epoch {
                    f(id, s);
                }
            }
        }
        return;
    }
    if let ([room], true) = (target.rooms.as_slice(), no_exceptions) {
        // One room, nothing excluded: every member once, no stamping (read-only pass).
        for_room(ns, sockets, nsp, room, |sockets, id| {
            if let Some(s) = sockets.get(id) {
                f(id, s);
            }
        });
        return;
    }
    for room in &target.rooms {
        for_room(ns, sockets, nsp, room, |sockets, id| {
            if let Some(s) = sockets.get_mut(id) {
                if s.mark != epoch {
                    s.mark = epoch;
                    f(id, s);
                }
            }
        });
    }
}

/// Calls `f` for each member of `room` in namespace `ns`, the own-id room included.
fn for_room(
    ns: &super::namespaces::Namespace,
    sockets: &mut SocketTable,
    nsp: u32,
    room: &str,
    mut f: impl FnMut(&mut SocketTable, SocketId),
) {
    if let Some(members) = ns.rooms.get(room) {
        for &id in members {
            f(sockets, id);
        }
    }
    if let Some(id) = sockets.by_sid(room) {
        if sockets.get(id).is_some_and(|s| s.nsp == nsp) {
            f(sockets, id);
        }
    }
}
