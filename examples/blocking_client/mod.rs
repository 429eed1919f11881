//! A blocking adapter for any client core (`Core<Input = client::Input, Transmit =
//! client::Transmit>`: the Engine.IO client or the Socket.IO manager). [`run`] is ONE
//! readiness loop (mio) that owns the core and every socket, with no async runtime and
//! no thread but one that reads stdin lines (stdin cannot be polled portably).
//!
//! - HTTP long-polling: HTTP/1.1 by hand (`wire.rs`, httparse) on keep-alive
//!   connections; idle ones older than 4 s are not reused (Node drops them at 5 s), and
//!   a request on a reused one that closes before any response byte goes out once more.
//! - WebSocket: the client handshake and masked frames by hand (tungstenite's frame
//!   header codec); pings are answered, messages over `max_body` fail the connection.
//! - Each pass drains the core until `Output::Timeout` (events first, the app's answers
//!   join the batch), feeds what the network produced, writes every socket with output
//!   once (a batch of frames is one `write`), then sleeps in `poll` until the core's
//!   deadline, the app's timer, a socket or stdin.
//! - `https://` (`tls.rs`): every connection, polling and WebSocket (`wss`), speaks TLS
//!   through rustls with the peer's [`Connector`]; the connect and handshake get
//!   [`tls::HANDSHAKE_TIMEOUT`]. A TLS failure is printed to stderr (`error: ...: TLS:
//!   certificate rejected (UnknownIssuer): ...`) and reaches the core as any transport
//!   failure (`HttpFailed` / `WsFailed`), so its reconnection back-off paces retries.
//! - `SIO_TRACE=1` traces to stderr.

mod tls;
mod wire;

use crate::client_app::tls::Connector;
use crate::client_app::Peer;
use bytes::BytesMut;
use mio::net::TcpStream;
use mio::{Events, Interest, Poll, Registry, Token, Waker};
use socketio_proto::client::{ConnId, HttpRequest, Input, RequestId, Transmit};
use socketio_proto::{Core, Output};
use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use std::io::{self, ErrorKind};
use std::net::{Shutdown, ToSocketAddrs};
use std::ops::ControlFlow;
use std::sync::mpsc;
use std::time::{Duration, Instant};
use tls::Stream;
use tungstenite::protocol::frame::coding::{Control, OpCode};
use wire::Frame;

/// What the callback is woken for.
pub enum Wake<E> {
    /// The core reported an event.
    Event(E),
    /// A line arrived on stdin (without its newline).
    Line(String),
    /// The deadline the callback last returned passed.
    Timer,
}

/// The callback's answer: `Continue(next app timer)` or `Break(exit status)`.
pub type Step = ControlFlow<i32, Option<Instant>>;

/// Idle keep-alive connections older than this are not reused.
const IDLE_LIMIT: Duration = Duration::from_secs(4);
/// Idle connections kept.
const POOL_SIZE: usize = 4;
/// The stdin thread's waker. HTTP connections get even tokens, WebSockets odd ones.
const STDIN: Token = Token(0);
/// How long a closing socket may take to write what is left (the close frame
/// included) before it is dropped: a server that stopped reading holds nothing here.
pub const CLOSE_DEADLINE: Duration = Duration::from_secs(5);

