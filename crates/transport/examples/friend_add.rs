//! One friend_add through the transport, against an emulator started in this process.
//!
//! ```sh
//! cargo run -p tencent-im-transport --example friend_add
//! ```
#![allow(clippy::print_stdout)]

use std::sync::Arc;
use std::time::Duration;

use tencent_im_emulator::{Config, Emulator};
use tencent_im_protocol::sns::{AddFriendItem, FriendAdd};
use tencent_im_transport::{Credentials, CredentialsError, Target, Transport};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let emulator = Emulator::start(Config::default()).await?;
    emulator.seed_accounts(["alice", "bob"]);
    let app = emulator.credentials().clone();

    // A provider that signs a fresh UserSig for every request; a real one caches and renews.
    let generator = app.generator();
    let admin = app.admin().to_owned();
    let provider = move |_renew: bool| {
        generator
            .generate(&admin, Duration::from_secs(86_400))
            .map_err(|e| CredentialsError::with_source("cannot sign a UserSig", e))
    };
    let transport = Transport::builder(
        Target::custom(&emulator.base_url())?,
        Credentials::new(app.sdkappid(), app.admin(), Arc::new(provider)),
    )
    .build()?;

    let request = FriendAdd::new(
        "alice",
        vec![AddFriendItem::new("bob", "AddSource_Type_Web")],
    );
    let response = transport.execute(&request).await?;
    println!(
        "{} answered after {} attempt(s) in {:?}, random {}:",
        response.host(),
        response.attempts(),
        response.latency(),
        response.random()
    );
    for item in &response.body().result_items {
        println!("  {} -> {}", item.to_account, item.result_code);
    }
    emulator.stop().await;
    Ok(())
}
