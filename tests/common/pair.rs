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

use bytes::Bytes;
use socketio_proto::client::engine::{ClientTransmit, HttpMethod, RequestId as CReq, WsId};
use socketio_proto::client::{
    ClientEvent, DisconnectReason, Manager, ManagerConfig, SocketId as ClientSocket,
};
use socketio_proto::engineio::WsMessage;
use socketio_proto::ids::{RandomSource, SeededRandom, SequentialIds};
use socketio_proto::server::io::{IoConfig, IoEvent, SocketId as ServerSocket, SocketIoServer};
use socketio_proto::server::{ConnId, HttpRequest, Method, RequestId as SReq, Transmit};
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::fmt::Write as _;
use std::time::{Duration, Instant};

/// What travels on the link.
#[derive(Debug)]
enum Item {
    /// A client HTTP request reaching the server.
    HttpReq { id: CReq, req: HttpRequest },
    /// The server's response reaching the client.
    HttpResp { id: CReq, status: u16, body: Bytes },
    /// The request failed (refused, dropped).
    HttpErr { id: CReq },
    /// A WebSocket handshake reaching the server.
    WsOpen { id: WsId, path: String },
    /// The WebSocket handshake completed, seen by the client.
    WsOpened { id: WsId },
    /// The WebSocket failed (refused, dropped), seen by the client.
    WsErr { id: WsId },
    /// A frame from the client.
    WsToServer { id: WsId, msg: WsMessage },
    /// A frame from the server.
    WsToClient { id: WsId, msg: WsMessage },
    /// The client closed its WebSocket.
    WsCloseToServer { id: WsId },
    /// The server closed the WebSocket.
    WsCloseToClient { id: WsId },
}

struct InFlight {
    at: Instant,
    seq: u64,
    item: Item,
}

