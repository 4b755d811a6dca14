//! Testing offline: start the emulator in-process, send a friend_add built with the protocol
//! crate's types, and read the per-item outcomes, the state and the journal.
//!
//! ```sh
//! cargo run -p tencent-im-emulator --example offline
//! ```
#![allow(clippy::print_stdout)]

use std::io::{Read as _, Write as _};
use std::net::TcpStream;

use tencent_im_emulator::{BlockingEmulator, Config};
use tencent_im_protocol::profile::{AllowType, PortraitSet, ProfileItem};
use tencent_im_protocol::sns::{AddFriendItem, FriendAdd};
use tencent_im_protocol::{Command, Endpoint};

/// POSTs `body` to `endpoint` with a fresh admin UserSig; returns the reply body.
fn post(emulator: &BlockingEmulator, endpoint: Endpoint, body: &[u8]) -> std::io::Result<Vec<u8>> {
    let url = emulator.url_for(endpoint).map_err(std::io::Error::other)?;
    let path = url.strip_prefix(&emulator.base_url()).unwrap_or(&url);
    let mut stream = TcpStream::connect(emulator.local_addr())?;
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    stream.write_all(body)?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response)?;
    let start = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(response.len(), |i| i + 4);
    Ok(response.split_off(start))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let emulator = BlockingEmulator::start(Config::default())?;
    emulator.seed_accounts(["alice", "bob", "carol", "dave"]);
    println!("emulator at {}", emulator.base_url());

    // carol accepts anyone; bob (the default) must confirm; dave refuses everyone.
    for (who, allow) in [("carol", AllowType::AllowAny), ("dave", AllowType::DenyAny)] {
        let req = PortraitSet::new(who, vec![ProfileItem::allow_type(allow)]);
        PortraitSet::decode_reply(&post(&emulator, Endpoint::PortraitSet, &req.encode()?)?)?;
    }

    let request = FriendAdd::new(
        "alice",
        ["bob", "carol", "dave", "nobody"]
            .into_iter()
            .map(|to| AddFriendItem::new(to, "AddSource_Type_Example"))
            .collect(),
    );
    let reply =
        FriendAdd::decode_reply(&post(&emulator, Endpoint::FriendAdd, &request.encode()?)?)?;
    for item in reply.body.report(&request).items {
        println!("alice -> {}: {}", item.account, item.outcome);
    }

    let state = emulator.app_state();
    println!(
        "alice's friends: {:?}",
        state.accounts["alice"].friends.keys().collect::<Vec<_>>()
    );
    for entry in emulator.journal() {
        println!(
            "journal #{}: {} {} -> {:?}",
            entry.seq, entry.method, entry.path, entry.error_code
        );
    }
    emulator.stop();
    Ok(())
}
