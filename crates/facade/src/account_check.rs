//! `v4/im_open_login_svc/account_check`: whether accounts are imported.

use tencent_im_protocol::im_open_login_svc::{AccountCheck, AccountCheckOutcome};

use crate::batch::{self, Spec, owned};
use crate::client::Client;
use crate::error::Error;
use crate::report::Report;

impl Client {
    /// Checks whether each account of `user_ids` is imported, split into requests of at most
    /// 100: one outcome per account, in your order.
    ///
    /// ```no_run
    /// # async fn demo(client: tencent_im::Client) -> Result<(), tencent_im::Error> {
    /// let report = client.check_accounts(["alice", "nobody"]).await?;
    /// for item in &report.items {
    ///     println!("{}: {}", item.account, item.outcome);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// A validation error naming the item and field, or the first request's error when no
    /// request succeeded.
    pub async fn check_accounts<I>(&self, user_ids: I) -> Result<Report<AccountCheckOutcome>, Error>
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        let spec = Spec::read();
        batch::call(self, AccountCheck::new(owned(user_ids)), None, spec).await
    }
}
