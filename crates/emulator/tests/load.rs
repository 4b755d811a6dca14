//! Many concurrent clients adding and deleting friends; afterwards the invariants hold:
//! two-way friendships are symmetric, no list has duplicates (read over the wire), and the
//! counts match the successful calls.

// Test code: helpers outside #[test] functions may unwrap, expect and panic too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::{BTreeSet, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Instant;

use common::{Client, config, start};
use tencent_im_protocol::ErrorCode;
use tencent_im_protocol::profile::AllowType;
use tencent_im_protocol::sns::{AddFriendItem, FriendAdd, FriendDelete, FriendGet};

const ACCOUNTS: usize = 60;
const CLIENTS: usize = 32;
const REQUESTS_PER_CLIENT: usize = 200;

/// A tiny deterministic generator per client.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, bound: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) as usize) % bound
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invariants_hold_after_concurrent_load() {
    let ids: Vec<String> = (0..ACCOUNTS).map(|i| format!("u{i:03}")).collect();
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let emulator = start(config().default_allow_type(AllowType::AllowAny), &refs).await;
    let ids = Arc::new(ids);
    let added = Arc::new(AtomicI64::new(0));
    let deleted = Arc::new(AtomicI64::new(0));
    let started = Instant::now();

    let mut tasks = Vec::new();
    for c in 0..CLIENTS {
        let mut client = Client::connect(&emulator).await;
        let (ids, added, deleted) = (ids.clone(), added.clone(), deleted.clone());
        tasks.push(tokio::spawn(async move {
            let mut rng = Lcg(c as u64 + 1);
            for _ in 0..REQUESTS_PER_CLIENT {
                let from = ids[rng.next(ACCOUNTS)].clone();
                if rng.next(4) == 0 {
                    let to = ids[rng.next(ACCOUNTS)].clone();
                    let reply = client.send(&FriendDelete::new(from, [to])).await;
                    assert!(!reply.envelope.is_failure());
                    let ok = reply
                        .body
                        .result_items
                        .iter()
                        .filter(|i| i.result_code == ErrorCode::OK)
                        .count();
                    deleted.fetch_add(ok as i64, Ordering::Relaxed);
                } else {
                    // 1 to 3 targets, possibly repeated or the sender itself.
                    let items = (0..=rng.next(3))
                        .map(|_| {
                            AddFriendItem::new(
                                ids[rng.next(ACCOUNTS)].as_str(),
                                "AddSource_Type_Load",
                            )
                        })
                        .collect();
                    let reply = client.send(&FriendAdd::new(from, items)).await;
                    assert!(!reply.envelope.is_failure());
                    for item in &reply.body.result_items {
                        let code = item.result_code;
                        assert!(
                            code == ErrorCode::OK || code == ErrorCode::SNS_BAD_REQUEST,
                            "{item:?}"
                        );
                        if code == ErrorCode::OK {
                            added.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let elapsed = started.elapsed();

    let state = emulator.app_state();
    // Symmetric: every two-way add and delete wrote both lists.
    let mut pairs = BTreeSet::new();
    for (a, account) in &state.accounts {
        assert!(!account.friends.contains_key(a), "{a} is its own friend");
        for b in account.friends.keys() {
            assert!(
                state.accounts[b].friends.contains_key(a),
                "{a} -> {b} is one-way"
            );
            pairs.insert(if a < b {
                (a.clone(), b.clone())
            } else {
                (b.clone(), a.clone())
            });
        }
    }
    // Counts: each successful add made one friendship, each successful delete removed one.
    let net = added.load(Ordering::Relaxed) - deleted.load(Ordering::Relaxed);
    assert_eq!(net, pairs.len() as i64);
    assert!(pairs.len() > 10);

    // No duplicates, and the wire agrees with the state.
    let mut client = Client::connect(&emulator).await;
    for (id, account) in &state.accounts {
        let mut seen = HashSet::new();
        let mut req = Some(FriendGet::new(id.as_str(), 0));
        while let Some(r) = req {
            let reply = client.send(&r).await;
            assert_eq!(reply.body.friend_num as usize, account.friends.len());
            for item in &reply.body.user_data_items {
                assert!(
                    seen.insert(item.to_account.clone()),
                    "{id} lists {} twice",
                    item.to_account
                );
            }
            req = reply.body.next_page(&r);
        }
        assert_eq!(seen.len(), account.friends.len());
    }
    let requests = CLIENTS * REQUESTS_PER_CLIENT;
    eprintln!("{requests} requests from {CLIENTS} clients in {elapsed:?}");
    emulator.stop().await;
}
