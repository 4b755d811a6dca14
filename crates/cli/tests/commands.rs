//! `tim` run as a user runs it, against an emulator started by the test: outputs, `--json`,
//! exit codes, the config file and secrets.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;
use tencent_im_emulator::{Config, Emulator, FaultKind};

/// `tim` with the emulator's app in the environment (no config file of the user's).
struct Tim {
    endpoint: String,
    sdkappid: String,
    admin: String,
    key: String,
    config: std::path::PathBuf,
    _dir: common::TempDir,
}

impl Tim {
    fn new(emulator: &Emulator) -> Self {
        let app = emulator.credentials();
        let dir = common::TempDir::new("commands");
        Self {
            endpoint: emulator.base_url(),
            sdkappid: app.sdkappid().to_string(),
            admin: app.admin().to_owned(),
            key: app.secret_key().to_owned(),
            config: dir.0.join("config.toml"),
            _dir: dir,
        }
    }

    fn command(&self, env: bool) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_tim"));
        for var in common::TIM_VARS {
            cmd.env_remove(var);
        }
        cmd.env("TIM_CONFIG", &self.config);
        if env {
            cmd.env("TIM_SDKAPPID", &self.sdkappid)
                .env("TIM_IDENTIFIER", &self.admin)
                .env("TIM_SECRET_KEY", &self.key)
                .env("TIM_ENDPOINT", &self.endpoint);
        }
        cmd
    }

    async fn run(&self, args: &[&str]) -> Output {
        self.run_with(true, args).await
    }

    /// `run` with another secret key.
    async fn run_with_key(&self, key: &str, args: &[&str]) -> Output {
        let mut cmd = self.command(true);
        cmd.env("TIM_SECRET_KEY", key).args(args);
        tokio::task::spawn_blocking(move || cmd.output().unwrap())
            .await
            .unwrap()
    }

    async fn run_with(&self, env: bool, args: &[&str]) -> Output {
        let mut cmd = self.command(env);
        cmd.args(args);
        tokio::task::spawn_blocking(move || cmd.output().unwrap())
            .await
            .unwrap()
    }
}

fn code(out: &Output) -> i32 {
    out.status.code().unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).unwrap()
}

/// The first `n` rows of a table tim printed (after its header), split into cells.
fn table_rows(text: &str, n: usize) -> Vec<Vec<&str>> {
    text.lines()
        .skip(1)
        .take(n)
        .map(|l| l.split_whitespace().collect())
        .collect()
}

async fn emulator() -> Emulator {
    let emulator = Emulator::start(Config::default()).await.unwrap();
    emulator.seed_accounts(["alice", "bob", "carol", "dave", "mallory"]);
    emulator
}

#[tokio::test(flavor = "multi_thread")]
async fn friend_add_prints_every_item_and_exits_by_outcome() {
    let emu = emulator().await;
    let tim = Tim::new(&emu);
    assert_eq!(
        code(&tim.run(&["profile", "set-allow-type", "bob", "any"]).await),
        0
    );

    let out = tim
        .run(&[
            "friend", "add", "--from", "alice", "--to", "bob", "--to", "carol", "--remark", "pal",
        ])
        .await;
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("bob") && text.contains("added"), "{text}");
    assert!(text.contains("carol") && text.contains("pending"), "{text}");
    let random = emu.journal().last().map(|e| e.query.clone()).unwrap();
    let random = random
        .split('&')
        .find_map(|p| p.strip_prefix("random="))
        .unwrap()
        .to_owned();
    assert!(text.contains(&format!("random {random}")), "{text}");
    assert_eq!(
        emu.app_state().accounts["alice"].friends["bob"]
            .remark
            .as_deref(),
        Some("pal")
    );

    // Some items failed: exit 1, and --json is one document with each item's code.
    let out = tim
        .run(&[
            "--json", "friend", "add", "--from", "alice", "--to", "bob", "--to", "nobody",
        ])
        .await;
    assert_eq!(code(&out), 1);
    let doc: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(doc["items"][0]["outcome"], "already_friends");
    assert_eq!(doc["items"][1]["outcome"], "failed");
    assert_eq!(doc["items"][1]["code"], 30003);
    assert_eq!(doc["items"][1]["retryable"], false);
    assert!(doc["requests"][0]["random"].is_u64());

    // Validation: exit 2, nothing sent.
    let before = emu.journal().len();
    let long = "x".repeat(97);
    let out = tim
        .run(&[
            "friend", "add", "--from", "alice", "--to", "dave", "--remark", &long,
        ])
        .await;
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("AddFriendItem[0].Remark is 97 bytes long"),
        "{}",
        stderr(&out)
    );
    assert_eq!(emu.journal().len(), before);

    // A whole-request API failure (unknown sender): exit 6 with the random on stderr.
    let out = tim
        .run(&["friend", "add", "--from", "ghost", "--to", "bob"])
        .await;
    assert_eq!(code(&out), 6, "{}", stderr(&out));
    assert!(stderr(&out).contains("random"), "{}", stderr(&out));
    emu.stop().await;
}

