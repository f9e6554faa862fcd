//! `[backtest]`: how far the backtest's engine sits from its exchange. Zero latency (the
//! default) hands every order to the exchange at the tick that decided it; real engines see
//! quotes late and reach the exchange late, and a passive or marketable-limit policy lives or
//! dies by that.

use super::{ParamsError, check};
use serde::Deserialize;

/// `[backtest]`.
#[derive(Debug, Clone, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct BacktestParams {
    /// Exchange to engine, microseconds: quotes and order events reach the engine this late.
    pub feed_latency_us: f64,
    /// Engine to exchange, microseconds: orders and cancels reach the exchange this late.
    pub order_latency_us: f64,
    /// Instead of `order_latency_us`: a `.hgrm` latency profile (microseconds, as `hft run`
    /// writes `latency/end_to_end.hgrm`), each order's latency drawn from it (seeded: the same
    /// run twice gives the same draws). Empty: none.
    pub order_latency_hgrm: String,
}

impl BacktestParams {
    /// Checks of the section; `prefix` is its key path.
    ///
    /// # Errors
    /// The first problem found, naming its key.
    pub fn validate(&self, file: &str, prefix: &str) -> Result<(), ParamsError> {
        let key = |k: &str| format!("{prefix}.{k}");
        let ok = |us: f64| us.is_finite() && (0.0..=60e6).contains(&us);
        check(
            ok(self.feed_latency_us),
            file,
            &key("feed_latency_us"),
            "must be in 0..=60000000",
        )?;
        check(
            ok(self.order_latency_us),
            file,
            &key("order_latency_us"),
            "must be in 0..=60000000",
        )
    }

    /// True when the engine and the exchange are at the same instant.
    pub fn is_zero(&self) -> bool {
        self.feed_latency_us == 0.0
            && self.order_latency_us == 0.0
            && self.order_latency_hgrm.is_empty()
    }
}
