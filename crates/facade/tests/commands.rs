//! The first-version commands as client methods, against the emulator.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use tencent_im::{
    AccountCheckOutcome, AccountImport, AccountItem, AccountStatus, AddOutcome, AllowType,
    BlockCheckOutcome, BlockCheckType, BlockOutcome, BlockRelation, CheckOutcome, CheckType,
    DeleteOutcome, DeleteType, ErrorClass, ErrorCode, ImportOutcome, ItemOutcome, Relation,
    StreamExt as _, UnblockOutcome,
};
use tencent_im_emulator::{Config, FaultKind, RelationshipLimits};

#[tokio::test]
async fn accounts_are_imported_checked_and_split_at_100() {
    let emu = emulator(Config::default()).await;
    let client = client(&emu);
    let receipt = client
        .import_account(AccountImport::new("alice").nick("Alice"))
        .await
        .unwrap();
    let journal = emu.journal();
    assert_eq!(receipt.random, random_of(&journal[0]));

    let ids: Vec<String> = (0..250).map(|i| format!("u{i}")).collect();
    let report = client
        .import_accounts(ids.iter().map(AccountItem::new))
        .await
        .unwrap();
    assert_eq!(report.items.len(), 250);
    assert_eq!(report.requests.len(), 3, "100 per request");
    assert!(
        report
            .items
            .iter()
            .all(|i| i.outcome == ImportOutcome::Imported)
    );

    let mut check: Vec<String> = vec!["nobody".into(), "alice".into()];
    check.extend(ids.iter().take(150).cloned());
    let report = client.check_accounts(&check).await.unwrap();
    assert_eq!(report.requests.len(), 2);
    assert_eq!(
        report.items[0].outcome,
        AccountCheckOutcome::Checked(AccountStatus::NotImported)
    );
    assert!(report.items[1..].iter().all(|i| i.outcome.is_imported()));

    let err = client
        .import_accounts([AccountItem::new("ok"), AccountItem::new("x".repeat(33))])
        .await
        .unwrap_err();
    assert_eq!(
        err.validation_error().unwrap().field(),
        "AccountList[1].UserID"
    );
    emu.stop().await;
}

#[tokio::test]
async fn profile_blocklist_check_and_delete() {
    let emu = emulator(Config::default()).await;
    emu.seed_accounts(["alice", "bob", "carol", "mallory"]);
    let client = client(&emu);

    client
        .set_allow_type("bob", AllowType::AllowAny)
        .await
        .unwrap();
    assert_eq!(
        emu.app_state().accounts["bob"].allow_type,
        AllowType::AllowAny
    );
    client.forbid_friend_requests("carol", true).await.unwrap();
    let report = client.friend_add("carol").to("bob").await.unwrap();
    let failure = report.items[0].outcome.failure().unwrap();
    assert_eq!(failure.code, Some(ErrorCode::new(30009)));
    client.forbid_friend_requests("carol", false).await.unwrap();
    assert_eq!(
        client.friend_add("carol").to("bob").await.unwrap().items[0].outcome,
        AddOutcome::Added
    );

    let report = client.block("alice", ["mallory", "nobody"]).await.unwrap();
    assert_eq!(report.items[0].outcome, BlockOutcome::Blocked);
    assert!(report.items[1].outcome.failure().is_some());
    assert!(
        emu.app_state().accounts["alice"]
            .blocklist
            .contains("mallory")
    );

    let report = client
        .check_friends("bob", ["carol", "alice"], CheckType::Both)
        .await
        .unwrap();
    assert_eq!(
        report.items[0].outcome,
        CheckOutcome::Checked(Relation::BothWay)
    );
    assert_eq!(
        report.items[1].outcome,
        CheckOutcome::Checked(Relation::NoRelation)
    );

    let report = client
        .delete_friends("bob", ["carol", "alice"], DeleteType::Both)
        .await
        .unwrap();
    assert_eq!(report.items[0].outcome, DeleteOutcome::Deleted);
    assert_eq!(report.items[1].outcome, DeleteOutcome::NotFriends);
    assert!(
        !emu.app_state().accounts["carol"]
            .friends
            .contains_key("bob")
    );
    emu.stop().await;
}