/// The `random` of the emulator's last request.
fn last_random(emu: &Emulator) -> String {
    let query = emu.journal().last().map(|e| e.query.clone()).unwrap();
    query
        .split('&')
        .find_map(|p| p.strip_prefix("random="))
        .unwrap()
        .to_owned()
}

/// Receipts, report tables and error lines name a request the same way: `random N`, then
/// `, host H` when the host is known.
#[tokio::test(flavor = "multi_thread")]
async fn a_request_is_named_the_same_way_everywhere() {
    let emu = emulator().await;
    let tim = Tim::new(&emu);
    let host = emu.base_url().trim_start_matches("http://").to_owned();

    let out = tim.run(&["profile", "set-allow-type", "bob", "any"]).await;
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let random = last_random(&emu);
    assert_eq!(
        stdout(&out),
        format!("bob: AllowType_Type_AllowAny (random {random}, host {host})\n")
    );

    let out = tim
        .run(&["friend", "add", "--from", "alice", "--to", "bob"])
        .await;
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let random = last_random(&emu);
    let text = stdout(&out);
    assert_eq!(
        text.lines().last(),
        Some(format!("random {random}, host {host}").as_str()),
        "{text}"
    );

    // A request that failed as a whole: its line in an import, and the error that stops it.
    let dir = common::TempDir::new("request-id");
    let file = dir.0.join("pairs.csv");
    std::fs::write(&file, "from,to\nalice,carol\n").unwrap();
    let out = tim
        .run_with_key(
            &"0".repeat(64),
            &["friend", "import", file.to_str().unwrap(), "--no-progress"],
        )
        .await;
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    let random = last_random(&emu);
    let text = stderr(&out);
    // The library's error names the request; tim's line says it once.
    let id = format!("(random {random}, host {host}, attempts 1)");
    let line = text
        .lines()
        .find(|l| l.starts_with("a request of "))
        .unwrap_or_else(|| panic!("no request line: {text}"));
    assert_eq!(
        line,
        format!("a request of 1 pair failed: sns/friend_add failed: API error 70009 {id}")
    );
    let error = text
        .lines()
        .find(|l| l.starts_with("error: "))
        .unwrap_or_else(|| panic!("no error line: {text}"));
    assert!(error.contains(&id), "{error}");
    assert_eq!(error.matches("random ").count(), 1, "{error}");
    emu.stop().await;
}

