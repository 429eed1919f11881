//! Both ends of the link: the sides' transmits become link items, and items due are
//! handed to the other side's `handle_input` (logged to the trace on the way). The
//! mirror of the two interfaces makes this direct: a client request or WebSocket keeps
//! its id on the server.

use super::link::Item;
use super::trace::{item_text, show_body, show_frame};
use super::Pair;
use socketio_proto::client::{Input as ClientInput, Transmit as ClientTransmit};
use socketio_proto::server::{Input as ServerInput, Transmit as ServerTransmit};
use socketio_proto::transport::{ConnId, HttpRequest, Method};

impl Pair {
    /// Puts a client transmit on the link (refused while the link is cut).
    pub(super) fn on_client_transmit(&mut self, t: ClientTransmit) {
        match t {
            ClientTransmit::HttpRequest { request, req } => {
                self.open_reqs.insert(request, false);
                let name = self.req_name(request);
                if self.refused(&name) {
                    self.schedule(Item::HttpErr { id: request });
                    return;
                }
                self.schedule(Item::HttpReq { id: request, req });
            }
            ClientTransmit::WsOpen { conn, uri } => {
                self.open_ws.insert(conn, false);
                let name = self.ws_name(conn);
                if self.refused(&name) {
                    self.schedule(Item::WsErr { id: conn });
                    return;
                }
                self.schedule(Item::WsOpen {
                    id: conn,
                    path: uri,
                });
            }
            ClientTransmit::WsSend { conn, msg } => {
                if self.server_has(conn) {
                    self.schedule(Item::WsToServer { id: conn, msg });
                }
            }
            ClientTransmit::WsClose { conn } => {
                if self.open_ws.remove(&conn).is_some() {
                    self.schedule(Item::WsCloseToServer { id: conn });
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
    pub(super) fn on_server_transmit(&mut self, t: ServerTransmit) {
        match t {
            ServerTransmit::HttpResponse { request, response } => {
                if self.server_reqs.remove(&request) {
                    self.schedule(Item::HttpResp {
                        id: request,
                        status: response.status,
                        body: response.body,
                    });
                }
            }
            ServerTransmit::WsAccept { conn } => {
                // Scheduled before the frames the server sends on it (they follow).
                if self.server_has(conn) {
                    self.schedule(Item::WsOpened { id: conn });
                }
            }
            ServerTransmit::WsReject { conn, response } => {
                if self.server_conns.remove(&conn) {
                    let name = self.ws_name(conn);
                    self.log(format!(
                        "s→c {name} REJECTED {} {}",
                        response.status,
                        show_body(&response.body)
                    ));
                    if let Some(slot) = self.open_ws.get_mut(&conn) {
                        *slot = false;
                    }
                    self.schedule(Item::WsErr { id: conn });
                }
            }
            ServerTransmit::WsSend { conn, msg } => {
                if self.server_has(conn) {
                    self.schedule(Item::WsToClient { id: conn, msg });
                }
            }
            ServerTransmit::WsClose { conn } => {
                if self.server_conns.remove(&conn) {
                    self.schedule(Item::WsCloseToClient { id: conn });
                }
            }
        }
    }

    /// Hands an item that arrived to its side (or drops it: blackhole, loss, gone).
    pub(super) fn deliver(&mut self, item: Item) {
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
                    format!(" {}", show_body(&req.body))
                };
                let method = match req.method {
                    Method::Post => "POST",
                    _ => "GET",
                };
                self.log(format!("c→s {name} {method} {}{body}", req.uri));
                self.server_reqs.insert(id);
                if let Some(slot) = self.open_reqs.get_mut(&id) {
                    *slot = true;
                }
                self.server_input(ServerInput::HttpRequest { request: id, req });
            }
            Item::HttpResp { id, status, body } => {
                if self.open_reqs.remove(&id).is_none() {
                    return;
                }
                let name = self.req_name(id);
                if self.lost() {
                    self.log(format!("s→c {name} LOST"));
                    self.client_input(ClientInput::HttpFailed { request: id });
                    return;
                }
                self.log(format!("s→c {name} {status} {}", show_body(&body)));
                self.client_input(ClientInput::HttpResponse {
                    request: id,
                    status,
                    body,
                });
            }
            Item::HttpErr { id } => {
                if self.open_reqs.remove(&id).is_none() {
                    return;
                }
                let name = self.req_name(id);
                self.log(format!("s→c {name} ERROR"));
                self.client_input(ClientInput::HttpFailed { request: id });
            }
            Item::WsOpen { id, path } => {
                if !self.open_ws.contains_key(&id) {
                    return;
                }
                let name = self.ws_name(id);
                self.log(format!("c→s {name} OPEN {path}"));
                self.open_ws.insert(id, true);
                self.server_conns.insert(id);
                self.server_input(ServerInput::WsUpgrade {
                    conn: id,
                    req: HttpRequest::get(path),
                });
            }
            Item::WsOpened { id } => {
                if self.open_ws.get(&id) != Some(&true) {
                    return;
                }
                let name = self.ws_name(id);
                self.log(format!("s→c {name} OPENED"));
                self.client_input(ClientInput::WsOpened { conn: id });
            }
            Item::WsErr { id } => self.ws_ended(id, true),
            Item::WsToServer { id, msg } => {
                // Frames sent before the client's close still arrive.
                if !self.server_has(id) {
                    return;
                }
                let name = self.ws_name(id);
                if self.lost() {
                    self.log(format!("c→s {name} LOST {}", show_frame(&msg)));
                    self.break_ws(id);
                    return;
                }
                self.log(format!("c→s {name} {}", show_frame(&msg)));
                self.server_input(ServerInput::WsMessage { conn: id, msg });
            }
            Item::WsToClient { id, msg } => {
                if !self.open_ws.contains_key(&id) {
                    return;
                }
                let name = self.ws_name(id);
                if self.lost() {
                    self.log(format!("s→c {name} LOST {}", show_frame(&msg)));
                    if self.open_ws.get(&id) == Some(&true) {
                        self.break_ws(id);
                    }
                    return;
                }
                self.log(format!("s→c {name} {}", show_frame(&msg)));
                self.client_input(ClientInput::WsMessage { conn: id, msg });
            }
            Item::WsCloseToServer { id } => {
                let name = self.ws_name(id);
                if self.server_conns.remove(&id) {
                    self.log(format!("c→s {name} CLOSE"));
                    self.server_input(ServerInput::WsClosed { conn: id });
                }
            }
            Item::WsCloseToClient { id } => self.ws_ended(id, false),
        }
    }

    /// The client's WebSocket `id` failed (`error`) or was closed by the server, if the
    /// client still has it.
    fn ws_ended(&mut self, id: ConnId, error: bool) {
        if self.open_ws.remove(&id).is_none() {
            return;
        }
        let name = self.ws_name(id);
        if error {
            self.log(format!("s→c {name} ERROR"));
            self.client_input(ClientInput::WsFailed { conn: id });
        } else {
            self.log(format!("s→c {name} CLOSE"));
            self.client_input(ClientInput::WsClosed { conn: id });
        }
    }
}
