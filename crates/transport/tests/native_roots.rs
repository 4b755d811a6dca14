//! `TlsOptions::with_native_roots` (feature `native-roots`): a certificate trusted only through
//! the platform's store works, and one the store does not hold fails with a TLS error.
//!
//! The store is pointed at a generated certificate with `SSL_CERT_FILE`, which
//! rustls-native-certs reads instead of the system's certificates. The variable must be set before
//! the process starts (setting it at run time is `unsafe`, which the crate forbids), so this test
//! runs without the libtest harness and starts itself again as a child process with it.
#![cfg(feature = "native-roots")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stderr
)]

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::*;
use tencent_im_emulator::TlsConfig;
use tencent_im_transport::{ErrorKind, NoRetry, TlsOptions};

/// Set in the child: the expected outcome, `ok` or `tls`.
const EXPECT: &str = "TIM_NATIVE_ROOTS_EXPECT";
/// Set in the child: the server's certificate and key (PEM files).
const SERVER_CERT: &str = "TIM_NATIVE_ROOTS_SERVER_CERT";
const SERVER_KEY: &str = "TIM_NATIVE_ROOTS_SERVER_KEY";

fn main() {
    match std::env::var(EXPECT) {
        Ok(expect) => child(&expect),
        Err(_) => parent(),
    }
}

fn temp_file(name: &str, contents: &str) -> PathBuf {
    let path = std::env::temp_dir().join(format!(
        "tim-native-roots-{}-{name}.pem",
        std::process::id()
    ));
    std::fs::write(&path, contents).unwrap();
    path
}

/// Runs the child twice: with the server's certificate as the platform store (the call works),
/// and with another certificate there (the call fails with a TLS error).
fn parent() {
    let (cert, key) = self_signed_certificate();
    let (other, _) = self_signed_certificate();
    let cert_file = temp_file("server-cert", &cert);
    let key_file = temp_file("server-key", &key);
    let other_file = temp_file("other-cert", &other);
    let exe = std::env::current_exe().unwrap();
    let mut failures = Vec::new();
    for (store, expect) in [(&cert_file, "ok"), (&other_file, "tls")] {
        let output = Command::new(&exe)
            .env("SSL_CERT_FILE", store)
            .env_remove("SSL_CERT_DIR")
            .env(EXPECT, expect)
            .env(SERVER_CERT, &cert_file)
            .env(SERVER_KEY, &key_file)
            .output()
            .unwrap();
        if !output.status.success() {
            failures.push(format!(
                "expecting {expect}: {}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            ));
        }
    }
    for path in [cert_file, key_file, other_file] {
        let _ = std::fs::remove_file(path);
    }
    assert!(failures.is_empty(), "{failures:#?}");
    eprintln!("native roots: trusted through SSL_CERT_FILE, refused without: ok");
}

/// An HTTPS emulator with the parent's certificate, and a transport that trusts only the
/// platform's store.
fn child(expect: &str) {
    let read = |var: &str| std::fs::read_to_string(std::env::var(var).unwrap()).unwrap();
    let (cert, key) = (read(SERVER_CERT), read(SERVER_KEY));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let emu = emulator(config().tls(TlsConfig::pem(cert, key))).await;
        let transport = builder(&emu, Sigs::new(&emu))
            .retry_policy(std::sync::Arc::new(NoRetry))
            .tls(TlsOptions::new().without_webpki_roots().with_native_roots())
            .build()
            .unwrap();
        let result = transport.execute(&friend_add()).await;
        match expect {
            "ok" => {
                let resp = result.unwrap();
                assert_eq!(resp.attempts(), 1);
                assert_eq!(emu.journal().len(), 1);
            }
            _ => {
                let err = result.unwrap_err();
                assert_eq!(err.kind(), ErrorKind::Tls, "{err}");
                assert!(emu.journal().is_empty());
            }
        }
        emu.stop().await;
    });
}
