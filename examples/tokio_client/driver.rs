//! The loop that owns a sans-I/O client core: feeds it network results and time, and
//! carries out what it asks for. It only moves bytes and time.
//!
//! [`Driver::next_event`] waits for whichever comes first — a network result from the
//! [`Io`] tasks or the core's `poll_timeout` — calls the matching `handle_*` with
//! `Instant::now()`, then drains `poll_transmit` (spawning the HTTP requests and
//! WebSocket operations) and `poll_event`. It is cancel-safe, so it can sit in a
//! `tokio::select!` next to stdin.

use super::io::{Io, IoEvent};
use socketio_proto::client::engine::{ClientEngineEvent, ClientTransmit, EngineClient};
use socketio_proto::client::{ClientEvent, Manager};
use std::collections::VecDeque;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// What the driver needs from a client core (the Engine.IO client or the Socket.IO
/// manager): the `handle_*` inputs and the `poll_*` outputs.
pub trait Core {
    /// The core's event type.
    type Event;
    /// Feeds one network result.
    fn handle_io(&mut self, now: Instant, event: IoEvent);
    /// Fires due timers.
    fn handle_timeout(&mut self, now: Instant);
    /// Next network operation.
    fn poll_transmit(&mut self) -> Option<ClientTransmit>;
    /// Next event.
    fn poll_event(&mut self) -> Option<Self::Event>;
    /// Next timer deadline.
    fn poll_timeout(&self) -> Option<Instant>;
}

/// Implements [`Core`] for client cores whose inherent methods have the same names.
macro_rules! forward_core {
    ($($client:ty => $event:ty),*) => {$(
        impl Core for $client {
            type Event = $event;

            fn handle_io(&mut self, now: Instant, event: IoEvent) {
                match event {
                    IoEvent::HttpResponse { id, status, body } => {
                        self.handle_http_response(now, id, status, body)
                    }
                    IoEvent::HttpError { id } => self.handle_http_error(now, id),
                    IoEvent::WsOpened { id } => self.handle_ws_opened(now, id),
                    IoEvent::WsMessage { id, msg } => self.handle_ws_message(now, id, msg),
                    IoEvent::WsClosed { id } => self.handle_ws_closed(now, id),
                    IoEvent::WsError { id } => self.handle_ws_error(now, id),
                }
            }
            fn handle_timeout(&mut self, now: Instant) {
                <$client>::handle_timeout(self, now)
            }
            fn poll_transmit(&mut self) -> Option<ClientTransmit> {
                <$client>::poll_transmit(self)
            }
            fn poll_event(&mut self) -> Option<$event> {
                <$client>::poll_event(self)
            }
            fn poll_timeout(&self) -> Option<Instant> {
                <$client>::poll_timeout(self)
            }
        }
    )*};
}

forward_core!(EngineClient => ClientEngineEvent, Manager => ClientEvent);

/// Owns a core and its [`Io`]; see the module docs.
pub struct Driver<C: Core> {
    core: C,
    io: Io,
    rx: mpsc::Receiver<IoEvent>,
    events: VecDeque<C::Event>,
    /// Print every transmit and network result to stderr (`SIO_TRACE=1`).
    trace: bool,
}

impl<C: Core> Driver<C> {
    /// A driver for `core`, talking to `addr` (`host:port`).
    pub fn new(core: C, addr: String, max_body: usize) -> Self {
        let (io, rx) = Io::new(addr, max_body, 256);
        let mut driver = Driver {
            core,
            io,
            rx,
            events: VecDeque::new(),
            trace: std::env::var_os("SIO_TRACE").is_some(),
        };
        driver.flush();
        driver
    }

    /// The core, for commands (emit, connect, …). Call [`Driver::flush`] afterwards.
    pub fn core(&mut self) -> &mut C {
        &mut self.core
    }

    /// Runs `f` on the core, then drains it (the "drain after every mutation" rule).
    pub fn with<R>(&mut self, f: impl FnOnce(&mut C, Instant) -> R) -> R {
        let out = f(&mut self.core, Instant::now());
        self.flush();
        out
    }

    /// Drains the core: starts every transmit, queues every event.
    pub fn flush(&mut self) {
        while let Some(t) = self.core.poll_transmit() {
            if self.trace {
                eprintln!("trace: -> {t:?}");
            }
            match t {
                ClientTransmit::HttpRequest(req) => self.io.http(req),
                ClientTransmit::OpenWs { id, path_and_query } => {
                    self.io.open_ws(id, &path_and_query)
                }
                ClientTransmit::WsSend { id, msg } => self.io.ws_send(id, msg),
                ClientTransmit::CloseWs { id } => self.io.close_ws(id),
            }
        }
        while let Some(e) = self.core.poll_event() {
            self.events.push_back(e);
        }
    }

    /// The next event, driving I/O and timers until there is one. `None` only if every
    /// I/O task and timer is gone and nothing can happen any more.
    pub async fn next_event(&mut self) -> Option<C::Event> {
        loop {
            if let Some(e) = self.events.pop_front() {
                return Some(e);
            }
            let deadline = self.core.poll_timeout();
            let sleep_until =
                deadline.unwrap_or_else(|| Instant::now() + Duration::from_secs(3600));
            tokio::select! {
                io = self.rx.recv() => {
                    let io = io?;
                    if self.trace {
                        eprintln!("trace: <- {io:?}");
                    }
                    match &io {
                        IoEvent::WsClosed { id } | IoEvent::WsError { id } => self.io.forget_ws(*id),
                        _ => {}
                    }
                    self.core.handle_io(Instant::now(), io);
                }
                _ = tokio::time::sleep_until(sleep_until.into()) => {
                    self.core.handle_timeout(Instant::now());
                }
            }
            self.flush();
        }
    }

    /// Keeps driving for `duration` (events that arrive are dropped): lets final
    /// packets such as a close go out before the process exits.
    pub async fn settle(&mut self, duration: Duration) {
        let until = Instant::now() + duration;
        while Instant::now() < until {
            let _ = self
                .next_event_within(until.saturating_duration_since(Instant::now()))
                .await;
        }
    }

    /// The next event within `timeout`, or `None`.
    pub async fn next_event_within(&mut self, timeout: Duration) -> Option<C::Event> {
        tokio::time::timeout(timeout, self.next_event())
            .await
            .ok()
            .flatten()
    }
}
