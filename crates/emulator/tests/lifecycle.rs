//! Starting, stopping, the journal (with the UserSig redacted), state snapshots and TLS.

// Test code: helpers outside #[test] functions may unwrap, expect and panic too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use common::{Client, config, first_write_held, sig, start};
use http_body_util::{BodyExt as _, Full};
use hyper_util::rt::TokioIo;
use tencent_im_emulator::{AppCredentials, Config, Emulator, Error, REDACTED, TlsConfig};
use tencent_im_protocol::profile::AllowType;
use tencent_im_protocol::sns::{AddFriendItem, FriendAdd};
use tokio::net::TcpStream;

#[tokio::test]
async fn base_url_and_credentials() {
    let emulator = start(Config::default(), &[]).await;
    let addr = emulator.local_addr();
    assert!(addr.ip().is_loopback());
    assert_ne!(addr.port(), 0);
    assert_eq!(
        emulator.base_url(),
        format!("http://127.0.0.1:{}", addr.port())
    );
    let creds = emulator.credentials();
    assert_eq!(creds.sdkappid(), 1_400_000_000);
    assert_eq!(creds.admin(), "administrator");
    assert!(creds.is_development());
    // Neither the key nor anything secret shows in Debug.
    let debug = format!("{emulator:?} {creds:?} {:?}", Config::default());
    assert!(!debug.contains(creds.secret_key()), "{debug}");
    let tls = TlsConfig::pem("CERT", "PRIVATE KEY TEXT");
    assert!(!format!("{tls:?}").contains("PRIVATE KEY TEXT"));
    emulator.stop().await;
}

#[tokio::test]
async fn journal_records_requests_without_the_usersig() {
    let emulator = start(config(), &["alice"]).await;
    let mut client = Client::connect(&emulator).await;
    let body = r#"{"From_Account":"alice","StartIndex":0}"#;
    client.call_raw("sns/friend_get", body).await;
    client.call_raw("sns/friend_get", "not json").await;
    let journal = emulator.journal();
    assert_eq!(journal.len(), 2);
    let first = &journal[0];
    assert_eq!(first.seq, 1);
    assert_eq!(first.method, "POST");
    assert_eq!(first.path, "/v4/sns/friend_get");
    assert!(
        first.query.contains(&format!("usersig={REDACTED}")),
        "{}",
        first.query
    );
    assert!(first.query.contains("sdkappid=1400000000"));
    assert_eq!(first.body, body);
    assert_eq!(first.status, 200);
    assert_eq!(first.error_code, Some(0));
    assert_eq!(journal[1].error_code, Some(60003));
    // The sig appears nowhere: not in the entries, their Debug, or their JSON.
    let token = sig(emulator.credentials());
    let signature_part = &token[..40];
    let dump = format!("{journal:?}{}", serde_json::to_string(&journal).unwrap());
    assert!(!dump.contains(signature_part));
    emulator.clear_journal();
    assert!(emulator.journal().is_empty());
    emulator.stop().await;
}

#[tokio::test]
async fn journal_capacity_keeps_the_latest() {
    let mut config = config();
    config.journal_capacity = 3;
    let emulator = start(config, &["alice"]).await;
    let mut client = Client::connect(&emulator).await;
    for _ in 0..5 {
        client
            .call_raw(
                "sns/friend_get",
                r#"{"From_Account":"alice","StartIndex":0}"#,
            )
            .await;
    }
    let seqs: Vec<u64> = emulator.journal().iter().map(|e| e.seq).collect();
    assert_eq!(seqs, [3, 4, 5]);
    emulator.stop().await;
}

#[tokio::test]
async fn stop_lets_requests_in_flight_finish_then_frees_the_port() {
    let config = config()
        .default_allow_type(AllowType::AllowAny)
        .write_latency(Duration::from_millis(1000));
    let emulator = start(config, &["alice", "bob"]).await;
    let addr = emulator.local_addr();
    let mut client = Client::connect(&emulator).await;
    let in_flight = tokio::spawn(async move {
        client
            .send(&FriendAdd::new(
                "alice",
                vec![AddFriendItem::new("bob", "AddSource_Type_A")],
            ))
            .await
    });
    // Stop while the request is held by the write latency.
    first_write_held(&emulator).await;
    let state = emulator.stop().await;
    let reply = in_flight.await.unwrap();
    assert_eq!(reply.body.result_items[0].result_code.get(), 0);
    assert!(
        state.app(1_400_000_000).unwrap().accounts["alice"]
            .friends
            .contains_key("bob")
    );
    assert!(TcpStream::connect(addr).await.is_err());
}

