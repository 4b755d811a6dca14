//! The other commands over real HTTP: account_import, multiaccount_import, account_check,
//! portrait_set, black_list_add, black_list_delete, black_list_check, friend_check, friend_get,
//! friend_delete.

// Test code: helpers outside #[test] functions may unwrap, expect and panic too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Client, code, config, result_codes, start};
use serde_json::Value;
use tencent_im_emulator::{FaultKind, RelationshipLimits};
use tencent_im_protocol::im_open_login_svc::{
    AccountCheck, AccountImport, AccountItem, AccountStatus, MultiaccountImport,
};
use tencent_im_protocol::profile::{AllowType, PortraitSet, ProfileItem};
use tencent_im_protocol::sns::{
    AddFriendItem, BatchResponse, BlackListAdd, BlackListCheck, BlackListDelete, BlockCheckOutcome,
    BlockCheckType, BlockOutcome, BlockRelation, CheckType, DeleteOutcome, DeleteType, FriendAdd,
    FriendCheck, FriendDelete, FriendGet, Relation, UnblockOutcome,
};
use tencent_im_protocol::{ErrorCode, ItemOutcome, ListCommand, Reply};

#[tokio::test]
async fn account_import_multiaccount_import_and_account_check() {
    let emulator = start(config(), &[]).await;
    let mut client = Client::connect(&emulator).await;
    let reply = client
        .send(
            &AccountImport::new("alice")
                .nick("Alice")
                .face_url("https://a/b.png"),
        )
        .await;
    assert!(!reply.envelope.is_failure());
    // Importing again creates no duplicate and updates the profile.
    let reply = client
        .send(&AccountImport::new("alice").nick("Alicia"))
        .await;
    assert!(!reply.envelope.is_failure());
    let req = MultiaccountImport::new(vec![
        AccountItem::new("bob"),
        AccountItem::new("carol").nick("C"),
        AccountItem::new("x".repeat(33)),
    ]);
    let reply = client.send(&req).await;
    assert_eq!(reply.body.fail_accounts, ["x".repeat(33)]);
    // The older body form `Accounts: [...]` is accepted too.
    let reply = client
        .call_raw(
            "im_open_login_svc/multiaccount_import",
            r#"{"Accounts":["dave"]}"#,
        )
        .await;
    assert_eq!(code(&reply), 0);

    let req = AccountCheck::new(["alice", "bob", "carol", "dave", "erin"]);
    let reply = client.send(&req).await;
    let report = reply.body.report(&req);
    assert!(report.is_complete_success());
    let imported: Vec<bool> = report
        .items
        .iter()
        .map(|i| i.outcome.is_imported())
        .collect();
    assert_eq!(imported, [true, true, true, true, false]);
    assert_eq!(
        reply.body.result_items[4].account_status,
        Some(AccountStatus::NotImported)
    );

    let state = emulator.app_state();
    assert_eq!(state.accounts.len(), 4);
    assert_eq!(
        state.accounts["alice"].profile["Tag_Profile_IM_Nick"],
        "Alicia"
    );
    assert_eq!(
        state.accounts["alice"].profile["Tag_Profile_IM_Image"],
        "https://a/b.png"
    );
    assert_eq!(state.accounts["alice"].allow_type, AllowType::NeedConfirm);

    // Body errors of the account service.
    let cases = [
        ("im_open_login_svc/account_import", r#"{"UserID":5}"#, 60015),
        ("im_open_login_svc/account_import", r#"{"Nick":"x"}"#, 70402),
        (
            "im_open_login_svc/account_import",
            r#"{"UserID":""}"#,
            70402,
        ),
        ("im_open_login_svc/account_import", "nope", 60003),
        (
            "im_open_login_svc/multiaccount_import",
            r#"{"AccountList":[]}"#,
            70206,
        ),
        (
            "im_open_login_svc/account_check",
            r#"{"CheckItem":[{"UserID":1}]}"#,
            60015,
        ),
    ];
    for (api, body, expected) in cases {
        assert_eq!(
            code(&client.call_raw(api, body).await),
            expected,
            "{api} {body}"
        );
    }
    let many: Vec<Value> = (0..101)
        .map(|i| serde_json::json!({ "UserID": format!("u{i}") }))
        .collect();
    let body = serde_json::json!({ "AccountList": many }).to_string();
    assert_eq!(
        code(
            &client
                .call_raw("im_open_login_svc/multiaccount_import", &body)
                .await
        ),
        70206
    );
    emulator.stop().await;
}

#[tokio::test]
async fn portrait_set_sets_fields_and_rejects_bad_ones() {
    let emulator = start(config(), &["alice"]).await;
    let mut client = Client::connect(&emulator).await;
    let req = PortraitSet::new(
        "alice",
        vec![
            ProfileItem::allow_type(AllowType::DenyAny),
            ProfileItem::nick("Al"),
            ProfileItem::new("Tag_Profile_IM_Level", 3),
            ProfileItem::custom("Hobby", "chess"),
        ],
    );
    let reply = client.send(&req).await;
    assert!(!reply.envelope.is_failure(), "{:?}", reply.envelope);
    let state = emulator.app_state();
    let alice = &state.accounts["alice"];
    assert_eq!(alice.allow_type, AllowType::DenyAny);
    assert_eq!(alice.profile["Tag_Profile_IM_Level"], 3);
    assert_eq!(alice.profile["Tag_Profile_Custom_Hobby"], "chess");

    let cases = [
        (
            r#"{"From_Account":"ghost","ProfileItem":[{"Tag":"Tag_Profile_IM_Nick","Value":"x"}]}"#,
            40003,
        ),
        (
            r#"{"From_Account":"alice","ProfileItem":[{"Tag":"Tag_Profile_IM_AllowType","Value":"AllowType_Type_Maybe"}]}"#,
            40605,
        ),
        (
            r#"{"From_Account":"alice","ProfileItem":[{"Tag":"Tag_Profile_IM_Nope","Value":"x"}]}"#,
            40009,
        ),
        (
            r#"{"From_Account":"alice","ProfileItem":[{"Tag":"Tag_Profile_IM_Level","Value":"high"}]}"#,
            40610,
        ),
        (r#"{"From_Account":"alice","ProfileItem":[]}"#, 40001),
        (r#"{"From_Account":"alice","ProfileItem":"x"}"#, 40001),
        (r#"{"From_Account":1,"ProfileItem":[]}"#, 60015),
    ];
    for (body, expected) in cases {
        assert_eq!(
            code(&client.call_raw("profile/portrait_set", body).await),
            expected,
            "{body}"
        );
    }
    // A rejected request changes nothing, not even its valid fields.
    let body = r#"{"From_Account":"alice","ProfileItem":[{"Tag":"Tag_Profile_IM_Nick","Value":"Changed"},{"Tag":"Tag_Profile_IM_Nope","Value":"x"}]}"#;
    assert_eq!(
        code(&client.call_raw("profile/portrait_set", body).await),
        40009
    );
    assert_eq!(
        emulator.app_state().accounts["alice"].profile["Tag_Profile_IM_Nick"],
        "Al"
    );
    emulator.stop().await;
}

#[tokio::test]
async fn black_list_add_blocks_and_removes_friendships() {
    let mut limits = RelationshipLimits::default();
    limits.max_blocklist = 2;
    let config = config()
        .default_allow_type(AllowType::AllowAny)
        .limits(limits);
    let emulator = start(config, &["alice", "bob", "carol", "dave"]).await;
    let mut client = Client::connect(&emulator).await;
    let add = FriendAdd::new(
        "bob",
        vec![AddFriendItem::new("alice", "AddSource_Type_Test")],
    );
    client.send(&add).await;
    let req = BlackListAdd::new("alice", ["bob", "bob2", "alice", "carol", "dave"]);
    let reply = client.send(&req).await;
    let codes: Vec<i64> = reply
        .body
        .result_items
        .iter()
        .map(|i| i.result_code.get())
        .collect();
    assert_eq!(codes, [0, 30003, 30001, 0, 30013]);
    assert_eq!(reply.body.fail_accounts, ["bob2", "alice", "dave"]);
    // Blocking again is "already blocked", a success for retries.
    let req = BlackListAdd::new("alice", ["bob"]);
    let reply = client.send(&req).await;
    assert_eq!(
        reply.body.report(&req).items[0].outcome,
        BlockOutcome::AlreadyBlocked
    );
    let state = emulator.app_state();
    assert!(state.accounts["alice"].friends.is_empty());
    assert!(state.accounts["bob"].friends.is_empty());
    assert_eq!(state.accounts["alice"].blocklist.len(), 2);
    let reply = client
        .call_raw(
            "sns/black_list_add",
            r#"{"From_Account":"ghost","To_Account":["bob"]}"#,
        )
        .await;
    assert_eq!(code(&reply), 30003);
    emulator.stop().await;
}

#[tokio::test]
async fn black_list_delete_unblocks_and_restores_no_friendship() {
    let config = config().default_allow_type(AllowType::AllowAny);
    let emulator = start(config, &["alice", "bob", "carol", "dave"]).await;
    let mut client = Client::connect(&emulator).await;
    let add = |from: &str, to: &str| {
        FriendAdd::new(from, vec![AddFriendItem::new(to, "AddSource_Type_Test")])
    };
    let reply = client.send(&add("bob", "alice")).await;
    assert_eq!(reply.body.result_items[0].result_code, ErrorCode::OK);
    client
        .send(&BlackListAdd::new("alice", ["bob", "carol"]))
        .await;
    assert!(emulator.app_state().accounts["bob"].friends.is_empty());

    // Unblocked, unknown, self, and an account that was not blocked (0, nothing to remove).
    let req = BlackListDelete::new("alice", ["bob", "ghost", "alice", "dave"]);
    let reply = client.send(&req).await;
    let codes: Vec<i64> = reply
        .body
        .result_items
        .iter()
        .map(|i| i.result_code.get())
        .collect();
    assert_eq!(codes, [0, 30003, 30001, 0]);
    assert_eq!(reply.body.fail_accounts, ["ghost", "alice"]);
    let report = reply.body.report(&req);
    assert!(
        report.discrepancies.is_empty(),
        "{:?}",
        report.discrepancies
    );
    assert_eq!(report.items[0].outcome, UnblockOutcome::Unblocked);
    assert_eq!(report.items[3].outcome, UnblockOutcome::Unblocked);
    assert_eq!(
        report.items[1].outcome.failure().unwrap().code,
        Some(ErrorCode::SNS_ACCOUNT_NOT_FOUND)
    );

    // Unblocked, but the friendship the block ended stays ended, both ways.
    let state = emulator.app_state();
    assert_eq!(
        state.accounts["alice"].blocklist.iter().collect::<Vec<_>>(),
        ["carol"]
    );
    assert!(state.accounts["alice"].friends.is_empty());
    assert!(state.accounts["bob"].friends.is_empty());
    // bob can be added again; carol is still blocked (30515).
    let reply = client.send(&add("alice", "bob")).await;
    assert_eq!(reply.body.result_items[0].result_code, ErrorCode::OK);
    let reply = client.send(&add("alice", "carol")).await;
    assert_eq!(
        reply.body.result_items[0].result_code,
        ErrorCode::SNS_TARGET_IN_OWN_BLOCKLIST
    );
    // Removing bob again is 0 again: a retried removal ends well.
    let reply = client.send(&BlackListDelete::new("alice", ["bob"])).await;
    assert_eq!(reply.body.result_items[0].result_code, ErrorCode::OK);
    assert!(reply.body.fail_accounts.is_empty());

    // Whole-request answers: unknown sender 30003; no item, 1001 items or the wrong shape
    // 30001; a number for an account 60015; not JSON 60003.
    let api = "sns/black_list_delete";
    let reply = client
        .call_raw(api, r#"{"From_Account":"ghost","To_Account":["bob"]}"#)
        .await;
    assert_eq!(code(&reply), 30003);
    let many: Vec<String> = (0..1001).map(|i| format!("u{i}")).collect();
    let too_many = serde_json::json!({"From_Account": "alice", "To_Account": many}).to_string();
    for body in [
        r#"{"From_Account":"alice","To_Account":[]}"#,
        too_many.as_str(),
        r#"{"From_Account":"alice","To_Account":"bob"}"#,
    ] {
        assert_eq!(code(&client.call_raw(api, body).await), 30001, "{body}");
    }
    let reply = client
        .call_raw(api, r#"{"From_Account":"alice","To_Account":[7]}"#)
        .await;
    assert_eq!(code(&reply), 60015);
    assert_eq!(code(&client.call_raw(api, "{").await), 60003);
    // 1000 is the cap, not over it.
    let thousand: Vec<String> = (0..1000).map(|i| format!("u{i}")).collect();
    let reply = client.send(&BlackListDelete::new("alice", thousand)).await;
    assert_eq!(reply.body.result_items.len(), 1000);
    emulator.stop().await;
}

/// Sends `writes` for alice at once, one per client, while a write latency holds alice's write
/// lock for each: the write that takes the lock first is applied (code 0 for each item) and the
/// other answers 30008 for every item, lists them all in Fail_Account and applies nothing.
/// Returns the accounts of the write applied.
///
/// Which write takes the lock first is up to the scheduler, and the emulator shows no request in
/// flight (the journal records a request once it is answered, the state changes after the
/// latency), so every check holds for either order instead of a sleep betting on one.
async fn one_write_wins<C>(clients: [&mut Client; 2], writes: [&C; 2]) -> Vec<String>
where
    C: ListCommand<Item = String, Response = BatchResponse>,
{
    let [a, b] = clients;
    let (first, second) = tokio::join!(a.send(writes[0]), b.send(writes[1]));
    let codes = |reply: &Reply<BatchResponse>| -> Vec<ErrorCode> {
        reply
            .body
            .result_items
            .iter()
            .map(|i| i.result_code)
            .collect()
    };
    let first_won = codes(&first).iter().all(|c| c.is_ok());
    let (won, lost, winner, loser) = if first_won {
        (first, second, writes[0], writes[1])
    } else {
        (second, first, writes[1], writes[0])
    };
    assert_eq!(codes(&won), vec![ErrorCode::OK; winner.items().len()]);
    assert_eq!(
        codes(&lost),
        vec![ErrorCode::SNS_WRITE_CONFLICT; loser.items().len()],
        "the later write did not meet the earlier one's lock"
    );
    assert_eq!(lost.body.fail_accounts, loser.items());
    winner.items().to_vec()
}

#[tokio::test]
async fn black_list_add_conflicts_and_item_faults() {
    let config = config().write_latency(std::time::Duration::from_millis(1000));
    let emulator = start(config, &["alice", "bob", "carol", "erin"]).await;
    let mut first = Client::connect(&emulator).await;
    let mut second = Client::connect(&emulator).await;
    // While one block holds alice's write lock, the other answers 30008 for every item and
    // blocks nothing.
    let mut applied = one_write_wins(
        [&mut first, &mut second],
        [
            &BlackListAdd::new("alice", ["bob"]),
            &BlackListAdd::new("alice", ["carol", "erin"]),
        ],
    )
    .await;
    applied.sort();
    let blocked = |e: &tencent_im_emulator::Emulator| {
        let mut ids: Vec<String> = e.app_state().accounts["alice"]
            .blocklist
            .iter()
            .cloned()
            .collect();
        ids.sort();
        ids
    };
    assert_eq!(blocked(&emulator), applied);

    // An item fault fails every item, listed in Fail_Account, and blocks nothing.
    for (kind, expected) in [
        (FaultKind::ItemError30006, ErrorCode::SNS_INTERNAL_ERROR),
        (FaultKind::ItemError30007, ErrorCode::SNS_TIMEOUT),
    ] {
        emulator.inject(kind, 1);
        let req = BlackListAdd::new("alice", ["carol", "erin"]);
        let reply = second.send(&req).await;
        assert_eq!(reply.envelope.error_code, ErrorCode::OK);
        assert_eq!(reply.body.fail_accounts, ["carol", "erin"]);
        let report = reply.body.report(&req);
        assert!(report.discrepancies.is_empty());
        for item in &report.items {
            assert_eq!(item.outcome.failure().unwrap().code, Some(expected));
        }
        assert_eq!(blocked(&emulator), applied);
    }
    emulator.stop().await;
}

#[tokio::test]
async fn black_list_delete_conflicts_and_item_faults() {
    let config = config().write_latency(std::time::Duration::from_millis(1000));
    let emulator = start(config, &["alice", "bob", "carol", "erin"]).await;
    let mut first = Client::connect(&emulator).await;
    let mut second = Client::connect(&emulator).await;
    first
        .send(&BlackListAdd::new("alice", ["bob", "carol"]))
        .await;
    // While one removal holds alice's write lock, the other answers 30008 for every item and
    // removes nothing (erin, never blocked, is removed as a no-op).
    let applied = one_write_wins(
        [&mut first, &mut second],
        [
            &BlackListDelete::new("alice", ["bob"]),
            &BlackListDelete::new("alice", ["carol", "erin"]),
        ],
    )
    .await;
    let blocklist = || {
        emulator.app_state().accounts["alice"]
            .blocklist
            .iter()
            .cloned()
            .collect::<Vec<_>>()
    };
    let left: Vec<String> = ["bob", "carol"]
        .into_iter()
        .filter(|id| !applied.iter().any(|a| a == id))
        .map(String::from)
        .collect();
    assert_eq!(left.len(), 1);
    assert_eq!(blocklist(), left);

    // An item fault fails every item, listed in Fail_Account, and applies nothing.
    for (kind, expected) in [
        (FaultKind::ItemError30006, ErrorCode::SNS_INTERNAL_ERROR),
        (FaultKind::ItemError30007, ErrorCode::SNS_TIMEOUT),
    ] {
        emulator.inject(kind, 1);
        let req = BlackListDelete::new("alice", ["carol", "bob"]);
        let reply = second.send(&req).await;
        assert_eq!(reply.envelope.error_code, ErrorCode::OK);
        let report = reply.body.report(&req);
        assert!(report.discrepancies.is_empty());
        for item in &report.items {
            let failure = item.outcome.failure().unwrap();
            assert_eq!(failure.code, Some(expected));
            assert!(failure.is_retryable());
        }
        assert_eq!(blocklist(), left);
        emulator.inject(kind, 1);
        let req = BlackListCheck::new("alice", ["carol"], BlockCheckType::Both);
        let reply = second.send(&req).await;
        assert_eq!(reply.body.fail_accounts, ["carol"]);
        assert_eq!(
            reply.body.report(&req).items[0]
                .outcome
                .failure()
                .unwrap()
                .code,
            Some(expected)
        );
    }
    emulator.stop().await;
}

#[tokio::test]
async fn black_list_check_relations() {
    let emulator = start(config(), &["a", "b", "c", "d", "e"]).await;
    let mut client = Client::connect(&emulator).await;
    // a blocks b; c blocks a; a and d block each other; e and a have nothing.
    client.send(&BlackListAdd::new("a", ["b", "d"])).await;
    client.send(&BlackListAdd::new("c", ["a"])).await;
    client.send(&BlackListAdd::new("d", ["a"])).await;

    let req = BlackListCheck::new("a", ["b", "c", "d", "e", "ghost"], BlockCheckType::Both);
    let reply = client.send(&req).await;
    let relations: Vec<_> = reply
        .body
        .check_items
        .iter()
        .map(|i| i.relation.clone())
        .collect();
    assert_eq!(
        relations,
        [
            Some(BlockRelation::AWithB),
            Some(BlockRelation::BWithA),
            Some(BlockRelation::BothWay),
            Some(BlockRelation::No),
            // An unknown account: 30003 with `BlackCheckResult_Type_NO`, as Tencent's sample
            // shows a failed entry.
            Some(BlockRelation::No),
        ]
    );
    assert_eq!(
        reply.body.check_items[4].result_code,
        ErrorCode::SNS_ACCOUNT_NOT_FOUND
    );
    assert_eq!(reply.body.fail_accounts, ["ghost"]);
    let report = reply.body.report(&req);
    assert!(report.discrepancies.is_empty());
    assert_eq!(
        report.items[2].outcome,
        BlockCheckOutcome::Checked(BlockRelation::BothWay)
    );
    assert_eq!(
        report.items[4].outcome.failure().unwrap().code,
        Some(ErrorCode::SNS_ACCOUNT_NOT_FOUND)
    );
    let raw = serde_json::to_value(&reply).unwrap();
    assert_eq!(
        raw["BlackListCheckItem"][1]["Relation"],
        "BlackCheckResult_Type_BWithA"
    );

    // Single looks at a's blocklist only.
    let req = BlackListCheck::new("a", ["b", "c", "d"], BlockCheckType::Single);
    let reply = client.send(&req).await;
    let relations: Vec<_> = reply
        .body
        .check_items
        .iter()
        .map(|i| i.relation.clone())
        .collect();
    assert_eq!(
        relations,
        [
            Some(BlockRelation::AWithB),
            Some(BlockRelation::No),
            Some(BlockRelation::AWithB)
        ]
    );
    // After an unblock, the check sees it.
    client.send(&BlackListDelete::new("a", ["d"])).await;
    let reply = client
        .send(&BlackListCheck::new("a", ["d"], BlockCheckType::Both))
        .await;
    assert_eq!(
        reply.body.check_items[0].relation,
        Some(BlockRelation::BWithA)
    );

    let api = "sns/black_list_check";
    for body in [
        // friend_check's CheckType is not black_list_check's.
        r#"{"From_Account":"a","To_Account":["b"],"CheckType":"CheckResult_Type_Both"}"#,
        r#"{"From_Account":"a","To_Account":["b"]}"#,
        r#"{"From_Account":"a","To_Account":[],"CheckType":"BlackCheckResult_Type_Both"}"#,
    ] {
        assert_eq!(code(&client.call_raw(api, body).await), 30001, "{body}");
    }
    let reply = client
        .call_raw(
            api,
            r#"{"From_Account":"ghost","To_Account":["a"],"CheckType":"BlackCheckResult_Type_Single"}"#,
        )
        .await;
    assert_eq!(code(&reply), 30003);
    emulator.stop().await;
}

#[tokio::test]
async fn friend_check_relations() {
    let emulator = start(
        config().default_allow_type(AllowType::AllowAny),
        &["a", "b", "c", "d"],
    )
    .await;
    let mut client = Client::connect(&emulator).await;
    let single = |to: &str| FriendAdd::new("a", vec![AddFriendItem::new(to, "AddSource_Type_T")]);
    client.send(&single("b")).await;
    client
        .send(&single("c").add_type(tencent_im_protocol::sns::AddType::Single))
        .await;
    client
        .send(
            &FriendAdd::new("d", vec![AddFriendItem::new("a", "AddSource_Type_T")])
                .add_type(tencent_im_protocol::sns::AddType::Single),
        )
        .await;
    let req = FriendCheck::new("a", ["b", "c", "d", "ghost"], CheckType::Both);
    let reply = client.send(&req).await;
    let relations: Vec<_> = reply
        .body
        .info_items
        .iter()
        .map(|i| i.relation.clone())
        .collect();
    assert_eq!(
        relations,
        [
            Some(Relation::BothWay),
            Some(Relation::AWithB),
            Some(Relation::BWithA),
            Some(Relation::NoRelation)
        ]
    );
    assert_eq!(
        reply.body.info_items[3].result_code,
        ErrorCode::SNS_ACCOUNT_NOT_FOUND
    );
    assert_eq!(reply.body.fail_accounts, ["ghost"]);
    assert!(reply.body.report(&req).discrepancies.is_empty());
    let req = FriendCheck::new("a", ["b", "d"], CheckType::Single);
    let reply = client.send(&req).await;
    let relations: Vec<_> = reply
        .body
        .info_items
        .iter()
        .map(|i| i.relation.clone())
        .collect();
    assert_eq!(
        relations,
        [Some(Relation::AWithB), Some(Relation::NoRelation)]
    );
    let bad = client
        .call_raw(
            "sns/friend_check",
            r#"{"From_Account":"a","To_Account":["b"],"CheckType":"Nope"}"#,
        )
        .await;
    assert_eq!(code(&bad), 30001);
    emulator.stop().await;
}

#[tokio::test]
async fn friend_get_pages_through_the_list() {
    let mut limits = RelationshipLimits::default();
    limits.friend_get_page_size = 2;
    let ids: Vec<String> = (0..5).map(|i| format!("f{i}")).collect();
    let mut accounts: Vec<&str> = ids.iter().map(String::as_str).collect();
    accounts.push("alice");
    let emulator = start(
        config()
            .default_allow_type(AllowType::AllowAny)
            .limits(limits),
        &accounts,
    )
    .await;
    let mut client = Client::connect(&emulator).await;
    let items = ids
        .iter()
        .map(|id| {
            AddFriendItem::new(id.as_str(), "AddSource_Type_T")
                .remark(format!("R{id}"))
                .group_name("G")
        })
        .collect();
    client.send(&FriendAdd::new("alice", items)).await;

    let mut req = Some(FriendGet::new("alice", 0));
    let mut seen = Vec::new();
    let mut pages = 0;
    while let Some(r) = req {
        let reply = client.send(&r).await;
        assert!(!reply.envelope.is_failure());
        assert_eq!(reply.body.friend_num, 5);
        for item in &reply.body.user_data_items {
            assert_eq!(
                item.remark(),
                Some(format!("R{}", item.to_account).as_str())
            );
            assert_eq!(item.groups(), ["G"]);
            assert_eq!(item.add_source(), Some("AddSource_Type_T"));
            assert!(item.add_time().is_some());
            seen.push(item.to_account.clone());
        }
        pages += 1;
        req = reply.body.next_page(&r);
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, ids);
    let reply = client
        .call_raw(
            "sns/friend_get",
            r#"{"From_Account":"ghost","StartIndex":0}"#,
        )
        .await;
    assert_eq!(code(&reply), 30003);
    emulator.stop().await;
}

#[tokio::test]
async fn friend_delete_one_way_and_both_ways() {
    let emulator = start(
        config().default_allow_type(AllowType::AllowAny),
        &["a", "b", "c", "d"],
    )
    .await;
    let mut client = Client::connect(&emulator).await;
    let items = ["b", "c"]
        .iter()
        .map(|t| AddFriendItem::new(*t, "AddSource_Type_T"))
        .collect();
    client.send(&FriendAdd::new("a", items)).await;

    let req = FriendDelete::new("a", ["b"]).delete_type(DeleteType::Single);
    let reply = client.send(&req).await;
    assert_eq!(
        reply.body.report(&req).items[0].outcome,
        DeleteOutcome::Deleted
    );
    let state = emulator.app_state();
    assert!(!state.accounts["a"].friends.contains_key("b"));
    assert!(state.accounts["b"].friends.contains_key("a"));

    // Default: both ways.
    let req = FriendDelete::new("a", ["c", "d", "ghost"]);
    let reply = client.send(&req).await;
    let codes: Vec<i64> = reply
        .body
        .result_items
        .iter()
        .map(|i| i.result_code.get())
        .collect();
    assert_eq!(codes, [0, 31704, 30003]);
    assert_eq!(
        reply.body.report(&req).items[1].outcome,
        DeleteOutcome::NotFriends
    );
    let state = emulator.app_state();
    assert!(state.accounts["a"].friends.is_empty());
    assert!(!state.accounts["c"].friends.contains_key("a"));
    // Both ways removes a one-sided leftover (b still lists a).
    let reply = client
        .send(&FriendDelete::new("a", ["b"]).delete_type(DeleteType::Both))
        .await;
    assert_eq!(reply.body.result_items[0].result_code, ErrorCode::OK);
    assert!(emulator.app_state().accounts["b"].friends.is_empty());
    let reply = client
        .call_raw(
            "sns/friend_delete",
            r#"{"From_Account":"a","To_Account":[]}"#,
        )
        .await;
    assert_eq!(code(&reply), 30001);
    let _ = result_codes;
    emulator.stop().await;
}

#[tokio::test]
async fn routing_unknown_paths_and_methods() {
    let emulator = start(config(), &[]).await;
    let mut client = Client::connect(&emulator).await;
    let query = common::query(emulator.credentials());
    let (status, body) = client
        .post_raw(&format!("/v4/sns/friend_nope?{query}"), "{}")
        .await;
    assert_eq!(status, 200);
    let reply: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(code(&reply), 60009);
    let (_, body) = client
        .request(
            "GET",
            &format!("/v4/sns/friend_get?{query}"),
            bytes::Bytes::new(),
        )
        .await;
    let reply: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(code(&reply), 60002);
    emulator.stop().await;
}
