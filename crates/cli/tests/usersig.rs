//! `tim usersig gen | verify | inspect`, run as a user runs them: interoperability with the
//! usersig crate both ways, exit codes, `--json`, and no secret where none belongs.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use common::{App, TempDir, assert_no_secret, code, json, run_with_stdin, stderr, stdout, tim};
use tencent_im_usersig::{FixedClock, SecretKey, UserSigGenerator, inspect};

const KEY: &str = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";

/// The app of Tencent's samples, without a server: these commands send nothing.
fn app() -> App {
    App {
        sdkappid: 1_400_000_000,
        admin: "administrator".to_owned(),
        key: KEY.to_owned(),
        endpoint: "http://127.0.0.1:9".to_owned(),
    }
}

fn generator() -> UserSigGenerator {
    UserSigGenerator::new(1_400_000_000, SecretKey::new(KEY))
}

#[test]
fn a_generated_sig_verifies_with_the_crate() {
    let dir = TempDir::new("usersig");
    let out = tim(Some(&app()), &dir)
        .args(["usersig", "gen", "--identifier", "alice", "--expire", "600"])
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = stdout(&out);
    let sig = text.trim_end();
    assert_eq!(text.lines().count(), 1, "only the sig on stdout: {text}");
    let info = generator().verify(sig, "alice").unwrap();
    assert_eq!(info.expire, Duration::from_secs(600));
    assert_eq!(info.sdkappid, 1_400_000_000);
    assert!(stderr(&out).is_empty(), "{}", stderr(&out));
}

#[test]
fn without_identifier_gen_signs_for_the_admin() {
    let dir = TempDir::new("usersig");
    let out = tim(Some(&app()), &dir)
        .args(["usersig", "gen"])
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let info = generator()
        .verify(stdout(&out).trim(), "administrator")
        .unwrap();
    assert_eq!(info.expire, Duration::from_secs(86_400));
}

#[test]
fn gen_json_and_userbuf_interoperate() {
    let dir = TempDir::new("usersig");
    let out = tim(Some(&app()), &dir)
        .args([
            "--json",
            "usersig",
            "gen",
            "--identifier",
            "bob",
            "--userbuf",
            "aGVsbG8=",
        ])
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let doc = json(&out);
    let sig = doc["usersig"].as_str().unwrap();
    assert_eq!(doc["identifier"], "bob");
    assert_eq!(doc["sdkappid"], 1_400_000_000u64);
    assert_eq!(
        doc["expires_at"].as_u64().unwrap(),
        doc["issued_at"].as_u64().unwrap() + 86_400
    );
    let info = generator()
        .verify_with_userbuf(sig, "bob", b"hello")
        .unwrap();
    assert_eq!(info.userbuf.as_deref(), Some(&b"hello"[..]));
    // Without the userbuf, verification refuses it.
    assert!(generator().verify(sig, "bob").is_err());
}

#[test]
fn a_crate_sig_verifies_with_tim_and_failures_exit_1_with_the_reason() {
    let dir = TempDir::new("usersig");
    let now = common::now();
    let sig = generator()
        .with_clock(FixedClock::new(now))
        .generate("carol", Duration::from_secs(3600))
        .unwrap();
    let sig = sig.expose();

    let verify = |extra: &[&str], env_key: Option<&str>| {
        let mut cmd = tim(Some(&app()), &dir);
        if let Some(key) = env_key {
            cmd.env("TIM_SECRET_KEY", key);
        }
        cmd.args(["-vv", "usersig", "verify", "--sig", sig])
            .args(extra)
            .output()
            .unwrap()
    };

    let ok = verify(&["--identifier", "carol"], None);
    assert_eq!(code(&ok), 0, "{}", stderr(&ok));
    assert!(stdout(&ok).contains("carol"), "{}", stdout(&ok));

    let other_user = verify(&["--identifier", "dave"], None);
    assert_eq!(code(&other_user), 1);
    assert!(
        stderr(&other_user).contains("issued for identifier \"carol\""),
        "{}",
        stderr(&other_user)
    );

    let expired = verify(
        &["--identifier", "carol", "--now", &(now + 3601).to_string()],
        None,
    );
    assert_eq!(code(&expired), 1);
    assert!(stderr(&expired).contains("expired"), "{}", stderr(&expired));
    let last_second = verify(
        &["--identifier", "carol", "--now", &(now + 3600).to_string()],
        None,
    );
    assert_eq!(code(&last_second), 0, "{}", stderr(&last_second));

    let other_key = "0".repeat(64);
    let wrong_key = verify(&["--identifier", "carol"], Some(&other_key));
    assert_eq!(code(&wrong_key), 1);
    assert!(
        stderr(&wrong_key).contains("signature does not match"),
        "{}",
        stderr(&wrong_key)
    );

    let malformed = tim(Some(&app()), &dir)
        .args([
            "usersig",
            "verify",
            "--identifier",
            "carol",
            "--sig",
            "not-a-sig",
        ])
        .output()
        .unwrap();
    assert_eq!(code(&malformed), 1);
    assert!(stderr(&malformed).contains("invalid UserSig"));

    // Neither the token nor the key shows in any output, at -vv.
    for out in [&ok, &other_user, &expired, &wrong_key] {
        assert_no_secret(out, &[sig.to_owned(), KEY.to_owned(), other_key.clone()]);
    }
}

