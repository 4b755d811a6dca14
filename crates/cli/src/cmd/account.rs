//! `tim account check`.

use clap::Subcommand;

use crate::config::GlobalArgs;
use crate::output::{Exit, Failure, Out};

/// Account commands.
#[derive(Debug, Subcommand)]
pub(crate) enum AccountCommand {
    /// Whether each account is imported.
    Check {
        /// The UserIDs.
        #[arg(required = true)]
        accounts: Vec<String>,
    },
}

impl AccountCommand {
    pub(crate) async fn run(self, global: &GlobalArgs, out: Out) -> Result<Exit, Failure> {
        match self {
            Self::Check { accounts } => {
                let client = global.client()?;
                let report = client.check_accounts(accounts).await?;
                Ok(out.report(&report))
            }
        }
    }
}
