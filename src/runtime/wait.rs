//! How a stage waits for work, and what a full queue does.

use crossbeam::utils::Backoff;
use std::time::Duration;

pub use crate::config::{QueuePolicy, WaitStrategy};

/// Longest park of an idle backoff stage.
const PARK: Duration = Duration::from_micros(50);

/// An idle loop helper for consumer stages.
pub struct Waiter {
    strategy: WaitStrategy,
    backoff: Backoff,
}

impl Waiter {
    /// A waiter with `strategy`.
    pub fn new(strategy: WaitStrategy) -> Self {
        Waiter {
            strategy,
            backoff: Backoff::new(),
        }
    }

    /// Called when there was nothing to do.
    #[inline]
    pub fn idle(&mut self) {
        match self.strategy {
            WaitStrategy::Spin => std::hint::spin_loop(),
            WaitStrategy::Backoff => {
                if self.backoff.is_completed() {
                    std::thread::park_timeout(PARK);
                } else {
                    self.backoff.snooze();
                }
            }
        }
    }

    /// Called after doing work.
    #[inline]
    pub fn reset(&mut self) {
        self.backoff.reset();
    }
}