#[tokio::test]
async fn unblock_and_check_blocklist_report_every_account() {
    let emu = emulator(Config::default()).await;
    emu.seed_accounts(["alice", "bob", "carol", "mallory"]);
    let client = client(&emu);
    client
        .set_allow_type("bob", AllowType::AllowAny)
        .await
        .unwrap();
    let report = client.friend_add("alice").to("bob").await.unwrap();
    assert_eq!(report.items[0].outcome, AddOutcome::Added);
    client.block("alice", ["bob", "mallory"]).await.unwrap();
    client.block("carol", ["alice"]).await.unwrap();

    let report = client
        .check_blocklist(
            "alice",
            ["bob", "mallory", "carol", "nobody"],
            BlockCheckType::Both,
        )
        .await
        .unwrap();
    assert_eq!(report.from.as_deref(), Some("alice"));
    assert_eq!(
        report.outcome("bob"),
        Some(&BlockCheckOutcome::Checked(BlockRelation::AWithB))
    );
    assert_eq!(
        report.outcome("carol"),
        Some(&BlockCheckOutcome::Checked(BlockRelation::BWithA))
    );
    let failure = report.outcome("nobody").unwrap().failure().unwrap();
    assert_eq!(failure.code, Some(ErrorCode::SNS_ACCOUNT_NOT_FOUND));
    assert!(report.discrepancies.is_empty());
    let report = client
        .check_blocklist("alice", ["carol"], BlockCheckType::Single)
        .await
        .unwrap();
    assert_eq!(
        report.items[0].outcome,
        BlockCheckOutcome::Checked(BlockRelation::No)
    );
    // The emulator's decision: the sender checked against itself is `NO`, answered 0 (its
    // blocklist cannot hold it; black_list_add and black_list_delete answer 30001 for self).
    let report = client
        .check_blocklist("alice", ["alice"], BlockCheckType::Both)
        .await
        .unwrap();
    assert_eq!(
        report.items[0].outcome,
        BlockCheckOutcome::Checked(BlockRelation::No)
    );

    // bob unblocked, carol was not blocked by alice, nobody does not exist.
    let report = client
        .unblock("alice", ["bob", "carol", "nobody"])
        .await
        .unwrap();
    let outcomes: Vec<_> = report.items.iter().map(|i| i.outcome.clone()).collect();
    assert_eq!(
        outcomes[..2],
        [UnblockOutcome::Unblocked, UnblockOutcome::Unblocked]
    );
    assert_eq!(
        outcomes[2].failure().unwrap().code,
        Some(ErrorCode::SNS_ACCOUNT_NOT_FOUND)
    );
    assert!(!report.is_complete_success());
    let state = emu.app_state();
    assert_eq!(
        state.accounts["alice"].blocklist.iter().collect::<Vec<_>>(),
        ["mallory"]
    );
    // The friendship the block ended is not restored.
    assert!(!state.accounts["alice"].friends.contains_key("bob"));
    assert!(!state.accounts["bob"].friends.contains_key("alice"));
    assert_eq!(
        client
            .check_blocklist("alice", ["bob"], BlockCheckType::Both)
            .await
            .unwrap()
            .items[0]
            .outcome,
        BlockCheckOutcome::Checked(BlockRelation::No)
    );
    assert_eq!(
        client
            .check_friends("alice", ["bob"], CheckType::Both)
            .await
            .unwrap()
            .items[0]
            .outcome,
        CheckOutcome::Checked(Relation::NoRelation)
    );

    // A whole list is validated before anything is sent, naming the item by its index.
    emu.clear_journal();
    let err = client
        .unblock("alice", ["bob", &"x".repeat(33)])
        .await
        .unwrap_err();
    assert_eq!(err.validation_error().unwrap().field(), "To_Account[1]");
    let err = client
        .check_blocklist("alice", ["bob", "bob"], BlockCheckType::Both)
        .await
        .unwrap_err();
    assert_eq!(err.validation_error().unwrap().field(), "To_Account[1]");
    assert!(emu.journal().is_empty());
    // An unknown sender fails the whole call with its code.
    let err = client.unblock("ghost", ["bob"]).await.unwrap_err();
    assert_eq!(err.api_code(), Some(ErrorCode::SNS_ACCOUNT_NOT_FOUND));
    emu.stop().await;
}

