//! The endpoint catalogue: every wire command this crate knows, with its URL path, retry safety,
//! item cap and default rate.

use std::fmt;

/// A Tencent IM REST endpoint (`v4/{service}/{command}`).
///
/// The catalogue is data: each variant knows its service and command names, whether a retry is
/// safe, how many items one request may carry and the default call rate. [`Command`] types point
/// at their variant through [`Command::ENDPOINT`].
///
/// ```
/// use tencent_im_protocol::Endpoint;
///
/// let e = Endpoint::FriendAdd;
/// assert_eq!(e.path(), "v4/sns/friend_add");
/// assert_eq!(Endpoint::from_path("/v4/sns/friend_add"), Some(e));
/// assert_eq!(Endpoint::from_api("sns/friend_add"), Some(e));
/// assert_eq!(e.max_items(), Some(1000));
/// ```
///
/// [`Command`]: crate::Command
/// [`Command::ENDPOINT`]: crate::Command::ENDPOINT
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Endpoint {
    /// `v4/im_open_login_svc/account_import`: import one account.
    AccountImport,
    /// `v4/im_open_login_svc/multiaccount_import`: import up to 100 accounts.
    MultiaccountImport,
    /// `v4/im_open_login_svc/account_check`: query whether accounts are imported.
    AccountCheck,
    /// `v4/profile/portrait_set`: set profile fields of one account.
    PortraitSet,
    /// `v4/sns/friend_add`: add friends.
    FriendAdd,
    /// `v4/sns/friend_delete`: delete friends.
    FriendDelete,
    /// `v4/sns/friend_check`: check friend relationships.
    FriendCheck,
    /// `v4/sns/friend_get`: page through a friend list.
    FriendGet,
    /// `v4/sns/black_list_add`: add accounts to a blocklist.
    BlackListAdd,
}

/// One row of the catalogue.
struct Row {
    service: &'static str,
    command: &'static str,
    retry_safe: bool,
    max_items: Option<usize>,
    rate: u32,
}

impl Endpoint {
    /// Every endpoint of the catalogue.
    pub const ALL: &'static [Endpoint] = &[
        Endpoint::AccountImport,
        Endpoint::MultiaccountImport,
        Endpoint::AccountCheck,
        Endpoint::PortraitSet,
        Endpoint::FriendAdd,
        Endpoint::FriendDelete,
        Endpoint::FriendCheck,
        Endpoint::FriendGet,
        Endpoint::BlackListAdd,
    ];

    const fn row(self) -> Row {
        const fn row(
            service: &'static str,
            command: &'static str,
            retry_safe: bool,
            max_items: Option<usize>,
            rate: u32,
        ) -> Row {
            Row {
                service,
                command,
                retry_safe,
                max_items,
                rate,
            }
        }
        const LOGIN: &str = "im_open_login_svc";
        // Sources: spec §4 (limits and rates per page), §7.1 (friend_add cap), §7.3 (default rate).
        match self {
            Self::AccountImport => row(LOGIN, "account_import", true, Some(1), 200),
            Self::MultiaccountImport => row(LOGIN, "multiaccount_import", true, Some(100), 100),
            Self::AccountCheck => row(LOGIN, "account_check", true, Some(100), 100),
            Self::PortraitSet => row("profile", "portrait_set", true, None, 200),
            Self::FriendAdd => row("sns", "friend_add", true, Some(1000), 200),
            Self::FriendDelete => row("sns", "friend_delete", true, Some(1000), 200),
            Self::FriendCheck => row("sns", "friend_check", true, Some(1000), 200),
            Self::FriendGet => row("sns", "friend_get", true, None, 200),
            Self::BlackListAdd => row("sns", "black_list_add", true, Some(1000), 200),
        }
    }

    /// The service name, e.g. `"sns"`.
    pub const fn service(self) -> &'static str {
        self.row().service
    }

    /// The command name, e.g. `"friend_add"`.
    pub const fn command(self) -> &'static str {
        self.row().command
    }

    /// The URL path without a leading slash, e.g. `"v4/sns/friend_add"`.
    pub fn path(self) -> String {
        format!("v4/{}/{}", self.service(), self.command())
    }

    /// The `service/command` name used in logs, e.g. `"sns/friend_add"`.
    pub fn api(self) -> String {
        format!("{}/{}", self.service(), self.command())
    }

    /// Whether sending the same request twice is harmless, so a failed attempt may be retried.
    pub const fn is_retry_safe(self) -> bool {
        self.row().retry_safe
    }

    /// How many items one request may carry, for endpoints that take a list.
    pub const fn max_items(self) -> Option<usize> {
        self.row().max_items
    }

    /// The default call rate per second per SDKAppID that the client keeps to.
    pub const fn default_rate_per_second(self) -> u32 {
        self.row().rate
    }

    /// Finds the endpoint of `service` and `command`.
    pub fn from_parts(service: &str, command: &str) -> Option<Self> {
        Self::ALL
            .iter()
            .copied()
            .find(|e| e.service() == service && e.command() == command)
    }

    /// Finds the endpoint of a `service/command` name, as written in logs (`"sns/friend_add"`).
    /// A leading `v4/` and leading or trailing slashes are accepted.
    pub fn from_api(api: &str) -> Option<Self> {
        let api = api.trim_matches('/');
        let api = api.strip_prefix("v4/").unwrap_or(api);
        let (service, command) = api.split_once('/')?;
        Self::from_parts(service, command)
    }

    /// Finds the endpoint of a URL path such as `/v4/sns/friend_add`; a query string is ignored.
    pub fn from_path(path: &str) -> Option<Self> {
        let path = path.split_once('?').map_or(path, |(p, _)| p);
        let rest = path.trim_start_matches('/').strip_prefix("v4/")?;
        Self::from_api(rest)
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.service(), self.command())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_endpoint_round_trips_through_its_path() {
        for &e in Endpoint::ALL {
            assert_eq!(Endpoint::from_path(&format!("/{}", e.path())), Some(e));
            assert_eq!(Endpoint::from_api(&e.api()), Some(e));
            assert_eq!(e.to_string(), e.api());
        }
    }

    #[test]
    fn unknown_paths_are_none() {
        assert_eq!(Endpoint::from_path("/v4/sns/friend_nope"), None);
        assert_eq!(Endpoint::from_path("/v3/sns/friend_add"), None);
        assert_eq!(Endpoint::from_api("friend_add"), None);
        assert_eq!(Endpoint::from_api(""), None);
    }

    #[test]
    fn paths_match_the_spec() {
        assert_eq!(Endpoint::FriendAdd.path(), "v4/sns/friend_add");
        assert_eq!(
            Endpoint::MultiaccountImport.path(),
            "v4/im_open_login_svc/multiaccount_import"
        );
        assert_eq!(Endpoint::PortraitSet.path(), "v4/profile/portrait_set");
        assert_eq!(
            Endpoint::from_path("/v4/sns/friend_add?sdkappid=1"),
            Some(Endpoint::FriendAdd)
        );
    }
}
