//! friend_add through the client, against the emulator over HTTP: every outcome, lists over the
//! cap, whole-list validation, item resends, and per-sender serialization.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use tencent_im::{
    AddFriendItem, AddOutcome, AddType, AllowType, ErrorClass, ErrorCode, ErrorKind, ItemOutcome,
    ItemRetry, NoRetry, Violation,
};
use tencent_im_emulator::{Config, FaultKind};

const FRIEND_ADD: &str = "/v4/sns/friend_add";

#[tokio::test]
async fn every_outcome_is_reported_once_in_input_order() {
    let emu = emulator(Config::default()).await;
    emu.seed_accounts(["alice", "bob", "carol", "dave", "erin", "frank"]);
    let client = client(&emu);
    client
        .set_allow_type("bob", AllowType::AllowAny)
        .await
        .unwrap();
    client
        .set_allow_type("frank", AllowType::AllowAny)
        .await
        .unwrap();
    client
        .set_allow_type("dave", AllowType::DenyAny)
        .await
        .unwrap();
    client.block("erin", ["alice"]).await.unwrap();
    client.friend_add("alice").to("frank").await.unwrap();
    emu.clear_journal();

    let report = client
        .friend_add("alice")
        .to("nobody")
        .to("bob")
        .remark("Bob")
        .group("Work")
        .source("Web")
        .wording("hello")
        .to("carol")
        .to("dave")
        .to("erin")
        .to("frank")
        .await
        .unwrap();

    let accounts: Vec<&str> = report.items.iter().map(|i| i.account.as_str()).collect();
    assert_eq!(
        accounts,
        ["nobody", "bob", "carol", "dave", "erin", "frank"]
    );
    let code = |i: usize| report.items[i].outcome.failure().and_then(|f| f.code);
    assert_eq!(code(0), Some(ErrorCode::new(30003)));
    assert_eq!(report.items[1].outcome, AddOutcome::Added);
    assert_eq!(report.items[2].outcome, AddOutcome::Pending);
    assert_eq!(code(3), Some(ErrorCode::new(30516)));
    assert_eq!(code(4), Some(ErrorCode::new(30525)));
    assert_eq!(report.items[5].outcome, AddOutcome::AlreadyFriends);
    for i in [0, 3, 4] {
        let failure = report.items[i].outcome.failure().unwrap();
        assert_eq!(failure.class(), ErrorClass::Permanent);
        assert!(!failure.is_retryable());
    }
    assert_eq!(report.failed_count(), 3);
    assert!(
        report.discrepancies.is_empty(),
        "{:?}",
        report.discrepancies
    );
    assert_eq!(report.from.as_deref(), Some("alice"));

    // The request is what the caller asked for, and its random and host are reported.
    let sent = requests_to(&emu, FRIEND_ADD);
    assert_eq!(sent.len(), 1);
    assert_eq!(report.requests.len(), 1);
    assert_eq!(report.requests[0].random, Some(random_of(&sent[0])));
    assert_eq!(report.requests[0].items, 6);
    let host = report.requests[0].host.as_deref().unwrap();
    assert!(emu.base_url().ends_with(host), "{host}");
    let body: serde_json::Value = serde_json::from_str(&sent[0].body).unwrap();
    assert_eq!(
        body["AddFriendItem"][1],
        serde_json::json!({"To_Account": "bob", "Remark": "Bob", "GroupName": "Work",
            "AddSource": "AddSource_Type_Web", "AddWording": "hello"})
    );
    assert_eq!(
        body["AddFriendItem"][2]["AddSource"],
        "AddSource_Type_Server"
    );

    // The emulator's state agrees.
    let state = emu.app_state();
    assert_eq!(
        state.accounts["alice"].friends["bob"].remark.as_deref(),
        Some("Bob")
    );
    assert!(state.accounts["alice"].pending_out.contains_key("carol"));

    // Display and Debug name every account with its outcome and code.
    let text = report.to_string();
    for line in [
        "alice → nobody: failed (code 30003",
        "alice → bob: added",
        "alice → carol: pending",
        "alice → dave: failed (code 30516",
        "alice → erin: failed (code 30525",
        "alice → frank: already friends",
    ] {
        assert!(text.contains(line), "{line:?} missing from:\n{text}");
    }
    assert!(
        text.contains(&format!("random {}", report.requests[0].random.unwrap())),
        "{text}"
    );
    let debug = format!("{report:?}");
    assert!(
        debug.contains("\"dave\"") && debug.contains("30516"),
        "{debug}"
    );
    emu.stop().await;
}

