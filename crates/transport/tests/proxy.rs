//! HTTP proxies: a `CONNECT` proxy written here, on 127.0.0.1, in front of the emulator. It sees
//! the tunnel's destination and never the UserSig (TLS inside); basic auth reaches it as
//! `Proxy-Authorization`; `NO_PROXY` bypasses it; a refusal is a typed error; the proxy's
//! credentials never show. `Proxy::from_env` is run in a child process with real variables,
//! since setting variables in this process would race the other tests.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stderr
)]

mod common;

use std::io::Write;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::*;
use tencent_im_emulator::{Emulator, TlsConfig};
use tencent_im_transport::{
    ConfigErrorKind, Credentials, ErrorKind, NoRetry, Proxy, Target, TlsOptions, Transport,
    TransportError, Unlimited, UserSig,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tracing_subscriber::fmt::format::FmtSpan;

/// The host name the tunnelled tests use: it resolves nowhere, so a call that works proves the
/// proxy, not the client, looked it up.
const TUNNEL_HOST: &str = "tim-proxy.test";

/// `build@corp:s3cret`, base64: the `Proxy-Authorization` the proxy wants.
const GOOD_AUTH: &str = "Basic YnVpbGRAY29ycDpzM2NyZXQ=";
const PROXY_USER: &str = "build%40corp";
const PROXY_PASSWORD: &str = "s3cret";

/// How the test proxy answers a `CONNECT`.
#[derive(Clone)]
enum Answer {
    /// `200`, then bytes both ways to this address (whatever the `CONNECT` line named).
    Tunnel(SocketAddr),
    /// As `Tunnel` when the request carries this `Proxy-Authorization`, else 407.
    TunnelWithAuth(SocketAddr, &'static str),
    /// This status line and nothing else.
    Refuse(&'static str),
}

/// A `CONNECT` proxy that records every request head and every byte it relays.
struct TestProxy {
    addr: SocketAddr,
    heads: Arc<Mutex<Vec<String>>>,
    relayed: Arc<Mutex<Vec<u8>>>,
    task: JoinHandle<()>,
}

impl TestProxy {
    async fn start(answer: Answer) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let heads = Arc::new(Mutex::new(Vec::new()));
        let relayed = Arc::new(Mutex::new(Vec::new()));
        let (h, r) = (heads.clone(), relayed.clone());
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (answer, h, r) = (answer.clone(), h.clone(), r.clone());
                tokio::spawn(async move { serve(stream, answer, h, r).await });
            }
        });
        Self {
            addr,
            heads,
            relayed,
            task,
        }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn url_with_credentials(&self) -> String {
        format!("http://{PROXY_USER}:{PROXY_PASSWORD}@{}", self.addr)
    }

    fn heads(&self) -> Vec<String> {
        self.heads.lock().unwrap().clone()
    }

    fn relayed(&self) -> Vec<u8> {
        self.relayed.lock().unwrap().clone()
    }
}

impl Drop for TestProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve(
    mut client: TcpStream,
    answer: Answer,
    heads: Arc<Mutex<Vec<String>>>,
    relayed: Arc<Mutex<Vec<u8>>>,
) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let end = loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break end + 4;
        }
        match client.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buf[..end]).into_owned();
    heads.lock().unwrap().push(head.clone());
    let to = match answer {
        Answer::Tunnel(to) => to,
        Answer::TunnelWithAuth(to, auth) => {
            let wanted = format!("proxy-authorization: {}", auth.to_ascii_lowercase());
            if head.to_ascii_lowercase().lines().any(|l| l == wanted) {
                to
            } else {
                let _ = client
                    .write_all(
                        b"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"corp\"\r\ncontent-length: 0\r\n\r\n",
                    )
                    .await;
                return;
            }
        }
        Answer::Refuse(status) => {
            let _ = client
                .write_all(format!("HTTP/1.1 {status}\r\ncontent-length: 0\r\n\r\n").as_bytes())
                .await;
            return;
        }
    };
    let Ok(server) = TcpStream::connect(to).await else {
        let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\n\r\n").await;
        return;
    };
    if client
        .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
        .await
        .is_err()
    {
        return;
    }
    relayed.lock().unwrap().extend_from_slice(&buf[end..]);
    let (mut cr, mut cw) = client.into_split();
    let (mut sr, mut sw) = server.into_split();
    if sw.write_all(&buf[end..]).await.is_err() {
        return;
    }
    let up = {
        let relayed = relayed.clone();
        async move {
            let mut chunk = [0u8; 16384];
            while let Ok(n @ 1..) = cr.read(&mut chunk).await {
                relayed.lock().unwrap().extend_from_slice(&chunk[..n]);
                if sw.write_all(&chunk[..n]).await.is_err() {
                    break;
                }
            }
            let _ = sw.shutdown().await;
        }
    };
    let down = async move {
        let mut chunk = [0u8; 16384];
        while let Ok(n @ 1..) = sr.read(&mut chunk).await {
            relayed.lock().unwrap().extend_from_slice(&chunk[..n]);
            if cw.write_all(&chunk[..n]).await.is_err() {
                break;
            }
        }
        let _ = cw.shutdown().await;
    };
    tokio::join!(up, down);
}

