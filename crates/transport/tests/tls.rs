//! HTTPS: a trusted rcgen certificate works, an untrusted one fails with a TLS error before
//! anything is sent, and HTTP/2 is used when the server offers it by ALPN.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::{Arc, Mutex};

use bytes::Bytes;
use common::*;
use http_body_util::Full;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tencent_im_emulator::TlsConfig;
use tencent_im_transport::{ErrorKind, NoRetry, Target, TlsOptions};
use tokio::io::AsyncReadExt;

#[tokio::test]
async fn a_trusted_certificate_works() {
    let (cert, key) = self_signed_certificate();
    let emu = emulator(config().tls(TlsConfig::pem(cert.clone(), key))).await;
    assert!(emu.base_url().starts_with("https://"));
    let transport = builder(&emu, Sigs::new(&emu))
        .tls(TlsOptions::new().add_root_pem(cert.as_bytes()).unwrap())
        .build()
        .unwrap();
    let resp = transport.execute(&friend_add()).await.unwrap();
    assert_eq!(resp.attempts(), 1);
    assert_eq!(emu.journal().len(), 1);
    emu.stop().await;
}

#[tokio::test]
async fn an_untrusted_certificate_fails_with_a_tls_error() {
    let (cert, key) = self_signed_certificate();
    let emu = emulator(config().tls(TlsConfig::pem(cert, key))).await;
    let transport = builder(&emu, Sigs::new(&emu))
        .retry_policy(Arc::new(NoRetry))
        .build()
        .unwrap();
    let err = transport.execute(&friend_add()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Tls);
    assert!(err.is_tls());
    assert!(!err.is_retryable());
    // The chain names the cause.
    let mut chain = Vec::new();
    let mut cur: Option<&dyn std::error::Error> = Some(&err);
    while let Some(e) = cur {
        chain.push(e.to_string());
        cur = e.source();
    }
    assert!(
        chain.join(" / ").to_lowercase().contains("certificate"),
        "{chain:?}"
    );
    assert!(emu.journal().is_empty());
    emu.stop().await;
}

#[tokio::test]
async fn nothing_is_sent_in_clear_to_an_https_target() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    let server = RawServer::start(move |mut stream| {
        let record = record.clone();
        async move {
            let mut buf = [0u8; 4096];
            if let Ok(n) = stream.read(&mut buf).await {
                record.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        }
    })
    .await;
    let transport = raw_transport(&server, tencent_im_transport::Limits::default());
    let https = tencent_im_transport::Transport::builder(
        Target::custom(&format!("https://{}", server.addr)).unwrap(),
        transport.credentials().clone(),
    )
    .retry_policy(Arc::new(NoRetry))
    .build()
    .unwrap();
    let err = https.execute(&friend_add()).await.unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::Tls | ErrorKind::Connect),
        "{err:?}"
    );
    let seen = seen.lock().unwrap();
    assert_eq!(seen.first(), Some(&0x16), "a TLS handshake record");
    let text = String::from_utf8_lossy(&seen);
    assert!(!text.contains("usersig") && !text.contains("POST") && !text.contains(SECRET_SIG));
}

#[tokio::test]
async fn http2_is_used_when_offered_by_alpn() {
    let (cert, key) = self_signed_certificate();
    let certs = vec![rustls_pki_types::CertificateDer::from_pem_slice(cert.as_bytes()).unwrap()];
    let key = rustls_pki_types::PrivateKeyDer::from_pem_slice(key.as_bytes()).unwrap();
    let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .unwrap();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let versions = Arc::new(Mutex::new(Vec::new()));
    let seen = versions.clone();
    let server = RawServer::start(move |stream| {
        let acceptor = acceptor.clone();
        let seen = seen.clone();
        async move {
            let Ok(tls) = acceptor.accept(stream).await else {
                return;
            };
            let service = service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                seen.lock().unwrap().push(format!("{:?}", req.version()));
                async {
                    Ok::<_, std::convert::Infallible>(hyper::Response::new(Full::new(
                        Bytes::from_static(FRIEND_ADD_REPLY.as_bytes()),
                    )))
                }
            });
            let _ = hyper::server::conn::http2::Builder::new(TokioExecutor::new())
                .serve_connection(TokioIo::new(tls), service)
                .await;
        }
    })
    .await;
    let base = tencent_im_transport::Transport::builder(
        Target::custom(&format!("https://{}", server.addr)).unwrap(),
        raw_transport(&server, tencent_im_transport::Limits::default())
            .credentials()
            .clone(),
    )
    .tls(TlsOptions::new().add_root_pem(cert.as_bytes()).unwrap())
    .rate_limiter(Arc::new(tencent_im_transport::Unlimited))
    .build()
    .unwrap();
    for _ in 0..3 {
        let resp = base.execute(&friend_add()).await.unwrap();
        assert_eq!(resp.body().result_items.len(), 1);
    }
    assert_eq!(*versions.lock().unwrap(), vec!["HTTP/2.0"; 3]);
    // One connection carried all three requests.
    assert_eq!(server.requests.load(std::sync::atomic::Ordering::SeqCst), 1);
}

use rustls_pki_types::pem::PemObject as _;
