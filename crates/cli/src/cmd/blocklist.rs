//! `tim blocklist add | delete | check`.

use clap::Subcommand;
use tencent_im::BlockCheckType;

use crate::cmd::friend::Ways;
use crate::config::GlobalArgs;
use crate::output::{Exit, Failure, Out};

/// Blocklist commands.
#[derive(Debug, Subcommand)]
pub(crate) enum BlocklistCommand {
    /// Add accounts to an account's blocklist (ends friendships with them).
    Add {
        /// The account whose blocklist grows.
        #[arg(long)]
        from: String,
        /// An account to block (repeatable).
        #[arg(long = "to", required = true)]
        to: Vec<String>,
    },
    /// Remove accounts from an account's blocklist (friendships the block ended stay ended).
    Delete {
        /// The account whose blocklist shrinks.
        #[arg(long)]
        from: String,
        /// An account to unblock (repeatable).
        #[arg(long = "to", required = true)]
        to: Vec<String>,
    },
    /// The blocklist relation between an account and others.
    Check {
        /// The account.
        #[arg(long)]
        from: String,
        /// An account to check (repeatable).
        #[arg(long = "to", required = true)]
        to: Vec<String>,
        /// both (each account's blocklist) or single (only FROM's).
        #[arg(long, value_enum, default_value_t = Ways::Both)]
        check: Ways,
    },
}

impl BlocklistCommand {
    pub(crate) async fn run(self, global: &GlobalArgs, out: Out) -> Result<Exit, Failure> {
        match self {
            Self::Add { from, to } => {
                let report = global.client()?.block(from, to).await?;
                Ok(out.report(&report))
            }
            Self::Delete { from, to } => {
                let report = global.client()?.unblock(from, to).await?;
                Ok(out.report(&report))
            }
            Self::Check { from, to, check } => {
                let check_type = match check {
                    Ways::Both => BlockCheckType::Both,
                    Ways::Single => BlockCheckType::Single,
                };
                let report = global
                    .client()?
                    .check_blocklist(from, to, check_type)
                    .await?;
                Ok(out.report(&report))
            }
        }
    }
}
