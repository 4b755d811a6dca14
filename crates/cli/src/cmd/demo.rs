//! `tim demo`: every friend_add outcome, against an emulator started in this process.

use serde_json::json;
use tencent_im::{AccountItem, AllowType, CheckType, Client};
use tencent_im_emulator::{Config, Emulator};

use crate::output::{Exit, Failure, Out, report_json};

/// Imports accounts with different AllowTypes and a blocklist, adds friends so that every
/// outcome appears, confirms with friend_check, and prints both reports.
pub(crate) async fn run(out: Out) -> Result<Exit, Failure> {
    let emulator = Emulator::start(Config::default())
        .await
        .map_err(|e| Failure::config(format!("cannot start the emulator: {e}")))?;
    let app = emulator.credentials();
    let client = Client::builder(app.sdkappid(), app.admin())
        .secret_key(app.secret_key())
        .endpoint(&emulator.base_url())
        .build()?;
    if !out.json {
        println!(
            "emulator at {} (SDKAppID {}, admin {})\n",
            emulator.base_url(),
            app.sdkappid(),
            app.admin()
        );
        println!("alice: bob accepts anyone, carol must confirm, dave accepts nobody,");
        println!("erin has blocked alice, nobody was never imported, frank is already a friend\n");
    }
    client
        .import_accounts(["alice", "bob", "carol", "dave", "erin", "frank"].map(AccountItem::new))
        .await?;
    client.set_allow_type("bob", AllowType::AllowAny).await?;
    client.set_allow_type("frank", AllowType::AllowAny).await?;
    client.set_allow_type("dave", AllowType::DenyAny).await?;
    client.block("erin", ["alice"]).await?;
    client.friend_add("alice").to("frank").await?;

    let targets = ["bob", "carol", "dave", "erin", "nobody", "frank"];
    let added = client.friend_add("alice").to_all(targets).await?;
    let checked = client
        .check_friends("alice", targets, CheckType::Both)
        .await?;
    if out.json {
        let document =
            json!({"friend_add": report_json(&added), "friend_check": report_json(&checked)});
        out.emit(&document, "");
    } else {
        println!("friend_add:");
        out.report(&added);
        println!("\nfriend_check:");
        out.report(&checked);
    }
    emulator.stop().await;
    Ok(Exit::Success)
}
