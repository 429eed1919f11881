//! An in-memory client <-> server pair: our Socket.IO client [`Manager`] and our
//! [`SocketIoServer`] joined by a simulated link (latency, loss, cut), stepped in
//! virtual time (after quinn-proto's `tests/util.rs` `Pair`).
//!
//! The pair plays the adapter of both sides, through `driver::Core` only: it drains
//! each side's `poll_output`, puts the client's transmits on the link and hands them to
//! the server as inputs when they arrive (the mirror: `Transmit::HttpRequest` →
//! `Input::HttpRequest` with the same id, `Transmit::WsOpen` → `Input::WsUpgrade` with
//! the same connection id), and the server's transmits back the same way, each after
//! `latency`. [`Pair::advance`] jumps time to the earliest of the next delivery and both
//! sides' `Output::Timeout` deadlines, so a 45 s heartbeat timeout runs in microseconds.
//!
//! Every scenario ends with the leak check ([`Pair::finish`], run by `Drop`): the client
//! closes, the server shuts down, time runs until nothing is left to deliver and no timer
//! is armed, and then every internal table of both cores must be empty.
//!
//! Everything that crosses the link and every event is written to a trace (relative
//! milliseconds, `␞` for the `\x1e` record separator, request and WebSocket ids
//! renumbered from 1) for insta snapshots.
//!
//! This file: the [`Pair`], its commands and the stepping. `link`: the simulated link
//! and its faults; `deliver`: transmits onto the link and arrivals into `handle_input`;
//! `trace`: the event renderings (on the shared renderer in `common::trace`).

mod deliver;
mod link;
mod trace;

pub use link::Link;
// Re-exported for the tests; not every test binary uses each.
#[allow(unused_imports)]
pub use trace::{client_event_text, server_event_text};

use crate::common::trace::{Names, Style, Trace};
use link::InFlight;
use socketio_proto::client::io::{IoEvent as ClientEvent, Manager, ManagerConfig};
use socketio_proto::client::Input as ClientInput;
use socketio_proto::driver::{Core, Output, Tables};
use socketio_proto::ids::{RandomSource, SeededRandom, SequentialIds};
use socketio_proto::server::io::{IoConfig, IoEvent, SocketIoServer};
use socketio_proto::server::Input as ServerInput;
use socketio_proto::transport::{ConnId, DisconnectReason, RequestId, SocketId};
use std::collections::{BTreeMap, BTreeSet, HashSet, VecDeque};
use std::time::{Duration, Instant};

/// The pair.
pub struct Pair {
    /// Virtual start time.
    pub t0: Instant,
    /// Virtual now.
    pub now: Instant,
    /// The client under test.
    pub client: Manager,
    /// The server under test (replaced by [`restart_server`](Self::restart_server)).
    pub server: SocketIoServer,
    /// The link settings.
    pub link: Link,
    /// Accept every CONNECT request at once (default true). An accepted request is
    /// consumed: it shows in the trace but not in [`take_server_events`](Self::take_server_events).
    pub auto_accept: bool,
    /// Client events not yet taken by the test, with their times.
    pub client_events: VecDeque<(Duration, ClientEvent)>,
    /// Server events not yet taken by the test.
    pub server_events: VecDeque<IoEvent>,
    /// The wire and event trace.
    pub trace: Trace,
    server_config: IoConfig,
    namespaces: Vec<String>,
    epoch: u32,
    loss_rng: SeededRandom,
    in_flight: Vec<InFlight>,
    seq: u64,
    /// The sides' deadlines, from their last `Output::Timeout`.
    client_deadline: Option<Instant>,
    server_deadline: Option<Instant>,
    /// Client requests sent and not answered; true once the server has it.
    open_reqs: BTreeMap<RequestId, bool>,
    /// Requests the server has and has not answered (same ids as the client's).
    server_reqs: HashSet<RequestId>,
    /// Client WebSockets; true while the server has the connection.
    open_ws: BTreeMap<ConnId, bool>,
    /// Connections the server has (same ids as the client's).
    server_conns: BTreeSet<ConnId>,
    /// Display names: ids renumbered from 1.
    req_names: Names<RequestId>,
    ws_names: Names<ConnId>,
    accepted: BTreeSet<SocketId>,
    /// Display names of server sockets: S1, S2… in order of appearance.
    srv_names: Names<SocketId>,
    finished: bool,
}

impl Pair {
    /// A pair with `latency` 5 ms, no loss, the client's jitter from `rng`.
    pub fn new(client: ManagerConfig, server: IoConfig, rng: Box<dyn RandomSource>) -> Pair {
        let t0 = Instant::now();
        let client = Manager::new(client, rng).expect("client config");
        let srv = make_server(&server, 1, &[]);
        Pair {
            t0,
            now: t0,
            client,
            server: srv,
            link: Link::new(),
            auto_accept: true,
            client_events: VecDeque::new(),
            server_events: VecDeque::new(),
            trace: Trace::new(t0, Style::PAIR),
            server_config: server,
            namespaces: Vec::new(),
            epoch: 1,
            loss_rng: SeededRandom::new(7),
            in_flight: Vec::new(),
            seq: 0,
            client_deadline: None,
            server_deadline: None,
            open_reqs: BTreeMap::new(),
            server_reqs: HashSet::new(),
            open_ws: BTreeMap::new(),
            server_conns: BTreeSet::new(),
            req_names: Names::new("r"),
            ws_names: Names::new("w"),
            accepted: BTreeSet::new(),
            srv_names: Names::new("S"),
            finished: false,
        }
    }

