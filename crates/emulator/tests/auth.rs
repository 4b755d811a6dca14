//! The auth chain of spec §7.7, one test per code, in the stated order, over real HTTP.

// Test code: helpers outside #[test] functions may unwrap, expect and panic too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use common::{Client, code, config, sig, start};
use tencent_im_emulator::{AppCredentials, DEV_SECRET_KEY};
use tencent_im_usersig::{FixedClock, SecretKey, UserSigGenerator};

const BODY: &str = r#"{"CheckItem":[{"UserID":"alice"}]}"#;
const API: &str = "im_open_login_svc/account_check";

async fn call(query: &str) -> (i64, serde_json::Value) {
    let emulator = start(config(), &["alice"]).await;
    let mut client = Client::connect(&emulator).await;
    let reply = client.call_with_query(API, query, BODY).await;
    emulator.stop().await;
    (code(&reply), reply)
}

fn q(sdkappid: &str, identifier: &str, usersig: &str, random: &str, contenttype: &str) -> String {
    format!(
        "sdkappid={sdkappid}&identifier={identifier}&usersig={usersig}&random={random}&contenttype={contenttype}"
    )
}

fn dev_sig() -> String {
    sig(&AppCredentials::development())
}

#[tokio::test]
async fn valid_query_is_accepted() {
    let (code, reply) = call(&q("1400000000", "administrator", &dev_sig(), "7", "json")).await;
    assert_eq!(code, 0, "{reply}");
    assert_eq!(reply["ActionStatus"], "OK");
    assert_eq!(reply["ResultItem"][0]["AccountStatus"], "Imported");
}

#[tokio::test]
async fn missing_sdkappid_is_60012() {
    let query = format!(
        "identifier=administrator&usersig={}&random=1&contenttype=json",
        dev_sig()
    );
    let (code, reply) = call(&query).await;
    assert_eq!(code, 60012);
    assert_eq!(reply["ActionStatus"], "FAIL");
    assert!(reply.get("ResultItem").is_none());
    // Missing sdkappid wins over everything else.
    assert_eq!(call("").await.0, 60012);
}

#[tokio::test]
async fn unknown_sdkappid_is_70020() {
    assert_eq!(
        call(&q("1400000001", "administrator", &dev_sig(), "1", "json"))
            .await
            .0,
        70020
    );
    assert_eq!(call(&q("abc", "nobody", "", "", "")).await.0, 70020);
}

#[tokio::test]
async fn non_admin_identifier_is_60010() {
    assert_eq!(
        call(&q("1400000000", "alice", &dev_sig(), "1", "json"))
            .await
            .0,
        60010
    );
    assert_eq!(call("sdkappid=1400000000").await.0, 60010);
}

#[tokio::test]
async fn empty_usersig_is_70002() {
    assert_eq!(
        call(&q("1400000000", "administrator", "", "1", "json"))
            .await
            .0,
        70002
    );
    assert_eq!(
        call("sdkappid=1400000000&identifier=administrator").await.0,
        70002
    );
}

#[tokio::test]
async fn undecodable_usersig_is_70003() {
    assert_eq!(
        call(&q("1400000000", "administrator", "not-a-sig", "1", "json"))
            .await
            .0,
        70003
    );
    // A truncated real sig (the usual cause) is 70003 too.
    let sig = dev_sig();
    let truncated = &sig[..sig.len() / 2];
    assert_eq!(
        call(&q("1400000000", "administrator", truncated, "1", "json"))
            .await
            .0,
        70003
    );
}

#[tokio::test]
async fn sig_of_another_sdkappid_is_70014() {
    let other = UserSigGenerator::new(1_400_000_001, SecretKey::new(DEV_SECRET_KEY))
        .generate("administrator", Duration::from_secs(3600))
        .unwrap();
    let query = q("1400000000", "administrator", other.expose(), "1", "json");
    assert_eq!(call(&query).await.0, 70014);
}

#[tokio::test]
async fn sig_of_another_identifier_is_70013() {
    let other = AppCredentials::development()
        .generator()
        .generate("alice", Duration::from_secs(3600))
        .unwrap();
    let query = q("1400000000", "administrator", other.expose(), "1", "json");
    assert_eq!(call(&query).await.0, 70013);
}

#[tokio::test]
async fn sig_with_another_key_is_70009() {
    let forged = UserSigGenerator::new(1_400_000_000, SecretKey::new("not the key"))
        .generate("administrator", Duration::from_secs(3600))
        .unwrap();
    let query = q("1400000000", "administrator", forged.expose(), "1", "json");
    assert_eq!(call(&query).await.0, 70009);
}

