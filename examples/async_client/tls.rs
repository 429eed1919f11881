//! The connections of the async client: plain TCP for `http://`, TLS over it
//! (`futures-rustls`, the Peer's [`Connector`]) for `https://`. Polling requests and
//! WebSockets both open theirs with [`connect`]; a TLS failure is worded with
//! `client_app::tls::describe_io` and picked out again by [`failure`].

use crate::client_app::tls::{describe_io, Connector};
use async_io::Timer;
use async_net::TcpStream;
use futures_lite::{future, AsyncRead, AsyncWrite};
use futures_rustls::client::TlsStream;
use futures_rustls::TlsConnector;
use std::fmt;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

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

impl std::error::Error for HandshakeFailed {}

/// Opens a connection to `addr` (`host:port`): TCP, then with `tls` the handshake,
/// given [`HANDSHAKE_TIMEOUT`]. A failed handshake is an error [`failure`] recognises.
pub async fn connect(addr: &str, tls: Option<&Connector>) -> io::Result<Stream> {
    let tcp = TcpStream::connect(addr).await?;
    tcp.set_nodelay(true)?;
    let Some(tls) = tls else {
        return Ok(Stream::Plain(tcp));
    };
    let connector = TlsConnector::from(tls.config.clone());
    let handshake = async {
        connector
            .connect(tls.server_name.clone(), tcp)
            .await
            .map_err(|e| {
                let why = describe_io(&e).unwrap_or_else(|| format!("TLS: {e}"));
                io::Error::new(e.kind(), HandshakeFailed(why))
            })
    };
    let late = async {
        Timer::after(HANDSHAKE_TIMEOUT).await;
        let why = format!("TLS: no handshake within {} s", HANDSHAKE_TIMEOUT.as_secs());
        Err(io::Error::new(
            io::ErrorKind::TimedOut,
            HandshakeFailed(why),
        ))
    };
    let stream = future::or(handshake, late).await?;
    Ok(Stream::Tls(Box::new(stream)))
}

/// The user's wording of `e` if it is a TLS failure (the handshake, or a TLS error
/// later on the connection); `None` for other I/O errors.
pub fn failure(e: &io::Error) -> Option<String> {
    match e.get_ref()?.downcast_ref::<HandshakeFailed>() {
        Some(failed) => Some(failed.0.clone()),
        None => describe_io(e),
    }
}

impl AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
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

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_flush(cx),
            Stream::Tls(s) => Pin::new(s).poll_flush(cx),
        }
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_close(cx),
            Stream::Tls(s) => Pin::new(s).poll_close(cx),
        }
    }
}
