//! `[faults]` of `params/sim.toml`: the failures the paper gateway injects on request (the
//! schedule that acts on them is the gateway's own).

use super::ParamsError;
use serde::Deserialize;

/// What to inject. Everything is off by default.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct FaultParams {
    /// Close every client connection this often, seconds (0 = never).
    pub drop_every_secs: f64,
    /// Close every client connection at these times, seconds since the gateway started.
    pub drop_at_secs: Vec<f64>,
    /// Reject every Nth order with error 201 (0 = never).
    pub reject_every_nth_order: u64,
    /// Cap each execution at this many shares, so larger orders fill in parts (0 = no cap).
    pub max_fill_qty: u32,
    /// Orders do not fill before this many milliseconds after arrival.
    pub fill_delay_ms: u64,
    /// Pause this symbol's market data ...
    pub stale_symbol: String,
    /// ... from this many seconds after start ...
    pub stale_after_secs: f64,
    /// ... for this long.
    pub stale_for_secs: f64,
    /// When a client id reconnects, send it again every execution it already received.
    pub replay_executions_on_reconnect: bool,
    /// Daily-restart pattern at these times (seconds since start): 1100, a pause, then 1102/1101.
    pub restart_at_secs: Vec<f64>,
    /// How long the restart pauses the feed.
    pub restart_gap_secs: f64,
    /// Restore with 1101 (data lost: market-data lines dropped) instead of 1102.
    pub restart_data_lost: bool,
    /// Close every client connection when the gateway receives its Nth REQ_HISTORICAL_TICKS
    /// (counted over the gateway's life, unanswered; once; 0 = never).
    pub drop_on_tick_request: u64,
}

impl Default for FaultParams {
    fn default() -> Self {
        FaultParams {
            drop_every_secs: 0.0,
            drop_at_secs: Vec::new(),
            reject_every_nth_order: 0,
            max_fill_qty: 0,
            fill_delay_ms: 0,
            stale_symbol: String::new(),
            stale_after_secs: 0.0,
            stale_for_secs: 0.0,
            replay_executions_on_reconnect: false,
            restart_at_secs: Vec::new(),
            restart_gap_secs: 5.0,
            restart_data_lost: false,
            drop_on_tick_request: 0,
        }
    }
}

impl FaultParams {
    /// Range checks; `prefix` is the section's key path (`faults`).
    ///
    /// # Errors
    /// The first invalid key.
    pub fn validate(&self, file: &str, prefix: &str) -> Result<(), ParamsError> {
        let bad =
            |key: &str, msg: &str| Err(ParamsError::new(file, format!("{prefix}.{key}"), msg));
        let finite_nonneg = |x: f64| x.is_finite() && x >= 0.0;
        if !finite_nonneg(self.drop_every_secs) {
            return bad("drop_every_secs", "must be >= 0");
        }
        if !self.drop_at_secs.iter().all(|&t| finite_nonneg(t)) {
            return bad("drop_at_secs", "times must be >= 0");
        }
        if !finite_nonneg(self.stale_after_secs) || !finite_nonneg(self.stale_for_secs) {
            return bad(
                "stale_for_secs",
                "stale_after_secs and stale_for_secs must be >= 0",
            );
        }
        if !self.restart_at_secs.iter().all(|&t| finite_nonneg(t)) {
            return bad("restart_at_secs", "times must be >= 0");
        }
        if !finite_nonneg(self.restart_gap_secs) {
            return bad("restart_gap_secs", "must be >= 0");
        }
        Ok(())
    }

    /// True when any fault is configured.
    pub fn any(&self) -> bool {
        let f = FaultParams {
            restart_gap_secs: FaultParams::default().restart_gap_secs,
            ..self.clone()
        };
        f != FaultParams::default()
    }
}