/// Drives `core` against `peer` (`http://host:port`, or `https://` with its TLS
/// settings) until `on` breaks; returns its exit status. `timer` is the app's first
/// deadline; `max_body` bounds every response body and WebSocket message.
pub fn run<C, F>(core: C, peer: &Peer, max_body: usize, timer: Option<Instant>, on: F) -> i32
where
    C: Core<Input = Input, Transmit = Transmit>,
    F: FnMut(&mut C, Instant, Wake<C::Event>) -> Step,
{
    let origin = &peer.origin;
    let (addr, tls) = match (origin.split_once("://"), &peer.tls) {
        (Some(("http", addr)), _) => (addr, None),
        (Some(("https", addr)), Some(tls)) => (addr, Some(tls.clone())),
        _ => {
            eprintln!("error: {origin}: neither http:// nor https:// with TLS settings");
            return 2;
        }
    };
    let setup = Poll::new().and_then(|poll| {
        let (waker, registry) = (
            Waker::new(poll.registry(), STDIN)?,
            poll.registry().try_clone()?,
        );
        Ok((poll, waker, registry))
    });
    let (poll, waker, registry) = match setup {
        Ok(parts) => parts,
        Err(e) => {
            eprintln!("error: {e}");
            return 1;
        }
    };
    let (tx, lines) = mpsc::channel();
    // The loop keeps the waker too: were it dropped with the thread at stdin's end, its
    // fd would close before `poll` saw the last wake (and that line would wait).
    let waker = std::sync::Arc::new(waker);
    let keep = waker.clone();
    std::thread::spawn(move || {
        for line in std::io::stdin().lines().map_while(Result::ok) {
            if tx.send(line).is_err() || waker.wake().is_err() {
                break;
            }
        }
    });
    let net = Net {
        registry,
        addr: addr.to_owned(),
        tls,
        max_body,
        socks: HashMap::new(),
        next: 0,
        inputs: VecDeque::new(),
        buf: vec![0; 64 * 1024],
        trace: std::env::var_os("SIO_TRACE").is_some(),
    };
    let ended = drive(core, poll, net, lines, timer, on);
    drop(keep);
    match ended {
        ControlFlow::Break(code) => code,
        ControlFlow::Continue(never) => match never {},
    }
}

/// The loop: drain, feed, write, wait; repeat.
fn drive<C, F>(
    mut core: C,
    mut poll: Poll,
    mut net: Net,
    lines: mpsc::Receiver<String>,
    mut timer: Option<Instant>,
    mut on: F,
) -> ControlFlow<i32, Infallible>
where
    C: Core<Input = Input, Transmit = Transmit>,
    F: FnMut(&mut C, Instant, Wake<C::Event>) -> Step,
{
    let mut events = Events::with_capacity(256);
    loop {
        // Drain after every input; write once none is left (a failed write is one).
        let deadline = loop {
            let deadline = loop {
                match core.poll_output() {
                    Output::Event(e) => timer = on(&mut core, Instant::now(), Wake::Event(e))?,
                    Output::Transmit(t) => net.transmit(t),
                    Output::Timeout(deadline) => break deadline,
                }
            };
            if let Some(input) = net.inputs.pop_front() {
                if net.trace {
                    eprintln!("trace: <- {input:?}");
                }
                if let Err(e) = core.handle_input(Instant::now(), input) {
                    eprintln!("input refused: {e}");
                }
                continue;
            }
            net.flush();
            if net.inputs.is_empty() {
                break deadline;
            }
        };
        let wake_at = [deadline, timer, net.wake_by()].into_iter().flatten();
        let wake_at = wake_at.min();
        let timeout = wake_at.map(|at| at.saturating_duration_since(Instant::now()));
        if let Err(e) = poll.poll(&mut events, timeout) {
            if e.kind() != ErrorKind::Interrupted {
                eprintln!("error: poll: {e}");
                return ControlFlow::Break(1);
            }
        }
        for ev in events.iter().filter(|ev| ev.token() != STDIN) {
            net.ready(ev.token().0);
        }
        let now = Instant::now();
        net.expire(now);
        if deadline.is_some_and(|d| now >= d) {
            net.inputs.push_back(Input::Timeout);
        }
        while let Ok(line) = lines.try_recv() {
            timer = on(&mut core, now, Wake::Line(line))?;
        }
        if timer.is_some_and(|t| now >= t) {
            timer = on(&mut core, now, Wake::Timer)?;
        }
    }
}

/// What a socket is doing.
enum State {
    /// Carrying a request. `Some(retry)` on a reused connection: that goes out once
    /// more on a fresh one if this one closes before any response byte.
    Http {
        request: RequestId,
        retry: Option<HttpRequest>,
    },
    /// A keep-alive connection, idle since then.
    Idle(Instant),
    /// The upgrade request is out; a `101` with this accept key opens the WebSocket.
    Upgrading { conn: ConnId, accept: String },
    /// An open WebSocket.
    Ws { conn: ConnId, frag: wire::Fragment },
    /// Writes what is queued, then closes (the core expects nothing more of it); a
    /// server that has not taken it all by this deadline ([`CLOSE_DEADLINE`]) gets
    /// the socket dropped instead.
    Closing(Instant),
}

