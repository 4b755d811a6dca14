//! TLS from a PEM certificate chain and key, with rustls' `ring` provider.

use std::sync::Arc;

use rustls::ServerConfig;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::TlsAcceptor;

use crate::config::TlsConfig;
use crate::error::Error;

/// A TLS acceptor serving `tls`'s certificate, offering HTTP/1.1 by ALPN.
pub(crate) fn acceptor(tls: &TlsConfig) -> Result<TlsAcceptor, Error> {
    let pem_error =
        |what: &str, e: rustls_pki_types::pem::Error| Error::Tls(format!("{what}: {e}"));
    let (certs, key) = match tls {
        TlsConfig::Files { cert, key } => (
            CertificateDer::pem_file_iter(cert)
                .and_then(Iterator::collect::<Result<Vec<_>, _>>)
                .map_err(|e| pem_error(&format!("certificate {}", cert.display()), e))?,
            PrivateKeyDer::from_pem_file(key)
                .map_err(|e| pem_error(&format!("key {}", key.display()), e))?,
        ),
        TlsConfig::Pem { cert, key } => (
            CertificateDer::pem_slice_iter(cert.as_bytes())
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| pem_error("certificate", e))?,
            PrivateKeyDer::from_pem_slice(key.as_bytes()).map_err(|e| pem_error("key", e))?,
        ),
    };
    if certs.is_empty() {
        return Err(Error::Tls("no certificate in the PEM input".into()));
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Tls(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| Error::Tls(e.to_string()))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}
