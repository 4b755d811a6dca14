//! The log reader against `fixtures/log/mixed.jsonl` (every record shape and every kind of bad
//! line), the streaming reader against the in-memory one, and arbitrary input.

use std::borrow::Cow;
use std::error::Error as _;
use std::io::{self, BufRead, BufReader, Read};

use proptest::prelude::*;
use tencent_im_protocol::log::{
    EndpointStats, LogErrorKind, LogLineError, LogReader, LogRecord, LogStats, RecordError,
    RecordKind, read_log,
};
use tencent_im_protocol::sns::{AddType, ForceAddFlags, FriendAdd};
use tencent_im_protocol::{ActionStatus, Command, Endpoint, ErrorCode, ItemOutcome, Reply};

/// Every record shape and every kind of bad line, with CRLF endings, a BOM and no newline at the
/// end; `every_line_of_the_fixture_is_a_record_or_a_numbered_error` says which line is which.
const FIXTURE: &[u8] = include_bytes!("fixtures/log/mixed.jsonl");

/// What a reader yields for one line, without borrowing it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Seen {
    Record {
        line: u64,
        kind: RecordKind,
        endpoint: Option<Endpoint>,
        failure: bool,
    },
    Bad {
        line: u64,
        kind: LogErrorKind,
    },
}

impl Seen {
    fn of(item: &Result<LogRecord<'_>, LogLineError>) -> Self {
        match item {
            Ok(r) => Self::Record {
                line: r.line(),
                kind: r.kind(),
                endpoint: r.endpoint(),
                failure: r.is_failure(),
            },
            Err(e) => Self::Bad {
                line: e.line(),
                kind: e.kind(),
            },
        }
    }

    fn line(&self) -> u64 {
        match self {
            Self::Record { line, .. } | Self::Bad { line, .. } => *line,
        }
    }
}

fn rec(line: u64, kind: RecordKind, endpoint: Option<Endpoint>, failure: bool) -> Seen {
    Seen::Record {
        line,
        kind,
        endpoint,
        failure,
    }
}

fn bad(line: u64, kind: LogErrorKind) -> Seen {
    Seen::Bad { line, kind }
}

/// Reads `input` in memory; returns what was seen and the records' debug text.
fn read_in_memory(input: &[u8], max_line_len: usize) -> Vec<(Seen, String)> {
    read_log(input)
        .max_line_len(max_line_len)
        .map(|item| (Seen::of(&item), describe(&item)))
        .collect()
}

/// Reads `input` through a `BufReader` of `capacity` bytes.
fn read_streaming(input: &[u8], capacity: usize, max_line_len: usize) -> Vec<(Seen, String)> {
    let mut reader =
        LogReader::new(BufReader::with_capacity(capacity, input)).max_line_len(max_line_len);
    let mut seen = Vec::new();
    while let Some(item) = reader.next_record() {
        seen.push((Seen::of(&item), describe(&item)));
    }
    assert!(
        reader.next_record().is_none(),
        "the reader stays at its end"
    );
    seen
}

/// Everything a record holds (its Debug), or an error's kind, line and message.
fn describe(item: &Result<LogRecord<'_>, LogLineError>) -> String {
    match item {
        Ok(r) => format!("{r:?}"),
        Err(e) => format!("{:?} {} {e}", e.kind(), e.line()),
    }
}

fn records(input: &[u8]) -> Vec<LogRecord<'_>> {
    read_log(input).filter_map(Result::ok).collect()
}

fn record_at(input: &[u8], line: u64) -> Option<LogRecord<'_>> {
    records(input).into_iter().find(|r| r.line() == line)
}

#[test]
fn every_line_of_the_fixture_is_a_record_or_a_numbered_error() {
    use Endpoint::{AccountCheck, FriendAdd, MultiaccountImport};
    use LogErrorKind::{NotJson, NotObject, NotRecord, NotUtf8, Truncated};
    use RecordKind::{Exchange, Request, Response};

    let input = FIXTURE;
    let seen: Vec<Seen> = read_log(input).map(|item| Seen::of(&item)).collect();
    assert_eq!(
        seen,
        [
            // A BOM, then a friend_add exchange (one item pending), CRLF.
            rec(1, Exchange, Some(FriendAdd), false),
            // A bare friend_add request (`AddFriendItem`), CRLF; line 3 is a blank CRLF.
            rec(2, Request, Some(FriendAdd), false),
            // A bare sns reply: `ResultItem` is not one endpoint's.
            rec(4, Response, None, false),
            // A bare whole-request failure, 70001.
            rec(5, Response, None, true),
            bad(6, NotJson),
            // `["SECRET",1,2]`
            bad(7, NotObject),
            // `"api":"v4/sns/friend_add"` and `"response":null`.
            rec(8, Exchange, Some(FriendAdd), false),
            // `api` is a whole URL; the reply fails with 70009.
            rec(9, Exchange, Some(AccountCheck), true),
            // `"api":"sns/friend_import"`, outside the catalogue, and no `request`.
            rec(10, Exchange, None, false),
            // Then line 12 holds only spaces, a tab and `\r`.
            bad(11, NotUtf8),
            // `{"api":"sns/friend_add"}`
            bad(13, NotRecord),
            // `{"request":{…}}`
            bad(14, NotRecord),
            // `{}`
            rec(15, Request, None, false),
            // `"api":"sns\/friend_add"` and an escaped `ErrorInfo`, 60007.
            rec(16, Exchange, Some(FriendAdd), true),
            // `FailAccounts`
            rec(17, Response, Some(MultiaccountImport), false),
            // `AddFriendItem` and `CheckItem`: two endpoints, so none.
            rec(18, Request, None, false),
            // `"api":42`
            bad(19, NotRecord),
            // `"ErrorCode":"0"`: a reply without an envelope.
            rec(20, Response, None, false),
            // Cut off in a string, no newline.
            bad(21, Truncated),
        ]
    );
}

