//! Every per-item report, whatever the reply holds: a valid request, then a hostile reply for it
//! (results for some requested accounts, none for others, several for one, results for accounts
//! never requested, any `ResultCode`, any `Fail_Account` and `Invalid_Account`, any `Relation` or
//! `AccountStatus`). The report never panics, gives exactly one outcome per requested account in
//! request order, fails an account the reply has no result for, decides an account's outcome by
//! its first result, and tells every disagreement as a discrepancy, and nothing else.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fmt::Debug;

use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use serde_json::{Value, json};
use tencent_im_protocol::im_open_login_svc::{
    AccountCheck, AccountCheckOutcome, CheckResultItem, ImportOutcome, MultiaccountImport,
};
use tencent_im_protocol::report::{AccountList, BatchItem, Discrepancy};
use tencent_im_protocol::sns::{
    AddFriendItem, AddOutcome, BlackListAdd, BlackListCheck, BlackListCheckItem, BlackListDelete,
    BlockCheckOutcome, BlockCheckType, BlockOutcome, CheckInfoItem, CheckOutcome, CheckType,
    DeleteOutcome, FriendAdd, FriendCheck, FriendDelete, ResultItem, UnblockOutcome,
};
use tencent_im_protocol::{Command, ErrorCode, ItemOutcome, ListCommand};

/// The accounts requests and replies name: valid UserIDs, some alike but for their case or a
/// space, one of the longest allowed. A request takes up to 20 of them (past the 8 up to which
/// reports scan lists instead of hashing them); the others are never requested.
const POOL: [&str; 28] = [
    "u0",
    "u1",
    "u2",
    "u3",
    "u4",
    "u5",
    "u6",
    "u7",
    "u8",
    "u9",
    "u10",
    "u11",
    "u12",
    "U0",
    "u0 ",
    "alice",
    "bob",
    "carol",
    "Ω",
    "\"q\"",
    "a\\b",
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    "v0",
    "v1",
    "v2",
    "v3",
    "v4",
    "v5",
];

/// One entry of a reply's per-account list, as sent.
#[derive(Debug, Clone)]
struct Entry {
    account: String,
    code: i64,
    info: String,
    /// `Relation` (friend_check, black_list_check) or `AccountStatus` (account_check); left out
    /// when `None`.
    tag: Option<String>,
}

/// A valid request's accounts and a hostile reply's lists.
#[derive(Debug, Clone)]
struct Case {
    /// The requested accounts, in request order, each once.
    requested: Vec<String>,
    /// The reply's per-account entries, in reply order.
    entries: Vec<Entry>,
    /// `Fail_Account` (`FailAccounts` of multiaccount_import).
    fail: Vec<String>,
    /// `Invalid_Account`.
    invalid: Vec<String>,
    /// How an empty list is sent: left out, `null` or `[]`.
    empty_as: u8,
}

fn code() -> impl Strategy<Value = i64> {
    prop_oneof![
        6 => Just(0),
        1 => Just(30001),
        1 => Just(30006),
        1 => Just(30007),
        1 => Just(30008),
        1 => Just(30539),
        1 => Just(31704),
        1 => Just(70107),
        1 => any::<i64>(),
    ]
}

fn info() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => Just(String::new()),
        1 => Just("Err_SNS_FriendAdd_Friend_Exist".to_owned()),
        1 => Just("Err_SNS_BlackListAdd_Already_Exist".to_owned()),
        1 => "\\PC{0,12}",
    ]
}

/// A `Relation` or `AccountStatus`: documented values of every command, others, or none.
fn tag() -> impl Strategy<Value = Option<String>> {
    let known = prop::sample::select(vec![
        "CheckResult_Type_BothWay",
        "CheckResult_Type_AWithB",
        "CheckResult_Type_BWithA",
        "CheckResult_Type_NoRelation",
        "BlackCheckResult_Type_BothWay",
        "BlackCheckResult_Type_AWithB",
        "BlackCheckResult_Type_BWithA",
        "BlackCheckResult_Type_NO",
        "Imported",
        "NotImported",
    ])
    .prop_map(str::to_owned);
    prop::option::weighted(0.85, prop_oneof![4 => known, 1 => "\\PC{0,12}"])
}

fn entry_for(account: String) -> impl Strategy<Value = Entry> {
    (code(), info(), tag()).prop_map(move |(code, info, tag)| Entry {
        account: account.clone(),
        code,
        info,
        tag,
    })
}

