//! Shared by the broadcast and memory benches: a [`SocketIoServer`] sized for N sockets,
//! and sockets connected to `/` over in-memory WebSocket messages; a bare
//! [`EngineServer`] sized for N sessions.
#![allow(dead_code)]

use socketio_proto::engineio::WsMessage;
use socketio_proto::ids::SequentialIds;
use socketio_proto::server::io::{IoConfig, IoEvent, SocketId, SocketIoServer, Target};
use socketio_proto::server::{EngineConfig, EngineServer, HttpRequest, Transmit};
use std::time::Instant;

/// The WebSocket upgrade request that opens an Engine.IO session.
pub const ENGINE_WS_OPEN: &str = "/engine.io/?EIO=4&transport=websocket";

/// A bare Engine.IO server that admits `n` + 1 sessions.
pub fn engine_server(n: usize) -> EngineServer {
    let config = EngineConfig {
        max_sessions: n + 1,
        ..EngineConfig::default()
    };
    match EngineServer::new(config, Box::new(SequentialIds::new("s"))) {
        Ok(s) => s,
        Err(e) => panic!("engine config: {e}"),
    }
}

/// A server that admits `n` + a few sessions.
pub fn server(n: usize) -> SocketIoServer {
    let mut config = IoConfig::default();
    config.engine.max_sessions = n + 16;
    match SocketIoServer::new(
        config,
        Box::new(SequentialIds::new("e")),
        Box::new(SequentialIds::new("s")),
    ) {
        Ok(s) => s,
        Err(e) => panic!("server config: {e}"),
    }
}

/// Drains every transmit (returning the number of WebSocket frames) and every event.
pub fn drain(server: &mut SocketIoServer) -> usize {
    let mut frames = 0;
    while let Some(t) = server.poll_transmit() {
        if matches!(t, Transmit::Ws { .. }) {
            frames += 1;
        }
    }
    while server.poll_event().is_some() {}
    frames
}

/// Opens a WebSocket session, sends CONNECT `40`, accepts it and drains everything.
pub fn connect_one(server: &mut SocketIoServer, now: Instant) -> SocketId {
    let req = HttpRequest::get("/socket.io/?EIO=4&transport=websocket");
    let conn = server.handle_ws_open(now, &req);
    server.handle_ws_message(now, conn, WsMessage::Text("40".into()));
    let mut socket = None;
    while let Some(ev) = server.poll_event() {
        if let IoEvent::ConnectRequest { request, .. } = ev {
            match server.accept(request) {
                Ok(s) => socket = Some(s),
                Err(e) => panic!("accept: {e}"),
            }
        }
    }
    let frames = drain(server);
    assert_eq!(frames, 2, "open packet and CONNECT reply");
    socket.unwrap_or_else(|| panic!("no ConnectRequest"))
}

/// Puts `socket` in `room`.
pub fn join(server: &mut SocketIoServer, socket: SocketId, room: &str) {
    if let Err(e) = server.join(socket, room) {
        panic!("join: {e}");
    }
}

/// Broadcasts `event` with one string argument to `room` of `/`; returns the count.
pub fn broadcast_to_room(server: &mut SocketIoServer, room: &str, event: &str, arg: &str) -> usize {
    match server.broadcast(&Target::namespace("/").to(room), event, &(arg,)) {
        Ok(n) => n,
        Err(e) => panic!("broadcast: {e}"),
    }
}

/// Number of connected sockets.
pub fn connected(server: &SocketIoServer) -> usize {
    server.socket_count()
}
