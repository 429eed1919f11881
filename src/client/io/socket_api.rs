//! The socket commands of the [`Manager`]: create, connect, disconnect, emit, ack, and
//! what the application may ask about a socket.

use super::event::IoEvent;
use super::manager::{socket_id, Manager, Ready};
use super::socket::{BufferLimits, Buffered, SocketState};
use crate::error::{AckError, AuthError, EmitError, NamespaceError, SocketError};
use crate::socketio::{encode_ack, encode_event, Encoded, Packet};
use crate::time::{Duration, Instant};
use crate::transport::{AckRequest, DisconnectReason, SocketId};
use serde::Serialize;

impl Manager {
    /// The socket for namespace `nsp`, created on first use with `auth` as its CONNECT
    /// payload (a JSON object). Like the JS manager's `socket(nsp, opts)`, a later call
    /// for the same namespace returns the same socket and ignores `auth` (change it with
    /// [`set_auth`](Self::set_auth)). The socket does nothing until
    /// [`connect`](Self::connect). Its handle stays valid for the manager's lifetime.
    ///
    /// Errors: [`NamespaceError::Invalid`] if `nsp` does not start with `/` or contains
    /// `,`; [`NamespaceError::Auth`] with [`AuthError::NotAnObject`] if `auth` is not an
    /// object.
    pub fn socket(
        &mut self,
        nsp: &str,
        auth: Option<serde_json::Value>,
    ) -> Result<SocketId, NamespaceError> {
        if !nsp.starts_with('/') || nsp.contains(',') {
            return Err(NamespaceError::Invalid(nsp.to_owned()));
        }
        if auth.as_ref().is_some_and(|a| !a.is_object()) {
            return Err(NamespaceError::Auth(AuthError::NotAnObject));
        }
        if let Some(i) = self.sockets.iter().position(|s| s.nsp == nsp) {
            return Ok(socket_id(i));
        }
        let limit = u32::MAX as usize;
        if self.sockets.len() >= limit {
            return Err(NamespaceError::TooMany { limit });
        }
        self.sockets.push(SocketState::new(nsp.to_owned(), auth));
        Ok(socket_id(self.sockets.len() - 1))
    }

    /// Replaces the CONNECT payload of a socket (used from its next CONNECT on, e.g.
    /// after a token refresh, before a reconnection).
    ///
    /// Errors: [`AuthError::NotAnObject`]; [`AuthError::UnknownSocket`] for a handle of
    /// another manager.
    pub fn set_auth(
        &mut self,
        socket: SocketId,
        auth: Option<serde_json::Value>,
    ) -> Result<(), AuthError> {
        if auth.as_ref().is_some_and(|a| !a.is_object()) {
            return Err(AuthError::NotAnObject);
        }
        self.state_mut(socket)
            .map_err(|_| AuthError::UnknownSocket)?
            .auth = auth;
        Ok(())
    }

    /// Connects the socket to its namespace: opens the connection if needed and sends
    /// CONNECT once it is open (and again after every reconnection, until
    /// [`disconnect`](Self::disconnect)). Does nothing if already connected.
    ///
    /// Errors: [`SocketError::UnknownSocket`] for a handle of another manager.
    pub fn connect(&mut self, now: Instant, socket: SocketId) -> Result<(), SocketError> {
        let now = self.clock.advance(now);
        let s = self.state_mut(socket)?;
        if s.connected {
            return Ok(());
        }
        s.active = true;
        self.open_at(now);
        if self.ready == Ready::Open {
            self.send_connect(socket.idx as usize);
        }
        Ok(())
    }

    /// Disconnects the socket from its namespace (sends DISCONNECT if connected) and
    /// stops reconnecting it; `Disconnected { reason: IoClientDisconnect }` follows if it
    /// was connected. When no socket is left active, the connection is closed.
    ///
    /// Errors: [`SocketError::UnknownSocket`] for a handle of another manager.
    pub fn disconnect(&mut self, now: Instant, socket: SocketId) -> Result<(), SocketError> {
        let now = self.clock.advance(now);
        let i = socket.idx as usize;
        let s = self.state(socket)?;
        let (was_connected, nsp) = (s.connected, s.nsp.clone());
        if was_connected {
            if let Ok(p) = Packet::disconnect(&nsp) {
                // The socket is going away either way; a full engine queue only loses
                // the courtesy DISCONNECT.
                let _ = self.write_packet(p.encode());
            }
            self.socket_closed(i, DisconnectReason::IoClientDisconnect);
        }
        self.destroy_socket(now, i);
        Ok(())
    }

