//! Calls per second and client CPU per call against a server answering friend_add (nginx with
//! a fixed reply, see `bench/run.sh`), for the transport and for a bare hyper-util client that
//! posts the same pre-built request: the floor of our own stack. The bare client is built with the
//! transport's pool settings and timers, sends static `Content-Type` and `Host` headers and reads
//! the body through the same cap, so that the difference is the transport's own work. `minimal`
//! is the bare client plus what any client of this API must do per call (validate and encode the
//! command, a path with a fresh `random`, decode the reply): the difference between it and the
//! transport is the cost of timeouts, retries, rate limiting, UserSig seam, spans and errors.
//!
//! ```sh
//! cargo bench -p tencent-im-transport --bench throughput -- transport http://127.0.0.1:18090 1 10
//! cargo bench -p tencent-im-transport --bench throughput -- bare http://127.0.0.1:18090 16 10
//! ```
//!
//! Arguments: `transport|bare|minimal|bare-rustls URL IN_FLIGHT SECONDS` (`bare-rustls`: the
//! bare client over the transport's connector stack, hyper-rustls around hyper-util's
//! `HttpConnector`), or `codec` alone for the protocol crate's share of a call (no server
//! needed). Everything runs on one current-thread Tokio runtime. `TIM_BENCH_CA` names a PEM file
//! of a CA to trust for `https://` URLs.
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    clippy::unwrap_used,
    clippy::expect_used
)]

use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::header::{CONTENT_TYPE, HOST, HeaderValue};
use hyper::http::uri::{Parts, PathAndQuery};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use tencent_im_protocol::Command;
use tencent_im_protocol::sns::{AddFriendItem, FriendAdd};
use tencent_im_transport::{
    Credentials, Limits, Target, TlsOptions, Transport, Unlimited, UserSig,
};
use tencent_im_usersig::{SecretKey, UserSigGenerator};

const SDKAPPID: u64 = 1_400_000_000;
const ADMIN: &str = "administrator";

fn command() -> FriendAdd {
    FriendAdd::new(
        "user1",
        vec![AddFriendItem::new("user2", "AddSource_Type_Bench")],
    )
}

/// User and system CPU time of this process, from /proc (clock ticks of 10 ms).
fn cpu_time() -> (Duration, Duration) {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    (
        Duration::from_millis(ticks(11) * 10),
        Duration::from_millis(ticks(12) * 10),
    )
}

/// The protocol crate's share of a call: validating and encoding the request, decoding the
/// reply. The bare client does neither.
fn codec() {
    const REPLY: &[u8] = br#"{"ResultItem":[{"To_Account":"user2","ResultCode":0,"ResultInfo":""}],"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","ErrorDisplay":""}"#;
    let cmd = command();
    let n = 1_000_000u32;
    let start = Instant::now();
    for _ in 0..n {
        let body = std::hint::black_box(&cmd).encode().unwrap();
        std::hint::black_box(body);
        let reply = FriendAdd::decode_reply(std::hint::black_box(REPLY)).unwrap();
        std::hint::black_box(reply);
    }
    println!(
        "codec: encode + decode_reply of a 1-item friend_add: {:.2} µs/call",
        start.elapsed().as_secs_f64() * 1e6 / f64::from(n)
    );
}

/// The bare client over either connector stack.
#[derive(Clone)]
enum BareClient {
    Http(Client<HttpConnector, Full<Bytes>>),
    Rustls(Client<HttpsConnector<HttpConnector>, Full<Bytes>>),
}

impl BareClient {
    /// The same builder settings as the transport's client (pool limits and timers from
    /// `Limits::default()`), so that only the transport's own work differs.
    fn new(plain: bool, http: HttpConnector, https: HttpsConnector<HttpConnector>) -> Self {
        let limits = Limits::default();
        let mut builder = Client::builder(TokioExecutor::new());
        builder
            .pool_idle_timeout(limits.get_pool_idle_timeout())
            .pool_max_idle_per_host(limits.get_pool_max_idle_per_host())
            .pool_timer(TokioTimer::new())
            .timer(TokioTimer::new());
        if plain {
            Self::Http(builder.build(http))
        } else {
            Self::Rustls(builder.build(https))
        }
    }

    /// Posts and reads the whole body under the same cap as the transport.
    async fn post(&self, req: hyper::Request<Full<Bytes>>) -> Bytes {
        let resp = match self {
            Self::Http(c) => c.request(req).await.unwrap(),
            Self::Rustls(c) => c.request(req).await.unwrap(),
        };
        assert!(resp.status().is_success());
        let max = Limits::default().get_max_body_bytes();
        Limited::new(resp.into_body(), max)
            .collect()
            .await
            .unwrap()
            .to_bytes()
    }
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let mode = args.first().map_or("transport", String::as_str).to_owned();
    let url = args
        .get(1)
        .cloned()
        .unwrap_or_else(|| "http://127.0.0.1:18090".to_owned());
    let in_flight: usize = args.get(2).and_then(|v| v.parse().ok()).unwrap_or(1);
    let seconds: u64 = args.get(3).and_then(|v| v.parse().ok()).unwrap_or(10);

    if mode == "codec" {
        codec();
        return;
    }
    let sig = UserSigGenerator::new(SDKAPPID, SecretKey::new("bench-key"))
        .generate(ADMIN, Duration::from_secs(86_400))
        .unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let calls = Rc::new(AtomicU64::new(0));
    let duration = Duration::from_secs(seconds);