#[test]
fn exchange_decodes_as_friend_add_request_and_reply() {
    let input = FIXTURE;
    let record = record_at(input, 1).unwrap();
    assert_eq!(record.api(), Some("sns/friend_add"));
    assert!(
        record.json().starts_with(r#"{"api""#),
        "the BOM is not part of the record"
    );
    assert!(record.json().ends_with("}}"), "nor is the CRLF");

    let request: FriendAdd = record.request_as().unwrap();
    assert_eq!(request.from_account, "alice");
    assert_eq!(request.items.len(), 2);
    assert_eq!(request.items[0].remark.as_deref(), Some("Bob"));
    assert_eq!(request.add_type, Some(AddType::Both));

    let reply: Reply<_> = record.reply_as::<FriendAdd>().unwrap();
    assert!(!reply.envelope.is_failure());
    let codes: Vec<_> = reply
        .body
        .result_items
        .iter()
        .map(|r| r.result_code)
        .collect();
    assert_eq!(codes, [ErrorCode::OK, ErrorCode::SNS_PENDING]);
    let report = reply.body.report(&request);
    assert!(report.discrepancies.is_empty());
    assert!(report.items.iter().all(|i| i.outcome.is_success()));
}

#[test]
fn bare_bodies_decode_as_friend_add() {
    let input = FIXTURE;
    let request = record_at(input, 2).unwrap();
    assert_eq!(request.api(), None);
    assert_eq!(request.request_json(), Some(request.json()));
    assert_eq!(request.response_json(), None);
    let decoded: FriendAdd = request.request_as().unwrap();
    assert_eq!(decoded.force_add, Some(ForceAddFlags::Force));
    assert!(matches!(
        request.reply_as::<FriendAdd>(),
        Err(RecordError::NoReply {
            endpoint: Endpoint::FriendAdd
        })
    ));

    // A reply body does not say which endpoint it answers: it decodes as any command's reply.
    let reply = record_at(input, 4).unwrap();
    assert_eq!(reply.response_json(), Some(reply.json()));
    assert_eq!(
        reply
            .reply_as::<FriendAdd>()
            .unwrap()
            .body
            .result_items
            .len(),
        1
    );
    assert!(matches!(
        reply.request_as::<FriendAdd>(),
        Err(RecordError::NoRequest { .. })
    ));
}

#[test]
fn whole_request_failures_show_in_the_envelope() {
    let input = FIXTURE;
    let record = record_at(input, 5).unwrap();
    let envelope = record.envelope().unwrap();
    assert_eq!(envelope.action_status, ActionStatus::Fail);
    assert_eq!(envelope.error_code, ErrorCode::SIG_EXPIRED);
    assert!(matches!(
        envelope.error_info,
        Cow::Borrowed("usersig expired")
    ));
    assert_eq!(envelope.error_display.as_deref(), Some(""));
    assert_eq!(envelope.to_envelope().error_info, "usersig expired");

    let err = record.reply_as::<FriendAdd>().unwrap_err();
    assert_eq!(err.api_code(), Some(ErrorCode::SIG_EXPIRED));
    assert!(matches!(err, RecordError::Api(_)));
    assert!(err.source().is_some());

    // An envelope with a string ErrorCode is not an envelope.
    let odd = record_at(input, 20).unwrap();
    assert_eq!(odd.kind(), RecordKind::Response);
    assert!(odd.envelope().is_none());
    assert!(matches!(
        odd.reply_as::<FriendAdd>(),
        Err(RecordError::Decode(_))
    ));
}

/// What a reply error or a record error says about itself, through the methods both have.
#[derive(Debug, PartialEq)]
struct Answers {
    code: Option<ErrorCode>,
    info: Option<String>,
    envelope: Option<tencent_im_protocol::Envelope>,
    decode: Option<(Option<Endpoint>, &'static str, usize)>,
    truncated: bool,
    has_source: bool,
}

macro_rules! answers {
    ($err:expr) => {{
        let err = &$err;
        Answers {
            code: err.api_code(),
            info: err.api_error().map(|e| e.info().to_owned()),
            envelope: err.api_error().map(|e| e.envelope().clone()),
            decode: err
                .decode_error()
                .map(|e| (e.endpoint(), e.what(), e.column())),
            truncated: err.is_truncated(),
            has_source: err.source().is_some(),
        }
    }};
}

#[test]
fn reply_and_record_errors_answer_alike() {
    for body in [
        r#"{"ActionStatus":"FAIL","ErrorCode":70001,"ErrorInfo":"usersig expired","ErrorDisplay":""}"#,
        r#"{"ErrorCode":60007,"ActionStatus":"FAIL","ErrorInfo":"rate \u006cimited"}"#,
        r#"{"ActionStatus":"OK","ErrorCode":0,"ResultItem":5}"#,
        r#"{"ActionStatus":"OK","ErrorCode":"0"}"#,
        r#"{"ActionStatus":"OK","ErrorCode":0,"ResultItem":[{"To_Account":7}]}"#,
    ] {
        let reply = FriendAdd::decode_reply(body.as_bytes()).unwrap_err();
        let bare = read_log(body).next().unwrap().unwrap();
        let exchange = format!(r#"{{"api":"sns/friend_add","response":{body}}}"#);
        let exchange = read_log(&exchange).next().unwrap().unwrap();
        let expected = answers!(reply);
        assert_eq!(
            answers!(bare.reply_as::<FriendAdd>().unwrap_err()),
            expected,
            "{body}"
        );
        assert_eq!(
            answers!(exchange.reply_as::<FriendAdd>().unwrap_err()),
            expected,
            "{body}"
        );
        assert!(
            expected.code.is_some() != expected.decode.is_some(),
            "{body}"
        );
        assert!(expected.has_source && !expected.truncated);
    }
    // A reply cut off is truncated; a logged body cannot be (its line would not be a record).
    let cut = FriendAdd::decode_reply(br#"{"ActionStatus":"OK","Err"#).unwrap_err();
    assert!(cut.is_truncated() && cut.api_code().is_none() && cut.decode_error().is_some());
    // The record's own cases are neither API nor decoding errors.
    let request = read_log(r#"{"From_Account":"a","AddFriendItem":[]}"#)
        .next()
        .unwrap()
        .unwrap();
    let none = answers!(request.reply_as::<FriendAdd>().unwrap_err());
    assert_eq!(
        none,
        Answers {
            code: None,
            info: None,
            envelope: None,
            decode: None,
            truncated: false,
            has_source: false,
        }
    );
}

#[test]
fn a_request_without_reply_keeps_its_request() {
    let input = FIXTURE;
    let record = record_at(input, 8).unwrap();
    assert_eq!(record.api(), Some("v4/sns/friend_add"));
    assert_eq!(record.response_json(), None);
    assert!(record.envelope().is_none());
    assert!(!record.is_failure());
    assert_eq!(
        record.request_as::<FriendAdd>().unwrap().from_account,
        "frank"
    );
    let err = record.reply_as::<FriendAdd>().unwrap_err();
    assert_eq!(err.to_string(), "the record has no sns/friend_add reply");
}

#[test]
fn typed_access_checks_the_endpoint() {
    let input = FIXTURE;
    let account_check = record_at(input, 9).unwrap();
    assert_eq!(account_check.envelope().unwrap().error_code.get(), 70009);
    let err = account_check.request_as::<FriendAdd>().unwrap_err();
    assert!(matches!(
        err,
        RecordError::WrongEndpoint {
            expected: Endpoint::FriendAdd,
            found: Some(Endpoint::AccountCheck),
        }
    ));
    assert_eq!(
        err.to_string(),
        "the record is a im_open_login_svc/account_check record, not sns/friend_add"
    );
    assert!(account_check.reply_as::<FriendAdd>().is_err());

    let unknown = record_at(input, 10).unwrap();
    assert_eq!(unknown.api(), Some("sns/friend_import"));
    assert_eq!(unknown.request_json(), None);
    let err = unknown.reply_as::<FriendAdd>().unwrap_err();
    assert!(matches!(
        err,
        RecordError::WrongEndpoint { found: None, .. }
    ));
}

#[test]
fn escaped_strings_are_decoded() {
    let input = FIXTURE;
    let record = record_at(input, 16).unwrap();
    assert_eq!(record.api(), Some("sns/friend_add"));
    let envelope = record.envelope().unwrap();
    assert_eq!(envelope.error_info, "频率超限");
    assert_eq!(envelope.error_code, ErrorCode::REST_RATE_LIMITED);
}

#[test]
fn bare_bodies_get_their_endpoint_from_distinctive_keys() {
    let cases = [
        (
            r#"{"From_Account":"a","AddFriendItem":[]}"#,
            Some(Endpoint::FriendAdd),
        ),
        (
            r#"{"AccountList":[{"UserID":"a"}]}"#,
            Some(Endpoint::MultiaccountImport),
        ),
        (
            r#"{"FailAccounts":[],"ActionStatus":"OK","ErrorCode":0}"#,
            Some(Endpoint::MultiaccountImport),
        ),
        (
            r#"{"CheckItem":[{"UserID":"a"}]}"#,
            Some(Endpoint::AccountCheck),
        ),
        (
            r#"{"From_Account":"a","ProfileItem":[]}"#,
            Some(Endpoint::PortraitSet),
        ),
        // Shared by several endpoints, or pointing at two.
        (r#"{"From_Account":"a","To_Account":["b"]}"#, None),
        (r#"{"AddFriendItem":[],"ProfileItem":[]}"#, None),
        // Keys below the top level do not count.
        (r#"{"X":{"AddFriendItem":[]}}"#, None),
    ];
    for (json, endpoint) in cases {
        let record = read_log(json).next().unwrap().unwrap();
        assert_eq!(record.endpoint(), endpoint, "{json}");
    }
}

#[test]
fn api_names_the_endpoint_in_every_form() {
    let cases = [
        ("sns/friend_add", Some(Endpoint::FriendAdd)),
        ("v4/sns/friend_add", Some(Endpoint::FriendAdd)),
        (
            "/v4/sns/friend_add?sdkappid=1&usersig=x",
            Some(Endpoint::FriendAdd),
        ),
        (
            "https://adminapisgp.im.qcloud.com/v4/profile/portrait_set?random=1",
            Some(Endpoint::PortraitSet),
        ),
        (
            "http://127.0.0.1:8080/v4/sns/friend_get",
            Some(Endpoint::FriendGet),
        ),
        ("sns/friend_import", None),
        ("https://console.tim.qq.com", None),
        ("", None),
    ];
    for (api, endpoint) in cases {
        let line = format!(r#"{{"api":"{api}","request":{{}}}}"#);
        let record = read_log(&line).next().unwrap().unwrap();
        assert_eq!(record.endpoint(), endpoint, "{api}");
        assert_eq!(record.api(), Some(api));
    }
}

#[test]
fn raw_values_are_the_bodies() {
    let input = FIXTURE;
    let record = record_at(input, 1).unwrap();
    let request = record.request_raw().unwrap();
    assert_eq!(Some(request.get()), record.request_json());
    assert!(request.get().starts_with(r#"{"From_Account":"alice""#));
    let response = record.response_raw().unwrap();
    assert_eq!(Some(response.get()), record.response_json());
    let bare = record_at(input, 2).unwrap();
    assert_eq!(bare.request_raw().unwrap().get(), bare.json());
    assert!(bare.response_raw().is_none());
}

#[test]
fn bad_lines_are_reported_without_their_content() {
    let input = FIXTURE;
    let errors: Vec<LogLineError> = read_log(input).filter_map(Result::err).collect();
    let messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        messages,
        [
            "line 6: not JSON",
            "line 7: not a JSON object",
            "line 11: not UTF-8",
            "line 13: not a log record (`api` without `request` or `response`)",
            "line 14: not a log record (`request` or `response` without `api`)",
            "line 19: not a log record (`api` is not a string)",
            "line 21: truncated",
        ]
    );
    for e in &errors {
        let mut chain = format!("{e} {e:?}");
        let mut source = e.source();
        while let Some(s) = source {
            chain.push_str(&format!(" {s} {s:?}"));
            source = s.source();
        }
        assert!(!chain.contains("SECRET"), "{chain}");
    }
    let last = errors.last().unwrap();
    assert!(last.is_truncated());
    assert!(!errors[0].is_truncated());
    assert_eq!(errors[0].column(), Some(1));
    assert!(errors[0].source().is_some());
}

/// A valid exchange with a non-ASCII string, an escape, negative, fractional and exponent
/// numbers, `true`, `null`, nested arrays and a reply: a cut anywhere lands in each kind of token.
const WHOLE_LINE: &str = r#"{"api":"sns/friend_add","ts":-1.5e+3,"ms":2E-1,"ok":true,"x":null,"request":{"From_Account":"alice","AddFriendItem":[{"To_Account":"bob","Remark":"备注 \u00e9","AddSource":"AddSource_Type_Web"}]},"response":{"ResultItem":[{"To_Account":"bob","ResultCode":30539,"ResultInfo":""}],"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}}"#;

/// What both readers see in `input`, checked to be the same.
fn both_ways(input: &[u8]) -> Vec<(Seen, String)> {
    let in_memory = read_in_memory(input, usize::MAX);
    assert_eq!(read_streaming(input, 7, usize::MAX), in_memory, "{input:?}");
    in_memory
}

#[test]
fn a_last_line_cut_at_any_byte_is_truncated() {
    let whole = WHOLE_LINE.as_bytes();
    let before = br#"{"ActionStatus":"OK","ErrorCode":0}"#;
    for cut in 1..whole.len() {
        let mut input = before.to_vec();
        input.extend_from_slice(b"\r\n");
        input.extend_from_slice(&whole[..cut]);
        let seen = both_ways(&input);
        assert_eq!(seen.len(), 2, "cut at {cut}");
        assert_eq!(seen[0].0, rec(1, RecordKind::Response, None, false));
        assert_eq!(seen[1].0, bad(2, LogErrorKind::Truncated), "cut at {cut}");
        let error = read_log(&input).nth(1).unwrap().unwrap_err();
        assert!(error.is_truncated(), "cut at {cut}");
        assert_eq!(error.to_string(), "line 2: truncated");
        assert!(error.source().is_some());
    }
    // Not cut: a record, without a line ending as with one.
    for end in [&b""[..], b"\n", b"\r\n", b" "] {
        let input = [whole, end].concat();
        assert_eq!(
            both_ways(&input)
                .into_iter()
                .map(|(seen, _)| seen)
                .collect::<Vec<_>>(),
            [rec(
                1,
                RecordKind::Exchange,
                Some(Endpoint::FriendAdd),
                false
            )]
        );
    }
}

#[test]
fn a_cut_line_with_a_line_after_it_is_not_json_and_truncated() {
    let whole = WHOLE_LINE.as_bytes();
    for cut in 1..whole.len() {
        // The writer stopped mid-record and a later one wrote a line after it.
        let input = [&whole[..cut], b"\n{}"].concat();
        let seen: Vec<Seen> = both_ways(&input).into_iter().map(|(s, _)| s).collect();
        // A cut in the middle of a character leaves a line that is not UTF-8.
        let kind = if std::str::from_utf8(&whole[..cut]).is_ok() {
            LogErrorKind::NotJson
        } else {
            LogErrorKind::NotUtf8
        };
        assert_eq!(
            seen,
            [bad(1, kind), rec(2, RecordKind::Request, None, false)],
            "cut at {cut}"
        );
        let error = read_log(&input).next().unwrap().unwrap_err();
        assert_eq!(
            error.is_truncated(),
            kind == LogErrorKind::NotJson,
            "cut at {cut}"
        );
    }
}

#[test]
fn a_last_line_that_is_wrong_before_its_end_is_not_truncated() {
    for line in [
        "not json",
        r#"{"a":1}x"#,
        r#"{"a":1}-"#,
        r#"{"a":"x"-"#,
        r#"{"a":tx"#,
        r#"{"a":1.x"#,
        r#"{"a":--"#,
        "{}\u{e9}",
    ] {
        let error = read_log(line).next().unwrap().unwrap_err();
        assert_eq!(error.kind(), LogErrorKind::NotJson, "{line}");
        assert!(!error.is_truncated(), "{line}");
        assert_eq!(both_ways(line.as_bytes()).len(), 1);
    }
    // Complete JSON, then the first byte of a character: not UTF-8, not truncated.
    let cut = b"{}\xE5";
    let error = read_log(cut).next().unwrap().unwrap_err();
    assert_eq!(error.kind(), LogErrorKind::NotUtf8);
    assert!(!error.is_truncated());
    // A bad byte before the end is not UTF-8 either.
    let bad_byte = b"{\"a\":\"\xFF\"";
    assert_eq!(
        read_log(bad_byte).next().unwrap().unwrap_err().kind(),
        LogErrorKind::NotUtf8
    );
}

#[test]
fn the_streaming_reader_gives_the_same_records() {
    let input = FIXTURE;
    let expected = read_in_memory(input, usize::MAX);
    for capacity in [1, 2, 3, 7, 64, 8 << 10] {
        assert_eq!(
            read_streaming(input, capacity, usize::MAX),
            expected,
            "capacity {capacity}"
        );
    }
}

#[test]
fn over_long_lines_are_skipped() {
    let input = FIXTURE;
    // Line 1 is the longest line; line 9 the second longest.
    let max = input.split(|&b| b == b'\n').nth(8).unwrap().len();
    let in_memory = read_in_memory(input, max);
    assert_eq!(in_memory[0].0, bad(1, LogErrorKind::TooLong));
    assert_eq!(
        in_memory[0].1,
        format!("TooLong 1 line 1: longer than the limit of {max} bytes")
    );
    let rest: Vec<_> = in_memory[1..].iter().map(|(s, _)| s.clone()).collect();
    let all: Vec<_> = read_in_memory(input, usize::MAX)[1..]
        .iter()
        .map(|(s, _)| s.clone())
        .collect();
    assert_eq!(rest, all, "every other line reads as before");
    for capacity in [1, 5, 8 << 10] {
        assert_eq!(read_streaming(input, capacity, max), in_memory);
    }
}

#[test]
fn a_huge_line_is_skipped_while_streaming() {
    const HUGE: u64 = 256 << 20;
    let line = io::repeat(b'x').take(HUGE);
    let rest: &[u8] = b"\n{\"ActionStatus\":\"OK\",\"ErrorCode\":0}\n";
    let input = BufReader::with_capacity(64 << 10, line.chain(rest));
    let mut reader = LogReader::new(input).max_line_len(1024);
    let err = reader.next_record().unwrap().unwrap_err();
    assert_eq!((err.line(), err.kind()), (1, LogErrorKind::TooLong));
    let record = reader.next_record().unwrap().unwrap();
    assert_eq!((record.line(), record.kind()), (2, RecordKind::Response));
    assert!(reader.next_record().is_none());
}

/// Gives `data`, then fails with `error` (once, or for ever).
struct Failing {
    data: &'static [u8],
    error: Option<io::ErrorKind>,
    repeat: bool,
}

impl Read for Failing {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if !self.data.is_empty() {
            let n = self.data.read(buf)?;
            return Ok(n);
        }
        let kind = if self.repeat {
            self.error
        } else {
            self.error.take()
        };
        match kind {
            Some(kind) => Err(io::Error::new(kind, "disk on fire")),
            None => Ok(0),
        }
    }
}

fn stream(reader: impl BufRead) -> Vec<Seen> {
    let mut reader = LogReader::new(reader);
    let mut seen = Vec::new();
    while let Some(item) = reader.next_record() {
        seen.push(Seen::of(&item));
    }
    seen
}

#[test]
fn an_io_error_is_reported_once_and_ends_reading() {
    let reader = Failing {
        data: b"{}\n\n{\"From",
        error: Some(io::ErrorKind::Other),
        repeat: true,
    };
    let mut log = LogReader::new(BufReader::with_capacity(4, reader));
    let first = log.next_record().unwrap().unwrap();
    assert_eq!(first.line(), 1);
    let err = log.next_record().unwrap().unwrap_err();
    assert_eq!((err.line(), err.kind()), (3, LogErrorKind::Io));
    assert_eq!(err.to_string(), "line 3: cannot read the log");
    assert_eq!(err.source().unwrap().to_string(), "disk on fire");
    assert!(log.next_record().is_none());
    assert!(log.next_record().is_none());
}

#[test]
fn an_interrupted_read_is_retried() {
    let reader = Failing {
        data: b"{}\n",
        error: Some(io::ErrorKind::Interrupted),
        repeat: false,
    };
    assert_eq!(
        stream(BufReader::new(reader)),
        [rec(1, RecordKind::Request, None, false)]
    );
}

#[test]
fn empty_and_blank_inputs_have_no_records() {
    for input in [
        &b""[..],
        b"\n",
        b"\r\n\r\n",
        b"\xEF\xBB\xBF",
        b"\xEF\xBB\xBF\r\n  \n",
    ] {
        assert_eq!(read_log(input).count(), 0, "{input:?}");
        assert_eq!(stream(input), [], "{input:?}");
    }
    // A BOM is only skipped at the start of the log.
    let seen: Vec<_> = read_log(b"{}\n\xEF\xBB\xBF{}")
        .map(|item| Seen::of(&item))
        .collect();
    assert_eq!(
        seen,
        [
            rec(1, RecordKind::Request, None, false),
            bad(2, LogErrorKind::NotJson)
        ]
    );
}

#[test]
fn deep_nesting_does_not_overflow_the_stack() {
    let open = "[".repeat(100_000);
    let close = "]".repeat(100_000);
    let skipped = format!("{{\"X\":{open}{close}}}\n{open}{close}\n{{\"response\":{open}");
    let seen: Vec<_> = read_log(&skipped).map(|item| Seen::of(&item)).collect();
    assert_eq!(
        seen,
        [
            rec(1, RecordKind::Request, None, false),
            bad(2, LogErrorKind::NotObject),
            // The last line, without a line ending, stops inside `response`.
            bad(3, LogErrorKind::Truncated),
        ]
    );
}

#[test]
fn stats_count_records_endpoints_and_failures() {
    let input = FIXTURE;
    let mut stats = LogStats::default();
    for item in read_log(input) {
        stats.add(&item);
    }
    assert_eq!(stats.records, 12);
    assert_eq!(
        (stats.requests, stats.responses, stats.exchanges),
        (3, 4, 5)
    );
    assert_eq!(stats.bad_lines, 7);
    let friend_add = stats.endpoints[&Endpoint::FriendAdd];
    assert_eq!(
        (friend_add.records, friend_add.replies, friend_add.failures),
        (4, 2, 1)
    );
    assert_eq!(stats.endpoints[&Endpoint::AccountCheck].failures, 1);
    assert_eq!(stats.endpoints[&Endpoint::MultiaccountImport].records, 1);
    let EndpointStats {
        records,
        replies,
        failures,
        ..
    } = stats.unknown_endpoint;
    assert_eq!((records, replies, failures), (6, 3, 1));
    let failures: Vec<_> = stats.failures.iter().map(|(c, n)| (c.get(), *n)).collect();
    assert_eq!(failures, [(60007, 1), (70001, 1), (70009, 1)]);
    // Line 1's friend_add reply: bob added, carol pending; line 4's bare reply: erin added.
    let codes: Vec<_> = stats
        .result_codes
        .iter()
        .map(|(c, n)| (c.get(), *n))
        .collect();
    assert_eq!(codes, [(0, 2), (30539, 1)]);
    assert_eq!((friend_add.items, friend_add.item_failures), (2, 1));
    assert_eq!(
        (
            stats.unknown_endpoint.items,
            stats.unknown_endpoint.item_failures
        ),
        (1, 0)
    );
}

#[test]
fn stats_count_every_item_code_of_every_reply() {
    // friend_check's InfoItem, a reply with more distinct codes than a record keeps, an
    // exchange whose request carries a ResultItem-named key (not a reply: not counted), items
    // that are not objects with an integer code, and a whole-request failure with items.
    let log = concat!(
        r#"{"api":"sns/friend_check","response":{"InfoItem":[{"To_Account":"b","ResultCode":0},{"To_Account":"c","ResultCode":30001}],"ActionStatus":"OK","ErrorCode":0}}"#,
        "\n",
        r#"{"ResultItem":[{"ResultCode":1},{"ResultCode":2},{"ResultCode":3},{"ResultCode":4},{"ResultCode":5},{"ResultCode":2},{"ResultCode":0}],"ActionStatus":"OK","ErrorCode":0}"#,
        "\n",
        r#"{"api":"sns/friend_add","request":{"ResultItem":[{"ResultCode":9}]},"response":null}"#,
        "\n",
        r#"{"ResultItem":[null,"x",{"ResultCode":"7"},{"ResultInfo":""},{"ResultCode":1.0}],"ActionStatus":"OK","ErrorCode":0}"#,
        "\n",
        r#"{"ResultItem":[{"ResultCode":30001}],"ActionStatus":"FAIL","ErrorCode":90000}"#,
        "\n",
    );
    let mut stats = LogStats::default();
    let mut streamed = LogStats::default();
    for item in read_log(log) {
        stats.add(&item);
    }
    let mut reader = LogReader::new(log.as_bytes());
    while let Some(item) = reader.next_record() {
        streamed.add(&item);
    }
    assert_eq!(streamed, stats);
    let codes: Vec<_> = stats
        .result_codes
        .iter()
        .map(|(c, n)| (c.get(), *n))
        .collect();
    assert_eq!(
        codes,
        [(0, 2), (1, 1), (2, 2), (3, 1), (4, 1), (5, 1), (30001, 2)]
    );
    let check = stats.endpoints[&Endpoint::FriendCheck];
    assert_eq!((check.items, check.item_failures), (2, 1));
    assert_eq!(stats.endpoints[&Endpoint::FriendAdd].items, 0);
    let unknown = stats.unknown_endpoint;
    assert_eq!((unknown.items, unknown.item_failures), (8, 7));
}

#[test]
fn black_list_check_items_are_counted_and_name_their_endpoint() {
    // A bare reply of black_list_check: its item array alone names the endpoint, and its items
    // count like any other's; a black_list_delete exchange counts its ResultItem.
    let log = concat!(
        r#"{"BlackListCheckItem":[{"To_Account":"b","Relation":"BlackCheckResult_Type_AWithB","ResultCode":0},{"To_Account":"c","Relation":"BlackCheckResult_Type_NO","ResultCode":30007}],"Fail_Account":["c"],"ActionStatus":"OK","ErrorCode":0}"#,
        "\n",
        r#"{"api":"sns/black_list_delete","request":{"From_Account":"a","To_Account":["b","c"]},"response":{"ResultItem":[{"To_Account":"b","ResultCode":0},{"To_Account":"c","ResultCode":30006}],"Fail_Account":["c"],"ActionStatus":"OK","ErrorCode":0}}"#,
        "\n",
    );
    let records = records(log.as_bytes());
    assert_eq!(records[0].endpoint(), Some(Endpoint::BlackListCheck));
    assert_eq!(records[1].endpoint(), Some(Endpoint::BlackListDelete));
    let mut stats = LogStats::default();
    let mut streamed = LogStats::default();
    for item in read_log(log) {
        stats.add(&item);
    }
    let mut reader = LogReader::new(log.as_bytes());
    while let Some(item) = reader.next_record() {
        streamed.add(&item);
    }
    assert_eq!(streamed, stats);
    let check = stats.endpoints[&Endpoint::BlackListCheck];
    assert_eq!((check.items, check.item_failures), (2, 1));
    let delete = stats.endpoints[&Endpoint::BlackListDelete];
    assert_eq!((delete.items, delete.item_failures), (2, 1));
    let codes: Vec<_> = stats
        .result_codes
        .iter()
        .map(|(c, n)| (c.get(), *n))
        .collect();
    assert_eq!(codes, [(0, 2), (30006, 1), (30007, 1)]);
}

#[test]
fn stats_of_parts_merge_into_the_stats_of_the_whole() {
    let input = FIXTURE;
    let count = |part: &[u8]| {
        let mut stats = LogStats::default();
        read_log(part).for_each(|item| stats.add(&item));
        stats
    };
    let whole = count(input);
    for (i, _) in input.iter().enumerate().filter(|(_, b)| **b == b'\n') {
        // Line numbers differ, counts do not.
        let (first, rest) = input.split_at(i + 1);
        let mut merged = count(first);
        merged.merge(&count(rest));
        assert_eq!(merged, whole, "split after byte {i}");
    }
}

/// Records of every shape, some of them cut short or with one byte changed, and random bytes,
/// joined by `\n`, `\r\n` or blank lines, sometimes after a BOM.
fn loggish() -> impl Strategy<Value = Vec<u8>> {
    const RECORDS: &[&str] = &[
        r#"{"api":"sns/friend_add","request":{"From_Account":"a","AddFriendItem":[{"To_Account":"b","AddSource":"AddSource_Type_X"}]},"response":{"ResultItem":[{"To_Account":"b","ResultCode":0,"ResultInfo":""}],"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}}"#,
        r#"{"api":"/v4/sns/friend_add?sdkappid=1","request":{"From_Account":"a"},"response":null}"#,
        r#"{"api":"sns\/nope","response":{"ActionStatus":"FAIL","ErrorCode":70001,"ErrorInfo":"\u00e9"}}"#,
        r#"{"From_Account":"a","AddFriendItem":[{"To_Account":"b","AddSource":"AddSource_Type_X"}]}"#,
        r#"{"ResultItem":null,"ActionStatus":"FAIL","ErrorCode":60007,"ErrorDisplay":null}"#,
        r#"{"ActionStatus":"OK","ErrorCode":18446744073709551616}"#,
        r#"{"FailAccounts":[],"CheckItem":[],"ActionStatus":"OK","ErrorCode":0}"#,
        r#"{"ResultItem":[{"ResultCode":1},{"ResultCode":-2},{"ResultCode":3},{"ResultCode":40},{"ResultCode":5},{"ResultCode":1}],"InfoItem":[{"ResultCode":0}],"ActionStatus":"OK","ErrorCode":0}"#,
        r#"{"api":"sns/friend_check","response":{"InfoItem":[{"ResultCode":30001,"ResultCode":0},null,{"ResultCode":9223372036854775808}]}}"#,
        r#"{"api":1,"request":{}}"#,
        r#"{"response":{}}"#,
        "{}",
        "[1,{}]",
        "\"text\"",
    ];
    let record = prop::sample::select(RECORDS).prop_map(|r| r.as_bytes().to_vec());
    let line = prop_oneof![
        3 => record.clone(),
        1 => (record.clone(), any::<prop::sample::Index>())
            .prop_map(|(r, cut)| r[..cut.index(r.len() + 1)].to_vec()),
        1 => (record, any::<prop::sample::Index>(), any::<u8>()).prop_map(|(mut r, at, byte)| {
            let at = at.index(r.len());
            r[at] = byte;
            r
        }),
        1 => prop::collection::vec(any::<u8>(), 0..16),
    ];
    const SEPARATORS: &[&[u8]] = &[b"\n", b"\r\n", b"\n \t\r\n"];
    let separator = prop::sample::select(SEPARATORS);
    (
        any::<bool>(),
        prop::collection::vec((line, separator), 0..12),
        any::<bool>(),
    )
        .prop_map(|(bom, lines, last_newline)| {
            let mut out = if bom {
                b"\xEF\xBB\xBF".to_vec()
            } else {
                Vec::new()
            };
            for (line, separator) in lines {
                out.extend_from_slice(&line);
                out.extend_from_slice(separator);
            }
            if !last_newline && out.ends_with(b"\n") {
                out.pop();
            }
            out
        })
}

fn check_line_numbers(input: &[u8], seen: &[(Seen, String)]) -> Result<(), TestCaseError> {
    let lines = input.split(|&b| b == b'\n').count() as u64;
    let mut previous = 0;
    for (s, _) in seen {
        prop_assert!(s.line() > previous, "{s:?} after line {previous}");
        prop_assert!(s.line() <= lines, "{s:?} beyond line {lines}");
        previous = s.line();
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn arbitrary_bytes_read_the_same_both_ways(
        input in prop::collection::vec(any::<u8>(), 0..600),
        capacity in 1usize..32,
        max in prop_oneof![Just(usize::MAX), 0usize..64],
    ) {
        let in_memory = read_in_memory(&input, max);
        check_line_numbers(&input, &in_memory)?;
        prop_assert_eq!(read_streaming(&input, capacity, max), in_memory);
    }

    #[test]
    fn log_like_bytes_read_the_same_both_ways(
        input in loggish(),
        capacity in 1usize..64,
        max in prop_oneof![Just(usize::MAX), 0usize..128],
    ) {
        let in_memory = read_in_memory(&input, max);
        check_line_numbers(&input, &in_memory)?;
        prop_assert_eq!(read_streaming(&input, capacity, max), in_memory);
        for record in read_log(&input).max_line_len(max).flatten() {
            let _ = record.request_as::<FriendAdd>();
            let _ = record.reply_as::<FriendAdd>();
            let _ = (record.request_raw(), record.response_raw());
        }
    }

    #[test]
    fn stats_are_the_same_both_ways_and_add_up(
        input in loggish(),
        capacity in 1usize..64,
    ) {
        let mut in_memory = LogStats::default();
        read_log(&input).for_each(|item| in_memory.add(&item));
        let mut streamed = LogStats::default();
        let mut reader = LogReader::new(BufReader::with_capacity(capacity, input.as_slice()));
        while let Some(item) = reader.next_record() {
            streamed.add(&item);
        }
        prop_assert_eq!(&streamed, &in_memory);
        let items: u64 = in_memory.result_codes.values().sum();
        let per_endpoint: u64 = in_memory.endpoints.values().map(|e| e.items).sum::<u64>()
            + in_memory.unknown_endpoint.items;
        prop_assert_eq!(items, per_endpoint);
        let failed: u64 = in_memory
            .result_codes
            .iter()
            .filter(|(code, _)| !code.is_ok())
            .map(|(_, n)| n)
            .sum();
        let failed_per_endpoint: u64 =
            in_memory.endpoints.values().map(|e| e.item_failures).sum::<u64>()
                + in_memory.unknown_endpoint.item_failures;
        prop_assert_eq!(failed, failed_per_endpoint);
    }
}
