//! The whole loop, offline: the `tencent-im` client changes friendships on the emulator through
//! the REST API, the emulator calls back, and a hyper server using this crate receives exactly
//! the callbacks the rules predict (none for a pending add), verified, in order.
// Test code: helpers outside #[test] functions may unwrap, expect and panic too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full, Limited};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tencent_im::{AddOutcome, AllowType, Client, DeleteType, Unlimited};
use tencent_im_emulator::{Config, Emulator, RateLimit};
use tencent_im_webhook::callback::{
    AccountPair, CallbackBlackListAdd, CallbackBlackListDelete, CallbackEvent, CallbackFriendAdd,
    CallbackFriendDelete, ClientCmd, FriendAddPair, OptPlatform,
};
use tencent_im_webhook::{CallbackReply, CallbackToken, VerifiedCallback, Verifier};
use tokio::net::TcpListener;
use tokio::task::{JoinHandle, JoinSet};

const TOKEN: &str = "loop-token-7c1e";

/// What the app's server saw: a verified callback, or the error of one it refused.
type Seen = Arc<Mutex<Vec<Result<VerifiedCallback, String>>>>;

/// The app's callback server: hyper on 127.0.0.1:0, verifying every request with `verifier`.
struct AppServer {
    addr: SocketAddr,
    seen: Seen,
    task: JoinHandle<()>,
}

