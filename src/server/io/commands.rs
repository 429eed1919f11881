//! Application commands on sockets: accept/reject a CONNECT, emit, ack, rooms,
//! disconnect, close, shutdown.

use super::acks::Timer;
use super::sockets::Socket;
use super::types::{AcceptError, AckRequest, ConnectRequest, DisconnectReason, SocketId};
use super::SocketIoServer;
use crate::error::{AckError, EmitError, SendError, SocketError};
use crate::server::{OutMessage, SessionId, TextFrame};
use crate::socketio::{Frames, MessageFrame, Parser};
use serde::Serialize;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The engine messages of an encoded packet, split as its first message (a text frame
/// taken as is, `"4"` already in front, or one binary message) and the binary
/// attachments that follow it.
pub(super) fn split_frames(enc: Frames) -> (OutMessage, Vec<bytes::Bytes>) {
    match enc {
        Frames::Text(MessageFrame { frame, attachments }) => (
            OutMessage::Text(TextFrame::from_message_frame(frame)),
            attachments,
        ),
        Frames::Binary(b) => (OutMessage::Binary(b), Vec::new()),
    }
}

/// The engine messages of an encoded packet, in order.
pub(super) fn out_messages(enc: Frames) -> impl Iterator<Item = OutMessage> {
    let (first, rest) = split_frames(enc);
    std::iter::once(first).chain(rest.into_iter().map(OutMessage::Binary))
}

impl<P: Parser> SocketIoServer<P> {
    /// Accepts a CONNECT: the socket joins the namespace (created now if it was
    /// dynamic) and the room of its own id, and the reply `0[/nsp,]{"sid":"…"}` is
    /// queued at once, so it precedes anything emitted to the socket afterwards.
    ///
    /// Errors: [`AcceptError::Stale`] if its session closed;
    /// [`AcceptError::QueueFull`] / [`AcceptError::QueueBytesFull`] if the session's
    /// queue is full in packets / bytes (the request is given back, still pending).
    pub fn accept(&mut self, request: ConnectRequest) -> Result<SocketId, AcceptError> {
        let pending = self.requests.get(&request.id).ok_or(AcceptError::Stale)?;
        let session = pending.session;
        let name = pending.nsp.clone();
        if !self.clients.contains_key(&session) {
            self.requests.remove(&request.id);
            return Err(AcceptError::Stale);
        }
        let sid: Arc<str> = Arc::from(self.socket_ids.next_id());
        let reply = self
            .parser
            .encode_connect_ok(&name, &sid)
            .map_err(|_| AcceptError::Stale)?;
        match self.engine.send_many(session, out_messages(reply)) {
            Ok(()) => {}
            Err(SendError::QueueFull { limit }) => {
                return Err(AcceptError::QueueFull { request, limit })
            }
            Err(SendError::QueueBytesFull { limit }) => {
                return Err(AcceptError::QueueBytesFull { request, limit })
            }
            Err(_) => return Err(AcceptError::Stale),
        }
        self.requests.remove(&request.id);
        let nsp = self.nsps.get_or_create(&name);
        let socket = self.sockets.insert(Socket {
            sid,
            session,
            nsp,
            rooms: Vec::new(),
            pending_in_acks: Vec::new(),
            mark: 0,
        });
        if let Some(n) = self.nsps.get_mut(nsp) {
            n.members.insert(socket);
        }
        if let Some(client) = self.clients.get_mut(&session) {
            client.pending.retain(|(_, r)| *r != request.id);
            client.sockets.push((nsp, socket));
            if let Some(key) = client.connect_timer.take() {
                self.timers.cancel(key);
            }
        }
        Ok(socket)
    }

    /// Rejects a CONNECT with a CONNECT_ERROR `4[/nsp,]{"message":…,"data":…}` (the
    /// official middleware error; `data` is left out when `None`). The session stays
    /// open. Errors as [`accept`](Self::accept).
    pub fn reject(
        &mut self,
        request: ConnectRequest,
        message: &str,
        data: Option<serde_json::Value>,
    ) -> Result<(), AcceptError> {
        let pending = self.requests.get(&request.id).ok_or(AcceptError::Stale)?;
        let session = pending.session;
        let packet = self
            .parser
            .encode_connect_error(&pending.nsp, message, data.as_ref())
            .map_err(|_| AcceptError::Stale)?;
        match self.engine.send_many(session, out_messages(packet)) {
            Ok(()) => {}
            Err(SendError::QueueFull { limit }) => {
                return Err(AcceptError::QueueFull { request, limit })
            }
            Err(SendError::QueueBytesFull { limit }) => {
                return Err(AcceptError::QueueBytesFull { request, limit })
            }
            Err(_) => {
                self.requests.remove(&request.id);
                return Err(AcceptError::Stale);
            }
        }
        self.requests.remove(&request.id);
        if let Some(client) = self.clients.get_mut(&session) {
            client.pending.retain(|(_, r)| *r != request.id);
        }
        Ok(())
    }

    /// Sends a CONNECT_ERROR the application did not ask for (invalid namespace…).
    pub(super) fn send_connect_error(
        &mut self,
        session: SessionId,
        nsp: &str,
        message: &str,
        data: Option<serde_json::Value>,
    ) {
        if let Ok(packet) = self
            .parser
            .encode_connect_error(nsp, message, data.as_ref())
        {
            let _ = self.engine.send_many(session, out_messages(packet));
        }
    }

    /// Emits event `event` to one socket. `args` must serialize as a sequence (a tuple
    /// such as `("a", 1)`, `(x,)` for one argument, `()` for none, an array or a `Vec`);
    /// binary values anywhere in it become attachments.
    ///
    /// Errors: [`EmitError::UnknownSocket`], [`EmitError::ReservedEventName`],
    /// [`EmitError::Serialize`], [`EmitError::QueueFull`] / [`EmitError::QueueBytesFull`]
    /// (the session's queue has no room for it in packets / bytes: nothing is queued, and
    /// the session is over budget, see
    /// [`over_budget_grace`](crate::server::EngineConfig::over_budget_grace)).
    pub fn emit<A: Serialize + ?Sized>(
        &mut self,
        socket: SocketId,
        event: &str,
        args: &A,
    ) -> Result<(), EmitError> {
        let (session, nsp) = self.socket_route(socket)?;
        let enc = self.parser.encode_event(&nsp, event, None, args)?;
        Ok(self.engine.send_many(session, out_messages(enc))?)
    }

    /// Emits an event only if the socket's transport can send it right now (a
    /// WebSocket, or a held long-poll); otherwise drops it. Returns whether it was sent.
    /// Errors as [`emit`](Self::emit), except that a full queue drops the event too.
    pub fn emit_volatile<A: Serialize + ?Sized>(
        &mut self,
        socket: SocketId,
        event: &str,
        args: &A,
    ) -> Result<bool, EmitError> {
        let (session, nsp) = self.socket_route(socket)?;
        let enc = self.parser.encode_event(&nsp, event, None, args)?;
        if !self.engine.is_writable(session) {
            return Ok(false);
        }
        Ok(self.engine.send_many(session, out_messages(enc)).is_ok())
    }

    /// Emits the `message` event (the official `socket.send(...)`).
    pub fn send<A: Serialize + ?Sized>(
        &mut self,
        socket: SocketId,
        args: &A,
    ) -> Result<(), EmitError> {
        self.emit(socket, "message", args)
    }

    /// Emits an event asking for an acknowledgement; returns its ack id. Later comes
    /// [`IoEvent::AckReceived`](super::IoEvent::AckReceived) with that id, or
    /// [`IoEvent::AckTimeout`](super::IoEvent::AckTimeout) once `timeout` has passed
    /// since `now` (clamped: a `now` earlier than one seen before counts as that one) or
    /// the socket left (`timeout: None`: only when the socket leaves).
    ///
    /// Errors as [`emit`](Self::emit), and [`EmitError::TooManyPendingAcks`] when
    /// [`IoConfig::max_pending_acks`](super::IoConfig::max_pending_acks) answers are
    /// awaited from this socket already (nothing is sent).
    pub fn emit_with_ack<A: Serialize + ?Sized>(
        &mut self,
        now: Instant,
        socket: SocketId,
        event: &str,
        args: &A,
        timeout: Option<Duration>,
    ) -> Result<u64, EmitError> {
        let now = self.clock.advance(now);
        let (session, nsp_name) = self.socket_route(socket)?;
        let limit = self.config.max_pending_acks;
        if self.acks.pending_for(socket) >= limit {
            return Err(EmitError::TooManyPendingAcks { limit });
        }
        let nsp_idx = self
            .sockets
            .get(socket)
            .map(|s| s.nsp)
            .ok_or(EmitError::UnknownSocket)?;
        let nsp = self.nsps.get_mut(nsp_idx).ok_or(EmitError::UnknownSocket)?;
        let id = nsp.next_ack;
        let enc = self.parser.encode_event(&nsp_name, event, Some(id), args)?;
        self.engine.send_many(session, out_messages(enc))?;
        if let Some(nsp) = self.nsps.get_mut(nsp_idx) {
            nsp.take_ack_id();
        }
        let key = timeout.map(|t| self.timers.add(deadline(now, t), Timer::Ack(socket, id)));
        self.acks.single.insert((socket, id), key);
        Ok(id)
    }

    /// Answers an incoming event's ack request (consumed: once). `args` must serialize
    /// as a sequence; binary values make it a BINARY_ACK.
    ///
    /// Errors: [`AckError::Stale`] if the socket is gone or the request was forgotten
    /// (see [`IoConfig::max_ack_requests`](super::IoConfig::max_ack_requests));
    /// [`AckError::Serialize`]; [`AckError::QueueFull`] / [`AckError::QueueBytesFull`].
    pub fn ack<A: Serialize + ?Sized>(
        &mut self,
        request: AckRequest,
        args: &A,
    ) -> Result<(), AckError> {
        let (socket, id) = (request.socket, request.id);
        let (session, nsp) = self.socket_route(socket).map_err(|_| AckError::Stale)?;
        let s = self.sockets.get(socket).ok_or(AckError::Stale)?;
        let pos = s
            .pending_in_acks
            .iter()
            .position(|x| *x == id)
            .ok_or(AckError::Stale)?;
        let enc = self.parser.encode_ack(&nsp, id, args)?;
        self.engine.send_many(session, out_messages(enc))?;
        if let Some(s) = self.sockets.get_mut(socket) {
            s.pending_in_acks.remove(pos);
        }
        Ok(())
    }

    /// Adds a socket to a room of its namespace (no-op if already in it).
    pub fn join(&mut self, socket: SocketId, room: &str) -> Result<(), SocketError> {
        let s = self
            .sockets
            .get_mut(socket)
            .ok_or(SocketError::UnknownSocket)?;
        if &*s.sid == room {
            return Ok(());
        }
        let nsp = self.nsps.get_mut(s.nsp).ok_or(SocketError::UnknownSocket)?;
        if let Some(name) = nsp.join(room, socket) {
            s.rooms.push(name);
            let namespace = nsp.name.to_string();
            self.cluster(|| super::ClusterEvent::Joined {
                socket,
                namespace,
                room: room.to_owned(),
            });
        }
        Ok(())
    }

    /// Removes a socket from a room (no-op if not in it; its own-id room stays).
    pub fn leave(&mut self, socket: SocketId, room: &str) -> Result<(), SocketError> {
        let s = self
            .sockets
            .get_mut(socket)
            .ok_or(SocketError::UnknownSocket)?;
        let Some(pos) = s.rooms.iter().position(|r| &**r == room) else {
            return Ok(());
        };
        s.rooms.swap_remove(pos);
        if let Some(nsp) = self.nsps.get_mut(s.nsp) {
            nsp.leave(room, socket);
            let namespace = nsp.name.to_string();
            self.cluster(|| super::ClusterEvent::Left {
                socket,
                namespace,
                room: room.to_owned(),
            });
        }
        Ok(())
    }

    /// Disconnects a socket from its namespace: sends DISCONNECT `1[/nsp,]`, reports
    /// [`DisconnectReason::ServerNamespaceDisconnect`]. The session and its other
    /// namespaces stay.
    pub fn disconnect(&mut self, socket: SocketId) -> Result<(), SocketError> {
        let (session, nsp) = self
            .socket_route(socket)
            .map_err(|_| SocketError::UnknownSocket)?;
        // Best effort: the socket leaves even if the queue is full.
        if let Ok(packet) = self.parser.encode_disconnect(&nsp) {
            let _ = self.engine.send_many(session, out_messages(packet));
        }
        self.remove_socket(socket, DisconnectReason::ServerNamespaceDisconnect);
        Ok(())
    }

    /// Closes a whole connection, as the official `socket.disconnect(true)`: every socket
    /// of the session is sent DISCONNECT and reported with
    /// [`DisconnectReason::ServerNamespaceDisconnect`], then the Engine.IO session
    /// closes. Over polling, queued packets wait for the next poll for at most
    /// `ping_timeout` from `now` (clamped like every input).
    pub fn close_session(&mut self, now: Instant, session: SessionId) -> Result<(), SocketError> {
        let now = self.clock.advance(now);
        let sockets = self.session_sockets(session);
        if !self.clients.contains_key(&session) {
            return Err(SocketError::UnknownSession);
        }
        for socket in sockets {
            self.disconnect(socket)?;
        }
        self.teardown(session, DisconnectReason::ForcedClose);
        let result = self.engine.close_session(now, session);
        self.pump();
        result
    }

    /// Shuts the server down: every socket is reported with
    /// [`DisconnectReason::ServerShuttingDown`], every session closes, new handshakes are
    /// refused.
    pub(crate) fn shutdown_at(&mut self, now: Instant) {
        let now = self.clock.advance(now);
        let mut sessions: Vec<SessionId> = self.clients.keys().copied().collect();
        sessions.sort();
        for session in sessions {
            self.teardown(session, DisconnectReason::ServerShuttingDown);
        }
        self.engine.shutdown_at(now);
        self.pump();
    }

    /// The session and namespace name of a live socket.
    pub(super) fn socket_route(
        &self,
        socket: SocketId,
    ) -> Result<(SessionId, Arc<str>), EmitError> {
        let s = self.sockets.get(socket).ok_or(EmitError::UnknownSocket)?;
        let nsp = self.nsps.get(s.nsp).ok_or(EmitError::UnknownSocket)?;
        Ok((s.session, nsp.name.clone()))
    }
}

/// `now + timeout`, saturating far in the future.
pub(super) fn deadline(now: Instant, timeout: Duration) -> Instant {
    now.checked_add(timeout)
        .or_else(|| now.checked_add(Duration::from_secs(86_400 * 365)))
        .unwrap_or(now)
}
