//! The WebSocket side of the Engine.IO client: the WebSocket-only handshake, the active
//! WebSocket transport, and the upgrade probe (`2probe` / `3probe` / `5`).

use super::client::{Active, EngineClient, Phase, Probe, ProbeStage};
use super::event::EngineEvent;
use crate::driver::client::Transmit;
use crate::engineio::{Packet, WsMessage};
use crate::time::Instant;
use crate::transport::{CloseReason, ConnId, Transport};

impl EngineClient {
    /// The WebSocket `id` finished its opening handshake.
    pub(super) fn on_ws_opened(&mut self, id: ConnId) {
        if self.phase == Phase::Closed {
            return;
        }
        if let Active::WebSocket {
            id: active, opened, ..
        } = &mut self.active
        {
            if *active == id {
                *opened = true;
                self.flush_ws();
                return;
            }
        }
        if let Some(probe) = &mut self.probe {
            if probe.id == id && probe.stage == ProbeStage::Connecting {
                probe.stage = ProbeStage::Probing;
                self.transmits.push_back(Transmit::WsSend {
                    conn: id,
                    msg: Packet::ping_probe().to_ws(),
                });
            }
        }
    }

    /// A frame arrived on the WebSocket `id`.
    pub(super) fn on_ws_message(&mut self, now: Instant, id: ConnId, msg: WsMessage) {
        if self.phase == Phase::Closed {
            return;
        }
        let len = match &msg {
            WsMessage::Text(t) => t.len(),
            WsMessage::Binary(b) => b.len(),
        };
        if let Active::WebSocket { id: active, .. } = self.active {
            if active == id {
                if len > self.config.max_incoming_payload {
                    self.finish(CloseReason::ParseError, None);
                    return;
                }
                match Packet::decode_ws(msg) {
                    Ok(packet) => self.on_ws_packet(now, packet),
                    Err(_) => self.finish(CloseReason::ParseError, None),
                }
                return;
            }
        }
        if self.probe.as_ref().is_some_and(|p| p.id == id) {
            self.on_probe_message(now, msg);
        }
    }

    /// The WebSocket `id` closed (`TransportClose`) or failed (`TransportError`): it is
    /// gone, no `WsClose` follows for it.
    pub(super) fn on_ws_gone(&mut self, now: Instant, id: ConnId, reason: CloseReason) {
        if self.phase == Phase::Closed {
            return;
        }
        if matches!(self.active, Active::WebSocket { id: active, .. } if active == id) {
            self.finish(reason, Some(id));
        } else if self.probe.as_ref().is_some_and(|p| p.id == id) {
            self.probe_failed(false, now);
        }
    }

    /// A packet on the active WebSocket.
    fn on_ws_packet(&mut self, now: Instant, packet: Packet) {
        if let Active::WebSocket { deadline, .. } = &mut self.active {
            *deadline = None;
        }
        if self.phase == Phase::Opening {
            match packet {
                Packet::Open(hs) => {
                    self.on_handshake(now, hs);
                    self.flush_ws();
                }
                _ => self.finish(CloseReason::ParseError, None),
            }
            return;
        }
        if self.on_packet(now, packet) {
            self.flush_ws();
        }
    }

    /// Sends every queued packet on the active WebSocket, once it is open and the
    /// handshake is done.
    pub(super) fn flush_ws(&mut self) {
        let Active::WebSocket { id, opened, .. } = self.active else {
            return;
        };
        if !opened || !matches!(self.phase, Phase::Open | Phase::Closing) {
            return;
        }
        let mut closing = false;
        while let Some(packet) = self.pop() {
            closing |= matches!(packet, Packet::Close);
            self.transmits.push_back(Transmit::WsSend {
                conn: id,
                msg: packet.to_ws(),
            });
        }
        if closing || self.phase == Phase::Closing {
            self.finish(CloseReason::ForcedClose, None);
        }
    }

    /// Opens the probe WebSocket (after a polling handshake offering `websocket`).
    pub(super) fn start_probe(&mut self, now: Instant) {
        let id = self.open_ws(Transport::WebSocket);
        self.probe = Some(Probe {
            id,
            stage: ProbeStage::Connecting,
            deadline: self.deadline(now),
        });
    }

    /// A frame on the probe: `3probe` moves on; anything else fails the upgrade.
    fn on_probe_message(&mut self, now: Instant, msg: WsMessage) {
        let stage = self.probe.as_ref().map(|p| p.stage);
        let is_pong_probe = matches!(
            Packet::decode_ws(msg),
            Ok(ref p) if *p == Packet::pong_probe()
        );
        if stage == Some(ProbeStage::Probing) && is_pong_probe {
            if let Some(probe) = &mut self.probe {
                probe.deadline = None;
            }
            self.pause_polling(now);
        } else {
            self.probe_failed(true, now);
        }
    }

    /// The probe failed: close it (if `close_it`), report it, resume polling.
    pub(super) fn probe_failed(&mut self, close_it: bool, now: Instant) {
        let Some(probe) = self.probe.take() else {
            return;
        };
        if close_it {
            self.transmits
                .push_back(Transmit::WsClose { conn: probe.id });
        }
        self.events.push_back(EngineEvent::UpgradeFailed);
        if let Active::Polling { paused, .. } = &mut self.active {
            *paused = false;
        }
        self.after_poll_activity(now);
    }

    /// Polling is quiet: send `5` on the probe and make it the transport.
    pub(super) fn complete_upgrade(&mut self, _now: Instant) {
        let Some(probe) = self.probe.take() else {
            return;
        };
        self.transmits.push_back(Transmit::WsSend {
            conn: probe.id,
            msg: Packet::Upgrade.to_ws(),
        });
        self.active = Active::WebSocket {
            id: probe.id,
            opened: true,
            deadline: None,
        };
        self.events.push_back(EngineEvent::Upgraded);
        self.flush_ws();
    }
}