/// A gateway's HTTP 429 that lasts through the client's retries exits 5, as Tencent's rate-limit
/// codes do.
#[tokio::test(flavor = "multi_thread")]
async fn a_gateways_429_exits_as_rate_limited() {
    let emu = emulator().await;
    let tim = Tim::new(&emu);
    // The client's four attempts.
    emu.inject(FaultKind::Http429, 4);
    let out = tim.run(&["account", "check", "alice"]).await;
    assert_eq!(code(&out), 5, "{}", stderr(&out));
    let text = stderr(&out);
    assert!(
        text.starts_with("error: ") && text.contains("HTTP status 429"),
        "{text}"
    );
    emu.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_other_commands() {
    let emu = emulator().await;
    let tim = Tim::new(&emu);
    assert_eq!(
        code(&tim.run(&["profile", "set-allow-type", "bob", "any"]).await),
        0
    );
    assert_eq!(
        code(
            &tim.run(&["friend", "add", "--from", "alice", "--to", "bob"])
                .await
        ),
        0
    );

    let out = tim
        .run(&[
            "--json", "friend", "check", "--from", "alice", "--to", "bob", "--to", "carol",
        ])
        .await;
    let doc: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(doc["items"][0]["outcome"], "both_way");
    assert_eq!(doc["items"][1]["outcome"], "no_relation");

    let out = tim.run(&["--json", "friend", "list", "alice"]).await;
    assert_eq!(code(&out), 0);
    let lines: Vec<Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["account"], "bob");

    let out = tim
        .run(&["--json", "account", "check", "alice", "nobody"])
        .await;
    let doc: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(doc["items"][0]["outcome"], "imported");
    assert_eq!(doc["items"][1]["outcome"], "not_imported");

    let out = tim
        .run(&["blocklist", "add", "--from", "alice", "--to", "mallory"])
        .await;
    assert_eq!(code(&out), 0);
    assert!(
        emu.app_state().accounts["alice"]
            .blocklist
            .contains("mallory")
    );

    let out = tim.run(&["profile", "forbid-requests", "carol"]).await;
    assert_eq!(code(&out), 0);
    let out = tim
        .run(&["friend", "add", "--from", "carol", "--to", "bob"])
        .await;
    assert_eq!(code(&out), 1);
    assert!(stdout(&out).contains("30009"));

    let out = tim
        .run(&["friend", "delete", "--from", "alice", "--to", "bob"])
        .await;
    assert_eq!(code(&out), 0);
    assert!(stdout(&out).contains("deleted"));
    assert!(emu.app_state().accounts["alice"].friends.is_empty());
    emu.stop().await;
}

/// `tim blocklist add | delete | check`: tables, `--json`, and exit codes by outcome.
#[tokio::test(flavor = "multi_thread")]
async fn blocklist_add_delete_and_check() {
    let emu = emulator().await;
    let tim = Tim::new(&emu);
    assert_eq!(
        code(&tim.run(&["profile", "set-allow-type", "bob", "any"]).await),
        0
    );
    let out = tim
        .run(&["friend", "add", "--from", "alice", "--to", "bob"])
        .await;
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let out = tim
        .run(&[
            "blocklist",
            "add",
            "--from",
            "alice",
            "--to",
            "bob",
            "--to",
            "mallory",
        ])
        .await;
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(
        code(
            &tim.run(&["blocklist", "add", "--from", "carol", "--to", "alice"])
                .await
        ),
        0
    );
    // Blocking again is a success, and says so.
    let out = tim
        .run(&[
            "--json",
            "blocklist",
            "add",
            "--from",
            "alice",
            "--to",
            "bob",
        ])
        .await;
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let doc: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(doc["items"][0]["outcome"], "already_blocked");

    // check: one relation per account; an unknown account fails with its code (exit 1).
    let out = tim
        .run(&[
            "--json",
            "blocklist",
            "check",
            "--from",
            "alice",
            "--to",
            "bob",
            "--to",
            "carol",
            "--to",
            "dave",
            "--to",
            "nobody",
        ])
        .await;
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let doc: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let outcomes: Vec<&str> = doc["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["a_with_b", "b_with_a", "no_relation", "failed"]);
    assert_eq!(doc["items"][3]["code"], 30003);
    assert_eq!(doc["items"][3]["retryable"], false);
    assert_eq!(doc["from"], "alice");
    assert!(doc["requests"][0]["random"].is_u64());
    // --check single looks at alice's blocklist only; every item checked: exit 0.
    let out = tim
        .run(&[
            "blocklist",
            "check",
            "--from",
            "alice",
            "--to",
            "carol",
            "--to",
            "mallory",
            "--check",
            "single",
        ])
        .await;
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = stdout(&out);
    let rows = table_rows(&text, 2);
    assert_eq!(rows, [["carol", "no_relation"], ["mallory", "a_with_b"]]);
    assert!(
        text.contains(&format!("random {}", last_random(&emu))),
        "{text}"
    );

    // delete: the table names each account's outcome; an unknown account fails (exit 1).
    let out = tim
        .run(&[
            "blocklist",
            "delete",
            "--from",
            "alice",
            "--to",
            "bob",
            "--to",
            "nobody",
        ])
        .await;
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let text = stdout(&out);
    let rows = table_rows(&text, 2);
    assert_eq!(rows[0], ["bob", "unblocked"]);
    assert_eq!(rows[1][..3], ["nobody", "failed", "30003"]);
    let state = emu.app_state();
    assert!(!state.accounts["alice"].blocklist.contains("bob"));
    assert!(state.accounts["alice"].blocklist.contains("mallory"));
    // The friendship the block ended stays ended.
    assert!(!state.accounts["alice"].friends.contains_key("bob"));
    // Unblocking what is not blocked ends well: exit 0, --json says unblocked.
    let out = tim
        .run(&[
            "--json",
            "blocklist",
            "delete",
            "--from",
            "alice",
            "--to",
            "bob",
        ])
        .await;
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let doc: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(doc["items"][0]["outcome"], "unblocked");
    assert_eq!(doc["items"][0].get("code"), None);

    // Validation: exit 2 and nothing sent; an unknown sender: exit 6.
    let before = emu.journal().len();
    let long = "x".repeat(33);
    let out = tim
        .run(&["blocklist", "delete", "--from", "alice", "--to", &long])
        .await;
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("To_Account[0]"), "{}", stderr(&out));
    let out = tim
        .run(&[
            "blocklist",
            "check",
            "--from",
            "alice",
            "--to",
            "bob",
            "--to",
            "bob",
        ])
        .await;
    assert_eq!(code(&out), 2);
    assert_eq!(emu.journal().len(), before);
    let out = tim
        .run(&["blocklist", "check", "--from", "ghost", "--to", "bob"])
        .await;
    assert_eq!(code(&out), 6, "{}", stderr(&out));
    assert!(stderr(&out).contains("30003"), "{}", stderr(&out));
    let out = tim
        .run(&[
            "blocklist",
            "check",
            "--from",
            "alice",
            "--to",
            "bob",
            "--check",
            "some",
        ])
        .await;
    assert_eq!(code(&out), 2);
    emu.stop().await;
}

fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[tokio::test(flavor = "multi_thread")]
async fn settings_come_from_flags_then_environment_then_the_profile() {
    let emu = emulator().await;
    let tim = Tim::new(&emu);

    // Nothing configured: exit 3, naming what is missing.
    let out = tim
        .run_with(false, &["friend", "add", "--from", "alice", "--to", "bob"])
        .await;
    assert_eq!(code(&out), 3);
    assert!(
        stderr(&out).contains("TIM_SDKAPPID is not set"),
        "{}",
        stderr(&out)
    );

    // A profile, written with mode 0600; the key never printed back.
    for (k, v) in [
        ("sdkappid", tim.sdkappid.as_str()),
        ("identifier", &tim.admin),
        ("secret_key", &tim.key),
        ("endpoint", &tim.endpoint),
    ] {
        let out = tim.run_with(false, &["config", "set", k, v]).await;
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        assert!(!stdout(&out).contains(&tim.key));
    }
    assert_eq!(mode(&tim.config), 0o600);
    let out = tim.run_with(false, &["config", "list"]).await;
    assert!(
        stdout(&out).contains("secret_key = <redacted>"),
        "{}",
        stdout(&out)
    );
    assert!(!stdout(&out).contains(&tim.key));
    let out = tim
        .run_with(false, &["friend", "add", "--from", "alice", "--to", "bob"])
        .await;
    assert_eq!(code(&out), 0, "{}", stderr(&out));

    // A flag wins over the profile: a wrong key from the flag fails with 70009 (exit 3).
    let out = tim
        .run_with(
            false,
            &[
                "friend",
                "add",
                "--from",
                "alice",
                "--to",
                "carol",
                "--secret-key",
                "wrong",
            ],
        )
        .await;
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    assert!(stderr(&out).contains("70009"));

    // A file with a key that others can read is refused.
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&tim.config, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = tim
        .run_with(false, &["friend", "add", "--from", "alice", "--to", "bob"])
        .await;
    assert_eq!(code(&out), 3);
    assert!(stderr(&out).contains("chmod 600"), "{}", stderr(&out));
    assert!(!stderr(&out).contains(&tim.key));

    // An unknown profile, a bad region.
    std::fs::set_permissions(&tim.config, std::fs::Permissions::from_mode(0o600)).unwrap();
    let out = tim
        .run_with(false, &["--profile", "nope", "account", "check", "alice"])
        .await;
    assert_eq!(code(&out), 3);
    assert!(stderr(&out).contains("no profile \"nope\""));
    let out = tim
        .run_with(false, &["config", "set", "region", "mars"])
        .await;
    assert_eq!(code(&out), 2);
    emu.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn network_failures_exit_4() {
    let emu = emulator().await;
    let tim = Tim::new(&emu);
    let mut cmd = tim.command(true);
    // A port nothing listens on.
    cmd.env("TIM_ENDPOINT", "http://127.0.0.1:9")
        .args(["account", "check", "alice"]);
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    assert_eq!(code(&out), 4, "{}", stderr(&out));
    assert!(stderr(&out).contains("cannot connect"));
    emu.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn no_secret_shows_at_any_verbosity() {
    let emu = emulator().await;
    let tim = Tim::new(&emu);
    let sig = emu
        .credentials()
        .user_sig(std::time::Duration::from_secs(60))
        .unwrap();
    // Every sig of this admin starts with the same characters (zlib header, same JSON fields).
    let sig_prefix = &sig.expose()[..40];
    for args in [
        &["-vv", "friend", "add", "--from", "alice", "--to", "bob"][..],
        &[
            "-vv", "--json", "friend", "add", "--from", "alice", "--to", "nobody",
        ][..],
        &[
            "-vv",
            "friend",
            "add",
            "--from",
            "alice",
            "--to",
            "bob",
            "--secret-key",
            "wrong-key-xyz",
        ][..],
    ] {
        let out = tim.run(args).await;
        let all = format!("{}{}", stdout(&out), stderr(&out));
        assert!(!all.contains(&tim.key), "the key leaked: {all}");
        assert!(!all.contains("wrong-key-xyz"), "the key leaked: {all}");
        assert!(!all.contains(sig_prefix), "a UserSig leaked: {all}");
    }
    let out = tim
        .run(&["-vv", "friend", "add", "--from", "alice", "--to", "bob"])
        .await;
    assert!(
        stderr(&out).contains("tencent_im.call"),
        "tracing is on: {}",
        stderr(&out)
    );
    let help = Command::new(env!("CARGO_BIN_EXE_tim"))
        .arg("--help")
        .env("TIM_SECRET_KEY", &tim.key)
        .output()
        .unwrap();
    assert!(!stdout(&help).contains(&tim.key));
    emu.stop().await;
}

/// `tim emulator serve` takes the emulator's flags wherever tim's own global flags are: its
/// `--sdkappid`, `--identifier` and `--secret-key` set the emulated app, never tim's settings.
#[test]
fn emulator_serve_keeps_its_flags_after_tims_own() {
    use std::io::BufRead as _;
    // Its app's flags first: clap would take them for tim's settings.
    let emulated = [
        "serve",
        "--sdkappid",
        "1600000000",
        "--identifier",
        "boss",
        "--secret-key",
        "emulated-app-key",
        "--port",
        "0",
    ];
    for before in [
        &["emulator"][..],
        &["--json", "emulator"][..],
        &["--endpoint", "http://127.0.0.1:1", "-vv", "emulator"][..],
        &["--sdkappid=1400000000", "emulator", "--profile", "p"][..],
    ] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_tim"))
            .args(before)
            .args(emulated)
            .env_remove("TIM_EMULATOR_SECRET_KEY")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut stderr = std::io::BufReader::new(child.stderr.take().unwrap());
        let mut said = String::new();
        // The emulator names the app it serves as it starts (or exits on a bad line).
        while stderr.read_line(&mut said).unwrap() > 0 {
            if said.contains("serving sdkappid") || said.contains("development application") {
                break;
            }
        }
        child.kill().unwrap();
        child.wait().unwrap();
        assert!(
            said.contains("serving sdkappid 1600000000 for identifier(s) boss"),
            "tim {before:?} serve …: {said}"
        );
    }
    // tim's own flags before it are checked as for any command.
    let out = Command::new(env!("CARGO_BIN_EXE_tim"))
        .args(["--fleet-size", "many", "emulator", "serve", "--port", "0"])
        .output()
        .unwrap();
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("--fleet-size"), "{}", stderr(&out));
}

