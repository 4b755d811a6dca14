//! A small HTTP/1.1 client for the emulator's tests: hyper's connection-level client over one
//! keep-alive TCP connection, with admin UserSigs made by the usersig crate.
#![allow(
    dead_code,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper::body::Incoming;
use hyper::client::conn::http1::SendRequest;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde_json::Value;
use tencent_im_emulator::{AppCredentials, Config, Emulator, RateLimit};
use tencent_im_protocol::{Command, Reply};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

/// A test configuration: the development app, no rate limit.
pub fn config() -> Config {
    Config::default().rate_limit(RateLimit::Off)
}

/// Starts an emulator with `config` and the given accounts.
pub async fn start(config: Config, accounts: &[&str]) -> Emulator {
    let emulator = Emulator::start(config).await.expect("emulator starts");
    emulator.seed_accounts(accounts);
    emulator
}

/// Waits until `emulator` holds one write in its write latency (the first of two meant to
/// conflict), for at most 10 s.
pub async fn first_write_held(emulator: &Emulator) {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while emulator.held_writes() == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the first write never took its sender's lock"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// A valid admin UserSig for `creds`.
pub fn sig(creds: &AppCredentials) -> String {
    creds
        .user_sig(Duration::from_secs(86_400))
        .expect("sig")
        .expose()
        .to_owned()
}

/// The query string of a valid admin request.
pub fn query(creds: &AppCredentials) -> String {
    format!(
        "sdkappid={}&identifier={}&usersig={}&random=1234&contenttype=json",
        creds.sdkappid(),
        creds.admin(),
        sig(creds)
    )
}

/// A keep-alive connection to the emulator.
pub struct Client {
    sender: SendRequest<Full<Bytes>>,
    query: String,
}

impl Client {
    pub async fn connect(emulator: &Emulator) -> Self {
        let stream = TcpStream::connect(emulator.local_addr())
            .await
            .expect("connect");
        stream.set_nodelay(true).expect("nodelay");
        let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .expect("handshake");
        tokio::spawn(conn);
        Self {
            sender,
            query: query(emulator.credentials()),
        }
    }

    /// POSTs `body` to `path_and_query`; returns the status and the body.
    pub async fn post_raw(&mut self, path_and_query: &str, body: impl Into<Bytes>) -> (u16, Bytes) {
        self.request("POST", path_and_query, body.into()).await
    }

    pub async fn request(
        &mut self,
        method: &str,
        path_and_query: &str,
        body: Bytes,
    ) -> (u16, Bytes) {
        let req = hyper::Request::builder()
            .method(method)
            .uri(path_and_query)
            .header("host", "127.0.0.1")
            .header("content-type", "application/json; charset=utf-8")
            .body(Full::new(body))
            .expect("request");
        self.sender.ready().await.expect("ready");
        let resp = self.sender.send_request(req).await.expect("response");
        let status = resp.status().as_u16();
        let body = resp.into_body().collect().await.expect("body").to_bytes();
        (status, body)
    }

    /// POSTs a raw body to `/v4/{api}` with a valid admin query; returns the reply as JSON.
    pub async fn call_raw(&mut self, api: &str, body: &str) -> Value {
        let path = format!("/v4/{api}?{}", self.query);
        let (status, body) = self.post_raw(&path, body.to_owned()).await;
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
        serde_json::from_slice(&body).expect("json reply")
    }

    /// POSTs a raw body with the given query string; returns the reply as JSON.
    pub async fn call_with_query(&mut self, api: &str, query: &str, body: &str) -> Value {
        let path = format!("/v4/{api}?{query}");
        let (status, body) = self.post_raw(&path, body.to_owned()).await;
        assert_eq!(status, 200);
        serde_json::from_slice(&body).expect("json reply")
    }

    /// Sends a protocol command (without client-side validation, so tests can send what a
    /// careless client would) and decodes the reply as a whole: envelope and body.
    pub async fn send<C: Command>(&mut self, command: &C) -> Reply<C::Response> {
        let path = format!("/v4/{}?{}", C::ENDPOINT.path(), self.query);
        let (status, body) = self
            .post_raw(&path, command.to_json().expect("the command serializes"))
            .await;
        assert_eq!(status, 200);
        serde_json::from_slice(&body).expect("a reply of this command")
    }
}

/// `ErrorCode` of a JSON reply.
pub fn code(reply: &Value) -> i64 {
    reply["ErrorCode"].as_i64().expect("ErrorCode")
}

/// The `ResultCode`s of a reply's `ResultItem`.
pub fn result_codes(reply: &Value) -> Vec<i64> {
    reply["ResultItem"]
        .as_array()
        .expect("ResultItem")
        .iter()
        .map(|i| i["ResultCode"].as_i64().expect("ResultCode"))
        .collect()
}

/// How a [`Receiver`] answers callbacks.
#[derive(Debug, Clone, Copy)]
pub enum Answer {
    /// HTTP 200 with `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}`.
    Ack,
    /// This status, with an empty body.
    Status(u16),
    /// The acknowledgement, after this long.
    Sleep(Duration),
}

/// One callback as a [`Receiver`] got it.
#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    pub query: String,
    pub body: Value,
}

impl Received {
    /// The value of query parameter `key`, if present.
    pub fn param(&self, key: &str) -> Option<&str> {
        self.query
            .split('&')
            .filter_map(|p| p.split_once('='))
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v)
    }
}

/// A local HTTP server that records every request (callback) and answers as told; stopped by
/// [`Receiver::stop`] (or when dropped, with its runtime).
pub struct Receiver {
    addr: SocketAddr,
    got: Arc<Mutex<Vec<Received>>>,
    task: JoinHandle<()>,
}

impl Receiver {
    pub async fn start(answer: Answer) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let got = Arc::new(Mutex::new(Vec::new()));
        let record = got.clone();
        let task = tokio::spawn(async move {
            // Dropped with this task: aborting it closes every connection.
            let mut connections = JoinSet::new();
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let record = record.clone();
                let service = service_fn(move |req: hyper::Request<Incoming>| {
                    let record = record.clone();
                    async move {
                        let path = req.uri().path().to_owned();
                        let query = req.uri().query().unwrap_or("").to_owned();
                        let body = req.into_body().collect().await.unwrap().to_bytes();
                        let body = serde_json::from_slice(&body).unwrap_or(Value::Null);
                        record.lock().unwrap().push(Received { path, query, body });
                        let ack = || {
                            hyper::Response::new(Full::new(Bytes::from_static(
                                br#"{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}"#,
                            )))
                        };
                        let response = match answer {
                            Answer::Ack => ack(),
                            Answer::Status(status) => {
                                let mut r = hyper::Response::new(Full::new(Bytes::new()));
                                *r.status_mut() = hyper::StatusCode::from_u16(status).unwrap();
                                r
                            }
                            Answer::Sleep(pause) => {
                                tokio::time::sleep(pause).await;
                                ack()
                            }
                        };
                        Ok::<_, Infallible>(response)
                    }
                });
                connections.spawn(async move {
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Self { addr, got, task }
    }

    /// `http://127.0.0.1:PORT{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// The callbacks received so far, in order.
    pub fn received(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }

    /// Stops the server and closes its connections.
    pub async fn stop(self) {
        self.task.abort();
        let _ = self.task.await;
    }
}
