//! `tim demo`: the main job. Every friend_add outcome against an emulator started in this
//! process, or, with credentials, friends added in the real app and checked.

use serde_json::json;
use tencent_im::{AccountItem, AllowType, CheckType, Client};
use tencent_im_emulator::{Config, Emulator};

use crate::config::GlobalArgs;
use crate::output::{Exit, Failure, Out, report_exit, report_json};

/// With credentials (flags or TIM_* variables), adds `accounts[1..]` to `accounts[0]` in the
/// app and checks them; without, plays the emulator scene.
pub(crate) async fn run(
    global: &GlobalArgs,
    out: Out,
    accounts: Vec<String>,
) -> Result<Exit, Failure> {
    let given = |v: &Option<String>| v.as_deref().is_some_and(|v| !v.trim().is_empty());
    let credentials =
        given(&global.sdkappid) || given(&global.identifier) || given(&global.secret_key);
    if !credentials {
        return scene(out).await;
    }
    let Some((from, to)) = accounts.split_first().filter(|(_, to)| !to.is_empty()) else {
        return Err(Failure::usage(
            "with credentials set, demo adds friends in your app: give FROM TO... \
             (or unset TIM_SDKAPPID, TIM_IDENTIFIER and TIM_SECRET_KEY for the emulator)",
        ));
    };
    let client = global.client()?;
    let added = client.friend_add(from.as_str()).to_all(to).await?;
    let checked = client
        .check_friends(from.as_str(), to, CheckType::Both)
        .await?;
    print_both(out, &added, &checked);
    Ok(report_exit(&added))
}

/// Both reports: one JSON document, or two tables.
fn print_both(
    out: Out,
    added: &tencent_im::Report<tencent_im::AddOutcome>,
    checked: &tencent_im::Report<tencent_im::CheckOutcome>,
) {
    if out.json {
        let document =
            json!({"friend_add": report_json(added), "friend_check": report_json(checked)});
        out.emit(&document, "");
    } else {
        println!("friend_add:");
        out.report(added);
        println!("\nfriend_check:");
        out.report(checked);
    }
}

/// Imports accounts with different AllowTypes and a blocklist, adds friends so that every
/// outcome appears, confirms with friend_check, and prints both reports.
async fn scene(out: Out) -> Result<Exit, Failure> {
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
    print_both(out, &added, &checked);
    emulator.stop().await;
    Ok(Exit::Success)
}
