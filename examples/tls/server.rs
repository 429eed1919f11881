//! Server-side TLS for every server adapter, runtime-neutral: the rustls configuration
//! built from `--tls-cert` / `--tls-key` PEM files. Each adapter wraps its accepted
//! streams with it (tokio-rustls, futures-rustls, or a `rustls::ServerConnection` driven
//! by the blocking loop); the core never sees TLS.

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::ServerConfig;
use std::path::Path;
use std::sync::Arc;

/// How long a client gets to finish its TLS handshake before the adapter drops it.
pub const HANDSHAKE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// The rustls server configuration for a certificate chain and its private key (PEM
/// files: the chain leaf first; the key in PKCS#8, PKCS#1 or SEC1). ALPN offers
/// `http/1.1`, the only protocol Engine.IO speaks. `Err` is a message for the operator.
pub fn server_config(cert: &Path, key: &Path) -> Result<Arc<ServerConfig>, String> {
    let chain = CertificateDer::pem_file_iter(cert)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| format!("--tls-cert {}: {e}", cert.display()))?;
    if chain.is_empty() {
        return Err(format!(
            "--tls-cert {}: no certificate in the file",
            cert.display()
        ));
    }
    let key = PrivateKeyDer::from_pem_file(key)
        .map_err(|e| format!("--tls-key {}: {e}", key.display()))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS: {e}"))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| format!("--tls-cert/--tls-key: {e}"))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}
