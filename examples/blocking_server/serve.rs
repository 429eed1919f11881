//! A blocking server adapter: ONE readiness loop (mio) owns the core and every socket,
//! with no thread, channel or async runtime: the shape of embedding the core in a game
//! loop or a C event loop. Every readiness pass reads into one shared buffer, feeds the
//! core, appends what it transmits to per-connection write buffers, then writes each
//! dirty connection once (frames of a pass coalesce into one `write`).
//!
//! With [`Options::tls`] every accepted connection speaks TLS (`tls.rs`: rustls driven
//! by this loop); a handshake that fails or is not done within
//! [`HANDSHAKE_TIMEOUT`] is logged (`tls handshake failed: ...`) and the connection
//! dropped, the core never hears of it.

pub use crate::conn::Options;
use crate::conn::{After, Conn, Mode};
use crate::demo::tls::HANDSHAKE_TIMEOUT;
use crate::tls::Stream;
use crate::wire::{self, WsRead};
use bytes::Bytes;
use mio::net::{TcpListener, UnixStream};
use mio::{Events, Interest, Poll, Token};
use socketio_proto::driver::{Core, Output};
use socketio_proto::engineio::WsMessage;
use socketio_proto::server::{ConnId, Input, RequestId, Transmit};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};
use std::io::{self, ErrorKind};
use std::time::{Duration, Instant};
use tungstenite::protocol::frame::coding::{Control, OpCode};

/// Sockets written by one pass from which the writes wait for one more look at input.
const DEFER_FANOUT: usize = 64;

const LISTENER: Token = Token(usize::MAX);
const SIGNAL: Token = Token(usize::MAX - 1);
/// A closed connection waits this long for the peer's end before it is dropped.
const LINGER: Duration = Duration::from_secs(2);

/// The loop's state: the core, the application, every connection and the timers.
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
    /// `write_by` deadlines, earliest first (stale entries are skipped).
    stalls: BinaryHeap<Reverse<(Instant, usize)>>,
    /// TLS handshake deadlines, in the order they were set.
    handshakes: VecDeque<(Instant, usize)>,
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
        stalls: BinaryHeap::new(),
        handshakes: VecDeque::new(),
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
        s.expire(now);
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
            s.stalls.peek().map(|l| l.0 .0),
            s.handshakes.front().map(|l| l.0),
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
                        let token = Token(next_token);
                        if poll.registry().register(&mut stream, token, both).is_ok() {
                            s.accept(now, next_token, stream);
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

impl<C, F> Loop<C, F>
where
    C: Core<Input = Input, Transmit = Transmit>,
    F: FnMut(&mut C, C::Event),
{
    /// Takes connection `t` on `sock` (registered), under TLS if configured; its
    /// handshake gets [`HANDSHAKE_TIMEOUT`].
    fn accept(&mut self, now: Instant, t: usize, sock: mio::net::TcpStream) {
        match Stream::new(sock, self.opts.tls.as_ref()) {
            Ok(stream) => {
                if stream.handshaking() {
                    self.handshakes.push_back((now + HANDSHAKE_TIMEOUT, t));
                }
                self.conns.insert(t, Conn::new(stream));
            }
            Err(e) => eprintln!("tls handshake failed: connection {t}: {e}"),
        }
    }

    /// Drops what is past its time: lingering connections, connections whose peer took
    /// no bytes by `write_by`, TLS handshakes not done within [`HANDSHAKE_TIMEOUT`].
    fn expire(&mut self, now: Instant) {
        while self.linger.front().is_some_and(|(at, _)| *at <= now) {
            if let Some((_, t)) = self.linger.pop_front() {
                self.conns.remove(&t);
            }
        }
        while let Some(&Reverse((at, t))) = self.stalls.peek().filter(|s| s.0 .0 <= now) {
            self.stalls.pop();
            if self.conns.get(&t).is_some_and(|c| c.write_by == Some(at)) {
                eprintln!("connection {t}: the peer took no bytes in time; dropped");
                self.gone(t, now, true);
            }
        }
        while self.handshakes.front().is_some_and(|(at, _)| *at <= now) {
            if let Some((_, t)) = self.handshakes.pop_front() {
                if self.conns.get(&t).is_some_and(|c| c.stream.handshaking()) {
                    let limit = HANDSHAKE_TIMEOUT;
                    eprintln!("tls handshake failed: connection {t}: not done within {limit:?}");
                    self.conns.remove(&t); // nothing reached the core yet
                }
            }
        }
    }

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

    /// Reads until the socket would block (or, unless `to_end`, until a read that
    /// shows the socket drained), feeding what arrived. What TLS has to answer
    /// (handshake, alerts) goes out with the next flush.
    fn read(&mut self, t: usize, now: Instant, to_end: bool) {
        self.read_on(t, now, to_end);
        if self.conns.get(&t).is_some_and(|c| c.stream.pending()) {
            self.mark(t);
        }
    }

    /// [`read`](Self::read) but the TLS answers.
    fn read_on(&mut self, t: usize, now: Instant, to_end: bool) {
        loop {
            let Some(c) = self.conns.get_mut(&t) else {
                return;
            };
            let busy = matches!(c.mode, Mode::Http(Some(_)) | Mode::Upgrading(_));
            if busy && c.inbuf.len() > wire::MAX_HEAD + self.opts.max_payload {
                return; // read on once the request is answered (`resume`)
            }
            let (n, short) = match c.stream.read(&mut self.buf) {
                Ok((0, _)) => return self.ended(t, now, None),
                Ok(got) => got,
                Err(e) if e.kind() == ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => return self.ended(t, now, Some(e)),
            };
            let drained = !to_end && short;
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

    /// The socket of `t` ended (`error`: it failed): logs a TLS handshake it cut short,
    /// then [`gone`](Self::gone).
    fn ended(&mut self, t: usize, now: Instant, error: Option<io::Error>) {
        if self.conns.get(&t).is_some_and(|c| c.stream.handshaking()) {
            let why = error
                .as_ref()
                .map_or("the peer closed".into(), |e| e.to_string());
            eprintln!("tls handshake failed: connection {t}: {why}");
        }
        self.gone(t, now, error.is_some());
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

    /// Writes every connection that has output, once each; enforces the bounds.
    fn flush(&mut self, now: Instant) {
        while let Some(t) = self.dirty.pop() {
            let Some(c) = self.conns.get_mut(&t) else {
                continue;
            };
            c.dirty = false;
            let (after, stall) = c.write_out(now, &self.opts, self.stopping);
            if let Some(at) = stall {
                self.stalls.push(Reverse((at, t)));
            }
            match after {
                After::Keep => {}
                After::Failed => self.gone(t, now, true),
                After::Overrun => {
                    self.conns.remove(&t);
                    let conn = ConnId::new(t as u64);
                    self.feed(now, Input::WsFailed { conn });
                }
                After::Linger => self.linger.push_back((now + LINGER, t)),
                After::Drop => drop(self.conns.remove(&t)),
            }
        }
    }
}
