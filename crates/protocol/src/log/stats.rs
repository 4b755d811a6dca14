//! Counting a log's records per endpoint and its failures per code.

use std::collections::BTreeMap;

use crate::endpoint::Endpoint;
use crate::error_code::ErrorCode;

use super::error::LogLineError;
use super::record::{LogRecord, RecordKind};

/// Counts of a log: records per kind and per endpoint, whole-request failures per code, and
/// lines that are not records.
///
/// Counting looks only at what reading a record already found, so it adds next to nothing to
/// reading.
///
/// ```
/// use tencent_im_protocol::log::{LogStats, read_log};
/// use tencent_im_protocol::{Endpoint, ErrorCode};
///
/// let log = concat!(
///     r#"{"From_Account":"alice","AddFriendItem":[]}"#, "\n",
///     r#"{"ActionStatus":"FAIL","ErrorCode":60007,"ErrorInfo":"rate limited"}"#, "\n",
///     "oops\n",
/// );
/// let mut stats = LogStats::default();
/// for item in read_log(log) {
///     stats.add(&item);
/// }
/// assert_eq!((stats.records, stats.requests, stats.responses, stats.bad_lines), (2, 1, 1, 1));
/// assert_eq!(stats.endpoints[&Endpoint::FriendAdd].records, 1);
/// assert_eq!(stats.unknown_endpoint.failures, 1);
/// assert_eq!(stats.failures[&ErrorCode::REST_RATE_LIMITED], 1);
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
    }

    /// Counts a line that is not a record.
    pub fn add_error(&mut self, _error: &LogLineError) {
        self.bad_lines += 1;
    }
}
