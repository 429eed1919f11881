//! The simulated link: what travels on it, when it arrives, and the faults (latency,
//! loss, cut, blackholes) applied to it.

use super::Pair;
use bytes::Bytes;
use socketio_proto::engineio::WsMessage;
use socketio_proto::ids::RandomSource;
use socketio_proto::server::Input;
use socketio_proto::transport::{ConnId, HttpRequest, RequestId};
use std::time::{Duration, Instant};

/// What travels on the link.
#[derive(Debug)]
pub(super) enum Item {
    /// A client HTTP request reaching the server.
    HttpReq { id: RequestId, req: HttpRequest },
    /// The server's response reaching the client.
    HttpResp {
        id: RequestId,
        status: u16,
        body: Bytes,
    },
    /// The request failed (refused, dropped).
    HttpErr { id: RequestId },
    /// A WebSocket handshake reaching the server.
    WsOpen { id: ConnId, path: String },
    /// The WebSocket handshake completed, seen by the client.
    WsOpened { id: ConnId },
    /// The WebSocket failed (refused, dropped), seen by the client.
    WsErr { id: ConnId },
    /// A frame from the client.
    WsToServer { id: ConnId, msg: WsMessage },
    /// A frame from the server.
    WsToClient { id: ConnId, msg: WsMessage },
    /// The client closed its WebSocket.
    WsCloseToServer { id: ConnId },
    /// The server closed the WebSocket.
    WsCloseToClient { id: ConnId },
}

/// Where an item is headed, for the blackholes. Failures (`HttpErr`, `WsErr`) are the
/// link's own verdicts and go nowhere.
#[derive(PartialEq, Eq)]
pub(super) enum Direction {
    ToServer,
    ToClient,
    Local,
}

impl Item {
    pub(super) fn direction(&self) -> Direction {
        match self {
            Item::HttpReq { .. }
            | Item::WsOpen { .. }
            | Item::WsToServer { .. }
            | Item::WsCloseToServer { .. } => Direction::ToServer,
            Item::HttpResp { .. }
            | Item::WsOpened { .. }
            | Item::WsToClient { .. }
            | Item::WsCloseToClient { .. } => Direction::ToClient,
            Item::HttpErr { .. } | Item::WsErr { .. } => Direction::Local,
        }
    }
}

/// An item on its way, due at `at` (ties in sending order).
pub(super) struct InFlight {
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

impl Link {
    /// 5 ms latency, no loss, no cut, no blackholes.
    pub(super) fn new() -> Link {
        Link {
            latency: Duration::from_millis(5),
            loss: 0.0,
            cut: false,
            blackhole_to_server: false,
            blackhole_to_client: false,
        }
    }

    /// Whether the blackhole for `item`'s direction swallows it.
    pub(super) fn swallows(&self, item: &Item) -> bool {
        match item.direction() {
            Direction::ToServer => self.blackhole_to_server,
            Direction::ToClient => self.blackhole_to_client,
            Direction::Local => false,
        }
    }
}

impl Pair {
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

    /// Sends a raw frame to the client on its open WebSocket, as if the server had sent
    /// it (to test malformed input). Returns false if no WebSocket is open.
    pub fn inject_to_client(&mut self, msg: WsMessage) -> bool {
        let Some(id) = self.server_conns.iter().next().copied() else {
            return false;
        };
        self.note("injected frame");
        self.schedule(Item::WsToClient { id, msg });
        true
    }

    /// Fails every open request and WebSocket. With `notify_server` (a cut) the server
    /// sees aborted requests and closed WebSockets and the client errors; without (a
    /// server restart) the client sees its WebSockets closed.
    pub(super) fn drop_connections(&mut self, notify_server: bool) {
        self.in_flight.clear();
        let reqs: Vec<(RequestId, bool)> = self.open_reqs.iter().map(|(c, s)| (*c, *s)).collect();
        for (id, at_server) in reqs {
            if notify_server && at_server && self.server_reqs.contains(&id) {
                self.server_input(Input::HttpFailed { request: id });
            }
            self.schedule(Item::HttpErr { id });
        }
        self.server_reqs.clear();
        let ws: Vec<(ConnId, bool)> = self.open_ws.iter().map(|(w, c)| (*w, *c)).collect();
        for (conn, at_server) in ws {
            if notify_server && at_server && self.server_conns.contains(&conn) {
                self.server_input(Input::WsClosed { conn });
            }
            if notify_server {
                self.schedule(Item::WsErr { id: conn });
            } else {
                self.schedule(Item::WsCloseToClient { id: conn });
            }
            if let Some(slot) = self.open_ws.get_mut(&conn) {
                *slot = false;
            }
        }
        self.server_conns.clear();
        self.drain();
    }

    /// Puts `item` on the link, due after the latency.
    pub(super) fn schedule(&mut self, item: Item) {
        self.seq += 1;
        let at = self.now + self.link.latency;
        self.in_flight.push(InFlight {
            at,
            seq: self.seq,
            item,
        });
    }

    /// When the next item arrives.
    pub(super) fn next_delivery(&self) -> Option<Instant> {
        self.in_flight.iter().map(|f| f.at).min()
    }

    /// Takes the earliest item due by `now`.
    pub(super) fn pop_due(&mut self, now: Instant) -> Option<Item> {
        let i = self
            .in_flight
            .iter()
            .enumerate()
            .filter(|(_, f)| f.at <= now)
            .min_by_key(|(_, f)| (f.at, f.seq))
            .map(|(i, _)| i)?;
        Some(self.in_flight.remove(i).item)
    }

    /// Draws whether the item now delivered is lost.
    pub(super) fn lost(&mut self) -> bool {
        self.link.loss > 0.0 && self.loss_rng.next_f64() < self.link.loss
    }

    /// A lost frame: the WebSocket breaks on both sides.
    pub(super) fn break_ws(&mut self, id: ConnId) {
        if self.server_conns.remove(&id) {
            self.server_input(Input::WsClosed { conn: id });
        }
        if let Some(slot) = self.open_ws.get_mut(&id) {
            *slot = false;
        }
        self.schedule(Item::WsErr { id });
    }

    /// Whether the server still has the connection of the client's WebSocket `id`.
    pub(super) fn server_has(&self, id: ConnId) -> bool {
        self.server_conns.contains(&id)
    }
}
