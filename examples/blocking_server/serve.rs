//! A blocking server adapter: ONE readiness loop (mio) owns the core and every socket,
//! with no thread, channel or async runtime: the shape of embedding the core in a game
//! loop or a C event loop. Every readiness pass reads into one shared buffer, feeds the
//! core, appends what it transmits to per-connection write buffers, then writes each
//! dirty connection once (frames of a pass coalesce into one `write`).

use crate::wire::{self, Fragment, WsRead};
use bytes::Bytes;
use mio::net::{TcpListener, TcpStream, UnixStream};
use mio::{Events, Interest, Poll, Token};
use socketio_proto::driver::{Core, Output};
use socketio_proto::engineio::WsMessage;
use socketio_proto::server::{ConnId, Input, RequestId, Transmit};
use std::collections::{HashMap, VecDeque};
use std::io::{self, ErrorKind, Read, Write};
use std::net::Shutdown;
use std::time::{Duration, Instant};
use tungstenite::protocol::frame::coding::{Control, OpCode};

/// Sockets written by one pass from which the writes wait for one more look at input.
const DEFER_FANOUT: usize = 64;

/// Limits of the adapter.
#[derive(Debug, Clone)]
pub struct Options {
    /// The core's `max_payload`: bodies are read up to one byte more (the core answers
    /// `413`), WebSocket messages up to one byte more (a packet type plus the payload).
    pub max_payload: usize,
    /// Unwritten bytes a WebSocket may hold before it is failed and closed.
    pub max_backlog_bytes: usize,
    /// Unwritten frames a WebSocket may hold before it is failed and closed.
    pub max_backlog_frames: usize,
    /// How long connections get to flush and close after a shutdown signal.
    pub grace: Duration,
    /// Called with the port once the loop is ready (signal handlers installed).
    pub on_listening: Option<fn(u16)>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            max_payload: 1_000_000,
            max_backlog_bytes: 4 << 20,
            max_backlog_frames: 4096,
            grace: Duration::from_secs(3),
            on_listening: None,
        }
    }
}

const LISTENER: Token = Token(usize::MAX);
const SIGNAL: Token = Token(usize::MAX - 1);
/// A closed connection waits this long for the peer's end before it is dropped.
const LINGER: Duration = Duration::from_secs(2);
/// How long a socket may take no bytes while output waits for it (then it is dropped).
const WRITE_DEADLINE: Duration = Duration::from_secs(10);
/// How long a closing connection gets to write what is left.
const CLOSE_GRACE: Duration = Duration::from_secs(2);

#[derive(PartialEq)]
enum Mode {
    /// HTTP/1.1; `Some` while a request waits for its answer (a held long-poll).
    Http(Option<RequestId>),
    /// The upgrade went to the core; `101` with this accept key once it says yes.
    Upgrading(String),
    Ws,
    /// Write what is queued, then shut down and linger (`true`: shut down).
    Closing(bool),
}

struct Conn {
    stream: TcpStream,
    mode: Mode,
    keep_alive: bool,
    /// Unparsed input (a partial head, body or frame); empty and unallocated when idle.
    inbuf: Vec<u8>,
    /// Unwritten output, and how many frames it holds.
    out: Vec<u8>,
    frames: usize,
    frag: Fragment,
    dirty: bool,
    /// While output waits: when the socket must have taken some of it (the write
    /// deadline; the close grace once closing). Past it the connection is dropped.
    write_by: Option<Instant>,
}

struct Loop<C, F> {
    core: C,
    on_event: F,
    opts: Options,
    conns: HashMap<usize, Conn>,
    requests: HashMap<RequestId, usize>,
    next_request: u64,
    deadline: Option<Instant>,
    dirty: Vec<usize>,
    resume: Vec<usize>,
    linger: VecDeque<(Instant, usize)>,
    /// `write_by` deadlines in the order they were set (stale entries are skipped).
    stalls: VecDeque<(Instant, usize)>,
    stopping: bool,
    /// The read buffer every connection shares, and scratch space for decoded messages.
    buf: Vec<u8>,
    msgs: Vec<WsMessage>,
}