fn pool_account() -> impl Strategy<Value = String> {
    prop::sample::select(POOL.to_vec()).prop_map(str::to_owned)
}

fn case() -> impl Strategy<Value = Case> {
    prop::sample::subsequence(POOL.to_vec(), 1..=20)
        .prop_shuffle()
        .prop_map(|accounts| accounts.into_iter().map(str::to_owned).collect::<Vec<_>>())
        .prop_flat_map(|requested| {
            // Per requested account, mostly one entry, sometimes none or two.
            let copies = prop::collection::vec(
                prop_oneof![2 => Just(0usize), 10 => Just(1usize), 1 => Just(2usize)],
                requested.len(),
            );
            let extra = prop::collection::vec(pool_account().prop_flat_map(entry_for), 0..4);
            let picks = (copies, extra).prop_flat_map({
                let requested = requested.clone();
                move |(copies, extra)| {
                    let per_account: Vec<_> = requested
                        .iter()
                        .zip(&copies)
                        .flat_map(|(account, &n)| std::iter::repeat_n(account.clone(), n))
                        .map(entry_for)
                        .collect();
                    (per_account, Just(extra))
                }
            });
            let entries = picks
                .prop_map(|(mut entries, extra)| {
                    entries.extend(extra);
                    entries
                })
                .prop_shuffle();
            (
                Just(requested),
                entries,
                any::<bool>(),
                prop::collection::vec(pool_account(), 0..4),
                prop::collection::vec(pool_account(), 0..3),
                0u8..3,
            )
        })
        .prop_map(
            |(requested, entries, list_failed, extra, invalid, empty_as)| {
                // Half the time the failed entries, as Tencent lists them; then up to 3 of any.
                let mut fail: Vec<String> = if list_failed {
                    entries
                        .iter()
                        .filter(|e| e.code != 0)
                        .map(|e| e.account.clone())
                        .collect()
                } else {
                    Vec::new()
                };
                fail.extend(extra);
                Case {
                    requested,
                    entries,
                    fail,
                    invalid,
                    empty_as,
                }
            },
        )
}

impl Case {
    /// A reply body: the envelope of a success, each entry as `entry` writes it under `items`,
    /// and the account lists under `Fail_Account` and `Invalid_Account` (or `FailAccounts`).
    fn reply(&self, items: &str, entry: impl Fn(&Entry) -> Value, fail_name: &str) -> Vec<u8> {
        let mut body = json!({"ActionStatus": "OK", "ErrorCode": 0, "ErrorInfo": ""});
        let lists = [
            (items, self.entries.iter().map(entry).collect::<Vec<_>>()),
            (fail_name, self.fail.iter().map(|a| json!(a)).collect()),
            (
                "Invalid_Account",
                self.invalid.iter().map(|a| json!(a)).collect(),
            ),
        ];
        for (name, list) in lists {
            match (list.is_empty(), self.empty_as) {
                (true, 0) => {}
                (true, 1) => body[name] = Value::Null,
                _ => body[name] = Value::Array(list),
            }
        }
        serde_json::to_vec(&body).unwrap()
    }

    /// An sns `ResultItem` entry.
    fn result_item(e: &Entry) -> Value {
        json!({"To_Account": e.account, "ResultCode": e.code, "ResultInfo": e.info})
    }

    /// An entry with a `Relation`, as friend_check and black_list_check send them.
    fn related_item(e: &Entry) -> Value {
        let mut item = Self::result_item(e);
        if let Some(tag) = &e.tag {
            item["Relation"] = json!(tag);
        }
        item
    }
}