/// An HTTPS emulator with a certificate for `TUNNEL_HOST`, and that certificate (PEM).
async fn tls_emulator() -> (Emulator, String) {
    let ck = rcgen::generate_simple_self_signed(vec![TUNNEL_HOST.to_owned()]).unwrap();
    let cert = ck.cert.pem();
    let emu =
        emulator(config().tls(TlsConfig::pem(cert.clone(), ck.key_pair.serialize_pem()))).await;
    (emu, cert)
}

fn port_of(emu: &Emulator) -> u16 {
    emu.base_url()
        .rsplit(':')
        .next()
        .unwrap()
        .trim_end_matches('/')
        .parse()
        .unwrap()
}

/// The emulator's address (where the test proxy sends every tunnel).
fn addr_of(emu: &Emulator) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port_of(emu)))
}

/// Every text an error shows: `Display`, `Debug` and its whole source chain.
fn all_text(err: &TransportError) -> String {
    let mut text = format!("{err}\n{err:?}\n{err:#?}\n");
    let mut cur = std::error::Error::source(err);
    while let Some(e) = cur {
        text.push_str(&format!("{e}\n{e:?}\n"));
        cur = e.source();
    }
    text
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test]
async fn https_goes_through_a_connect_tunnel_the_proxy_cannot_read() {
    let (emu, cert) = tls_emulator().await;
    let proxy = TestProxy::start(Answer::Tunnel(addr_of(&emu))).await;
    let sigs = Sigs::new(&emu);
    let target = Target::custom(&format!("https://{TUNNEL_HOST}:{}", port_of(&emu))).unwrap();
    let transport = builder_for(target, &emu, sigs.clone())
        .tls(TlsOptions::new().add_root_pem(cert.as_bytes()).unwrap())
        .proxy(Proxy::url(&proxy.url()).unwrap())
        .build()
        .unwrap();

    for _ in 0..2 {
        let resp = transport.execute(&friend_add()).await.unwrap();
        assert_eq!(resp.attempts(), 1);
    }
    assert_eq!(emu.journal().len(), 2);
    // One tunnel, kept in the pool for the second call.
    let heads = proxy.heads();
    assert_eq!(heads.len(), 1, "{heads:?}");
    let first_line = heads[0].lines().next().unwrap();
    assert_eq!(
        first_line,
        format!("CONNECT {TUNNEL_HOST}:{} HTTP/1.1", port_of(&emu))
    );
    assert!(
        !heads[0]
            .to_ascii_lowercase()
            .contains("proxy-authorization")
    );
    // What went through was TLS (a handshake record first), and never the sig or the path.
    let relayed = proxy.relayed();
    assert_eq!(relayed.first(), Some(&0x16), "a TLS handshake record");
    let issued = sigs.issued();
    assert!(!issued.is_empty());
    for sig in &issued {
        assert!(
            !contains(&relayed, sig.as_bytes()),
            "the sig crossed in clear"
        );
    }
    assert!(!contains(&relayed, b"usersig"));
    assert!(!contains(&relayed, b"friend_add"));
    assert!(!contains(&relayed, b"alice"));
    emu.stop().await;
}

