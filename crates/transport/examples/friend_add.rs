//! The main job: add friends for one account and report what became of every one of them.
//!
//! ```sh
//! cargo run -p tencent-im-transport --example friend_add [FROM_ACCOUNT TO_ACCOUNT...]
//! ```
//!
//! With `TIM_SDKAPPID`, `TIM_IDENTIFIER` (an app admin) and `TIM_SECRET_KEY` set, it calls
//! Tencent in `TIM_REGION` (china, singapore, seoul, tokyo, frankfurt, mumbai, siliconvalley,
//! jakarta; default china) or at `TIM_ENDPOINT` (a URL), for the accounts on the command line.
//!
//! Without credentials it starts the emulator in this process and plays a scene there: `alice`
//! adds `bob` (accepts anyone), `carol` (must confirm), `dave` (accepts nobody) and `nobody`
//! (not imported), then adds `bob` again. Every account ends reported as added, pending,
//! already friends or failed with its code.
#![allow(clippy::print_stdout)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tencent_im_emulator::{Config, Emulator};
use tencent_im_protocol::ItemOutcome;
use tencent_im_protocol::profile::{AllowType, PortraitSet, ProfileItem};
use tencent_im_protocol::sns::{AddFriendItem, FriendAdd};
use tencent_im_transport::{
    BaseUrl, Credentials, CredentialsError, Region, Target, Transport, UserSig,
};
use tencent_im_usersig::{SecretKey, UserSigGenerator};

/// How long each admin UserSig is valid.
const SIG_LIFETIME: Duration = Duration::from_secs(86_400);

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let var = |name| std::env::var(name).ok().filter(|v: &String| !v.is_empty());
    let args: Vec<String> = std::env::args().skip(1).collect();
    match (
        var("TIM_SDKAPPID"),
        var("TIM_IDENTIFIER"),
        var("TIM_SECRET_KEY"),
    ) {
        (Some(sdkappid), Some(admin), Some(key)) => {
            let target = match (var("TIM_ENDPOINT"), var("TIM_REGION")) {
                (Some(url), _) => Target::from(BaseUrl::parse(&url)?),
                (None, region) => Target::from(region_named(region.as_deref())?),
            };
            let (from, to) = match args.split_first() {
                Some((from, to)) if !to.is_empty() => (from.clone(), to.to_vec()),
                _ => return Err("usage: friend_add FROM_ACCOUNT TO_ACCOUNT...".into()),
            };
            let transport = transport(target, sdkappid.parse()?, &admin, SecretKey::new(key))?;
            add_friends(&transport, &from, &to).await
        }
        (None, None, None) => scene().await,
        _ => Err("set all of TIM_SDKAPPID, TIM_IDENTIFIER and TIM_SECRET_KEY, or none".into()),
    }
}

/// The scene played against an emulator started in this process.
async fn scene() -> Result<(), Box<dyn std::error::Error>> {
    let emulator = Emulator::start(Config::default()).await?;
    let app = emulator.credentials().clone();
    println!(
        "no credentials: using an emulator at {} (SDKAppID {}, admin {:?})",
        emulator.base_url(),
        app.sdkappid(),
        app.admin()
    );
    emulator.seed_accounts(["alice", "bob", "carol", "dave"]);
    let transport = transport(
        Target::custom(&emulator.base_url())?,
        app.sdkappid(),
        app.admin(),
        SecretKey::new(app.secret_key()),
    )?;

    for (account, allow) in [("bob", AllowType::AllowAny), ("dave", AllowType::DenyAny)] {
        let set = PortraitSet::new(account, vec![ProfileItem::allow_type(allow)]);
        transport.execute(&set).await?;
    }
    let targets = ["bob", "carol", "dave", "nobody"].map(String::from);
    add_friends(&transport, "alice", &targets).await?;
    add_friends(&transport, "alice", &["bob".to_owned()]).await?;
    emulator.stop().await;
    Ok(())
}

/// Sends one friend_add and prints every item's outcome.
async fn add_friends(
    transport: &Transport,
    from: &str,
    to: &[String],
) -> Result<(), Box<dyn std::error::Error>> {
    let request = FriendAdd::new(
        from,
        to.iter()
            .map(|t| AddFriendItem::new(t, "AddSource_Type_Server"))
            .collect(),
    );
    let response = transport.execute(&request).await?;
    println!(
        "friend_add for {from:?}: {} answered in {:?} after {} attempt(s), random {}",
        response.host(),
        response.latency(),
        response.attempts(),
        response.random()
    );
    let report = response.body().report(&request);
    for item in &report.items {
        let retry = match item.outcome.failure() {
            Some(f) if f.is_retryable() => ", retryable",
            Some(_) => ", permanent",
            None => "",
        };
        println!("  {:>8}: {}{retry}", item.account, item.outcome);
    }
    for d in &report.discrepancies {
        println!("  discrepancy: {d}");
    }
    Ok(())
}

/// A transport whose UserSig provider signs once and signs again only when asked to renew.
fn transport(
    target: Target,
    sdkappid: u64,
    admin: &str,
    key: SecretKey,
) -> Result<Transport, Box<dyn std::error::Error>> {
    let generator = UserSigGenerator::new(sdkappid, key);
    let identifier = admin.to_owned();
    let cached: Mutex<Option<UserSig>> = Mutex::new(None);
    let provider = move |renew: bool| {
        let mut cached = cached
            .lock()
            .map_err(|_| CredentialsError::new("poisoned"))?;
        match &*cached {
            Some(sig) if !renew => Ok(sig.clone()),
            _ => {
                let sig = generator
                    .generate(&identifier, SIG_LIFETIME)
                    .map_err(|e| CredentialsError::with_source("cannot sign a UserSig", e))?;
                *cached = Some(sig.clone());
                Ok(sig)
            }
        }
    };
    let credentials = Credentials::new(sdkappid, admin, Arc::new(provider));
    Ok(Transport::builder(target, credentials).build()?)
}

/// The region of `TIM_REGION`, China by default.
fn region_named(name: Option<&str>) -> Result<Region, String> {
    let name = name
        .unwrap_or("china")
        .to_ascii_lowercase()
        .replace(['-', '_', ' '], "");
    Ok(match name.as_str() {
        "china" => Region::China,
        "singapore" => Region::Singapore,
        "seoul" => Region::Seoul,
        "tokyo" => Region::Tokyo,
        "frankfurt" => Region::Frankfurt,
        "mumbai" | "india" => Region::Mumbai,
        "siliconvalley" | "usa" => Region::SiliconValley,
        "jakarta" | "indonesia" => Region::Jakarta,
        other => return Err(format!("unknown TIM_REGION {other:?}")),
    })
}
