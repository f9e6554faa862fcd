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

use crate::config::FaultParams;

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
        if let Some(until) = self.restart_until
            && now >= until
        {
            self.restart_until = None;
            return FaultAction::RestartEnd;
        }
        if let Some(&t) = f.restart_at_secs.get(self.restarts_done)
            && now >= t
            && self.restart_until.is_none()
        {
            self.restarts_done += 1;
            self.restart_until = Some(now + f.restart_gap_secs);
            return FaultAction::RestartBegin;
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
        if let Some(&t) = f.drop_at_secs.get(self.drops_done)
            && now >= t
        {
            self.drops_done += 1;
            return FaultAction::DropAll;
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
