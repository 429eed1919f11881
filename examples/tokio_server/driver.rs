//! The task that owns the sans-I/O core.
//!
//! Connection tasks send it [`Input`]s over a bounded channel (and [`Notice`]s — aborted
//! requests and closed WebSockets, which are sent from `Drop` — over an unbounded one
//! whose size is bounded by the number of live connections). The loop: wait for an input
//! or the core's next deadline, feed it in with `Instant::now()`, then let the
//! [`Backend`] act on its events and route every transmit to the oneshot / WebSocket
//! sender it belongs to.

use socketio_proto::engineio::WsMessage;
use socketio_proto::server::io::SocketIoServer;
use socketio_proto::server::{
    ConnId, EngineServer, HttpRequest, HttpResponse, RequestId, Transmit,
};
use std::collections::HashMap;
use std::time::Instant;
use tokio::sync::{mpsc, oneshot, watch};

/// Frames queued towards one WebSocket before the connection counts as too slow and is
/// dropped (the core keeps its own bounded queue; this only bounds the hand-off).
pub const WS_OUT_CAPACITY: usize = 1024;

/// The transport half of a sans-I/O server: what the driver loop feeds in and takes out.
/// Implemented for `EngineServer` and `SocketIoServer`, whose methods it forwards to.
pub trait Core: Send + 'static {
    /// A plain HTTP request (polling, handshake, preflight).
    fn handle_http_request(&mut self, now: Instant, req: HttpRequest) -> RequestId;
    /// The peer went away before its request was answered.
    fn handle_http_aborted(&mut self, now: Instant, req: RequestId);
    /// Pre-check of a WebSocket upgrade request: `Some(response)` refuses it.
    fn check_ws_request(&mut self, req: &HttpRequest) -> Option<HttpResponse>;
    /// A WebSocket finished its opening handshake.
    fn handle_ws_open(&mut self, now: Instant, req: HttpRequest) -> ConnId;
    /// A frame arrived.
    fn handle_ws_message(&mut self, now: Instant, conn: ConnId, msg: WsMessage);
    /// The WebSocket closed (either side) or failed.
    fn handle_ws_closed(&mut self, now: Instant, conn: ConnId);
    /// The deadline from `poll_timeout` passed.
    fn handle_timeout(&mut self, now: Instant);
    /// Close every session (server shutdown).
    fn shutdown(&mut self, now: Instant);
    /// Next thing to send.
    fn poll_transmit(&mut self) -> Option<Transmit>;
    /// Next deadline.
    fn poll_timeout(&mut self) -> Option<Instant>;
}

/// Implements [`Core`] for server types whose inherent methods have the same names.
macro_rules! forward_core {
    ($($server:ty),*) => {$(
        impl Core for $server {
            fn handle_http_request(&mut self, now: Instant, req: HttpRequest) -> RequestId {
                <$server>::handle_http_request(self, now, req)
            }
            fn handle_http_aborted(&mut self, now: Instant, req: RequestId) {
                <$server>::handle_http_aborted(self, now, req)
            }
            fn check_ws_request(&mut self, req: &HttpRequest) -> Option<HttpResponse> {
                <$server>::check_ws_request(self, req).err()
            }
            fn handle_ws_open(&mut self, now: Instant, req: HttpRequest) -> ConnId {
                <$server>::handle_ws_open(self, now, &req)
            }
            fn handle_ws_message(&mut self, now: Instant, conn: ConnId, msg: WsMessage) {
                <$server>::handle_ws_message(self, now, conn, msg)
            }
            fn handle_ws_closed(&mut self, now: Instant, conn: ConnId) {
                <$server>::handle_ws_closed(self, now, conn)
            }
            fn handle_timeout(&mut self, now: Instant) {
                <$server>::handle_timeout(self, now)
            }
            fn shutdown(&mut self, now: Instant) {
                <$server>::shutdown(self, now)
            }
            fn poll_transmit(&mut self) -> Option<Transmit> {
                <$server>::poll_transmit(self)
            }
            fn poll_timeout(&mut self) -> Option<Instant> {
                <$server>::poll_timeout(self)
            }
        }
    )*};
}

forward_core!(EngineServer, SocketIoServer);

/// The sans-I/O server as the driver loop sees it: a [`Core`] plus the application that
/// acts on its events. Engine.IO echo mode implements it over `EngineServer`; the
/// Socket.IO modes over `SocketIoServer`.
pub trait Backend: Send + 'static {
    /// The server core.
    type Core: Core;
    /// The core, for the driver to feed inputs in and take transmits out.
    fn core(&mut self) -> &mut Self::Core;
    /// Drains and acts on the core's events (the application part).
    fn process_events(&mut self, now: Instant);
}

/// What a WebSocket task is asked to do.
#[derive(Debug)]
pub enum WsOut {
    /// Send this frame.
    Msg(WsMessage),
    /// Send a close frame and stop.
    Close,
}

/// An input from a connection task.
pub enum Input {
    /// An HTTP request; the response goes to `reply`. `token` names it in
    /// [`Notice::HttpAborted`].
    Http {
        /// Adapter-side id of the request.
        token: u64,
        /// The request.
        req: HttpRequest,
        /// Where the response goes.
        reply: oneshot::Sender<HttpResponse>,
    },
    /// Should this WebSocket upgrade be refused? `Some(response)` = yes.
    WsCheck {
        /// The upgrade request.
        req: HttpRequest,
        /// The verdict.
        reply: oneshot::Sender<Option<HttpResponse>>,
    },
    /// A WebSocket opened; frames for it go to `out`, its handle to `reply`.
    WsOpen {
        /// The upgrade request.
        req: HttpRequest,
        /// Outgoing frames.
        out: mpsc::Sender<WsOut>,
        /// The connection handle.
        reply: oneshot::Sender<ConnId>,
    },
    /// A WebSocket frame arrived.
    WsMessage {
        /// The connection.
        conn: ConnId,
        /// The frame.
        msg: WsMessage,
    },
}