#[test]
fn verify_json_reports_validity_on_stdout() {
    let dir = TempDir::new("usersig");
    let sig = generator()
        .generate("erin", Duration::from_secs(60))
        .unwrap();
    let valid = tim(Some(&app()), &dir)
        .args([
            "--json",
            "usersig",
            "verify",
            "--identifier",
            "erin",
            "--sig",
        ])
        .arg(sig.expose())
        .output()
        .unwrap();
    assert_eq!(code(&valid), 0);
    let doc = json(&valid);
    assert_eq!(doc["valid"], true);
    assert_eq!(doc["identifier"], "erin");
    let invalid = tim(Some(&app()), &dir)
        .args([
            "--json",
            "usersig",
            "verify",
            "--identifier",
            "frank",
            "--sig",
        ])
        .arg(sig.expose())
        .output()
        .unwrap();
    assert_eq!(code(&invalid), 1);
    let doc = json(&invalid);
    assert_eq!(doc["valid"], false);
    assert!(doc["reason"].as_str().unwrap().contains("frank"));
}

#[test]
fn verify_reads_the_sig_from_stdin() {
    let dir = TempDir::new("usersig");
    let sig = generator()
        .generate("grace", Duration::from_secs(60))
        .unwrap();
    let mut cmd = tim(Some(&app()), &dir);
    cmd.args(["usersig", "verify", "--identifier", "grace", "--sig", "-"]);
    let out = run_with_stdin(cmd, format!("{}\n", sig.expose()).as_bytes());
    assert_eq!(code(&out), 0, "{}", stderr(&out));
}

#[test]
fn inspect_needs_no_key_and_shows_the_fields() {
    let dir = TempDir::new("usersig");
    let sig = generator()
        .with_clock(FixedClock::new(1_700_000_000))
        .generate("heidi", Duration::from_secs(86_400))
        .unwrap();
    let out = tim(None, &dir)
        .args(["--json", "usersig", "inspect", "--now", "1700000100"])
        .arg(sig.expose())
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let doc = json(&out);
    let info = inspect(sig.expose()).unwrap();
    assert_eq!(doc["identifier"], "heidi");
    assert_eq!(doc["sdkappid"], info.sdkappid);
    assert_eq!(doc["issued_at"], 1_700_000_000u64);
    assert_eq!(doc["issued_at_utc"], "2023-11-14T22:13:20Z");
    assert_eq!(doc["expires_at"], info.expires_at());
    assert_eq!(doc["expired"], false);
    assert_eq!(doc["remaining"], 86_300u64);
    assert_eq!(doc["authenticated"], false);
    assert_no_secret(&out, &[sig.expose().to_owned()]);

    let human = tim(None, &dir)
        .args(["usersig", "inspect", "--now", "1800000000"])
        .arg(sig.expose())
        .output()
        .unwrap();
    assert_eq!(code(&human), 0);
    let text = stdout(&human);
    assert!(text.contains("heidi") && text.contains("expired"), "{text}");
    assert!(text.contains("does not prove it authentic"), "{text}");

    let mut cmd = tim(None, &dir);
    cmd.args(["usersig", "inspect", "-"]);
    let piped = run_with_stdin(cmd, sig.expose().as_bytes());
    assert_eq!(code(&piped), 0, "{}", stderr(&piped));
    assert!(stdout(&piped).contains("heidi"));
}

#[test]
fn inspect_of_garbage_exits_1_and_names_the_step() {
    let dir = TempDir::new("usersig");
    let out = tim(None, &dir)
        .args(["usersig", "inspect", "abc"])
        .output()
        .unwrap();
    assert_eq!(code(&out), 1);
    assert!(
        stderr(&out).contains("cannot decode the UserSig"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn missing_settings_are_named() {
    let dir = TempDir::new("usersig");
    let no_key = tim(None, &dir)
        .args([
            "--sdkappid",
            "1400000000",
            "usersig",
            "gen",
            "--identifier",
            "x",
        ])
        .output()
        .unwrap();
    assert_eq!(code(&no_key), 3);
    assert!(
        stderr(&no_key).contains("TIM_SECRET_KEY"),
        "{}",
        stderr(&no_key)
    );

    let mut cmd = tim(None, &dir);
    cmd.env("TIM_SECRET_KEY", KEY)
        .args(["--sdkappid", "1400000000", "usersig", "gen"]);
    let no_identifier = cmd.output().unwrap();
    assert_eq!(code(&no_identifier), 2);
    assert!(stderr(&no_identifier).contains("--identifier"));
    assert_no_secret(&no_identifier, &[KEY.to_owned()]);

    let bad_expire = tim(Some(&app()), &dir)
        .args(["usersig", "gen", "--expire", "0"])
        .output()
        .unwrap();
    assert_eq!(code(&bad_expire), 2);
    let bad_userbuf = tim(Some(&app()), &dir)
        .args(["usersig", "gen", "--userbuf", "%%%"])
        .output()
        .unwrap();
    assert_eq!(code(&bad_userbuf), 2);
    assert!(stderr(&bad_userbuf).contains("base64"));
}

#[test]
fn help_explains_which_identifier_is_signed_for() {
    let dir = TempDir::new("usersig");
    for sub in ["gen", "verify"] {
        let out = tim(None, &dir)
            .args(["usersig", sub, "--help"])
            .output()
            .unwrap();
        assert_eq!(code(&out), 0);
        assert!(
            stdout(&out).contains("pass --identifier USER for another user's"),
            "{}",
            stdout(&out)
        );
    }
}