#[tokio::test]
async fn single_and_force_skip_verification() {
    let emu = emulator(Config::default()).await;
    emu.seed_accounts(["alice", "bob", "carol"]);
    let client = client(&emu);
    client
        .set_allow_type("carol", AllowType::DenyAny)
        .await
        .unwrap();
    let single = client.friend_add("alice").to("bob").single().await.unwrap();
    assert_eq!(single.items[0].outcome, AddOutcome::Added);
    let forced = client
        .friend_add("alice")
        .to("carol")
        .force()
        .await
        .unwrap();
    assert_eq!(forced.items[0].outcome, AddOutcome::Added);
    let state = emu.app_state();
    assert!(state.accounts["alice"].friends.contains_key("bob"));
    assert!(
        !state.accounts["bob"].friends.contains_key("alice"),
        "one way only"
    );
    let bodies: Vec<serde_json::Value> = requests_to(&emu, FRIEND_ADD)
        .iter()
        .map(|e| serde_json::from_str(&e.body).unwrap())
        .collect();
    assert_eq!(bodies[0]["AddType"], "Add_Type_Single");
    assert_eq!(bodies[1]["ForceAddFlags"], 1);
    let explicit = client
        .friend_add("bob")
        .to("alice")
        .add_type(AddType::Both)
        .request();
    assert_eq!(explicit.add_type, Some(AddType::Both));
    emu.stop().await;
}

#[tokio::test]
async fn a_long_list_is_split_and_merged_in_input_order() {
    let emu = emulator(Config::default().default_allow_type(AllowType::AllowAny)).await;
    let targets: Vec<String> = (0..2500).map(|i| format!("t{i:04}")).collect();
    emu.seed_accounts(std::iter::once("alice".to_owned()).chain(targets.iter().cloned()));
    // Every third target is already a friend, so outcomes differ along the list.
    let client = client(&emu);
    let early: Vec<&String> = targets.iter().step_by(3).collect();
    client
        .friend_add("alice")
        .to_all(early.iter().map(|s| s.as_str()))
        .await
        .unwrap();
    emu.clear_journal();

    // The targets in reverse order: the report must follow the caller's order, not the sorted one.
    let order: Vec<String> = targets.iter().rev().cloned().collect();
    let report = client.friend_add("alice").to_all(&order).await.unwrap();
    assert_eq!(report.items.len(), 2500);
    assert_eq!(report.requests.len(), 3);
    assert_eq!(
        report.requests.iter().map(|r| r.items).collect::<Vec<_>>(),
        [1000, 1000, 500]
    );
    let sent = requests_to(&emu, FRIEND_ADD);
    assert_eq!(sent.len(), 3);
    for (record, entry) in report.requests.iter().zip(&sent) {
        assert_eq!(record.random, Some(random_of(entry)));
    }
    for (item, account) in report.items.iter().zip(&order) {
        assert_eq!(&item.account, account);
        let index: usize = account[1..].parse().unwrap();
        let expected = if index % 3 == 0 {
            AddOutcome::AlreadyFriends
        } else {
            AddOutcome::Added
        };
        assert_eq!(item.outcome, expected, "{account}");
    }
    assert_eq!(emu.app_state().accounts["alice"].friends.len(), 2500);
    emu.stop().await;
}

#[tokio::test]
async fn the_whole_list_is_validated_before_anything_is_sent() {
    let emu = emulator(Config::default()).await;
    let client = client(&emu);
    let mut targets: Vec<String> = (0..2500).map(|i| format!("t{i}")).collect();
    targets[1800] = targets[7].clone();
    let err = client
        .friend_add("alice")
        .to_all(&targets)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Validation);
    let v = err.validation_error().unwrap();
    assert_eq!(v.field(), "AddFriendItem[1800].To_Account");
    assert_eq!(
        v.violation(),
        &Violation::Duplicate {
            first: "AddFriendItem[7].To_Account".to_owned()
        }
    );
    assert_eq!(err.random(), None);

    let err = client
        .friend_add("alice")
        .to("bob")
        .to("carol")
        .remark("x".repeat(97))
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid request: AddFriendItem[1].Remark is 97 bytes long, over the limit of 96 bytes"
    );
    // The text is said once: printing the chain adds nothing to it.
    assert!(std::error::Error::source(&err).is_none());
    assert_eq!(
        err.validation_error().unwrap().field(),
        "AddFriendItem[1].Remark"
    );
    let err = client
        .friend_add("alice")
        .to("bob")
        .source("Web2")
        .await
        .unwrap_err();
    assert_eq!(
        err.validation_error().unwrap().field(),
        "AddFriendItem[0].AddSource"
    );
    let err = client
        .friend_add("alice")
        .remark("early")
        .to("bob")
        .await
        .unwrap_err();
    assert!(err.is_validation(), "{err}");
    let err = client.friend_add("alice").await.unwrap_err();
    assert_eq!(err.validation_error().unwrap().field(), "AddFriendItem");
    assert!(emu.journal().is_empty(), "nothing was sent");
    emu.stop().await;
}

