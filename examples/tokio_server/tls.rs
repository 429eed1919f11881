//! HTTPS/WSS: each accepted TCP stream goes through a `tokio_rustls` handshake in its
//! own connection task (the accept loop never waits for one), bounded by the handshake
//! timeout and cut by the server's shutdown. The connection is then served as a plain
//! one is ([`http::connection`]), over the TLS stream.

use super::http::{self, Conn, Serving};
use super::Tls;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_rustls::TlsAcceptor;

/// What a connection task needs to accept TLS (cheap to clone: an `Arc`).
#[derive(Clone)]
pub struct Acceptor {
    acceptor: TlsAcceptor,
    timeout: Duration,
}

impl Acceptor {
    /// The acceptor for the server's TLS settings.
    pub fn new(tls: Tls) -> Self {
        Acceptor {
            acceptor: TlsAcceptor::from(tls.config),
            timeout: tls.handshake_timeout,
        }
    }

    /// Performs the TLS handshake on `stream`, then serves the connection; a failed or
    /// late handshake is logged (`tls handshake failed: ...`) and the connection dropped.
    pub async fn connection(self, stream: TcpStream, serving: Serving, mut conn: Conn) {
        let handshake = tokio::time::timeout(self.timeout, self.acceptor.accept(stream));
        let tls = tokio::select! {
            done = handshake => match done {
                Ok(Ok(tls)) => tls,
                Ok(Err(e)) => return eprintln!("tls handshake failed: {e}"),
                Err(_) => {
                    let secs = self.timeout.as_secs_f64();
                    return eprintln!("tls handshake failed: not done within {secs} s");
                }
            },
            // Shutting down: nothing was served on it yet, just drop it.
            _ = conn.stop.wait_for(|s| *s) => return,
        };
        http::connection(tls, serving, conn).await;
    }
}
