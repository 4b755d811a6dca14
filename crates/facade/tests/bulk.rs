//! Bulk calls against the emulator under faults: every pair reported exactly once, and the
//! emulator's state matching the reports.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::HashMap;
use std::time::Duration;

use common::*;
use tencent_im::{
    AccountItem, AddOutcome, AllowType, BulkOptions, ErrorClass, FriendPair, ImportOutcome,
    ItemOutcome, StreamExt as _, stream,
};
use tencent_im_emulator::{Config, FaultKind, Faults, RelationshipLimits};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_thousand_pairs_under_faults_are_each_reported_once() {
    // Each target that must confirm receives 200 requests: over Tencent's 100 pending.
    let mut limits = RelationshipLimits::default();
    limits.max_pending = 1_000;
    let emu = emulator(
        Config::default()
            .default_allow_type(AllowType::AllowAny)
            .limits(limits),
    )
    .await;
    let senders: Vec<String> = (0..200).map(|i| format!("s{i:03}")).collect();
    let targets: Vec<String> = (0..100).map(|i| format!("t{i:03}")).collect();
    emu.seed_accounts(senders.iter().chain(&targets).cloned());
    // Every tenth target must confirm: those pairs end pending.
    let client = client(&emu);
    for target in targets.iter().step_by(10) {
        client
            .set_allow_type(target, AllowType::NeedConfirm)
            .await
            .unwrap();
    }
    emu.set_faults(
        Faults::none()
            .latency(Duration::from_micros(200))
            .share(FaultKind::DropBeforeResponse, 0.03)
            .share(FaultKind::DropMidResponse, 0.03)
            .share(FaultKind::Http502, 0.03)
            .share(FaultKind::ItemError30006, 0.03)
            .seed(7),
    );

    // Interleaved senders (so requests fill up across the whole input), small requests, and
    // one pair that breaks a limit.
    let mut pairs: Vec<FriendPair> = Vec::with_capacity(20_001);
    for t in &targets {
        for s in &senders {
            pairs.push(FriendPair::new(s, t));
        }
    }
    pairs.push(FriendPair::new("s000", "x".repeat(40)));
    let options = BulkOptions::default().concurrency(8).max_buffered(5_000);
    let reports: Vec<_> = client
        .friend_add_all(stream::iter(pairs), options)
        .collect()
        .await;
    emu.clear_faults();

    let mut seen: HashMap<(String, String), AddOutcome> = HashMap::new();
    for report in &reports {
        let from = report.from.clone().unwrap();
        for item in &report.items {
            let old = seen.insert((from.clone(), item.account.clone()), item.outcome.clone());
            assert!(old.is_none(), "{from} → {} reported twice", item.account);
        }
    }
    assert_eq!(seen.len(), 20_001, "every pair is reported");

    let invalid = &seen[&("s000".to_owned(), "x".repeat(40))];
    let failure = invalid.failure().unwrap();
    assert_eq!(failure.class(), ErrorClass::Permanent);
    assert!(
        failure.info.contains("To_Account is 40 bytes long"),
        "{}",
        failure.info
    );

    let state = emu.app_state();
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for ((from, to), outcome) in &seen {
        let sender = &state.accounts.get(from).unwrap();
        match outcome {
            AddOutcome::Added | AddOutcome::AlreadyFriends => {
                assert!(sender.friends.contains_key(to), "{from} → {to}: {outcome}");
                assert!(state.accounts[to].friends.contains_key(from));
                *counts.entry("friends").or_default() += 1;
            }
            AddOutcome::Pending => {
                assert!(sender.pending_out.contains_key(to), "{from} → {to}");
                *counts.entry("pending").or_default() += 1;
            }
            _ => *counts.entry("failed").or_default() += 1,
        }
    }
    assert_eq!(counts["pending"], 2_000, "{counts:?}");
    // Faults hit about 12% of requests, and the transport and item resends recover them;
    // what is left failed is reported as such (and here is rare).
    assert!(
        counts.get("failed").copied().unwrap_or(0) < 200,
        "{counts:?}"
    );
    let total_friends: usize = state.accounts.values().map(|a| a.friends.len()).sum();
    assert_eq!(
        total_friends,
        2 * counts["friends"],
        "no friendship the reports do not show"
    );
    emu.stop().await;
}

#[tokio::test]
async fn accounts_are_imported_in_bulk() {
    let emu = emulator(Config::default()).await;
    let client = client(&emu);
    let accounts = (0..1_050).map(|i| AccountItem::new(format!("u{i}")));
    let reports: Vec<_> = client
        .import_accounts_all(
            stream::iter(accounts),
            BulkOptions::default().concurrency(4),
        )
        .collect()
        .await;
    assert_eq!(reports.len(), 11, "requests of 100");
    let imported: usize = reports
        .iter()
        .flat_map(|r| &r.items)
        .filter(|i| i.outcome == ImportOutcome::Imported)
        .count();
    assert_eq!(imported, 1_050);
    assert_eq!(emu.app_state().accounts.len(), 1_050);
    emu.stop().await;
}

#[tokio::test]
async fn a_repeated_pair_goes_into_the_next_request() {
    let emu = emulator(Config::default().default_allow_type(AllowType::AllowAny)).await;
    emu.seed_accounts(["a", "b", "c"]);
    let client = client(&emu);
    let pairs = [("a", "b"), ("a", "c"), ("a", "b")].map(|(f, t)| FriendPair::new(f, t));
    let reports: Vec<_> = client
        .friend_add_all(stream::iter(pairs), BulkOptions::default().concurrency(1))
        .collect()
        .await;
    let outcomes: Vec<_> = reports
        .iter()
        .flat_map(|r| {
            r.items
                .iter()
                .map(|i| (i.account.as_str(), i.outcome.clone()))
        })
        .collect();
    assert_eq!(
        outcomes,
        [
            ("b", AddOutcome::Added),
            ("c", AddOutcome::Added),
            ("b", AddOutcome::AlreadyFriends)
        ]
    );
    emu.stop().await;
}
