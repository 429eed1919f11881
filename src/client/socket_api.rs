//! The socket commands of the [`Manager`]: create, connect, disconnect, emit, ack.

use super::manager::{Manager, Ready};
use super::manager_event::{AckRequest, ClientEvent, DisconnectReason, SocketId};
use super::socket::{Buffered, SocketState};
use crate::error::Error;
use crate::socketio::{encode_ack, encode_event, Packet};
use crate::time::{Duration, Instant};
use serde::Serialize;

impl Manager {
    /// The socket for namespace `nsp`, created on first use with `auth` as its CONNECT
    /// payload (a JSON object). Like the JS manager's `socket(nsp, opts)`, a later call
    /// for the same namespace returns the same socket and ignores `auth` (change it with
    /// [`set_auth`](Self::set_auth)). The socket does nothing until
    /// [`connect`](Self::connect).
    ///
    /// Errors: [`Error::InvalidNamespace`] if `nsp` does not start with `/` or contains
    /// `,`; [`Error::Serialize`] if `auth` is not an object.
    pub fn socket(
        &mut self,
        nsp: &str,
        auth: Option<serde_json::Value>,
    ) -> Result<SocketId, Error> {
        if !nsp.starts_with('/') || nsp.contains(',') {
            return Err(Error::InvalidNamespace(nsp.to_owned()));
        }
        if auth.as_ref().is_some_and(|a| !a.is_object()) {
            return Err(Error::Serialize("auth must be a JSON object".into()));
        }
        if let Some(i) = self.sockets.iter().position(|s| s.nsp == nsp) {
            return Ok(SocketId(i as u32));
        }
        let id = u32::try_from(self.sockets.len())
            .map_err(|_| Error::InvalidConfig("too many sockets"))?;
        self.sockets.push(SocketState::new(nsp.to_owned(), auth));
        Ok(SocketId(id))
    }

    /// Replaces the CONNECT payload of a socket (used from its next CONNECT on, e.g.
    /// after a token refresh, before a reconnection).
    ///
    /// Errors: [`Error::UnknownSocket`]; [`Error::Serialize`] if `auth` is not an object.
    pub fn set_auth(
        &mut self,
        socket: SocketId,
        auth: Option<serde_json::Value>,
    ) -> Result<(), Error> {
        if auth.as_ref().is_some_and(|a| !a.is_object()) {
            return Err(Error::Serialize("auth must be a JSON object".into()));
        }
        self.state_mut(socket)?.auth = auth;
        Ok(())
    }

    /// Connects the socket to its namespace: opens the connection if needed and sends
    /// CONNECT once it is open (and again after every reconnection, until
    /// [`disconnect`](Self::disconnect)). Does nothing if already connected.
    pub fn connect(&mut self, now: Instant, socket: SocketId) -> Result<(), Error> {
        let now = self.clock.advance(now);
        let s = self.state_mut(socket)?;
        if s.connected {
            return Ok(());
        }
        s.active = true;
        self.open_at(now);
        if self.ready == Ready::Open {
            self.send_connect(now, socket.0 as usize);
        }
        Ok(())
    }

    /// Disconnects the socket from its namespace (sends DISCONNECT if connected) and
    /// stops reconnecting it; `Disconnected { reason: IoClientDisconnect }` follows if it
    /// was connected. When no socket is left active, the connection is closed.
    pub fn disconnect(&mut self, now: Instant, socket: SocketId) -> Result<(), Error> {
        let now = self.clock.advance(now);
        let i = socket.0 as usize;
        let s = self.state_mut(socket)?;
        let nsp = s.nsp.clone();
        let was_connected = s.connected;
        if was_connected {
            if let Ok(p) = Packet::disconnect(&nsp) {
                // The socket is going away either way; a full engine queue only loses
                // the courtesy DISCONNECT.
                let _ = self.write_packet(now, p.encode());
            }
        }
        if was_connected {
            self.socket_closed(i, DisconnectReason::IoClientDisconnect);
        }
        self.destroy_socket(now, i);
        Ok(())
    }

    /// Emits `event` with `args` (anything that serializes as a sequence: a tuple such as
    /// `("hi", 1)`, a `Vec`, `()` for none; binary values anywhere). Sent now if the
    /// socket is connected, else buffered and sent in order on (re)connection.
    ///
    /// Errors: [`Error::ReservedEventName`], [`Error::Serialize`],
    /// [`Error::QueueFull`] (send buffer or engine queue full).
    pub fn emit<T: Serialize + ?Sized>(
        &mut self,
        now: Instant,
        socket: SocketId,
        event: &str,
        args: &T,
    ) -> Result<(), Error> {
        let now = self.clock.advance(now);
        let nsp = self.state(socket)?.nsp.clone();
        let packet = encode_event(&nsp, event, None, args)?;
        self.send_or_buffer(now, socket, None, packet)
    }

    /// Emits `event` only if the socket is connected and the transport can take it now;
    /// otherwise drops it (the JS client's `socket.volatile.emit`). Returns whether it
    /// was sent.
    pub fn emit_volatile<T: Serialize + ?Sized>(
        &mut self,
        now: Instant,
        socket: SocketId,
        event: &str,
        args: &T,
    ) -> Result<bool, Error> {
        let now = self.clock.advance(now);
        let s = self.state(socket)?;
        let nsp = s.nsp.clone();
        let packet = encode_event(&nsp, event, None, args)?;
        if !(s.connected && self.writable()) {
            return Ok(false);
        }
        self.write_packet(now, packet)?;
        Ok(true)
    }

