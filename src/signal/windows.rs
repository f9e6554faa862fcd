//! The model thread's fitting windows, stamped so that the signal stage can tell a quote
//! serviced while a fit ran from one serviced outside fits (`signal.service_during_refit` /
//! `signal.service_idle`): a sequence counter in the manner of a seqlock's (odd while the one
//! writer is inside), read with one atomic load.

use crossbeam::utils::CachePadded;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// When the model thread fits: a counter it increments as a fit starts and again as it ends
/// (one writer), so it is odd while a fit runs. A reader stamps the start and the end of a span
/// of its own work; the span overlapped a fit when either stamp is odd or they differ
/// ([`overlapped`](Self::overlapped)). Reading is one atomic load, no waiting.
///
/// # Examples
/// ```
/// use hft::signal::model::RefitWindows;
/// let w = RefitWindows::default();
/// let before = w.stamp();
/// assert!(!RefitWindows::overlapped(before, w.stamp()));
/// w.begin();
/// assert!(RefitWindows::overlapped(before, w.stamp())); // a fit started meanwhile
/// assert!(RefitWindows::overlapped(w.stamp(), w.stamp())); // a fit is running
/// w.end();
/// assert!(!RefitWindows::overlapped(w.stamp(), w.stamp()));
/// assert_eq!(w.fits(), 1);
/// ```
#[derive(Debug, Clone, Default)]
pub struct RefitWindows(Arc<CachePadded<AtomicU64>>);

impl RefitWindows {
    /// A fit starts (the model thread only).
    pub fn begin(&self) {
        self.0.fetch_add(1, Ordering::Release);
    }

    /// The fit ended (the model thread only).
    pub fn end(&self) {
        self.0.fetch_add(1, Ordering::Release);
    }

    /// The counter now.
    #[inline]
    pub fn stamp(&self) -> u64 {
        self.0.load(Ordering::Acquire)
    }

    /// A span stamped `before` and `after` overlapped a fit.
    #[inline]
    pub fn overlapped(before: u64, after: u64) -> bool {
        before & 1 == 1 || before != after
    }

    /// Fits completed.
    pub fn fits(&self) -> u64 {
        self.stamp() / 2
    }
}