#[tokio::test]
async fn items_failing_with_30006_or_30007_are_resent_until_they_succeed() {
    let emu = emulator(Config::default().default_allow_type(AllowType::AllowAny)).await;
    emu.seed_accounts(["alice", "bob", "carol"]);
    let client = client(&emu);
    emu.inject(FaultKind::ItemError30006, 1);
    emu.inject(FaultKind::ItemError30007, 1);
    let report = client
        .friend_add("alice")
        .to("bob")
        .to("carol")
        .await
        .unwrap();
    assert!(report.is_complete_success(), "{report}");
    assert_eq!(report.items[0].outcome, AddOutcome::Added);
    assert_eq!(
        report.requests.iter().map(|r| r.round).collect::<Vec<_>>(),
        [0, 1, 2]
    );
    let faults: Vec<_> = requests_to(&emu, FRIEND_ADD)
        .iter()
        .map(|e| e.fault)
        .collect();
    assert_eq!(
        faults,
        [
            Some(FaultKind::ItemError30006),
            Some(FaultKind::ItemError30007),
            None
        ]
    );
    emu.stop().await;
}

#[tokio::test]
async fn resends_are_bounded_and_the_last_code_is_reported() {
    let emu = emulator(Config::default().default_allow_type(AllowType::AllowAny)).await;
    emu.seed_accounts(["alice", "bob"]);
    let client = builder(&emu)
        .item_retry(
            ItemRetry::default()
                .max_rounds(2)
                .delays(Duration::ZERO, Duration::ZERO),
        )
        .build()
        .unwrap();
    emu.inject(FaultKind::ItemError30006, 10);
    let report = client.friend_add("alice").to("bob").await.unwrap();
    let failure = report.items[0].outcome.failure().unwrap();
    assert_eq!(failure.code, Some(ErrorCode::new(30006)));
    assert!(failure.is_retryable());
    assert_eq!(report.requests.len(), 3, "the first send and two resends");
    assert_eq!(requests_to(&emu, FRIEND_ADD).len(), 3);

    // Without resends, one request.
    emu.clear_journal();
    let client = builder(&emu)
        .item_retry(ItemRetry::never())
        .build()
        .unwrap();
    let report = client.friend_add("alice").to("bob").await.unwrap();
    assert_eq!(report.requests.len(), 1);
    emu.stop().await;
}

#[tokio::test]
async fn a_failed_part_reports_its_items_and_a_failed_call_is_an_error() {
    let emu = emulator(Config::default().default_allow_type(AllowType::AllowAny)).await;
    emu.seed_accounts(["alice", "a", "b", "c", "d"]);
    let client = builder(&emu)
        .retry_policy(Arc::new(NoRetry))
        .max_items_per_request(2)
        .build()
        .unwrap();
    // The first of two requests fails: its items report the failure, the others are added.
    emu.inject(FaultKind::Http502, 1);
    let report = client
        .friend_add("alice")
        .to_all(["a", "b", "c", "d"])
        .await
        .unwrap();
    assert_eq!(report.requests.len(), 2);
    let error = report.requests[0].error.as_deref().unwrap();
    assert!(error.contains("HTTP status 502"), "{error}");
    // What the gateway said is kept with the request, once, not with every item.
    assert!(
        error.contains("the response body began: <html> <head><title>502 Bad Gateway"),
        "{error}"
    );
    for item in &report.items[..2] {
        let failure = item.outcome.failure().unwrap();
        assert_eq!(failure.code, None);
        assert!(failure.is_retryable(), "a 502 is transient");
        assert!(failure.info.contains("502"), "{}", failure.info);
        assert!(!failure.info.contains("stgw"), "{}", failure.info);
    }
    assert_eq!(report.items[2].outcome, AddOutcome::Added);
    assert_eq!(report.items[3].outcome, AddOutcome::Added);

    // When every request fails, the call fails with the first error and its random.
    emu.inject(FaultKind::Http502, 2);
    let err = client
        .friend_add("alice")
        .to_all(["a", "b", "c", "d"])
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::HttpStatus(502));
    assert!(err.is_retryable());
    let said = err.status_body().expect("the gateway's page is kept");
    let source = std::error::Error::source(&err).and_then(|s| s.downcast_ref());
    assert_eq!(source, Some(said), "and is the source");
    assert!(said.text().contains("stgw"), "{said}");
    let first = &requests_to(&emu, FRIEND_ADD)[2];
    assert_eq!(err.random(), Some(random_of(first)));
    emu.stop().await;
}

