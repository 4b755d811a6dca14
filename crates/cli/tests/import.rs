//! `tim friend import` and `tim account import` run as a user runs them (the built binary),
//! against an emulator started by the test on 127.0.0.1: every outcome, exit codes, `--json`,
//! `--dry-run`, malformed input, the journal across `kill -9` and Ctrl-C, and the progress bar
//! under a pseudo-terminal.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::{BuildHasher as _, Hasher as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tencent_im::AllowType;
use tencent_im_emulator::{BlockingEmulator, Config, FaultKind, Faults, RateLimit};

/// A directory removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Self {
        static COUNTER: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "tim-import-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// An emulator, a directory for the files, and `tim` pointed at both.
struct Setup {
    emulator: BlockingEmulator,
    dir: TempDir,
}

/// A pair as the tests name it.
type Pair = (String, String);

impl Setup {
    fn new(config: Config) -> Self {
        Self {
            emulator: BlockingEmulator::start(config.rate_limit(RateLimit::Off)).unwrap(),
            dir: TempDir::new(),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.0.join(name)
    }

    fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, contents).unwrap();
        path
    }

    /// `tim` in the test's directory, with the emulator's app in TIM_* variables and no config
    /// file of the user's.
    fn tim(&self) -> Command {
        let app = self.emulator.credentials();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_tim"));
        cmd.current_dir(&self.dir.0)
            .env_remove("TIM_PROFILE")
            .env_remove("TIM_REGION")
            .env("TIM_CONFIG", self.path("no-config.toml"))
            .env("TIM_SDKAPPID", app.sdkappid().to_string())
            .env("TIM_IDENTIFIER", app.admin())
            .env("TIM_SECRET_KEY", app.secret_key())
            .env("TIM_ENDPOINT", self.emulator.base_url())
            .stdin(Stdio::null());
        cmd
    }

    fn run(&self, args: &[&str]) -> Output {
        self.tim().args(args).output().unwrap()
    }

    fn spawn(&self, args: &[&str]) -> Child {
        self.tim()
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    }

    /// The pairs of every friend_add the emulator received since its journal was last cleared,
    /// one per item sent (an item sent twice appears twice).
    fn sent_pairs(&self) -> Vec<Pair> {
        self.emulator
            .journal()
            .iter()
            .filter(|e| e.path == "/v4/sns/friend_add")
            .flat_map(|e| {
                let body: Value = serde_json::from_str(&e.body).unwrap();
                let from = body["From_Account"].as_str().unwrap().to_owned();
                body["AddFriendItem"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|i| (from.clone(), i["To_Account"].as_str().unwrap().to_owned()))
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    /// The accounts of every multiaccount_import the emulator received.
    fn sent_accounts(&self) -> Vec<String> {
        self.emulator
            .journal()
            .iter()
            .filter(|e| e.path == "/v4/im_open_login_svc/multiaccount_import")
            .flat_map(|e| {
                let body: Value = serde_json::from_str(&e.body).unwrap();
                body["AccountList"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|a| a["UserID"].as_str().unwrap().to_owned())
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    /// The app's state as JSON, every `add_time` zeroed (runs at other times write other
    /// times).
    fn state(&self) -> Value {
        fn zero_times(value: &mut Value) {
            match value {
                Value::Object(map) => {
                    for (k, v) in map.iter_mut() {
                        if k == "add_time" {
                            *v = json!(0);
                        } else {
                            zero_times(v);
                        }
                    }
                }
                Value::Array(items) => items.iter_mut().for_each(zero_times),
                _ => {}
            }
        }
        let mut state = serde_json::to_value(self.emulator.app_state()).unwrap();
        zero_times(&mut state);
        state
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn code(output: &Output) -> i32 {
    output.status.code().unwrap_or(-1)
}

/// The targets every sender adds, and what each add ends as.
const TARGETS: [(&str, &str, Option<i64>); 6] = [
    ("any", "added", None),
    ("confirm", "pending", None),
    ("deny", "failed", Some(30516)),
    ("blocker", "failed", Some(30525)),
    ("pre", "already_friends", None),
    ("ghost", "failed", Some(30003)),
];

fn sender(i: usize) -> String {
    format!("s{i:02}")
}

/// Senders `s00`.. and the targets: `any` accepts anyone, `confirm` must confirm, `deny`
/// accepts nobody, `blocker` has blocked every sender, `pre` is already every sender's friend,
/// `ghost` was never imported.
fn seed(setup: &Setup, senders: usize) {
    let emulator = &setup.emulator;
    let names: Vec<String> = (0..senders).map(sender).collect();
    emulator.seed_accounts(names.iter().map(String::as_str));
    emulator.seed_accounts(["any", "confirm", "deny", "blocker", "pre"]);
    let sdkappid = emulator.credentials().sdkappid();
    let friend = |remark: Option<&str>| {
        serde_json::from_value(json!({
            "remark": remark, "groups": [], "add_source": "AddSource_Type_Server",
            "add_wording": null, "add_time": 0
        }))
        .unwrap()
    };
    emulator.with_state(|state| {
        let app = state.apps.get_mut(&sdkappid).unwrap();
        app.accounts.get_mut("any").unwrap().allow_type = AllowType::AllowAny;
        app.accounts.get_mut("deny").unwrap().allow_type = AllowType::DenyAny;
        for name in &names {
            app.accounts
                .get_mut("blocker")
                .unwrap()
                .blocklist
                .insert(name.clone());
            app.accounts
                .get_mut("pre")
                .unwrap()
                .friends
                .insert(name.clone(), friend(None));
            app.accounts
                .get_mut(name)
                .unwrap()
                .friends
                .insert("pre".into(), friend(Some("old")));
        }
    });
    emulator.clear_journal();
}

/// The CSV of every sender adding every target (sender 0 with remarks that need quoting).
fn pairs_csv(senders: usize) -> String {
    let mut csv = String::from("from,to,remark,group,source,wording\n");
    for i in 0..senders {
        for (target, _, _) in TARGETS {
            if i == 0 {
                csv.push_str(&format!(
                    "{},{target},\"{target}, \"\"the\"\" one\",Team,Web,hi\n",
                    sender(i)
                ));
            } else {
                csv.push_str(&format!("{},{target},,,,\n", sender(i)));
            }
        }
    }
    csv
}

/// The `--report` an import of `pairs_csv(senders)` writes.
fn expected_report(senders: usize) -> String {
    let mut report = String::from("line,from,to,outcome,code,info\n");
    let infos = HashMap::from([
        ("deny", "Err_SNS_FriendAdd_Deny_Any"),
        ("blocker", "Err_SNS_FriendAdd_In_To_Account_Black_List"),
        ("ghost", "Err_SNS_FriendAdd_Account_Not_Exist"),
    ]);
    for i in 0..senders {
        for (k, (target, outcome, code)) in TARGETS.iter().enumerate() {
            if let Some(code) = code {
                let line = 2 + i * TARGETS.len() + k;
                report.push_str(&format!(
                    "{line},{},{target},{outcome},{code},{}\n",
                    sender(i),
                    infos[target]
                ));
            }
        }
    }
    report
}

/// The entries of a tim journal (its header skipped, a torn last line ignored).
fn journal_entries(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let complete = match text.rfind('\n') {
        Some(end) => &text[..=end],
        None => "",
    };
    complete
        .lines()
        .skip(1)
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn journal_pairs(path: &Path) -> BTreeMap<Pair, String> {
    let mut pairs = BTreeMap::new();
    for e in journal_entries(path) {
        let pair = (
            e["from"].as_str().unwrap().to_owned(),
            e["to"].as_str().unwrap().to_owned(),
        );
        let outcome = e["outcome"].as_str().unwrap().to_owned();
        assert!(
            pairs.insert(pair.clone(), outcome).is_none(),
            "{pair:?} is settled twice in the journal"
        );
    }
    pairs
}

/// JSON lines of stdout.
fn json_lines(output: &Output) -> Vec<Value> {
    text(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// A pseudo-random number, different in each call and each run.
fn random() -> u64 {
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(0);
    hasher.finish()
}

/// Waits until the journal at `path` holds at least `n` entries or `child` exits; returns
/// whether it is still running.
fn wait_for_entries(child: &mut Child, path: &Path, n: usize) -> bool {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        if journal_entries(path).len() >= n {
            return true;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    panic!("the journal never reached {n} entries");
}

#[test]
fn every_outcome_with_json_report_and_verify() {
    let setup = Setup::new(Config::default());
    seed(&setup, 3);
    setup.write("pairs.csv", pairs_csv(3));
    let output = setup.run(&[
        "--json",
        "friend",
        "import",
        "pairs.csv",
        "--no-progress",
        "--report",
        "failed.csv",
        "--verify",
        "--concurrency",
        "2",
    ]);
    assert_eq!(code(&output), 1, "{}", text(&output.stderr));
    assert_eq!(text(&output.stderr), "", "no progress bar off a terminal");
    let lines = json_lines(&output);
    let (summary, reports) = lines.split_last().unwrap();
    // One line per request, each with its random.
    assert_eq!(reports.len(), 3);
    let mut outcomes = BTreeMap::new();
    for report in reports {
        assert_eq!(report["kind"], "report");
        let requests = report["requests"].as_array().unwrap();
        assert_eq!(requests.len(), 1);
        assert!(requests[0]["random"].as_u64().is_some());
        for item in report["items"].as_array().unwrap() {
            outcomes.insert(
                (
                    report["from"].as_str().unwrap().to_owned(),
                    item["account"].as_str().unwrap().to_owned(),
                ),
                (
                    item["outcome"].as_str().unwrap().to_owned(),
                    item["code"].as_i64(),
                ),
            );
        }
    }
    for i in 0..3 {
        for (target, outcome, code) in TARGETS {
            assert_eq!(
                outcomes[&(sender(i), target.to_owned())],
                (outcome.to_owned(), code),
                "{} → {target}",
                sender(i)
            );
        }
    }
    assert_eq!(summary["kind"], "summary");
    assert_eq!(summary["total"], 18);
    assert_eq!(
        summary["outcomes"],
        json!({"added": 3, "pending": 3, "already_friends": 3, "failed": 9})
    );
    assert_eq!(summary["sent"], 18);
    assert_eq!(summary["requests"], 3);
    // Sent to the end; without a journal nothing is settled, so the same command sends every
    // pair again.
    assert_eq!(summary["stopped"], Value::Null);
    assert_eq!(summary["settled"], 0);
    assert_eq!(summary["to_send_again"], 18);
    assert!(summary["per_second"].as_f64().unwrap() > 0.0);
    assert_eq!(
        summary["verify"],
        json!({"checked": 18, "mismatched": 0, "not_checked": 0})
    );
    assert_eq!(
        std::fs::read_to_string(setup.path("failed.csv")).unwrap(),
        expected_report(3)
    );

    // What the server holds: the remark, group, source and wording as the file says.
    let state = setup.state();
    let s00_any = &state["accounts"]["s00"]["friends"]["any"];
    assert_eq!(s00_any["remark"], "any, \"the\" one");
    assert_eq!(s00_any["groups"], json!(["Team"]));
    assert_eq!(s00_any["add_source"], "AddSource_Type_Web");
    assert_eq!(s00_any["add_wording"], "hi");
    assert_eq!(
        state["accounts"]["s01"]["friends"]["any"]["add_source"],
        "AddSource_Type_Server"
    );
    assert!(state["accounts"]["confirm"]["pending_in"]["s02"].is_object());

    // The human summary of a file where everything ends well: exit 0.
    setup.write("good.csv", "from,to\ns00,any\ns01,pre\ns02,confirm\n");
    let output = setup.run(&["friend", "import", "good.csv", "--no-progress"]);
    assert_eq!(code(&output), 0, "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    assert!(
        stdout.starts_with("friend import of good.csv: 3 pairs\n"),
        "{stdout}"
    );
    assert!(stdout.contains("  already_friends         2\n"), "{stdout}");
    assert!(stdout.contains("  pending                 1\n"), "{stdout}");
    assert!(
        stdout.contains("this run: 3 pairs in 3 requests"),
        "{stdout}"
    );
}

#[test]
fn exit_codes() {
    let setup = Setup::new(Config::default());
    seed(&setup, 1);
    setup.write("ok.csv", "from,to\ns00,any\n");
    setup.write("failing.csv", "from,to\ns00,deny\n");
    setup.write("bad.csv", "from,to\ns00\n");
    let args = |file: &'static str| ["friend", "import", file, "--no-progress"];

    assert_eq!(code(&setup.run(&args("ok.csv"))), 0);
    assert_eq!(code(&setup.run(&args("failing.csv"))), 1);
    assert_eq!(code(&setup.run(&args("bad.csv"))), 2);
    assert_eq!(code(&setup.run(&args("missing.csv"))), 2);
    let output = setup
        .tim()
        .args(args("ok.csv"))
        .env_remove("TIM_SECRET_KEY")
        .output()
        .unwrap();
    assert_eq!(code(&output), 3, "{}", text(&output.stderr));
    assert!(text(&output.stderr).contains("TIM_SECRET_KEY"));

    // A wrong key: every request fails with a credentials code; nothing is settled, so the
    // journal holds nothing and the import is not marked done.
    setup.emulator.clear_journal();
    let output = setup
        .tim()
        .args(args("ok.csv"))
        .args(["--journal", "wrong-key.journal"])
        .env("TIM_SECRET_KEY", "0".repeat(64))
        .output()
        .unwrap();
    assert_eq!(code(&output), 3, "{}", text(&output.stderr));
    assert!(text(&output.stderr).contains("error: a request failed with code 70"));
    assert!(journal_entries(&setup.path("wrong-key.journal")).is_empty());
}

/// A wrong key stops an import at its first reply: the hint says how many items the journal
/// holds (none of this run's: their failure is the key's, not theirs) and how many the same
/// command sends again, which it then does.
#[test]
fn a_configuration_error_counts_the_items_settled_and_those_to_send_again() {
    let setup = Setup::new(Config::default());
    seed(&setup, 2);
    let csv = pairs_csv(2);
    setup.write("pairs.csv", &csv);
    // The first sender's 6 pairs, to settle them before.
    let first: String = csv.lines().take(7).map(|l| format!("{l}\n")).collect();
    setup.write("first.csv", first);
    let args = |file: &'static str| {
        [
            "friend",
            "import",
            file,
            "--journal",
            "pairs.journal",
            "--no-progress",
        ]
    };
    let wrong_key = |args: &[&str]| {
        setup
            .tim()
            .args(args)
            .env("TIM_SECRET_KEY", "0".repeat(64))
            .output()
            .unwrap()
    };
    let resume = |file: &str| {
        format!(
            "; resume with the same command:\n  {} friend import {file} --journal pairs.journal --no-progress\n",
            env!("CARGO_BIN_EXE_tim")
        )
    };

    // Nothing settled: every pair goes again.
    let output = wrong_key(&args("pairs.csv"));
    assert_eq!(code(&output), 3, "{}", text(&output.stderr));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains(&format!(
            "stopped by a configuration error: 0 of 12 pairs settled (in the journal), 12 to send again{}",
            resume("pairs.csv")
        )),
        "{stderr}"
    );
    assert!(journal_entries(&setup.path("pairs.journal")).is_empty());

    // The first sender's pairs settled by a run with the right key: only the others go again.
    let output = setup.run(&args("first.csv"));
    assert_eq!(code(&output), 1, "{}", text(&output.stderr));
    assert_eq!(journal_entries(&setup.path("pairs.journal")).len(), 6);
    let output = wrong_key(&args("pairs.csv"));
    assert_eq!(code(&output), 3, "{}", text(&output.stderr));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains(&format!(
            "stopped by a configuration error: 6 of 12 pairs settled (in the journal), 6 to send again{}",
            resume("pairs.csv")
        )),
        "{stderr}"
    );
    // The JSON summary says the same.
    let output = wrong_key(&[&["--json"][..], &args("pairs.csv")].concat());
    assert_eq!(code(&output), 3, "{}", text(&output.stderr));
    let summary = json_lines(&output).pop().unwrap();
    assert_eq!(summary["kind"], "summary");
    assert_eq!(summary["stopped"], "config");
    assert_eq!(summary["settled"], 6);
    assert_eq!(summary["to_send_again"], 6);
    // As it says: the same command with the right key sends those 6.
    setup.emulator.clear_journal();
    let output = setup.run(&args("pairs.csv"));
    assert_eq!(code(&output), 1, "{}", text(&output.stderr));
    let sent = setup.sent_pairs();
    assert_eq!(sent.len(), 6, "{sent:?}");
    assert!(sent.iter().all(|(from, _)| from == "s01"), "{sent:?}");

    // Without a journal: nothing recorded, everything goes again.
    let output = wrong_key(&["friend", "import", "pairs.csv", "--no-progress"]);
    assert_eq!(code(&output), 3, "{}", text(&output.stderr));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("stopped by a configuration error: without --journal no pair is recorded as settled, so the same command sends the 12 pairs again"),
        "{stderr}"
    );

    // The same for accounts.
    setup.write("accounts.txt", "a1\na2\na3\n");
    let output = wrong_key(&[
        "account",
        "import",
        "accounts.txt",
        "--journal",
        "accounts.journal",
        "--no-progress",
    ]);
    assert_eq!(code(&output), 3, "{}", text(&output.stderr));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains(
            "stopped by a configuration error: 0 of 3 accounts settled (in the journal), 3 to send again; resume with the same command:"
        ),
        "{stderr}"
    );
}

#[test]
fn dry_run_sends_nothing() {
    let setup = Setup::new(Config::default());
    seed(&setup, 2);
    setup.write("pairs.csv", pairs_csv(2));
    let output = setup.run(&["--json", "friend", "import", "pairs.csv", "--dry-run"]);
    assert_eq!(code(&output), 0, "{}", text(&output.stderr));
    let lines = json_lines(&output);
    let (summary, requests) = lines.split_last().unwrap();
    assert_eq!(requests.len(), 2);
    for (i, request) in requests.iter().enumerate() {
        assert_eq!(request["kind"], "request");
        assert_eq!(request["from"], sender(i));
        assert_eq!(request["items"], 6);
        assert_eq!(request["body"]["From_Account"], sender(i));
        let items = request["body"]["AddFriendItem"].as_array().unwrap();
        assert_eq!(items.len(), 6);
        assert_eq!(items[0]["To_Account"], "any");
    }
    assert_eq!(
        requests[0]["body"]["AddFriendItem"][0]["AddSource"],
        "AddSource_Type_Web"
    );
    assert_eq!(
        requests[1]["body"]["AddFriendItem"][0]["AddSource"],
        "AddSource_Type_Server"
    );
    assert_eq!(summary["dry_run"], true);
    assert_eq!(summary["to_send"], 12);
    assert_eq!(summary["requests"], 2);

    let output = setup.run(&["friend", "import", "pairs.csv", "--dry-run"]);
    let stdout = text(&output.stdout);
    assert!(
        stdout.starts_with("dry run of pairs.csv: 12 pairs"),
        "{stdout}"
    );
    assert!(stdout.contains("s01: 6 pairs, 1 request\n  request 2 (6 pairs): any, confirm, deny, blocker, pre, ghost\n"), "{stdout}");
    assert!(
        setup.emulator.journal().is_empty(),
        "a dry run sent a request"
    );
}

#[test]
fn malformed_lines_are_reported_with_their_numbers_and_nothing_is_sent() {
    let setup = Setup::new(Config::default());
    seed(&setup, 1);
    let mut csv = b"from,to,remark\n".to_vec();
    csv.extend_from_slice(b"s00,any,\"bad\"quote\n"); // 2: text after a closing quote
    csv.extend_from_slice(b"s00\n"); // 3: missing column
    csv.extend_from_slice(b"s00,pre,\xff\xfe\n"); // 4: invalid UTF-8
    csv.extend_from_slice(format!("s00,deny,{}\n", "x".repeat(5000)).as_bytes()); // 5: over-long
    csv.extend_from_slice(format!("s00,confirm,{}\n", "r".repeat(97)).as_bytes()); // 6: remark limit
    csv.extend_from_slice(b"s00,any,\n"); // 7: fine
    csv.extend_from_slice(b"s00,any,again\n"); // 8: the same pair again
    csv.extend_from_slice(b"s00,ghost,\"never closed\n"); // 9
    setup.write("bad.csv", &csv);
    let output = setup.run(&["friend", "import", "bad.csv", "--no-progress"]);
    assert_eq!(code(&output), 2);
    let stderr = text(&output.stderr);
    assert!(
        stderr.starts_with("error: bad.csv: 7 errors in the input; nothing was sent\n"),
        "{stderr}"
    );
    for expected in [
        "line 2: field 3 (remark): text after the closing quote",
        "line 3: missing columns to, remark (1 fields, the header names 3)",
        "line 4: remark is not valid UTF-8",
        "line 5: field 3 (remark) is over 4096 bytes long (is a quote left open?)",
        "line 6: remark is 97 bytes long, over the limit of 96 bytes",
        "line 8: the pair s00 → any repeats line 7",
        "line 9: field 3 (remark): the quote that opens it is never closed",
    ] {
        assert!(stderr.contains(expected), "{expected:?} not in {stderr}");
    }
    assert_eq!(text(&output.stdout), "");

    // JSON lines with the same keys; an over-long UserID names its field.
    setup.write(
        "bad.jsonl",
        format!(
            "{{\"from\":\"s00\",\"to\":\"any\"}}\n{{\"from\":\"s00\",\"to\":\"{}\"}}\n{{\"from\":\"s00\",\"too\":\"x\"}}\nnot json\n",
            "u".repeat(33)
        ),
    );
    let output = setup.run(&["friend", "import", "bad.jsonl", "--no-progress"]);
    assert_eq!(code(&output), 2);
    let stderr = text(&output.stderr);
    for expected in [
        "line 2: to is 33 bytes long, over the limit of 32 bytes",
        "line 3: unknown key \"too\"",
        "line 4: not valid JSON",
    ] {
        assert!(stderr.contains(expected), "{expected:?} not in {stderr}");
    }
    assert!(
        setup.emulator.journal().is_empty(),
        "a bad file sent a request"
    );
}

/// One import killed with SIGKILL at three random points and resumed each time with the same
/// command line ends as one uninterrupted import: the same state, the same report, every pair
/// settled once in the journal, and no pair sent again once it was settled.
#[test]
fn killed_three_times_and_resumed_ends_as_one_run() {
    const SENDERS: usize = 40;
    let total = SENDERS * TARGETS.len();
    // Slow requests, so that a kill falls in the middle of the import.
    let config = || Config::default().faults(Faults::none().latency(Duration::from_millis(30)));
    let args = [
        "friend",
        "import",
        "pairs.csv",
        "--journal",
        "import.journal",
        "--report",
        "failed.csv",
        "--concurrency",
        "3",
        "--no-progress",
    ];

    let whole = Setup::new(config());
    seed(&whole, SENDERS);
    whole.write("pairs.csv", pairs_csv(SENDERS));
    let output = whole.run(&args);
    assert_eq!(code(&output), 1, "{}", text(&output.stderr));
    let whole_outcomes = journal_pairs(&whole.path("import.journal"));
    assert_eq!(whole_outcomes.len(), total);
    let whole_report = std::fs::read_to_string(whole.path("failed.csv")).unwrap();
    assert_eq!(whole_report, expected_report(SENDERS));

    let killed = Setup::new(config());
    seed(&killed, SENDERS);
    killed.write("pairs.csv", pairs_csv(SENDERS));
    let journal = killed.path("import.journal");
    // Three points (entries settled) spread over the import, each at a random place.
    let step = TARGETS.len();
    let span = total / 4;
    let points: Vec<usize> = (0..3)
        .map(|k| span * k + step + (random() as usize) % (span - step))
        .collect();
    eprintln!("killing at {points:?} settled pairs");
    let mut settled_before: BTreeSet<Pair> = BTreeSet::new();
    let mut sent_per_run: Vec<Vec<Pair>> = Vec::new();
    for (k, point) in points.iter().enumerate() {
        killed.emulator.clear_journal();
        let mut child = killed.spawn(&args);
        assert!(
            wait_for_entries(&mut child, &journal, *point),
            "the import ended before the kill at {point}"
        );
        std::thread::sleep(Duration::from_millis(random() % 40));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let sent = killed.sent_pairs();
        let again: Vec<&Pair> = sent.iter().filter(|p| settled_before.contains(p)).collect();
        assert!(
            again.is_empty(),
            "run {k} sent settled pairs again: {again:?}"
        );
        sent_per_run.push(sent);
        settled_before = journal_pairs(&journal).into_keys().collect();
        if k == 1 {
            // As if the kill had cut a line short: it is ignored, and cut off on resume.
            let mut file = std::fs::OpenOptions::new()
                .append(true)
                .open(&journal)
                .unwrap();
            std::io::Write::write_all(&mut file, b"{\"from\":\"s00\",\"to\":\"an").unwrap();
        }
    }
    killed.emulator.clear_journal();
    let output = killed.run(&args);
    assert_eq!(code(&output), 1, "{}", text(&output.stderr));
    let sent = killed.sent_pairs();
    let again: Vec<&Pair> = sent.iter().filter(|p| settled_before.contains(p)).collect();
    assert!(
        again.is_empty(),
        "the last run sent settled pairs again: {again:?}"
    );
    sent_per_run.push(sent);
    let stdout = text(&output.stdout);
    assert!(
        stdout.contains(&format!("friend import of pairs.csv: {total} pairs")),
        "{stdout}"
    );

    // Nothing lost: every pair settled, once; nothing sent twice once settled (checked above).
    let outcomes = journal_pairs(&journal);
    assert_eq!(outcomes.len(), total);
    let mut times_sent: HashMap<&Pair, usize> = HashMap::new();
    for pair in sent_per_run.iter().flatten() {
        *times_sent.entry(pair).or_default() += 1;
    }
    for (pair, outcome) in &outcomes {
        let times = times_sent.get(pair).copied().unwrap_or(0);
        assert!(times >= 1, "{pair:?} settled but never sent");
        let whole = &whole_outcomes[pair];
        // A pair whose request was in flight at a kill is sent again: an add that went through
        // then ends "already friends".
        let resent_add = times > 1 && whole == "added" && outcome == "already_friends";
        assert!(
            outcome == whole || resent_add,
            "{pair:?}: {outcome} after the kills, {whole} in one run"
        );
    }
    let resent = times_sent.values().filter(|n| **n > 1).count();
    eprintln!("{resent} pairs were in flight at a kill and sent again");
    assert_eq!(killed.state(), whole.state());
    assert_eq!(
        std::fs::read_to_string(killed.path("failed.csv")).unwrap(),
        whole_report
    );
}

#[test]
fn ctrl_c_finishes_the_requests_in_flight_and_prints_the_command_that_resumes() {
    const SENDERS: usize = 30;
    let total = SENDERS * TARGETS.len();
    let setup =
        Setup::new(Config::default().faults(Faults::none().latency(Duration::from_millis(40))));
    seed(&setup, SENDERS);
    setup.write("pairs.csv", pairs_csv(SENDERS));
    let args = [
        "friend",
        "import",
        "pairs.csv",
        "--journal",
        "j.jsonl",
        "--concurrency",
        "2",
        "--no-progress",
    ];
    let journal = setup.path("j.jsonl");
    let mut child = setup.spawn(&args);
    assert!(wait_for_entries(&mut child, &journal, total / 3));
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let output = child.wait_with_output().unwrap();
    assert_eq!(code(&output), 130, "{}", text(&output.stderr));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("interrupted: no more pairs are sent"),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "to send again; resume with the same command:\n  {} friend import pairs.csv --journal j.jsonl --concurrency 2 --no-progress",
            env!("CARGO_BIN_EXE_tim")
        )),
        "{stderr}"
    );
    // The requests made before Ctrl-C finished and were settled: every pair sent is in the
    // journal, and the rest were never sent.
    let settled = journal_pairs(&journal);
    assert!(
        stderr.contains(&format!(
            "interrupted: {} of {total} pairs settled (in the journal), {} to send again;",
            settled.len(),
            total - settled.len()
        )),
        "{stderr}"
    );
    let sent = setup.sent_pairs();
    assert!(settled.len() < total, "Ctrl-C came after the end");
    assert_eq!(
        sent.iter().cloned().collect::<BTreeSet<_>>(),
        settled.keys().cloned().collect::<BTreeSet<_>>()
    );
    assert!(text(&output.stdout).contains("not sent"));

    let output = setup.run(&args);
    assert_eq!(code(&output), 1, "{}", text(&output.stderr));
    assert_eq!(journal_pairs(&journal).len(), total);
    // Nothing was in flight at the stop, so no pair was ever sent twice.
    let sent = setup.sent_pairs();
    assert_eq!(sent.len(), total);
    assert_eq!(sent.iter().collect::<BTreeSet<_>>().len(), total);
}

#[test]
fn accounts_import_resume_and_report() {
    let setup = Setup::new(Config::default());
    let mut csv = String::from("userid,nick,faceurl\n");
    for i in 0..250 {
        csv.push_str(&format!("u{i:03},User {i},https://example.com/{i}.png\n"));
    }
    setup.write("accounts.csv", &csv);
    let args = [
        "account",
        "import",
        "accounts.csv",
        "--journal",
        "accounts.journal",
        "--report",
        "failed.csv",
        "--concurrency",
        "1",
        "--no-progress",
    ];
    // The first request (100 accounts) fails on every attempt: its accounts fail without a
    // code, are not settled, and are sent again by the next run.
    setup.emulator.inject(FaultKind::Http502, 4);
    let output = setup.run(&args);
    assert_eq!(code(&output), 1, "{}", text(&output.stderr));
    let stderr = text(&output.stderr);
    // The request is named once, by the library's error text.
    let line = stderr
        .lines()
        .find(|l| l.starts_with("a request of "))
        .unwrap_or_else(|| panic!("no request line: {stderr}"));
    assert!(
        line.starts_with(
            "a request of 100 accounts failed: im_open_login_svc/multiaccount_import failed: \
             HTTP status 502 (random "
        ),
        "{line}"
    );
    assert!(
        line.contains(&format!(
            ", host {}, attempts ",
            setup.emulator.base_url().trim_start_matches("http://")
        )),
        "{line}"
    );
    assert_eq!(line.matches("random ").count(), 1, "{line}");
    let stdout = text(&output.stdout);
    assert!(
        stdout.contains("  imported              150\n  failed                100\n"),
        "{stdout}"
    );
    let report = std::fs::read_to_string(setup.path("failed.csv")).unwrap();
    assert_eq!(report.lines().count(), 101, "{report}");
    assert!(
        report.starts_with("line,userid,outcome,code,info\n2,u000,failed,,"),
        "{report}"
    );
    assert_eq!(journal_entries(&setup.path("accounts.journal")).len(), 150);

    setup.emulator.clear_journal();
    let output = setup.run(&args);
    assert_eq!(code(&output), 0, "{}", text(&output.stderr));
    let resent = setup.sent_accounts();
    assert_eq!(
        resent,
        (0..100).map(|i| format!("u{i:03}")).collect::<Vec<_>>()
    );
    assert_eq!(
        std::fs::read_to_string(setup.path("failed.csv")).unwrap(),
        "line,userid,outcome,code,info\n"
    );
    let state = setup.state();
    assert_eq!(
        state["accounts"]["u007"]["profile"]["Tag_Profile_IM_Nick"],
        "User 7"
    );

    // Once all is settled, the same command sends nothing.
    setup.emulator.clear_journal();
    let output = setup.run(&[
        "--json",
        "account",
        "import",
        "accounts.csv",
        "--journal",
        "accounts.journal",
        "--verify",
        "--no-progress",
    ]);
    assert_eq!(code(&output), 0, "{}", text(&output.stderr));
    let summary = json_lines(&output).pop().unwrap();
    assert_eq!(summary["settled_before"], 250);
    assert_eq!(summary["sent"], 0);
    assert_eq!(summary["stopped"], Value::Null);
    assert_eq!(summary["settled"], 250);
    assert_eq!(summary["to_send_again"], 0);
    assert_eq!(summary["verify"]["mismatched"], 0);
    assert!(setup.sent_accounts().is_empty());

    // One UserID per line, from stdin.
    let mut child = setup
        .tim()
        .args(["account", "import", "-", "--no-progress"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(
        child.stdin.as_mut().unwrap(),
        b"plain1\nplain2\r\n\nplain3\n",
    )
    .unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(code(&output), 0);
    assert!(text(&output.stdout).starts_with("account import of stdin: 3 accounts"));
}

#[test]
fn progress_bar_under_a_pseudo_terminal() {
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("skipped: `script` (util-linux) is not installed");
        return;
    }
    let setup =
        Setup::new(Config::default().faults(Faults::none().latency(Duration::from_millis(50))));
    seed(&setup, 8);
    setup.write("pairs.csv", pairs_csv(8));
    let command = format!(
        "'{}' friend import pairs.csv --concurrency 1",
        env!("CARGO_BIN_EXE_tim")
    );
    // `script` runs the command in a pseudo-terminal: both streams come out on its stdout.
    let under_script = |command: &str| {
        Command::new("script")
            .args(["-qec", command, "/dev/null"])
            .current_dir(&setup.dir.0)
            .envs(setup.tim().get_envs().filter_map(|(k, v)| Some((k, v?))))
            .env("TERM", "xterm")
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    let output = under_script(&command);
    let tty = text(&output.stdout);
    assert_eq!(code(&output), 1, "{tty}");
    assert!(tty.contains("/48 pairs"), "no progress bar in {tty:?}");
    assert!(tty.contains("ETA"), "{tty:?}");
    assert!(tty.contains("/s"), "{tty:?}");
    assert!(tty.contains("added "), "{tty:?}");
    assert!(
        tty.contains("friend import of pairs.csv: 48 pairs"),
        "{tty:?}"
    );

    // Without a terminal, or with --no-progress under one: no bar.
    let output = setup.run(&["friend", "import", "pairs.csv"]);
    assert!(!text(&output.stderr).contains("ETA"));
    let output = under_script(&format!("{command} --no-progress"));
    assert!(
        !text(&output.stdout).contains("ETA"),
        "{}",
        text(&output.stdout)
    );
}
