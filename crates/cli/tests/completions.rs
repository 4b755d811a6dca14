//! `tim completions SHELL` and `tim man`, generated from the clap definition.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{TempDir, code, stderr, stdout, tim};

#[test]
fn completion_scripts_know_every_command() {
    let dir = TempDir::new("completions");
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = tim(None, &dir)
            .args(["completions", shell])
            .output()
            .unwrap();
        assert_eq!(code(&out), 0, "{shell}: {}", stderr(&out));
        let script = stdout(&out);
        for command in ["usersig", "doctor", "bench", "logs", "friend"] {
            assert!(script.contains(command), "{shell} lacks {command}");
        }
    }
    let bash = tim(None, &dir)
        .args(["completions", "bash"])
        .output()
        .unwrap();
    assert!(stdout(&bash).contains("complete -F"), "{}", stdout(&bash));
}

#[test]
fn an_unknown_shell_is_a_usage_error() {
    let dir = TempDir::new("completions");
    let out = tim(None, &dir)
        .args(["completions", "tcsh"])
        .output()
        .unwrap();
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("bash"), "{}", stderr(&out));
}

#[test]
fn the_man_page_is_roff_and_pages_go_into_a_directory() {
    let dir = TempDir::new("completions");
    let out = tim(None, &dir).arg("man").output().unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let page = stdout(&out);
    assert!(page.contains(".TH tim 1"), "{page}");
    for needle in ["doctor", "usersig", "TIM_SECRET_KEY"] {
        assert!(page.contains(needle), "{needle} missing");
    }

    let pages = dir.path().join("man1");
    let out = tim(None, &dir)
        .args(["man", "--dir"])
        .arg(&pages)
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    for name in [
        "tim.1",
        "tim-doctor.1",
        "tim-usersig-gen.1",
        "tim-logs-stats.1",
    ] {
        let page = std::fs::read_to_string(pages.join(name)).unwrap();
        assert!(page.starts_with(".ie") || page.contains(".TH"), "{name}");
    }
}
