//! [`BlockingEmulator`]: the emulator on a runtime of its own, for code without one.

use std::ops::Deref;

use tokio::runtime::{Builder, Runtime};

use crate::config::Config;
use crate::error::Error;
use crate::server::Emulator;
use crate::state::StateSnapshot;

/// An [`Emulator`] running on a tokio runtime of its own (two worker threads), for code that has
/// no runtime: plain `#[test]` functions, criterion benchmarks, synchronous programs.
///
/// It dereferences to [`Emulator`] for everything but stopping. Create, stop and drop it outside
/// any async runtime (tokio refuses to block inside one); inside one, use [`Emulator::start`].
///
/// ```no_run
/// use tencent_im_emulator::{BlockingEmulator, Config};
///
/// let emulator = BlockingEmulator::start(Config::default())?;
/// emulator.seed_accounts(["alice"]);
/// println!("{}", emulator.base_url());
/// let state = emulator.stop();
/// # Ok::<(), tencent_im_emulator::Error>(())
/// ```
pub struct BlockingEmulator {
    // `None` only once `stop` has taken it; `stop` consumes `self`, so no method sees `None`.
    inner: Option<(Emulator, Runtime)>,
}

impl BlockingEmulator {
    /// Starts a runtime and the emulator on it.
    ///
    /// # Errors
    ///
    /// [`Error::Runtime`] if the runtime cannot be built, or any error of [`Emulator::start`].
    pub fn start(config: Config) -> Result<Self, Error> {
        let runtime = Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("tim-emulator")
            .enable_all()
            .build()
            .map_err(Error::Runtime)?;
        let emulator = runtime.block_on(Emulator::start(config))?;
        Ok(Self {
            inner: Some((emulator, runtime)),
        })
    }

    /// Waits, as [`Emulator::flush_callbacks`] does, until every callback of the changes made
    /// so far has been sent and answered, or has failed.
    pub fn flush_callbacks(&self) {
        if let Some((emulator, runtime)) = &self.inner {
            runtime.block_on(emulator.flush_callbacks());
        }
    }

    /// Stops the emulator as [`Emulator::stop`] does, shuts the runtime down and returns the
    /// final state.
    pub fn stop(mut self) -> StateSnapshot {
        match self.inner.take() {
            Some((emulator, runtime)) => {
                let state = runtime.block_on(emulator.stop());
                runtime.shutdown_background();
                state
            }
            None => StateSnapshot::default(),
        }
    }
}

impl Deref for BlockingEmulator {
    type Target = Emulator;

    fn deref(&self) -> &Emulator {
        match &self.inner {
            Some((emulator, _)) => emulator,
            // `inner` is only taken by `stop`, which consumes `self`.
            None => unreachable!("a stopped BlockingEmulator is not reachable"),
        }
    }
}

impl Drop for BlockingEmulator {
    fn drop(&mut self) {
        if let Some((emulator, runtime)) = self.inner.take() {
            drop(emulator);
            runtime.shutdown_background();
        }
    }
}

impl std::fmt::Debug for BlockingEmulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.inner {
            Some((emulator, _)) => f.debug_tuple("BlockingEmulator").field(emulator).finish(),
            None => f.write_str("BlockingEmulator(stopped)"),
        }
    }
}
