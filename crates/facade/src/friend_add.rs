//! `v4/sns/friend_add` as users think of it: `client.friend_add("alice").to("bob").await`.

use std::future::{Future, IntoFuture};
use std::pin::Pin;

use tencent_im_protocol::sns::{
    ADD_SOURCE_PREFIX, AddFriendItem, AddOutcome, AddType, ForceAddFlags, FriendAdd,
};
use tencent_im_protocol::{ValidationError, Violation};

use crate::batch::{self, Spec};
use crate::client::Client;
use crate::error::Error;
use crate::report::Report;

/// `source` as a full `AddSource`: a bare keyword (`"Web"`) gets the `AddSource_Type_` prefix.
pub(crate) fn add_source(source: &str) -> String {
    if source.starts_with(ADD_SOURCE_PREFIX) {
        source.to_owned()
    } else {
        format!("{ADD_SOURCE_PREFIX}{source}")
    }
}

impl Client {
    /// Adds friends to `from`'s list: name them with [`to`](FriendAddCall::to) (and set each
    /// one's remark, group, source and wording), then `.await` the call or call
    /// [`send`](FriendAddCall::send).
    ///
    /// The whole list is validated once before anything is sent (an error names the item by
    /// its index in your list), split into requests of at most 1,000 items, sent while holding
    /// `from`'s write lock (so that the client's own writes for one account never collide with
    /// 30008), and items failing with 30006, 30007 or 30008 are resent (see
    /// [`ItemRetry`](crate::ItemRetry)). The [`Report`] has one outcome per item, in your
    /// order: added, pending, already friends, or failed with its code.
    ///
    /// ```
    /// use tencent_im::{AddOutcome, Client};
    /// use tencent_im_emulator::{Config, Emulator};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let emulator = Emulator::start(Config::default()).await?;
    /// emulator.seed_accounts(["alice", "bob", "carol"]);
    /// let app = emulator.credentials();
    /// let client = Client::builder(app.sdkappid(), app.admin())
    ///     .secret_key(app.secret_key())
    ///     .endpoint(&emulator.base_url())
    ///     .build()?;
    ///
    /// let report = client
    ///     .friend_add("alice")
    ///     .to("bob").remark("Bob").group("Work")
    ///     .to("carol").wording("hi, it's Alice")
    ///     .await?;
    /// // New accounts must confirm requests (the emulator's default, as Tencent's).
    /// assert_eq!(report.outcome("bob"), Some(&AddOutcome::Pending));
    /// assert_eq!(report.items.len(), 2);
    /// assert_eq!(report.requests.len(), 1);
    /// emulator.stop().await;
    /// # Ok(())
    /// # }
    /// ```
    pub fn friend_add(&self, from: impl Into<String>) -> FriendAddCall {
        FriendAddCall {
            client: self.clone(),
            from: from.into(),
            items: Vec::new(),
            add_type: None,
            force: None,
            misuse: None,
        }
    }
}

/// A friend_add call being put together; see [`Client::friend_add`].
#[derive(Debug)]
#[must_use = "a call does nothing until it is awaited or sent"]
pub struct FriendAddCall {
    client: Client,
    from: String,
    items: Vec<AddFriendItem>,
    add_type: Option<AddType>,
    force: Option<ForceAddFlags>,
    /// What a setter called before any `to` expected: reported when the call is sent.
    misuse: Option<&'static str>,
}

impl FriendAddCall {
    /// Adds `account`, with the client's default `AddSource`.
    pub fn to(mut self, account: impl Into<String>) -> Self {
        let source = self.client.inner.add_source.clone();
        self.items.push(AddFriendItem::new(account, source));
        self
    }

    /// Adds every account of `accounts`, with the client's default `AddSource`.
    pub fn to_all<I>(mut self, accounts: I) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        for account in accounts {
            self = self.to(account.as_ref());
        }
        self
    }

    /// Adds an item built in full.
    pub fn item(mut self, item: AddFriendItem) -> Self {
        self.items.push(item);
        self
    }

    /// Adds every item of `items`.
    pub fn items(mut self, items: impl IntoIterator<Item = AddFriendItem>) -> Self {
        self.items.extend(items);
        self
    }

    /// Applies `set` to the item added last; without one, `expected` is the validation error
    /// `send` reports.
    fn last(mut self, expected: &'static str, set: impl FnOnce(&mut AddFriendItem)) -> Self {
        match self.items.last_mut() {
            Some(item) => set(item),
            None => self.misuse = self.misuse.or(Some(expected)),
        }
        self
    }

    /// Sets the `Remark` of the account added last (at most 96 bytes).
    pub fn remark(self, remark: impl Into<String>) -> Self {
        self.last("named with to() before remark()", |i| {
            i.remark = Some(remark.into())
        })
    }

    /// Sets the `GroupName` of the account added last (1 to 30 bytes).
    pub fn group(self, group: impl Into<String>) -> Self {
        self.last("named with to() before group()", |i| {
            i.group_name = Some(group.into())
        })
    }

    /// Sets the `AddSource` of the account added last: a keyword of 1 to 8 ASCII letters such
    /// as `"Web"`, or the full `"AddSource_Type_Web"`.
    pub fn source(self, source: &str) -> Self {
        self.last("named with to() before source()", |i| {
            i.add_source = add_source(source)
        })
    }

    /// Sets the `AddWording` (the request message) of the account added last (at most 256
    /// bytes).
    pub fn wording(self, wording: impl Into<String>) -> Self {
        self.last("named with to() before wording()", |i| {
            i.add_wording = Some(wording.into())
        })
    }

    /// Sets `AddType` (Tencent's default: both ways).
    pub fn add_type(mut self, add_type: AddType) -> Self {
        self.add_type = Some(add_type);
        self
    }

    /// One-way: only `from`'s list gets the accounts (`Add_Type_Single`); no confirmation is
    /// asked of them.
    pub fn single(self) -> Self {
        self.add_type(AddType::Single)
    }

    /// The admin forces the add (`ForceAddFlags` 1): the targets' verification setting is
    /// skipped (their blocklists are not).
    pub fn force(mut self) -> Self {
        self.force = Some(ForceAddFlags::Force);
        self
    }

    /// The request this call sends (before splitting), e.g. to log it.
    pub fn request(&self) -> FriendAdd {
        let mut request = FriendAdd::new(self.from.clone(), self.items.clone());
        request.add_type = self.add_type;
        request.force_add = self.force;
        request
    }

    /// Validates the whole list, then sends it.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Validation`](crate::ErrorKind::Validation) when a field breaks a limit
    /// (nothing is sent), or the first request's error when no request succeeded. Once one
    /// request succeeded, failures of others are reported per item in the [`Report`].
    pub async fn send(self) -> Result<Report<AddOutcome>, Error> {
        if let Some(expected) = self.misuse {
            return Err(Error::validation(ValidationError::new(
                "AddFriendItem",
                Violation::Format { expected },
            )));
        }
        let spec = Spec::write();
        let mut request = FriendAdd::new(self.from, self.items);
        request.add_type = self.add_type;
        request.force_add = self.force;
        let from = Some(request.from_account.clone());
        batch::call(&self.client, request, from, spec).await
    }
}

impl IntoFuture for FriendAddCall {
    type Output = Result<Report<AddOutcome>, Error>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send + 'static>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}