/// Serves `core` on `listener` until SIGINT or SIGTERM, then shuts the core down,
/// lets connections flush for `opts.grace`, and returns. `on_event` is the application:
/// it gets every event, with the core to answer on.
pub fn serve<C, F>(
    listener: std::net::TcpListener,
    core: C,
    on_event: F,
    opts: Options,
) -> io::Result<()>
where
    C: Core<Input = Input, Transmit = Transmit>,
    F: FnMut(&mut C, C::Event),
{
    let mut poll = Poll::new()?;
    listener.set_nonblocking(true)?;
    let mut listener = Some(TcpListener::from_std(listener));
    if let Some(l) = listener.as_mut() {
        poll.registry().register(l, LISTENER, Interest::READABLE)?;
    }
    // Self-pipe: the signal handler writes a byte, the loop wakes on it.
    let (rx, tx) = std::os::unix::net::UnixStream::pair()?;
    rx.set_nonblocking(true)?;
    tx.set_nonblocking(true)?;
    signal_hook::low_level::pipe::register(signal_hook::consts::SIGINT, tx.try_clone()?)?;
    signal_hook::low_level::pipe::register(signal_hook::consts::SIGTERM, tx)?;
    let mut signals = UnixStream::from_std(rx);
    poll.registry()
        .register(&mut signals, SIGNAL, Interest::READABLE)?;
    if let (Some(ready), Some(l)) = (opts.on_listening, listener.as_ref()) {
        ready(l.local_addr()?.port());
    }

    let mut s = Loop {
        core,
        on_event,
        buf: vec![0; 64 * 1024],
        opts,
        conns: HashMap::new(),
        requests: HashMap::new(),
        next_request: 0,
        deadline: None,
        dirty: Vec::new(),
        resume: Vec::new(),
        linger: VecDeque::new(),
        stalls: VecDeque::new(),
        stopping: false,
        msgs: Vec::new(),
    };
    s.drain();
    let (mut events, mut next_token, mut stop_at) = (Events::with_capacity(1024), 0, None);
    let mut deferred = false;
    loop {
        let now = Instant::now();
        if s.deadline.is_some_and(|d| d <= now) {
            s.feed(now, Input::Timeout);
        }
        while s.linger.front().is_some_and(|(at, _)| *at <= now) {
            if let Some((_, t)) = s.linger.pop_front() {
                s.conns.remove(&t);
            }
        }
        while s.stalls.front().is_some_and(|(at, _)| *at <= now) {
            if let Some((at, t)) = s.stalls.pop_front() {
                if s.conns.get(&t).is_some_and(|c| c.write_by == Some(at)) {
                    eprintln!("connection {t}: the peer took no bytes in time; dropped");
                    s.gone(t, now, true);
                }
            }
        }
        // A pass that fanned out to many sockets (a broadcast) first looks once more,
        // without waiting, for input that arrived meanwhile: the frames it causes join
        // the same write to each socket (one `send` for several broadcasts).
        let defer = !deferred && s.dirty.len() >= DEFER_FANOUT;
        if !defer {
            s.flush(now);
        }
        deferred = defer;
        if stop_at.is_some_and(|at| s.conns.is_empty() || now >= at) {
            return Ok(());
        }
        let wake = [
            s.deadline,
            s.linger.front().map(|l| l.0),
            s.stalls.front().map(|l| l.0),
            stop_at,
        ];
        let timeout = match defer {
            true => Some(Duration::ZERO),
            false => wake.into_iter().flatten().min().map(|w| w - now.min(w)),
        };
        if let Err(e) = poll.poll(&mut events, timeout) {
            if e.kind() != ErrorKind::Interrupted {
                return Err(e);
            }
        }
        let now = Instant::now();
        for ev in events.iter() {
            match ev.token() {
                LISTENER => {
                    while let Some(Ok((mut stream, _))) = listener.as_ref().map(|l| l.accept()) {
                        let _ = stream.set_nodelay(true);
                        let both = Interest::READABLE | Interest::WRITABLE;
                        if poll
                            .registry()
                            .register(&mut stream, Token(next_token), both)
                            .is_ok()
                        {
                            s.conns.insert(next_token, Conn::new(stream));
                            next_token += 1;
                        }
                    }
                }
                SIGNAL if stop_at.is_none() => {
                    eprintln!("shutting down");
                    (stop_at, listener, s.stopping) = (Some(now + s.opts.grace), None, true);
                    s.core.shutdown(now);
                    s.drain();
                    let all: Vec<usize> = s.conns.keys().copied().collect();
                    all.into_iter().for_each(|t| s.mark(t));
                }
                SIGNAL => {}
                Token(t) => {
                    if ev.is_writable() {
                        s.mark(t);
                    }
                    if ev.is_readable() || ev.is_read_closed() || ev.is_error() {
                        // A short read drained the socket: the next byte raises a new
                        // edge, so stop there (one `recv` per message, not two), unless
                        // the peer closed or failed, which only a read to the end shows.
                        s.read(t, now, ev.is_read_closed() || ev.is_error());
                    }
                }
            }
        }
        while let Some(t) = s.resume.pop() {
            s.process(t, now);
            s.read(t, now, true);
        }
    }
}

