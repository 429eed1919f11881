//! One connection of the blocking server: its socket (plain or TLS, `tls.rs`), what it
//! is doing, its buffers, and writing it out under the write deadline, the close grace
//! and the backlog bound (the loop in `serve.rs` acts on what [`Conn::write_out`] says);
//! the adapter's [`Options`].

use crate::tls::Stream;
use crate::wire::Fragment;
use socketio_proto::server::RequestId;
use std::net::Shutdown;
use std::sync::Arc;
use std::time::{Duration, Instant};

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
    /// Serve HTTPS/WSS with this configuration (`None`: plain HTTP/WS).
    pub tls: Option<Arc<rustls::ServerConfig>>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            max_payload: 1_000_000,
            max_backlog_bytes: 4 << 20,
            max_backlog_frames: 4096,
            grace: Duration::from_secs(3),
            on_listening: None,
            tls: None,
        }
    }
}

/// How long a socket may take no bytes while output waits for it (then it is dropped).
const WRITE_DEADLINE: Duration = Duration::from_secs(10);
/// How long a closing connection gets to write what is left.
const CLOSE_GRACE: Duration = Duration::from_secs(2);

/// What a connection is doing.
#[derive(PartialEq)]
pub enum Mode {
    /// HTTP/1.1; `Some` while a request waits for its answer (a held long-poll).
    Http(Option<RequestId>),
    /// The upgrade went to the core; `101` with this accept key once it says yes.
    Upgrading(String),
    /// An open WebSocket.
    Ws,
    /// Write what is queued, then shut down and linger (`true`: shut down).
    Closing(bool),
}

/// One accepted connection.
pub struct Conn {
    /// The socket, plain or TLS.
    pub stream: Stream,
    /// What it is doing.
    pub mode: Mode,
    /// Whether the last request allows another on this connection.
    pub keep_alive: bool,
    /// Unparsed input (a partial head, body or frame); empty and unallocated when idle.
    pub inbuf: Vec<u8>,
    /// Unwritten output, and how many frames it holds.
    pub out: Vec<u8>,
    /// Frames in `out`.
    pub frames: usize,
    /// A WebSocket message split over frames, so far.
    pub frag: Fragment,
    /// Whether it is in the loop's list of connections to write.
    pub dirty: bool,
    /// While output waits: when the socket must have taken some of it (the write
    /// deadline; the close grace once closing). Past it the connection is dropped.
    pub write_by: Option<Instant>,
}

/// What the loop does with a connection after [`Conn::write_out`].
pub enum After {
    /// Nothing.
    Keep,
    /// The socket failed: the connection is gone.
    Failed,
    /// A WebSocket's backlog went over its bound: it is shut down, the core hears it
    /// failed.
    Overrun,
    /// Everything is written and it is shut down: it lingers for the peer's end.
    Linger,
    /// An idle keep-alive connection while stopping: drop it.
    Drop,
}

impl Conn {
    /// A fresh connection on `stream`, waiting for a request.
    pub fn new(stream: Stream) -> Self {
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

    /// Writes what is queued (TLS records included) until the socket would block, and
    /// enforces the bounds. Returns what the loop must do, and the `write_by` deadline to
    /// watch if it set a new one. Output is done once the socket took every byte: TLS
    /// bytes still in rustls keep the deadline armed and a closing connection open.
    pub fn write_out(
        &mut self,
        now: Instant,
        opts: &Options,
        stopping: bool,
    ) -> (After, Option<Instant>) {
        let closing = matches!(self.mode, Mode::Closing(_));
        let sent = self
            .stream
            .send(&self.out, self.mode == Mode::Closing(false));
        if sent.failed {
            return (After::Failed, None);
        }
        let all = sent.taken == self.out.len();
        let done = all && !self.stream.pending();
        if sent.moved || done {
            self.write_by = None;
        }
        let mut stall = None;
        if !done && (self.write_by.is_none() || closing) {
            let at = now + if closing { CLOSE_GRACE } else { WRITE_DEADLINE };
            if self.write_by.map_or(true, |by| at < by) {
                (self.write_by, stall) = (Some(at), Some(at));
            }
        }
        if all {
            self.frames = 0;
            self.out.clear();
            if self.out.capacity() > 4096 {
                self.out = Vec::new();
            }
        } else {
            self.out.drain(..sent.taken);
        }
        let over = self.out.len() > opts.max_backlog_bytes || self.frames > opts.max_backlog_frames;
        let after = if over && self.mode == Mode::Ws {
            self.mode = Mode::Closing(true);
            let _ = self.stream.shutdown(Shutdown::Both);
            After::Overrun
        } else if done && self.mode == Mode::Closing(false) {
            self.mode = Mode::Closing(true);
            let _ = self.stream.shutdown(Shutdown::Write);
            After::Linger
        } else if stopping && done && self.mode == Mode::Http(None) {
            After::Drop
        } else {
            After::Keep
        };
        (after, stall)
    }
}
