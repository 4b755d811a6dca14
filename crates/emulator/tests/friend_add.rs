//! friend_add over real HTTP: one test per code that spec §7.7 makes reachable, each reached by
//! a real sequence of requests (account_import, portrait_set, black_list_add, friend_add).

// Test code: helpers outside #[test] functions may unwrap, expect and panic too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use common::{Client, code, config, first_write_held, result_codes, start};
use tencent_im_emulator::{Config, Emulator, RateLimit, RelationshipLimits};
use tencent_im_protocol::profile::{AdminForbidType, AllowType, PortraitSet, ProfileItem};
use tencent_im_protocol::sns::{
    AddFriendItem, AddOutcome, AddType, BlackListAdd, CheckType, ForceAddFlags, FriendAdd,
    FriendAddResponse, FriendCheck, Relation,
};
use tencent_im_protocol::{Endpoint, ErrorCode, Reply};

const SOURCE: &str = "AddSource_Type_Test";

fn item(to: &str) -> AddFriendItem {
    AddFriendItem::new(to, SOURCE)
}

async fn setup(config: Config, accounts: &[&str]) -> (Emulator, Client) {
    let emulator = start(config, accounts).await;
    let client = Client::connect(&emulator).await;
    (emulator, client)
}

async fn add(client: &mut Client, req: FriendAdd) -> Reply<FriendAddResponse> {
    let reply = client.send(&req).await;
    assert!(!reply.envelope.is_failure(), "{:?}", reply.envelope);
    reply
}

/// The single ResultCode of a one-item friend_add.
async fn add_one(client: &mut Client, from: &str, to: &str) -> ErrorCode {
    let reply = add(client, FriendAdd::new(from, vec![item(to)])).await;
    assert_eq!(reply.body.result_items.len(), 1);
    reply.body.result_items[0].result_code
}

async fn set_profile(client: &mut Client, who: &str, items: Vec<ProfileItem>) {
    let reply = client.send(&PortraitSet::new(who, items)).await;
    assert!(!reply.envelope.is_failure(), "{:?}", reply.envelope);
}

async fn allow(client: &mut Client, who: &str, allow_type: AllowType) {
    set_profile(client, who, vec![ProfileItem::allow_type(allow_type)]).await;
}

async fn block(client: &mut Client, from: &str, to: &str) {
    let reply = client.send(&BlackListAdd::new(from, [to])).await;
    assert_eq!(reply.body.result_items[0].result_code, ErrorCode::OK);
}

async fn relation(client: &mut Client, a: &str, b: &str) -> Relation {
    let reply = client
        .send(&FriendCheck::new(a, [b], CheckType::Both))
        .await;
    reply.body.info_items[0].relation.clone().expect("relation")
}

#[tokio::test]
async fn code_0_allow_any_target_is_added_both_ways() {
    let (emulator, mut client) = setup(config(), &["alice", "bob"]).await;
    allow(&mut client, "bob", AllowType::AllowAny).await;
    let req = FriendAdd::new(
        "alice",
        vec![
            item("bob")
                .remark("Bob")
                .group_name("Work")
                .add_wording("hi"),
        ],
    );
    let reply = add(&mut client, req.clone()).await;
    assert_eq!(reply.body.result_items[0].result_code, ErrorCode::OK);
    assert!(reply.body.fail_accounts.is_empty());
    assert!(reply.body.report(&req).is_complete_success());
    assert_eq!(
        relation(&mut client, "alice", "bob").await,
        Relation::BothWay
    );
    let state = emulator.app_state();
    let friend = &state.accounts["alice"].friends["bob"];
    assert_eq!(friend.remark.as_deref(), Some("Bob"));
    assert_eq!(friend.groups, ["Work"]);
    assert!(state.accounts["bob"].friends.contains_key("alice"));
    assert!(state.accounts["alice"].groups.contains("Work"));
    emulator.stop().await;
}

