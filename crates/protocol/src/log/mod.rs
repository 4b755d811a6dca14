//! Reading logs of Tencent IM REST traffic: JSON lines of request bodies, reply bodies and
//! exchanges (`{"api": …, "request": …, "response": …}`).
//!
//! Two readers share one line parser and give the same records and errors for the same bytes:
//!
//! - [`read_log`] walks a buffer already in memory (a file read whole or memory-mapped by the
//!   caller). It is an [`Iterator`] and its records borrow from the buffer.
//! - [`LogReader`] reads any [`BufRead`](std::io::BufRead) one line at a time into one reused
//!   buffer, so a log of any size is read in bounded memory. Its records borrow that buffer,
//!   so it hands them out one at a time through [`LogReader::next_record`].
//!
//! A record is parsed once, without copying: its JSON texts borrow from the line, and only the
//! top-level members are looked at (the envelope of a reply, `api`, and the keys that tell which
//! endpoint a bare body belongs to). Typed decoding happens on demand, through
//! [`LogRecord::request_as`] and [`LogRecord::reply_as`].
//!
//! A line that is not a record is reported as a [`LogLineError`] with its line number, and
//! reading goes on with the next line. Nothing here panics, whatever the input.
//!
//! ```
//! use tencent_im_protocol::log::{RecordKind, read_log};
//! use tencent_im_protocol::sns::FriendAdd;
//! use tencent_im_protocol::{Endpoint, ErrorCode};
//!
//! let log = concat!(
//!     r#"{"api":"sns/friend_add","request":{"From_Account":"alice","AddFriendItem":[{"To_Account":"bob","AddSource":"AddSource_Type_Web"}]},"#,
//!     r#""response":{"ResultItem":[{"To_Account":"bob","ResultCode":0,"ResultInfo":""}],"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}}"#,
//!     "\n",
//!     "not json\n",
//!     r#"{"ActionStatus":"FAIL","ErrorCode":70001,"ErrorInfo":"sig expired"}"#,
//!     "\n",
//! );
//! let mut lines = read_log(log);
//!
//! let exchange = lines.next().unwrap().unwrap();
//! assert_eq!(exchange.kind(), RecordKind::Exchange);
//! assert_eq!(exchange.endpoint(), Some(Endpoint::FriendAdd));
//! assert_eq!(exchange.request_as::<FriendAdd>().unwrap().items[0].to_account, "bob");
//! assert_eq!(exchange.reply_as::<FriendAdd>().unwrap().body.result_items.len(), 1);
//!
//! let bad = lines.next().unwrap().unwrap_err();
//! assert_eq!(bad.to_string(), "line 2: not JSON");
//!
//! let failure = lines.next().unwrap().unwrap();
//! assert_eq!(failure.line(), 3);
//! assert!(failure.is_failure());
//! assert_eq!(failure.envelope().unwrap().error_code, ErrorCode::SIG_EXPIRED);
//! assert!(lines.next().is_none());
//! ```

mod error;
mod items;
mod parse;
mod reader;
mod record;
mod stats;

pub use error::{LogErrorKind, LogLineError};
pub use reader::{DEFAULT_MAX_LINE_LEN, LogLines, LogReader, read_log};
pub use record::{EnvelopeRef, LogRecord, RecordError, RecordKind};
pub use stats::{EndpointStats, LogStats};