impl Conn {
    fn new(stream: TcpStream) -> Self {
        Conn {
            stream,
            mode: Mode::Http(None),
            keep_alive: true,
            inbuf: Vec::new(),
            out: Vec::new(),
            frames: 0,
            frag: None,
            dirty: false,
            write_by: None,
        }
    }
}

impl<C, F> Loop<C, F>
where
    C: Core<Input = Input, Transmit = Transmit>,
    F: FnMut(&mut C, C::Event),
{
    /// Feeds one input and drains the outputs (ids are fresh, so it cannot fail).
    fn feed(&mut self, now: Instant, input: Input) {
        let _ = self.core.handle_input(now, input);
        self.drain();
    }

    fn drain(&mut self) {
        loop {
            match self.core.poll_output() {
                Output::Event(e) => (self.on_event)(&mut self.core, e),
                Output::Transmit(t) => self.transmit(t),
                Output::Timeout(at) => {
                    self.deadline = at;
                    return;
                }
            }
        }
    }

    fn mark(&mut self, t: usize) {
        if let Some(c) = self.conns.get_mut(&t).filter(|c| !c.dirty) {
            c.dirty = true;
            self.dirty.push(t);
        }
    }

    fn transmit(&mut self, t: Transmit) {
        let (token, keep) = match t {
            Transmit::HttpResponse { request, response } => {
                let Some(token) = self.requests.remove(&request) else {
                    return;
                };
                let Some(c) = self.conns.get_mut(&token) else {
                    return;
                };
                wire::write_response(&mut c.out, &response, c.keep_alive);
                c.mode = if c.keep_alive {
                    Mode::Http(None)
                } else {
                    Mode::Closing(false)
                };
                self.resume.push(token);
                (token, true)
            }
            Transmit::WsAccept { conn } => (conn.as_u64() as usize, true),
            Transmit::WsReject { conn, response } => {
                let token = conn.as_u64() as usize;
                if let Some(c) = self.conns.get_mut(&token) {
                    wire::write_response(&mut c.out, &response, false);
                }
                (token, false)
            }
            Transmit::WsSend { conn, msg } => {
                let Some(c) = self.conns.get_mut(&(conn.as_u64() as usize)) else {
                    return;
                };
                if c.mode == Mode::Ws {
                    wire::write_message(&mut c.out, &msg);
                    c.frames += 1;
                }
                (conn.as_u64() as usize, true)
            }
            Transmit::WsClose { conn } => {
                let token = conn.as_u64() as usize;
                if let Some(c) = self.conns.get_mut(&token).filter(|c| c.mode == Mode::Ws) {
                    wire::write_frame(&mut c.out, OpCode::Control(Control::Close), &[3, 232]);
                }
                (token, false)
            }
        };
        let Some(c) = self.conns.get_mut(&token) else {
            return;
        };
        match std::mem::replace(&mut c.mode, Mode::Ws) {
            Mode::Upgrading(accept) if keep => {
                wire::write_101(&mut c.out, &accept);
                self.resume.push(token); // frames that came right behind the upgrade
            }
            Mode::Upgrading(_) | Mode::Ws if !keep => c.mode = Mode::Closing(false),
            other => c.mode = other,
        }
        self.mark(token);
    }

    /// Reads until the socket would block (or, unless `to_end`, until a read that did
    /// not fill the buffer), feeding what arrived.
    fn read(&mut self, t: usize, now: Instant, to_end: bool) {
        loop {
            let Some(c) = self.conns.get_mut(&t) else {
                return;
            };
            let busy = matches!(c.mode, Mode::Http(Some(_)) | Mode::Upgrading(_));
            if busy && c.inbuf.len() > wire::MAX_HEAD + self.opts.max_payload {
                return; // read on once the request is answered (`resume`)
            }
            let n = match c.stream.read(&mut self.buf) {
                Ok(0) => return self.gone(t, now, false),
                Ok(n) => n,
                Err(e) if e.kind() == ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(_) => return self.gone(t, now, true),
            };
            let drained = !to_end && n < self.buf.len();
            match c.mode {
                Mode::Closing(_) => {}
                Mode::Ws if c.inbuf.is_empty() => {
                    let mut msgs = std::mem::take(&mut self.msgs);
                    let max = self.opts.max_payload + 1;
                    let data = &mut self.buf[..n];
                    let read = wire::read_frames(data, max, &mut c.frag, &mut msgs, &mut c.out);
                    if let Ok(WsRead::Consumed(used)) = read {
                        c.inbuf.extend_from_slice(&data[used..]);
                    }
                    self.ws_input(t, now, read, &mut msgs);
                    self.msgs = msgs;
                }
                _ => {
                    c.inbuf.extend_from_slice(&self.buf[..n]);
                    self.process(t, now);
                }
            }
            if drained {
                return;
            }
        }
    }

    /// Feeds decoded messages; a close frame or a protocol error ends the connection.
    fn ws_input(
        &mut self,
        t: usize,
        now: Instant,
        read: Result<WsRead, ()>,
        msgs: &mut Vec<WsMessage>,
    ) {
        let conn = ConnId::new(t as u64);
        for msg in msgs.drain(..) {
            self.feed(now, Input::WsMessage { conn, msg });
        }
        match read {
            Ok(WsRead::Consumed(_)) => self.mark(t), // a pong may be queued
            Ok(WsRead::Closed) => self.transmit(Transmit::WsClose { conn }),
            Err(()) => return self.gone(t, now, true),
        }
        if let Ok(WsRead::Closed) = read {
            self.feed(now, Input::WsClosed { conn });
        }
    }

    /// Handles the buffered input of `t` as far as it goes.
    fn process(&mut self, t: usize, now: Instant) {
        loop {
            let Some(c) = self.conns.get_mut(&t) else {
                return;
            };
            match c.mode {
                Mode::Http(None) => {}
                Mode::Ws if !c.inbuf.is_empty() => {
                    let (mut data, mut msgs) = (std::mem::take(&mut c.inbuf), Vec::new());
                    let max = self.opts.max_payload + 1;
                    let read =
                        wire::read_frames(&mut data, max, &mut c.frag, &mut msgs, &mut c.out);
                    if let Ok(WsRead::Consumed(used)) = read {
                        data.drain(..used);
                        c.inbuf = if data.is_empty() { Vec::new() } else { data };
                    }
                    return self.ws_input(t, now, read, &mut msgs);
                }
                _ => return,
            }
            let head = match wire::parse_head(&c.inbuf) {
                Ok(None) => return,
                Ok(Some(head)) => head,
                Err(resp) => {
                    wire::write_response(&mut c.out, &resp, false);
                    (c.mode, c.inbuf) = (Mode::Closing(false), Vec::new());
                    return self.mark(t);
                }
            };
            let mut req = head.req;
            if let Some(accept) = head.ws_accept {
                c.inbuf.drain(..head.len);
                c.mode = Mode::Upgrading(accept);
                return self.feed(
                    now,
                    Input::WsUpgrade {
                        conn: ConnId::new(t as u64),
                        req,
                    },
                );
            }
            let take = head.content_length.min(self.opts.max_payload + 1);
            if c.inbuf.len() < head.len + take {
                return; // the body is still coming
            }
            req.body = Bytes::copy_from_slice(&c.inbuf[head.len..head.len + take]);
            c.keep_alive = head.keep_alive && take == head.content_length && !self.stopping;
            c.inbuf.drain(..head.len + take);
            if c.inbuf.is_empty() {
                c.inbuf = Vec::new();
            }
            let request = RequestId::new(self.next_request);
            self.next_request += 1;
            c.mode = Mode::Http(Some(request));
            self.requests.insert(request, t);
            self.feed(now, Input::HttpRequest { request, req });
        }
    }

    /// The connection ended (the peer went, or it failed): tell the core, forget it.
    fn gone(&mut self, t: usize, now: Instant, failed: bool) {
        let Some(c) = self.conns.remove(&t) else {
            return;
        };
        let conn = ConnId::new(t as u64);
        match c.mode {
            Mode::Http(Some(request)) => {
                self.requests.remove(&request);
                self.feed(now, Input::HttpFailed { request });
            }
            Mode::Upgrading(_) | Mode::Ws if failed => self.feed(now, Input::WsFailed { conn }),
            Mode::Upgrading(_) | Mode::Ws => self.feed(now, Input::WsClosed { conn }),
            Mode::Http(None) | Mode::Closing(_) => {}
        }
    }

    /// Writes every connection that has output, once each; enforces the backlog bound.
    fn flush(&mut self, now: Instant) {
        while let Some(t) = self.dirty.pop() {
            let Some(c) = self.conns.get_mut(&t) else {
                continue;
            };
            c.dirty = false;
            let mut written = 0;
            while written < c.out.len() {
                match c.stream.write(&c.out[written..]) {
                    Ok(n) => written += n,
                    Err(e) if e.kind() == ErrorKind::Interrupted => {}
                    Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                    Err(_) => {
                        self.gone(t, now, true);
                        break;
                    }
                }
            }
            let Some(c) = self.conns.get_mut(&t) else {
                continue;
            };
            if written > 0 || written == c.out.len() {
                c.write_by = None;
            }
            let closing = matches!(c.mode, Mode::Closing(_));
            if written < c.out.len() && (c.write_by.is_none() || closing) {
                let limit = if closing { CLOSE_GRACE } else { WRITE_DEADLINE };
                let at = now + limit;
                if c.write_by.map_or(true, |by| at < by) {
                    c.write_by = Some(at);
                    self.stalls.push_back((at, t));
                }
            }
            if written == c.out.len() {
                c.frames = 0;
                c.out.clear();
                if c.out.capacity() > 4096 {
                    c.out = Vec::new();
                }
            } else {
                c.out.drain(..written);
            }
            let over = c.out.len() > self.opts.max_backlog_bytes
                || c.frames > self.opts.max_backlog_frames;
            if over && c.mode == Mode::Ws {
                c.mode = Mode::Closing(true);
                let _ = c.stream.shutdown(Shutdown::Both);
                self.conns.remove(&t);
                self.feed(
                    now,
                    Input::WsFailed {
                        conn: ConnId::new(t as u64),
                    },
                );
            } else if c.out.is_empty() && c.mode == Mode::Closing(false) {
                c.mode = Mode::Closing(true);
                let _ = c.stream.shutdown(Shutdown::Write);
                self.linger.push_back((now + LINGER, t));
            } else if self.stopping && c.out.is_empty() && c.mode == Mode::Http(None) {
                self.conns.remove(&t);
            }
        }
    }
}
