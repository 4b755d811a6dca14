//! `tim profile set-allow-type` and `tim profile forbid-requests`.

use clap::{Subcommand, ValueEnum};
use tencent_im::AllowType;

use crate::config::GlobalArgs;
use crate::output::{Exit, Failure, Out};

/// How friend requests to an account are handled.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum Allow {
    /// Anyone may add the account directly.
    Any,
    /// The account must confirm each request.
    Confirm,
    /// Nobody may add the account.
    Deny,
}

/// Profile commands.
#[derive(Debug, Subcommand)]
pub(crate) enum ProfileCommand {
    /// Set how friend requests to an account are handled (Tag_Profile_IM_AllowType).
    SetAllowType {
        /// The account.
        account: String,
        /// any, confirm or deny.
        allow: Allow,
    },
    /// Forbid an account to send friend requests, or allow it again (--allow).
    ForbidRequests {
        /// The account.
        account: String,
        /// Allow it again instead.
        #[arg(long)]
        allow: bool,
    },
}

impl ProfileCommand {
    pub(crate) async fn run(self, global: &GlobalArgs, out: Out) -> Result<Exit, Failure> {
        let client = global.client()?;
        match self {
            Self::SetAllowType { account, allow } => {
                let allow_type = match allow {
                    Allow::Any => AllowType::AllowAny,
                    Allow::Confirm => AllowType::NeedConfirm,
                    Allow::Deny => AllowType::DenyAny,
                };
                let receipt = client.set_allow_type(&account, allow_type.clone()).await?;
                Ok(out.receipt(&format!("{account}: {}", allow_type.as_str()), &receipt))
            }
            Self::ForbidRequests { account, allow } => {
                let receipt = client.forbid_friend_requests(&account, !allow).await?;
                let what = if allow {
                    "may send friend requests"
                } else {
                    "may not send friend requests"
                };
                Ok(out.receipt(&format!("{account} {what}"), &receipt))
            }
        }
    }
}
