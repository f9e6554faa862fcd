//! The client side of IB's historical-data pacing, kept with a margin.
//!
//! IB refuses (error 162) more than 60 historical requests in ten minutes, more than six for one
//! contract and data type within two seconds, and an identical request within 15 seconds; a
//! BID_ASK ticks request counts twice. The pacer books every request it lets through with its
//! weight and, before the next one, waits until both windows have room for it. The margin uses
//! only part of each allowance over a longer window, so jitter between our send time and IB's
//! receive time cannot make a request look early. Pages of one download never repeat a request
//! (each ends where the previous one stopped), so the identical-request rule is not at stake.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// IB's limits and how the pacer keeps them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PacingRules {
    /// Request weight allowed per `window` (IB: 60) ...
    pub max_per_window: u32,
    /// ... (IB: ten minutes).
    pub window: Duration,
    /// Weight allowed per `burst_window` for one contract and data type (IB: 6) ...
    pub burst_max: u32,
    /// ... (IB: two seconds).
    pub burst_window: Duration,
    /// Fraction of each allowance left unused, and added to each window (0.1: 54 requests per
    /// 11 minutes, 5 per 2.2 s).
    pub margin: f64,
    /// The first wait after a pacing error; doubled on each further error for the same page.
    pub retry_after: Duration,
    /// Pacing errors tolerated for one page before the download stops (resumable).
    pub max_retries: u32,
}

impl PacingRules {
    /// IB's published limits with a 10 % margin.
    pub const IB: PacingRules = PacingRules {
        max_per_window: 60,
        window: Duration::from_secs(600),
        burst_max: 6,
        burst_window: Duration::from_secs(2),
        margin: 0.1,
        retry_after: Duration::from_secs(16),
        max_retries: 6,
    };

    fn cap(&self, allowance: u32) -> u32 {
        ((f64::from(allowance) * (1.0 - self.margin)).floor() as u32).max(2)
    }

    fn stretch(&self, window: Duration) -> Duration {
        window.mul_f64(1.0 + self.margin)
    }
}

/// Requests sent, with their weights, over the longest window.
///
/// # Examples
/// ```
/// use hft::history::{Pacer, PacingRules};
/// use std::time::{Duration, Instant};
/// let rules = PacingRules { burst_max: 4, margin: 0.0, ..PacingRules::IB };
/// let mut p = Pacer::new(rules);
/// let t0 = Instant::now();
/// p.record(t0, 2);
/// assert_eq!(p.wait_needed(t0, 2), Duration::ZERO); // 4 of 4 in the burst window
/// p.record(t0, 2);
/// assert_eq!(p.wait_needed(t0, 2), Duration::from_secs(2)); // full until the first leaves
/// ```
#[derive(Debug, Clone)]
pub struct Pacer {
    rules: PacingRules,
    sent: VecDeque<(Instant, u32)>,
}

impl Pacer {
    /// An empty booking.
    pub fn new(rules: PacingRules) -> Self {
        Pacer {
            rules,
            sent: VecDeque::new(),
        }
    }

    /// The rules kept.
    pub fn rules(&self) -> &PacingRules {
        &self.rules
    }

    /// How long a request of `weight` must wait at `now` to keep both windows.
    pub fn wait_needed(&self, now: Instant, weight: u32) -> Duration {
        let r = &self.rules;
        let long = Self::wait_for(
            &self.sent,
            now,
            weight,
            r.cap(r.max_per_window),
            r.stretch(r.window),
        );
        let burst = Self::wait_for(
            &self.sent,
            now,
            weight,
            r.cap(r.burst_max),
            r.stretch(r.burst_window),
        );
        long.max(burst)
    }

    /// The wait until the weight booked within `window` before the send time leaves room for
    /// `weight` under `cap`.
    fn wait_for(
        sent: &VecDeque<(Instant, u32)>,
        now: Instant,
        weight: u32,
        cap: u32,
        window: Duration,
    ) -> Duration {
        let live: Vec<(Instant, u32)> = sent
            .iter()
            .copied()
            .filter(|(t, _)| now.saturating_duration_since(*t) < window)
            .collect();
        let mut booked: u32 = live.iter().map(|e| e.1).sum();
        if booked + weight <= cap {
            return Duration::ZERO;
        }
        for (t, w) in live {
            booked -= w;
            if booked + weight <= cap {
                return (t + window).saturating_duration_since(now);
            }
        }
        Duration::ZERO
    }

    /// Books a request of `weight` sent at `now`.
    pub fn record(&mut self, now: Instant, weight: u32) {
        let keep = self
            .rules
            .stretch(self.rules.window.max(self.rules.burst_window));
        while self
            .sent
            .front()
            .is_some_and(|(t, _)| now.saturating_duration_since(*t) >= keep)
        {
            self.sent.pop_front();
        }
        self.sent.push_back((now, weight));
    }

    /// The wait after the `attempt`-th pacing error (1-based) for one page.
    pub fn backoff(&self, attempt: u32) -> Duration {
        self.rules.retry_after * 2u32.saturating_pow(attempt.saturating_sub(1).min(6))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_both_windows_with_margin() {
        let mut p = Pacer::new(PacingRules::IB);
        let t0 = Instant::now();
        // Burst: 5 of IB's 6 per 2.2 s; BID_ASK weighs 2, so two requests, then a wait.
        p.record(t0, 2);
        p.record(t0, 2);
        let w = p.wait_needed(t0, 2);
        assert_eq!(w, Duration::from_millis(2200));
        // Long window: 54 of 60 per 11 minutes.
        let mut p = Pacer::new(PacingRules::IB);
        for k in 0..27u64 {
            let t = t0 + Duration::from_secs(3 * k);
            assert_eq!(p.wait_needed(t, 2), Duration::ZERO, "request {k}");
            p.record(t, 2);
        }
        let t = t0 + Duration::from_secs(100);
        assert_eq!(p.wait_needed(t, 2), Duration::from_secs(560));
        assert_eq!(
            p.wait_needed(t0 + Duration::from_secs(660), 2),
            Duration::ZERO
        );
        assert_eq!(p.backoff(1), Duration::from_secs(16));
        assert_eq!(p.backoff(3), Duration::from_secs(64));
    }
}