/// A word that is not UTF-8 is a usage error, not a crash.
#[test]
fn a_word_that_is_not_utf8_is_a_usage_error() {
    use std::os::unix::ffi::OsStrExt as _;
    let word = std::ffi::OsStr::from_bytes(b"al\xffce");
    let out = Command::new(env!("CARGO_BIN_EXE_tim"))
        .args(["friend", "list"])
        .arg(word)
        .output()
        .unwrap();
    assert_eq!(code(&out), 2, "{}", String::from_utf8_lossy(&out.stderr));
}

/// A command's help lists its own options first, then tim's global flags under their own
/// heading, the secrets' values hidden.
#[test]
fn help_lists_a_commands_own_options_before_the_global_ones() {
    for flag in ["--help", "-h"] {
        let out = Command::new(env!("CARGO_BIN_EXE_tim"))
            .args(["friend", "add", flag])
            .env("TIM_SECRET_KEY", "help-secret-key")
            .env("TIM_REDIS_URL", "redis://:help-password@127.0.0.1/")
            .output()
            .unwrap();
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        let help = stdout(&out);
        let at = |what: &str| {
            help.find(what)
                .unwrap_or_else(|| panic!("{what:?} not in {flag}: {help}"))
        };
        let global = at("\nGlobal options:\n");
        for own in [
            "--from <FROM>",
            "--to <TO>",
            "--remark",
            "--single",
            "--force",
        ] {
            assert!(at(own) < global, "{own} after the global options: {help}");
        }
        for shared in [
            "--sdkappid",
            "--secret-key",
            "--endpoint",
            "--json",
            "--verbose",
        ] {
            assert!(at(shared) > global, "{shared} before the heading: {help}");
        }
        assert!(at("\nOptions:\n") < global, "{help}");
        assert!(!help.contains("help-secret-key"), "the key leaked: {help}");
        assert!(!help.contains("help-password"), "a password leaked: {help}");
    }
    // The top level's flags are all global: they have the heading too.
    let out = Command::new(env!("CARGO_BIN_EXE_tim"))
        .arg("--help")
        .output()
        .unwrap();
    let help = stdout(&out);
    let global = help.find("\nGlobal options:\n").unwrap();
    assert!(help.find("--sdkappid").unwrap() > global, "{help}");
}

