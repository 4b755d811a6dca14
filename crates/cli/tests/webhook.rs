//! `tim webhook listen | sign`, spawned as a user runs them: the emulator calls a listening `tim`
//! back, and only authentic callbacks are printed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::Value;
use tencent_im::{AllowType, Client, DeleteType};
use tencent_im_emulator::{Config, DEV_SDKAPPID, Emulator};

const TOKEN: &str = "tim-webhook-test-token";

fn tim() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tim"));
    for var in common::TIM_VARS.iter().chain(&["TIM_CALLBACK_TOKEN"]) {
        cmd.env_remove(var);
    }
    cmd.env("TIM_CONFIG", "/nonexistent/tim-test-config.toml");
    cmd
}

#[test]
fn sign_gives_the_documented_signature() {
    let out = tim()
        .args([
            "--sdkappid",
            "1400000000",
            "webhook",
            "sign",
            "--url",
            "http://127.0.0.1:1/cb",
        ])
        .args(["--token", "xxxxyyyy", "--time", "1669872112"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let url = String::from_utf8(out.stdout).unwrap();
    assert!(
        url.starts_with(
            "http://127.0.0.1:1/cb?SdkAppid=1400000000&CallbackCommand=Sns.CallbackFriendAdd"
        ),
        "{url}"
    );
    assert!(url.trim_end().ends_with("RequestTime=1669872112&Sign=17773bc39a671d7b9aa835458704d2a6db81360a5940292b587d6d760d484061"), "{url}");

    let out = tim()
        .args(["--sdkappid", "1", "webhook", "sign", "--url", "http://x/cb"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "no token");
    let out = tim()
        .args([
            "--sdkappid",
            "1",
            "webhook",
            "sign",
            "--url",
            "http://x/cb",
            "--token",
            &"t".repeat(129),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "a token over 128 characters");
}

#[tokio::test(flavor = "multi_thread")]
async fn listen_prints_the_verified_callbacks_of_the_emulator() {
    let mut child = tim()
        .args([
            "--json",
            "--sdkappid",
            &DEV_SDKAPPID.to_string(),
            "webhook",
            "listen",
            "--port",
            "0",
            "--count",
            "3",
        ])
        .env("TIM_CALLBACK_TOKEN", TOKEN)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    let url = first
        .trim()
        .strip_prefix("listening on ")
        .unwrap()
        .to_owned();

    // A forged callback (wrong token) is refused and not printed.
    let forged = tokio::task::spawn_blocking({
        let url = url.clone();
        move || {
            let signed = tim()
                .args([
                    "--sdkappid",
                    &DEV_SDKAPPID.to_string(),
                    "webhook",
                    "sign",
                    "--url",
                    &format!("{url}/cb"),
                    "--token",
                    "not-the-token",
                ])
                .output()
                .unwrap();
            String::from_utf8(signed.stdout).unwrap().trim().to_owned()
        }
    })
    .await
    .unwrap();
    let status = post(
        &forged,
        br#"{"CallbackCommand":"Sns.CallbackFriendAdd","PairList":[]}"#,
    )
    .await;
    assert_eq!(status, 401);

    let emulator = Emulator::start(
        Config::default()
            .default_allow_type(AllowType::AllowAny)
            .callback(format!("{url}/cb"), Some(TOKEN)),
    )
    .await
    .unwrap();
    emulator.seed_accounts(["alice", "bob", "carol"]);
    let app = emulator.credentials();
    let client = Client::builder(app.sdkappid(), app.admin())
        .secret_key(app.secret_key())
        .endpoint(&emulator.base_url())
        .build()
        .unwrap();
    client.friend_add("alice").to("bob").await.unwrap();
    client
        .delete_friends("alice", ["bob"], DeleteType::Single)
        .await
        .unwrap();
    client.block("alice", ["carol"]).await.unwrap();

    let lines = tokio::task::spawn_blocking(move || {
        let mut rest = String::new();
        stdout.read_to_string(&mut rest).unwrap();
        let status = child.wait().unwrap();
        let mut stderr = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr)
            .unwrap();
        (status, rest, stderr)
    });
    let (status, rest, stderr) = tokio::time::timeout(Duration::from_secs(20), lines)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("refused a callback"), "{stderr}");
    assert!(!stderr.contains(TOKEN) && !rest.contains(TOKEN));
    let events: Vec<Value> = rest
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let commands: Vec<&str> = events
        .iter()
        .map(|e| e["command"].as_str().unwrap())
        .collect();
    assert_eq!(
        commands,
        [
            "Sns.CallbackFriendAdd",
            "Sns.CallbackFriendDelete",
            "Sns.CallbackBlackListAdd"
        ]
    );
    assert_eq!(events[0]["event"]["PairList"][0]["From_Account"], "alice");
    assert_eq!(events[0]["platform"], "RESTAPI");
    assert_eq!(events[2]["event"]["PairList"][0]["To_Account"], "carol");
    emulator.stop().await;
}

/// POSTs `body` to `url` over plain HTTP/1.1 and returns the status code.
async fn post(url: &str, body: &[u8]) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let rest = url.strip_prefix("http://").unwrap();
    let (authority, path) = rest.split_once('/').unwrap();
    let mut stream = tokio::net::TcpStream::connect(authority).await.unwrap();
    let head = format!(
        "POST /{path} HTTP/1.1\r\nHost: {authority}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    answer.split(' ').nth(1).unwrap().parse().unwrap()
}