#[tokio::test]
async fn drop_stops_the_server() {
    let emulator = start(config(), &[]).await;
    let addr = emulator.local_addr();
    drop(emulator);
    let mut closed = false;
    for _ in 0..50 {
        if TcpStream::connect(addr).await.is_err() {
            closed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(closed, "still listening after drop");
}

#[tokio::test]
async fn state_snapshot_round_trips_through_json() {
    let emulator = start(
        config().default_allow_type(AllowType::AllowAny),
        &["alice", "bob"],
    )
    .await;
    let mut client = Client::connect(&emulator).await;
    client
        .send(&FriendAdd::new(
            "alice",
            vec![AddFriendItem::new("bob", "AddSource_Type_A").remark("B")],
        ))
        .await;
    let state = emulator.stop().await;
    let json = serde_json::to_string(&state).unwrap();
    let back: tencent_im_emulator::StateSnapshot = serde_json::from_str(&json).unwrap();
    assert_eq!(back, state);
    // A new emulator starts from it.
    let emulator = start(config().initial_state(back), &[]).await;
    let app = emulator.app_state();
    assert_eq!(
        app.accounts["bob"].friends["alice"].add_source,
        "AddSource_Type_A"
    );
    assert_eq!(
        app.accounts["alice"].friends["bob"].remark.as_deref(),
        Some("B")
    );
    emulator.stop().await;
}

#[tokio::test]
async fn start_errors() {
    let mut config = Config::default();
    config.apps.clear();
    assert!(matches!(
        Emulator::start(config).await,
        Err(Error::Config(_))
    ));
    let taken = start(Config::default(), &[]).await;
    let result = Emulator::start(Config::default().addr(taken.local_addr())).await;
    assert!(matches!(result, Err(Error::Bind { .. })));
    let result = Emulator::start(Config::default().tls(TlsConfig::pem("nope", "nope"))).await;
    assert!(matches!(result, Err(Error::Tls(_))));
    taken.stop().await;
}

#[tokio::test]
async fn https_with_a_given_certificate() {
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let cert_pem = cert.cert.pem();
    let key_pem = cert.key_pair.serialize_pem();
    let config = config().tls(TlsConfig::pem(cert_pem, key_pem));
    let emulator = start(config, &["alice"]).await;
    assert!(emulator.base_url().starts_with("https://127.0.0.1:"));

    let mut roots = rustls::RootCertStore::empty();
    roots.add(cert.cert.der().clone()).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let client_config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(client_config));
    let tcp = TcpStream::connect(emulator.local_addr()).await.unwrap();
    let name = rustls_pki_types::ServerName::try_from("localhost").unwrap();
    let tls = connector.connect(name, tcp).await.unwrap();
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tls))
        .await
        .unwrap();
    tokio::spawn(conn);
    let creds: &AppCredentials = emulator.credentials();
    let uri = format!("/v4/sns/friend_get?{}", common::query(creds));
    for _ in 0..2 {
        let req = hyper::Request::post(&uri)
            .header("host", "localhost")
            .body(Full::new(Bytes::from_static(
                br#"{"From_Account":"alice","StartIndex":0}"#,
            )))
            .unwrap();
        let resp = sender.send_request(req).await.unwrap();
        assert_eq!(resp.status(), 200);
        let body = resp.into_body().collect().await.unwrap().to_bytes();
        let reply: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(reply["ErrorCode"], 0, "{reply}");
        assert_eq!(reply["FriendNum"], 0);
    }
    emulator.stop().await;
}

#[tokio::test]
async fn with_state_edits_the_live_state() {
    let emulator = start(config(), &["alice", "bob"]).await;
    let mut client = Client::connect(&emulator).await;
    let reply = client
        .send(&FriendAdd::new(
            "alice",
            vec![AddFriendItem::new("bob", "AddSource_Type_A")],
        ))
        .await;
    assert_eq!(reply.body.result_items[0].result_code.get(), 30539);
    // Simulate bob accepting: the REST API has no call for it.
    emulator.with_state(|state| {
        let app = state.apps.get_mut(&1_400_000_000).unwrap();
        let bob = app.accounts.get_mut("bob").unwrap();
        bob.pending_in.remove("alice");
        bob.allow_type = AllowType::AllowAny;
    });
    let reply = client
        .send(&FriendAdd::new(
            "alice",
            vec![AddFriendItem::new("bob", "AddSource_Type_A")],
        ))
        .await;
    assert_eq!(reply.body.result_items[0].result_code.get(), 0);
    let state = emulator.app_state();
    assert!(state.accounts["alice"].pending_out.is_empty());
    assert!(state.accounts["bob"].friends.contains_key("alice"));
    emulator.stop().await;
}

#[tokio::test]
async fn url_for_gives_a_ready_to_use_url() {
    let emulator = start(config(), &["alice"]).await;
    let url = emulator
        .url_for(tencent_im_protocol::Endpoint::FriendGet)
        .unwrap();
    let base = emulator.base_url();
    let path_and_query = url.strip_prefix(&base).unwrap();
    assert!(
        path_and_query.starts_with(
            "/v4/sns/friend_get?sdkappid=1400000000&identifier=administrator&usersig="
        )
    );
    let mut client = Client::connect(&emulator).await;
    let (status, body) = client
        .post_raw(path_and_query, r#"{"From_Account":"alice","StartIndex":0}"#)
        .await;
    assert_eq!(status, 200);
    let reply: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(reply["ErrorCode"], 0, "{reply}");
    emulator.stop().await;
}

#[tokio::test]
async fn debug_never_shows_an_application_key() {
    let key = "my-own-s3cret-key-42";
    let creds = AppCredentials::new(1_600_000_009, "boss", key);
    let config = Config::new(creds.clone()).with_app(AppCredentials::new(1_600_000_010, "b", key));
    let emulator = Emulator::start(config.clone()).await.unwrap();
    let debug = format!("{creds:?} {config:?} {emulator:?} {:?}", emulator.apps());
    assert!(!debug.contains(key), "{debug}");
    assert!(debug.contains("<redacted>"), "{debug}");
    assert!(debug.contains("1600000009"), "the rest is shown: {debug}");
    // The key is still there for the client under test.
    assert_eq!(emulator.credentials().secret_key(), key);
    emulator.stop().await;
}
