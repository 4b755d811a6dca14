//! The endpoint catalogue: one row per wire command, and everything derived from it (the
//! [`Endpoint`] enum, its list, paths, limits, rates and the keys that tell bare log bodies apart).
//!
//! Adding a command is a row here plus its wire type (`docs/architecture.md`, "Adding a
//! command"); a row whose wire type is missing or points at another endpoint does not compile.

use std::fmt;

/// Calls the macro `$then!` with every row of the endpoint catalogue, for code that must handle
/// every command (the emulator routes requests with it; the [`Endpoint`] enum is made by it).
///
/// Each row reads
///
/// ```text
/// /// `v4/{service}/{command}`: what the command does.
/// Variant = "service" / "command", WireType {
///     retry_safe: bool, max_items: Option<usize>, rate: u32, items: Option<&str>,
///     keys: ["TopLevelKey", ...],
/// };
/// ```
///
/// where `WireType` is the command's [`Command`](crate::Command) type (a `$crate` path),
/// `max_items` the items one request may carry, `rate` the default calls per second per
/// SDKAppID, `items` the reply's array of per-item results (`"ResultItem"`), and `keys` the top-level body keys no other command's request or reply carries (for
/// telling which command a body logged without its `api` belongs to; keys shared by several
/// commands, such as `ResultItem` or `To_Account`, are never listed).
///
/// ```
/// macro_rules! count {
///     ($($(#[$doc:meta])* $variant:ident = $service:literal / $command:literal, $wire:ty
///         { $($field:tt)* };)*) => {
///         [$(stringify!($variant)),*].len()
///     };
/// }
/// assert_eq!(
///     tencent_im_protocol::for_each_endpoint!(count),
///     tencent_im_protocol::Endpoint::ALL.len()
/// );
/// ```
#[macro_export]
macro_rules! for_each_endpoint {
    ($then:ident) => {
        // Sources: Tencent Cloud Chat's page of each command ("Importing a Single Account",
        // "Adding Friends", …) for the caps, and "REST API Frequency Limits" for the rates.
        $then! {
            /// `v4/im_open_login_svc/account_import`: import one account.
            AccountImport = "im_open_login_svc" / "account_import",
            $crate::im_open_login_svc::AccountImport {
                retry_safe: true, max_items: Some(1), rate: 200, items: None, keys: [],
            };
            /// `v4/im_open_login_svc/multiaccount_import`: import up to 100 accounts.
            MultiaccountImport = "im_open_login_svc" / "multiaccount_import",
            $crate::im_open_login_svc::MultiaccountImport {
                retry_safe: true, max_items: Some(100), rate: 100, items: None,
                keys: ["AccountList", "FailAccounts"],
            };
            /// `v4/im_open_login_svc/account_check`: query whether accounts are imported.
            AccountCheck = "im_open_login_svc" / "account_check",
            $crate::im_open_login_svc::AccountCheck {
                retry_safe: true, max_items: Some(100), rate: 100, items: Some("ResultItem"),
                keys: ["CheckItem"],
            };
            /// `v4/profile/portrait_set`: set profile fields of one account.
            PortraitSet = "profile" / "portrait_set",
            $crate::profile::PortraitSet {
                retry_safe: true, max_items: None, rate: 200, items: None, keys: ["ProfileItem"],
            };
            /// `v4/sns/friend_add`: add friends.
            FriendAdd = "sns" / "friend_add",
            $crate::sns::FriendAdd {
                retry_safe: true, max_items: Some(1000), rate: 200, items: Some("ResultItem"),
                keys: ["AddFriendItem"],
            };
            /// `v4/sns/friend_delete`: delete friends.
            FriendDelete = "sns" / "friend_delete",
            $crate::sns::FriendDelete {
                retry_safe: true, max_items: Some(1000), rate: 200, items: Some("ResultItem"),
                keys: [],
            };
            /// `v4/sns/friend_check`: check friend relationships.
            FriendCheck = "sns" / "friend_check",
            $crate::sns::FriendCheck {
                retry_safe: true, max_items: Some(1000), rate: 200, items: Some("InfoItem"),
                keys: [],
            };
            /// `v4/sns/friend_get`: page through a friend list.
            FriendGet = "sns" / "friend_get",
            $crate::sns::FriendGet {
                retry_safe: true, max_items: None, rate: 200, items: None, keys: [],
            };
            /// `v4/sns/black_list_add`: add accounts to a blocklist.
            BlackListAdd = "sns" / "black_list_add",
            $crate::sns::BlackListAdd {
                retry_safe: true, max_items: Some(1000), rate: 200, items: Some("ResultItem"),
                keys: [],
            };
            /// `v4/sns/black_list_delete`: remove accounts from a blocklist.
            BlackListDelete = "sns" / "black_list_delete",
            $crate::sns::BlackListDelete {
                retry_safe: true, max_items: Some(1000), rate: 200, items: Some("ResultItem"),
                keys: [],
            };
            /// `v4/sns/black_list_check`: check blocklist relations.
            BlackListCheck = "sns" / "black_list_check",
            $crate::sns::BlackListCheck {
                retry_safe: true, max_items: Some(1000), rate: 200,
                items: Some("BlackListCheckItem"), keys: ["BlackListCheckItem"],
            };
        }
    };
}