#[tokio::test]
async fn plain_http_endpoints_are_tunnelled_too() {
    let emu = emulator(config()).await;
    let proxy = TestProxy::start(Answer::Tunnel(addr_of(&emu))).await;
    let target = Target::custom(&format!("http://{TUNNEL_HOST}:{}", port_of(&emu))).unwrap();
    let transport = builder_for(target, &emu, Sigs::new(&emu))
        .proxy(Proxy::from_lookup(|name| (name == "HTTP_PROXY").then(|| proxy.url())).unwrap())
        .build()
        .unwrap();
    transport.execute(&friend_add()).await.unwrap();
    let heads = proxy.heads();
    assert_eq!(heads.len(), 1, "{heads:?}");
    assert!(
        heads[0].starts_with(&format!(
            "CONNECT {TUNNEL_HOST}:{} HTTP/1.1\r\n",
            port_of(&emu)
        )),
        "{heads:?}"
    );
    // Inside the tunnel, the request in origin form (plain HTTP: the proxy can read it).
    assert!(contains(&proxy.relayed(), b"POST /v4/sns/friend_add?"));
    assert_eq!(emu.journal().len(), 1);

    // Without a port in the URL, the tunnel asks for port 80, not 443.
    let no_port = Transport::builder(
        Target::custom(&format!("http://{TUNNEL_HOST}")).unwrap(),
        Credentials::fixed(1, "admin", UserSig::new(SECRET_SIG)),
    )
    .retry_policy(Arc::new(NoRetry))
    .proxy(Proxy::url(&proxy.url()).unwrap())
    .build()
    .unwrap();
    // The test proxy sends it to the emulator, which refuses the fixed sig: the head is what
    // this is about.
    let _ = no_port.execute(&friend_add()).await;
    assert!(
        proxy.heads()[1].starts_with(&format!("CONNECT {TUNNEL_HOST}:80 HTTP/1.1\r\n")),
        "{:?}",
        proxy.heads()
    );
    emu.stop().await;
}

#[tokio::test]
async fn basic_auth_reaches_the_proxy_and_never_shows() {
    let (emu, cert) = tls_emulator().await;
    let proxy = TestProxy::start(Answer::TunnelWithAuth(addr_of(&emu), GOOD_AUTH)).await;
    let target = Target::custom(&format!("https://{TUNNEL_HOST}:{}", port_of(&emu))).unwrap();
    let tls = TlsOptions::new().add_root_pem(cert.as_bytes()).unwrap();
    let builder = builder_for(target.clone(), &emu, Sigs::new(&emu))
        .tls(tls.clone())
        .proxy(Proxy::url(&proxy.url_with_credentials()).unwrap());
    let builder_debug = format!("{builder:?} {builder:#?}");
    let transport = builder.build().unwrap();
    transport.execute(&friend_add()).await.unwrap();
    let heads = proxy.heads();
    assert_eq!(heads.len(), 1);
    assert!(
        heads[0].contains(&format!("\r\nproxy-authorization: {GOOD_AUTH}\r\n"))
            || heads[0].contains(&format!("\r\nProxy-Authorization: {GOOD_AUTH}\r\n")),
        "{heads:?}"
    );

    // Wrong credentials: the proxy answers 407, a typed error that is not retried and names
    // the proxy, not the password.
    let wrong = builder_for(target, &emu, Sigs::new(&emu))
        .tls(tls)
        .proxy(Proxy::url(&format!("http://{PROXY_USER}:hunter2@{}", proxy.addr)).unwrap())
        .build()
        .unwrap();
    let err = wrong.execute(&friend_add()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Proxy, "{err:?}");
    assert_eq!(err.attempts(), 1, "not retried");
    assert!(!err.is_retryable());
    let text = all_text(&err);
    assert!(text.contains(&proxy.addr.to_string()), "{text}");
    assert!(text.contains("407"), "{text}");
    assert_eq!(proxy.heads().len(), 2);
    assert_eq!(emu.journal().len(), 1, "nothing reached the server");

    let transport_debug = format!("{transport:?} {transport:#?} {wrong:?}");
    for shown in [&builder_debug, &transport_debug, &text] {
        for secret in [
            PROXY_PASSWORD,
            "hunter2",
            "YnVpbGRAY29ycDpzM2NyZXQ",
            PROXY_USER,
        ] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
    }
    assert!(
        builder_debug.contains(&proxy.addr.to_string()),
        "{builder_debug}"
    );
    emu.stop().await;
}

#[tokio::test]
async fn a_proxy_refusing_connect_is_a_proxy_error() {
    let (emu, cert) = tls_emulator().await;
    let proxy = TestProxy::start(Answer::Refuse("403 Forbidden")).await;
    let target = Target::custom(&format!("https://{TUNNEL_HOST}:{}", port_of(&emu))).unwrap();
    let transport = builder_for(target, &emu, Sigs::new(&emu))
        .tls(TlsOptions::new().add_root_pem(cert.as_bytes()).unwrap())
        .proxy(Proxy::url(&proxy.url()).unwrap())
        .build()
        .unwrap();
    let err = transport.execute(&friend_add()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Proxy, "{err:?}");
    assert_eq!(err.attempts(), 1);
    assert_eq!(
        err.to_string(),
        format!(
            "sns/friend_add failed: the proxy refused the tunnel (random {}, host {TUNNEL_HOST}:{}, attempts 1)",
            err.random(),
            port_of(&emu)
        )
    );
    let text = all_text(&err);
    assert!(
        text.contains(&format!(
            "the proxy {} refused to open a tunnel to {TUNNEL_HOST}:{}",
            proxy.addr,
            port_of(&emu)
        )),
        "{text}"
    );
    assert!(emu.journal().is_empty());
    emu.stop().await;
}

