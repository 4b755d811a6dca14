//! Callbacks: with a callback URL the emulator POSTs `Sns.CallbackFriendAdd`,
//! `Sns.CallbackFriendDelete`, `Sns.CallbackBlackListAdd` and `Sns.CallbackBlackListDelete` when
//! its state changes, with Tencent's query and `Sign`, in order, and never lets a callback fail
//! or slow a REST call.
// Test code: helpers outside #[test] functions may unwrap, expect and panic too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use clap::Parser;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tencent_im_emulator::cli::ServeArgs;
use tencent_im_emulator::{CallbackConfig, Config, Emulator, Error, FaultKind};
use tencent_im_protocol::profile::AllowType;

use common::{Answer, Receiver};

const TOKEN: &str = "Zq9-emulator-callback-token";

fn add(from: &str, to: &str, extra: &str) -> String {
    format!(
        r#"{{"From_Account":"{from}","AddFriendItem":[{{"To_Account":"{to}","AddSource":"AddSource_Type_Web"}}]{extra}}}"#
    )
}

fn sign(token: &str, request_time: &str) -> String {
    Sha256::digest(format!("{token}{request_time}"))
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn allow_any(emulator: &Emulator, ids: &[&str]) {
    emulator.with_state(|state| {
        for app in state.apps.values_mut() {
            for id in ids {
                if let Some(account) = app.accounts.get_mut(*id) {
                    account.allow_type = AllowType::AllowAny;
                }
            }
        }
    });
}

#[tokio::test]
async fn state_changes_post_signed_callbacks_in_order() {
    let receiver = Receiver::start(Answer::Ack).await;
    let config = common::config().callback(receiver.url("/cb?app=mine"), Some(TOKEN));
    let emulator = common::start(config, &["alice", "bob", "carol", "dave", "erin", "frank"]).await;
    allow_any(&emulator, &["carol", "frank"]);
    let mut client = common::Client::connect(&emulator).await;

    // Pending (bob needs to confirm): no callback.
    let reply = client
        .call_raw("sns/friend_add", &add("alice", "bob", ""))
        .await;
    assert_eq!(common::result_codes(&reply), [30539]);
    // Two-way to an AllowAny target, with a failing item in the same request: one callback,
    // one pair per direction written.
    let body = r#"{"From_Account":"alice","AddFriendItem":[
        {"To_Account":"carol","AddSource":"AddSource_Type_Web"},
        {"To_Account":"nobody","AddSource":"AddSource_Type_Web"},
        {"To_Account":"frank","AddSource":"AddSource_Type_Web"}]}"#;
    let reply = client.call_raw("sns/friend_add", body).await;
    assert_eq!(common::result_codes(&reply), [0, 30003, 0]);
    // One-way: one pair.
    let reply = client
        .call_raw(
            "sns/friend_add",
            &add("alice", "dave", r#","AddType":"Add_Type_Single""#),
        )
        .await;
    assert_eq!(common::result_codes(&reply), [0]);
    // Forced two-way to a NeedConfirm target: both pairs, ForceFlag 1.
    let reply = client
        .call_raw(
            "sns/friend_add",
            &add("bob", "erin", r#","ForceAddFlags":1"#),
        )
        .await;
    assert_eq!(common::result_codes(&reply), [0]);
    // Already friends: nothing written, no callback.
    let reply = client
        .call_raw("sns/friend_add", &add("alice", "carol", ""))
        .await;
    assert_eq!(common::result_codes(&reply), [30001]);
    // Two-way delete: both pairs; one-way delete: one pair.
    let reply = client
        .call_raw(
            "sns/friend_delete",
            r#"{"From_Account":"alice","To_Account":["carol"],"DeleteType":"Delete_Type_Both"}"#,
        )
        .await;
    assert_eq!(common::result_codes(&reply), [0]);
    let reply = client
        .call_raw(
            "sns/friend_delete",
            r#"{"From_Account":"alice","To_Account":["frank"],"DeleteType":"Delete_Type_Single"}"#,
        )
        .await;
    assert_eq!(common::result_codes(&reply), [0]);
    // Blocklist add (it also ends erin's friendship with bob: no friend-delete callback).
    let reply = client
        .call_raw(
            "sns/black_list_add",
            r#"{"From_Account":"erin","To_Account":["bob","erin"]}"#,
        )
        .await;
    assert_eq!(common::result_codes(&reply), [0, 30001]);

    emulator.flush_callbacks().await;
    let got = receiver.received();
    let bodies: Vec<Value> = got.iter().map(|r| r.body.clone()).collect();
    let pair = |f: &str, t: &str, i: &str| json!({"From_Account": f, "To_Account": t, "Initiator_Account": i});
    let added = |pairs: Vec<Value>, force: u8| {
        json!({"CallbackCommand": "Sns.CallbackFriendAdd", "PairList": pairs,
               "ClientCmd": "friend_add", "Admin_Account": "administrator", "ForceFlag": force})
    };
    let pairs = |command: &str, pairs: &[(&str, &str)]| {
        let list: Vec<Value> = pairs
            .iter()
            .map(|(f, t)| json!({"From_Account": f, "To_Account": t}))
            .collect();
        json!({"CallbackCommand": command, "PairList": list})
    };
    assert_eq!(
        bodies,
        [
            added(
                vec![
                    pair("alice", "carol", "alice"),
                    pair("carol", "alice", "alice"),
                    pair("alice", "frank", "alice"),
                    pair("frank", "alice", "alice"),
                ],
                0
            ),
            added(vec![pair("alice", "dave", "alice")], 0),
            added(
                vec![pair("bob", "erin", "bob"), pair("erin", "bob", "bob")],
                1
            ),
            pairs(
                "Sns.CallbackFriendDelete",
                &[("alice", "carol"), ("carol", "alice")]
            ),
            pairs("Sns.CallbackFriendDelete", &[("alice", "frank")]),
            pairs("Sns.CallbackBlackListAdd", &[("erin", "bob")]),
        ]
    );

    // Tencent's query, after the URL's own, and a valid Sign.
    let mut ids = HashSet::new();
    for r in &got {
        assert_eq!(r.path, "/cb");
        assert!(
            r.query.starts_with("app=mine&SdkAppid=1400000000&"),
            "{}",
            r.query
        );
        assert_eq!(
            r.param("CallbackCommand"),
            r.body["CallbackCommand"].as_str()
        );
        assert_eq!(r.param("contenttype"), Some("json"));
        assert_eq!(r.param("ClientIP"), Some("127.0.0.1"));
        assert_eq!(r.param("OptPlatform"), Some("RESTAPI"));
        assert!(ids.insert(r.param("RequestId").unwrap().to_owned()));
        let time = r.param("RequestTime").unwrap();
        assert_eq!(r.param("Sign"), Some(sign(TOKEN, time).as_str()));
        let now = std::time::UNIX_EPOCH.elapsed().unwrap().as_secs();
        assert!(time.parse::<u64>().unwrap().abs_diff(now) < 30);
    }

    // The callback journal: every callback acknowledged, Sign redacted.
    let journal = emulator.callbacks();
    assert_eq!(journal.len(), 6);
    for (entry, r) in journal.iter().zip(&got) {
        assert!(entry.is_acknowledged(), "{entry:?}");
        assert_eq!(entry.status, Some(200));
        assert_eq!(entry.error, None);
        assert_eq!(entry.command, r.body["CallbackCommand"].as_str().unwrap());
        assert_eq!(serde_json::from_str::<Value>(&entry.body).unwrap(), r.body);
        assert_eq!(entry.event().unwrap().command().as_str(), entry.command);
        assert!(entry.url.contains("&Sign=<redacted>"), "{}", entry.url);
        assert!(!entry.url.contains(r.param("Sign").unwrap()));
        assert_eq!(Some(entry.request_id.as_str()), r.param("RequestId"));
    }
    let seqs: Vec<u64> = journal.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, [1, 2, 3, 4, 5, 6]);
    emulator.clear_callbacks();
    assert!(emulator.callbacks().is_empty());

    emulator.stop().await;
    receiver.stop().await;
}