/// Makes [`Endpoint`] and its tables from the catalogue's rows.
macro_rules! define_endpoints {
    ($($(#[$doc:meta])* $variant:ident = $service:literal / $command:literal, $wire:ty {
        retry_safe: $retry_safe:expr, max_items: $max_items:expr, rate: $rate:expr,
        items: $items:expr, keys: [$($key:literal),* $(,)?] $(,)?
    };)*) => {
        /// A Tencent IM REST endpoint (`v4/{service}/{command}`).
        ///
        /// The catalogue is data: each variant knows its service and command names, whether a
        /// retry is safe, how many items one request may carry and the default call rate.
        /// [`Command`] types point at their variant through [`Command::ENDPOINT`].
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
            $($(#[$doc])* $variant,)*
        }

        impl Endpoint {
            /// Every endpoint of the catalogue, in catalogue order.
            pub const ALL: &'static [Endpoint] = &[$(Endpoint::$variant),*];

            const fn row(self) -> Row {
                match self {
                    $(Self::$variant => Row {
                        service: $service,
                        command: $command,
                        path: concat!("v4/", $service, "/", $command),
                        api: concat!($service, "/", $command),
                        retry_safe: $retry_safe,
                        max_items: $max_items,
                        rate: $rate,
                        items: $items,
                    },)*
                }
            }

            /// Finds the endpoint of `service` and `command`.
            pub fn from_parts(service: &str, command: &str) -> Option<Self> {
                match (service, command) {
                    $(($service, $command) => Some(Self::$variant),)*
                    _ => None,
                }
            }
        }

        /// Top-level keys that only one endpoint's request or reply body carries.
        pub(crate) const UNIQUE_KEYS: &[(&str, Endpoint)] = &[
            $($(($key, Endpoint::$variant),)*)*
        ];

        // Each row's wire type exists and points back at its row.
        $(const _: () = assert!(matches!(
            <$wire as $crate::Command>::ENDPOINT,
            Endpoint::$variant
        ));)*
    };
}

for_each_endpoint!(define_endpoints);

/// One row of the catalogue.
struct Row {
    service: &'static str,
    command: &'static str,
    path: &'static str,
    api: &'static str,
    retry_safe: bool,
    max_items: Option<usize>,
    rate: u32,
    items: Option<&'static str>,
}

impl Endpoint {
    /// The service name, e.g. `"sns"`.
    pub const fn service(self) -> &'static str {
        self.row().service
    }

    /// The command name, e.g. `"friend_add"`.
    pub const fn command(self) -> &'static str {
        self.row().command
    }

    /// The URL path without a leading slash, e.g. `"v4/sns/friend_add"`.
    pub const fn path(self) -> &'static str {
        self.row().path
    }

    /// The `service/command` name used in logs, e.g. `"sns/friend_add"`.
    pub const fn api(self) -> &'static str {
        self.row().api
    }

    /// Whether sending the same request twice is harmless, so a failed attempt may be retried.
    pub const fn is_retry_safe(self) -> bool {
        self.row().retry_safe
    }

    /// How many items one request may carry, for endpoints that take a list.
    pub const fn max_items(self) -> Option<usize> {
        self.row().max_items
    }

    /// The reply's array of per-item results (objects with a `ResultCode`), for endpoints whose
    /// reply has one: `"ResultItem"`, friend_check's `"InfoItem"` or black_list_check's
    /// `"BlackListCheckItem"`.
    pub const fn item_array(self) -> Option<&'static str> {
        self.row().items
    }

    /// The default call rate per second per SDKAppID that the client keeps to.
    pub const fn default_rate_per_second(self) -> u32 {
        self.row().rate
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
        f.write_str(self.api())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_endpoint_round_trips_through_its_path() {
        for &e in Endpoint::ALL {
            assert_eq!(Endpoint::from_path(&format!("/{}", e.path())), Some(e));
            assert_eq!(Endpoint::from_api(e.api()), Some(e));
            assert_eq!(e.path(), format!("v4/{}/{}", e.service(), e.command()));
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

    #[test]
    fn every_row_names_its_wire_type() {
        macro_rules! wire_endpoints {
            ($($(#[$doc:meta])* $variant:ident = $service:literal / $command:literal, $wire:ty
                { $($field:tt)* };)*) => {
                vec![$((
                    Endpoint::$variant,
                    <$wire as crate::Command>::ENDPOINT,
                    <$wire as crate::Command>::SERVICE,
                    <$wire as crate::Command>::COMMAND,
                )),*]
            };
        }
        let rows = for_each_endpoint!(wire_endpoints);
        assert_eq!(rows.len(), Endpoint::ALL.len());
        for (row, (variant, endpoint, service, command)) in Endpoint::ALL.iter().zip(rows) {
            assert_eq!((*row, endpoint), (variant, variant));
            assert_eq!((service, command), (row.service(), row.command()));
        }
    }

    #[test]
    fn unique_keys_belong_to_one_endpoint_each() {
        for (i, (key, _)) in UNIQUE_KEYS.iter().enumerate() {
            assert!(
                UNIQUE_KEYS[i + 1..].iter().all(|(k, _)| k != key),
                "{key} is listed twice"
            );
            // Keys every list command carries can never tell two commands apart.
            assert!(!["ResultItem", "To_Account", "From_Account", "ActionStatus"].contains(key));
        }
        assert!(UNIQUE_KEYS.contains(&("AddFriendItem", Endpoint::FriendAdd)));
    }
}