    /// Emits `event` asking the server for an acknowledgement; returns the ack id. The
    /// answer arrives as [`ClientEvent::Ack`]; with a `timeout`, no answer in time gives
    /// [`ClientEvent::AckTimeout`] (the timer starts now, even if the packet waits in
    /// the buffer, which it then leaves). If the socket disconnects after the packet was
    /// sent, [`ClientEvent::AckCancelled`] follows.
    ///
    /// Errors: as [`emit`](Self::emit), and [`Error::QueueFull`] when
    /// [`max_pending_acks`](super::ManagerConfig::max_pending_acks) acks are pending.
    pub fn emit_with_ack<T: Serialize + ?Sized>(
        &mut self,
        now: Instant,
        socket: SocketId,
        event: &str,
        args: &T,
        timeout: Option<Duration>,
    ) -> Result<u64, Error> {
        let now = self.clock.advance(now);
        let limit = self.config.max_pending_acks;
        let deadline = timeout.map(|t| now.checked_add(t).unwrap_or(now));
        let s = self.state_mut(socket)?;
        let nsp = s.nsp.clone();
        let id = s.register_ack(deadline, limit)?;
        let result = encode_event(&nsp, event, Some(id), args)
            .map_err(Error::from)
            .and_then(|packet| self.send_or_buffer(now, socket, Some(id), packet));
        if let Err(e) = result {
            if let Ok(s) = self.state_mut(socket) {
                s.take_ack(id);
            }
            return Err(e);
        }
        Ok(id)
    }

    /// Answers the server's ack request with `args` (a sequence, binary allowed).
    ///
    /// Errors: [`Error::NotConnected`] if the socket disconnected since the request
    /// arrived (the server has forgotten it), [`Error::Serialize`], [`Error::QueueFull`].
    pub fn ack<T: Serialize + ?Sized>(
        &mut self,
        now: Instant,
        request: AckRequest,
        args: &T,
    ) -> Result<(), Error> {
        let now = self.clock.advance(now);
        let s = self.state(request.socket)?;
        if !s.connected || s.session != request.session {
            return Err(Error::NotConnected);
        }
        let packet = encode_ack(&s.nsp, request.id, args)?;
        self.write_packet(now, packet)
    }

    /// The namespace of a socket.
    pub fn socket_nsp(&self, socket: SocketId) -> Option<&str> {
        self.sockets.get(socket.0 as usize).map(|s| s.nsp.as_str())
    }

    /// The server-assigned id of a connected socket.
    pub fn socket_sid(&self, socket: SocketId) -> Option<&str> {
        self.sockets
            .get(socket.0 as usize)
            .and_then(|s| s.sid.as_deref())
    }

    /// Whether the socket is connected to its namespace.
    pub fn is_connected(&self, socket: SocketId) -> bool {
        self.sockets
            .get(socket.0 as usize)
            .is_some_and(|s| s.connected)
    }

    /// Whether the socket should be connected (connect was called, and neither a
    /// disconnect nor a refusal followed).
    pub fn is_active(&self, socket: SocketId) -> bool {
        self.sockets
            .get(socket.0 as usize)
            .is_some_and(|s| s.active)
    }

    /// How many packets wait in the socket's send buffer.
    pub fn buffered(&self, socket: SocketId) -> usize {
        self.sockets
            .get(socket.0 as usize)
            .map_or(0, |s| s.buffered())
    }

    /// How many acknowledgements the socket waits for.
    pub fn pending_acks(&self, socket: SocketId) -> usize {
        self.sockets
            .get(socket.0 as usize)
            .map_or(0, |s| s.pending_acks())
    }

    // ----- internals ----------------------------------------------------------------

    pub(crate) fn state(&self, socket: SocketId) -> Result<&SocketState, Error> {
        self.sockets
            .get(socket.0 as usize)
            .ok_or(Error::UnknownSocket)
    }

    pub(crate) fn state_mut(&mut self, socket: SocketId) -> Result<&mut SocketState, Error> {
        self.sockets
            .get_mut(socket.0 as usize)
            .ok_or(Error::UnknownSocket)
    }

    fn send_or_buffer(
        &mut self,
        now: Instant,
        socket: SocketId,
        ack: Option<u64>,
        packet: crate::socketio::Encoded,
    ) -> Result<(), Error> {
        let limit = self.config.max_buffered_packets;
        let s = self.state_mut(socket)?;
        if s.connected {
            self.write_packet(now, packet)
        } else {
            s.buffer(Buffered { ack, packet }, limit)
        }
    }

    /// Sends CONNECT for socket `i` if it is active and has not sent it on this
    /// connection.
    pub(crate) fn send_connect(&mut self, now: Instant, i: usize) {
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
        if self.write_packet(now, p.encode()).is_ok() {
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
        let socket = SocketId(i as u32);
        self.events
            .push_back(ClientEvent::Disconnected { socket, reason });
        for id in cancelled {
            self.events
                .push_back(ClientEvent::AckCancelled { socket, id });
        }
    }

    /// Socket `i` is connected: send what it buffered, in order.
    pub(crate) fn flush_buffer(&mut self, now: Instant, i: usize) {
        let Some(s) = self.sockets.get_mut(i) else {
            return;
        };
        let mut pending = s.drain_buffer();
        while let Some(item) = pending.pop_front() {
            if self.write_packet(now, item.packet.clone()).is_err() {
                // The engine queue is full: keep the rest for the next connection.
                let limit = self.config.max_buffered_packets;
                if let Some(s) = self.sockets.get_mut(i) {
                    let _ = s.buffer(item, limit);
                    for rest in pending {
                        let _ = s.buffer(rest, limit);
                    }
                }
                return;
            }
        }
    }
}
