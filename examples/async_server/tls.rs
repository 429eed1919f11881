//! HTTPS/WSS for the async server: each accepted TCP stream goes through a
//! `futures_rustls` handshake in its own connection task (the accept loop never waits
//! for one), bounded by [`HANDSHAKE_TIMEOUT`] and cut by the server's shutdown. The
//! connection is then served as a plain one is, over the TLS stream.

use super::{http, Shared};
use crate::demo::tls::HANDSHAKE_TIMEOUT;
use async_net::TcpStream;
use futures_lite::future;
use futures_rustls::TlsAcceptor;
use std::sync::atomic::Ordering;
use std::sync::Arc;

/// Why a handshake did not complete.
enum Failed {
    /// rustls or the socket refused it.
    Io(std::io::Error),
    /// Not done within [`HANDSHAKE_TIMEOUT`].
    TimedOut,
    /// The server is shutting down.
    Stopping,
}

/// Performs the TLS handshake on `stream`, then serves the connection; a failed or late
/// handshake is logged (`tls handshake failed: ...`) and the connection dropped.
pub(super) async fn connection(shared: Arc<Shared>, acceptor: TlsAcceptor, stream: TcpStream) {
    // The raw socket stays reachable to shut it down (the TLS stream is not `Clone`).
    let tcp = stream.clone();
    let stop = shared.stop.listen();
    if shared.stopping.load(Ordering::SeqCst) {
        return;
    }
    let handshake = async { acceptor.accept(stream).await.map_err(Failed::Io) };
    let late = async {
        async_io::Timer::after(HANDSHAKE_TIMEOUT).await;
        Err(Failed::TimedOut)
    };
    let stopped = async {
        stop.await;
        Err(Failed::Stopping)
    };
    match future::or(handshake, future::or(late, stopped)).await {
        Ok(tls) => http::connection(shared, tls, tcp).await,
        Err(Failed::Io(e)) => eprintln!("tls handshake failed: {e}"),
        Err(Failed::TimedOut) => eprintln!(
            "tls handshake failed: not done within {} s",
            HANDSHAKE_TIMEOUT.as_secs()
        ),
        Err(Failed::Stopping) => {}
    }
}