/// Notices sent from `Drop` guards (never blocking).
#[derive(Debug)]
pub enum Notice {
    /// The HTTP request `token` was dropped unanswered.
    HttpAborted(u64),
    /// The WebSocket closed.
    WsClosed(ConnId),
}

/// Senders the connection tasks use to reach the core task.
#[derive(Clone)]
pub struct CoreHandle {
    /// Inputs (bounded: back-pressure on the connections).
    pub inputs: mpsc::Sender<Input>,
    /// Notices (unbounded; at most one per live request / connection).
    pub notices: mpsc::UnboundedSender<Notice>,
}

struct Routes {
    /// Pending HTTP requests: core id → (adapter token, reply).
    http: HashMap<RequestId, (u64, oneshot::Sender<HttpResponse>)>,
    /// Adapter token → core id, to map aborts.
    tokens: HashMap<u64, RequestId>,
    /// Live WebSockets.
    ws: HashMap<ConnId, mpsc::Sender<WsOut>>,
}

/// Runs the core until `shutdown` flips to true (then shuts the core down, flushes, and
/// returns) or every input sender is gone.
pub async fn run<B: Backend>(
    mut backend: B,
    mut inputs: mpsc::Receiver<Input>,
    mut notices: mpsc::UnboundedReceiver<Notice>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut routes = Routes {
        http: HashMap::new(),
        tokens: HashMap::new(),
        ws: HashMap::new(),
    };
    loop {
        let deadline = backend.core().poll_timeout();
        tokio::select! {
            biased;
            changed = shutdown.changed() => {
                if changed.is_err() || *shutdown.borrow() {
                    backend.core().shutdown(Instant::now());
                    flush(&mut backend, &mut routes);
                    return;
                }
            }
            Some(notice) = notices.recv() => {
                let now = Instant::now();
                match notice {
                    Notice::HttpAborted(token) => {
                        if let Some(id) = routes.tokens.remove(&token) {
                            routes.http.remove(&id);
                            backend.core().handle_http_aborted(now, id);
                        }
                    }
                    Notice::WsClosed(conn) => {
                        if routes.ws.remove(&conn).is_some() {
                            backend.core().handle_ws_closed(now, conn);
                        }
                    }
                }
            }
            input = inputs.recv() => {
                let Some(input) = input else {
                    backend.core().shutdown(Instant::now());
                    flush(&mut backend, &mut routes);
                    return;
                };
                handle_input(&mut backend, &mut routes, input);
            }
            _ = sleep_until(deadline), if deadline.is_some() => {
                backend.core().handle_timeout(Instant::now());
            }
        }
        flush(&mut backend, &mut routes);
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    if let Some(d) = deadline {
        tokio::time::sleep_until(tokio::time::Instant::from_std(d)).await;
    }
}

fn handle_input<B: Backend>(backend: &mut B, routes: &mut Routes, input: Input) {
    let now = Instant::now();
    match input {
        Input::Http { token, req, reply } => {
            let id = backend.core().handle_http_request(now, req);
            routes.tokens.insert(token, id);
            routes.http.insert(id, (token, reply));
        }
        Input::WsCheck { req, reply } => {
            let _ = reply.send(backend.core().check_ws_request(&req));
        }
        Input::WsOpen { req, out, reply } => {
            let conn = backend.core().handle_ws_open(now, req);
            routes.ws.insert(conn, out);
            if reply.send(conn).is_err() {
                // The connection task is gone already.
                routes.ws.remove(&conn);
                backend.core().handle_ws_closed(now, conn);
            }
        }
        Input::WsMessage { conn, msg } => {
            if routes.ws.contains_key(&conn) {
                backend.core().handle_ws_message(now, conn, msg);
            }
        }
    }
}

/// Lets the backend act on its events, then routes every transmit. Repeats while
/// either produced something (closing a slow WebSocket can produce events).
fn flush<B: Backend>(backend: &mut B, routes: &mut Routes) {
    loop {
        backend.process_events(Instant::now());
        let mut any = false;
        while let Some(t) = backend.core().poll_transmit() {
            any = true;
            route(backend, routes, t);
        }
        if !any {
            return;
        }
    }
}

fn route<B: Backend>(backend: &mut B, routes: &mut Routes, t: Transmit) {
    match t {
        Transmit::HttpResponse(resp) => {
            if let Some((token, reply)) = routes.http.remove(&resp.request) {
                routes.tokens.remove(&token);
                // A dropped receiver means the peer left; its guard sends the abort
                // notice, which finds nothing to do.
                let _ = reply.send(resp);
            }
        }
        Transmit::Ws { conn, msg } => {
            let Some(out) = routes.ws.get(&conn) else {
                return;
            };
            match out.try_send(WsOut::Msg(msg)) {
                Ok(()) => {}
                Err(mpsc::error::TrySendError::Full(_)) => {
                    eprintln!("websocket {} too slow; dropping it", conn.as_u64());
                    if let Some(out) = routes.ws.remove(&conn) {
                        drop(out);
                    }
                    backend.core().handle_ws_closed(Instant::now(), conn);
                }
                Err(mpsc::error::TrySendError::Closed(_)) => {
                    routes.ws.remove(&conn);
                    backend.core().handle_ws_closed(Instant::now(), conn);
                }
            }
        }
        Transmit::CloseWs { conn } => {
            if let Some(out) = routes.ws.remove(&conn) {
                // If the queue is full the task is stuck anyway; dropping the sender
                // ends it too.
                let _ = out.try_send(WsOut::Close);
            }
        }
    }
}
