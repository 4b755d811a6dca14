//! `v4/profile/portrait_set`: set profile fields, such as how friend requests are handled.

use tencent_im_protocol::profile::{AdminForbidType, AllowType, PortraitSet, ProfileItem};

use crate::client::Client;
use crate::error::Error;
use crate::report::Receipt;

impl Client {
    /// Sets how friend requests to `account` are handled (`Tag_Profile_IM_AllowType`): accept
    /// anyone, confirm each (Tencent's default for new accounts), or refuse all.
    ///
    /// ```no_run
    /// use tencent_im::AllowType;
    ///
    /// # async fn demo(client: tencent_im::Client) -> Result<(), tencent_im::Error> {
    /// client.set_allow_type("bob", AllowType::AllowAny).await?;
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// A validation error, or the request's error (e.g. 40003 for an account that was never
    /// imported).
    pub async fn set_allow_type(
        &self,
        account: impl Into<String>,
        allow_type: AllowType,
    ) -> Result<Receipt, Error> {
        self.set_profile(PortraitSet::new(
            account,
            vec![ProfileItem::allow_type(allow_type)],
        ))
        .await
    }

    /// Forbids `account` to send friend requests (`AdminForbid_Type_SendOut`: its friend_add
    /// items fail with 30009), or allows it again.
    ///
    /// # Errors
    ///
    /// As for [`set_allow_type`](Self::set_allow_type).
    pub async fn forbid_friend_requests(
        &self,
        account: impl Into<String>,
        forbid: bool,
    ) -> Result<Receipt, Error> {
        let value = if forbid {
            AdminForbidType::SendOut
        } else {
            AdminForbidType::None
        };
        self.set_profile(PortraitSet::new(
            account,
            vec![ProfileItem::admin_forbid_type(value)],
        ))
        .await
    }

    /// Sets any profile fields.
    ///
    /// # Errors
    ///
    /// As for [`set_allow_type`](Self::set_allow_type).
    pub async fn set_profile(&self, request: PortraitSet) -> Result<Receipt, Error> {
        let response = self.execute(&request).await?;
        Ok(Receipt::from(&response))
    }
}