/// The simulated link.
#[derive(Debug, Clone)]
pub struct Link {
    /// One-way delay of everything.
    pub latency: Duration,
    /// Probability that a request, response or frame is lost (a lost HTTP exchange
    /// fails the request; a lost frame breaks its WebSocket).
    pub loss: f64,
    /// While set, open connections are dropped and new ones refused.
    pub cut: bool,
    /// While set, everything the client sends vanishes silently (no error).
    pub blackhole_to_server: bool,
    /// While set, everything the server sends vanishes silently (no error).
    pub blackhole_to_client: bool,
}

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
            link: Link {
                latency: Duration::from_millis(5),
                loss: 0.0,
                cut: false,
                blackhole_to_server: false,
                blackhole_to_client: false,
            },
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

    /// The trace as one string.
    pub fn trace_text(&self) -> String {
        let mut s = String::new();
        for line in &self.trace {
            s.push_str(line);
            s.push('\n');
        }
        s
    }

    /// Adds a free-form line to the trace.
    pub fn note(&mut self, what: &str) {
        let line = format!("{:>6}ms ## {}", self.ms(), what);
        self.trace.push(line);
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
                self.in_flight.iter().map(|f| f.at).min(),
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

    /// Cuts the link: open connections are dropped (the client sees errors, the server
    /// aborted requests and closed WebSockets) and new ones are refused until
    /// [`restore`](Self::restore).
    pub fn cut(&mut self) {
        self.note("link cut");
        self.link.cut = true;
        self.drop_connections(true);
    }

    /// Ends a cut.
    pub fn restore(&mut self) {
        self.note("link restored");
        self.link.cut = false;
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

    /// Sends a raw frame to the client on its open WebSocket, as if the server had sent
    /// it (to test malformed input). Returns false if no WebSocket is open.
    pub fn inject_to_client(&mut self, msg: WsMessage) -> bool {
        let Some(id) = self.conn_ws.values().next().copied() else {
            return false;
        };
        self.note("injected frame");
        self.schedule(Item::WsToClient { id, msg });
        true
    }

    // ----- internals ------------------------------------------------------------------

    fn drop_connections(&mut self, notify_server: bool) {
        self.in_flight.clear();
        let reqs: Vec<(CReq, Option<SReq>)> =
            self.open_reqs.iter().map(|(c, s)| (*c, *s)).collect();
        for (c, s) in reqs {
            if let (true, Some(s)) = (notify_server, s) {
                self.server.handle_http_aborted(self.now, s);
            }
            self.schedule(Item::HttpErr { id: c });
        }
        self.server_reqs.clear();
        let ws: Vec<(WsId, Option<ConnId>)> = self.open_ws.iter().map(|(w, c)| (*w, *c)).collect();
        for (w, c) in ws {
            if let (true, Some(c)) = (notify_server, c) {
                self.server.handle_ws_closed(self.now, c);
            }
            if notify_server {
                self.schedule(Item::WsErr { id: w });
            } else {
                self.schedule(Item::WsCloseToClient { id: w });
            }
            if let Some(slot) = self.open_ws.get_mut(&w) {
                *slot = None;
            }
        }
        self.conn_ws.clear();
        self.drain();
    }

    fn schedule(&mut self, item: Item) {
        self.seq += 1;
        let at = self.now + self.link.latency;
        self.in_flight.push(InFlight {
            at,
            seq: self.seq,
            item,
        });
    }

    fn pop_due(&mut self, now: Instant) -> Option<Item> {
        let i = self
            .in_flight
            .iter()
            .enumerate()
            .filter(|(_, f)| f.at <= now)
            .min_by_key(|(_, f)| (f.at, f.seq))
            .map(|(i, _)| i)?;
        Some(self.in_flight.remove(i).item)
    }

    fn lost(&mut self) -> bool {
        self.link.loss > 0.0 && self.loss_rng.next_f64() < self.link.loss
    }

    fn req_name(&mut self, id: CReq) -> String {
        let n = self.req_names.len() + 1;
        format!("r{}", self.req_names.entry(id).or_insert(n))
    }

    fn ws_name(&mut self, id: WsId) -> String {
        let n = self.ws_names.len() + 1;
        format!("w{}", self.ws_names.entry(id).or_insert(n))
    }

    fn log(&mut self, line: String) {
        let line = format!("{:>6}ms {}", self.ms(), line);
        self.trace.push(line);
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

    fn on_client_transmit(&mut self, t: ClientTransmit) {
        match t {
            ClientTransmit::HttpRequest(r) => {
                self.open_reqs.insert(r.id, None);
                let name = self.req_name(r.id);
                if self.link.cut {
                    self.log(format!("c→s {name} refused (link cut)"));
                    self.schedule(Item::HttpErr { id: r.id });
                    return;
                }
                let req = HttpRequest {
                    method: match r.method {
                        HttpMethod::Get => Method::Get,
                        HttpMethod::Post => Method::Post,
                    },
                    uri: r.path_and_query,
                    origin: None,
                    content_type: r.content_type.map(str::to_owned),
                    body: r.body,
                };
                self.schedule(Item::HttpReq { id: r.id, req });
            }
            ClientTransmit::OpenWs { id, path_and_query } => {
                self.open_ws.insert(id, None);
                let name = self.ws_name(id);
                if self.link.cut {
                    self.log(format!("c→s {name} refused (link cut)"));
                    self.schedule(Item::WsErr { id });
                    return;
                }
                self.schedule(Item::WsOpen {
                    id,
                    path: path_and_query,
                });
            }
            ClientTransmit::WsSend { id, msg } => {
                if self.conn_of(id).is_some() {
                    self.schedule(Item::WsToServer { id, msg });
                }
            }
            ClientTransmit::CloseWs { id } => {
                if self.open_ws.remove(&id).is_some() {
                    self.schedule(Item::WsCloseToServer { id });
                }
            }
        }
    }

    fn on_server_transmit(&mut self, t: Transmit) {
        match t {
            Transmit::HttpResponse(r) => {
                if let Some(c) = self.server_reqs.remove(&r.request) {
                    self.schedule(Item::HttpResp {
                        id: c,
                        status: r.status,
                        body: r.body,
                    });
                }
            }
            Transmit::Ws { conn, msg } => {
                if let Some(w) = self.conn_ws.get(&conn).copied() {
                    self.schedule(Item::WsToClient { id: w, msg });
                }
            }
            Transmit::CloseWs { conn } => {
                if let Some(w) = self.conn_ws.remove(&conn) {
                    self.schedule(Item::WsCloseToClient { id: w });
                }
            }
        }
    }

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

    fn deliver(&mut self, item: Item) {
        let now = self.now;
        let to_server = matches!(
            item,
            Item::HttpReq { .. }
                | Item::WsOpen { .. }
                | Item::WsToServer { .. }
                | Item::WsCloseToServer { .. }
        );
        let to_client = matches!(
            item,
            Item::HttpResp { .. }
                | Item::WsOpened { .. }
                | Item::WsToClient { .. }
                | Item::WsCloseToClient { .. }
        );
        if (to_server && self.link.blackhole_to_server)
            || (to_client && self.link.blackhole_to_client)
        {
            let line = format!("dropped {}", item_text(&item));
            self.log(line);
            return;
        }
        match item {
            Item::HttpReq { id, req } => {
                let name = self.req_name(id);
                if self.lost() {
                    self.log(format!("c→s {name} LOST"));
                    self.schedule(Item::HttpErr { id });
                    return;
                }
                let body = if req.body.is_empty() {
                    String::new()
                } else {
                    format!(" {}", show(&req.body))
                };
                let method = match req.method {
                    Method::Post => "POST",
                    _ => "GET",
                };
                self.log(format!("c→s {name} {method} {}{body}", req.uri));
                let sid = self.server.handle_http_request(now, req);
                self.server_reqs.insert(sid, id);
                if let Some(slot) = self.open_reqs.get_mut(&id) {
                    *slot = Some(sid);
                }
            }
            Item::HttpResp { id, status, body } => {
                if self.open_reqs.remove(&id).is_none() {
                    return;
                }
                let name = self.req_name(id);
                if self.lost() {
                    self.log(format!("s→c {name} LOST"));
                    self.client.handle_http_error(now, id);
                    return;
                }
                self.log(format!("s→c {name} {status} {}", show(&body)));
                self.client.handle_http_response(now, id, status, body);
            }
            Item::HttpErr { id } => {
                if self.open_reqs.remove(&id).is_none() {
                    return;
                }
                let name = self.req_name(id);
                self.log(format!("s→c {name} ERROR"));
                self.client.handle_http_error(now, id);
            }
            Item::WsOpen { id, path } => {
                if !self.open_ws.contains_key(&id) {
                    return;
                }
                let name = self.ws_name(id);
                self.log(format!("c→s {name} OPEN {path}"));
                let conn = self.server.handle_ws_open(now, &HttpRequest::get(path));
                self.open_ws.insert(id, Some(conn));
                self.conn_ws.insert(conn, id);
                // Scheduled before the frames the server sends on it (drained next).
                self.schedule(Item::WsOpened { id });
            }
            Item::WsOpened { id } => {
                if self.open_ws.get(&id).copied().flatten().is_none() {
                    return;
                }
                let name = self.ws_name(id);
                self.log(format!("s→c {name} OPENED"));
                self.client.handle_ws_opened(now, id);
            }
            Item::WsErr { id } => {
                if self.open_ws.remove(&id).is_none() {
                    return;
                }
                let name = self.ws_name(id);
                self.log(format!("s→c {name} ERROR"));
                self.client.handle_ws_error(now, id);
            }
            Item::WsToServer { id, msg } => {
                // Frames sent before the client's close still arrive.
                let Some(conn) = self.conn_of(id) else {
                    return;
                };
                let name = self.ws_name(id);
                if self.lost() {
                    self.log(format!("c→s {name} LOST {}", show_ws(&msg)));
                    self.break_ws(id, conn);
                    return;
                }
                self.log(format!("c→s {name} {}", show_ws(&msg)));
                self.server.handle_ws_message(now, conn, msg);
            }
            Item::WsToClient { id, msg } => {
                if !self.open_ws.contains_key(&id) {
                    return;
                }
                let name = self.ws_name(id);
                if self.lost() {
                    self.log(format!("s→c {name} LOST {}", show_ws(&msg)));
                    if let Some(conn) = self.open_ws.get(&id).copied().flatten() {
                        self.break_ws(id, conn);
                    }
                    return;
                }
                self.log(format!("s→c {name} {}", show_ws(&msg)));
                self.client.handle_ws_message(now, id, msg);
            }
            Item::WsCloseToServer { id } => {
                let name = self.ws_name(id);
                if let Some(conn) = self.conn_of(id) {
                    self.conn_ws.remove(&conn);
                    self.log(format!("c→s {name} CLOSE"));
                    self.server.handle_ws_closed(now, conn);
                }
            }
            Item::WsCloseToClient { id } => {
                if self.open_ws.remove(&id).is_none() {
                    return;
                }
                let name = self.ws_name(id);
                self.log(format!("s→c {name} CLOSE"));
                self.client.handle_ws_closed(now, id);
            }
        }
    }

    /// The server connection of a client WebSocket, while the server knows it.
    fn conn_of(&self, id: WsId) -> Option<ConnId> {
        self.conn_ws
            .iter()
            .find(|(_, w)| **w == id)
            .map(|(c, _)| *c)
    }

    /// The display name of a server socket.
    pub fn server_socket_name(&mut self, s: ServerSocket) -> String {
        let n = self.srv_names.len() + 1;
        format!("S{}", self.srv_names.entry(s).or_insert(n))
    }

    fn server_event_line(&mut self, e: &IoEvent) -> String {
        let sock = match e {
            IoEvent::Event { socket, .. }
            | IoEvent::AckReceived { socket, .. }
            | IoEvent::AckTimeout { socket, .. }
            | IoEvent::Disconnected { socket, .. } => Some(*socket),
            _ => None,
        };
        let text = server_event_text(e);
        match sock {
            Some(s) => {
                let raw = format!("s{}", s.as_u64());
                let name = self.server_socket_name(s);
                text.replacen(&raw, &name, 1)
            }
            None => text,
        }
    }

    /// A lost frame: the WebSocket breaks on both sides.
    fn break_ws(&mut self, id: WsId, conn: ConnId) {
        self.conn_ws.remove(&conn);
        self.server.handle_ws_closed(self.now, conn);
        if let Some(slot) = self.open_ws.get_mut(&id) {
            *slot = None;
        }
        self.schedule(Item::WsErr { id });
    }
}

fn item_text(item: &Item) -> String {
    match item {
        Item::HttpReq { req, .. } => format!("c→s {:?} {}", req.method, req.uri),
        Item::HttpResp { status, body, .. } => format!("s→c {status} {}", show(body)),
        Item::WsOpen { path, .. } => format!("c→s OPEN {path}"),
        Item::WsToServer { msg, .. } => format!("c→s {}", show_ws(msg)),
        Item::WsToClient { msg, .. } => format!("s→c {}", show_ws(msg)),
        Item::WsOpened { .. } => "s→c OPENED".into(),
        Item::WsCloseToServer { .. } => "c→s CLOSE".into(),
        Item::WsCloseToClient { .. } => "s→c CLOSE".into(),
        Item::HttpErr { .. } => "ERROR".into(),
        Item::WsErr { .. } => "ERROR".into(),
    }
}

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

/// Text with the record separator shown as `␞`; binary as hex.
pub fn show(b: &[u8]) -> String {
    match std::str::from_utf8(b) {
        Ok(s) => s.replace('\u{1e}', "␞"),
        Err(_) => format!("<bin {}>", hex(b)),
    }
}

fn hex(b: &[u8]) -> String {
    let mut s = String::new();
    for x in b {
        let _ = write!(s, "{x:02x}");
    }
    s
}

fn show_ws(m: &WsMessage) -> String {
    match m {
        WsMessage::Text(t) => show(t.as_bytes()),
        WsMessage::Binary(b) => format!("<bin {}>", hex(b)),
    }
}

fn args_text(a: &socketio_proto::socketio::Args) -> String {
    let mut s = a.json().to_string();
    if !a.attachments().is_empty() {
        let _ = write!(s, " +{} attachment(s)", a.attachments().len());
        for b in a.attachments() {
            let _ = write!(s, " <{}>", hex(b));
        }
    }
    s
}

/// A compact, stable rendering of a client event.
pub fn client_event_text(e: &ClientEvent) -> String {
    match e {
        ClientEvent::Event {
            socket,
            event,
            args,
            ack,
        } => format!(
            "Event {socket} {event:?} {}{}",
            args_text(args),
            ack.as_ref()
                .map(|a| format!(" ack={}", a.id()))
                .unwrap_or_default()
        ),
        ClientEvent::Ack { socket, id, args } => {
            format!("Ack {socket} id={id} {}", args_text(args))
        }
        ClientEvent::Connected { socket, sid } => format!("Connected {socket} sid={sid}"),
        other => format!("{other:?}"),
    }
}

/// A compact, stable rendering of a server event.
pub fn server_event_text(e: &IoEvent) -> String {
    match e {
        IoEvent::ConnectRequest { nsp, auth, .. } => format!(
            "ConnectRequest {nsp} auth={}",
            auth.as_ref().map(|a| a.to_string()).unwrap_or("-".into())
        ),
        IoEvent::Event {
            socket,
            event,
            args,
            ack,
        } => format!(
            "Event s{} {:?} {}{}",
            socket.as_u64(),
            event.as_str(),
            args_text(args),
            ack.map(|a| format!(" ack={a}")).unwrap_or_default()
        ),
        IoEvent::AckReceived { socket, id, args } => {
            format!(
                "AckReceived s{} id={id} {}",
                socket.as_u64(),
                args_text(args)
            )
        }
        IoEvent::AckTimeout { socket, id } => format!("AckTimeout s{} id={id}", socket.as_u64()),
        IoEvent::Disconnected { socket, reason } => {
            format!("Disconnected s{} {}", socket.as_u64(), reason.as_str())
        }
        other => format!("{other:?}"),
    }
}