impl AppServer {
    async fn start(verifier: Verifier) -> Self {
        let verifier = Arc::new(verifier);
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let seen: Seen = Arc::default();
        let record = seen.clone();
        let task = tokio::spawn(async move {
            // Dropped with this task: aborting it closes every connection.
            let mut connections = JoinSet::new();
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let (verifier, record) = (verifier.clone(), record.clone());
                let service = service_fn(move |req: hyper::Request<Incoming>| {
                    let (verifier, record) = (verifier.clone(), record.clone());
                    async move { Ok::<_, Infallible>(handle(&verifier, &record, req).await) }
                });
                connections.spawn(async move {
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Self { addr, seen, task }
    }

    fn url(&self) -> String {
        format!("http://{}/tim/callback", self.addr)
    }

    fn seen(&self) -> Vec<Result<VerifiedCallback, String>> {
        self.seen.lock().unwrap().clone()
    }

    async fn stop(self) {
        self.task.abort();
        let _ = self.task.await;
    }
}

async fn handle(
    verifier: &Verifier,
    record: &Seen,
    req: hyper::Request<Incoming>,
) -> hyper::Response<Full<Bytes>> {
    let (parts, body) = req.into_parts();
    // Cap the read itself, not only the verified length.
    let Ok(body) = Limited::new(body, verifier.body_limit()).collect().await else {
        let mut response = hyper::Response::new(Full::new(Bytes::new()));
        *response.status_mut() = hyper::StatusCode::PAYLOAD_TOO_LARGE;
        return response;
    };
    let request = http::Request::from_parts(parts, body.to_bytes());
    match verifier.verify(&request) {
        Ok(callback) => {
            let reply = CallbackReply::ack(&callback.event).into_http();
            record.lock().unwrap().push(Ok(callback));
            reply.map(|body| Full::new(Bytes::from(body)))
        }
        Err(error) => {
            let mut response = hyper::Response::new(Full::new(Bytes::from(error.to_string())));
            *response.status_mut() = hyper::StatusCode::from_u16(error.http_status()).unwrap();
            record.lock().unwrap().push(Err(error.to_string()));
            response
        }
    }
}

fn client(emulator: &Emulator) -> Client {
    let app = emulator.credentials();
    Client::builder(app.sdkappid(), app.admin())
        .secret_key(app.secret_key())
        .endpoint(&emulator.base_url())
        .rate_limiter(Arc::new(Unlimited))
        .build()
        .unwrap()
}

async fn start_emulator(callback_url: &str, token: &str) -> Emulator {
    let config = Config::default()
        .rate_limit(RateLimit::Off)
        .callback(callback_url, Some(token));
    let emulator = Emulator::start(config).await.unwrap();
    emulator.seed_accounts(["alice", "bob", "carol", "dave", "erin"]);
    emulator
}

fn added(pairs: &[(&str, &str, &str)], forced: bool) -> CallbackEvent {
    let pairs = pairs
        .iter()
        .map(|(f, t, i)| FriendAddPair::new(*f, *t, *i))
        .collect();
    CallbackFriendAdd::new(pairs, ClientCmd::FriendAdd, "administrator", forced).into()
}

fn pairs(pairs: &[(&str, &str)]) -> Vec<AccountPair> {
    pairs
        .iter()
        .map(|(f, t)| AccountPair::new(*f, *t))
        .collect()
}

#[tokio::test]
async fn rest_changes_reach_a_verifying_server_as_the_rules_predict() {
    let token = CallbackToken::new(TOKEN).unwrap();
    let server = AppServer::start(Verifier::new(1_400_000_000, token).replay_cache(1000)).await;
    let emulator = start_emulator(&server.url(), TOKEN).await;
    let client = client(&emulator);
    client
        .set_allow_type("carol", AllowType::AllowAny)
        .await
        .unwrap();

    // bob must confirm: pending, no callback.
    let report = client.friend_add("alice").to("bob").await.unwrap();
    assert_eq!(report.outcome("bob"), Some(&AddOutcome::Pending));
    // carol accepts anyone: added both ways.
    let report = client.friend_add("alice").to("carol").await.unwrap();
    assert_eq!(report.outcome("carol"), Some(&AddOutcome::Added));
    // One-way, and forced.
    client
        .friend_add("alice")
        .to("dave")
        .single()
        .await
        .unwrap();
    client.friend_add("bob").to("erin").force().await.unwrap();
    // Deleted both ways, then a block.
    client
        .delete_friends("alice", ["carol"], DeleteType::Both)
        .await
        .unwrap();
    client.block("erin", ["bob"]).await.unwrap();
    // Unblocked (bob), and not blocked (carol): one pair.
    client.unblock("erin", ["bob", "carol"]).await.unwrap();

    emulator.flush_callbacks().await;
    let seen = server.seen();
    let verified: Vec<VerifiedCallback> = seen
        .into_iter()
        .map(|r| r.unwrap_or_else(|e| panic!("refused: {e}")))
        .collect();
    let events: Vec<CallbackEvent> = verified.iter().map(|c| c.event.clone()).collect();
    assert_eq!(
        events,
        [
            added(
                &[("alice", "carol", "alice"), ("carol", "alice", "alice")],
                false
            ),
            added(&[("alice", "dave", "alice")], false),
            added(&[("bob", "erin", "bob"), ("erin", "bob", "bob")], true),
            CallbackFriendDelete::new(pairs(&[("alice", "carol"), ("carol", "alice")])).into(),
            CallbackBlackListAdd::new(pairs(&[("erin", "bob")])).into(),
            CallbackBlackListDelete::new(pairs(&[("erin", "bob")])).into(),
        ]
    );
    for callback in &verified {
        assert_eq!(callback.query.sdkappid, 1_400_000_000);
        assert_eq!(callback.query.opt_platform, Some(OptPlatform::RestApi));
        assert_eq!(callback.query.client_ip.as_deref(), Some("127.0.0.1"));
        assert!(callback.query.request_id.is_some());
    }
    // The emulator's callback journal saw every reply acknowledge its callback.
    let journal = emulator.callbacks();
    assert_eq!(journal.len(), 6);
    assert!(journal.iter().all(|e| e.is_acknowledged()), "{journal:?}");

    emulator.stop().await;
    server.stop().await;
}

#[tokio::test]
async fn a_server_with_another_token_refuses_every_callback_and_rest_calls_still_succeed() {
    let server = AppServer::start(Verifier::new(
        1_400_000_000,
        CallbackToken::new("not-the-emulators-token").unwrap(),
    ))
    .await;
    let emulator = start_emulator(&server.url(), TOKEN).await;
    let client = client(&emulator);
    let report = client.friend_add("alice").to("bob").force().await.unwrap();
    assert_eq!(report.outcome("bob"), Some(&AddOutcome::Added));
    emulator.flush_callbacks().await;
    assert_eq!(
        server.seen(),
        [Err(
            "the Sign parameter does not match the callback token and RequestTime".to_owned()
        )]
    );
    let journal = emulator.callbacks();
    assert_eq!(journal[0].status, Some(401));
    assert!(!journal[0].is_acknowledged());
    emulator.stop().await;
    server.stop().await;
}
