//! A connection's socket for the blocking server: plain TCP, or TCP under a
//! `rustls::ServerConnection` that the loop drives by hand (no blocking, no thread).
//!
//! - Reading: plaintext buffered in rustls first; when there is none, ONE socket read
//!   (`read_tls`) and `process_new_packets`, then again. A short read only means the
//!   socket is drained when the socket read behind it was short too, so [`Stream::read`]
//!   reports that itself (the loop's short-read stop stays correct under TLS).
//! - Writing: [`Stream::send`] moves plaintext into rustls (at most its 64 KiB buffer
//!   limit at a time, so the caller's buffer stays the backlog that is bounded) and
//!   writes the records out until the socket would block; [`Stream::pending`] says
//!   whether TLS bytes (handshake, records, alerts) still wait for the socket.
//! - Closing: [`Stream::send`] with `finish` queues `close_notify` after the plaintext.

use mio::net::TcpStream;
use rustls::{ServerConfig, ServerConnection};
use std::io::{self, ErrorKind, Read, Write};
use std::net::Shutdown;
use std::sync::Arc;

/// A connection's socket.
pub enum Stream {
    /// Plain HTTP / WebSocket.
    Plain(TcpStream),
    /// HTTPS / WSS.
    Tls(Box<Tls>),
}

/// A socket under TLS.
pub struct Tls {
    sock: TcpStream,
    conn: ServerConnection,
    /// Whether the last socket read filled all that rustls offered (more may wait).
    full: bool,
    /// Whether `close_notify` is queued.
    notified: bool,
}

/// What one [`Stream::send`] did.
#[derive(Default)]
pub struct Sent {
    /// Bytes of the plaintext taken (written, or handed to rustls).
    pub taken: usize,
    /// Whether the socket took any bytes.
    pub moved: bool,
    /// Whether the socket failed.
    pub failed: bool,
}

/// The socket for the peer in `read`: reads one socket read's worth, recording whether
/// it filled the buffer.
struct Probe<'a> {
    sock: &'a mut TcpStream,
    full: bool,
}

impl Read for Probe<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.sock.read(buf)?;
        self.full = n == buf.len();
        Ok(n)
    }
}

impl Stream {
    /// `sock`, under TLS with `config` when given. `Err`: rustls refused the config.
    pub fn new(sock: TcpStream, config: Option<&Arc<ServerConfig>>) -> Result<Self, rustls::Error> {
        let Some(config) = config else {
            return Ok(Stream::Plain(sock));
        };
        let conn = ServerConnection::new(config.clone())?;
        let (full, notified) = (false, false);
        Ok(Stream::Tls(Box::new(Tls {
            sock,
            conn,
            full,
            notified,
        })))
    }

    /// Whether the TLS handshake is still under way.
    pub fn handshaking(&self) -> bool {
        matches!(self, Stream::Tls(t) if t.conn.is_handshaking())
    }

    /// Whether TLS bytes wait for the socket.
    pub fn pending(&self) -> bool {
        matches!(self, Stream::Tls(t) if t.conn.wants_write())
    }

    /// Reads plaintext into `buf`: `Ok((0, _))` at the end (a TCP FIN, or TLS
    /// `close_notify`, or a TCP FIN without it, as browsers and Node do), `WouldBlock`
    /// when nothing is left. `Ok((n, true))`: the socket is known to be drained (the
    /// last socket read was short and nothing is buffered), so the next byte raises a new
    /// readiness edge. A TLS error (`InvalidData`, the rustls error inside) queues its
    /// alert and writes it if the socket takes it.
    pub fn read(&mut self, buf: &mut [u8]) -> io::Result<(usize, bool)> {
        let t = match self {
            Stream::Plain(sock) => return sock.read(buf).map(|n| (n, n < buf.len())),
            Stream::Tls(t) => t,
        };
        loop {
            match t.conn.reader().read(buf) {
                Ok(n) => return Ok((n, n < buf.len() && !t.full)),
                Err(e) if e.kind() == ErrorKind::WouldBlock => {}
                Err(e) if e.kind() == ErrorKind::UnexpectedEof => return Ok((0, true)),
                Err(e) => return Err(e),
            }
            let mut probe = Probe {
                sock: &mut t.sock,
                full: false,
            };
            let read = t.conn.read_tls(&mut probe);
            t.full = probe.full;
            read?; // `Ok(0)`: rustls noted the EOF, the reader reports it next
            if let Err(e) = t.conn.process_new_packets() {
                let _ = t.conn.write_tls(&mut t.sock);
                return Err(io::Error::new(ErrorKind::InvalidData, e));
            }
        }
    }

    /// Writes `out` (then, if `finish`, TLS `close_notify`) until the socket would
    /// block; what was taken of `out` is the caller's to drop.
    pub fn send(&mut self, out: &[u8], finish: bool) -> Sent {
        let mut sent = Sent::default();
        loop {
            let wrote = match self {
                Stream::Plain(_) if sent.taken == out.len() => break,
                Stream::Plain(sock) => sock.write(&out[sent.taken..]).inspect(|&n| {
                    sent.taken += n;
                }),
                Stream::Tls(t) if t.conn.wants_write() => t.conn.write_tls(&mut t.sock),
                Stream::Tls(t) if sent.taken < out.len() => {
                    match t.conn.writer().write(&out[sent.taken..]) {
                        Ok(n) if n > 0 => sent.taken += n,
                        _ => break, // rustls holds all it takes until the handshake ends
                    }
                    continue;
                }
                Stream::Tls(t) if finish && !t.notified => {
                    t.notified = true;
                    t.conn.send_close_notify();
                    continue;
                }
                Stream::Tls(_) => break,
            };
            match wrote {
                Ok(0) => break,
                Ok(_) => sent.moved = true,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(_) => {
                    sent.failed = true;
                    break;
                }
            }
        }
        sent
    }

    /// Shuts the TCP socket down (`close_notify` goes first, through [`Stream::send`]).
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        match self {
            Stream::Plain(sock) => sock.shutdown(how),
            Stream::Tls(t) => t.sock.shutdown(how),
        }
    }
}