#[tokio::test]
async fn code_30539_need_confirm_target_gets_a_pending_request() {
    // New accounts default to AllowType_Type_NeedConfirm.
    let (emulator, mut client) = setup(config(), &["alice", "bob"]).await;
    let req = FriendAdd::new("alice", vec![item("bob")]);
    let reply = add(&mut client, req.clone()).await;
    assert_eq!(
        reply.body.result_items[0].result_code,
        ErrorCode::SNS_PENDING
    );
    // Pending is not a failure: not in Fail_Account.
    assert!(reply.body.fail_accounts.is_empty());
    assert_eq!(
        reply.body.report(&req).items[0].outcome,
        AddOutcome::Pending
    );
    // Sending it again is still pending, not a second request.
    assert_eq!(
        add_one(&mut client, "alice", "bob").await,
        ErrorCode::SNS_PENDING
    );
    let state = emulator.app_state();
    assert!(state.accounts["alice"].pending_out.contains_key("bob"));
    assert!(state.accounts["bob"].pending_in.contains_key("alice"));
    assert!(state.accounts["alice"].friends.is_empty());
    assert_eq!(
        relation(&mut client, "alice", "bob").await,
        Relation::NoRelation
    );
    emulator.stop().await;
}

#[tokio::test]
async fn default_allow_type_is_a_start_option() {
    let config = config().default_allow_type(AllowType::AllowAny);
    let (emulator, mut client) = setup(config, &["alice", "bob"]).await;
    assert_eq!(add_one(&mut client, "alice", "bob").await, ErrorCode::OK);
    emulator.stop().await;
}

#[tokio::test]
async fn code_30516_deny_any_target() {
    let (emulator, mut client) = setup(config(), &["alice", "bob"]).await;
    allow(&mut client, "bob", AllowType::DenyAny).await;
    let reply = add(&mut client, FriendAdd::new("alice", vec![item("bob")])).await;
    assert_eq!(
        reply.body.result_items[0].result_code,
        ErrorCode::SNS_TARGET_DENIES_ALL
    );
    assert_eq!(reply.body.fail_accounts, ["bob"]);
    emulator.stop().await;
}

#[tokio::test]
async fn force_add_and_single_add_skip_verification() {
    let (emulator, mut client) = setup(config(), &["alice", "bob", "carol"]).await;
    allow(&mut client, "bob", AllowType::DenyAny).await;
    allow(&mut client, "carol", AllowType::DenyAny).await;
    // Force: both ways despite DenyAny.
    let req = FriendAdd::new("alice", vec![item("bob")]).force_add(ForceAddFlags::Force);
    assert_eq!(
        add(&mut client, req).await.body.result_items[0].result_code,
        ErrorCode::OK
    );
    assert_eq!(
        relation(&mut client, "alice", "bob").await,
        Relation::BothWay
    );
    // Single: only the sender's list.
    let req = FriendAdd::new("alice", vec![item("carol")]).add_type(AddType::Single);
    assert_eq!(
        add(&mut client, req).await.body.result_items[0].result_code,
        ErrorCode::OK
    );
    assert_eq!(
        relation(&mut client, "alice", "carol").await,
        Relation::AWithB
    );
    assert_eq!(
        relation(&mut client, "carol", "alice").await,
        Relation::BWithA
    );
    emulator.stop().await;
}

