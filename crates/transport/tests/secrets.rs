//! The UserSig never shows: not in `Debug` or `Display` of any error kind (source chains
//! included), of the transport or its configuration, nor in captured tracing output.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::*;
use tencent_im_emulator::{FaultKind, TlsConfig};
use tencent_im_protocol::sns::{AddFriendItem, FriendAdd};
use tencent_im_transport::{
    Credentials, ErrorKind, Limits, NoRetry, Target, TimeoutKind, Transport, TransportError,
    Unlimited, UserSig,
};
use tokio::io::AsyncWriteExt;
use tracing_subscriber::fmt::format::FmtSpan;

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn fixed(target: Target) -> Transport {
    Transport::builder(
        target,
        Credentials::fixed(1400000000, "administrator", UserSig::new(SECRET_SIG)),
    )
    .retry_policy(Arc::new(NoRetry))
    .rate_limiter(Arc::new(Unlimited))
    .limits(
        Limits::default()
            .connect_timeout(Duration::from_millis(200))
            .attempt_timeout(Duration::from_millis(300))
            .max_body_bytes(1024),
    )
    .build()
    .unwrap()
}

fn all_text(err: &TransportError) -> String {
    let mut text = format!("{err}\n{err:?}\n{err:#?}\n");
    let mut cur = std::error::Error::source(err);
    while let Some(e) = cur {
        text.push_str(&format!("{e}\n{e:?}\n"));
        cur = e.source();
    }
    text
}

