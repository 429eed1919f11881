//! A client socket: plain TCP, or TCP under a `rustls::ClientConnection` that the loop
//! drives by hand (`https://` origins: polling requests and `wss` alike).
//!
//! - Reading: plaintext buffered in rustls first; when there is none, one socket read
//!   (`read_tls`) and `process_new_packets`, then again, until the socket would block.
//! - Writing: [`Stream::send`] moves plaintext into rustls (what it takes before the
//!   handshake ends goes out right after it) and writes the records until the socket
//!   would block; [`Stream::pending`] says whether TLS bytes still wait for the socket.
//! - The handshake (with the TCP connect) must be done within [`HANDSHAKE_TIMEOUT`]
//!   ([`Stream::handshake_by`]); a TLS failure reads as an `InvalidData` error that
//!   [`Stream::why`] words for the user.

use crate::client_app::tls::{describe, describe_io, Connector};
use mio::net::TcpStream;
use rustls::ClientConnection;
use std::io::{self, ErrorKind, Read, Write};
use std::time::{Duration, Instant};

/// How long the connect and the TLS handshake may take (as the servers' handshake
/// timeout, `demo::tls::HANDSHAKE_TIMEOUT`).
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// What the user reads when [`HANDSHAKE_TIMEOUT`] passed.
pub const TIMED_OUT: &str = "TLS: no handshake within 10 s (HANDSHAKE_TIMEOUT)";

/// A connection's socket.
pub enum Stream {
    /// `http://`.
    Plain(TcpStream),
    /// `https://`.
    Tls(Box<Tls>),
}

/// A socket under TLS.
pub struct Tls {
    sock: TcpStream,
    conn: ClientConnection,
    /// When the handshake must be done.
    by: Instant,
    /// Whether `close_notify` is queued.
    notified: bool,
}

/// What one [`Stream::send`] did.
pub struct Sent {
    /// Bytes of the plaintext taken (written, or handed to rustls).
    pub taken: usize,
    /// Whether the socket failed.
    pub failed: bool,
}

impl Stream {
    /// `sock` (connecting), under TLS with `tls` when given. `Err` for the user.
    pub fn new(sock: TcpStream, tls: Option<&Connector>, now: Instant) -> Result<Self, String> {
        let Some(tls) = tls else {
            return Ok(Stream::Plain(sock));
        };
        let name = tls.server_name.clone();
        let conn = ClientConnection::new(tls.config.clone(), name).map_err(|e| describe(&e))?;
        let (by, notified) = (now + HANDSHAKE_TIMEOUT, false);
        Ok(Stream::Tls(Box::new(Tls {
            sock,
            conn,
            by,
            notified,
        })))
    }

    /// The TCP socket.
    pub fn tcp(&self) -> &TcpStream {
        match self {
            Stream::Plain(sock) => sock,
            Stream::Tls(t) => &t.sock,
        }
    }

    /// The TCP socket, to deregister.
    pub fn tcp_mut(&mut self) -> &mut TcpStream {
        match self {
            Stream::Plain(sock) => sock,
            Stream::Tls(t) => &mut t.sock,
        }
    }

    /// While the TLS handshake is under way: when it must be done.
    pub fn handshake_by(&self) -> Option<Instant> {
        match self {
            Stream::Tls(t) if t.conn.is_handshaking() => Some(t.by),
            _ => None,
        }
    }

    /// Whether TLS bytes wait for the socket.
    pub fn pending(&self) -> bool {
        matches!(self, Stream::Tls(t) if t.conn.wants_write())
    }

    /// Why the connection ended, worded for the user, if TLS is why: `error` (the read
    /// failed) is a TLS error, or the socket closed during the handshake.
    pub fn why(&self, error: Option<&io::Error>) -> Option<String> {
        match error {
            Some(e) => describe_io(e),
            None if self.handshake_by().is_some() => {
                Some("TLS: the server closed the connection during the handshake".into())
            }
            None => None,
        }
    }

    /// Reads plaintext: `Ok(0)` at the end (TCP FIN or TLS `close_notify`; a FIN
    /// without `close_notify` too, as for plain TCP), `WouldBlock` once nothing is left.
    /// A TLS error (`InvalidData`, the rustls error inside) writes its alert if the
    /// socket takes it.
    pub fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let t = match self {
            Stream::Plain(sock) => return sock.read(buf),
            Stream::Tls(t) => t,
        };
        loop {
            match t.conn.reader().read(buf) {
                Err(e) if e.kind() == ErrorKind::WouldBlock => {}
                Err(e) if e.kind() == ErrorKind::UnexpectedEof => return Ok(0),
                done => return done,
            }
            t.conn.read_tls(&mut t.sock)?; // `Ok(0)`: the reader reports the EOF next
            if let Err(e) = t.conn.process_new_packets() {
                let _ = t.conn.write_tls(&mut t.sock);
                return Err(io::Error::new(ErrorKind::InvalidData, e));
            }
        }
    }

    /// Writes `out` (then, if `finish`, TLS `close_notify`) until the socket would
    /// block; what was taken of `out` is the caller's to drop.
    pub fn send(&mut self, out: &[u8], finish: bool) -> Sent {
        let mut sent = Sent {
            taken: 0,
            failed: false,
        };
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
                Ok(0) => sent.failed = true,
                Ok(_) => continue,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) if e.kind() == ErrorKind::WouldBlock => {}
                Err(_) => sent.failed = true,
            }
            break;
        }
        sent
    }
}
