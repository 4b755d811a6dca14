//! `tim bench friend-add` against an emulator started by the test on 127.0.0.1 (through the
//! settings, as a user points tim at a server) and against the in-process default: the JSON
//! figures, exit codes, the guard for Tencent regions, and no secret at `-vv`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use common::{App, TempDir, assert_no_secret, code, json, stderr, stdout, tim};
use serde_json::Value;
use tencent_im_emulator::{BlockingEmulator, Config, RateLimit};

fn check_figures(doc: &Value, items_per_request: u64) {
    let requests = doc["requests"].as_u64().unwrap();
    assert!(requests > 0, "{doc}");
    let items = doc["items"].as_u64().unwrap();
    let codes = doc["codes"].as_object().unwrap();
    let ok = codes.get("0").and_then(Value::as_u64).unwrap_or(0);
    assert_eq!(
        codes.values().map(|v| v.as_u64().unwrap()).sum::<u64>(),
        requests,
        "{doc}"
    );
    assert_eq!(items, ok * items_per_request, "{doc}");
    let rps = doc["requests_per_s"].as_f64().unwrap();
    let ips = doc["items_per_s"].as_f64().unwrap();
    assert!(
        rps > 0.0 && (ips - rps * items as f64 / requests as f64).abs() < 1e-6 * ips.max(1.0),
        "{doc}"
    );
    let p50 = doc["p50_ms"].as_f64().unwrap();
    let p99 = doc["p99_ms"].as_f64().unwrap();
    assert!(p50 > 0.0 && p50 <= p99, "{doc}");
    let cpu = doc["cpu_us_per_request"].as_f64().unwrap();
    assert!(cpu > 0.0, "a run of requests costs CPU: {doc}");
    let item_codes = doc["item_codes"].as_object().unwrap();
    assert_eq!(
        item_codes
            .values()
            .map(|v| v.as_u64().unwrap())
            .sum::<u64>(),
        items,
        "{doc}"
    );
}

#[test]
fn benches_the_configured_endpoint() {
    let emu = BlockingEmulator::start(Config::default().rate_limit(RateLimit::Off)).unwrap();
    let app = App::of(&emu);
    let dir = TempDir::new("bench");
    let from = common::now();
    let out = tim(Some(&app), &dir)
        .args([
            "--json",
            "-vv",
            "bench",
            "friend-add",
            "--duration",
            "0.5",
            "--concurrency",
            "3",
            "--items",
            "7",
        ])
        .output()
        .unwrap();
    let to = common::now();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let doc = json(&out);
    check_figures(&doc, 7);
    assert_eq!(doc["target"], app.endpoint);
    assert_eq!(doc["concurrency"], 3);
    assert_eq!(doc["items_per_request"], 7);
    // The accounts were imported and made friends on the emulator.
    let state = emu.app_state();
    let sender = &state.accounts["tim-bench-s2"];
    assert!(sender.friends.contains_key("tim-bench-t6"));
    assert!(
        state.accounts["tim-bench-t6"]
            .friends
            .contains_key("tim-bench-s0")
    );
    let mut secrets = app.admin_sigs(from, to, Duration::from_secs(86_400));
    secrets.push(app.key.clone());
    assert_no_secret(&out, &secrets);
}

#[test]
fn without_settings_it_benches_an_emulator_in_process() {
    let dir = TempDir::new("bench");
    let out = tim(None, &dir)
        .args([
            "bench",
            "friend-add",
            "--duration",
            "0.3",
            "--concurrency",
            "2",
            "--items",
            "3",
        ])
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = stdout(&out);
    for needle in [
        "emulator in this process",
        "requests",
        "p50",
        "client CPU",
        "replies by ErrorCode",
    ] {
        assert!(text.contains(needle), "{needle}: {text}");
    }
    let json_out = tim(None, &dir)
        .args([
            "--json",
            "-vv",
            "bench",
            "friend-add",
            "--duration",
            "0.3",
            "--items",
            "2",
        ])
        .output()
        .unwrap();
    assert_eq!(code(&json_out), 0, "{}", stderr(&json_out));
    check_figures(&json(&json_out), 2);
    assert!(
        stderr(&json_out).contains("friend_add"),
        "-vv traces the calls"
    );
    assert_no_secret(&json_out, &[tencent_im_emulator::DEV_SECRET_KEY.to_owned()]);
}

#[test]
fn a_wrong_key_stops_before_the_run_with_exit_3() {
    let emu = BlockingEmulator::start(Config::default()).unwrap();
    let mut app = App::of(&emu);
    app.key = "f".repeat(64);
    let dir = TempDir::new("bench");
    let out = tim(Some(&app), &dir)
        .args(["bench", "friend-add", "--duration", "0.2"])
        .output()
        .unwrap();
    assert_eq!(code(&out), 3, "{}", stdout(&out));
    assert!(stderr(&out).contains("70009"), "{}", stderr(&out));
    assert_no_secret(&out, &[app.key.clone()]);
}

#[test]
fn a_tencent_region_needs_yes_and_nothing_is_sent_without_it() {
    let dir = TempDir::new("bench");
    let out = tim(None, &dir)
        .args([
            "--sdkappid",
            "1400000000",
            "--identifier",
            "administrator",
            "--region",
            "singapore",
            "bench",
            "friend-add",
        ])
        .env("TIM_SECRET_KEY", "k")
        .output()
        .unwrap();
    assert_eq!(code(&out), 2, "{}", stdout(&out));
    let err = stderr(&out);
    assert!(err.contains("--yes") && err.contains("--emulator"), "{err}");
}

#[test]
fn bad_flags_are_usage_errors() {
    let dir = TempDir::new("bench");
    for args in [
        ["bench", "friend-add", "--items", "1001"],
        ["bench", "friend-add", "--items", "0"],
        ["bench", "friend-add", "--duration", "-1"],
        ["bench", "friend-add", "--concurrency", "0"],
    ] {
        let out = tim(None, &dir).args(args).output().unwrap();
        assert_eq!(code(&out), 2, "{args:?}");
    }
}