    /// Client on `127.0.0.1:3000` with `transports`, server defaults; jitter r = 0.5.
    pub fn with_transports(transports: Vec<socketio_proto::transport::Transport>) -> Pair {
        let mut c = ManagerConfig::new("127.0.0.1", 3000);
        c.engine.transports = transports;
        Pair::new(
            c,
            IoConfig::default(),
            Box::new(socketio_proto::ids::FixedRandom::new(vec![0.5])),
        )
    }

    /// Milliseconds since the start.
    pub fn ms(&self) -> u128 {
        self.now.duration_since(self.t0).as_millis()
    }

    /// The elapsed virtual time.
    pub fn elapsed(&self) -> Duration {
        self.now.duration_since(self.t0)
    }

    /// Registers a namespace on the server (again after each restart).
    pub fn register_namespace(&mut self, nsp: &str) {
        self.server.register_namespace(nsp).expect("namespace");
        self.namespaces.push(nsp.to_owned());
    }

    /// Runs `f` on the client with the current time, then drains both sides.
    pub fn client_do<R>(&mut self, f: impl FnOnce(&mut Manager, Instant) -> R) -> R {
        let r = f(&mut self.client, self.now);
        self.drain();
        r
    }

    /// Runs `f` on the server, then drains both sides.
    pub fn server_do<R>(&mut self, f: impl FnOnce(&mut SocketIoServer) -> R) -> R {
        let r = f(&mut self.server);
        self.drain();
        r
    }

    /// Runs `f` on the server with the current time (for the commands that take `now`,
    /// such as `emit_with_ack`), then drains both sides.
    pub fn server_at<R>(&mut self, f: impl FnOnce(&mut SocketIoServer, Instant) -> R) -> R {
        let r = f(&mut self.server, self.now);
        self.drain();
        r
    }

    /// Takes the client events seen so far.
    pub fn take_client_events(&mut self) -> Vec<(Duration, ClientEvent)> {
        self.client_events.drain(..).collect()
    }

    /// Takes the server events seen so far.
    pub fn take_server_events(&mut self) -> Vec<IoEvent> {
        self.server_events.drain(..).collect()
    }

    /// Connects a client socket to `/` (no auth), runs 100 ms, checks it is connected and
    /// takes the client events.
    pub fn connect_main(&mut self) -> SocketId {
        let s = self.client_do(|c, _| c.socket("/", None)).unwrap();
        self.client_do(|c, now| c.connect(now, s)).unwrap();
        self.advance(Duration::from_millis(100));
        assert!(self.client.is_connected(s));
        self.take_client_events();
        s
    }

    /// Takes the client events and asserts they are exactly: `socket` disconnected for
    /// `reason`, then the connection closed for `close`.
    #[track_caller]
    pub fn assert_disconnected_then_closed(
        &mut self,
        socket: SocketId,
        reason: DisconnectReason,
        close: DisconnectReason,
    ) {
        let evs: Vec<ClientEvent> = self
            .take_client_events()
            .into_iter()
            .map(|(_, e)| e)
            .collect();
        assert_eq!(
            evs,
            vec![
                ClientEvent::Disconnected { socket, reason },
                ClientEvent::Closed { reason: close },
            ]
        );
    }

    /// Sockets the pair accepted automatically, in order.
    pub fn accepted(&self) -> Vec<SocketId> {
        self.accepted.iter().copied().collect()
    }

    /// Advances virtual time by `d`, delivering and firing timers on the way.
    pub fn advance(&mut self, d: Duration) {
        let until = self.now + d;
        self.run_until(until);
    }

    /// Runs until `until`: jumps to each delivery or timer in order.
    pub fn run_until(&mut self, until: Instant) {
        for _ in 0..1_000_000 {
            self.drain();
            let Some(next) = self.next_wakeup().filter(|t| *t <= until) else {
                self.now = self.now.max(until);
                return;
            };
            self.step(next);
        }
        panic!("pair did not settle (timer loop?)");
    }