    let (elapsed, cpu) = rt.block_on(async {
        let run: Rc<dyn Fn() -> std::pin::Pin<Box<dyn std::future::Future<Output = ()>>>> =
            match mode.as_str() {
                "bare" | "bare-rustls" | "minimal" => {
                    let mut http = HttpConnector::new();
                    http.set_nodelay(true);
                    http.enforce_http(mode != "bare-rustls");
                    let tls = rustls::ClientConfig::builder_with_provider(Arc::new(
                        rustls::crypto::ring::default_provider(),
                    ))
                    .with_safe_default_protocol_versions()
                    .unwrap()
                    .with_root_certificates(rustls::RootCertStore::empty())
                    .with_no_client_auth();
                    // `bare` and `minimal`: plain HTTP connector; `bare-rustls`: the same
                    // connector stack as the transport (hyper-rustls over it), to tell the two
                    // costs apart.
                    let connector = hyper_rustls::HttpsConnectorBuilder::new()
                        .with_tls_config(tls)
                        .https_or_http()
                        .enable_http1()
                        .enable_http2()
                        .wrap_connector(http.clone());
                    let client = BareClient::new(mode != "bare-rustls", http, connector);
                    let base = url.parse::<hyper::Uri>().unwrap().into_parts();
                    let (scheme, authority) = (base.scheme.unwrap(), base.authority.unwrap());
                    let host = HeaderValue::from_str(authority.as_str()).unwrap();
                    let prefix = format!(
                        "/v4/sns/friend_add?sdkappid={SDKAPPID}&identifier={ADMIN}&usersig={}&random=",
                        sig.expose()
                    );
                    let uri = move |path_and_query: String| {
                        let mut parts = Parts::default();
                        parts.scheme = Some(scheme.clone());
                        parts.authority = Some(authority.clone());
                        parts.path_and_query = Some(PathAndQuery::try_from(path_and_query).unwrap());
                        hyper::Uri::from_parts(parts).unwrap()
                    };
                    let fixed_uri = uri(format!("{prefix}12345&contenttype=json"));
                    let fixed_body = Bytes::from(command().encode().unwrap());
                    let cmd = command();
                    let minimal = mode == "minimal";
                    Rc::new(move || {
                        // `bare`: the pre-built request. `minimal`: what any client of this API
                        // must do per call on top: validate and encode the command, a path with
                        // a fresh `random`, decode the reply.
                        let (uri, body) = if minimal {
                            let body = Bytes::from(cmd.encode().unwrap());
                            (uri(format!("{prefix}{}&contenttype=json", fastrand::u32(..))), body)
                        } else {
                            (fixed_uri.clone(), fixed_body.clone())
                        };
                        let client = client.clone();
                        let host = host.clone();
                        Box::pin(async move {
                            let mut req = hyper::Request::new(Full::new(body));
                            *req.method_mut() = hyper::Method::POST;
                            *req.uri_mut() = uri;
                            let headers = req.headers_mut();
                            headers.insert(
                                CONTENT_TYPE,
                                HeaderValue::from_static("application/json; charset=utf-8"),
                            );
                            headers.insert(HOST, host);
                            let bytes = client.post(req).await;
                            if minimal {
                                let reply = FriendAdd::decode_reply(&bytes).unwrap();
                                assert_eq!(reply.body.result_items.len(), 1);
                            } else {
                                assert!(!bytes.is_empty());
                            }
                        })
                    })
                }
                _ => {
                    let mut tls = TlsOptions::new();
                    if let Ok(path) = std::env::var("TIM_BENCH_CA") {
                        tls = tls.add_root_pem(&std::fs::read(path).unwrap()).unwrap();
                    }
                    let transport = Transport::builder(
                        Target::custom(&url).unwrap(),
                        Credentials::fixed(SDKAPPID, ADMIN, UserSig::new(sig.expose())),
                    )
                    .rate_limiter(Arc::new(Unlimited))
                    .tls(tls)
                    .limits(Limits::default())
                    .build()
                    .unwrap();
                    let cmd = Rc::new(command());
                    Rc::new(move || {
                        let transport = transport.clone();
                        let cmd = cmd.clone();
                        Box::pin(async move {
                            let resp = transport.execute(&*cmd).await.unwrap();
                            assert_eq!(resp.body().result_items.len(), 1);
                        })
                    })
                }
            };
        // Warm up: open the connections.
        for _ in 0..200 {
            run().await;
        }
        let local = tokio::task::LocalSet::new();
        let start = Instant::now();
        let cpu0 = cpu_time();
        for _ in 0..in_flight {
            let run = run.clone();
            let calls = calls.clone();
            local.spawn_local(async move {
                while start.elapsed() < duration {
                    run().await;
                    calls.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
        local.await;
        let cpu1 = cpu_time();
        (start.elapsed(), (cpu1.0 - cpu0.0, cpu1.1 - cpu0.1))
    });
    let n = calls.load(Ordering::Relaxed);
    let per_call = |d: Duration| d.as_secs_f64() * 1e6 / n as f64;
    println!(
        "{mode} {url} in_flight={in_flight}: {n} calls in {:.2} s = {:.0} calls/s, client CPU {:.1} µs/call (user {:.1}, system {:.1})",
        elapsed.as_secs_f64(),
        n as f64 / elapsed.as_secs_f64(),
        per_call(cpu.0 + cpu.1),
        per_call(cpu.0),
        per_call(cpu.1),
    );
}
