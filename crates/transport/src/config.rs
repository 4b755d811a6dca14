//! Limits and TLS options.

use std::fmt;
use std::time::Duration;

use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;

use crate::error::{ConfigError, ConfigErrorKind};

/// Every limit of the transport, with its default. A zero connect, attempt or total timeout or
/// body size, and a duration over [`Limits::MAX_DURATION`], are refused by
/// [`TransportBuilder::build`](crate::TransportBuilder::build).
///
/// ```
/// use std::time::Duration;
/// use tencent_im_transport::Limits;
///
/// let limits = Limits::default().attempt_timeout(Duration::from_secs(4));
/// assert_eq!(limits.get_attempt_timeout(), Duration::from_secs(4));
/// assert_eq!(limits.get_max_body_bytes(), 8 * 1024 * 1024);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    connect_timeout: Duration,
    attempt_timeout: Duration,
    total_timeout: Duration,
    max_body_bytes: usize,
    pool_idle_timeout: Duration,
    pool_max_idle_per_host: usize,
    standby_period: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(5),
            attempt_timeout: Duration::from_secs(10),
            total_timeout: Duration::from_secs(30),
            max_body_bytes: 8 * 1024 * 1024,
            pool_idle_timeout: Duration::from_secs(60),
            pool_max_idle_per_host: 64,
            standby_period: Duration::from_secs(60),
        }
    }
}

