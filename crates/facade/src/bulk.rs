//! Bulk calls: a stream of items in, grouped into requests of up to the item cap, sent with a
//! bounded concurrency, and a stream of per-request reports out.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet, VecDeque};
use std::hash::Hash;
use std::pin::Pin;

use futures_util::stream::{self, Stream, StreamExt};
use tencent_im_protocol::im_open_login_svc::{AccountItem, ImportOutcome, MultiaccountImport};
use tencent_im_protocol::sns::{AddFriendItem, AddOutcome, AddType, ForceAddFlags, FriendAdd};
use tencent_im_protocol::{
    ErrorClass, ItemFailure, ItemOutcome, ItemReport, ListCommand, ValidationError,
    validate_user_id,
};

use crate::batch::{self, Spec};
use crate::client::Client;
use crate::report::Report;

/// How a bulk call runs: how many requests are in flight at once (default 8) and how many
/// items may wait in partly filled requests before the fullest is sent early (default 100,000;
/// with the requests in flight this bounds the memory a bulk call holds, however long its
/// input).
///
/// ```
/// use tencent_im::BulkOptions;
///
/// let options = BulkOptions::default().concurrency(16).max_buffered(10_000);
/// assert_eq!(options.get_concurrency(), 16);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BulkOptions {
    concurrency: usize,
    max_buffered: usize,
}

impl Default for BulkOptions {
    fn default() -> Self {
        Self {
            concurrency: 8,
            max_buffered: 100_000,
        }
    }
}

impl BulkOptions {
    /// At most `n` requests in flight (at least 1). Requests for the same sender still run one
    /// after the other.
    #[must_use]
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.max(1);
        self
    }

    /// At most `n` items waiting in partly filled requests (at least 1).
    #[must_use]
    pub fn max_buffered(mut self, n: usize) -> Self {
        self.max_buffered = n.max(1);
        self
    }

    /// Requests in flight at once.
    pub fn get_concurrency(&self) -> usize {
        self.concurrency
    }
}

/// One friendship to add in bulk: the sender, the item (target, remark, group, source,
/// wording) and the request options. Pairs with the same sender and options are grouped into
/// one request.
///
/// ```
/// use tencent_im::FriendPair;
///
/// let pair = FriendPair::new("alice", "bob").single();
/// assert_eq!(pair.item.to_account, "bob");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FriendPair {
    /// `From_Account`.
    pub from: String,
    /// The target and its fields; an empty `AddSource` gets the client's default.
    pub item: AddFriendItem,
    /// `AddType`, if set.
    pub add_type: Option<AddType>,
    /// `ForceAddFlags`, if set.
    pub force: Option<ForceAddFlags>,
}

impl FriendPair {
    /// `from` adds `to`, with the client's default `AddSource`.
    pub fn new(from: impl Into<String>, to: impl Into<String>) -> Self {
        Self::with_item(from, AddFriendItem::new(to, ""))
    }

    /// `from` adds the target of `item`.
    pub fn with_item(from: impl Into<String>, item: AddFriendItem) -> Self {
        Self {
            from: from.into(),
            item,
            add_type: None,
            force: None,
        }
    }

    /// Sets `AddType`.
    #[must_use]
    pub fn add_type(mut self, add_type: AddType) -> Self {
        self.add_type = Some(add_type);
        self
    }

    /// One-way (`Add_Type_Single`).
    #[must_use]
    pub fn single(self) -> Self {
        self.add_type(AddType::Single)
    }

    /// The admin forces the add (`ForceAddFlags` 1).
    #[must_use]
    pub fn force(mut self) -> Self {
        self.force = Some(ForceAddFlags::Force);
        self
    }
}

