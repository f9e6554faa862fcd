//! Inputs shared by the benches.

#![allow(dead_code)]

use hft::sim::Rng;

/// Two cointegrated mids, seeded: B is a random walk, A = 2 B + 1 + an Ornstein-Uhlenbeck spread.
pub struct PairPath {
    rng: Rng,
    b: f64,
    spread: f64,
}

impl PairPath {
    pub fn new(seed: u64, b: f64) -> Self {
        PairPath {
            rng: Rng::new(seed, 0),
            b,
            spread: 0.0,
        }
    }

    /// One step of the process: (A mid, B mid).
    pub fn step(&mut self) -> (f64, f64) {
        self.b *= 1.0 + 2e-5 * self.rng.normal();
        self.spread = 0.995 * self.spread + 0.01 * self.rng.normal();
        (2.0 * self.b + 1.0 + self.spread, self.b)
    }

    /// A one-cent-wide book around `mid` with sizes of 100 to 900 shares.
    pub fn book(&mut self, mid: f64) -> (f64, f64, f64, f64) {
        let bid_cents = (mid * 100.0).floor();
        let bid_size = 100.0 * (1 + self.rng.below(9)) as f64;
        let ask_size = 100.0 * (1 + self.rng.below(9)) as f64;
        (
            bid_cents / 100.0,
            (bid_cents + 1.0) / 100.0,
            bid_size,
            ask_size,
        )
    }
}
