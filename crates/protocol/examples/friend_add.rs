//! The first-version flow of a friend_add call, offline: make the admin UserSig, build and
//! validate the request, show what would be sent, and turn a reply into per-item outcomes.
//!
//! ```sh
//! cargo run -p tencent-im-protocol --example friend_add [FROM_ACCOUNT TO_ACCOUNT...]
//! ```
//!
//! Credentials come from `TIM_SDKAPPID`, `TIM_IDENTIFIER` and `TIM_SECRET_KEY`; without them the
//! development app of Tencent's official samples is used (SDKAppID 1400000000). Nothing is sent
//! over the network: the reply is the partial-failure sample of Tencent's friend_add page.
#![allow(clippy::print_stdout)]

use std::time::Duration;

use tencent_im_protocol::sns::{AddFriendItem, FriendAdd};
use tencent_im_protocol::{Command, ErrorCode, ItemOutcome};
use tencent_im_usersig::{SecretKey, UserSigGenerator, inspect};

/// The SDKAppID and key of Tencent's official UserSig samples: a development app, not a secret.
const DEV_SDKAPPID: u64 = 1_400_000_000;
const DEV_SECRET_KEY: &str = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";
const DEV_ADMIN: &str = "administrator";

const SAMPLE_REPLY: &[u8] = br#"{"ResultItem":[
    {"To_Account":"id1","ResultCode":0,"ResultInfo":""},
    {"To_Account":"id2","ResultCode":30006,"ResultInfo":"Err_SNS_FriendAdd_Unpack_Profile_Data_Fail"},
    {"To_Account":"id3","ResultCode":30002,"ResultInfo":"Err_SNS_FriendAdd_SdkAppId_Illegal"}],
    "Fail_Account":["id2","id3"],"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","ErrorDisplay":""}"#;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (sdkappid, identifier, key, dev) = credentials()?;
    if dev {
        println!(
            "no TIM_SDKAPPID/TIM_IDENTIFIER/TIM_SECRET_KEY: using the development app {DEV_SDKAPPID}"
        );
    }

    // 1. The admin UserSig, checked by decoding and verifying it again.
    let generator = UserSigGenerator::new(sdkappid, SecretKey::new(key));
    let sig = generator.generate(&identifier, Duration::from_secs(86_400))?;
    let info = generator.verify(sig.expose(), &identifier)?;
    let fields = inspect(sig.expose())?;
    assert_eq!(info, fields);
    println!(
        "admin UserSig for {:?} on {}: issued at {}, valid {} s, {} bytes ({sig:?})",
        info.identifier,
        info.sdkappid,
        info.issued_at,
        info.expire.as_secs(),
        sig.expose().len(),
    );

    // 2. The request, validated before anything would be sent.
    let mut args = std::env::args().skip(1);
    let from = args.next().unwrap_or_else(|| "id".to_owned());
    let mut targets: Vec<String> = args.collect();
    if targets.is_empty() {
        targets = vec!["id1".into(), "id2".into(), "id3".into()];
    }
    let request = FriendAdd::new(
        from,
        targets
            .iter()
            .map(|t| AddFriendItem::new(t, "AddSource_Type_Example").group_name("Classmates"))
            .collect(),
    );
    let body = request.encode()?;
    println!(
        "POST https://console.tim.qq.com/{}?sdkappid={sdkappid}&identifier={identifier}&usersig=<redacted>&random=<u32>&contenttype=json",
        FriendAdd::ENDPOINT.path()
    );
    println!("{}", String::from_utf8_lossy(&body));

    let too_long = FriendAdd::new(
        "id",
        vec![AddFriendItem::new("id1", "AddSource_Type_Example").remark("好".repeat(33))],
    );
    if let Err(e) = too_long.validate() {
        println!("a request that is refused before sending: {e}");
    }

    // 3. A reply, read into one outcome per requested account.
    let sample_request = FriendAdd::new(
        "id",
        ["id1", "id2", "id3"]
            .iter()
            .map(|t| AddFriendItem::new(*t, "AddSource_Type_Example"))
            .collect(),
    );
    let reply = FriendAdd::decode_reply(SAMPLE_REPLY)?;
    let report = reply.body.report(&sample_request);
    for item in &report.items {
        let retry = item
            .outcome
            .failure()
            .map(|f| {
                if f.is_retryable() {
                    ", retryable"
                } else {
                    ", permanent"
                }
            })
            .unwrap_or("");
        println!("{:>6}: {}{retry}", item.account, item.outcome);
    }
    for d in &report.discrepancies {
        println!("discrepancy: {d}");
    }
    let expired =
        FriendAdd::decode_reply(br#"{"ActionStatus":"FAIL","ErrorCode":70001,"ErrorInfo":""}"#);
    if let Err(e) = expired {
        let code = e.api_code().unwrap_or(ErrorCode::OK);
        println!(
            "a whole-request failure: {e}: code {code}, class {}",
            code.class()
        );
    }
    Ok(())
}

fn credentials() -> Result<(u64, String, String, bool), Box<dyn std::error::Error>> {
    let var = |name| std::env::var(name).ok().filter(|v: &String| !v.is_empty());
    match (
        var("TIM_SDKAPPID"),
        var("TIM_IDENTIFIER"),
        var("TIM_SECRET_KEY"),
    ) {
        (Some(id), Some(admin), Some(key)) => Ok((id.parse()?, admin, key, false)),
        (None, None, None) => Ok((DEV_SDKAPPID, DEV_ADMIN.into(), DEV_SECRET_KEY.into(), true)),
        _ => Err("set all of TIM_SDKAPPID, TIM_IDENTIFIER and TIM_SECRET_KEY, or none".into()),
    }
}