#[tokio::test]
async fn the_user_sig_never_shows() {
    let capture = Capture::default();
    let writer = capture.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(FmtSpan::FULL)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let mut errors: Vec<TransportError> = Vec::new();
    let mut secrets = vec![SECRET_SIG.to_owned()];

    // Against the emulator, with real sigs.
    let emu = emulator(config()).await;
    let sigs = Sigs::new(&emu);
    let transport = builder(&emu, sigs.clone())
        .retry_policy(Arc::new(NoRetry))
        .build()
        .unwrap();
    let ok = transport.execute(&friend_add()).await.unwrap();
    let bad = FriendAdd::new("alice", vec![AddFriendItem::new("bob", "nope")]);
    errors.push(transport.execute(&bad).await.unwrap_err());
    for fault in [
        FaultKind::Http502,
        FaultKind::NonJsonBody,
        FaultKind::DropMidResponse,
    ] {
        emu.inject(fault, 1);
        errors.push(transport.execute(&friend_add()).await.unwrap_err());
    }
    // A fixed sig the emulator cannot decode: an API error.
    let emu_fixed = fixed(Target::custom(&emu.base_url()).unwrap());
    errors.push(emu_fixed.execute(&friend_add()).await.unwrap_err());
    // A provider that fails.
    let failing = builder(&emu, Sigs::build(&emu, false, true))
        .build()
        .unwrap();
    errors.push(failing.execute(&friend_add()).await.unwrap_err());
    // A total timeout.
    emu.set_faults(tencent_im_emulator::Faults::none().latency(Duration::from_secs(2)));
    let slow = builder(&emu, sigs.clone())
        .limits(Limits::default().total_timeout(Duration::from_millis(200)))
        .build()
        .unwrap();
    errors.push(slow.execute(&friend_add()).await.unwrap_err());
    emu.clear_faults();
    secrets.extend(sigs.issued());

    // TLS against an untrusted certificate.
    let (cert, key) = self_signed_certificate();
    let tls_emu = emulator(config().tls(TlsConfig::pem(cert, key))).await;
    errors.push(
        fixed(Target::custom(&tls_emu.base_url()).unwrap())
            .execute(&friend_add())
            .await
            .unwrap_err(),
    );

    // Connect refused, connect timeout, attempt timeout, oversized body.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    errors.push(
        fixed(Target::custom(&format!("http://127.0.0.1:{closed}")).unwrap())
            .execute(&friend_add())
            .await
            .unwrap_err(),
    );
    let silent = RawServer::start(|stream| async move {
        tokio::time::sleep(Duration::from_secs(3)).await;
        drop(stream);
    })
    .await;
    errors.push(
        fixed(Target::custom(&format!("https://{}", silent.addr)).unwrap())
            .execute(&friend_add())
            .await
            .unwrap_err(),
    );
    errors.push(
        fixed(silent.target())
            .execute(&friend_add())
            .await
            .unwrap_err(),
    );
    let big = RawServer::start(|mut stream| async move {
        if read_head(&mut stream).await {
            let body = " ".repeat(4096);
            let _ = stream
                .write_all(http_response("200 OK", "application/json", body.as_bytes()).as_slice())
                .await;
        }
    })
    .await;
    errors.push(
        fixed(big.target())
            .execute(&friend_add())
            .await
            .unwrap_err(),
    );
    // A gateway that refuses with the UserSig in its page: the request line whole, cut short
    // by the 512 bytes read (the sig begins at byte 495 of the second page), the sig alone in
    // JSON, wrapped over two lines, and a page that stalls inside the sig. No part of the sig
    // may show, and each stays an HTTP 403 with what could be shown of the page.
    secrets.push("SECRETsig".to_owned());
    let pages: [(usize, bool, &str); 5] = [
        (0, false, "denied: POST /v4/sns/friend_add?"),
        (1, true, "denied: POST /v4/sns/friend_add?"),
        (2, false, r#"{"error":"bad sig","sig":"<redacted>"}"#),
        (3, false, tencent_im_transport::StatusBody::WITHHELD),
        (4, true, "bad signature: <redacted>"),
    ];
    for (shape, cut, shown) in pages {
        let echo = RawServer::start(move |mut stream| async move {
            let Some(request) = read_request(&mut stream).await else {
                return;
            };
            let line = String::from_utf8_lossy(&request);
            let line = line.lines().next().unwrap_or_default().to_owned();
            let page = match shape {
                0 => format!("<p>denied: {line}</p>"),
                1 => format!("<p>{}</p>\n<p>denied: {line}</p>", "x".repeat(398)),
                2 => format!(r#"{{"error":"bad sig","sig":"{SECRET_SIG}"}}"#),
                3 => format!("token {}\n{}", &SECRET_SIG[..20], &SECRET_SIG[20..]),
                _ => {
                    // 600 bytes announced; the start of the sig, then nothing.
                    let part = format!("bad signature: {}", &SECRET_SIG[..25]);
                    let head = format!(
                        "HTTP/1.1 403 Forbidden\r\ncontent-type: text/plain\r\ncontent-length: 600\r\n\r\n{part}"
                    );
                    let _ = stream.write_all(head.as_bytes()).await;
                    tokio::time::sleep(Duration::from_secs(2)).await;
                    return;
                }
            };
            let _ = stream
                .write_all(&http_response("403 Forbidden", "text/html", page.as_bytes()))
                .await;
        })
        .await;
        let err = fixed(echo.target())
            .execute(&friend_add())
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::HttpStatus(403), "{err:?}");
        let body = err.status_body().expect("the 403's page is the source");
        assert!(body.text().contains(shown), "page {shape}: {body}");
        assert_eq!(body.is_cut(), cut, "page {shape}: {body}");
        errors.push(err);
    }
    let not_http = RawServer::canned(b"SSH-2.0-OpenSSH_9.2\r\n\r\n".to_vec()).await;
    errors.push(
        fixed(not_http.target())
            .execute(&friend_add())
            .await
            .unwrap_err(),
    );

    let kinds: Vec<ErrorKind> = errors.iter().map(TransportError::kind).collect();
    for expected in [
        ErrorKind::Validation,
        ErrorKind::HttpStatus(502),
        ErrorKind::BadBody,
        ErrorKind::Interrupted,
        ErrorKind::Credentials,
        ErrorKind::Timeout(TimeoutKind::Total),
        ErrorKind::Tls,
        ErrorKind::Connect,
        ErrorKind::Timeout(TimeoutKind::Connect),
        ErrorKind::Timeout(TimeoutKind::Attempt),
        ErrorKind::BodyTooLarge { limit: 1024 },
        ErrorKind::Http,
    ] {
        assert!(
            kinds.contains(&expected),
            "{expected:?} missing from {kinds:?}"
        );
    }
    assert!(
        kinds.iter().any(|k| matches!(k, ErrorKind::Api(_))),
        "{kinds:?}"
    );

    let mut text = String::new();
    for err in &errors {
        text.push_str(&all_text(err));
        assert!(err.random() > 0 || err.random() == 0);
    }
    text.push_str(&format!("{ok:?}\n{transport:?}\n{emu_fixed:?}\n"));
    text.push_str(&format!("{:?}\n", emu_fixed.credentials()));
    text.push_str(&format!(
        "{:?}\n",
        Transport::builder(
            tencent_im_transport::Region::China,
            emu_fixed.credentials().clone()
        )
    ));
    let traced = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert!(traced.contains("tencent_im.call"));
    assert!(traced.contains("tencent_im.attempt"));
    assert!(traced.contains("command=\"friend_add\""));
    assert!(traced.contains(&format!("random={}", ok.random())));
    text.push_str(&traced);

    for secret in &secrets {
        assert!(!text.contains(secret.as_str()), "a UserSig leaked");
    }
    // The gateway's echo keeps the parameter's name, never its value.
    let lower = text.to_lowercase();
    assert!(lower.contains("usersig=<redacted>"));
    assert!(
        lower
            .match_indices("usersig=")
            .all(|(at, name)| lower[at + name.len()..].starts_with("<redacted>")),
        "a query string leaked"
    );

    tls_emu.stop().await;
    emu.stop().await;
}
