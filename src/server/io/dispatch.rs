//! Incoming side: engine events, decoded Socket.IO packets, timers and teardown.

use super::acks::Timer;
use super::types::{AckRequest, ConnectRequest, DisconnectReason, IoEvent, SocketId};
use super::{Client, PendingConnect, SocketIoServer};
use crate::engineio::Message;
use crate::server::{EngineEvent, SessionId};
use crate::socketio::{Packet, PacketData, PacketDecoder, Parser};
use std::sync::Arc;
use std::time::Instant;

impl<P: Parser> SocketIoServer<P> {
    /// Handles one engine event.
    pub(super) fn on_engine_event(&mut self, ev: EngineEvent) {
        match ev {
            EngineEvent::Opened { session, .. } => {
                let timeout = self.config.connect_timeout;
                let connect_timer = self
                    .now()
                    .map(|now| self.timers.add(now + timeout, Timer::Connect(session)));
                let client = Client {
                    decoder: None,
                    sockets: Vec::new(),
                    pending: Vec::new(),
                    connect_timer,
                };
                self.clients.insert(session, client);
            }
            EngineEvent::Message { session, msg } => self.on_message(session, msg),
            EngineEvent::Closed { session, reason } => {
                self.teardown(session, DisconnectReason::from(reason));
            }
            EngineEvent::Upgraded { .. } => {}
        }
    }

    /// The latest time seen (every input advances the clock first, so this is `None`
    /// only before the first input).
    pub(super) fn now(&self) -> Option<Instant> {
        self.clock.latest()
    }

    fn on_message(&mut self, session: SessionId, msg: Message) {
        let Some(client) = self.clients.get_mut(&session) else {
            return;
        };
        // A session mid-binary-packet owns its decoder; the others share `scratch`.
        let own = client.decoder.is_some();
        let decoder = match client.decoder.as_deref_mut() {
            Some(d) => d,
            None => &mut self.scratch,
        };
        let decoded = decoder.decode(msg);
        let waiting = decoded.is_ok() && decoder.is_waiting();
        let config = self.config.decoder_config();
        if own && !waiting {
            client.decoder = None;
        } else if !own && waiting {
            let taken = std::mem::replace(&mut self.scratch, self.parser.decoder(config));
            client.decoder = Some(Box::new(taken));
        } else if !own && self.scratch.is_waiting() {
            // Defensive: never leave partial state in the shared decoder.
            self.scratch = self.parser.decoder(config);
        }
        match decoded {
            Ok(Some(packet)) => self.on_packet(session, packet),
            Ok(None) => {}
            Err(_) => self.close_with(session, DisconnectReason::ParseError),
        }
    }

    fn on_packet(&mut self, session: SessionId, packet: Packet) {
        let nsp_idx = self.nsps.find(&packet.nsp);
        let Some(client) = self.clients.get(&session) else {
            return;
        };
        let socket = nsp_idx.and_then(|i| client.socket_for(i));
        match packet.data {
            PacketData::Connect(auth) => {
                let pending = client.pending.iter().any(|(n, _)| **n == *packet.nsp);
                if socket.is_some() || pending {
                    // The official server treats this as an invalid state and closes.
                    self.close_with(session, DisconnectReason::ParseError);
                    return;
                }
                self.on_connect(session, &packet.nsp, nsp_idx, auth.as_deref());
            }
            PacketData::Event { name, args } => {
                let Some(socket) = socket else {
                    self.close_with(session, DisconnectReason::ParseError);
                    return;
                };
                let max = self.config.max_ack_requests;
                if let (Some(id), Some(s), true) =
                    (packet.id, self.sockets.get_mut(socket), max > 0)
                {
                    if s.pending_in_acks.len() >= max {
                        s.pending_in_acks.remove(0);
                    }
                    s.pending_in_acks.push(id);
                }
                self.events.push_back(IoEvent::Event {
                    socket,
                    event: name,
                    args,
                    ack: packet.id.map(|id| AckRequest {
                        socket,
                        id,
                        epoch: 0,
                    }),
                });
            }
            PacketData::Ack(args) => {
                let Some(socket) = socket else {
                    self.close_with(session, DisconnectReason::ParseError);
                    return;
                };
                if let (Some(id), Some(nsp)) = (packet.id, nsp_idx) {
                    self.on_ack(socket, nsp, id, args);
                }
            }
            PacketData::Disconnect => {
                let Some(socket) = socket else {
                    self.close_with(session, DisconnectReason::ParseError);
                    return;
                };
                self.remove_socket(socket, DisconnectReason::ClientNamespaceDisconnect);
            }
            PacketData::ConnectError(_) => self.close_with(session, DisconnectReason::ParseError),
        }
    }

