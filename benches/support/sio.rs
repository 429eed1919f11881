//! Shared by the broadcast and memory benches: a [`SocketIoServer`] sized for N sockets,
//! and sockets connected to `/` over in-memory WebSocket messages; a bare
//! [`EngineServer`] sized for N sessions.
#![allow(dead_code)]

use socketio_proto::driver::{Core, Output};
use socketio_proto::engineio::WsMessage;
use socketio_proto::ids::SequentialIds;
use socketio_proto::server::engine::{EngineConfig, EngineServer};
use socketio_proto::server::io::{IoConfig, IoEvent, SocketId, SocketIoServer, Target};
use socketio_proto::server::{ConnId, HttpRequest, Input, RequestId, Transmit};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// A fresh adapter-side id for a request or connection.
pub fn next_id() -> u64 {
    NEXT_ID.fetch_add(1, Ordering::Relaxed)
}

/// Feeds one input (the bench never reuses an id, so it cannot fail).
pub fn input<C: Core<Input = Input>>(core: &mut C, now: Instant, input: Input) {
    if let Err(e) = core.handle_input(now, input) {
        panic!("input: {e}");
    }
}

/// Feeds a WebSocket upgrade request for `uri`; returns the connection's id.
pub fn ws_open<C: Core<Input = Input>>(core: &mut C, now: Instant, req: &HttpRequest) -> ConnId {
    let conn = ConnId::new(next_id());
    input(
        core,
        now,
        Input::WsUpgrade {
            conn,
            req: req.clone(),
        },
    );
    conn
}

/// Feeds an HTTP request; returns its id.
pub fn http<C: Core<Input = Input>>(core: &mut C, now: Instant, req: HttpRequest) -> RequestId {
    let request = RequestId::new(next_id());
    input(core, now, Input::HttpRequest { request, req });
    request
}

/// Drains a core's outputs into two callbacks (no collecting: the memory bench counts
/// allocations).
pub fn for_each_output<C: Core>(
    core: &mut C,
    mut on_transmit: impl FnMut(C::Transmit),
    mut on_event: impl FnMut(C::Event),
) {
    loop {
        match core.poll_output() {
            Output::Transmit(t) => on_transmit(t),
            Output::Event(e) => on_event(e),
            Output::Timeout(_) => return,
        }
    }
}

/// Drains a core, counting WebSocket frames sent.
pub fn drain_frames<C: Core<Transmit = Transmit>>(core: &mut C) -> usize {
    let mut frames = 0;
    for_each_output(
        core,
        |t| {
            if matches!(t, Transmit::WsSend { .. }) {
                frames += 1;
            }
        },
        |_| {},
    );
    frames
}

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
    drain_frames(server)
}

/// Opens a WebSocket session, sends CONNECT `40`, accepts it and drains everything.
pub fn connect_one(server: &mut SocketIoServer, now: Instant) -> SocketId {
    let req = HttpRequest::get("/socket.io/?EIO=4&transport=websocket");
    let conn = ws_open(server, now, &req);
    let msg = WsMessage::Text("40".into());
    input(server, now, Input::WsMessage { conn, msg });
    let mut frames = 0;
    let mut pending = None;
    for_each_output(
        server,
        |t| frames += usize::from(matches!(t, Transmit::WsSend { .. })),
        |ev| {
            if let IoEvent::ConnectRequest { request, .. } = ev {
                pending = Some(request);
            }
        },
    );
    let mut socket = None;
    if let Some(request) = pending {
        match server.accept(request) {
            Ok(s) => socket = Some(s),
            Err(e) => panic!("accept: {e}"),
        }
    }
    let frames = frames + drain(server);
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
