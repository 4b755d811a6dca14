//! `tim doctor` against emulators started on 127.0.0.1: a healthy configuration, a wrong key
//! (70009), a wrong SDKAppID (70020), a non-admin identifier, an unreachable endpoint and
//! missing settings; exit codes, `--json`, and no secret in any output at `-vv`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::process::Output;
use std::time::Duration;

use common::{App, TempDir, assert_no_secret, closed_port, code, json, stderr, stdout, tim};
use serde_json::Value;
use tencent_im_emulator::{BlockingEmulator, Config, TlsConfig};

fn emulator() -> BlockingEmulator {
    BlockingEmulator::start(Config::default()).unwrap()
}

/// The check named `name` in doctor's JSON.
fn check<'a>(doc: &'a Value, name: &str) -> &'a Value {
    doc["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == name)
        .unwrap_or_else(|| panic!("no check {name} in {doc}"))
}

fn doctor(app: &App, dir: &TempDir, json_output: bool) -> (Output, u64, u64) {
    let from = common::now();
    let mut cmd = tim(Some(app), dir);
    if json_output {
        cmd.arg("--json");
    }
    let out = cmd.args(["-vv", "doctor"]).output().unwrap();
    (out, from, common::now())
}

/// The key, and every admin UserSig doctor or the client may have made during the run.
fn secrets(app: &App, from: u64, to: u64) -> Vec<String> {
    let mut secrets = app.admin_sigs(from, to, Duration::from_secs(86_400));
    secrets.push(app.key.clone());
    secrets
}

#[test]
fn a_healthy_configuration_passes_every_check() {
    let emu = emulator();
    let app = App::of(&emu);
    let dir = TempDir::new("doctor");
    let (out, from, to) = doctor(&app, &dir, true);
    assert_eq!(code(&out), 0, "{}\n{}", stdout(&out), stderr(&out));
    let doc = json(&out);
    assert_eq!(doc["ok"], true);
    assert_eq!(doc["exit"], 0);
    for name in ["settings", "usersig", "dns", "tcp", "clock", "http", "api"] {
        assert_eq!(check(&doc, name)["status"], "ok", "{name}: {doc}");
    }
    assert_eq!(check(&doc, "standby")["status"], "skip");
    assert!(
        check(&doc, "clock")["message"]
            .as_str()
            .unwrap()
            .contains("Date header")
    );
    assert_no_secret(&out, &secrets(&app, from, to));
    // The emulator saw one account_check.
    assert!(
        emu.journal()
            .iter()
            .any(|e| e.path.contains("account_check"))
    );
}

#[test]
fn tables_print_one_line_per_check() {
    let emu = emulator();
    let app = App::of(&emu);
    let dir = TempDir::new("doctor");
    let (out, from, to) = doctor(&app, &dir, false);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.lines().any(|l| l.starts_with("ok    api ")), "{text}");
    assert!(text.contains("checks passed"), "{text}");
    assert_no_secret(&out, &secrets(&app, from, to));
}

#[test]
fn a_wrong_key_is_explained_as_70009() {
    let emu = emulator();
    let mut app = App::of(&emu);
    app.key = "0123456789abcdef".repeat(4);
    let dir = TempDir::new("doctor");
    let (out, from, to) = doctor(&app, &dir, true);
    assert_eq!(code(&out), 3, "{}", stdout(&out));
    let doc = json(&out);
    assert_eq!(doc["ok"], false);
    assert_eq!(doc["exit"], 3);
    let api = check(&doc, "api");
    assert_eq!(api["status"], "fail");
    let message = api["message"].as_str().unwrap();
    assert!(message.contains("70009"), "{message}");
    assert!(
        message.contains("secret key is not the key of SDKAppID"),
        "{message}"
    );
    // The network and the local UserSig were fine.
    assert_eq!(check(&doc, "tcp")["status"], "ok");
    assert_eq!(check(&doc, "usersig")["status"], "ok");
    assert_no_secret(&out, &secrets(&app, from, to));

    let (human, ..) = doctor(&app, &dir, false);
    assert_eq!(code(&human), 3);
    let text = stdout(&human);
    assert!(text.lines().any(|l| l.starts_with("FAIL  api ")), "{text}");
    assert!(
        text.contains("Copy the key again from the console"),
        "{text}"
    );
}

