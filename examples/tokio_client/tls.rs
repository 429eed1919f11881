//! The connections of the tokio client: plain TCP for `http://`, TLS over it
//! (`tokio-rustls`, the Peer's [`Connector`]) for `https://`. Polling requests (hyper)
//! and WebSockets (tokio-tungstenite) both open theirs with [`connect`]; a TLS failure
//! is worded with `client_app::tls::describe_io` and picked out again by [`failure`].

use crate::client_app::tls::{describe, describe_io, Connector};
use std::error::Error;
use std::fmt;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;

/// How long a server gets to complete the TLS handshake.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// One connection to the server.
pub enum Stream {
    /// `http://`.
    Plain(TcpStream),
    /// `https://` (boxed: the TLS state is large, and pooled).
    Tls(Box<TlsStream<TcpStream>>),
}

/// A TLS handshake that failed, worded for the user (inside an `io::Error`).
#[derive(Debug)]
struct HandshakeFailed(String);

impl fmt::Display for HandshakeFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Error for HandshakeFailed {}

/// Opens a connection to `addr` (`host:port`): TCP, then with `tls` the handshake,
/// given [`HANDSHAKE_TIMEOUT`]. A failed handshake is an error [`failure`] recognises.
pub async fn connect(addr: &str, tls: Option<&Connector>) -> io::Result<Stream> {
    let tcp = TcpStream::connect(addr).await?;
    tcp.set_nodelay(true)?;
    let Some(tls) = tls else {
        return Ok(Stream::Plain(tcp));
    };
    let connector = TlsConnector::from(tls.config.clone());
    let handshake = connector.connect(tls.server_name.clone(), tcp);
    match tokio::time::timeout(HANDSHAKE_TIMEOUT, handshake).await {
        Ok(Ok(stream)) => Ok(Stream::Tls(Box::new(stream))),
        Ok(Err(e)) => {
            let why = describe_io(&e).unwrap_or_else(|| format!("TLS: {e}"));
            Err(io::Error::new(e.kind(), HandshakeFailed(why)))
        }
        Err(_) => {
            let why = format!("TLS: no handshake within {} s", HANDSHAKE_TIMEOUT.as_secs());
            Err(io::Error::new(
                io::ErrorKind::TimedOut,
                HandshakeFailed(why),
            ))
        }
    }
}

/// The user's wording of `e` if it is, or was caused by, a TLS failure (the handshake,
/// or a TLS error later on the connection); `None` for other errors. Walks the source
/// chain: hyper and tungstenite wrap the `io::Error`.
pub fn failure(e: &(dyn Error + 'static)) -> Option<String> {
    let mut next = Some(e);
    while let Some(e) = next {
        if let Some(io) = e.downcast_ref::<io::Error>() {
            // An io::Error's `source` skips its own payload: look at it here.
            if let Some(failed) = io
                .get_ref()
                .and_then(|i| i.downcast_ref::<HandshakeFailed>())
            {
                return Some(failed.0.clone());
            }
            if let Some(why) = describe_io(io) {
                return Some(why);
            }
        }
        if let Some(tls) = e.downcast_ref::<rustls::Error>() {
            return Some(describe(tls));
        }
        next = e.source();
    }
    None
}

impl AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Stream::Tls(s) => Pin::new(s).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Stream::Tls(s) => Pin::new(s).poll_write(cx, buf),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_write_vectored(cx, bufs),
            Stream::Tls(s) => Pin::new(s).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            Stream::Plain(s) => s.is_write_vectored(),
            Stream::Tls(s) => s.is_write_vectored(),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_flush(cx),
            Stream::Tls(s) => Pin::new(s).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Stream::Tls(s) => Pin::new(s).poll_shutdown(cx),
        }
    }
}
