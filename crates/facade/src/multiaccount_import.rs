//! `v4/im_open_login_svc/multiaccount_import`: import many accounts.

use tencent_im_protocol::im_open_login_svc::{AccountItem, ImportOutcome, MultiaccountImport};

use crate::batch::{self, Spec};
use crate::client::Client;
use crate::error::Error;
use crate::report::Report;

impl Client {
    /// Imports every account of `accounts` (UserIDs as `&str` or `String`, or
    /// [`AccountItem`]s with nickname and avatar), split into requests of at most 100: one outcome per account, in your order
    /// (imported, or failed: Tencent gives no reason for a failed import).
    ///
    /// ```no_run
    /// use tencent_im::{AccountItem, Client};
    ///
    /// # async fn demo(client: Client) -> Result<(), tencent_im::Error> {
    /// let report = client
    ///     .import_accounts([AccountItem::new("bob").nick("Bob"), AccountItem::new("carol")])
    ///     .await?;
    /// assert_eq!(report.items.len(), 2);
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// A validation error naming the item (by its index in `accounts`) and field, or the first
    /// request's error when no request succeeded.
    pub async fn import_accounts<I>(&self, accounts: I) -> Result<Report<ImportOutcome>, Error>
    where
        I: IntoIterator,
        I::Item: Into<AccountItem>,
    {
        let request = MultiaccountImport::new(accounts.into_iter().map(Into::into).collect());
        let spec = Spec::read();
        batch::call(self, request, None, spec).await
    }
}
