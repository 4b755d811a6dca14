//! `v4/im_open_login_svc/account_import`: import one account.

use tencent_im_protocol::im_open_login_svc::AccountImport;

use crate::client::Client;
use crate::error::Error;
use crate::report::Receipt;

impl Client {
    /// Imports one account (UserID, and optionally its nickname and avatar URL). Importing an
    /// account that exists succeeds again.
    ///
    /// ```no_run
    /// use tencent_im::{AccountImport, Client};
    ///
    /// # async fn demo(client: Client) -> Result<(), tencent_im::Error> {
    /// let receipt = client.import_account(AccountImport::new("alice").nick("Alice")).await?;
    /// println!("imported, random {}", receipt.random);
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// A validation error naming the field, or the request's error.
    pub async fn import_account(&self, account: AccountImport) -> Result<Receipt, Error> {
        let response = self.execute(&account).await?;
        Ok(Receipt::from(&response))
    }
}