macro_rules! limit {
    ($(#[$doc:meta])* $name:ident, $get:ident: $ty:ty) => {
        $(#[$doc])*
        #[must_use]
        pub fn $name(mut self, value: $ty) -> Self {
            self.$name = value;
            self
        }

        $(#[$doc])*
        pub fn $get(&self) -> $ty {
            self.$name
        }
    };
}

impl Limits {
    limit!(
        /// Resolving, connecting and the TLS handshake of a new connection (default 5 s).
        connect_timeout, get_connect_timeout: Duration
    );
    limit!(
        /// One attempt: sending the request and receiving the headers and the whole body
        /// (default 10 s, longer than Tencent's 3 s backend timeout).
        attempt_timeout, get_attempt_timeout: Duration
    );
    limit!(
        /// The whole call: rate-limiter waits, every attempt and the backoff between them
        /// (default 30 s).
        total_timeout, get_total_timeout: Duration
    );
    limit!(
        /// The largest response body read (default 8 MiB).
        max_body_bytes, get_max_body_bytes: usize
    );
    limit!(
        /// How long an idle pooled connection is kept (default 60 s).
        pool_idle_timeout, get_pool_idle_timeout: Duration
    );
    limit!(
        /// How many idle connections are kept per host (default 64).
        pool_max_idle_per_host, get_pool_max_idle_per_host: usize
    );
    limit!(
        /// After the primary host failed to resolve or connect, how long requests go to the
        /// standby host before the primary is tried again (default 60 s).
        standby_period, get_standby_period: Duration
    );
}

impl Limits {
    /// The longest duration a limit may be: one year. Longer ones (`Duration::MAX` meant as "no
    /// limit") would overflow the clock arithmetic of every call.
    pub const MAX_DURATION: Duration = Duration::from_secs(365 * 24 * 60 * 60);

    /// A zero connect, attempt or total timeout or body size would fail every call, and a
    /// duration over [`MAX_DURATION`](Self::MAX_DURATION) overflow the clock: refused at build.
    pub(crate) fn check(&self) -> Result<(), ConfigError> {
        for (option, value, zero_ok) in [
            ("Limits::connect_timeout", self.connect_timeout, false),
            ("Limits::attempt_timeout", self.attempt_timeout, false),
            ("Limits::total_timeout", self.total_timeout, false),
            ("Limits::standby_period", self.standby_period, true),
            ("Limits::pool_idle_timeout", self.pool_idle_timeout, true),
        ] {
            if value.is_zero() && !zero_ok {
                return Err(ConfigError::limit(
                    option,
                    format!("{option} is zero: give a positive duration"),
                ));
            }
            if value > Self::MAX_DURATION {
                return Err(ConfigError::limit(
                    option,
                    format!(
                        "{option} is over a year ({} s): give at most {} s",
                        value.as_secs(),
                        Self::MAX_DURATION.as_secs()
                    ),
                ));
            }
        }
        if self.max_body_bytes == 0 {
            return Err(ConfigError::limit(
                "Limits::max_body_bytes",
                "Limits::max_body_bytes is zero: every reply would be too large",
            ));
        }
        Ok(())
    }
}

/// Which certificates an HTTPS connection trusts.
///
/// By default the bundled Mozilla roots (webpki-roots). Native roots (the operating system's
/// store) need the `native-roots` cargo feature. Extra CA certificates can be added, e.g. for a
/// corporate proxy or a test server.
#[derive(Clone, Default)]
pub struct TlsOptions {
    no_webpki_roots: bool,
    native_roots: bool,
    extra_roots: Vec<CertificateDer<'static>>,
}

impl fmt::Debug for TlsOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsOptions")
            .field("webpki_roots", &!self.no_webpki_roots)
            .field("native_roots", &self.native_roots)
            .field("extra_roots", &self.extra_roots.len())
            .finish()
    }
}

impl TlsOptions {
    /// Trust the bundled webpki roots (the default).
    pub fn new() -> Self {
        Self::default()
    }

    /// Do not trust the bundled webpki roots: only native roots and added certificates.
    #[must_use]
    pub fn without_webpki_roots(mut self) -> Self {
        self.no_webpki_roots = true;
        self
    }

    /// Also trust the operating system's certificate store, read once when the transport is
    /// built (by rustls-native-certs: on Unix, the `SSL_CERT_FILE` and `SSL_CERT_DIR`
    /// environment variables replace the system's locations).
    #[cfg(feature = "native-roots")]
    #[must_use]
    pub fn with_native_roots(mut self) -> Self {
        self.native_roots = true;
        self
    }

    /// Also trust the CA certificates in `pem` (one or more `CERTIFICATE` blocks).
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] if `pem` holds no certificate or one that does not parse.
    pub fn add_root_pem(mut self, pem: &[u8]) -> Result<Self, ConfigError> {
        let before = self.extra_roots.len();
        for cert in CertificateDer::pem_slice_iter(pem) {
            let cert = cert.map_err(|e| {
                ConfigError::new(
                    ConfigErrorKind::Certificates,
                    "cannot read a PEM certificate",
                )
                .with_source(e)
            })?;
            self.extra_roots.push(cert);
        }
        if self.extra_roots.len() == before {
            return Err(ConfigError::new(
                ConfigErrorKind::Certificates,
                "no certificate in the PEM text",
            ));
        }
        Ok(self)
    }

    /// Also trust the DER-encoded CA certificate `der`.
    #[must_use]
    pub fn add_root_der(mut self, der: Vec<u8>) -> Self {
        self.extra_roots.push(CertificateDer::from(der));
        self
    }

    pub(crate) fn root_store(&self) -> Result<rustls::RootCertStore, ConfigError> {
        let mut roots = rustls::RootCertStore::empty();
        if !self.no_webpki_roots {
            roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        }
        #[cfg(feature = "native-roots")]
        if self.native_roots {
            let native = rustls_native_certs::load_native_certs();
            for cert in native.certs {
                // Unparsable system certificates are skipped, as browsers do.
                let _ = roots.add(cert);
            }
        }
        for cert in &self.extra_roots {
            roots.add(cert.clone()).map_err(|e| {
                ConfigError::new(ConfigErrorKind::Certificates, "cannot use a CA certificate")
                    .with_source(e)
            })?;
        }
        if roots.is_empty() {
            return Err(ConfigError::new(
                ConfigErrorKind::Certificates,
                "no trusted root certificate",
            ));
        }
        Ok(roots)
    }
}