/// One TCP connection.
struct Sock {
    stream: Stream,
    state: State,
    /// Whether the non-blocking connect completed.
    connected: bool,
    /// Unparsed input.
    inbuf: BytesMut,
    /// Unwritten output.
    out: Vec<u8>,
}

/// The network side: every socket, and the inputs they produced for the core.
struct Net {
    registry: Registry,
    /// `host:port`.
    addr: String,
    /// TLS for every connection (`https://`).
    tls: Option<Connector>,
    max_body: usize,
    socks: HashMap<usize, Sock>,
    /// Half the last HTTP connection's token.
    next: usize,
    /// What happened, for the core, in order.
    inputs: VecDeque<Input>,
    /// The read buffer every socket shares.
    buf: Vec<u8>,
    trace: bool,
}

/// The token of WebSocket `conn`.
fn ws_token(conn: ConnId) -> usize {
    (conn.as_u64() as usize).wrapping_mul(2) | 1
}

impl Net {
    /// Performs (or starts) what the core asks for.
    fn transmit(&mut self, t: Transmit) {
        if self.trace {
            eprintln!("trace: -> {t:?}");
        }
        match t {
            Transmit::HttpRequest { request, req } => self.request(request, req, true),
            Transmit::WsOpen { conn, uri } => {
                let mut out = Vec::new();
                let accept = wire::write_upgrade(&mut out, &self.addr, &uri);
                self.open(ws_token(conn), State::Upgrading { conn, accept }, out);
            }
            Transmit::WsSend { conn, msg } => match self.socks.get_mut(&ws_token(conn)) {
                Some(s) if matches!(s.state, State::Ws { .. }) => {
                    wire::write_message(&mut s.out, &msg);
                }
                _ => {}
            },
            Transmit::WsClose { conn } => match self.socks.get_mut(&ws_token(conn)) {
                Some(s) if matches!(s.state, State::Ws { .. }) => {
                    wire::write_frame(&mut s.out, OpCode::Control(Control::Close), &[3, 232]);
                    s.state = State::Closing(Instant::now() + CLOSE_DEADLINE);
                }
                Some(s) if matches!(s.state, State::Upgrading { .. }) => self.close(ws_token(conn)),
                _ => {}
            },
        }
    }

    /// Sends `req` on an idle keep-alive connection (if `reuse`; stale ones are dropped)
    /// or a fresh one.
    fn request(&mut self, request: RequestId, req: HttpRequest, reuse: bool) {
        let mut out = Vec::new();
        wire::write_request(&mut out, &self.addr, &req);
        let now = Instant::now();
        let idle = self.socks.iter().filter_map(|(&t, s)| match s.state {
            State::Idle(since) => Some((t, now.saturating_duration_since(since) < IDLE_LIMIT)),
            _ => None,
        });
        let idle: Vec<(usize, bool)> = idle.collect();
        let reused = idle
            .iter()
            .find(|&&(_, fresh)| fresh && reuse)
            .map(|&(t, _)| t);
        idle.into_iter()
            .filter(|(_, fresh)| !fresh)
            .for_each(|(t, _)| self.close(t));
        let retry = reused.map(|_| req);
        let state = State::Http { request, retry };
        match reused.and_then(|t| self.socks.get_mut(&t)) {
            Some(s) => (s.state, s.out) = (state, out),
            None => {
                self.next += 1;
                self.open(self.next * 2, state, out);
            }
        }
    }

