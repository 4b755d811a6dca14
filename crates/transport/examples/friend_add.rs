//! The transport alone: one friend_add sent to an emulator started in this process, with a
//! UserSig signed once. Applications use the `tencent-im` client instead, which caches and
//! renews the admin UserSig, splits long lists and merges the reports (its `demo` example is
//! the README's main job).
//!
//! ```sh
//! cargo run -p tencent-im-transport --example friend_add
//! ```
#![allow(clippy::print_stdout)]

use std::time::Duration;

use tencent_im_emulator::{Config, Emulator};
use tencent_im_protocol::sns::{AddFriendItem, FriendAdd};
use tencent_im_transport::{Credentials, Target, Transport};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let emulator = Emulator::start(Config::default()).await?;
    emulator.seed_accounts(["alice", "bob"]);
    let app = emulator.credentials();
    // Signed once and valid for an hour: a long-running process must renew it.
    let sig = app.user_sig(Duration::from_secs(3600))?;
    let transport = Transport::builder(
        Target::custom(&emulator.base_url())?,
        Credentials::fixed(app.sdkappid(), app.admin(), sig),
    )
    .build()?;

    let request = FriendAdd::new(
        "alice",
        vec![AddFriendItem::new("bob", "AddSource_Type_Server")],
    );
    let response = transport.execute(&request).await?;
    println!(
        "{} answered after {} attempt(s), random {}",
        response.host(),
        response.attempts(),
        response.random()
    );
    for item in response.body().report(&request).items {
        println!("  {}: {}", item.account, item.outcome);
    }
    emulator.stop().await;
    Ok(())
}
