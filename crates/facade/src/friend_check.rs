//! `v4/sns/friend_check`: the relation between an account and others.

use tencent_im_protocol::sns::{CheckOutcome, CheckType, FriendCheck};

use crate::batch::{self, Spec, owned};
use crate::client::Client;
use crate::error::Error;
use crate::report::Report;

impl Client {
    /// Checks the relation of `from` with each of `to_accounts`: with [`CheckType::Both`],
    /// whether each is in the other's list; with [`CheckType::Single`], only whether it is in
    /// `from`'s. One outcome per account, in your order.
    ///
    /// ```no_run
    /// use tencent_im::{CheckOutcome, CheckType, Relation};
    ///
    /// # async fn demo(client: tencent_im::Client) -> Result<(), tencent_im::Error> {
    /// let report = client.check_friends("alice", ["bob"], CheckType::Both).await?;
    /// assert_eq!(report.outcome("bob"), Some(&CheckOutcome::Checked(Relation::BothWay)));
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// A validation error naming the field, or the first request's error when no request
    /// succeeded.
    pub async fn check_friends<I>(
        &self,
        from: impl Into<String>,
        to_accounts: I,
        check_type: CheckType,
    ) -> Result<Report<CheckOutcome>, Error>
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        let from = from.into();
        let spec = Spec::read();
        let request = FriendCheck::new(from.clone(), owned(to_accounts), check_type);
        batch::call(self, request, Some(from), spec).await
    }
}