#[test]
fn a_wrong_sdkappid_and_a_non_admin_are_explained() {
    let emu = emulator();
    let dir = TempDir::new("doctor");
    let mut app = App::of(&emu);
    app.sdkappid = 1_400_000_001;
    let (out, ..) = doctor(&app, &dir, true);
    assert_eq!(code(&out), 3);
    let message = check(&json(&out), "api")["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        message.contains("70020") && message.contains("region"),
        "{message}"
    );

    let mut app = App::of(&emu);
    app.admin = "mallory".to_owned();
    let (out, ..) = doctor(&app, &dir, true);
    assert_eq!(code(&out), 6);
    let message = check(&json(&out), "api")["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(message.contains("not an app admin"), "{message}");
}

#[test]
fn an_unreachable_endpoint_fails_the_tcp_check_with_exit_4() {
    let dir = TempDir::new("doctor");
    let app = App {
        sdkappid: 1_400_000_000,
        admin: "administrator".to_owned(),
        key: "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e".to_owned(),
        endpoint: format!("http://127.0.0.1:{}", closed_port()),
    };
    let (out, from, to) = doctor(&app, &dir, true);
    assert_eq!(code(&out), 4, "{}", stdout(&out));
    let doc = json(&out);
    assert_eq!(doc["exit"], 4);
    let tcp = check(&doc, "tcp");
    assert_eq!(tcp["status"], "fail");
    assert!(
        tcp["message"]
            .as_str()
            .unwrap()
            .contains("refused the connection"),
        "{tcp}"
    );
    assert_eq!(check(&doc, "api")["status"], "skip");
    assert_no_secret(&out, &secrets(&app, from, to));
}

#[test]
fn missing_settings_are_listed_and_exit_3() {
    let dir = TempDir::new("doctor");
    let out = tim(None, &dir)
        .args(["--json", "--sdkappid", "1400000000", "doctor"])
        .output()
        .unwrap();
    assert_eq!(code(&out), 3);
    let doc = json(&out);
    let settings = check(&doc, "settings");
    assert_eq!(settings["status"], "fail");
    let message = settings["message"].as_str().unwrap();
    for missing in ["TIM_IDENTIFIER", "TIM_SECRET_KEY", "--region"] {
        assert!(message.contains(missing), "{missing}: {message}");
    }
    assert_eq!(check(&doc, "usersig")["status"], "skip");

    let bad = tim(None, &dir)
        .args([
            "--sdkappid",
            "14x",
            "--identifier",
            "administrator",
            "--secret-key",
            "k",
            "--endpoint",
            "ftp://x",
            "doctor",
        ])
        .output()
        .unwrap();
    assert_eq!(code(&bad), 3);
    let text = stdout(&bad);
    assert!(
        text.contains("is not a number") && text.contains("base URL"),
        "{text}"
    );
}

#[test]
fn an_untrusted_certificate_fails_the_tls_check_and_ca_cert_fixes_it() {
    let cert =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
            .unwrap();
    let tls = TlsConfig::pem(cert.cert.pem(), cert.key_pair.serialize_pem());
    let emu = BlockingEmulator::start(Config::default().tls(tls)).unwrap();
    let app = App::of(&emu);
    assert!(app.endpoint.starts_with("https://127.0.0.1:"));
    let dir = TempDir::new("doctor");

    let (out, from, to) = doctor(&app, &dir, true);
    assert_eq!(code(&out), 4, "{}", stdout(&out));
    let doc = json(&out);
    assert_eq!(check(&doc, "tcp")["status"], "ok");
    let tls_check = check(&doc, "tls");
    assert_eq!(tls_check["status"], "fail");
    let message = tls_check["message"].as_str().unwrap();
    assert!(
        message.contains("TLS handshake") && message.contains("--ca-cert"),
        "{message}"
    );
    // Over HTTPS tim reads no Date header, and says so.
    let clock = check(&doc, "clock");
    assert_eq!(clock["status"], "skip");
    assert!(
        clock["message"].as_str().unwrap().contains("HTTPS"),
        "{clock}"
    );
    assert_no_secret(&out, &secrets(&app, from, to));

    let pem = dir.path().join("ca.pem");
    std::fs::write(&pem, cert.cert.pem()).unwrap();
    let trusted = tim(Some(&app), &dir)
        .args(["--json", "--ca-cert"])
        .arg(&pem)
        .arg("doctor")
        .output()
        .unwrap();
    assert_eq!(code(&trusted), 0, "{}", stdout(&trusted));
    let doc = json(&trusted);
    assert_eq!(check(&doc, "tls")["status"], "ok");
    assert_eq!(check(&doc, "api")["status"], "ok");
}

#[test]
fn a_server_clock_days_ahead_makes_70001_explained_as_this_clock_behind() {
    // The emulator checks expiry by its own clock, three days ahead: the UserSig tim makes
    // now reads as expired there, as when this machine's clock is days behind Tencent's.
    let ahead = common::now() + 3 * 86_400;
    let clock = std::sync::Arc::new(tencent_im_usersig::ManualClock::new(ahead));
    let emu = BlockingEmulator::start(Config::default().clock(clock)).unwrap();
    let app = App::of(&emu);
    let dir = TempDir::new("doctor");
    let (out, from, to) = doctor(&app, &dir, true);
    assert_eq!(code(&out), 3, "{}", stdout(&out));
    let api = check(&json(&out), "api").clone();
    assert_eq!(api["status"], "fail");
    let message = api["message"].as_str().unwrap();
    assert!(
        message.contains("70001") && message.contains("clock"),
        "{message}"
    );
    assert_no_secret(&out, &secrets(&app, from, to));
}