#[tokio::test]
async fn black_list_delete_calls_back_for_the_accounts_it_removed_only() {
    let receiver = Receiver::start(Answer::Ack).await;
    let config = common::config().callback(receiver.url("/cb"), Some(TOKEN));
    let emulator = common::start(config, &["erin", "bob", "carol", "dave"]).await;
    let mut client = common::Client::connect(&emulator).await;
    let api = "sns/black_list_delete";
    let reply = client
        .call_raw(
            "sns/black_list_add",
            r#"{"From_Account":"erin","To_Account":["bob","carol"]}"#,
        )
        .await;
    assert_eq!(common::result_codes(&reply), [0, 0]);
    // bob and carol removed, dave was never blocked, ghost does not exist: one callback with
    // the two pairs removed, in request order.
    let reply = client
        .call_raw(
            api,
            r#"{"From_Account":"erin","To_Account":["carol","dave","ghost","bob"]}"#,
        )
        .await;
    assert_eq!(common::result_codes(&reply), [0, 0, 30003, 0]);
    // Nothing left to remove, an unknown sender, a bad body: no callback.
    let reply = client
        .call_raw(api, r#"{"From_Account":"erin","To_Account":["bob"]}"#)
        .await;
    assert_eq!(common::result_codes(&reply), [0]);
    client
        .call_raw(api, r#"{"From_Account":"ghost","To_Account":["bob"]}"#)
        .await;
    client.call_raw(api, r#"{"From_Account":"erin"}"#).await;

    emulator.flush_callbacks().await;
    let got = receiver.received();
    let bodies: Vec<Value> = got.iter().map(|r| r.body.clone()).collect();
    assert_eq!(
        bodies,
        [
            json!({"CallbackCommand": "Sns.CallbackBlackListAdd", "PairList": [
                {"From_Account": "erin", "To_Account": "bob"},
                {"From_Account": "erin", "To_Account": "carol"}]}),
            json!({"CallbackCommand": "Sns.CallbackBlackListDelete", "PairList": [
                {"From_Account": "erin", "To_Account": "carol"},
                {"From_Account": "erin", "To_Account": "bob"}]}),
        ]
    );
    let delete = &got[1];
    assert_eq!(
        delete.param("CallbackCommand"),
        Some("Sns.CallbackBlackListDelete")
    );
    assert_eq!(delete.param("OptPlatform"), Some("RESTAPI"));
    let time = delete.param("RequestTime").unwrap();
    assert_eq!(delete.param("Sign"), Some(sign(TOKEN, time).as_str()));
    let journal = emulator.callbacks();
    assert_eq!(journal.len(), 2);
    assert!(journal.iter().all(|e| e.is_acknowledged()), "{journal:?}");
    assert_eq!(journal[1].command, "Sns.CallbackBlackListDelete");
    emulator.stop().await;
    receiver.stop().await;
}

#[tokio::test]
async fn without_a_token_callbacks_are_unsigned() {
    let receiver = Receiver::start(Answer::Ack).await;
    let config = common::config()
        .callback(receiver.url("/hook"), None)
        .default_allow_type(AllowType::AllowAny);
    let emulator = common::start(config, &["a", "b"]).await;
    let mut client = common::Client::connect(&emulator).await;
    client.call_raw("sns/friend_add", &add("a", "b", "")).await;
    emulator.flush_callbacks().await;
    let got = receiver.received();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].param("Sign"), None);
    assert_eq!(got[0].param("RequestTime"), None);
    assert_eq!(got[0].param("SdkAppid"), Some("1400000000"));
    assert!(!emulator.callbacks()[0].url.contains("Sign"));
    emulator.stop().await;
    receiver.stop().await;
}

#[tokio::test]
async fn no_callback_for_pending_failed_or_faulted_requests() {
    let receiver = Receiver::start(Answer::Ack).await;
    let config = common::config().callback(receiver.url("/"), Some(TOKEN));
    let emulator = common::start(config, &["a", "b", "c"]).await;
    allow_any(&emulator, &["c"]);
    let mut client = common::Client::connect(&emulator).await;
    // Pending, unknown target, self, not friends, unknown sender, bad body.
    client.call_raw("sns/friend_add", &add("a", "b", "")).await;
    client.call_raw("sns/friend_add", &add("a", "zz", "")).await;
    client.call_raw("sns/friend_add", &add("a", "a", "")).await;
    client
        .call_raw(
            "sns/friend_delete",
            r#"{"From_Account":"a","To_Account":["b"]}"#,
        )
        .await;
    client.call_raw("sns/friend_add", &add("zz", "c", "")).await;
    client.call_raw("sns/friend_add", "{not json").await;
    // An item fault answers instead of the request: nothing is applied, nothing is called back.
    emulator.inject(FaultKind::ItemError30006, 1);
    let reply = client.call_raw("sns/friend_add", &add("a", "c", "")).await;
    assert_eq!(common::result_codes(&reply), [30006]);
    emulator.flush_callbacks().await;
    assert!(receiver.received().is_empty());
    assert!(emulator.callbacks().is_empty());
    // A fault that damages only the reply lets the add apply: it is called back.
    emulator.inject(FaultKind::TruncatedBody, 1);
    let _ = client
        .post_raw(
            &format!(
                "/v4/sns/friend_add?{}",
                common::query(emulator.credentials())
            ),
            add("a", "c", ""),
        )
        .await;
    emulator.flush_callbacks().await;
    assert_eq!(receiver.received().len(), 1);
    emulator.stop().await;
    receiver.stop().await;
}

#[tokio::test]
async fn a_failing_callback_server_never_fails_or_slows_the_rest_call() {
    // Nobody listens.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead_url = format!("http://{}/cb", closed.local_addr().unwrap());
    drop(closed);
    let config = common::config()
        .callback(dead_url, Some(TOKEN))
        .default_allow_type(AllowType::AllowAny);
    let emulator = common::start(config, &["a", "b", "c"]).await;
    let mut client = common::Client::connect(&emulator).await;
    let reply = client.call_raw("sns/friend_add", &add("a", "b", "")).await;
    assert_eq!(common::result_codes(&reply), [0]);
    emulator.flush_callbacks().await;
    let journal = emulator.callbacks();
    assert_eq!(journal.len(), 1);
    assert_eq!(journal[0].status, None);
    assert!(journal[0].error.is_some());
    assert!(!journal[0].is_acknowledged());
    emulator.stop().await;

    // 401 from the app: journaled, not acknowledged.
    let receiver = Receiver::start(Answer::Status(401)).await;
    let config = common::config()
        .callback(receiver.url("/cb"), Some(TOKEN))
        .default_allow_type(AllowType::AllowAny);
    let emulator = common::start(config, &["a", "b"]).await;
    let mut client = common::Client::connect(&emulator).await;
    client.call_raw("sns/friend_add", &add("a", "b", "")).await;
    emulator.flush_callbacks().await;
    let journal = emulator.callbacks();
    assert_eq!(journal[0].status, Some(401));
    assert!(!journal[0].is_acknowledged());
    emulator.stop().await;
    receiver.stop().await;

    // A slow app: the REST calls answer at once, each callback is given up after the timeout,
    // and the next ones still leave in order.
    let receiver = Receiver::start(Answer::Sleep(Duration::from_secs(5))).await;
    let mut config = common::config().default_allow_type(AllowType::AllowAny);
    config.callback =
        Some(CallbackConfig::new(receiver.url("/cb"), Some(TOKEN)).timeout(Duration::from_secs(1)));
    let emulator = common::start(config, &["a", "b", "c"]).await;
    let mut client = common::Client::connect(&emulator).await;
    let started = Instant::now();
    client.call_raw("sns/friend_add", &add("a", "b", "")).await;
    client.call_raw("sns/friend_add", &add("a", "c", "")).await;
    assert!(
        // Waiting for a callback would take its whole 1 s timeout.
        started.elapsed() < Duration::from_millis(900),
        "REST calls do not wait"
    );
    emulator.flush_callbacks().await;
    let journal = emulator.callbacks();
    assert_eq!(journal.len(), 2);
    for entry in &journal {
        assert_eq!(entry.error.as_deref(), Some("no reply within 1000 ms"));
    }
    let first: Value = serde_json::from_str(&journal[0].body).unwrap();
    assert_eq!(first["PairList"][0]["To_Account"], "b");
    emulator.stop().await;
    receiver.stop().await;
}

#[tokio::test]
async fn stop_sends_the_callbacks_still_queued() {
    let receiver = Receiver::start(Answer::Ack).await;
    let config = common::config()
        .callback(receiver.url("/cb"), Some(TOKEN))
        .default_allow_type(AllowType::AllowAny);
    let ids: Vec<String> = (0..20).map(|i| format!("u{i}")).collect();
    let emulator = Emulator::start(config).await.unwrap();
    emulator.seed_accounts(&ids);
    let mut client = common::Client::connect(&emulator).await;
    for id in &ids[1..] {
        client.call_raw("sns/friend_add", &add("u0", id, "")).await;
    }
    emulator.stop().await;
    let got = receiver.received();
    let targets: Vec<&str> = got
        .iter()
        .map(|r| r.body["PairList"][0]["To_Account"].as_str().unwrap())
        .collect();
    let expected: Vec<&str> = ids[1..].iter().map(String::as_str).collect();
    assert_eq!(targets, expected);
    receiver.stop().await;
}

#[tokio::test]
async fn bad_callback_settings_are_refused_at_start_without_echoing_the_token() {
    let long = "t".repeat(129);
    for (url, token) in [
        ("https://127.0.0.1:1/cb", Some(TOKEN)),
        ("not a url", Some(TOKEN)),
        ("/cb", None),
        ("http://127.0.0.1:1/cb", Some("")),
        ("http://127.0.0.1:1/cb", Some(long.as_str())),
    ] {
        let err = Emulator::start(Config::default().callback(url, token))
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Config(_)), "{url}: {err}");
        assert!(!err.to_string().contains(&"t".repeat(100)));
    }
    let longest = "字".repeat(128);
    let emulator =
        Emulator::start(Config::default().callback("http://127.0.0.1:1/cb", Some(&longest)))
            .await
            .unwrap();
    emulator.stop().await;
    let config = Config::default().callback("http://127.0.0.1:1/cb", Some(TOKEN));
    let debug = format!("{config:?}");
    assert!(debug.contains("http://127.0.0.1:1/cb") && debug.contains("<redacted>"));
    assert!(!debug.contains(TOKEN), "{debug}");
}