    /// Emits `event` with `args` (anything that serializes as a sequence: a tuple such as
    /// `("hi", 1)`, a `Vec`, `()` for none; binary values anywhere). Sent now if the
    /// socket is connected, else buffered and sent in order on (re)connection.
    ///
    /// Errors: [`EmitError::UnknownSocket`], [`EmitError::ReservedEventName`],
    /// [`EmitError::Serialize`], [`EmitError::QueueFull`] (send buffer or engine queue
    /// full; nothing was queued).
    pub fn emit<T: Serialize + ?Sized>(
        &mut self,
        socket: SocketId,
        event: &str,
        args: &T,
    ) -> Result<(), EmitError> {
        let packet = encode_event(
            &self
                .state(socket)
                .map_err(|_| EmitError::UnknownSocket)?
                .nsp,
            event,
            None,
            args,
        )?;
        self.send_or_buffer(socket, None, packet)
    }

    /// Emits `event` only if the socket is connected and the transport can take it now;
    /// otherwise drops it (the JS client's `socket.volatile.emit`). Returns whether it
    /// was sent.
    ///
    /// Errors: as [`emit`](Self::emit).
    pub fn emit_volatile<T: Serialize + ?Sized>(
        &mut self,
        socket: SocketId,
        event: &str,
        args: &T,
    ) -> Result<bool, EmitError> {
        let s = self.state(socket).map_err(|_| EmitError::UnknownSocket)?;
        let packet = encode_event(&s.nsp, event, None, args)?;
        if !(s.connected && self.writable()) {
            return Ok(false);
        }
        self.write_packet(packet)?;
        Ok(true)
    }

    /// Emits `event` asking the server for an acknowledgement; returns the ack id. The
    /// answer arrives as [`IoEvent::AckReceived`]; with a `timeout`, no answer in time
    /// gives [`IoEvent::AckTimeout`] (the timer starts at `now`, even if the packet waits
    /// in the buffer, which it then leaves). `None` waits until the socket goes: if it
    /// disconnects after the packet was sent, [`IoEvent::AckCancelled`] follows.
    ///
    /// Errors: as [`emit`](Self::emit), and [`EmitError::TooManyPendingAcks`] when
    /// [`max_pending_acks`](super::ManagerConfig::max_pending_acks) acks are awaited
    /// already (nothing was sent).
    pub fn emit_with_ack<T: Serialize + ?Sized>(
        &mut self,
        now: Instant,
        socket: SocketId,
        event: &str,
        args: &T,
        timeout: Option<Duration>,
    ) -> Result<u64, EmitError> {
        let now = self.clock.advance(now);
        let limit = self.config.max_pending_acks;
        let deadline = timeout.map(|t| now.checked_add(t).unwrap_or(now));
        let s = self
            .state_mut(socket)
            .map_err(|_| EmitError::UnknownSocket)?;
        let id = s.register_ack(deadline, limit)?;
        let result = encode_event(&s.nsp, event, Some(id), args)
            .and_then(|packet| self.send_or_buffer(socket, Some(id), packet));
        if let Err(e) = result {
            if let Ok(s) = self.state_mut(socket) {
                s.take_ack(id);
            }
            return Err(e);
        }
        Ok(id)
    }

    /// Answers the server's ack request with `args` (a sequence, binary allowed). The
    /// token is consumed: a request is answered once.
    ///
    /// Errors: [`AckError::Stale`] if the socket disconnected since the request arrived
    /// (the server has forgotten it), [`AckError::Serialize`], [`AckError::QueueFull`].
    pub fn ack<T: Serialize + ?Sized>(
        &mut self,
        request: AckRequest,
        args: &T,
    ) -> Result<(), AckError> {
        let s = self.state(request.socket).map_err(|_| AckError::Stale)?;
        if !s.connected || s.epoch != request.epoch {
            return Err(AckError::Stale);
        }
        let packet = encode_ack(&s.nsp, request.id, args).map_err(|e| match e {
            EmitError::Serialize(m) => AckError::Serialize(m),
            other => AckError::Serialize(other.to_string()),
        })?;
        Ok(self.write_packet(packet)?)
    }

    /// The namespace of a socket.
    pub fn socket_namespace(&self, socket: SocketId) -> Option<&str> {
        self.state(socket).ok().map(|s| s.nsp.as_str())
    }

    /// The server-assigned id of a connected socket.
    pub fn socket_sid(&self, socket: SocketId) -> Option<&str> {
        self.state(socket).ok().and_then(|s| s.sid.as_deref())
    }

    /// Whether the socket is connected to its namespace.
    pub fn is_connected(&self, socket: SocketId) -> bool {
        self.state(socket).is_ok_and(|s| s.connected)
    }

