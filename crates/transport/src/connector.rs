//! The HTTP(S) connector: DNS, TCP, the proxy tunnel if any, and TLS, bounded as a whole by the
//! connect timeout.

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
use hyper_util::client::legacy::connect::proxy::Tunnel;
use hyper_util::client::proxy::matcher::Matcher;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tower_service::Service;

use crate::config::TlsOptions;
use crate::error::{BoxError, ConfigError, ConfigErrorKind};
use crate::proxy::{Proxy, ProxyError, TunnelFailure, shown};

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

pub(crate) type Connector = TimeoutConnector<HttpsConnector<ProxyConnector>>;

/// hyper-util's tunnel error (not exported under its own name).
type TunnelError = <Tunnel<HttpConnector> as Service<Uri>>::Error;

/// Connects directly, or through a `CONNECT` tunnel (hyper-util's [`Tunnel`]) when the matcher
/// sends the destination to a proxy. Plain `http://` destinations are tunnelled too, so one
/// path serves both schemes and the proxy authenticates once per connection.
#[derive(Clone)]
pub(crate) struct ProxyConnector {
    direct: HttpConnector,
    matcher: Option<Arc<Matcher>>,
}

impl Service<Uri> for ProxyConnector {
    type Response = TokioIo<TcpStream>;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.direct.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, dst: Uri) -> Self::Future {
        let Some(intercept) = self.matcher.as_ref().and_then(|m| m.intercept(&dst)) else {
            let fut = self.direct.call(dst);
            return Box::pin(async move { fut.await.map_err(Into::into) });
        };
        let proxy = shown(intercept.uri()).unwrap_or_default();
        let mut tunnel = Tunnel::new(intercept.uri().clone(), self.direct.clone());
        if let Some(auth) = intercept.basic_auth() {
            tunnel = tunnel.with_auth(auth.clone());
        }
        // The tunnel takes a missing port for 443; say 80 for plain HTTP.
        let dst = match (dst.port_u16(), dst.host()) {
            (None, Some(host)) if dst.scheme() == Some(&hyper::http::uri::Scheme::HTTP) => {
                format!("http://{host}:80/").parse().unwrap_or(dst)
            }
            _ => dst,
        };
        let target = shown_target(&dst);
        let fut = tunnel.call(dst);
        Box::pin(async move {
            fut.await.map_err(|e| {
                let failure = match &e {
                    TunnelError::ConnectFailed(_) => TunnelFailure::Unreachable,
                    TunnelError::ProxyAuthRequired => TunnelFailure::AuthRequired,
                    TunnelError::TunnelUnsuccessful => TunnelFailure::Refused,
                    _ => TunnelFailure::Broken,
                };
                Box::new(ProxyError::new(proxy, target, failure, Box::new(e))) as BoxError
            })
        })
    }
}

/// `host:port` of a tunnel's destination, as the `CONNECT` line names it.
fn shown_target(dst: &Uri) -> String {
    let port = dst.port_u16().unwrap_or(443);
    format!("{}:{port}", dst.host().unwrap_or_default())
}

/// The connector: HTTPS with rustls on ring, HTTP/1.1 and HTTP/2 offered by ALPN; plain HTTP
/// is let through because the transport only builds `http://` URLs for a custom endpoint
/// written that way. Destinations the proxy settings intercept are reached through a tunnel.
pub(crate) fn connector(
    tls: &TlsOptions,
    proxy: &Proxy,
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
        .wrap_connector(ProxyConnector {
            direct: http,
            matcher: proxy.matcher().map(Arc::new),
        });
    Ok(TimeoutConnector {
        inner: https,
        timeout: connect_timeout,
    })
}
