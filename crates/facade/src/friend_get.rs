//! `v4/sns/friend_get`: an account's friends, page by page, as a lazy stream.

use std::collections::VecDeque;

use futures_util::Stream;
use futures_util::stream;
use tencent_im_protocol::sns::{FriendGet, UserDataItem};

use crate::client::Client;
use crate::error::Error;

/// Where a friend list stream stands.
struct Pages {
    client: Client,
    next: Option<FriendGet>,
    page: VecDeque<UserDataItem>,
}

impl Client {
    /// Every friend of `account`, with their friend fields, fetched a page at a time as the
    /// stream is polled: nothing is sent until the first poll, and the next page is asked for
    /// only when this one is used up. An error ends the stream after it is yielded.
    ///
    /// ```no_run
    /// use tencent_im::StreamExt as _;
    ///
    /// # async fn demo(client: tencent_im::Client) -> Result<(), tencent_im::Error> {
    /// let mut friends = std::pin::pin!(client.friends("alice"));
    /// while let Some(friend) = friends.next().await {
    ///     let friend = friend?;
    ///     println!("{} (remark {:?})", friend.to_account, friend.remark());
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn friends(
        &self,
        account: impl Into<String>,
    ) -> impl Stream<Item = Result<UserDataItem, Error>> + Send + 'static {
        let pages = Pages {
            client: self.clone(),
            next: Some(FriendGet::new(account, 0)),
            page: VecDeque::new(),
        };
        stream::unfold(pages, |mut pages| async move {
            loop {
                if let Some(friend) = pages.page.pop_front() {
                    return Some((Ok(friend), pages));
                }
                let request = pages.next.take()?;
                match pages.client.execute(&request).await {
                    Ok(response) => {
                        let body = response.body();
                        // A page that brings nothing and does not move on would repeat forever.
                        pages.next = body.next_page(&request).filter(|next| {
                            !body.user_data_items.is_empty()
                                || next.start_index != request.start_index
                        });
                        pages.page.extend(body.user_data_items.iter().cloned());
                    }
                    Err(e) => return Some((Err(e), pages)),
                }
            }
        })
    }
}