    /// Whether the socket should be connected (connect was called, and neither a
    /// disconnect nor a refusal followed).
    pub fn is_active(&self, socket: SocketId) -> bool {
        self.state(socket).is_ok_and(|s| s.active)
    }

    /// How many packets wait in the socket's send buffer.
    pub fn buffered(&self, socket: SocketId) -> usize {
        self.state(socket).map_or(0, |s| s.buffered())
    }

    /// How many bytes the packets in the socket's send buffer hold (at most
    /// [`max_buffered_bytes`](super::ManagerConfig::max_buffered_bytes), or one packet).
    pub fn buffered_bytes(&self, socket: SocketId) -> usize {
        self.state(socket).map_or(0, |s| s.buffered_bytes())
    }

    fn buffer_limits(&self) -> BufferLimits {
        BufferLimits {
            packets: self.config.max_buffered_packets,
            bytes: self.config.max_buffered_bytes,
        }
    }

    /// How many acknowledgements the socket waits for.
    pub fn pending_acks(&self, socket: SocketId) -> usize {
        self.state(socket).map_or(0, |s| s.pending_acks())
    }

    // ----- internals ----------------------------------------------------------------

    pub(crate) fn state(&self, socket: SocketId) -> Result<&SocketState, SocketError> {
        if socket.gen != 0 {
            return Err(SocketError::UnknownSocket);
        }
        self.sockets
            .get(socket.idx as usize)
            .ok_or(SocketError::UnknownSocket)
    }

    pub(crate) fn state_mut(&mut self, socket: SocketId) -> Result<&mut SocketState, SocketError> {
        if socket.gen != 0 {
            return Err(SocketError::UnknownSocket);
        }
        self.sockets
            .get_mut(socket.idx as usize)
            .ok_or(SocketError::UnknownSocket)
    }

    fn send_or_buffer(
        &mut self,
        socket: SocketId,
        ack: Option<u64>,
        packet: Encoded,
    ) -> Result<(), EmitError> {
        let limits = self.buffer_limits();
        let s = self
            .state_mut(socket)
            .map_err(|_| EmitError::UnknownSocket)?;
        if s.connected {
            Ok(self.write_packet(packet)?)
        } else {
            s.buffer(Buffered { ack, packet }, limits)
        }
    }

    /// Sends CONNECT for socket `i` if it is active and has not sent it on this
    /// connection.
    pub(crate) fn send_connect(&mut self, i: usize) {
        let generation = self.generation;
        let Some(s) = self.sockets.get_mut(i) else {
            return;
        };
        if !s.active || s.connected || s.connect_sent_on == Some(generation) {
            return;
        }
        let Ok(p) = Packet::connect(&s.nsp, s.auth.as_ref()) else {
            return;
        };
        if self.write_packet(p.encode()).is_ok() {
            if let Some(s) = self.sockets.get_mut(i) {
                s.connect_sent_on = Some(generation);
            }
        }
    }

    /// The socket stops being active; when none is left, the connection closes (the JS
    /// manager's `_destroy`).
    pub(crate) fn destroy_socket(&mut self, now: Instant, i: usize) {
        if let Some(s) = self.sockets.get_mut(i) {
            s.active = false;
            s.connect_sent_on = None;
        }
        if !self.sockets.iter().any(|s| s.active) {
            self.close_all(now);
        }
    }

    /// Socket `i` lost its namespace connection: `Disconnected` if it was connected, and
    /// the acks of packets already sent are cancelled.
    pub(crate) fn socket_closed(&mut self, i: usize, reason: DisconnectReason) {
        let Some(s) = self.sockets.get_mut(i) else {
            return;
        };
        s.connect_sent_on = None;
        if !s.connected {
            return;
        }
        s.connected = false;
        s.sid = None;
        let cancelled = s.cancel_sent_acks();
        let socket = socket_id(i);
        self.events
            .push_back(IoEvent::Disconnected { socket, reason });
        for id in cancelled {
            self.events.push_back(IoEvent::AckCancelled { socket, id });
        }
    }

    /// Socket `i` is connected: send what it buffered, in order.
    pub(crate) fn flush_buffer(&mut self, i: usize) {
        let Some(s) = self.sockets.get_mut(i) else {
            return;
        };
        let mut pending = s.drain_buffer();
        while let Some(item) = pending.pop_front() {
            if self.write_packet(item.packet.clone()).is_err() {
                // The engine queue is full: keep the rest for the next connection.
                let limits = self.buffer_limits();
                if let Some(s) = self.sockets.get_mut(i) {
                    let _ = s.buffer(item, limits);
                    for rest in pending {
                        let _ = s.buffer(rest, limits);
                    }
                }
                return;
            }
        }
    }
}