    /// Connects socket `t` in `state` with `out` queued (reports it failed if it can't).
    fn open(&mut self, t: usize, state: State, out: Vec<u8>) {
        let connect = || -> io::Result<TcpStream> {
            let addr = self.addr.to_socket_addrs()?.next();
            let mut stream = TcpStream::connect(addr.ok_or(ErrorKind::NotFound)?)?;
            stream.set_nodelay(true)?;
            let both = Interest::READABLE | Interest::WRITABLE;
            self.registry.register(&mut stream, Token(t), both)?;
            Ok(stream)
        };
        let stream = connect().map_err(drop).and_then(|sock| {
            let tls = self.tls.as_ref();
            Stream::new(sock, tls, Instant::now()).map_err(|e| eprintln!("error: {e}"))
        });
        match stream {
            Ok(stream) => {
                let (connected, inbuf) = (false, BytesMut::new());
                let sock = Sock {
                    stream,
                    state,
                    connected,
                    inbuf,
                    out,
                };
                self.socks.insert(t, sock);
            }
            Err(_) => self.ended(state, false, false),
        }
    }

    /// Socket `t` is ready: completes its connect, reads until it would block.
    fn ready(&mut self, t: usize) {
        let Some(s) = self.socks.get_mut(&t) else {
            return;
        };
        if !s.connected {
            match (s.stream.tcp().take_error(), s.stream.tcp().peer_addr()) {
                (Ok(None), Ok(_)) => s.connected = true,
                (Ok(None), Err(e)) if e.kind() == ErrorKind::NotConnected => return,
                _ => return self.gone(t, false),
            }
        }
        loop {
            let Some(s) = self.socks.get_mut(&t) else {
                return;
            };
            match s.stream.read(&mut self.buf) {
                Ok(0) => return self.read_end(t, None),
                Ok(n) => {
                    s.inbuf.extend_from_slice(&self.buf[..n]);
                    self.process(t);
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return self.read_end(t, Some(e)),
            }
        }
    }

    /// Socket `t` read its end (`error`: it failed); if TLS is why, the user hears it.
    fn read_end(&mut self, t: usize, error: Option<io::Error>) {
        let sock = self.socks.get(&t);
        if let Some(why) = sock.and_then(|s| s.stream.why(error.as_ref())) {
            eprintln!("error: https://{}: {why}", self.addr);
        }
        self.gone(t, error.is_none());
    }

    /// The earliest socket deadline: a TLS handshake, or a close still writing.
    fn wake_by(&self) -> Option<Instant> {
        let closing = |s: &Sock| match s.state {
            State::Closing(by) => Some(by),
            _ => None,
        };
        let by = self.socks.values();
        by.filter_map(|s| s.stream.handshake_by().or_else(|| closing(s)))
            .min()
    }

    /// Fails the sockets whose TLS handshake is not done in time, and drops the closing
    /// ones that did not write their rest within [`CLOSE_DEADLINE`].
    fn expire(&mut self, now: Instant) {
        let late = |s: &Sock| s.stream.handshake_by().is_some_and(|by| by <= now);
        let late = self.socks.iter().filter(|(_, s)| late(s));
        for t in late.map(|(&t, _)| t).collect::<Vec<_>>() {
            eprintln!("error: https://{}: {}", self.addr, tls::TIMED_OUT);
            self.gone(t, false);
        }
        let stuck = |s: &Sock| matches!(s.state, State::Closing(by) if by <= now);
        let stuck = self.socks.iter().filter(|(_, s)| stuck(s));
        for t in stuck.map(|(&t, _)| t).collect::<Vec<_>>() {
            if let Some(s) = self.socks.get(&t) {
                let _ = s.stream.tcp().shutdown(Shutdown::Both);
            }
            self.close(t); // the core asked for the close: nothing to tell it
        }
    }

    /// Handles what socket `t` has read, as far as it goes.
    fn process(&mut self, t: usize) {
        let idle = self
            .socks
            .values()
            .filter(|s| matches!(s.state, State::Idle(_)));
        let pool_full = idle.count() >= POOL_SIZE;
        let max = self.max_body;
        let Some(s) = self.socks.get_mut(&t) else {
            return;
        };
        match &mut s.state {
            State::Http { request, .. } => match wire::take_response(&mut s.inbuf, max) {
                Ok(None) => {}
                Ok(Some(r)) => {
                    let (request, status, body) = (*request, r.status, r.body);
                    self.inputs.push_back(Input::HttpResponse {
                        request,
                        status,
                        body,
                    });
                    if r.keep_alive && !pool_full && s.inbuf.is_empty() && s.out.is_empty() {
                        s.state = State::Idle(Instant::now());
                    } else {
                        self.close(t);
                    }
                }
                Err(()) => self.gone(t, false),
            },
            State::Upgrading { conn, accept } => match wire::take_response(&mut s.inbuf, 0) {
                Ok(None) => {}
                Ok(Some(r)) if r.status == 101 && r.accept.as_deref() == Some(accept) => {
                    self.inputs.push_back(Input::WsOpened { conn: *conn });
                    let conn = *conn;
                    s.state = State::Ws { conn, frag: None };
                    self.process(t); // frames right behind the 101
                }
                _ => self.gone(t, false),
            },
            State::Ws { conn, frag } => loop {
                match wire::take_frame(&mut s.inbuf, max, frag) {
                    Ok(None) => break,
                    Ok(Some(Frame::Message(msg))) => {
                        self.inputs.push_back(Input::WsMessage { conn: *conn, msg });
                    }
                    Ok(Some(Frame::Ping(p))) => {
                        wire::write_frame(&mut s.out, OpCode::Control(Control::Pong), &p);
                    }
                    Ok(Some(Frame::Close)) => {
                        // Answer it, and the core hears of it now.
                        wire::write_frame(&mut s.out, OpCode::Control(Control::Close), &[]);
                        self.inputs.push_back(Input::WsClosed { conn: *conn });
                        let by = Instant::now() + CLOSE_DEADLINE;
                        (s.state, s.inbuf) = (State::Closing(by), BytesMut::new());
                        break;
                    }
                    Err(()) => return self.gone(t, false),
                }
            },
            State::Idle(_) => self.close(t), // bytes nobody asked for
            State::Closing(_) => s.inbuf.clear(),
        }
    }

    /// Socket `t` ended (`clean`: the peer closed it): forgets it, tells the core.
    fn gone(&mut self, t: usize, clean: bool) {
        if let Some(mut s) = self.socks.remove(&t) {
            let _ = self.registry.deregister(s.stream.tcp_mut());
            self.ended(s.state, clean, !s.inbuf.is_empty());
        }
    }

    /// Reports the end of a socket in `state` (`read`: some response had arrived).
    fn ended(&mut self, state: State, clean: bool, read: bool) {
        let input = match state {
            State::Http {
                request,
                retry: Some(req),
            } if !read => return self.request(request, req, false),
            State::Http { request, .. } => Input::HttpFailed { request },
            State::Ws { conn, .. } if clean => Input::WsClosed { conn },
            State::Upgrading { conn, .. } | State::Ws { conn, .. } => Input::WsFailed { conn },
            State::Idle(_) | State::Closing(_) => return,
        };
        self.inputs.push_back(input);
    }

    /// Drops socket `t` without telling the core.
    fn close(&mut self, t: usize) {
        if let Some(mut s) = self.socks.remove(&t) {
            let _ = self.registry.deregister(s.stream.tcp_mut());
        }
    }

    /// Writes every connected socket with output (TLS records included), once each; a
    /// closing socket that has written everything shuts down.
    fn flush(&mut self) {
        let pending = self.socks.iter().filter(|(_, s)| {
            let closing = matches!(s.state, State::Closing(_));
            s.connected && (!s.out.is_empty() || closing || s.stream.pending())
        });
        for t in pending.map(|(&t, _)| t).collect::<Vec<_>>() {
            let Some(s) = self.socks.get_mut(&t) else {
                continue;
            };
            let closing = matches!(s.state, State::Closing(_));
            let sent = s.stream.send(&s.out, closing);
            s.out.drain(..sent.taken);
            s.out.shrink_to(64 * 1024);
            if sent.failed {
                self.gone(t, false);
            } else if closing && s.out.is_empty() && !s.stream.pending() {
                let _ = s.stream.tcp().shutdown(Shutdown::Write);
                self.close(t);
            }
        }
    }
}
