//! The main job: add friends and report what became of every one of them.
//!
//! ```sh
//! cargo run -p tencent-im --example demo [FROM_ACCOUNT TO_ACCOUNT...]
//! ```
//!
//! With `TIM_SDKAPPID`, `TIM_IDENTIFIER` (an app admin), `TIM_SECRET_KEY` and `TIM_REGION`
//! (china, singapore, seoul, tokyo, frankfurt, mumbai, silicon-valley, jakarta) or
//! `TIM_ENDPOINT` (a URL) set, it adds the accounts on the command line in that app, then
//! checks them with friend_check.
//!
//! Without credentials it starts the emulator in this process and plays a scene there where
//! every outcome appears: `alice` adds `bob` (accepts anyone: added), `carol` (must confirm:
//! pending), `dave` (accepts nobody: 30516), `erin` (has blocked alice: 30525) and `nobody`
//! (never imported: 30003), then adds `bob` again (already friends), and checks every
//! relation with friend_check.
#![allow(clippy::print_stdout)]

use tencent_im::{AllowType, CheckType, Client, ClientBuilder, Report};
use tencent_im_emulator::{Config, Emulator};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let configured = ["TIM_SDKAPPID", "TIM_IDENTIFIER", "TIM_SECRET_KEY"]
        .iter()
        .any(|name| std::env::var(name).is_ok_and(|v| !v.is_empty()));
    if configured {
        let args: Vec<String> = std::env::args().skip(1).collect();
        let Some((from, to)) = args.split_first().filter(|(_, to)| !to.is_empty()) else {
            return Err("usage: demo FROM_ACCOUNT TO_ACCOUNT...".into());
        };
        let client = ClientBuilder::from_env()?.build()?;
        println!(
            "app {} as {:?} at {:?}",
            client.sdkappid(),
            client.identifier(),
            client.target()
        );
        return add_and_check(&client, from, to).await;
    }
    scene().await
}

/// The scene played against an emulator started in this process.
async fn scene() -> Result<(), Box<dyn std::error::Error>> {
    let emulator = Emulator::start(Config::default()).await?;
    let app = emulator.credentials();
    println!(
        "no credentials: using an emulator at {} (SDKAppID {}, admin {:?})\n",
        emulator.base_url(),
        app.sdkappid(),
        app.admin()
    );
    let client = Client::builder(app.sdkappid(), app.admin())
        .secret_key(app.secret_key())
        .endpoint(&emulator.base_url())
        .build()?;

    let imported = client
        .import_accounts(
            ["alice", "bob", "carol", "dave", "erin"].map(tencent_im::AccountItem::new),
        )
        .await?;
    println!(
        "imported {} accounts",
        imported.items.len() - imported.failed_count()
    );
    client.set_allow_type("bob", AllowType::AllowAny).await?;
    client.set_allow_type("dave", AllowType::DenyAny).await?;
    client.block("erin", ["alice"]).await?;

    let to = ["bob", "carol", "dave", "erin", "nobody"].map(String::from);
    add_and_check(&client, "alice", &to).await?;
    println!("\nalice adds bob again:");
    let again = client.friend_add("alice").to("bob").await?;
    print!("{again}");
    emulator.stop().await;
    Ok(())
}

/// Adds `to` to `from`'s friends, prints every outcome, then checks every relation.
async fn add_and_check(
    client: &Client,
    from: &str,
    to: &[String],
) -> Result<(), Box<dyn std::error::Error>> {
    println!("{from} adds {}:", to.join(", "));
    let report = client.friend_add(from).to_all(to).await?;
    print_report(&report);
    println!("\nfriend_check (both ways):");
    let check = client.check_friends(from, to, CheckType::Both).await?;
    print_report(&check);
    Ok(())
}

fn print_report<O: tencent_im::ItemOutcome + std::fmt::Display>(report: &Report<O>) {
    print!("{report}");
}
