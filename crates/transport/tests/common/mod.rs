//! Helpers for the transport's tests: an emulator with a recording UserSig provider, and small
//! raw TCP servers that misbehave on purpose.
#![allow(
    dead_code,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tencent_im_emulator::{Config, Emulator, RateLimit};
use tencent_im_protocol::sns::{AddFriendItem, FriendAdd};
use tencent_im_transport::{
    BoxFuture, Credentials, CredentialsError, DefaultRetryPolicy, Limits, Target, Transport,
    TransportBuilder, Unlimited, UserSig, UserSigProvider,
};
use tencent_im_usersig::FixedClock;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// A UserSig provider over the emulator's app key that records every sig it hands out.
pub struct Sigs {
    creds: tencent_im_emulator::AppCredentials,
    identifier: String,
    /// Hand out an expired sig until a renewal is asked for.
    pub start_expired: bool,
    pub issued: Mutex<Vec<String>>,
    pub renewals: AtomicU32,
    pub fail: bool,
}

impl Sigs {
    pub fn new(emulator: &Emulator) -> Arc<Self> {
        Self::build(emulator, false, false)
    }

    pub fn build(emulator: &Emulator, start_expired: bool, fail: bool) -> Arc<Self> {
        let creds = emulator.credentials();
        Arc::new(Self {
            creds: creds.clone(),
            identifier: creds.admin().to_owned(),
            start_expired,
            issued: Mutex::new(Vec::new()),
            renewals: AtomicU32::new(0),
            fail,
        })
    }

    pub fn issued(&self) -> Vec<String> {
        self.issued.lock().unwrap().clone()
    }
}

impl UserSigProvider for Sigs {
    fn user_sig(&self, renew: bool) -> BoxFuture<'_, Result<UserSig, CredentialsError>> {
        if self.fail {
            return Box::pin(async { Err(CredentialsError::new("the key store is locked")) });
        }
        if renew {
            self.renewals.fetch_add(1, Ordering::SeqCst);
        }
        let expired = self.start_expired && self.renewals.load(Ordering::SeqCst) == 0;
        let sig = if expired {
            self.creds
                .generator()
                .with_clock(FixedClock::new(1_000_000_000))
                .generate(&self.identifier, Duration::from_secs(86_400))
        } else {
            self.creds
                .generator()
                .generate(&self.identifier, Duration::from_secs(86_400))
        }
        .unwrap();
        self.issued.lock().unwrap().push(sig.expose().to_owned());
        Box::pin(async move { Ok(sig) })
    }
}

/// The development app without the emulator's rate limit.
pub fn config() -> Config {
    Config::default().rate_limit(RateLimit::Off)
}

/// An emulator with alice and bob.
pub async fn emulator(config: Config) -> Emulator {
    let emulator = Emulator::start(config).await.unwrap();
    emulator.seed_accounts(["alice", "bob"]);
    emulator
}

/// Quick retries, no client-side rate limit.
pub fn fast_retries() -> Arc<DefaultRetryPolicy> {
    Arc::new(
        DefaultRetryPolicy::default()
            .base_delay(Duration::from_millis(5))
            .rate_limited_delay(Duration::from_millis(5))
            .max_delay(Duration::from_millis(20)),
    )
}

/// A builder for `target` with `sigs`, fast retries and no client-side rate limit.
pub fn builder_for(target: Target, emulator: &Emulator, sigs: Arc<Sigs>) -> TransportBuilder {
    let creds = emulator.credentials();
    Transport::builder(
        target,
        Credentials::new(creds.sdkappid(), creds.admin(), sigs),
    )
    .retry_policy(fast_retries())
    .rate_limiter(Arc::new(Unlimited))
    .limits(
        Limits::default()
            .connect_timeout(Duration::from_secs(2))
            .attempt_timeout(Duration::from_secs(5))
            .total_timeout(Duration::from_secs(10)),
    )
}

/// A builder for the emulator itself.
pub fn builder(emulator: &Emulator, sigs: Arc<Sigs>) -> TransportBuilder {
    builder_for(
        Target::custom(&emulator.base_url()).unwrap(),
        emulator,
        sigs,
    )
}

