//! An in-memory client <-> server pair: our Socket.IO client [`Manager`] and our
//! [`SocketIoServer`] joined by a simulated link (latency, loss, cut), stepped in
//! virtual time (after quinn-proto's `tests/util.rs` `Pair`).
//!
//! The link carries the client's HTTP requests, WebSocket opens, frames and closes to
//! the server's `handle_*` inputs and the server's responses and frames back, each after
//! `latency`. [`Pair::advance`] jumps time to the earliest of the next delivery and both
//! sides' `poll_timeout`, so a 45 s heartbeat timeout runs in microseconds.
//!
//! Everything that crosses the link and every event is written to a trace (relative
//! milliseconds, `␞` for the `\x1e` record separator, request and WebSocket ids
//! renumbered from 1) for insta snapshots.
//!
//! This file: the [`Pair`], its commands and the stepping. `link`: the simulated link
//! and its faults; `deliver`: transmits onto the link and arrivals into `handle_*`;
//! `trace`: the trace and the event renderings.

mod deliver;
mod link;
mod trace;

pub use link::Link;
// Re-exported for the tests; not every test binary uses each.
#[allow(unused_imports)]
pub use trace::{client_event_text, server_event_text, show};

use link::InFlight;
use socketio_proto::client::engine::{RequestId as CReq, WsId};
use socketio_proto::client::{
    ClientEvent, DisconnectReason, Manager, ManagerConfig, SocketId as ClientSocket,
};
use socketio_proto::ids::{RandomSource, SeededRandom, SequentialIds};
use socketio_proto::server::io::{IoConfig, IoEvent, SocketId as ServerSocket, SocketIoServer};
use socketio_proto::server::{ConnId, RequestId as SReq};
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
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
    /// Accept every CONNECT request at once (default true).
    pub auto_accept: bool,
    /// Client events not yet taken by the test, with their times.
    pub client_events: VecDeque<(Duration, ClientEvent)>,
    /// Server events not yet taken by the test.
    pub server_events: VecDeque<IoEvent>,
    /// The wire and event trace.
    pub trace: Vec<String>,
    server_config: IoConfig,
    namespaces: Vec<String>,
    epoch: u32,
    loss_rng: SeededRandom,
    in_flight: Vec<InFlight>,
    seq: u64,
    /// Client requests sent and not answered, with the server's id once it arrived.
    open_reqs: BTreeMap<CReq, Option<SReq>>,
    server_reqs: HashMap<SReq, CReq>,
    /// Client WebSockets, with the server's connection once it opened.
    open_ws: BTreeMap<WsId, Option<ConnId>>,
    conn_ws: HashMap<ConnId, WsId>,
    /// Display names: ids renumbered from 1.
    req_names: HashMap<CReq, usize>,
    ws_names: HashMap<WsId, usize>,
    accepted: BTreeSet<ServerSocket>,
    /// Display names of server sockets: S1, S2… in order of appearance.
    srv_names: HashMap<ServerSocket, usize>,
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
            trace: Vec::new(),
            server_config: server,
            namespaces: Vec::new(),
            epoch: 1,
            loss_rng: SeededRandom::new(7),
            in_flight: Vec::new(),
            seq: 0,
            open_reqs: BTreeMap::new(),
            server_reqs: HashMap::new(),
            open_ws: BTreeMap::new(),
            conn_ws: HashMap::new(),
            req_names: HashMap::new(),
            ws_names: HashMap::new(),
            accepted: BTreeSet::new(),
            srv_names: HashMap::new(),
        }
    }

    /// Client on `127.0.0.1:3000` with `transports`, server defaults; jitter r = 0.5.
    pub fn with_transports(transports: Vec<socketio_proto::client::engine::Transport>) -> Pair {
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
    pub fn connect_main(&mut self) -> ClientSocket {
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
        socket: ClientSocket,
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
                ClientEvent::Close { reason: close },
            ]
        );
    }

    /// Sockets the pair accepted automatically, in order.
    pub fn accepted(&self) -> Vec<ServerSocket> {
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
            let next = [
                self.next_delivery(),
                self.client.poll_timeout(),
                self.server.poll_timeout(),
            ]
            .into_iter()
            .flatten()
            .min();
            let Some(next) = next.filter(|t| *t <= until) else {
                self.now = self.now.max(until);
                return;
            };
            self.now = self.now.max(next);
            let now = self.now;
            while let Some(item) = self.pop_due(now) {
                self.deliver(item);
                self.drain();
            }
            if self.client.poll_timeout().is_some_and(|t| t <= now) {
                self.client.handle_timeout(now);
                self.drain();
            }
            if self.server.poll_timeout().is_some_and(|t| t <= now) {
                self.server.handle_timeout(now);
                self.drain();
            }
        }
        panic!("pair did not settle (timer loop?)");
    }

    /// Replaces the server with a fresh core (new sids): every connection to the old
    /// one is closed (WebSockets closed, requests failed).
    pub fn restart_server(&mut self) {
        self.note("server restart");
        self.drop_connections(false);
        self.epoch += 1;
        self.server = make_server(&self.server_config, self.epoch, &self.namespaces);
        self.accepted.clear();
        self.drain();
    }

    /// Drains both sides until neither has anything to say.
    pub fn drain(&mut self) {
        loop {
            let mut progress = false;
            while let Some(e) = self.client.poll_event() {
                progress = true;
                let line = format!("client {}", client_event_text(&e));
                self.log(line);
                self.client_events.push_back((self.elapsed(), e));
            }
            while let Some(t) = self.client.poll_transmit() {
                progress = true;
                self.on_client_transmit(t);
            }
            while let Some(t) = self.server.poll_transmit() {
                progress = true;
                self.on_server_transmit(t);
            }
            while let Some(e) = self.server.poll_event() {
                progress = true;
                self.on_server_event(e);
            }
            if !progress {
                return;
            }
        }
    }

    /// Logs a server event, accepts a CONNECT request when `auto_accept`, and queues
    /// the event for the test.
    fn on_server_event(&mut self, e: IoEvent) {
        let line = format!("server {}", self.server_event_line(&e));
        self.log(line);
        if let (true, IoEvent::ConnectRequest { request, .. }) = (self.auto_accept, &e) {
            if let Ok(s) = self.server.accept(*request) {
                self.accepted.insert(s);
                let name = self.server_socket_name(s);
                let sid = self.server.socket_sid(s).unwrap_or("?").to_owned();
                self.log(format!("server accept → {name} sid={sid}"));
            }
        }
        self.server_events.push_back(e);
    }
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