/// The discrepancies a reply holds, worked out naively from the wire lists: duplicated, missing
/// and unexpected results; and, with the lists (`lists` is `None` for replies that have none),
/// listed accounts without a result or whose first result succeeded, and failed results not
/// listed (codes of `not_failed` aside).
fn expected_discrepancies<I: BatchItem>(
    requested: &[String],
    results: &[I],
    lists: Option<(&[String], &[String])>,
    not_failed: &[ErrorCode],
) -> Vec<Discrepancy> {
    let first = |account: &str| results.iter().find(|r| r.account() == account);
    let mut expected = Vec::new();
    for (i, r) in results.iter().enumerate() {
        if results[..i].iter().any(|p| p.account() == r.account()) {
            expected.push(Discrepancy::DuplicateResult {
                account: r.account().to_owned(),
            });
        }
        if !requested.iter().any(|a| a == r.account()) {
            expected.push(Discrepancy::UnexpectedResult {
                account: r.account().to_owned(),
                code: r.result_code(),
            });
        }
    }
    for account in requested {
        if first(account).is_none() {
            expected.push(Discrepancy::MissingResult {
                account: account.clone(),
            });
        }
    }
    let Some((fail, invalid)) = lists else {
        return expected;
    };
    for (list, accounts) in [
        (AccountList::FailAccount, fail),
        (AccountList::InvalidAccount, invalid),
    ] {
        for account in accounts {
            match first(account) {
                None => expected.push(Discrepancy::ListedWithoutResult {
                    account: account.clone(),
                    list,
                }),
                Some(r) if r.result_code().is_ok() => {
                    expected.push(Discrepancy::ListedButSucceeded {
                        account: account.clone(),
                        list,
                    });
                }
                Some(_) => {}
            }
        }
    }
    for r in results {
        let code = r.result_code();
        let listed = fail.iter().chain(invalid).any(|a| a == r.account());
        if !code.is_ok() && !not_failed.contains(&code) && !listed {
            expected.push(Discrepancy::FailedButNotListed {
                account: r.account().to_owned(),
                code,
            });
        }
    }
    expected
}

/// Reads a decoded reply's `Fail_Account` and `Invalid_Account`.
type Lists<R> = fn(&R) -> (&[String], &[String]);

/// The properties of one command's report (see the file's doc), for a request that validates
/// and a reply `body` of it: `results` reads the decoded per-account list, `lists` the
/// decoded `Fail_Account` and `Invalid_Account` (`None` for a reply without them), and
/// `outcome` is what one result stands for.
fn check_report<C, I>(
    request: &C,
    body: &[u8],
    results: fn(&C::Response) -> &[I],
    lists: Option<Lists<C::Response>>,
    not_failed: &[ErrorCode],
    outcome: fn(&I) -> C::Outcome,
) -> Result<(), TestCaseError>
where
    C: ListCommand,
    C::Outcome: PartialEq + Debug,
    I: BatchItem,
{
    prop_assert!(request.validate().is_ok(), "{:?}", request.validate());
    let reply = match C::decode_reply(body) {
        Ok(reply) => reply,
        Err(e) => {
            return Err(TestCaseError::fail(format!(
                "{e}: {}",
                String::from_utf8_lossy(body)
            )));
        }
    };
    let report = C::report(&reply.body, request);

    // One item per requested account, in request order.
    let requested: Vec<String> = request
        .items()
        .iter()
        .map(|i| C::account(i).to_owned())
        .collect();
    let reported: Vec<&str> = report.items.iter().map(|i| i.account.as_str()).collect();
    prop_assert_eq!(&reported, &requested);

    // The first result of an account decides its outcome; none is a failure without a code.
    let results = results(&reply.body);
    for item in &report.items {
        match results.iter().find(|r| r.account() == item.account) {
            Some(first) => prop_assert_eq!(&item.outcome, &outcome(first), "{}", item.account),
            None => {
                let failure = item.outcome.failure();
                prop_assert!(
                    failure.is_some_and(|f| f.code.is_none() && f.is_retryable()),
                    "{} has no result, yet {:?}",
                    item.account,
                    item.outcome
                );
            }
        }
    }

    // Every disagreement is told, and nothing else (each kind at least once per account; the
    // report may tell one several times, e.g. an account listed twice).
    let lists = lists.map(|l| l(&reply.body));
    let expected = expected_discrepancies(&requested, results, lists, not_failed);
    for d in &expected {
        prop_assert!(
            report.discrepancies.contains(d),
            "{d:?} missing from {:?}",
            report.discrepancies
        );
    }
    for d in &report.discrepancies {
        prop_assert!(expected.contains(d), "{d:?} is no disagreement");
    }
    prop_assert_eq!(
        report.is_complete_success(),
        expected.is_empty() && report.items.iter().all(|i| i.outcome.is_success())
    );
    Ok(())
}