#[tokio::test]
async fn an_unreachable_proxy_is_a_connect_error_naming_it() {
    let closed = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = closed.local_addr().unwrap();
    drop(closed);
    let transport = Transport::builder(
        Target::custom("https://console.tim.qq.com").unwrap(),
        Credentials::fixed(1, "admin", UserSig::new(SECRET_SIG)),
    )
    .retry_policy(Arc::new(NoRetry))
    .rate_limiter(Arc::new(Unlimited))
    .proxy(Proxy::url(&format!("http://u:{PROXY_PASSWORD}@{addr}")).unwrap())
    .build()
    .unwrap();
    let err = transport.execute(&friend_add()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Connect, "{err:?}");
    let text = all_text(&err);
    assert!(
        text.contains(&format!("cannot connect to the proxy {addr}")),
        "{text}"
    );
    assert!(!text.contains(PROXY_PASSWORD), "{text}");
}

#[tokio::test]
async fn no_proxy_hosts_bypass_the_proxy() {
    // The emulator's certificate names localhost and 127.0.0.1, reachable directly.
    let (cert, key) = self_signed_certificate();
    let emu = emulator(config().tls(TlsConfig::pem(cert.clone(), key))).await;
    let proxy = TestProxy::start(Answer::Tunnel(addr_of(&emu))).await;
    let target = Target::custom(&format!("https://localhost:{}", port_of(&emu))).unwrap();
    let vars = |no_proxy: Option<&'static str>| {
        let proxy_url = proxy.url();
        move |name: &str| match name {
            "HTTPS_PROXY" => Some(proxy_url.clone()),
            "no_proxy" => no_proxy.map(str::to_owned),
            _ => None,
        }
    };
    let call = |proxy: Proxy| {
        builder_for(target.clone(), &emu, Sigs::new(&emu))
            .tls(TlsOptions::new().add_root_pem(cert.as_bytes()).unwrap())
            .proxy(proxy)
            .build()
            .unwrap()
    };

    // Listed (in lower case, among others): straight to the server.
    let bypass = Proxy::from_lookup(vars(Some("example.com, localhost"))).unwrap();
    assert_eq!(
        bypass.proxy_for(&format!("https://localhost:{}", port_of(&emu))),
        None
    );
    call(bypass).execute(&friend_add()).await.unwrap();
    assert!(
        proxy.heads().is_empty(),
        "the proxy saw {:?}",
        proxy.heads()
    );
    assert_eq!(emu.journal().len(), 1);

    // Not listed: the same call goes through the proxy.
    let through = Proxy::from_lookup(vars(Some("example.com"))).unwrap();
    call(through).execute(&friend_add()).await.unwrap();
    assert_eq!(proxy.heads().len(), 1);
    assert!(proxy.heads()[0].starts_with(&format!("CONNECT localhost:{} ", port_of(&emu))));
    assert_eq!(emu.journal().len(), 2);
    emu.stop().await;
}

#[tokio::test]
async fn a_bad_proxy_variable_is_a_config_error_naming_it() {
    let err = Proxy::from_lookup(|name| {
        (name == "HTTPS_PROXY").then(|| format!("socks5://u:{PROXY_PASSWORD}@127.0.0.1:1080"))
    })
    .unwrap_err();
    assert_eq!(err.kind(), ConfigErrorKind::Proxy);
    let text = format!("{err} {err:?} {}", std::error::Error::source(&err).unwrap());
    assert!(text.contains("HTTPS_PROXY"), "{text}");
    assert!(!text.contains(PROXY_PASSWORD), "{text}");
}

/// Set in the child: the proxy, the server's address and certificate, and a sig.
const CHILD: &str = "TIM_PROXY_TEST_CHILD";

