//! friend_add encoding and reply decoding at the 1000-item cap, and for one item (the per-call
//! cost the transport pays on every call).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(missing_docs)] // the criterion macros generate undocumented items

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use tencent_im_protocol::Command;
use tencent_im_protocol::sns::{AddFriendItem, FriendAdd, FriendAddResponse, ResultItem};
use tencent_im_protocol::{ErrorCode, Reply};

fn request(n: usize) -> FriendAdd {
    let items = (0..n)
        .map(|i| {
            AddFriendItem::new(format!("user_{i:06}"), "AddSource_Type_Android")
                .remark(format!("remark {i}"))
                .group_name("Classmates")
                .add_wording("Hello, I'm from the chess club")
        })
        .collect();
    FriendAdd::new("admin_user", items)
}

fn reply_body(n: usize) -> Vec<u8> {
    let results = (0..n)
        .map(|i| match i % 10 {
            1 => ResultItem::new(format!("user_{i:06}"), ErrorCode::SNS_PENDING, ""),
            2 => ResultItem::new(
                format!("user_{i:06}"),
                ErrorCode::SNS_BAD_REQUEST,
                "Err_SNS_FriendAdd_Friend_Exist",
            ),
            _ => ResultItem::new(format!("user_{i:06}"), ErrorCode::OK, ""),
        })
        .collect();
    serde_json::to_vec(&Reply::ok(FriendAddResponse::from_results(results))).unwrap()
}

fn bench(c: &mut Criterion) {
    for n in [1000, 1] {
        let req = request(n);
        let encoded = req.encode().unwrap();
        let mut g = c.benchmark_group("friend_add");
        g.throughput(Throughput::Bytes(encoded.len() as u64));
        g.bench_function(BenchmarkId::new("encode_request", n), |b| {
            b.iter(|| black_box(&req).encode().unwrap())
        });
        g.bench_function(BenchmarkId::new("validate_request", n), |b| {
            b.iter(|| black_box(&req).validate().unwrap())
        });

        let body = reply_body(n);
        g.throughput(Throughput::Bytes(body.len() as u64));
        g.bench_function(BenchmarkId::new("decode_reply", n), |b| {
            b.iter(|| FriendAdd::decode_reply(black_box(&body)).unwrap())
        });
        let reply = FriendAdd::decode_reply(&body).unwrap();
        g.bench_function(BenchmarkId::new("report", n), |b| {
            b.iter(|| black_box(&reply.body).report(black_box(&req)))
        });
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
