//! The admin UserSig lifecycle against the emulator: renewal ahead of expiry by a moved clock,
//! one generation for many concurrent callers, one renewal after 70001, fixed sigs and providers.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use common::*;
use tencent_im::{
    AllowType, CheckType, Client, ErrorCode, ErrorKind, ManualClock, SigPolicy, UserSig,
    UserSigProvider,
};
use tencent_im_emulator::Config;

const T0: u64 = 1_800_000_000;
const DAY: u64 = 86_400;

fn clocks() -> (Arc<ManualClock>, Arc<ManualClock>) {
    (
        Arc::new(ManualClock::new(T0)),
        Arc::new(ManualClock::new(T0)),
    )
}

#[tokio::test]
async fn the_sig_is_renewed_ahead_of_expiry_and_only_once_for_many_callers() {
    let (client_clock, server_clock) = clocks();
    let emu = emulator(Config::default().clock(server_clock.clone())).await;
    emu.seed_accounts(["alice", "bob"]);
    let client = builder(&emu).clock(client_clock.clone()).build().unwrap();
    assert_eq!(
        client.sig_generations(),
        Some(0),
        "nothing is generated before a call"
    );

    client.check_accounts(["alice"]).await.unwrap();
    client.check_accounts(["alice"]).await.unwrap();
    assert_eq!(client.sig_generations(), Some(1));

    // The margin of a one-day sig is 10% of a day: at 2.4 h before expiry it is still used...
    let margin = SigPolicy::default().renew_margin().as_secs();
    assert_eq!(margin, DAY / 10);
    client_clock.set(T0 + DAY - margin - 1);
    server_clock.set(T0 + DAY - margin - 1);
    client.check_accounts(["alice"]).await.unwrap();
    assert_eq!(client.sig_generations(), Some(1));

    // ...and from then on 50 concurrent callers share one new sig.
    client_clock.advance(1);
    server_clock.advance(1);
    let calls: Vec<_> = (0..50)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move {
                client
                    .check_friends("alice", ["bob"], CheckType::Both)
                    .await
            })
        })
        .collect();
    for call in calls {
        call.await.unwrap().unwrap();
    }
    assert_eq!(client.sig_generations(), Some(2));

    // The emulator saw exactly two distinct sigs, and every request verified.
    assert!(emu.journal().iter().all(|e| e.error_code == Some(0)));
    emu.stop().await;
}

#[tokio::test]
async fn a_70001_is_renewed_once_and_the_call_succeeds() {
    let (client_clock, server_clock) = clocks();
    let emu = emulator(
        Config::default()
            .clock(server_clock.clone())
            .default_allow_type(AllowType::AllowAny),
    )
    .await;
    emu.seed_accounts(["alice", "bob"]);
    let client = builder(&emu).clock(client_clock.clone()).build().unwrap();
    client.check_accounts(["alice"]).await.unwrap();

    // The server's clock runs a day ahead of the client's: the cached sig looks fresh to the
    // client, and Tencent answers 70001.
    client_clock.advance(3600);
    server_clock.set(T0 + DAY + 10);
    let report = client.friend_add("alice").to("bob").await.unwrap();
    assert!(report.is_complete_success(), "{report}");
    assert_eq!(
        report.requests[0].attempts, 2,
        "70001, then the renewed sig"
    );
    assert_eq!(client.sig_generations(), Some(2));
    let codes: Vec<_> = requests_to(&emu, "/v4/sns/friend_add")
        .iter()
        .map(|e| e.error_code)
        .collect();
    assert_eq!(codes, [Some(70001), Some(0)]);
    emu.stop().await;
}

#[tokio::test]
async fn a_fixed_sig_cannot_be_renewed() {
    let (_, server_clock) = clocks();
    let emu = emulator(Config::default().clock(server_clock.clone())).await;
    emu.seed_accounts(["alice"]);
    let app = emu.credentials();
    let sig = app
        .generator()
        .with_clock(tencent_im::layers::usersig::FixedClock::new(T0))
        .generate(app.admin(), Duration::from_secs(60))
        .unwrap();
    let client = Client::builder(app.sdkappid(), app.admin())
        .user_sig(sig)
        .endpoint(&emu.base_url())
        .build()
        .unwrap();
    assert_eq!(client.sig_generations(), None);
    client.check_accounts(["alice"]).await.unwrap();
    server_clock.advance(3600);
    let err = client.check_accounts(["alice"]).await.unwrap_err();
    assert_eq!(err.api_code(), Some(ErrorCode::new(70001)));
    assert_eq!(err.kind(), ErrorKind::Api(ErrorCode::new(70001)));
    assert!(err.random().is_some());
    emu.stop().await;
}

#[derive(Debug)]
struct Counting {
    sig: UserSig,
    calls: AtomicU32,
}

impl UserSigProvider for Counting {
    fn user_sig(
        &self,
        _renew: bool,
    ) -> tencent_im::layers::transport::BoxFuture<
        '_,
        Result<UserSig, tencent_im::layers::transport::CredentialsError>,
    > {
        self.calls.fetch_add(1, Ordering::SeqCst);
        Box::pin(std::future::ready(Ok(self.sig.clone())))
    }
}

#[tokio::test]
async fn a_callers_provider_is_asked_for_every_request() {
    let emu = emulator(Config::default()).await;
    emu.seed_accounts(["alice"]);
    let app = emu.credentials();
    let provider = Arc::new(Counting {
        sig: app.user_sig(Duration::from_secs(600)).unwrap(),
        calls: AtomicU32::new(0),
    });
    let client = Client::builder(app.sdkappid(), app.admin())
        .user_sig_provider(provider.clone())
        .endpoint(&emu.base_url())
        .build()
        .unwrap();
    client.check_accounts(["alice"]).await.unwrap();
    client.check_accounts(["alice"]).await.unwrap();
    assert_eq!(provider.calls.load(Ordering::SeqCst), 2);
    emu.stop().await;
}

#[tokio::test]
async fn a_wrong_key_fails_with_70009_and_is_not_retried() {
    let emu = emulator(Config::default()).await;
    let app = emu.credentials();
    let client = Client::builder(app.sdkappid(), app.admin())
        .secret_key("not the app's key")
        .endpoint(&emu.base_url())
        .build()
        .unwrap();
    let err = client.check_accounts(["alice"]).await.unwrap_err();
    assert_eq!(err.api_code(), Some(ErrorCode::new(70009)));
    assert!(!err.is_retryable());
    assert_eq!(err.attempts(), 1);
    assert_eq!(emu.journal().len(), 1);
    emu.stop().await;
}
