//! Faults on demand: added latency, transient error codes, HTTP 502 and 429, dropped connections
//! and damaged bodies.

use std::collections::VecDeque;
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// One kind of fault.
///
/// Faults that answer *instead of* the request ([`Error30006`](Self::Error30006),
/// [`Error30007`](Self::Error30007), [`Http502`](Self::Http502), [`Http429`](Self::Http429),
/// [`DropBeforeResponse`](Self::DropBeforeResponse), [`NonJsonBody`](Self::NonJsonBody)) leave the
/// state untouched. Faults that damage the *reply* ([`DropMidResponse`](Self::DropMidResponse),
/// [`TruncatedBody`](Self::TruncatedBody)) let the request take effect first, as when a reply is
/// lost on the way back: a client that retries sees the effect of its first attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum FaultKind {
    /// A whole-request `FAIL` with 30006 (internal server error), HTTP 200.
    Error30006,
    /// A whole-request `FAIL` with 30007 (timeout), HTTP 200.
    Error30007,
    /// HTTP 502 with an HTML body, as a gateway sends it.
    Http502,
    /// HTTP 429 with a plain-text body, as a gateway's rate limit sends it.
    Http429,
    /// The connection is closed before any byte of the response.
    DropBeforeResponse,
    /// The headers and part of the body are sent, then the connection is closed (the
    /// `Content-Length` promises more).
    DropMidResponse,
    /// A complete HTTP response whose JSON body is cut in half (`Content-Length` matches).
    TruncatedBody,
    /// HTTP 200 with a plain-text body that is not JSON.
    NonJsonBody,
    /// A reply of friend_add, black_list_add, black_list_delete or black_list_check whose every
    /// item failed with 30006, nothing applied (the request is answered before authentication);
    /// the other commands get the whole-request 30006.
    ItemError30006,
    /// The same with 30007 (timeout) for every item.
    ItemError30007,
}

impl FaultKind {
    /// Every kind.
    pub const ALL: [FaultKind; 10] = [
        Self::Error30006,
        Self::Error30007,
        Self::Http502,
        Self::Http429,
        Self::DropBeforeResponse,
        Self::DropMidResponse,
        Self::TruncatedBody,
        Self::NonJsonBody,
        Self::ItemError30006,
        Self::ItemError30007,
    ];

    /// The short name used on the command line and in the journal, e.g. `"502"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Error30006 => "30006",
            Self::Error30007 => "30007",
            Self::Http502 => "502",
            Self::Http429 => "429",
            Self::DropBeforeResponse => "drop-before",
            Self::DropMidResponse => "drop-mid",
            Self::TruncatedBody => "truncated",
            Self::NonJsonBody => "non-json",
            Self::ItemError30006 => "item-30006",
            Self::ItemError30007 => "item-30007",
        }
    }

    /// Whether the request still takes effect (the fault damages only the reply).
    pub fn applies_request(self) -> bool {
        matches!(self, Self::DropMidResponse | Self::TruncatedBody)
    }
}

impl fmt::Display for FaultKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for FaultKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = Self::ALL.iter().map(|k| k.as_str()).collect();
                format!("unknown fault {s:?}, expected one of {}", names.join(", "))
            })
    }
}

/// Which faults to inject and how often.
///
/// Each request first waits [`latency`](Self::latency). Then, if requests were queued with
/// [`Emulator::inject`](crate::Emulator::inject), the next queued fault is used; otherwise one
/// draw of a pseudo-random number seeded with [`seed`](Self::seed) picks at most one fault by
/// the shares (so a run with the same seed and the same request order injects the same faults).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Faults {
    /// Added to every request before it is handled.
    pub latency: Duration,
    /// The share (0.0 to 1.0) of requests that get each fault; the shares add up to at most 1.
    pub shares: Vec<(FaultKind, f64)>,
    /// The seed of the fault draw.
    pub seed: u64,
}

impl Faults {
    /// No faults.
    pub fn none() -> Self {
        Self::default()
    }