#[tokio::test(flavor = "multi_thread")]
async fn demo_shows_every_outcome() {
    let out = tokio::task::spawn_blocking(|| {
        Command::new(env!("CARGO_BIN_EXE_tim"))
            .args(["--json", "demo"])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let doc: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let outcomes: Vec<&str> = doc["friend_add"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["outcome"].as_str().unwrap())
        .collect();
    for expected in ["added", "pending", "already_friends", "failed"] {
        assert!(outcomes.contains(&expected), "{outcomes:?}");
    }
    assert_eq!(doc["friend_check"]["items"][0]["outcome"], "both_way");
}

#[tokio::test(flavor = "multi_thread")]
async fn demo_with_credentials_adds_the_accounts_given_in_the_app() {
    let emu = emulator().await;
    let tim = Tim::new(&emu);
    let out = tim.run(&["--json", "demo", "alice", "bob", "nobody"]).await;
    assert_eq!(code(&out), 1, "nobody fails: {}", stderr(&out));
    let doc: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(doc["friend_add"]["items"][0]["outcome"], "pending");
    assert_eq!(doc["friend_add"]["items"][1]["code"], 30003);
    assert_eq!(doc["friend_check"]["items"][0]["outcome"], "no_relation");
    assert!(
        emu.app_state().accounts["alice"]
            .pending_out
            .contains_key("bob")
    );

    // Credentials but no accounts: nothing is sent.
    let before = emu.journal().len();
    let out = tim.run(&["demo"]).await;
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("give FROM TO"), "{}", stderr(&out));
    assert_eq!(emu.journal().len(), before);
    emu.stop().await;
}
