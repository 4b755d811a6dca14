//! The HTTP(S) connector: DNS, TCP and TLS, bounded as a whole by the connect timeout.

use std::error::Error as StdError;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use hyper::Uri;
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use tower_service::Service;

use crate::config::TlsOptions;
use crate::error::{BoxError, ConfigError, ConfigErrorKind};

/// The marker error of a connection that took longer than the connect timeout.
#[derive(Debug)]
pub(crate) struct ConnectTimeout;

impl fmt::Display for ConnectTimeout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("connecting took longer than the connect timeout")
    }
}

impl StdError for ConnectTimeout {}

/// Wraps a connector so that resolving, connecting and the TLS handshake together are bounded.
#[derive(Clone)]
pub(crate) struct TimeoutConnector<C> {
    inner: C,
    timeout: Duration,
}

impl<C> Service<Uri> for TimeoutConnector<C>
where
    C: Service<Uri> + Send,
    C::Error: Into<BoxError>,
    C::Future: Send + 'static,
    C::Response: Send + 'static,
{
    type Response = C::Response;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<C::Response, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, uri: Uri) -> Self::Future {
        let fut = self.inner.call(uri);
        let timeout = self.timeout;
        Box::pin(async move {
            match tokio::time::timeout(timeout, fut).await {
                Ok(r) => r.map_err(Into::into),
                Err(_) => Err(Box::new(ConnectTimeout) as BoxError),
            }
        })
    }
}

pub(crate) type Connector = TimeoutConnector<HttpsConnector<HttpConnector>>;

/// The connector: HTTPS with rustls on ring, HTTP/1.1 and HTTP/2 offered by ALPN; plain HTTP
/// is let through because the transport only builds `http://` URLs for a custom endpoint
/// written that way.
pub(crate) fn connector(
    tls: &TlsOptions,
    connect_timeout: Duration,
) -> Result<Connector, ConfigError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ConfigError::new(ConfigErrorKind::Tls, "cannot set up TLS").with_source(e))?
        .with_root_certificates(tls.root_store()?)
        .with_no_client_auth();
    let mut http = HttpConnector::new();
    http.enforce_http(false);
    http.set_nodelay(true);
    http.set_connect_timeout(Some(connect_timeout));
    let https = HttpsConnectorBuilder::new()
        .with_tls_config(config)
        .https_or_http()
        .enable_http1()
        .enable_http2()
        .wrap_connector(http);
    Ok(TimeoutConnector {
        inner: https,
        timeout: connect_timeout,
    })
}