#[tokio::test]
async fn from_env_reads_the_process_variables() {
    let (emu, cert) = tls_emulator().await;
    let proxy = TestProxy::start(Answer::TunnelWithAuth(addr_of(&emu), GOOD_AUTH)).await;
    let creds = emu.credentials();
    let sig = creds
        .generator()
        .generate(creds.admin(), Duration::from_secs(3600))
        .unwrap();
    let exe = std::env::current_exe().unwrap();
    let mut child = std::process::Command::new(exe);
    child
        .args(["--exact", "from_env_child", "--ignored", "--nocapture"])
        .env(CHILD, "1")
        .env(
            "TIM_PROXY_TEST_TARGET",
            format!("https://{TUNNEL_HOST}:{}", port_of(&emu)),
        )
        .env("TIM_PROXY_TEST_CERT", &cert)
        .env("TIM_PROXY_TEST_SDKAPPID", creds.sdkappid().to_string())
        .env("TIM_PROXY_TEST_ADMIN", creds.admin())
        .env("TIM_PROXY_TEST_SIG", sig.expose())
        // Lower case HTTPS, upper case NO_PROXY; nothing else that could interfere.
        .env("https_proxy", proxy.url_with_credentials())
        .env("NO_PROXY", "example.com,127.0.0.0/8")
        .env("HTTP_PROXY", "http://127.0.0.1:9")
        .env_remove("HTTPS_PROXY")
        .env_remove("ALL_PROXY")
        .env_remove("all_proxy")
        .env_remove("no_proxy")
        .env_remove("http_proxy")
        .env_remove("REQUEST_METHOD");
    let output = tokio::task::spawn_blocking(move || child.output().unwrap())
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}{stderr}");
    assert!(stdout.contains("1 passed"), "the child ran: {stdout}");
    let heads = proxy.heads();
    assert_eq!(heads.len(), 2, "the call and the refused one: {heads:?}");
    assert!(heads[0].starts_with(&format!("CONNECT {TUNNEL_HOST}:")));
    assert!(heads[0].contains(GOOD_AUTH), "{heads:?}");
    assert_eq!(emu.journal().len(), 1);
    emu.stop().await;
}

/// Run by `from_env_reads_the_process_variables` in a child process: `Proxy::from_env`, then a
/// call through the proxy of `https_proxy` and one with wrong credentials, with every tracing
/// event captured (a global subscriber: this process runs only this test).
#[tokio::test]
#[ignore = "run by from_env_reads_the_process_variables, with the variables set"]
async fn from_env_child() {
    if std::env::var_os(CHILD).is_none() {
        eprintln!("from_env_child: runs only as the child of from_env_reads_the_process_variables");
        return;
    }
    let capture = Capture::default();
    let writer = capture.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(FmtSpan::FULL)
        .with_writer(move || writer.clone())
        .finish();
    tracing::subscriber::set_global_default(subscriber).unwrap();
    let var = |name: &str| std::env::var(name).unwrap();
    let proxy = Proxy::from_env().unwrap();
    assert_eq!(proxy.proxy_for("http://127.0.0.1:8080"), None, "NO_PROXY");
    assert_eq!(
        proxy.proxy_for("http://tencent.example").as_deref(),
        Some("127.0.0.1:9"),
        "HTTP_PROXY"
    );
    let transport = Transport::builder(
        Target::custom(&var("TIM_PROXY_TEST_TARGET")).unwrap(),
        Credentials::fixed(
            var("TIM_PROXY_TEST_SDKAPPID").parse().unwrap(),
            var("TIM_PROXY_TEST_ADMIN"),
            UserSig::new(var("TIM_PROXY_TEST_SIG")),
        ),
    )
    .retry_policy(Arc::new(NoRetry))
    .rate_limiter(Arc::new(Unlimited))
    .tls(
        TlsOptions::new()
            .add_root_pem(var("TIM_PROXY_TEST_CERT").as_bytes())
            .unwrap(),
    )
    .proxy(proxy);
    let debug = format!("{transport:?}");
    let transport = transport.build().unwrap();
    let resp = transport.execute(&friend_add()).await.unwrap();
    assert_eq!(resp.attempts(), 1);

    let proxy_addr = var("https_proxy").rsplit('@').next().unwrap().to_owned();
    let wrong = Transport::builder(
        Target::custom(&var("TIM_PROXY_TEST_TARGET")).unwrap(),
        transport.credentials().clone(),
    )
    .retry_policy(Arc::new(NoRetry))
    .proxy(Proxy::url(&format!("http://{PROXY_USER}:hunter2@{proxy_addr}")).unwrap())
    .build()
    .unwrap();
    let err = wrong.execute(&friend_add()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Proxy);

    let logs = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("tencent_im.call"),
        "tracing was captured: {logs}"
    );
    assert!(logs.contains("the proxy refused the tunnel"), "{logs}");
    for shown in [&logs, &debug, &all_text(&err)] {
        for secret in [
            PROXY_PASSWORD,
            "hunter2",
            "YnVpbGRAY29ycDpzM2NyZXQ",
            PROXY_USER,
        ] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
    }
    eprintln!("from_env: called through the proxy of https_proxy; nothing leaked");
}

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
