//! `[risk]` (pre-trade limits, the kill switch, the message rate) and `[costs]` (commissions and
//! the fill model).

use super::{GatewayParams, ParamsError, check};
use serde::Deserialize;

/// Pre-trade limits and the outbound message rate.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct RiskParams {
    /// Largest quantity of one order.
    pub max_order_qty: f64,
    /// Largest absolute position per instrument after a fill.
    pub max_position: f64,
    /// Orders working at once.
    pub max_open_orders: usize,
    /// Outbound messages per second (IB allows 50).
    pub max_messages_per_sec: u32,
    /// Size of the order table (orders remembered by id).
    pub max_orders: usize,
    /// A pair's legs must both fill within this many milliseconds, else the pair is legged.
    pub leg_timeout_ms: u64,
    /// A legged pair first re-sends its missing leg this many times (complete the hedge), then
    /// unwinds the filled leg and stops trading the pair.
    pub leg_retries: u8,
    /// Kill switch: realized loss (after commissions) in USD that stops the engine.
    pub max_daily_loss: f64,
    /// When the kill switch trips, close every position with market orders.
    pub flatten_on_kill: bool,
    /// At the end of a run (duration, SIGINT, SIGTERM), close every position with market orders.
    pub flatten_on_stop: bool,
    /// Largest gross notional (sum over instruments of |position| x last mid, USD) after an
    /// entry.
    pub max_gross_notional: f64,
    /// Largest net notional (sum over instruments of position x last mid, USD; longs minus
    /// shorts) after an entry that moves it away from zero.
    pub max_net_notional: f64,
    /// Largest notional in one name (|position| x last mid, USD) after an entry that trades it.
    pub max_name_notional: f64,
    /// Staleness watchdog: an instrument without a quote for this long blocks entries in its
    /// pairs (milliseconds).
    pub max_quote_age_ms: u64,
    /// At start-up, after reconciling with the gateway (and the journal of `--resume`), close
    /// every position found. Otherwise inherited positions are kept, and a pair that is not
    /// flat takes no new entries.
    pub flatten_on_start: bool,
}

impl Default for RiskParams {
    fn default() -> Self {
        RiskParams {
            max_order_qty: 10_000.0,
            max_position: 50_000.0,
            max_open_orders: 100,
            max_messages_per_sec: 45,
            max_orders: 65_536,
            leg_timeout_ms: 5_000,
            leg_retries: 2,
            max_daily_loss: 5_000.0,
            flatten_on_kill: true,
            flatten_on_stop: false,
            max_gross_notional: 5_000_000.0,
            max_net_notional: 5_000_000.0,
            max_name_notional: 5_000_000.0,
            max_quote_age_ms: 5_000,
            flatten_on_start: false,
        }
    }
}

impl RiskParams {
    /// Range checks; `prefix` is the section's key path (`risk`).
    ///
    /// # Errors
    /// The first problem found, naming its key.
    pub fn validate(&self, file: &str, prefix: &str) -> Result<(), ParamsError> {
        let key = |k: &str| format!("{prefix}.{k}");
        check(
            self.max_order_qty >= 1.0,
            file,
            &key("max_order_qty"),
            "must be >= 1",
        )?;
        check(
            self.max_position >= 1.0,
            file,
            &key("max_position"),
            "must be >= 1",
        )?;
        check(
            self.max_open_orders >= 1,
            file,
            &key("max_open_orders"),
            "must be >= 1",
        )?;
        check(
            (1..=50).contains(&self.max_messages_per_sec),
            file,
            &key("max_messages_per_sec"),
            "must be in 1..=50 (IB's limit)",
        )?;
        check(
            (16..=1 << 22).contains(&self.max_orders),
            file,
            &key("max_orders"),
            "must be in 16..=4194304",
        )?;
        check(
            (100..=600_000).contains(&self.leg_timeout_ms),
            file,
            &key("leg_timeout_ms"),
            "must be in 100..=600000",
        )?;
        check(
            self.leg_retries <= 10,
            file,
            &key("leg_retries"),
            "must be at most 10",
        )?;
        check(
            self.max_daily_loss > 0.0 && self.max_daily_loss.is_finite(),
            file,
            &key("max_daily_loss"),
            "must be positive",
        )?;
        check(
            self.max_gross_notional > 0.0 && self.max_gross_notional.is_finite(),
            file,
            &key("max_gross_notional"),
            "must be positive",
        )?;
        check(
            self.max_net_notional > 0.0 && self.max_net_notional.is_finite(),
            file,
            &key("max_net_notional"),
            "must be positive",
        )?;
        check(
            self.max_name_notional > 0.0 && self.max_name_notional.is_finite(),
            file,
            &key("max_name_notional"),
            "must be positive",
        )?;
        check(
            (10..=3_600_000).contains(&self.max_quote_age_ms),
            file,
            &key("max_quote_age_ms"),
            "must be in 10..=3600000",
        )
    }
}

/// Costs and the fill model the backtest shares with the paper gateway.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct CostParams {
    /// Commission per share, USD.
    pub commission_per_share: f64,
    /// Smallest commission of one execution, USD.
    pub commission_min: f64,
    /// Price levels of the simulated book beyond the touch.
    pub book_levels: usize,
}

impl Default for CostParams {
    fn default() -> Self {
        let g = GatewayParams::default();
        CostParams {
            commission_per_share: g.commission_per_share,
            commission_min: g.commission_min,
            book_levels: g.book_levels,
        }
    }
}

impl CostParams {
    /// Range checks; `prefix` is the section's key path (`costs`).
    ///
    /// # Errors
    /// The first problem found, naming its key.
    pub fn validate(&self, file: &str, prefix: &str) -> Result<(), ParamsError> {
        check_fill_model(
            file,
            prefix,
            self.commission_per_share,
            self.commission_min,
            self.book_levels,
        )
    }
}

/// The fill model's keys, one rule for `[costs]` (the backtest) and `[gateway]` (the paper
/// gateway), which fill alike.
pub(super) fn check_fill_model(
    file: &str,
    prefix: &str,
    commission_per_share: f64,
    commission_min: f64,
    book_levels: usize,
) -> Result<(), ParamsError> {
    let key = |k: &str| format!("{prefix}.{k}");
    check(
        commission_per_share >= 0.0,
        file,
        &key("commission_per_share"),
        "must be >= 0",
    )?;
    check(
        commission_min >= 0.0,
        file,
        &key("commission_min"),
        "must be >= 0",
    )?;
    check(
        (1..=50).contains(&book_levels),
        file,
        &key("book_levels"),
        "must be in 1..=50",
    )
}
