//! How an adapter drives the [`Manager`]: [`Core`] (each input handed to the engine once,
//! the engine's events turned into Socket.IO ones), the timers, and the leak-check
//! [`Tables`].

use super::event::{IoEvent, OpenError};
use super::manager::{socket_id, Manager, Ready};
use crate::client::engine::EngineEvent;
use crate::driver::client::{Input, Transmit};
use crate::driver::{Core, InputError, Output, Tables};
use crate::engineio::Message;
use crate::time::{earliest, Instant};
use crate::transport::DisconnectReason;

impl Core for Manager {
    type Input = Input;
    type Transmit = Transmit;
    type Event = IoEvent;

    /// Never fails. The input goes to the current Engine.IO connection, which ignores
    /// ids that are not its own (those of a replaced connection carry another
    /// generation); [`Input::Timeout`] also runs the manager's timers: the connection
    /// timeout, the reconnection delay and the ack timeouts.
    fn handle_input(&mut self, now: Instant, input: Input) -> Result<(), InputError> {
        let now = self.clock.advance(now);
        let timeout = matches!(input, Input::Timeout);
        if let Some(engine) = self.engine.as_mut() {
            engine.handle_input(now, input)?;
        }
        self.pump(now);
        if timeout {
            self.on_timeout(now);
        }
        Ok(())
    }

    fn poll_output(&mut self) -> Output<Transmit, IoEvent> {
        if let Some(e) = self.events.pop_front() {
            return Output::Event(e);
        }
        if let Some(t) = self.poll_transmit() {
            return Output::Transmit(t);
        }
        Output::Timeout(self.poll_timeout())
    }

    /// [`close`](Manager::close), and every socket forgets what it buffered while
    /// offline; the acks it waited for end with [`IoEvent::AckCancelled`].
    fn shutdown(&mut self, now: Instant) {
        self.close(now);
        for i in 0..self.sockets.len() {
            let Some(s) = self.sockets.get_mut(i) else {
                continue;
            };
            s.active = false;
            for id in s.release() {
                self.events.push_back(IoEvent::AckCancelled {
                    socket: socket_id(i),
                    id,
                });
            }
        }
    }
}

impl Tables for Manager {
    fn table_sizes(&self) -> Vec<(&'static str, usize)> {
        let timers = usize::from(self.open_deadline.is_some())
            + usize::from(self.reconnect_at.is_some())
            + self
                .sockets
                .iter()
                .filter(|s| s.next_deadline().is_some())
                .count();
        let mut out = vec![
            ("io.engine", usize::from(self.engine.is_some())),
            ("io.transmits", self.transmits.len()),
            ("io.events", self.events.len()),
            ("io.timers", timers),
            ("io.decoder", usize::from(self.decoder.is_waiting())),
            (
                "io.connected_sockets",
                self.sockets.iter().filter(|s| s.connected).count(),
            ),
            (
                "io.offline_buffers",
                self.sockets.iter().map(|s| s.buffered()).sum(),
            ),
            (
                "io.offline_buffer_bytes",
                self.sockets.iter().map(|s| s.buffered_bytes()).sum(),
            ),
            ("io.attachment_bytes", self.decoder.pending_bytes()),
            (
                "io.pending_acks",
                self.sockets.iter().map(|s| s.pending_acks()).sum(),
            ),
        ];
        if let Some(engine) = &self.engine {
            out.extend(engine.table_sizes());
        }
        out
    }
}

impl Manager {
    /// The next transmit: what retired connections still want done, then the engine's.
    pub(crate) fn poll_transmit(&mut self) -> Option<Transmit> {
        if let Some(t) = self.transmits.pop_front() {
            return Some(t);
        }
        self.engine.as_mut()?.poll_transmit()
    }

    /// When [`Input::Timeout`] is due next (`None`: no timer).
    pub(crate) fn poll_timeout(&self) -> Option<Instant> {
        let mut t = earliest(
            self.engine.as_ref().and_then(|e| e.poll_timeout()),
            earliest(self.open_deadline, self.reconnect_at),
        );
        for s in &self.sockets {
            t = earliest(t, s.next_deadline());
        }
        t
    }

    /// The manager's own timers (the engine's ran already).
    fn on_timeout(&mut self, now: Instant) {
        if self.ready == Ready::Opening && self.open_deadline.is_some_and(|d| d <= now) {
            self.retire_engine(now);
            self.on_open_failed(now, OpenError::Timeout);
        }
        self.reconnect_due(now);
        self.expire_acks(now);
    }

    /// Handles the engine's events until there are none.
    pub(crate) fn pump(&mut self, now: Instant) {
        while let Some(ev) = self.engine.as_mut().and_then(|e| e.poll_event()) {
            match ev {
                EngineEvent::Opened { .. } => self.on_open(),
                EngineEvent::Message { msg } => self.on_message(now, msg),
                EngineEvent::Upgraded | EngineEvent::UpgradeFailed => {}
                EngineEvent::Closed { reason } => {
                    self.retire_engine(now);
                    if self.ready == Ready::Open {
                        self.on_close(now, reason.into());
                    } else {
                        self.on_open_failed(now, OpenError::Engine(reason));
                    }
                }
            }
        }
    }

    fn on_message(&mut self, now: Instant, msg: Message) {
        let decoded = match msg {
            Message::Text(t) => self.decoder.decode_text(&t),
            Message::Binary(b) => self.decoder.decode_binary(b),
        };
        match decoded {
            Ok(Some(packet)) => self.on_packet(now, packet),
            Ok(None) => {}
            Err(_) => {
                self.retire_engine(now);
                self.on_close(now, DisconnectReason::ParseError);
            }
        }
    }

    /// The ack timeouts that are due.
    fn expire_acks(&mut self, now: Instant) {
        for (i, s) in self.sockets.iter_mut().enumerate() {
            for id in s.expire_acks(now) {
                self.events.push_back(IoEvent::AckTimeout {
                    socket: socket_id(i),
                    id,
                });
            }
        }
    }
}
