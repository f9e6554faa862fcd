//! How a stage waits for work, and what a full queue does.

use super::wake::{Doorbell, Waker};
use crossbeam::utils::Backoff;
use std::sync::Arc;
use std::time::Duration;

pub use crate::config::{QueuePolicy, WaitStrategy};

/// Longest park of an idle backoff stage.
const PARK: Duration = Duration::from_micros(50);

/// Longest park of a blocked stage. Items wake it through its [`Doorbell`]; the limit only lets
/// it see what rings no doorbell (the shutdown flags, dispatch's timers and kill switch).
pub const BLOCK_PARK_LIMIT: Duration = Duration::from_millis(1);

/// Idle calls a `spin_then_block` stage spins before it blocks, unless configured
/// (`engine.spin_before_block`).
pub const DEFAULT_SPIN_BEFORE_BLOCK: u32 = 2_000;

/// An idle loop helper for consumer stages.
pub struct Waiter {
    strategy: WaitStrategy,
    backoff: Backoff,
    /// Idle calls since the last work (`spin_then_block`).
    idle_spins: u32,
    spin_before_block: u32,
    /// The doorbell producers ring (`block`, `spin_then_block`).
    doorbell: Option<Arc<Doorbell>>,
    /// Longest park of a blocked waiter.
    park_limit: Duration,
}

impl Waiter {
    /// A waiter with `strategy` (and [`DEFAULT_SPIN_BEFORE_BLOCK`]).
    pub fn new(strategy: WaitStrategy) -> Self {
        Self::with_spins(strategy, DEFAULT_SPIN_BEFORE_BLOCK)
    }

    /// A waiter with `strategy`; `spin_before_block`: idle calls a `spin_then_block` waiter
    /// spins before it blocks.
    pub fn with_spins(strategy: WaitStrategy, spin_before_block: u32) -> Self {
        let blocks = matches!(strategy, WaitStrategy::Block | WaitStrategy::SpinThenBlock);
        Waiter {
            strategy,
            backoff: Backoff::new(),
            idle_spins: 0,
            spin_before_block,
            doorbell: blocks.then(|| Arc::new(Doorbell::new())),
            park_limit: BLOCK_PARK_LIMIT,
        }
    }

    /// The same waiter parking at most `limit` when it blocks (default [`BLOCK_PARK_LIMIT`]):
    /// longer for a stage with nothing but its queue to wait for.
    pub fn with_park_limit(mut self, limit: Duration) -> Self {
        self.park_limit = limit;
        self
    }

    /// What this waiter's producers call after each push ([`Waker::wake`]); empty unless the
    /// strategy blocks.
    pub fn waker(&self) -> Waker {
        self.doorbell.clone().map_or_else(Waker::none, Waker::new)
    }

    /// The doorbell of a blocking waiter (tests and diagnostics).
    pub fn doorbell(&self) -> Option<Arc<Doorbell>> {
        self.doorbell.clone()
    }

    /// Called when there was nothing to do. `ready` re-checks the stage's input queues (and
    /// anything else it waits for); a blocking waiter calls it after announcing sleep, so a push
    /// racing the announcement is never slept through.
    #[inline]
    pub fn idle(&mut self, ready: impl Fn() -> bool) {
        match self.strategy {
            WaitStrategy::Spin => std::hint::spin_loop(),
            WaitStrategy::Backoff => {
                if self.backoff.is_completed() {
                    std::thread::park_timeout(PARK);
                } else {
                    self.backoff.snooze();
                }
            }
            WaitStrategy::SpinThenBlock if self.idle_spins < self.spin_before_block => {
                self.idle_spins += 1;
                std::hint::spin_loop();
            }
            WaitStrategy::Block | WaitStrategy::SpinThenBlock => {
                if let Some(bell) = &self.doorbell {
                    bell.sleep(ready, self.park_limit);
                }
            }
        }
    }

    /// Called after doing work.
    #[inline]
    pub fn reset(&mut self) {
        self.backoff.reset();
        self.idle_spins = 0;
    }
}
