//! Fault injection for the paper gateway (params `[faults]` of `params/sim.toml`): the failures an
//! IB engine meets in production, on demand and reproducibly.
//!
//! - dropped connections, every N seconds or at given times;
//! - every Nth order rejected (error 201, order Inactive);
//! - partial fills (each execution capped) and fill delays;
//! - a stale feed (one symbol's market data paused for a while);
//! - executions replayed to a client when it reconnects (duplicates an engine must ignore);
//! - the daily-restart pattern: 1100 (connectivity lost, feed paused), then 1102 (restored, data
//!   kept) or 1101 (restored, data lost: market-data lines dropped, the client must resubscribe).

use crate::params::ParamsError;
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
        }
    }
}

impl FaultParams {
    /// Range checks, naming the key.
    ///
    /// # Errors
    /// The first invalid key.
    pub fn validate(&self, file: &str) -> Result<(), ParamsError> {
        let bad = |key: &str, msg: &str| Err(ParamsError::new(file, format!("faults.{key}"), msg));
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

/// Run-time state of the scheduled faults.
#[derive(Debug, Default)]
pub(crate) struct FaultClock {
    next_drop_every: f64,
    drops_done: usize,
    restarts_done: usize,
    /// While `Some(t)`, the feed is paused for a restart until `t` (seconds since start).
    pub restart_until: Option<f64>,
}

/// What the clock says to do now.
#[derive(Debug, PartialEq)]
pub(crate) enum FaultAction {
    None,
    DropAll,
    RestartBegin,
    RestartEnd,
}

impl FaultClock {
    /// The next due action at `now` seconds since start.
    pub(crate) fn poll(&mut self, f: &FaultParams, now: f64) -> FaultAction {
        if let Some(until) = self.restart_until {
            if now >= until {
                self.restart_until = None;
                return FaultAction::RestartEnd;
            }
        }
        if let Some(&t) = f.restart_at_secs.get(self.restarts_done) {
            if now >= t && self.restart_until.is_none() {
                self.restarts_done += 1;
                self.restart_until = Some(now + f.restart_gap_secs);
                return FaultAction::RestartBegin;
            }
        }
        if f.drop_every_secs > 0.0 {
            if self.next_drop_every == 0.0 {
                self.next_drop_every = f.drop_every_secs;
            }
            if now >= self.next_drop_every {
                self.next_drop_every += f.drop_every_secs;
                return FaultAction::DropAll;
            }
        }
        if let Some(&t) = f.drop_at_secs.get(self.drops_done) {
            if now >= t {
                self.drops_done += 1;
                return FaultAction::DropAll;
            }
        }
        FaultAction::None
    }

    /// True while the feed is paused by a restart.
    pub(crate) fn restarting(&self) -> bool {
        self.restart_until.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule() {
        let f = FaultParams {
            drop_every_secs: 10.0,
            drop_at_secs: vec![3.0],
            restart_at_secs: vec![5.0],
            restart_gap_secs: 2.0,
            ..Default::default()
        };
        let mut c = FaultClock::default();
        assert_eq!(c.poll(&f, 1.0), FaultAction::None);
        assert_eq!(c.poll(&f, 3.0), FaultAction::DropAll);
        assert_eq!(c.poll(&f, 3.5), FaultAction::None);
        assert_eq!(c.poll(&f, 5.0), FaultAction::RestartBegin);
        assert!(c.restarting());
        assert_eq!(c.poll(&f, 6.0), FaultAction::None);
        assert_eq!(c.poll(&f, 7.0), FaultAction::RestartEnd);
        assert_eq!(c.poll(&f, 10.0), FaultAction::DropAll);
        assert_eq!(c.poll(&f, 19.0), FaultAction::None);
        assert_eq!(c.poll(&f, 20.0), FaultAction::DropAll);
    }
}
