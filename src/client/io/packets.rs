//! The server's Socket.IO packets, dispatched to the socket of their namespace (the JS
//! socket's `onpacket`).

use super::event::IoEvent;
use super::manager::{socket_id, Manager};
use crate::socketio::{Packet, PacketData};
use crate::time::Instant;
use crate::transport::{AckRequest, DisconnectReason};

/// The message the JS client gives when a CONNECT reply carries no `sid`.
const NO_SID: &str = "It seems you are trying to reach a Socket.IO server in v2.x with a v3.x client, but they are not compatible (more information here: https://socket.io/docs/v3/migrating-from-2-x-to-3-0/)";

impl Manager {
    /// One decoded packet from the server. Packets for a namespace without a socket, or
    /// for a socket in a state where they make no sense, are ignored.
    pub(crate) fn on_packet(&mut self, now: Instant, packet: Packet) {
        let Some(i) = self.sockets.iter().position(|s| *s.nsp == *packet.nsp) else {
            return;
        };
        let socket = socket_id(i);
        let sid = packet.connect_sid();
        let error = packet.connect_error_info();
        let Some(s) = self.sockets.get_mut(i) else {
            return;
        };
        match packet.data {
            PacketData::Connect(_) => {
                if !s.active || s.connected {
                    return;
                }
                match sid {
                    Some(sid) => {
                        s.connected = true;
                        s.sid = Some(sid.clone());
                        s.epoch = s.epoch.wrapping_add(1);
                        self.flush_buffer(i);
                        self.proven = true;
                        self.backoff.reset();
                        self.events.push_back(IoEvent::Connected { socket, sid });
                    }
                    None => {
                        self.destroy_socket(now, i);
                        self.events.push_back(IoEvent::ConnectError {
                            socket,
                            message: NO_SID.to_owned(),
                            data: None,
                        });
                    }
                }
            }
            PacketData::ConnectError(_) => {
                if !s.active || s.connected {
                    return;
                }
                let (message, data) = match error {
                    Some(e) => (e.message, e.data),
                    None => (String::new(), None),
                };
                self.destroy_socket(now, i);
                self.events.push_back(IoEvent::ConnectError {
                    socket,
                    message,
                    data,
                });
            }
            PacketData::Disconnect => {
                if !s.connected {
                    return;
                }
                self.socket_closed(i, DisconnectReason::IoServerDisconnect);
                self.destroy_socket(now, i);
            }
            PacketData::Event { name, args } => {
                if !s.connected {
                    return;
                }
                let ack = packet.id.map(|id| AckRequest {
                    socket,
                    id,
                    epoch: s.epoch,
                });
                self.events.push_back(IoEvent::Event {
                    socket,
                    event: name.to_string(),
                    args,
                    ack,
                });
            }
            PacketData::Ack(args) => {
                let Some(id) = packet.id else {
                    return;
                };
                if s.take_ack(id) {
                    self.events
                        .push_back(IoEvent::AckReceived { socket, id, args });
                }
            }
        }
    }
}
