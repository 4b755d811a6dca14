//! Configuration from the environment, and secrets that never show: not in `Debug` or
//! `Display` of the client, its builder, errors (with their sources), reports, nor in tracing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex};

use common::*;
use tencent_im::{Client, ClientBuilder, Error, ErrorKind, Region, Target};
use tencent_im_emulator::{Config, FaultKind};

const KEY: &str = "s3cr3t-key-that-must-not-leak";

fn lookup(vars: &[(&'static str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<&str, String> = vars.iter().map(|(k, v)| (*k, (*v).to_owned())).collect();
    move |name| map.get(name).cloned()
}

fn all_text(err: &Error) -> String {
    let mut text = format!("{err}\n{err:?}\n{err:#?}\n");
    let mut cur = std::error::Error::source(err);
    while let Some(e) = cur {
        text.push_str(&format!("{e}\n{e:?}\n"));
        cur = e.source();
    }
    text
}

#[test]
fn from_env_names_the_missing_or_bad_variable_and_never_the_key() {
    let full = [
        ("TIM_SDKAPPID", "1400000000"),
        ("TIM_IDENTIFIER", "administrator"),
        ("TIM_SECRET_KEY", KEY),
        ("TIM_REGION", "singapore"),
    ];
    let client = ClientBuilder::from_lookup(lookup(&full))
        .unwrap()
        .build()
        .unwrap();
    assert_eq!(client.sdkappid(), 1400000000);
    assert_eq!(client.identifier(), "administrator");
    assert_eq!(client.target(), &Target::from(Region::Singapore));
    assert!(!format!("{client:?}").contains(KEY));

    let cases: Vec<(Vec<(&'static str, &str)>, &str)> = vec![
        (vec![], "TIM_SDKAPPID is not set"),
        (vec![("TIM_SDKAPPID", "")], "TIM_SDKAPPID is not set"),
        (
            vec![("TIM_SDKAPPID", "14e8")],
            "TIM_SDKAPPID is not a number",
        ),
        (vec![("TIM_SDKAPPID", "1")], "TIM_IDENTIFIER is not set"),
        (
            vec![("TIM_SDKAPPID", "1"), ("TIM_IDENTIFIER", "a")],
            "TIM_SECRET_KEY is not set",
        ),
        (
            vec![
                ("TIM_SDKAPPID", "1"),
                ("TIM_IDENTIFIER", "a"),
                ("TIM_SECRET_KEY", KEY),
            ],
            "neither TIM_REGION nor TIM_ENDPOINT is set",
        ),
        (
            vec![
                ("TIM_SDKAPPID", "1"),
                ("TIM_IDENTIFIER", "a"),
                ("TIM_SECRET_KEY", KEY),
                ("TIM_REGION", "mars"),
            ],
            "TIM_REGION \"mars\" names no region",
        ),
        (
            vec![
                ("TIM_SDKAPPID", "1"),
                ("TIM_IDENTIFIER", "a"),
                ("TIM_SECRET_KEY", KEY),
                ("TIM_ENDPOINT", "ftp://example.com"),
            ],
            "TIM_ENDPOINT is not a valid base URL",
        ),
    ];
    for (vars, expected) in cases {
        let err = ClientBuilder::from_lookup(lookup(&vars)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config);
        assert!(err.is_config());
        let text = all_text(&err);
        assert!(err.to_string().starts_with(expected), "{err} vs {expected}");
        assert!(!text.contains(KEY), "{text}");
    }

    // TIM_ENDPOINT wins over TIM_REGION.
    let mut vars = full.to_vec();
    vars.push(("TIM_ENDPOINT", "http://127.0.0.1:9"));
    let client = ClientBuilder::from_lookup(lookup(&vars))
        .unwrap()
        .build()
        .unwrap();
    assert_eq!(
        client.target(),
        &Target::custom("http://127.0.0.1:9").unwrap()
    );
}

#[test]
fn the_builder_says_what_is_missing() {
    let err = Client::builder(1, "admin")
        .region(Region::China)
        .build()
        .unwrap_err();
    assert!(
        err.to_string().starts_with("no admin UserSig source"),
        "{err}"
    );
    let err = Client::builder(1, "admin")
        .secret_key(KEY)
        .build()
        .unwrap_err();
    assert!(
        err.to_string().starts_with("no region or endpoint"),
        "{err}"
    );
    let err = Client::builder(1, "admin")
        .secret_key(KEY)
        .endpoint("example.com")
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("not a valid base URL"), "{err}");
    assert!(!all_text(&err).contains(KEY));
    let builder = Client::builder(1, "admin").secret_key(KEY);
    assert!(!format!("{builder:?}").contains(KEY));
}

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

#[tokio::test]
async fn neither_the_key_nor_a_sig_shows_anywhere() {
    let capture = Capture::default();
    let writer = capture.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let emu = emulator(Config::default()).await;
    emu.seed_accounts(["alice", "bob"]);
    let app = emu.credentials();
    let client = client(&emu);
    let mut text = format!("{client:?}\n");
    let report = client.friend_add("alice").to("bob").await.unwrap();
    text.push_str(&format!("{report}\n{report:?}\n"));
    emu.inject(FaultKind::Http502, 10);
    let err = client.friend_add("alice").to("bob").await.unwrap_err();
    text.push_str(&all_text(&err));
    emu.clear_faults();
    let wrong = Client::builder(app.sdkappid(), app.admin())
        .secret_key(KEY)
        .endpoint(&emu.base_url())
        .build()
        .unwrap();
    let err = wrong.check_accounts(["alice"]).await.unwrap_err();
    assert_eq!(err.api_code().map(|c| c.get()), Some(70009));
    text.push_str(&all_text(&err));
    text.push_str(&String::from_utf8(capture.0.lock().unwrap().clone()).unwrap());

    // Every UserSig of this admin starts with the same 40 characters (zlib header and the start
    // of the same JSON fields), so any sig the client sent would show them.
    let sig = app
        .user_sig(std::time::Duration::from_secs(86_400))
        .unwrap();
    for secret in [KEY, app.secret_key(), &sig.expose()[..40]] {
        assert!(!text.contains(secret), "{secret} leaked");
    }
    assert!(text.contains("tencent_im.call"), "tracing was captured");
    emu.stop().await;
}