impl Client {
    /// Adds every pair of `pairs`, grouped by sender (and options) into requests of up to
    /// 1,000 items, at most [`BulkOptions::concurrency`] requests at once, one sender's
    /// requests one after the other. Yields one [`Report`] per request as it completes, so
    /// every pair is reported exactly once: added, pending, already friends or failed with its
    /// code (a pair that breaks a limit is reported failed and never sent; a failed request
    /// reports its items failed). The rate limiter paces the requests; nothing is sent until
    /// the stream is polled.
    ///
    /// ```no_run
    /// use tencent_im::{BulkOptions, FriendPair, StreamExt as _};
    ///
    /// # async fn demo(client: tencent_im::Client) {
    /// let pairs = tencent_im::stream::iter((0..10_000).map(|i| FriendPair::new(format!("u{}", i / 100), format!("v{i}"))));
    /// let mut reports = std::pin::pin!(client.friend_add_all(pairs, BulkOptions::default()));
    /// while let Some(report) = reports.next().await {
    ///     for failed in report.failed() {
    ///         eprintln!("{:?} → {}: {}", report.from, failed.account, failed.outcome);
    ///     }
    /// }
    /// # }
    /// ```
    pub fn friend_add_all<S>(
        &self,
        pairs: S,
        options: BulkOptions,
    ) -> impl Stream<Item = Report<AddOutcome>> + Send + 'static
    where
        S: Stream<Item = FriendPair> + Send + 'static,
    {
        bulk(
            self,
            FriendPairs {
                source: self.inner.add_source.clone(),
            },
            pairs,
            options,
        )
    }

    /// Imports every account of `accounts` in requests of up to 100 (multiaccount_import), at
    /// most [`BulkOptions::concurrency`] at once; yields one [`Report`] per request as it
    /// completes. Every account is reported exactly once.
    pub fn import_accounts_all<S>(
        &self,
        accounts: S,
        options: BulkOptions,
    ) -> impl Stream<Item = Report<ImportOutcome>> + Send + 'static
    where
        S: Stream<Item = AccountItem> + Send + 'static,
    {
        bulk(self, Accounts, accounts, options)
    }
}

/// How a bulk input becomes requests.
trait Grouping: Send + 'static {
    type Input: Send;
    /// What items of one request share (sender and options).
    type Key: Hash + Eq + Clone + Send + Sync + 'static;
    type Command: ListCommand<Item: Send + Sync, Outcome: Send, Response: Send> + Send + Sync;

    /// The key and item of the `index`-th input, or why it cannot be sent.
    fn classify(
        &self,
        index: usize,
        input: Self::Input,
    ) -> Result<(Self::Key, <Self::Command as ListCommand>::Item), Invalid>;

    /// The request of `key` carrying `items`.
    fn command(key: &Self::Key, items: Vec<<Self::Command as ListCommand>::Item>) -> Self::Command;

    /// The sender of `key`'s requests, whose writes are serialized.
    fn sender(key: &Self::Key) -> Option<String>;

    /// Whether items failing with a retryable code are resent.
    const RESEND_ITEMS: bool;
}

/// An input that breaks a limit: reported failed, never sent.
struct Invalid {
    from: Option<String>,
    account: String,
    error: ValidationError,
}

struct FriendPairs {
    source: String,
}

impl Grouping for FriendPairs {
    type Input = FriendPair;
    type Key = (String, Option<AddType>, Option<ForceAddFlags>);
    type Command = FriendAdd;
    const RESEND_ITEMS: bool = true;

    fn classify(
        &self,
        index: usize,
        pair: FriendPair,
    ) -> Result<(Self::Key, AddFriendItem), Invalid> {
        let mut item = pair.item;
        if item.add_source.is_empty() {
            item.add_source.clone_from(&self.source);
        }
        let check =
            validate_user_id(&pair.from, "From_Account").and_then(|()| item.validate(index));
        match check {
            Ok(()) => Ok(((pair.from, pair.add_type, pair.force), item)),
            Err(error) => Err(Invalid {
                from: Some(pair.from),
                account: item.to_account,
                error,
            }),
        }
    }

    fn command(key: &Self::Key, items: Vec<AddFriendItem>) -> FriendAdd {
        let mut request = FriendAdd::new(key.0.clone(), items);
        request.add_type = key.1;
        request.force_add = key.2;
        request
    }

    fn sender(key: &Self::Key) -> Option<String> {
        Some(key.0.clone())
    }
}

struct Accounts;

impl Grouping for Accounts {
    type Input = AccountItem;
    type Key = ();
    type Command = MultiaccountImport;
    const RESEND_ITEMS: bool = false;

    fn classify(&self, index: usize, account: AccountItem) -> Result<((), AccountItem), Invalid> {
        match account.validate(index) {
            Ok(()) => Ok(((), account)),
            Err(error) => Err(Invalid {
                from: None,
                account: account.user_id,
                error,
            }),
        }
    }

    fn command((): &(), items: Vec<AccountItem>) -> MultiaccountImport {
        MultiaccountImport::new(items)
    }

    fn sender((): &()) -> Option<String> {
        None
    }
}

