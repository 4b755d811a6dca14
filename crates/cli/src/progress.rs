//! The progress bar of an import, on stderr: items done of the total, items per second, time
//! left, and the counts by outcome. Hidden when stderr is not a terminal or with `--no-progress`,
//! so that logs and pipes get only the summary.

use std::io::IsTerminal as _;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

/// The bar's line: spinner, elapsed time, bar, done/total, rate, ETA, counts by outcome.
/// The counts come last and are cut to the terminal's width, so that the line never wraps.
const TEMPLATE: &str =
    "{spinner} {elapsed:>4} [{bar:20}] {pos}/{len} {prefix} {rate} ETA {eta} {wide_msg}";

/// A progress bar, or nothing when it is hidden.
#[derive(Debug)]
pub(crate) struct Progress {
    bar: ProgressBar,
}

impl Progress {
    /// A bar of `total` items named `noun` (`pairs`, `accounts`), shown only when `enabled` and
    /// stderr is a terminal.
    pub(crate) fn new(total: u64, noun: &'static str, enabled: bool) -> Self {
        if !enabled || !std::io::stderr().is_terminal() {
            return Self {
                bar: ProgressBar::hidden(),
            };
        }
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template(TEMPLATE)
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .with_key(
                "rate",
                |state: &ProgressState, w: &mut dyn std::fmt::Write| {
                    let _ = write!(w, "{:.1}/s", state.per_sec());
                },
            )
            .progress_chars("=> ");
        bar.set_style(style);
        bar.set_prefix(noun);
        bar.enable_steady_tick(Duration::from_millis(200));
        Self { bar }
    }

    /// `done` more items; `counts` is the new text of the counts by outcome.
    pub(crate) fn advance(&self, done: u64, counts: String) {
        self.bar.set_message(counts);
        self.bar.inc(done);
    }

    /// Runs `f` (which writes to stderr) with the bar out of the way.
    pub(crate) fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        self.bar.suspend(f)
    }

    /// Removes the bar.
    pub(crate) fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