    /// Sets the latency.
    #[must_use]
    pub fn latency(mut self, latency: Duration) -> Self {
        self.latency = latency;
        self
    }

    /// Injects `kind` into a share (0.0 to 1.0) of requests, replacing an earlier share of it.
    #[must_use]
    pub fn share(mut self, kind: FaultKind, share: f64) -> Self {
        self.shares.retain(|(k, _)| *k != kind);
        if share > 0.0 {
            self.shares.push((kind, share.min(1.0)));
        }
        self
    }

    /// Sets the seed of the fault draw.
    #[must_use]
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Whether this injects nothing.
    pub fn is_none(&self) -> bool {
        self.latency.is_zero() && self.shares.iter().all(|(_, s)| *s <= 0.0)
    }
}

/// The faults in force, the draw's generator and the queue of faults for the next requests.
#[derive(Debug)]
pub(crate) struct FaultState {
    faults: Faults,
    rng: SplitMix64,
    queue: VecDeque<FaultKind>,
}

impl FaultState {
    pub(crate) fn new(faults: Faults) -> Self {
        Self {
            rng: SplitMix64(faults.seed),
            faults,
            queue: VecDeque::new(),
        }
    }

    pub(crate) fn set(&mut self, faults: Faults) {
        self.rng = SplitMix64(faults.seed);
        self.faults = faults;
    }

    pub(crate) fn faults(&self) -> &Faults {
        &self.faults
    }

    pub(crate) fn inject(&mut self, kind: FaultKind, count: usize) {
        self.queue.extend(std::iter::repeat_n(kind, count));
    }

    pub(crate) fn clear_queue(&mut self) {
        self.queue.clear();
    }

    /// The latency and the fault (if any) for the next request.
    pub(crate) fn next(&mut self) -> (Duration, Option<FaultKind>) {
        let latency = self.faults.latency;
        if let Some(kind) = self.queue.pop_front() {
            return (latency, Some(kind));
        }
        if self.faults.shares.is_empty() {
            return (latency, None);
        }
        let draw = self.rng.next_unit();
        let mut acc = 0.0;
        for &(kind, share) in &self.faults.shares {
            acc += share;
            if draw < acc {
                return (latency, Some(kind));
            }
        }
        (latency, None)
    }

    pub(crate) fn is_idle(&self) -> bool {
        self.queue.is_empty() && self.faults.is_none()
    }
}

/// SplitMix64: a tiny, seedable generator; good enough to spread faults.
#[derive(Debug, Clone)]
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `[0, 1)`.
    fn next_unit(&mut self) -> f64 {
        // 53 random bits: exactly representable in an f64.
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_comes_first_then_shares() {
        let mut state = FaultState::new(Faults::none());
        assert_eq!(state.next(), (Duration::ZERO, None));
        state.inject(FaultKind::Http502, 2);
        assert_eq!(state.next().1, Some(FaultKind::Http502));
        assert_eq!(state.next().1, Some(FaultKind::Http502));
        assert_eq!(state.next().1, None);
        state.set(Faults::none().share(FaultKind::Error30006, 1.0));
        assert_eq!(state.next().1, Some(FaultKind::Error30006));
    }

    #[test]
    fn shares_are_roughly_kept_and_reproducible() {
        let faults = Faults::none().share(FaultKind::Error30007, 0.25).seed(7);
        let run = || {
            let mut state = FaultState::new(faults.clone());
            (0..4000).map(|_| state.next().1).collect::<Vec<_>>()
        };
        let a = run();
        assert_eq!(a, run());
        let hits = a.iter().filter(|k| k.is_some()).count();
        assert!((800..1200).contains(&hits), "{hits}");
    }

    #[test]
    fn names_round_trip() {
        for kind in FaultKind::ALL {
            assert_eq!(kind.as_str().parse::<FaultKind>(), Ok(kind));
        }
        assert!("nope".parse::<FaultKind>().is_err());
    }
}
