//! `tim friend add | check | list | delete | import`.

use clap::{Subcommand, ValueEnum};
use serde_json::json;
use tencent_im::{CheckType, DeleteType, StreamExt as _};

use crate::config::GlobalArgs;
use crate::output::{Exit, Failure, Out};

/// Which lists a check or delete looks at.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum Ways {
    /// Both accounts' lists.
    Both,
    /// Only FROM's list.
    Single,
}

/// Friend commands.
#[derive(Debug, Subcommand)]
pub(crate) enum FriendCommand {
    /// Add friends to an account: one line per account (outcome, code, info), then each
    /// request's random (what Tencent's support asks for).
    Add {
        /// The account whose friends are added.
        #[arg(long)]
        from: String,
        /// An account to add (repeatable).
        #[arg(long = "to", required = true)]
        to: Vec<String>,
        /// Remark for every added account (≤ 96 bytes).
        #[arg(long)]
        remark: Option<String>,
        /// Friend group for every added account (1–30 bytes).
        #[arg(long)]
        group: Option<String>,
        /// AddSource keyword (letters, ≤ 8) or full `AddSource_Type_…` (default Server).
        #[arg(long)]
        source: Option<String>,
        /// Request message (≤ 256 bytes).
        #[arg(long)]
        wording: Option<String>,
        /// One-way: only FROM's list gets the accounts.
        #[arg(long)]
        single: bool,
        /// Admin force-add: skip the accounts' verification setting.
        #[arg(long)]
        force: bool,
    },
    /// The relation between an account and others.
    Check {
        /// The account.
        #[arg(long)]
        from: String,
        /// An account to check (repeatable).
        #[arg(long = "to", required = true)]
        to: Vec<String>,
        /// both or single.
        #[arg(long, value_enum, default_value_t = Ways::Both)]
        check: Ways,
    },
    /// Every friend of an account (all pages; JSON lines with --json).
    List {
        /// The account.
        account: String,
        /// Stop after this many friends.
        #[arg(long)]
        limit: Option<usize>,
    },
    /// Remove friends.
    Delete {
        /// The account.
        #[arg(long)]
        from: String,
        /// An account to remove (repeatable).
        #[arg(long = "to", required = true)]
        to: Vec<String>,
        /// both (each leaves the other's list) or single.
        #[arg(long = "type", value_enum, default_value_t = Ways::Both)]
        ways: Ways,
    },
    /// Add friends in bulk from a file: CSV `from,to[,remark,group,source,wording]` with a
    /// header, or JSON lines with the same keys.
    ///
    /// Validates the whole file first (nothing is sent if a line is bad), then sends at most
    /// --concurrency requests at once with a progress bar on stderr. With --journal, every
    /// settled pair is recorded as it is settled, and the same command line resumes an import
    /// stopped by Ctrl-C or a kill. Exit codes: 0 every pair added, pending or already friends;
    /// 1 some failed (or --verify found a mismatch); 2 bad input; 3 configuration; 130
    /// interrupted.
    Import(crate::cmd::import::FriendImportArgs),
}

impl FriendCommand {
    pub(crate) async fn run(self, global: &GlobalArgs, out: Out) -> Result<Exit, Failure> {
        match self {
            Self::Add {
                from,
                to,
                remark,
                group,
                source,
                wording,
                single,
                force,
            } => {
                let client = global.client()?;
                let mut call = client.friend_add(from);
                for account in to {
                    call = call.to(account);
                    if let Some(r) = &remark {
                        call = call.remark(r.clone());
                    }
                    if let Some(g) = &group {
                        call = call.group(g.clone());
                    }
                    if let Some(s) = &source {
                        call = call.source(s);
                    }
                    if let Some(w) = &wording {
                        call = call.wording(w.clone());
                    }
                }
                if single {
                    call = call.single();
                }
                if force {
                    call = call.force();
                }
                Ok(out.report(&call.await?))
            }
            Self::Check { from, to, check } => {
                let check_type = match check {
                    Ways::Both => CheckType::Both,
                    Ways::Single => CheckType::Single,
                };
                let report = global.client()?.check_friends(from, to, check_type).await?;
                Ok(out.report(&report))
            }
            Self::List { account, limit } => list(global, out, account, limit).await,
            Self::Delete { from, to, ways } => {
                let delete_type = match ways {
                    Ways::Both => DeleteType::Both,
                    Ways::Single => DeleteType::Single,
                };
                let report = global
                    .client()?
                    .delete_friends(from, to, delete_type)
                    .await?;
                Ok(out.report(&report))
            }
            Self::Import(args) => crate::cmd::import::friend(args, global, out).await,
        }
    }
}

/// Prints each friend as it arrives: a line each, or a JSON line each.
async fn list(
    global: &GlobalArgs,
    out: Out,
    account: String,
    limit: Option<usize>,
) -> Result<Exit, Failure> {
    let client = global.client()?;
    let mut friends = std::pin::pin!(client.friends(account).take(limit.unwrap_or(usize::MAX)));
    let mut count = 0usize;
    while let Some(friend) = friends.next().await {
        let friend = friend?;
        count += 1;
        let groups = friend.groups().join(",");
        let document = json!({
            "account": friend.to_account,
            "remark": friend.remark(),
            "groups": friend.groups(),
            "add_source": friend.add_source(),
            "add_time": friend.add_time(),
        });
        let human = format!(
            "{}\t{}\t{}\n",
            friend.to_account,
            friend.remark().unwrap_or(""),
            groups
        );
        out.emit(&document, human);
    }
    if !out.json {
        eprintln!("{count} friend(s)");
    }
    Ok(Exit::Success)
}
