//! Client-side TLS for every client adapter, runtime-neutral: the rustls configuration
//! for `https://` / `wss://` URLs (the platform's roots, or `--ca-file`), the server name
//! to verify, and how a TLS failure is worded. Each adapter wraps its TCP streams with
//! it (tokio-rustls, futures-rustls, or a `rustls::ClientConnection` in the blocking
//! loop); the core only sees the transport error, and backs off before it retries.

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, RootCertStore};
use std::path::Path;
use std::sync::Arc;

/// What a client adapter needs to open TLS connections to one server.
#[derive(Clone)]
pub struct Connector {
    /// The rustls configuration (roots, protocol versions, ALPN `http/1.1`).
    pub config: Arc<ClientConfig>,
    /// The name the server's certificate must carry (the URL's host).
    pub server_name: ServerName<'static>,
}

impl std::fmt::Debug for Connector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connector")
            .field("server_name", &self.server_name)
            .finish_non_exhaustive()
    }
}

/// The connector for `host`: trusting only the CA certificates of `ca_file` (PEM) when
/// given, else the platform's roots. `Err` is a message for the user.
pub fn connector(host: &str, ca_file: Option<&Path>) -> Result<Connector, String> {
    let mut roots = RootCertStore::empty();
    match ca_file {
        Some(path) => {
            let certs = CertificateDer::pem_file_iter(path)
                .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
                .map_err(|e| format!("--ca-file {}: {e}", path.display()))?;
            let (added, _) = roots.add_parsable_certificates(certs);
            if added == 0 {
                return Err(format!(
                    "--ca-file {}: no usable CA certificate",
                    path.display()
                ));
            }
        }
        None => {
            let found = rustls_native_certs::load_native_certs();
            roots.add_parsable_certificates(found.certs);
            if roots.is_empty() {
                return Err(format!(
                    "no trusted root certificates on this system ({} errors); pass --ca-file",
                    found.errors.len()
                ));
            }
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS: {e}"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let server_name = ServerName::try_from(host.to_string())
        .map_err(|_| format!("{host:?} is not a valid TLS server name"))?;
    Ok(Connector {
        config: Arc::new(config),
        server_name,
    })
}

/// A TLS failure worded for the user: `TLS: certificate rejected (...)` when the
/// server's certificate was refused, else `TLS: <error>`. rustls errors arrive inside
/// `io::Error`s (kind `InvalidData`) from the async wrappers.
pub fn describe_io(e: &std::io::Error) -> Option<String> {
    let inner = e.get_ref()?.downcast_ref::<rustls::Error>()?;
    Some(describe(inner))
}

/// [`describe_io`] for a `rustls::Error` itself (the blocking loop sees them bare).
pub fn describe(e: &rustls::Error) -> String {
    match e {
        rustls::Error::InvalidCertificate(why) => {
            format!("TLS: certificate rejected ({why:?}): {e}")
        }
        other => format!("TLS: {other}"),
    }
}