#[tokio::test]
async fn one_senders_writes_never_collide_while_senders_run_in_parallel() {
    let latency = Duration::from_millis(100);
    let emu = emulator(
        Config::default()
            .default_allow_type(AllowType::AllowAny)
            .write_latency(latency),
    )
    .await;
    let senders: Vec<String> = (0..8).map(|i| format!("s{i}")).collect();
    let targets: Vec<String> = (0..64).map(|i| format!("t{i}")).collect();
    emu.seed_accounts(senders.iter().chain(&targets).cloned());
    let client = client(&emu);

    // 64 concurrent calls for s0, and 8 each for the seven other senders.
    let started = Instant::now();
    let mut calls = Vec::new();
    for (s, sender) in senders.iter().enumerate() {
        let n = if s == 0 { 64 } else { 8 };
        for target in &targets[..n] {
            calls.push(tokio::spawn(
                client.friend_add(sender).to(target).into_future(),
            ));
        }
    }
    let mut reports = Vec::new();
    for call in calls {
        reports.push(call.await.unwrap().unwrap());
    }
    let elapsed = started.elapsed();
    for report in &reports {
        assert_eq!(report.items[0].outcome, AddOutcome::Added, "{report}");
        assert_eq!(report.requests.len(), 1, "no 30008 to resend: {report}");
    }
    assert_eq!(emu.app_state().accounts["s0"].friends.len(), 64);
    // s0's 64 writes take 64 × 100 ms one after the other; the other senders' 56 run beside
    // them instead of after them (all 120 in a row would take 12 s).
    assert!(elapsed >= latency * 64, "{elapsed:?}");
    assert!(elapsed < latency * 100, "{elapsed:?}");
    emu.stop().await;
}

#[tokio::test]
async fn a_write_conflict_with_another_writer_is_resent() {
    let latency = Duration::from_millis(200);
    let emu = emulator(
        Config::default()
            .default_allow_type(AllowType::AllowAny)
            .write_latency(latency),
    )
    .await;
    emu.seed_accounts(["alice", "bob", "carol"]);
    // Two clients: their locks are separate, as in two processes.
    let one = client(&emu);
    let two = builder(&emu)
        .item_retry(ItemRetry::default().delays(latency, latency * 2))
        .build()
        .unwrap();
    let first = tokio::spawn(one.friend_add("alice").to("bob").into_future());
    tokio::time::sleep(latency / 4).await;
    let second = two.friend_add("alice").to("carol").await.unwrap();
    let first = first.await.unwrap().unwrap();
    assert_eq!(first.items[0].outcome, AddOutcome::Added);
    assert_eq!(second.items[0].outcome, AddOutcome::Added, "{second}");
    assert!(
        second.requests.len() >= 2,
        "the conflict was resent: {second}"
    );
    assert_eq!(second.requests[1].round, 1);
    emu.stop().await;
}

#[tokio::test]
async fn items_built_in_full_are_sent_as_given() {
    let emu = emulator(Config::default().default_allow_type(AllowType::AllowAny)).await;
    emu.seed_accounts(["alice", "bob"]);
    let client = builder(&emu).default_add_source("Android").build().unwrap();
    let item = AddFriendItem::new("bob", "AddSource_Type_Ios").remark("B");
    let report = client.friend_add("alice").item(item).await.unwrap();
    assert!(report.is_complete_success());
    assert_eq!(
        emu.app_state().accounts["alice"].friends["bob"].add_source,
        "AddSource_Type_Ios"
    );
    let request = client.friend_add("alice").to("carol").request();
    assert_eq!(request.items[0].add_source, "AddSource_Type_Android");
    emu.stop().await;
}