    fn on_connect(&mut self, session: SessionId, nsp: &str, idx: Option<u32>, auth: Option<&str>) {
        let allowed = idx.is_some()
            || (self.nsps.len() < self.config.max_namespaces
                && self
                    .config
                    .dynamic_namespaces
                    .as_ref()
                    .is_some_and(|f| f(nsp)));
        if !allowed {
            self.send_connect_error(session, nsp, "Invalid namespace", None);
            return;
        }
        let Some(client) = self.clients.get_mut(&session) else {
            return;
        };
        if client.sockets.len() + client.pending.len() >= self.config.max_namespaces_per_session {
            self.send_connect_error(session, nsp, "Too many namespaces", None);
            return;
        }
        self.next_request += 1;
        let id = self.next_request;
        let request = ConnectRequest { id, session };
        let name: Arc<str> = Arc::from(nsp);
        client.pending.push((name.clone(), id));
        self.requests
            .insert(id, PendingConnect { session, nsp: name });
        let auth = auth.and_then(|a| serde_json::from_str(a).ok());
        self.events.push_back(IoEvent::ConnectRequest {
            request,
            session,
            nsp: nsp.to_owned(),
            auth,
        });
    }

    fn on_ack(&mut self, socket: SocketId, nsp: u32, id: u64, args: crate::socketio::Args) {
        if let Some(key) = self.acks.single.remove(&(socket, id)) {
            if let Some(key) = key {
                self.timers.cancel(key);
            }
            self.events
                .push_back(IoEvent::AckReceived { socket, id, args });
            return;
        }
        let Some(&bid) = self.acks.by_ack.get(&(nsp, id)) else {
            return; // unknown or timed out: ignored, as the official server does
        };
        let Some(b) = self.acks.broadcasts.get_mut(&bid) else {
            return;
        };
        if !b.pending.remove(&socket) {
            return;
        }
        let done = b.pending.is_empty();
        self.events.push_back(IoEvent::BroadcastAckReceived {
            broadcast: bid,
            socket,
            args,
        });
        if done {
            let missing = match self.acks.remove_broadcast(bid) {
                Some(b) => {
                    if let Some(key) = b.timer {
                        self.timers.cancel(key);
                    }
                    let mut gone = b.gone;
                    gone.sort();
                    gone
                }
                None => Vec::new(),
            };
            self.events.push_back(IoEvent::BroadcastAckComplete {
                broadcast: bid,
                missing,
            });
        }
    }

    /// Runs this layer's timers due at `now`.
    pub(super) fn run_timers(&mut self, now: Instant) {
        while let Some(timer) = self.timers.pop_due(now) {
            match timer {
                Timer::Connect(session) => {
                    let idle = self
                        .clients
                        .get_mut(&session)
                        .map(|c| {
                            c.connect_timer = None;
                            c.sockets.is_empty()
                        })
                        .unwrap_or(false);
                    if idle {
                        self.close_with(session, DisconnectReason::ForcedClose);
                    }
                }
                Timer::Ack(socket, id) => {
                    if self.acks.single.remove(&(socket, id)).is_some() {
                        self.events.push_back(IoEvent::AckTimeout { socket, id });
                    }
                }
                Timer::Broadcast(bid) => {
                    if let Some(b) = self.acks.remove_broadcast(bid) {
                        let mut missing: Vec<SocketId> = b.pending.into_iter().collect();
                        missing.sort();
                        self.events.push_back(IoEvent::BroadcastAckComplete {
                            broadcast: bid,
                            missing,
                        });
                    }
                }
            }
        }
    }

    /// Disconnects every socket of `session` with `reason`, then closes the session.
    pub(super) fn close_with(&mut self, session: SessionId, reason: DisconnectReason) {
        self.teardown(session, reason);
        let _ = self.engine.close_latest(session);
    }

    /// Forgets a session: its sockets leave with `reason`, its requests are dropped.
    pub(super) fn teardown(&mut self, session: SessionId, reason: DisconnectReason) {
        let Some(client) = self.clients.remove(&session) else {
            return;
        };
        if let Some(key) = client.connect_timer {
            self.timers.cancel(key);
        }
        for (_, request) in &client.pending {
            self.requests.remove(request);
        }
        for (_, socket) in client.sockets {
            self.drop_socket(socket, reason);
        }
    }

    /// Removes a socket from its client's list, then drops it.
    pub(super) fn remove_socket(&mut self, socket: SocketId, reason: DisconnectReason) {
        if let Some(session) = self.sockets.get(socket).map(|s| s.session) {
            if let Some(c) = self.clients.get_mut(&session) {
                c.sockets.retain(|(_, s)| *s != socket);
            }
        }
        self.drop_socket(socket, reason);
    }

    /// Drops a socket: leaves its rooms and namespace, times out its acks, reports it.
    fn drop_socket(&mut self, socket: SocketId, reason: DisconnectReason) {
        let Some(s) = self.sockets.remove(socket) else {
            return;
        };
        if let Some(nsp) = self.nsps.get_mut(s.nsp) {
            nsp.members.remove(&socket);
            for room in &s.rooms {
                nsp.leave(room, socket);
            }
        }
        for (id, key) in self.acks.take_socket(socket) {
            if let Some(key) = key {
                self.timers.cancel(key);
            }
            self.events.push_back(IoEvent::AckTimeout { socket, id });
        }
        self.events
            .push_back(IoEvent::Disconnected { socket, reason });
        for (broadcast, missing) in self.acks.forget_socket(socket) {
            self.events
                .push_back(IoEvent::BroadcastAckComplete { broadcast, missing });
        }
    }
}