/// A request to make, or the report of an input that cannot be sent.
enum Work<G: Grouping> {
    Request(G::Key, Vec<<G::Command as ListCommand>::Item>),
    Invalid(Invalid),
}

/// Items waiting for one key's next request, and their accounts (a repeated account starts a
/// new request, since one request may not carry an account twice).
struct Group<T> {
    items: Vec<T>,
    accounts: HashSet<String>,
}

/// Pulls inputs and hands out full (or, when too much waits, the fullest) requests.
struct Grouper<G: Grouping, S> {
    grouping: G,
    input: Pin<Box<S>>,
    groups: HashMap<G::Key, Group<<G::Command as ListCommand>::Item>>,
    buffered: usize,
    ready: VecDeque<Work<G>>,
    index: usize,
    done: bool,
    cap: usize,
    max_buffered: usize,
}

impl<G, S> Grouper<G, S>
where
    G: Grouping,
    S: Stream<Item = G::Input> + Send,
{
    async fn next(&mut self) -> Option<Work<G>> {
        loop {
            if let Some(work) = self.ready.pop_front() {
                return Some(work);
            }
            if self.done {
                let key = self.groups.keys().next().cloned()?;
                return self.take(&key);
            }
            let Some(input) = self.input.next().await else {
                self.done = true;
                continue;
            };
            let index = self.index;
            self.index += 1;
            let (key, item) = match self.grouping.classify(index, input) {
                Ok(ok) => ok,
                Err(invalid) => return Some(Work::Invalid(invalid)),
            };
            let account = G::Command::account(&item).to_owned();
            let repeated = self
                .groups
                .get(&key)
                .is_some_and(|g| g.accounts.contains(&account));
            if repeated {
                if let Some(work) = self.take(&key) {
                    self.ready.push_back(work);
                }
            }
            let group = match self.groups.entry(key.clone()) {
                Entry::Occupied(e) => e.into_mut(),
                Entry::Vacant(e) => e.insert(Group {
                    items: Vec::new(),
                    accounts: HashSet::new(),
                }),
            };
            group.accounts.insert(account);
            group.items.push(item);
            self.buffered += 1;
            if group.items.len() >= self.cap {
                if let Some(work) = self.take(&key) {
                    self.ready.push_back(work);
                }
            } else if self.buffered > self.max_buffered {
                let fullest = self
                    .groups
                    .iter()
                    .max_by_key(|(_, g)| g.items.len())
                    .map(|(k, _)| k.clone());
                if let Some(work) = fullest.and_then(|k| self.take(&k)) {
                    self.ready.push_back(work);
                }
            }
        }
    }

    fn take(&mut self, key: &G::Key) -> Option<Work<G>> {
        let group = self.groups.remove(key)?;
        self.buffered -= group.items.len();
        Some(Work::Request(key.clone(), group.items))
    }
}

fn bulk<G, S>(
    client: &Client,
    grouping: G,
    input: S,
    options: BulkOptions,
) -> impl Stream<Item = Report<<G::Command as ListCommand>::Outcome>> + Send + 'static
where
    G: Grouping,
    S: Stream<Item = G::Input> + Send + 'static,
{
    let grouper = Grouper::<G, S> {
        grouping,
        input: Box::pin(input),
        groups: HashMap::new(),
        buffered: 0,
        ready: VecDeque::new(),
        index: 0,
        done: false,
        cap: client.cap::<G::Command>(),
        max_buffered: options.max_buffered,
    };
    let work = stream::unfold(grouper, |mut grouper| async move {
        let work = grouper.next().await?;
        Some((work, grouper))
    });
    let client = client.clone();
    work.map(move |work| {
        let client = client.clone();
        async move {
            match work {
                Work::Request(key, items) => {
                    let sender = G::sender(&key);
                    let spec = Spec {
                        serialize: sender.is_some(),
                        resend_items: G::RESEND_ITEMS,
                    };
                    batch::run(&client, G::command(&key, items), sender, spec)
                        .await
                        .report
                }
                Work::Invalid(invalid) => {
                    let failure = ItemFailure::without_code(
                        format!("not sent: {}", invalid.error),
                        ErrorClass::Permanent,
                    );
                    Report {
                        from: invalid.from,
                        items: vec![ItemReport::new(
                            invalid.account,
                            <G::Command as ListCommand>::Outcome::from_failure(failure),
                        )],
                        ..Report::default()
                    }
                }
            }
        }
    })
    .buffer_unordered(options.concurrency)
}