/// alice adds bob.
pub fn friend_add() -> FriendAdd {
    FriendAdd::new(
        "alice",
        vec![AddFriendItem::new("bob", "AddSource_Type_Web")],
    )
}

/// The `random` value of a journal query string.
pub fn random_of(query: &str) -> u32 {
    query
        .split('&')
        .find_map(|p| p.strip_prefix("random="))
        .unwrap()
        .parse()
        .unwrap()
}

/// A raw TCP server: each connection reads one request head (and whatever body came with it)
/// and then runs `answer`.
pub struct RawServer {
    pub addr: SocketAddr,
    pub requests: Arc<AtomicU32>,
    task: JoinHandle<()>,
}

impl RawServer {
    pub async fn start<F, Fut>(answer: F) -> Self
    where
        F: Fn(tokio::net::TcpStream) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = ()> + Send + 'static,
    {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let requests = Arc::new(AtomicU32::new(0));
        let count = requests.clone();
        let answer = Arc::new(answer);
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                count.fetch_add(1, Ordering::SeqCst);
                let answer = answer.clone();
                tokio::spawn(async move { answer(stream).await });
            }
        });
        Self {
            addr,
            requests,
            task,
        }
    }

    /// A server that answers every request with `response` (raw bytes), keeping the connection.
    pub async fn canned(response: Vec<u8>) -> Self {
        let response = Arc::new(response);
        Self::start(move |mut stream| {
            let response = response.clone();
            async move {
                while read_head(&mut stream).await {
                    if stream.write_all(&response).await.is_err() {
                        return;
                    }
                }
            }
        })
        .await
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn target(&self) -> Target {
        Target::custom(&self.url()).unwrap()
    }
}

impl Drop for RawServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Reads one HTTP request (head and `Content-Length` body); false at end of stream.
pub async fn read_head(stream: &mut tokio::net::TcpStream) -> bool {
    read_request(stream).await.is_some()
}

/// Reads one HTTP request (head and `Content-Length` body) and returns its bytes; `None` at end
/// of stream.
pub async fn read_request(stream: &mut tokio::net::TcpStream) -> Option<Vec<u8>> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .map_or(0, |v| v.trim().parse().unwrap());
            while buf.len() < end + 4 + len {
                match stream.read(&mut chunk).await {
                    Ok(0) | Err(_) => return None,
                    Ok(n) => buf.extend_from_slice(&chunk[..n]),
                }
            }
            return Some(buf);
        }
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
}

/// An HTTP/1.1 response with a `Content-Length`.
pub fn http_response(status: &str, content_type: &str, body: &[u8]) -> Vec<u8> {
    let mut r = format!(
        "HTTP/1.1 {status}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    r.extend_from_slice(body);
    r
}

/// A friend_add reply with one pending item.
pub const FRIEND_ADD_REPLY: &str = r#"{"ResultItem":[{"To_Account":"bob","ResultCode":30539,"ResultInfo":"Err_SNS_FriendAdd_Friend_Exist"}],"Fail_Account":["bob"],"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","ErrorDisplay":""}"#;

/// A fixed-sig transport for a raw server.
pub fn raw_transport(server: &RawServer, limits: Limits) -> Transport {
    Transport::builder(
        server.target(),
        Credentials::fixed(1400000000, "admin", UserSig::new(SECRET_SIG)),
    )
    .retry_policy(fast_retries())
    .rate_limiter(Arc::new(Unlimited))
    .limits(limits)
    .build()
    .unwrap()
}

/// A self-signed certificate for 127.0.0.1 and localhost, and its key (PEM).
pub fn self_signed_certificate() -> (String, String) {
    let ck =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
            .unwrap();
    (ck.cert.pem(), ck.key_pair.serialize_pem())
}

/// A UserSig text that must never show up anywhere.
pub const SECRET_SIG: &str = "eJyTOPSECRETsigNEVERprintME*0123456789_";