#[tokio::test]
async fn expired_sig_is_70001() {
    let old = AppCredentials::development()
        .generator()
        .with_clock(FixedClock::new(1_600_000_000))
        .generate("administrator", Duration::from_secs(60))
        .unwrap();
    let query = q("1400000000", "administrator", old.expose(), "1", "json");
    assert_eq!(call(&query).await.0, 70001);
}

#[tokio::test]
async fn sig_expiry_follows_the_configured_clock() {
    // The emulator's clock is injectable: a sig valid "now" expires when the clock moves on.
    let creds = AppCredentials::development();
    let sig = creds
        .generator()
        .with_clock(FixedClock::new(1_700_000_000))
        .generate("administrator", Duration::from_secs(100))
        .unwrap();
    let query = q("1400000000", "administrator", sig.expose(), "1", "json");
    for (now, expected) in [(1_700_000_100, 0), (1_700_000_101, 70001)] {
        let emulator = start(
            config().clock(std::sync::Arc::new(FixedClock::new(now))),
            &["alice"],
        )
        .await;
        let mut client = Client::connect(&emulator).await;
        // Twice: the second answer comes from the verified-sig cache and must agree.
        for _ in 0..2 {
            let reply = client.call_with_query(API, &query, BODY).await;
            assert_eq!(code(&reply), expected, "now {now}");
        }
        emulator.stop().await;
    }
}

#[tokio::test]
async fn bad_random_or_contenttype_is_60002() {
    let sig = dev_sig();
    for (random, contenttype) in [
        ("", "json"),
        ("x", "json"),
        ("4294967296", "json"),
        ("-1", "json"),
        ("1", "xml"),
        ("1", ""),
    ] {
        let query = q("1400000000", "administrator", &sig, random, contenttype);
        assert_eq!(
            call(&query).await.0,
            60002,
            "random={random} contenttype={contenttype}"
        );
    }
    assert_eq!(
        call(&q(
            "1400000000",
            "administrator",
            &sig,
            "4294967295",
            "json"
        ))
        .await
        .0,
        0
    );
}

#[tokio::test]
async fn checks_run_in_the_stated_order() {
    // Each query breaks every check from one point on; the first broken one is reported.
    let forged = UserSigGenerator::new(1_400_000_000, SecretKey::new("other"))
        .generate("alice", Duration::from_secs(3600))
        .unwrap();
    let cases = [
        (q("", "alice", "", "x", "xml"), 60012),
        (q("9", "alice", "", "x", "xml"), 70020),
        (q("1400000000", "alice", "", "x", "xml"), 60010),
        (q("1400000000", "administrator", "", "x", "xml"), 70002),
        (q("1400000000", "administrator", "%%%", "x", "xml"), 70003),
        (
            q("1400000000", "administrator", forged.expose(), "x", "xml"),
            70013,
        ),
        (
            q("1400000000", "administrator", &dev_sig(), "x", "xml"),
            60002,
        ),
    ];
    for (query, expected) in cases {
        assert_eq!(call(&query).await.0, expected, "{query}");
    }
}

#[tokio::test]
async fn several_apps_and_admins() {
    let second = AppCredentials::new(1_500_000_000, "ops", "another key").with_admin("ops2");
    let emulator = start(config().with_app(second.clone()), &[]).await;
    emulator.seed_accounts_in(1_500_000_000, ["carol"]);
    let mut client = Client::connect(&emulator).await;
    for admin in ["ops", "ops2"] {
        let sig = second
            .generator()
            .generate(admin, Duration::from_secs(60))
            .unwrap();
        let query = q("1500000000", admin, sig.expose(), "1", "json");
        let reply = client
            .call_with_query(API, &query, r#"{"CheckItem":[{"UserID":"carol"}]}"#)
            .await;
        assert_eq!(
            reply["ResultItem"][0]["AccountStatus"], "Imported",
            "{reply}"
        );
    }
    // The first app's sig does not open the second app.
    let query = q("1500000000", "ops", &dev_sig(), "1", "json");
    assert_eq!(
        code(&client.call_with_query(API, &query, BODY).await),
        70014
    );
    // Each app has its own accounts.
    assert_eq!(
        client
            .call_raw(API, r#"{"CheckItem":[{"UserID":"carol"}]}"#)
            .await["ResultItem"][0]["AccountStatus"],
        "NotImported"
    );
    emulator.stop().await;
}
