//! The outbound message-rate limiter: every message dispatch writes (orders, cancels, requests)
//! takes a slot first.

/// Sends remembered by the exact limiter: IB's ceiling is 50 per second.
const RATE_WINDOW: usize = 64;
/// The limiter's sliding window: IB's one second plus a margin for delivery jitter.
pub const RATE_WINDOW_NS: u64 = 1_250_000_000;

/// The outbound message-rate limiter. Up to 64 per second it is exact: at most `per_sec` sends in
/// any sliding window of [`RATE_WINDOW_NS`] (a token bucket would allow twice the rate across a
/// window boundary, which IB counts as a violation). The window is a quarter longer than IB's
/// second so that delivery jitter (a batch read late by the server) cannot squeeze two windows'
/// worth into one of its seconds. Above 64 per second (measurement modes only) it is a token
/// bucket.
#[derive(Debug, Clone)]
pub struct RateLimiter {
    max: usize,
    /// Times of the last `max` sends, oldest at `head`.
    sent: [u64; RATE_WINDOW],
    head: usize,
    len: usize,
    rate: f64,
    tokens: f64,
    last_ns: u64,
}

impl RateLimiter {
    /// At most `per_sec` messages per second.
    pub fn new(per_sec: u32, now: u64) -> Self {
        RateLimiter {
            max: per_sec as usize,
            sent: [0; RATE_WINDOW],
            head: 0,
            len: 0,
            rate: per_sec as f64,
            tokens: per_sec as f64,
            last_ns: now,
        }
    }

    /// Takes a send slot if one is available at `now` (monotonic ns).
    ///
    /// # Examples
    /// ```
    /// let mut l = hft::dispatch::RateLimiter::new(2, 0);
    /// assert!(l.try_take(0) && l.try_take(1) && !l.try_take(2));
    /// assert!(!l.try_take(999_999_999)); // still within the window of the first send
    /// assert!(l.try_take(hft::dispatch::RATE_WINDOW_NS));
    /// ```
    #[inline]
    pub fn try_take(&mut self, now: u64) -> bool {
        if self.max > RATE_WINDOW {
            let elapsed = now.saturating_sub(self.last_ns) as f64 / 1e9;
            self.tokens = (self.tokens + elapsed * self.rate).min(self.rate);
            self.last_ns = now;
            if self.tokens >= 1.0 {
                self.tokens -= 1.0;
                return true;
            }
            return false;
        }
        if self.len < self.max {
            self.sent[(self.head + self.len) % self.max] = now;
            self.len += 1;
            return true;
        }
        if self.max > 0 && now.saturating_sub(self.sent[self.head]) >= RATE_WINDOW_NS {
            self.sent[self.head] = now;
            self.head = (self.head + 1) % self.max;
            return true;
        }
        false
    }

    /// Records a send that already happened (requests written by the connection set-up), so the
    /// window counts it. Never refuses.
    pub fn charge(&mut self, now: u64) {
        if !self.try_take(now) && self.max > 0 && self.max <= RATE_WINDOW {
            self.sent[self.head] = now;
            self.head = (self.head + 1) % self.max;
        }
    }
}
