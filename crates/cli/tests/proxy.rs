//! `tim` honours the proxy variables of the environment, as the library's `from_env` does.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{App, TempDir, closed_port, code, stderr, stdout, tim};
use tencent_im_emulator::{BlockingEmulator, Config};

#[test]
fn calls_go_through_http_proxy_unless_no_proxy_names_the_host() {
    let emulator = BlockingEmulator::start(Config::default()).unwrap();
    let app = App::of(&emulator);
    let dir = TempDir::new("proxy");
    let proxy = format!("http://user:proxy-secret@127.0.0.1:{}", closed_port());

    // A proxy that cannot be reached: the call goes to it, fails, and says so.
    let out = tim(Some(&app), &dir)
        .env("HTTP_PROXY", &proxy)
        .env_remove("NO_PROXY")
        .env_remove("no_proxy")
        .args(["account", "check", "alice"])
        .output()
        .unwrap();
    assert_eq!(code(&out), 4, "{}", stdout(&out));
    let err = stderr(&out);
    assert!(err.contains("proxy"), "{err}");
    assert!(
        !err.contains("proxy-secret"),
        "the proxy password leaked: {err}"
    );
    assert!(!stdout(&out).contains("proxy-secret"));

    // NO_PROXY naming the emulator's host: straight to it.
    let out = tim(Some(&app), &dir)
        .env("HTTP_PROXY", &proxy)
        .env("NO_PROXY", "127.0.0.1")
        .args(["account", "check", "alice"])
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
}