#[tokio::test]
async fn long_blocklist_calls_are_split_at_1000_and_unblock_resends_failed_items() {
    let emu = emulator(Config::default()).await;
    let ids: Vec<String> = (0..2500).map(|i| format!("u{i}")).collect();
    emu.seed_accounts(std::iter::once("alice".to_owned()).chain(ids.iter().cloned()));
    let client = client(&emu);
    // A blocklist holds at most 1000 accounts.
    let report = client.block("alice", &ids[..800]).await.unwrap();
    assert!(report.is_complete_success());

    let report = client
        .check_blocklist("alice", &ids, BlockCheckType::Single)
        .await
        .unwrap();
    assert_eq!(report.requests.len(), 3, "1000 a request");
    assert_eq!(report.items.len(), 2500);
    for (i, item) in report.items.iter().enumerate() {
        assert_eq!(item.account, ids[i], "your order");
        let want = if i < 800 {
            BlockRelation::AWithB
        } else {
            BlockRelation::No
        };
        assert_eq!(item.outcome, BlockCheckOutcome::Checked(want));
    }

    // The first unblock request fails every item with 30006: those items go again, once, and
    // end unblocked.
    emu.clear_journal();
    emu.inject(FaultKind::ItemError30006, 1);
    let report = client.unblock("alice", &ids[..1500]).await.unwrap();
    assert_eq!(report.items.len(), 1500);
    assert!(report.is_complete_success(), "{report}");
    let rounds: Vec<(usize, u32)> = report.requests.iter().map(|r| (r.items, r.round)).collect();
    assert_eq!(rounds, [(1000, 0), (1000, 1), (500, 0)]);
    assert_eq!(requests_to(&emu, "/v4/sns/black_list_delete").len(), 3);
    assert!(emu.app_state().accounts["alice"].blocklist.is_empty());

    // A block is a write too: items that failed with 30007 go again and end blocked.
    emu.clear_journal();
    emu.inject(FaultKind::ItemError30007, 1);
    let report = client.block("alice", &ids[..3]).await.unwrap();
    assert!(report.is_complete_success(), "{report}");
    let rounds: Vec<(usize, u32)> = report.requests.iter().map(|r| (r.items, r.round)).collect();
    assert_eq!(rounds, [(3, 0), (3, 1)]);
    assert_eq!(emu.app_state().accounts["alice"].blocklist.len(), 3);

    // A check is a read: an item that failed with 30006 is reported, not sent again.
    emu.clear_journal();
    emu.inject(FaultKind::ItemError30006, 1);
    let report = client
        .check_blocklist("alice", ["u1", "u2"], BlockCheckType::Both)
        .await
        .unwrap();
    assert_eq!(report.requests.len(), 1);
    let failure = report.items[0].outcome.failure().unwrap();
    assert_eq!(failure.code, Some(ErrorCode::SNS_INTERNAL_ERROR));
    assert_eq!(failure.class(), ErrorClass::Transient);
    emu.stop().await;
}

#[tokio::test]
async fn friends_are_a_lazy_stream_of_every_page() {
    let mut limits = RelationshipLimits::default();
    limits.friend_get_page_size = 3;
    let emu = emulator(
        Config::default()
            .limits(limits)
            .default_allow_type(AllowType::AllowAny),
    )
    .await;
    let friends: Vec<String> = (0..10).map(|i| format!("f{i}")).collect();
    emu.seed_accounts(std::iter::once("alice".to_owned()).chain(friends.iter().cloned()));
    let client = client(&emu);
    client.friend_add("alice").to_all(&friends).await.unwrap();
    emu.clear_journal();

    let stream = client.friends("alice");
    tokio::task::yield_now().await;
    assert!(
        emu.journal().is_empty(),
        "nothing is sent before the stream is polled"
    );
    let mut stream = std::pin::pin!(stream);
    let first = stream.next().await.unwrap().unwrap();
    assert_eq!(requests_to(&emu, "/v4/sns/friend_get").len(), 1);
    let mut got = vec![first.to_account];
    while let Some(friend) = stream.next().await {
        got.push(friend.unwrap().to_account);
    }
    got.sort();
    assert_eq!(got, friends);
    assert_eq!(
        requests_to(&emu, "/v4/sns/friend_get").len(),
        4,
        "pages of 3"
    );

    // An error is yielded, then the stream ends.
    emu.inject(FaultKind::NonJsonBody, 10);
    let client = builder(&emu)
        .retry_policy(std::sync::Arc::new(tencent_im::NoRetry))
        .build()
        .unwrap();
    let results: Vec<_> = client.friends("alice").collect().await;
    assert_eq!(results.len(), 1);
    assert!(
        results[0]
            .as_ref()
            .is_err_and(|e| e.kind() == tencent_im::ErrorKind::BadBody)
    );
    emu.stop().await;
}

#[tokio::test]
async fn execute_sends_any_command() {
    let emu = emulator(Config::default()).await;
    emu.seed_accounts(["alice"]);
    let client = client(&emu);
    let check = tencent_im::layers::protocol::im_open_login_svc::AccountCheck::new(["alice"]);
    let response = client.execute(&check).await.unwrap();
    assert_eq!(response.attempts(), 1);
    assert_eq!(response.body().result_items.len(), 1);
    emu.stop().await;
}

/// A command whose map has keys that are not strings: it does not serialize as JSON.
#[derive(serde::Serialize)]
struct Unserializable {
    map: std::collections::BTreeMap<(u8, u8), u8>,
}

impl tencent_im::Command for Unserializable {
    const ENDPOINT: tencent_im::Endpoint = tencent_im::Endpoint::FriendAdd;
    type Response = tencent_im::layers::protocol::sns::FriendAddResponse;

    fn validate(&self) -> Result<(), tencent_im::ValidationError> {
        Ok(())
    }
}

#[tokio::test]
async fn a_command_that_does_not_serialize_is_an_encode_error_and_nothing_is_sent() {
    let emu = emulator(Config::default()).await;
    let client = client(&emu);
    let bad = Unserializable {
        map: [((1, 2), 3)].into(),
    };
    let err = client.execute(&bad).await.unwrap_err();
    assert_eq!(err.kind(), tencent_im::ErrorKind::Encode);
    assert!(!err.is_retryable());
    assert!(emu.journal().is_empty());
}
