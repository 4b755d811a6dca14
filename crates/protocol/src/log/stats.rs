//! Counting a log's records per endpoint, its failures per code and its items per result code.

use std::collections::BTreeMap;

use crate::endpoint::Endpoint;
use crate::error_code::ErrorCode;

use super::error::LogLineError;
use super::record::{LogRecord, RecordKind};

/// Counts of a log: records per kind and per endpoint, whole-request failures per code, items
/// per result code, and lines that are not records.
///
/// Counting looks only at what reading a record already found (the item codes are read in the
/// same pass as the line), so it adds next to nothing to reading. Counts of parts of a log read
/// apart (e.g. by several threads) add up with [`merge`](Self::merge).
///
/// ```
/// use tencent_im_protocol::log::{LogStats, read_log};
/// use tencent_im_protocol::{Endpoint, ErrorCode};
///
/// let log = concat!(
///     r#"{"From_Account":"alice","AddFriendItem":[]}"#, "\n",
///     r#"{"ActionStatus":"FAIL","ErrorCode":60007,"ErrorInfo":"rate limited"}"#, "\n",
///     "oops\n",
///     r#"{"api":"sns/friend_add","response":{"ResultItem":["#,
///     r#"{"To_Account":"bob","ResultCode":0},{"To_Account":"carol","ResultCode":30539}"#,
///     r#"],"ActionStatus":"OK","ErrorCode":0}}"#, "\n",
/// );
/// let mut stats = LogStats::default();
/// for item in read_log(log) {
///     stats.add(&item);
/// }
/// assert_eq!((stats.records, stats.requests, stats.responses, stats.bad_lines), (3, 1, 1, 1));
/// assert_eq!(stats.endpoints[&Endpoint::FriendAdd].records, 2);
/// assert_eq!(stats.unknown_endpoint.failures, 1);
/// assert_eq!(stats.failures[&ErrorCode::REST_RATE_LIMITED], 1);
///
/// let friend_add = stats.endpoints[&Endpoint::FriendAdd];
/// assert_eq!((friend_add.items, friend_add.item_failures), (2, 1));
/// assert_eq!(stats.result_codes[&ErrorCode::OK], 1);
/// assert_eq!(stats.result_codes[&ErrorCode::SNS_PENDING], 1);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct LogStats {
    /// Records read.
    pub records: u64,
    /// Records that are request bodies.
    pub requests: u64,
    /// Records that are reply bodies.
    pub responses: u64,
    /// Records that are exchanges.
    pub exchanges: u64,
    /// Lines that are not records (including an I/O error).
    pub bad_lines: u64,
    /// Counts per endpoint, for records whose endpoint is known.
    pub endpoints: BTreeMap<Endpoint, EndpointStats>,
    /// Counts of the records whose endpoint is not known.
    pub unknown_endpoint: EndpointStats,
    /// Whole-request failures per `ErrorCode`.
    pub failures: BTreeMap<ErrorCode, u64>,
    /// Items of replies per `ResultCode` (0 included), over every record: the items of
    /// `ResultItem` (friend_add, friend_delete, black_list_add, black_list_delete,
    /// account_check), of friend_check's `InfoItem` and of black_list_check's
    /// `BlackListCheckItem` that are objects with an integer `ResultCode`.
    pub result_codes: BTreeMap<ErrorCode, u64>,
}

/// Counts of the records of one endpoint.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct EndpointStats {
    /// Records read.
    pub records: u64,
    /// Records holding a reply (with an envelope).
    pub replies: u64,
    /// Replies reporting a whole-request failure.
    pub failures: u64,
    /// Items of replies with a `ResultCode` (see [`LogStats::result_codes`]).
    pub items: u64,
    /// Items whose `ResultCode` is not 0.
    pub item_failures: u64,
}

impl EndpointStats {
    /// Adds the counts of `other` (saturating, never overflowing).
    pub fn merge(&mut self, other: &EndpointStats) {
        self.records = self.records.saturating_add(other.records);
        self.replies = self.replies.saturating_add(other.replies);
        self.failures = self.failures.saturating_add(other.failures);
        self.items = self.items.saturating_add(other.items);
        self.item_failures = self.item_failures.saturating_add(other.item_failures);
    }
}

impl LogStats {
    /// Counts one item of a reader: a record or a bad line.
    pub fn add(&mut self, item: &Result<LogRecord<'_>, LogLineError>) {
        match item {
            Ok(record) => self.add_record(record),
            Err(e) => self.add_error(e),
        }
    }

    /// Counts a record.
    pub fn add_record(&mut self, record: &LogRecord<'_>) {
        self.records += 1;
        match record.kind() {
            RecordKind::Request => self.requests += 1,
            RecordKind::Response => self.responses += 1,
            RecordKind::Exchange => self.exchanges += 1,
        }
        let endpoint = match record.endpoint() {
            Some(endpoint) => self.endpoints.entry(endpoint).or_default(),
            None => &mut self.unknown_endpoint,
        };
        endpoint.records += 1;
        if let Some(envelope) = record.envelope() {
            endpoint.replies += 1;
            if envelope.is_failure() {
                endpoint.failures += 1;
                *self.failures.entry(envelope.error_code).or_default() += 1;
            }
        }
        let result_codes = &mut self.result_codes;
        record.for_each_item_code(|code, n| {
            endpoint.items += n;
            if !code.is_ok() {
                endpoint.item_failures += n;
            }
            *result_codes.entry(code).or_default() += n;
        });
    }

    /// Counts a line that is not a record.
    pub fn add_error(&mut self, _error: &LogLineError) {
        self.bad_lines += 1;
    }

    /// Adds the counts of `other`, e.g. those of another part of the log.
    ///
    /// ```
    /// use tencent_im_protocol::log::{LogStats, read_log};
    ///
    /// let log = "{\"ActionStatus\":\"OK\",\"ErrorCode\":0}\n{}\noops\n";
    /// let (first, rest) = log.split_at(log.find('\n').unwrap() + 1);
    /// let count = |part: &str| {
    ///     let mut stats = LogStats::default();
    ///     read_log(part).for_each(|item| stats.add(&item));
    ///     stats
    /// };
    /// let mut merged = count(first);
    /// merged.merge(&count(rest));
    /// assert_eq!(merged, count(log));
    /// ```
    pub fn merge(&mut self, other: &LogStats) {
        self.records = self.records.saturating_add(other.records);
        self.requests = self.requests.saturating_add(other.requests);
        self.responses = self.responses.saturating_add(other.responses);
        self.exchanges = self.exchanges.saturating_add(other.exchanges);
        self.bad_lines = self.bad_lines.saturating_add(other.bad_lines);
        for (endpoint, counts) in &other.endpoints {
            self.endpoints.entry(*endpoint).or_default().merge(counts);
        }
        self.unknown_endpoint.merge(&other.unknown_endpoint);
        for (code, n) in &other.failures {
            let count = self.failures.entry(*code).or_default();
            *count = count.saturating_add(*n);
        }
        for (code, n) in &other.result_codes {
            let count = self.result_codes.entry(*code).or_default();
            *count = count.saturating_add(*n);
        }
    }
}