#[tokio::test]
async fn code_30003_unknown_target_and_unknown_sender() {
    let (emulator, mut client) = setup(config(), &["alice", "bob"]).await;
    allow(&mut client, "bob", AllowType::AllowAny).await;
    let reply = add(
        &mut client,
        FriendAdd::new("alice", vec![item("ghost"), item("bob")]),
    )
    .await;
    let codes: Vec<_> = reply
        .body
        .result_items
        .iter()
        .map(|i| i.result_code)
        .collect();
    assert_eq!(codes, [ErrorCode::SNS_ACCOUNT_NOT_FOUND, ErrorCode::OK]);
    assert_eq!(reply.body.fail_accounts, ["ghost"]);
    // An unknown From_Account fails the whole request.
    let reply = client
        .call_raw("sns/friend_add", r#"{"From_Account":"ghost","AddFriendItem":[{"To_Account":"bob","AddSource":"AddSource_Type_Test"}]}"#)
        .await;
    assert_eq!(code(&reply), 30003);
    assert_eq!(reply["ActionStatus"], "FAIL");
    assert!(reply.get("ResultItem").is_none());
    emulator.stop().await;
}

#[tokio::test]
async fn code_30001_self_already_friends_and_bad_fields() {
    let config = config().default_allow_type(AllowType::AllowAny);
    let (emulator, mut client) = setup(config, &["alice", "bob", "carol", "dave", "erin"]).await;
    assert_eq!(add_one(&mut client, "alice", "bob").await, ErrorCode::OK);
    let req = FriendAdd::new(
        "alice",
        vec![
            item("alice"),
            item("bob"),
            AddFriendItem::new("carol", "Android"),
            item("dave").remark("r".repeat(97)),
            item("erin").group_name("g".repeat(31)),
        ],
    );
    let reply = add(&mut client, req.clone()).await;
    let items = &reply.body.result_items;
    assert!(
        items
            .iter()
            .all(|i| i.result_code == ErrorCode::SNS_BAD_REQUEST),
        "{items:?}"
    );
    assert_eq!(items[1].result_info, "Err_SNS_FriendAdd_Friend_Exist");
    assert_eq!(items[2].result_info, "Err_SNS_FriendAdd_Source_Illegal");
    let report = reply.body.report(&req);
    assert_eq!(report.items[1].outcome, AddOutcome::AlreadyFriends);
    assert!(report.discrepancies.is_empty());
    assert_eq!(reply.body.fail_accounts.len(), 5);
    // Empty Remark / GroupName / AddWording are taken as absent.
    let reply = client
        .call_raw("sns/friend_add", r#"{"From_Account":"carol","AddFriendItem":[{"To_Account":"dave","AddSource":"AddSource_Type_Test","Remark":"","GroupName":"","AddWording":""}]}"#)
        .await;
    assert_eq!(result_codes(&reply), [0]);
    assert!(emulator.app_state().accounts["carol"].groups.is_empty());
    emulator.stop().await;
}

#[tokio::test]
async fn code_30005_sensitive_word() {
    let config = config()
        .default_allow_type(AllowType::AllowAny)
        .sensitive_words(["badword"]);
    let (emulator, mut client) = setup(config, &["alice", "bob", "carol"]).await;
    let req = FriendAdd::new(
        "alice",
        vec![
            item("bob").add_wording("a badword here"),
            item("carol").remark("fine"),
        ],
    );
    let reply = add(&mut client, req).await;
    let codes: Vec<_> = reply
        .body
        .result_items
        .iter()
        .map(|i| i.result_code)
        .collect();
    assert_eq!(codes, [ErrorCode::SNS_SENSITIVE_WORD, ErrorCode::OK]);
    emulator.stop().await;
}

#[tokio::test]
async fn code_30009_sender_forbidden_by_admin() {
    let config = config().default_allow_type(AllowType::AllowAny);
    let (emulator, mut client) = setup(config, &["alice", "bob"]).await;
    set_profile(
        &mut client,
        "alice",
        vec![ProfileItem::admin_forbid_type(AdminForbidType::SendOut)],
    )
    .await;
    assert_eq!(
        add_one(&mut client, "alice", "bob").await,
        ErrorCode::SNS_ADD_FORBIDDEN
    );
    // Others may still add alice; lifting the ban lets her add again.
    assert_eq!(add_one(&mut client, "bob", "alice").await, ErrorCode::OK);
    set_profile(
        &mut client,
        "alice",
        vec![ProfileItem::admin_forbid_type(AdminForbidType::None)],
    )
    .await;
    assert_eq!(
        add_one(&mut client, "alice", "bob").await,
        ErrorCode::SNS_BAD_REQUEST
    );
    emulator.stop().await;
}

#[tokio::test]
async fn code_30515_target_in_own_blocklist() {
    let config = config().default_allow_type(AllowType::AllowAny);
    let (emulator, mut client) = setup(config, &["alice", "bob"]).await;
    block(&mut client, "alice", "bob").await;
    assert_eq!(
        add_one(&mut client, "alice", "bob").await,
        ErrorCode::SNS_TARGET_IN_OWN_BLOCKLIST
    );
    // Blocklists hold for force adds too.
    let req = FriendAdd::new("alice", vec![item("bob")]).force_add(ForceAddFlags::Force);
    let reply = add(&mut client, req).await;
    assert_eq!(
        reply.body.result_items[0].result_code,
        ErrorCode::SNS_TARGET_IN_OWN_BLOCKLIST
    );
    emulator.stop().await;
}

#[tokio::test]
async fn code_30525_sender_in_target_blocklist() {
    let config = config().default_allow_type(AllowType::AllowAny);
    let (emulator, mut client) = setup(config, &["alice", "bob"]).await;
    // Friends first: blocking removes the friendship both ways.
    assert_eq!(add_one(&mut client, "alice", "bob").await, ErrorCode::OK);
    block(&mut client, "bob", "alice").await;
    assert_eq!(
        relation(&mut client, "alice", "bob").await,
        Relation::NoRelation
    );
    assert_eq!(
        add_one(&mut client, "alice", "bob").await,
        ErrorCode::SNS_BLOCKED_BY_TARGET
    );
    let req = FriendAdd::new("alice", vec![item("bob")]).add_type(AddType::Single);
    let reply = add(&mut client, req).await;
    assert_eq!(
        reply.body.result_items[0].result_code,
        ErrorCode::SNS_BLOCKED_BY_TARGET
    );
    emulator.stop().await;
}

fn limits(f: impl FnOnce(&mut RelationshipLimits)) -> Config {
    let mut limits = RelationshipLimits::default();
    f(&mut limits);
    config()
        .default_allow_type(AllowType::AllowAny)
        .limits(limits)
}

#[tokio::test]
async fn code_30010_sender_friend_list_full() {
    let (emulator, mut client) = setup(
        limits(|l| l.max_friends = 2),
        &["alice", "bob", "carol", "dave"],
    )
    .await;
    let reply = add(
        &mut client,
        FriendAdd::new("alice", vec![item("bob"), item("carol"), item("dave")]),
    )
    .await;
    let codes: Vec<_> = reply
        .body
        .result_items
        .iter()
        .map(|i| i.result_code)
        .collect();
    assert_eq!(
        codes,
        [
            ErrorCode::OK,
            ErrorCode::OK,
            ErrorCode::SNS_OWN_FRIEND_LIMIT
        ]
    );
    emulator.stop().await;
}

#[tokio::test]
async fn code_30014_target_friend_list_full() {
    let (emulator, mut client) =
        setup(limits(|l| l.max_friends = 1), &["alice", "bob", "carol"]).await;
    assert_eq!(add_one(&mut client, "bob", "carol").await, ErrorCode::OK);
    assert_eq!(
        add_one(&mut client, "alice", "bob").await,
        ErrorCode::SNS_TARGET_FRIEND_LIMIT
    );
    // A single add does not write the target's list, so its size does not matter.
    let req = FriendAdd::new("alice", vec![item("bob")]).add_type(AddType::Single);
    assert_eq!(
        add(&mut client, req).await.body.result_items[0].result_code,
        ErrorCode::OK
    );
    emulator.stop().await;
}

#[tokio::test]
async fn code_30011_too_many_groups() {
    let (emulator, mut client) = setup(
        limits(|l| l.max_groups = 1),
        &["alice", "bob", "carol", "dave"],
    )
    .await;
    let req = FriendAdd::new(
        "alice",
        vec![
            item("bob").group_name("A"),
            item("carol").group_name("A"),
            item("dave").group_name("B"),
        ],
    );
    let reply = add(&mut client, req).await;
    let codes: Vec<_> = reply
        .body
        .result_items
        .iter()
        .map(|i| i.result_code)
        .collect();
    assert_eq!(
        codes,
        [ErrorCode::OK, ErrorCode::OK, ErrorCode::SNS_GROUP_LIMIT]
    );
    emulator.stop().await;
}

#[tokio::test]
async fn code_30012_too_many_pending_requests() {
    let mut l = RelationshipLimits::default();
    l.max_pending = 2;
    let (emulator, mut client) =
        setup(config().limits(l), &["alice", "bob", "carol", "dave"]).await;
    let reply = add(
        &mut client,
        FriendAdd::new("alice", vec![item("bob"), item("carol"), item("dave")]),
    )
    .await;
    let codes: Vec<_> = reply
        .body
        .result_items
        .iter()
        .map(|i| i.result_code)
        .collect();
    assert_eq!(
        codes,
        [
            ErrorCode::SNS_PENDING,
            ErrorCode::SNS_PENDING,
            ErrorCode::SNS_PENDING_LIMIT
        ]
    );
    // The target's pending list counts too.
    let reply = add(&mut client, FriendAdd::new("dave", vec![item("bob")])).await;
    assert_eq!(
        reply.body.result_items[0].result_code,
        ErrorCode::SNS_PENDING
    );
    let reply = add(&mut client, FriendAdd::new("carol", vec![item("bob")])).await;
    assert_eq!(
        reply.body.result_items[0].result_code,
        ErrorCode::SNS_PENDING_LIMIT
    );
    emulator.stop().await;
}

#[tokio::test]
async fn checks_run_in_the_stated_order() {
    let config = config().sensitive_words(["bad"]);
    let (emulator, mut client) = setup(config, &["alice", "bob"]).await;
    allow(&mut client, "bob", AllowType::DenyAny).await;
    block(&mut client, "alice", "bob").await;
    block(&mut client, "bob", "alice").await;
    set_profile(
        &mut client,
        "alice",
        vec![ProfileItem::admin_forbid_type(AdminForbidType::SendOut)],
    )
    .await;
    // Every check fails; peel them off one by one.
    let bad = || item("bob").remark("bad");
    let first = |reply: Reply<FriendAddResponse>| reply.body.result_items[0].result_code;
    let r = add(
        &mut client,
        FriendAdd::new("alice", vec![AddFriendItem::new("bob", "x").remark("bad")]),
    )
    .await;
    assert_eq!(first(r), ErrorCode::SNS_BAD_REQUEST);
    assert_eq!(
        first(add(&mut client, FriendAdd::new("alice", vec![bad()])).await),
        ErrorCode::SNS_SENSITIVE_WORD
    );
    assert_eq!(
        add_one(&mut client, "alice", "bob").await,
        ErrorCode::SNS_ADD_FORBIDDEN
    );
    set_profile(
        &mut client,
        "alice",
        vec![ProfileItem::admin_forbid_type(AdminForbidType::None)],
    )
    .await;
    assert_eq!(
        add_one(&mut client, "alice", "bob").await,
        ErrorCode::SNS_TARGET_IN_OWN_BLOCKLIST
    );
    emulator.stop().await;
}

#[tokio::test]
async fn body_errors_60003_60015_and_30001() {
    let mut l = RelationshipLimits::default();
    l.max_friend_add_items = 2;
    let (emulator, mut client) = setup(config().limits(l), &["alice", "bob"]).await;
    let cases = [
        ("", 60003),
        ("{\"From_Account\":", 60003),
        (
            r#"{"From_Account":"alice","AddFriendItem":[{"To_Account":"bob","AddSource":"AddSource_Type_A",}]}"#,
            60003,
        ),
        (
            r#"{"From_Account":12,"AddFriendItem":[{"To_Account":"bob","AddSource":"AddSource_Type_A"}]}"#,
            60015,
        ),
        (
            r#"{"From_Account":"alice","AddFriendItem":[{"To_Account":7,"AddSource":"AddSource_Type_A"}]}"#,
            60015,
        ),
        (
            r#"{"From_Account":"alice","AddFriendItem":{"To_Account":"bob"}}"#,
            30001,
        ),
        (r#"{"From_Account":"alice"}"#, 30001),
        (r#"{"From_Account":"alice","AddFriendItem":[]}"#, 30001),
        (
            r#"{"From_Account":"alice","AddFriendItem":[{"To_Account":"bob","AddSource":"AddSource_Type_A"}],"ForceAddFlags":true}"#,
            30001,
        ),
        (
            r#"{"From_Account":"alice","AddFriendItem":[{"To_Account":"a","AddSource":"AddSource_Type_A"},{"To_Account":"b","AddSource":"AddSource_Type_A"},{"To_Account":"c","AddSource":"AddSource_Type_A"}]}"#,
            30001,
        ),
    ];
    for (body, expected) in cases {
        let reply = client.call_raw("sns/friend_add", body).await;
        assert_eq!(code(&reply), expected, "{body}");
        assert_eq!(reply["ActionStatus"], "FAIL");
    }
    let reply = client
        .call_raw(
            "sns/friend_add",
            r#"{"From_Account":"alice","AddFriendItem":"x"}"#,
        )
        .await;
    assert_eq!(reply["ErrorInfo"], "SNS_DECODE_ERR");
    emulator.stop().await;
}

#[tokio::test]
async fn code_30008_concurrent_writes_to_one_from_account() {
    let config = config()
        .default_allow_type(AllowType::AllowAny)
        .write_latency(Duration::from_millis(1000));
    let (emulator, mut first) = setup(config, &["alice", "bob", "carol", "dave", "erin"]).await;
    let mut second = Client::connect(&emulator).await;
    let mut other = Client::connect(&emulator).await;
    let earlier = tokio::spawn(async move {
        let reply = add(&mut first, FriendAdd::new("alice", vec![item("bob")])).await;
        (first, reply)
    });
    // Once the first call holds the write lock on alice (for 1 s), write alice again.
    first_write_held(&emulator).await;
    let later = add(
        &mut second,
        FriendAdd::new("alice", vec![item("carol"), item("dave")]),
    )
    .await;
    let codes: Vec<_> = later
        .body
        .result_items
        .iter()
        .map(|i| i.result_code)
        .collect();
    assert_eq!(
        codes,
        [ErrorCode::SNS_WRITE_CONFLICT, ErrorCode::SNS_WRITE_CONFLICT]
    );
    assert_eq!(later.body.fail_accounts, ["carol", "dave"]);
    // Another From_Account is not blocked.
    assert_eq!(add_one(&mut other, "erin", "dave").await, ErrorCode::OK);
    let (mut first, reply) = earlier.await.unwrap();
    assert_eq!(reply.body.result_items[0].result_code, ErrorCode::OK);
    // Once the first write is done, a retry goes through.
    assert_eq!(add_one(&mut first, "alice", "carol").await, ErrorCode::OK);
    let state = emulator.app_state();
    assert_eq!(
        state.accounts["alice"]
            .friends
            .keys()
            .map(String::as_str)
            .collect::<std::collections::BTreeSet<_>>(),
        std::collections::BTreeSet::from(["bob", "carol"])
    );
    emulator.stop().await;
}

#[tokio::test]
async fn code_60007_rate_limit_per_endpoint() {
    let config = config()
        .rate_limit(RateLimit::Off)
        .endpoint_rate(Endpoint::FriendAdd, 3)
        .default_allow_type(AllowType::AllowAny);
    let (emulator, mut client) = setup(config, &["alice", "bob"]).await;
    let mut codes = Vec::new();
    for _ in 0..10 {
        let reply = client
            .call_raw("sns/friend_add", r#"{"From_Account":"alice","AddFriendItem":[{"To_Account":"bob","AddSource":"AddSource_Type_A"}]}"#)
            .await;
        codes.push(code(&reply));
    }
    assert_eq!(codes[..3], [0, 0, 0], "{codes:?}");
    assert!(codes.contains(&60007), "{codes:?}");
    // Other endpoints have their own budget.
    for _ in 0..10 {
        let reply = client.call_raw("sns/friend_check", r#"{"From_Account":"alice","To_Account":["bob"],"CheckType":"CheckResult_Type_Both"}"#).await;
        assert_eq!(code(&reply), 0);
    }
    // The budget refills.
    tokio::time::sleep(Duration::from_millis(400)).await;
    let reply = client.call_raw("sns/friend_add", r#"{"From_Account":"alice","AddFriendItem":[{"To_Account":"bob","AddSource":"AddSource_Type_A"}]}"#).await;
    assert_eq!(code(&reply), 0);
    emulator.stop().await;
}

#[tokio::test]
async fn default_rate_is_the_catalogue_rate() {
    // 200/s for friend_get: a burst of 600 calls (well under 2 s) gets some 60007.
    let emulator = start(tencent_im_emulator::Config::default(), &["alice"]).await;
    let mut client = Client::connect(&emulator).await;
    let mut limited = 0;
    for _ in 0..600 {
        let reply = client
            .call_raw(
                "sns/friend_get",
                r#"{"From_Account":"alice","StartIndex":0}"#,
            )
            .await;
        if code(&reply) == 60007 {
            limited += 1;
        }
    }
    assert!(limited > 0);
    emulator.stop().await;
}
