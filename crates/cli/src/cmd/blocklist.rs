//! `tim blocklist add`.

use clap::Subcommand;

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
}

impl BlocklistCommand {
    pub(crate) async fn run(self, global: &GlobalArgs, out: Out) -> Result<Exit, Failure> {
        match self {
            Self::Add { from, to } => {
                let report = global.client()?.block(from, to).await?;
                Ok(out.report(&report))
            }
        }
    }
}
