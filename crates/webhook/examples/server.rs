//! A callback server on hyper: verifies every callback with `tencent-im-webhook`, prints the
//! relationship changes, refuses client friend requests to accounts whose ID starts with
//! `vip_`, and answers 401 to anything that is not an authentic, fresh callback.
//!
//! ```sh
//! TIM_CALLBACK_TOKEN=T cargo run -p tencent-im-webhook --example server -- 127.0.0.1:8080
//! # in another terminal: the emulator calls it back on every friend change
//! TIM_EMULATOR_CALLBACK_TOKEN=T cargo run -p tencent-im-emulator -- serve \
//!     --callback-url http://127.0.0.1:8080/cb --accounts 3
//! ```
//!
//! `TIM_SDKAPPID` sets the application (default: the emulator's development app, 1400000000).
// An example talks on stdout and stderr.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::convert::Infallible;
use std::error::Error;
use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full, Limited};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tencent_im_webhook::callback::CallbackEvent;
use tencent_im_webhook::{
    CallbackReply, CallbackToken, Decision, PrevFriendAddReply, RefusalCode, Verifier,
};
use tokio::net::TcpListener;

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let sdkappid: u64 = match std::env::var("TIM_SDKAPPID") {
        Ok(id) => id.parse()?,
        Err(_) => 1_400_000_000,
    };
    let token = std::env::var("TIM_CALLBACK_TOKEN")
        .map_err(|_| "set TIM_CALLBACK_TOKEN to the callback token of the console")?;
    let verifier = Verifier::new(sdkappid, CallbackToken::new(token)?).replay_cache(100_000);
    let verifier = Arc::new(verifier);
    let addr: SocketAddr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8080".to_owned())
        .parse()?;
    let listener = TcpListener::bind(addr).await?;
    println!("listening on http://{}", listener.local_addr()?);

    let shutdown = tokio::signal::ctrl_c();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let verifier = verifier.clone();
                let service = service_fn(move |req| {
                    let verifier = verifier.clone();
                    async move { Ok::<_, Infallible>(handle(&verifier, req).await) }
                });
                tokio::spawn(async move {
                    // Tencent keeps connections alive: serve every request of this one.
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
            _ = &mut shutdown => break,
        }
    }
    println!("bye");
    Ok(())
}

async fn handle(verifier: &Verifier, req: Request<Incoming>) -> Response<Full<Bytes>> {
    let (parts, body) = req.into_parts();
    // Cap the read with the verifier's limit, so a huge body is never held whole.
    let body = match Limited::new(body, verifier.body_limit()).collect().await {
        Ok(body) => body.to_bytes(),
        Err(_) => return status(StatusCode::PAYLOAD_TOO_LARGE, "body too large"),
    };
    let callback = match verifier.verify(&Request::from_parts(parts, body)) {
        Ok(callback) => callback,
        Err(error) => {
            eprintln!("refused: {error}");
            let code = StatusCode::from_u16(error.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
            return status(code, "not a valid callback");
        }
    };
    let reply = match &callback.event {
        CallbackEvent::FriendAdd(added) => {
            for pair in &added.pairs {
                println!(
                    "friend added: {} now lists {} (requested by {})",
                    pair.from_account, pair.to_account, pair.initiator_account
                );
            }
            CallbackReply::ok()
        }
        CallbackEvent::FriendDelete(deleted) => {
            for pair in &deleted.pairs {
                println!(
                    "friend deleted: {} no longer lists {}",
                    pair.from_account, pair.to_account
                );
            }
            CallbackReply::ok()
        }
        CallbackEvent::BlackListAdd(blocked) => {
            for pair in &blocked.pairs {
                println!("blocked: {} blocks {}", pair.from_account, pair.to_account);
            }
            CallbackReply::ok()
        }
        CallbackEvent::BlackListDelete(unblocked) => {
            for pair in &unblocked.pairs {
                println!(
                    "unblocked: {} no longer blocks {}",
                    pair.from_account, pair.to_account
                );
            }
            CallbackReply::ok()
        }
        CallbackEvent::PrevFriendAdd(request) => {
            // A before-callback: answer within 2 s, item by item.
            PrevFriendAddReply::decide(request, |item| {
                if item.to_account.starts_with("vip_") {
                    Decision::refuse(RefusalCode::MIN, "VIP accounts are added by invitation")
                } else {
                    Decision::Allow
                }
            })
            .into()
        }
        other => {
            println!("callback {}: acknowledged", other.command());
            CallbackReply::ack(other)
        }
    };
    reply.into_http().map(|body| Full::new(Bytes::from(body)))
}

fn status(code: StatusCode, text: &'static str) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from_static(text.as_bytes())));
    *response.status_mut() = code;
    response
}
