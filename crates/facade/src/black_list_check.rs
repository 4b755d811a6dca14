//! `v4/sns/black_list_check`: the blocklist relation between an account and others.

use tencent_im_protocol::sns::{BlackListCheck, BlockCheckOutcome, BlockCheckType};

use crate::batch::{self, Spec, owned};
use crate::client::Client;
use crate::error::Error;
use crate::report::Report;

impl Client {
    /// Checks the blocklist relation of `from` with each of `to_accounts`, split into requests of
    /// at most 1,000: with [`BlockCheckType::Both`], whether each is in the other's blocklist;
    /// with [`BlockCheckType::Single`], only whether it is in `from`'s. One outcome per account,
    /// in your order; an item whose `ResultCode` is not 0 is failed, whatever its `Relation`.
    ///
    /// ```no_run
    /// use tencent_im::{BlockCheckOutcome, BlockCheckType, BlockRelation};
    ///
    /// # async fn demo(client: tencent_im::Client) -> Result<(), tencent_im::Error> {
    /// let report = client
    ///     .check_blocklist("alice", ["mallory"], BlockCheckType::Both)
    ///     .await?;
    /// assert_eq!(
    ///     report.outcome("mallory"),
    ///     Some(&BlockCheckOutcome::Checked(BlockRelation::AWithB))
    /// );
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// A validation error naming the field, or the first request's error when no request
    /// succeeded.
    pub async fn check_blocklist<I>(
        &self,
        from: impl Into<String>,
        to_accounts: I,
        check_type: BlockCheckType,
    ) -> Result<Report<BlockCheckOutcome>, Error>
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        let from = from.into();
        let spec = Spec::read();
        let request = BlackListCheck::new(from.clone(), owned(to_accounts), check_type);
        batch::call(self, request, Some(from), spec).await
    }
}