/// `serve`'s flags, parsed as another command line would embed them.
#[derive(Debug, Parser)]
struct Serve {
    #[command(flatten)]
    args: ServeArgs,
}

#[test]
fn serve_flags_set_the_callback_and_hide_the_token() {
    let serve = Serve::try_parse_from([
        "serve",
        "--callback-url",
        "http://127.0.0.1:9/cb",
        "--callback-token",
        TOKEN,
    ])
    .unwrap();
    assert!(!format!("{serve:?}").contains(TOKEN));
    let config = serve.args.config().unwrap();
    let callback = config.callback.unwrap();
    assert_eq!(callback.url, "http://127.0.0.1:9/cb");
    assert!(callback.is_signed());
    assert_eq!(callback.timeout, Duration::from_secs(2));
    let serve = Serve::try_parse_from(["serve"]).unwrap();
    assert!(serve.args.config().unwrap().callback.is_none());
}

#[test]
fn serve_flags_hide_the_secret_key_and_refuse_a_blank_one() {
    const KEY: &str = "a-key-of-the-console-0123456789";
    let serve =
        Serve::try_parse_from(["serve", "--sdkappid", "1600000003", "--secret-key", KEY]).unwrap();
    let debug = format!("{serve:?}");
    assert!(!debug.contains(KEY), "{debug}");
    assert!(debug.contains("<redacted>"), "{debug}");
    let config = serve.args.config().unwrap();
    assert!(!format!("{config:?}").contains(KEY));
    // Spaces only are no key either.
    let blank =
        Serve::try_parse_from(["serve", "--sdkappid", "1600000003", "--secret-key", "  "]).unwrap();
    let err = blank.args.config().unwrap_err();
    assert!(err.to_string().contains("empty"), "{err}");
}
