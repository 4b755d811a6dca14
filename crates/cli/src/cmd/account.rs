//! `tim account check | import`.

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
    /// Import accounts in bulk from a file: one UserID per line, CSV `userid[,nick,faceurl]`
    /// with a header, or JSON lines with the same keys.
    ///
    /// Validates the whole file first (nothing is sent if a line is bad), then sends requests of
    /// 100 accounts, at most --concurrency at once, with a progress bar on stderr. With
    /// --journal, the same command line resumes an import stopped by Ctrl-C or a kill. Exit
    /// codes: 0 every account imported; 1 some failed; 2 bad input; 3 configuration; 130
    /// interrupted.
    Import(crate::cmd::import::AccountImportArgs),
}

impl AccountCommand {
    pub(crate) async fn run(self, global: &GlobalArgs, out: Out) -> Result<Exit, Failure> {
        match self {
            Self::Check { accounts } => {
                let client = global.client()?;
                let report = client.check_accounts(accounts).await?;
                Ok(out.report(&report))
            }
            Self::Import(args) => crate::cmd::import::account(args, global, out).await,
        }
    }
}