    /// The earliest of the next delivery and both sides' deadlines.
    fn next_wakeup(&self) -> Option<Instant> {
        [
            self.next_delivery(),
            self.client_deadline,
            self.server_deadline,
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Jumps to `next`: delivers what is due, then runs the timers due.
    fn step(&mut self, next: Instant) {
        self.now = self.now.max(next);
        let now = self.now;
        while let Some(item) = self.pop_due(now) {
            self.deliver(item);
            self.drain();
        }
        if self.client_deadline.is_some_and(|t| t <= now) {
            self.client_input(ClientInput::Timeout);
            self.drain();
        }
        if self.server_deadline.is_some_and(|t| t <= now) {
            self.server_input(ServerInput::Timeout);
            self.drain();
        }
    }

    /// Feeds the client an input at the current time.
    pub(super) fn client_input(&mut self, input: ClientInput) {
        self.client
            .handle_input(self.now, input)
            .expect("client inputs never fail");
    }

    /// Feeds the server an input at the current time.
    pub(super) fn server_input(&mut self, input: ServerInput) {
        self.server
            .handle_input(self.now, input)
            .expect("the pair names no request or connection twice");
    }

    /// Replaces the server with a fresh core (new sids): every connection to the old
    /// one is closed (WebSockets closed, requests failed). The old core is shut down
    /// and leak-checked on its own.
    pub fn restart_server(&mut self) {
        self.note("server restart");
        self.drop_connections(false);
        self.epoch += 1;
        let fresh = make_server(&self.server_config, self.epoch, &self.namespaces);
        let old = std::mem::replace(&mut self.server, fresh);
        self.server_deadline = None;
        leak_check_alone(old, self.now);
        self.accepted.clear();
        self.drain();
    }

    /// Drains both sides until neither has anything to say.
    pub fn drain(&mut self) {
        loop {
            let mut progress = false;
            loop {
                match self.client.poll_output() {
                    Output::Event(e) => {
                        progress = true;
                        let line = format!("client {}", client_event_text(&e));
                        self.log(line);
                        self.client_events.push_back((self.elapsed(), e));
                    }
                    Output::Transmit(t) => {
                        progress = true;
                        self.on_client_transmit(t);
                    }
                    Output::Timeout(d) => {
                        self.client_deadline = d;
                        break;
                    }
                }
            }
            loop {
                match self.server.poll_output() {
                    Output::Event(e) => {
                        progress = true;
                        self.on_server_event(e);
                    }
                    Output::Transmit(t) => {
                        progress = true;
                        self.on_server_transmit(t);
                    }
                    Output::Timeout(d) => {
                        self.server_deadline = d;
                        break;
                    }
                }
            }
            if !progress {
                return;
            }
        }
    }

    /// Logs a server event, then accepts a CONNECT request when `auto_accept` (the
    /// request is consumed) or queues the event for the test.
    fn on_server_event(&mut self, e: IoEvent) {
        let line = format!("server {}", self.server_event_line(&e));
        self.log(line);
        match e {
            IoEvent::ConnectRequest { request, .. } if self.auto_accept => {
                if let Ok(s) = self.server.accept(request) {
                    self.accepted.insert(s);
                    let name = self.server_socket_name(s);
                    let sid = self.server.socket_sid(s).unwrap_or("?").to_owned();
                    self.log(format!("server accept → {name} sid={sid}"));
                }
            }
            e => self.server_events.push_back(e),
        }
    }

    /// The teardown every scenario ends with (run by `Drop` unless called before): the
    /// client closes, the server shuts down, time runs until nothing is in flight and no
    /// timer is armed, then every internal table of both cores must be empty. What this
    /// adds to the trace comes after every snapshot.
    pub fn finish(&mut self) {
        if self.finished {
            return;
        }
        self.finished = true;
        self.client_do(|c, now| c.shutdown(now));
        // Let the close reach the server before it shuts down, as a real client would.
        self.advance(self.link.latency * 2);
        let now = self.now;
        self.server.shutdown(now);
        self.drain();
        for _ in 0..100_000 {
            self.drain();
            let Some(next) = self.next_wakeup() else {
                break;
            };
            self.step(next);
        }
        let (client, server) = (self.client.leaks(), self.server.leaks());
        assert!(
            client.is_empty() && server.is_empty(),
            "leaked table entries after the close and every timer ran\n  client: {client:?}\n  server: {server:?}"
        );
        assert!(
            self.next_wakeup().is_none(),
            "timers still armed or items in flight after the teardown"
        );
    }
}

impl Drop for Pair {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            self.finish();
        }
    }
}

/// Shuts a server core down alone (no peer), runs its timers to completion and asserts
/// that its tables are empty (the old core of a restart).
fn leak_check_alone(mut server: SocketIoServer, mut now: Instant) {
    server.shutdown(now);
    for _ in 0..100_000 {
        let deadline = loop {
            match server.poll_output() {
                Output::Event(_) | Output::Transmit(_) => {}
                Output::Timeout(d) => break d,
            }
        };
        let Some(at) = deadline else { break };
        now = now.max(at);
        server
            .handle_input(now, ServerInput::Timeout)
            .expect("timeout");
    }
    let leaks = server.leaks();
    assert!(
        leaks.is_empty(),
        "the restarted server's old core leaked: {leaks:?}"
    );
}

/// A fresh server core for `epoch` (ids `e<epoch>sid…`, `e<epoch>sock…`) with
/// `namespaces` registered.
fn make_server(config: &IoConfig, epoch: u32, namespaces: &[String]) -> SocketIoServer {
    let mut s = SocketIoServer::new(
        config.clone(),
        Box::new(SequentialIds::new(format!("e{epoch}sid"))),
        Box::new(SequentialIds::new(format!("e{epoch}sock"))),
    )
    .expect("server config");
    for n in namespaces {
        s.register_namespace(n).expect("namespace");
    }
    s
}
