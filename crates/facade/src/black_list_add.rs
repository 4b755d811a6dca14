//! `v4/sns/black_list_add`: add accounts to a blocklist.

use tencent_im_protocol::sns::{BlackListAdd, BlockOutcome};

use crate::batch::{self, Spec, owned};
use crate::client::Client;
use crate::error::Error;
use crate::report::Report;

impl Client {
    /// Adds `to_accounts` to `from`'s blocklist (a friendship with them ends), split into
    /// requests of at most 1,000 and serialized with `from`'s other writes: one outcome per
    /// account, in your order.
    ///
    /// ```no_run
    /// # async fn demo(client: tencent_im::Client) -> Result<(), tencent_im::Error> {
    /// let report = client.block("alice", ["mallory"]).await?;
    /// assert!(report.is_complete_success());
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// A validation error naming the field, or the first request's error when no request
    /// succeeded.
    pub async fn block<I>(
        &self,
        from: impl Into<String>,
        to_accounts: I,
    ) -> Result<Report<BlockOutcome>, Error>
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        let from = from.into();
        let spec = Spec::write();
        batch::call(
            self,
            BlackListAdd::new(from.clone(), owned(to_accounts)),
            Some(from),
            spec,
        )
        .await
    }
}
