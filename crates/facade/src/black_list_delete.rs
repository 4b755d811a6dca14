//! `v4/sns/black_list_delete`: remove accounts from a blocklist.

use tencent_im_protocol::sns::{BlackListDelete, UnblockOutcome};

use crate::batch::{self, Spec, owned};
use crate::client::Client;
use crate::error::Error;
use crate::report::Report;

impl Client {
    /// Removes `to_accounts` from `from`'s blocklist, split into requests of at most 1,000 and
    /// serialized with `from`'s other writes: one outcome per account, in your order. A
    /// friendship that [`block`](Client::block) ended stays ended; an account that was not
    /// blocked ends as unblocked too.
    ///
    /// ```no_run
    /// use tencent_im::UnblockOutcome;
    ///
    /// # async fn demo(client: tencent_im::Client) -> Result<(), tencent_im::Error> {
    /// let report = client.unblock("alice", ["mallory"]).await?;
    /// assert_eq!(report.outcome("mallory"), Some(&UnblockOutcome::Unblocked));
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// A validation error naming the field, or the first request's error when no request
    /// succeeded.
    pub async fn unblock<I>(
        &self,
        from: impl Into<String>,
        to_accounts: I,
    ) -> Result<Report<UnblockOutcome>, Error>
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        let from = from.into();
        let spec = Spec::write();
        batch::call(
            self,
            BlackListDelete::new(from.clone(), owned(to_accounts)),
            Some(from),
            spec,
        )
        .await
    }
}