fn sns_lists(body: &tencent_im_protocol::sns::BatchResponse) -> (&[String], &[String]) {
    (&body.fail_accounts, &body.invalid_accounts)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn friend_add(case in case(), source in "[A-Za-z]{1,8}") {
        let items = case
            .requested
            .iter()
            .map(|a| AddFriendItem::new(a.clone(), format!("AddSource_Type_{source}")))
            .collect();
        check_report(
            &FriendAdd::new("me", items),
            &case.reply("ResultItem", Case::result_item, "Fail_Account"),
            |b| &b.result_items,
            Some(sns_lists),
            &[ErrorCode::SNS_PENDING],
            |r: &ResultItem| AddOutcome::from_result(r),
        )?;
    }

    #[test]
    fn black_list_add(case in case()) {
        check_report(
            &BlackListAdd::new("me", case.requested.clone()),
            &case.reply("ResultItem", Case::result_item, "Fail_Account"),
            |b| &b.result_items,
            Some(sns_lists),
            &[],
            |r: &ResultItem| BlockOutcome::from_result(r),
        )?;
    }

    #[test]
    fn black_list_delete(case in case()) {
        check_report(
            &BlackListDelete::new("me", case.requested.clone()),
            &case.reply("ResultItem", Case::result_item, "Fail_Account"),
            |b| &b.result_items,
            Some(sns_lists),
            &[],
            |r: &ResultItem| UnblockOutcome::from_result(r),
        )?;
    }

    /// friend_delete's reply has no failure list: a `Fail_Account` sent anyway changes nothing.
    #[test]
    fn friend_delete(case in case()) {
        check_report(
            &FriendDelete::new("me", case.requested.clone()),
            &case.reply("ResultItem", Case::result_item, "Fail_Account"),
            |b| &b.result_items,
            None,
            &[],
            |r: &ResultItem| DeleteOutcome::from_result(r),
        )?;
    }

    #[test]
    fn friend_check(case in case(), both in any::<bool>()) {
        let check_type = if both { CheckType::Both } else { CheckType::Single };
        check_report(
            &FriendCheck::new("me", case.requested.clone(), check_type),
            &case.reply("InfoItem", Case::related_item, "Fail_Account"),
            |b| &b.info_items,
            Some(|b| (&b.fail_accounts, &[])),
            &[],
            |r: &CheckInfoItem| CheckOutcome::from_result(r),
        )?;
    }

    #[test]
    fn black_list_check(case in case(), both in any::<bool>()) {
        let check_type = if both { BlockCheckType::Both } else { BlockCheckType::Single };
        check_report(
            &BlackListCheck::new("me", case.requested.clone(), check_type),
            &case.reply("BlackListCheckItem", Case::related_item, "Fail_Account"),
            |b| &b.check_items,
            Some(|b| (&b.fail_accounts, &[])),
            &[],
            |r: &BlackListCheckItem| BlockCheckOutcome::from_result(r),
        )?;
    }

    /// account_check names accounts `UserID`, carries `AccountStatus` and has no failure list.
    #[test]
    fn account_check(case in case()) {
        let entry = |e: &Entry| {
            let mut item = json!({"UserID": e.account, "ResultCode": e.code, "ResultInfo": e.info});
            if let Some(tag) = &e.tag {
                item["AccountStatus"] = json!(tag);
            }
            item
        };
        check_report(
            &AccountCheck::new(case.requested.clone()),
            &case.reply("ResultItem", entry, "Fail_Account"),
            |b| &b.result_items,
            None,
            &[],
            |r: &CheckResultItem| AccountCheckOutcome::from_result(r),
        )?;
    }

    /// multiaccount_import's reply lists only the accounts that failed (`FailAccounts`): one
    /// outcome per requested account, in request order, failed exactly when listed, and every
    /// listed account that was not requested told.
    #[test]
    fn multiaccount_import(case in case()) {
        let request = MultiaccountImport::from_user_ids(case.requested.clone());
        prop_assert!(request.validate().is_ok());
        let body = case.reply("ResultItem", Case::result_item, "FailAccounts");
        let reply = MultiaccountImport::decode_reply(&body).unwrap();
        let report = MultiaccountImport::report(&reply.body, &request);
        let reported: Vec<&str> = report.items.iter().map(|i| i.account.as_str()).collect();
        prop_assert_eq!(&reported, &case.requested);
        for item in &report.items {
            let listed = case.fail.contains(&item.account);
            prop_assert_eq!(item.outcome.failure().is_some(), listed, "{}", item.account);
            if !listed {
                prop_assert_eq!(&item.outcome, &ImportOutcome::Imported);
            }
        }
        let expected: Vec<Discrepancy> = case
            .fail
            .iter()
            .filter(|a| !case.requested.contains(a))
            .map(|a| Discrepancy::ListedButNotRequested {
                account: a.clone(),
                list: AccountList::FailAccounts,
            })
            .collect();
        for d in &expected {
            prop_assert!(report.discrepancies.contains(d), "{d:?} missing");
        }
        for d in &report.discrepancies {
            prop_assert!(expected.contains(d), "{d:?} is no disagreement");
        }
    }
}
