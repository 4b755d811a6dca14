//! Verify + decode of a one-pair `Sns.CallbackFriendAdd` (target ≤ 5 µs on one core), and its
//! parts: the body decode alone and `Sign` alone.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(missing_docs)] // the criterion macros generate undocumented items

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use tencent_im_webhook::callback::CallbackEvent;
use tencent_im_webhook::{CallbackToken, FixedClock, Verifier};

const APP: u64 = 1_400_000_000;
const NOW: u64 = 1_700_000_000;
const BODY: &[u8] = br#"{"CallbackCommand":"Sns.CallbackFriendAdd","PairList":[{"From_Account":"alice","To_Account":"bob","Initiator_Account":"alice"}],"ClientCmd":"friend_add","Admin_Account":"administrator","ForceFlag":0}"#;

fn bench(c: &mut Criterion) {
    let token = CallbackToken::new("a-callback-token-of-32-characters").unwrap();
    let query = format!(
        "SdkAppid={APP}&CallbackCommand=Sns.CallbackFriendAdd&contenttype=json\
         &ClientIP=127.0.0.1&OptPlatform=RESTAPI&RequestId=7f3a9c1e-42\
         &RequestTime={NOW}&Sign={}",
        token.sign(NOW)
    );
    let verifier = Verifier::new(APP, token.clone()).with_clock(FixedClock::new(NOW));
    assert!(verifier.verify_parts(&query, BODY).is_ok());
    let request = http::Request::post(format!("/cb?{query}"))
        .body(bytes::Bytes::from_static(BODY))
        .unwrap();

    let mut g = c.benchmark_group("webhook");
    g.bench_function("verify_parts_friend_add_1_pair", |b| {
        b.iter(|| {
            verifier
                .verify_parts(black_box(&query), black_box(BODY))
                .unwrap()
        })
    });
    g.bench_function("verify_request_friend_add_1_pair", |b| {
        b.iter(|| verifier.verify(black_box(&request)).unwrap())
    });
    g.bench_function("decode_friend_add_1_pair", |b| {
        b.iter(|| CallbackEvent::decode(black_box(BODY)).unwrap())
    });
    g.bench_function("sign", |b| {
        b.iter(|| black_box(&token).sign(black_box(NOW)))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
