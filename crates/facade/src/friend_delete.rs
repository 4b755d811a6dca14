//! `v4/sns/friend_delete`: remove friends.

use tencent_im_protocol::sns::{DeleteOutcome, DeleteType, FriendDelete};

use crate::batch::{self, Spec, owned};
use crate::client::Client;
use crate::error::Error;
use crate::report::Report;

impl Client {
    /// Removes `to_accounts` from `from`'s friends ([`DeleteType::Both`]: from both lists),
    /// split into requests of at most 1,000 and serialized with `from`'s other writes. One
    /// outcome per account, in your order.
    ///
    /// ```no_run
    /// use tencent_im::DeleteType;
    ///
    /// # async fn demo(client: tencent_im::Client) -> Result<(), tencent_im::Error> {
    /// let report = client.delete_friends("alice", ["bob"], DeleteType::Both).await?;
    /// println!("{report}");
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// A validation error naming the field, or the first request's error when no request
    /// succeeded.
    pub async fn delete_friends<I>(
        &self,
        from: impl Into<String>,
        to_accounts: I,
        delete_type: DeleteType,
    ) -> Result<Report<DeleteOutcome>, Error>
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        let from = from.into();
        let spec = Spec::write();
        let request = FriendDelete::new(from.clone(), owned(to_accounts)).delete_type(delete_type);
        batch::call(self, request, Some(from), spec).await
    }
}
