//! `tim webhook listen | sign`: a development loop for Tencent's callbacks.

use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

use bytes::Bytes;
use clap::{Args, Subcommand};
use http_body_util::{BodyExt as _, Full, Limited};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tencent_im_webhook::{CallbackReply, CallbackToken, VerifiedCallback, Verifier};
use tokio::net::TcpListener;

use crate::config::GlobalArgs;
use crate::output::{Exit, Failure, Out};

/// The callback token, from the flag or the environment (never shown).
#[derive(Clone, Args)]
pub(crate) struct TokenArg {
    /// The callback token set in the console (1–128 characters).
    #[arg(long, env = "TIM_CALLBACK_TOKEN", hide_env_values = true)]
    token: Option<String>,
}

impl std::fmt::Debug for TokenArg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenArg(<redacted>)")
    }
}

impl TokenArg {
    fn token(&self) -> Result<CallbackToken, Failure> {
        let token = self
            .token
            .clone()
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                Failure::config("no callback token: pass --token or set TIM_CALLBACK_TOKEN")
            })?;
        CallbackToken::new(token).map_err(|e| Failure::usage(format!("--token: {e}")))
    }
}

/// Webhook commands.
#[derive(Debug, Subcommand)]
pub(crate) enum WebhookCommand {
    /// Receive callbacks on 127.0.0.1:PORT, verify each (app, Sign, age) and print the verified
    /// events as they arrive (JSON lines with --json), until Ctrl-C. Refused callbacks are
    /// answered 401/400 and named on stderr.
    Listen {
        /// The TCP port; 0 picks a free one (the first stdout line says which).
        #[arg(long, default_value_t = 0)]
        port: u16,
        /// The address to bind.
        #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
        bind: IpAddr,
        #[command(flatten)]
        token: TokenArg,
        /// Stop after this many verified callbacks.
        #[arg(long)]
        count: Option<u64>,
    },
    /// Print a callback URL signed for now (or --time), to test a callback server with curl.
    Sign {
        /// The callback URL of the app's server.
        #[arg(long)]
        url: String,
        #[command(flatten)]
        token: TokenArg,
        /// The callback command.
        #[arg(long, default_value = "Sns.CallbackFriendAdd")]
        command: String,
        /// RequestTime, Unix seconds (default: now).
        #[arg(long)]
        time: Option<u64>,
    },
}

impl WebhookCommand {
    pub(crate) async fn run(self, global: &GlobalArgs, out: Out) -> Result<Exit, Failure> {
        let sdkappid = global.settings()?.sdkappid()?;
        match self {
            Self::Sign {
                url,
                token,
                command,
                time,
            } => {
                let time = time.unwrap_or_else(now);
                let sign = token.token()?.sign(time);
                let separator = if url.contains('?') { '&' } else { '?' };
                let signed = format!(
                    "{url}{separator}SdkAppid={sdkappid}&CallbackCommand={command}&contenttype=json&ClientIP=127.0.0.1&OptPlatform=RESTAPI&RequestTime={time}&Sign={sign}"
                );
                out.emit(&json!({"url": signed}), format!("{signed}\n"));
                Ok(Exit::Success)
            }
            Self::Listen {
                port,
                bind,
                token,
                count,
            } => {
                let verifier =
                    Arc::new(Verifier::new(sdkappid, token.token()?).replay_cache(100_000));
                listen(SocketAddr::new(bind, port), verifier, out, count).await
            }
        }
    }
}

/// Unix seconds now, from the clock module the usersig crate keeps.
fn now() -> u64 {
    use tencent_im::Clock as _;
    tencent_im::SystemClock.now_unix()
}

async fn listen(
    addr: SocketAddr,
    verifier: Arc<Verifier>,
    out: Out,
    count: Option<u64>,
) -> Result<Exit, Failure> {
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|e| Failure::io(&format!("cannot listen on {addr}"), &e))?;
    let local = listener
        .local_addr()
        .map_err(|e| Failure::io("cannot read the listening address", &e))?;
    println!("listening on http://{local}");
    let (seen_tx, mut seen_rx) = tokio::sync::mpsc::unbounded_channel::<()>();
    let mut seen = 0u64;
    let shutdown = tokio::signal::ctrl_c();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let verifier = verifier.clone();
                let seen_tx = seen_tx.clone();
                let service = service_fn(move |req| {
                    let verifier = verifier.clone();
                    let seen_tx = seen_tx.clone();
                    async move { Ok::<_, Infallible>(handle(&verifier, req, out, &seen_tx).await) }
                });
                tokio::spawn(async move {
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
            Some(()) = seen_rx.recv() => {
                seen += 1;
                if count.is_some_and(|c| seen >= c) {
                    break;
                }
            }
            _ = &mut shutdown => break,
        }
    }
    Ok(Exit::Success)
}

async fn handle(
    verifier: &Verifier,
    req: Request<Incoming>,
    out: Out,
    seen: &tokio::sync::mpsc::UnboundedSender<()>,
) -> Response<Full<Bytes>> {
    let (parts, body) = req.into_parts();
    let body = match Limited::new(body, verifier.body_limit()).collect().await {
        Ok(body) => body.to_bytes(),
        Err(_) => return status(StatusCode::PAYLOAD_TOO_LARGE, "body too large"),
    };
    match verifier.verify(&Request::from_parts(parts, body)) {
        Ok(callback) => {
            print_event(&callback, out);
            let _ = seen.send(());
            let reply = CallbackReply::ack(&callback.event);
            reply.into_http().map(|body| Full::new(Bytes::from(body)))
        }
        Err(error) => {
            eprintln!("refused a callback: {error}");
            let code = StatusCode::from_u16(error.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
            status(code, "not a valid callback")
        }
    }
}

fn print_event(callback: &VerifiedCallback, out: Out) {
    let event: Value = serde_json::from_slice(&callback.event.to_json()).unwrap_or(Value::Null);
    let q = &callback.query;
    let document = json!({
        "command": callback.command().as_str(),
        "request_time": q.request_time,
        "client_ip": q.client_ip,
        "platform": q.opt_platform.as_ref().map(|p| p.as_str()),
        "request_id": q.request_id,
        "event": event,
    });
    let human = format!("{} {}\n", callback.command().as_str(), event);
    out.emit(&document, human);
}

fn status(code: StatusCode, text: &'static str) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from_static(text.as_bytes())));
    *response.status_mut() = code;
    response
}
