//! Both ends of the link: the sides' transmits become link items, and items due are
//! handed to the other side's `handle_*` inputs (logged to the trace on the way).

use super::link::Item;
use super::trace::{item_text, show, show_ws};
use super::Pair;
use socketio_proto::client::engine::{ClientTransmit, HttpMethod, WsId};
use socketio_proto::server::{HttpRequest, Method, Transmit};

impl Pair {
    /// Puts a client transmit on the link (refused while the link is cut).
    pub(super) fn on_client_transmit(&mut self, t: ClientTransmit) {
        match t {
            ClientTransmit::HttpRequest(r) => {
                self.open_reqs.insert(r.id, None);
                let name = self.req_name(r.id);
                if self.refused(&name) {
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
                if self.refused(&name) {
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

    /// Whether a new connection is refused because the link is cut (logged).
    fn refused(&mut self, name: &str) -> bool {
        if self.link.cut {
            self.log(format!("c→s {name} refused (link cut)"));
        }
        self.link.cut
    }

    /// Puts a server transmit on the link, if its request or WebSocket is still there.
    pub(super) fn on_server_transmit(&mut self, t: Transmit) {
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

    /// Hands an item that arrived to its side (or drops it: blackhole, loss, gone).
    pub(super) fn deliver(&mut self, item: Item) {
        let now = self.now;
        if self.link.swallows(&item) {
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
            Item::WsErr { id } => self.ws_ended(id, true),
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
            Item::WsCloseToClient { id } => self.ws_ended(id, false),
        }
    }

    /// The client's WebSocket `id` failed (`error`) or was closed by the server, if the
    /// client still has it.
    fn ws_ended(&mut self, id: WsId, error: bool) {
        if self.open_ws.remove(&id).is_none() {
            return;
        }
        let name = self.ws_name(id);
        let now = self.now;
        if error {
            self.log(format!("s→c {name} ERROR"));
            self.client.handle_ws_error(now, id);
        } else {
            self.log(format!("s→c {name} CLOSE"));
            self.client.handle_ws_closed(now, id);
        }
    }
}
