//! Backtests that share a signal: one records its pairs' signal over a stretch of rows, the
//! others replay it over the same rows (`crate::strategy::tape`; the sweep's families).

use super::Backtest;

impl Backtest {
    /// Records every pair's signal from now on, for [`Backtest::lend_signal`]; false (nothing
    /// recorded) when some part of this backtest cannot share it: a basket, a model other than
    /// the z-score, a pair filter or cold fit, or latencies (whose draws may differ by set).
    pub fn record_signal(&mut self) -> bool {
        if !self.router.baskets.baskets.is_empty()
            || self.wire.is_some()
            || self.router.pairs.is_empty()
        {
            return false;
        }
        if self.router.pairs.iter_mut().all(|p| p.record_signal()) {
            return true;
        }
        for p in &mut self.router.pairs {
            *p.signal_tape() = None;
        }
        false
    }

    /// Empties the recorded tapes before the next stretch of rows.
    pub fn clear_signal(&mut self) {
        for p in &mut self.router.pairs {
            if let Some(t) = p.signal_tape() {
                t.clear_for_recording();
            }
        }
    }

    /// Hands this backtest's recorded tapes to `other` (same pairs, same rows next), which
    /// replays them instead of computing its own signal until
    /// [`Backtest::take_back_signal`]. A backtest that keeps chart rows cannot replay (it would
    /// need the rows' samples): it is marked lost instead.
    pub fn lend_signal(&mut self, other: &mut Backtest) {
        if !other.router.keeps_no_series() {
            other.router.pairs.iter_mut().for_each(|p| p.lose_signal());
            return;
        }
        for (mine, theirs) in self.router.pairs.iter_mut().zip(&mut other.router.pairs) {
            let mut tape = mine.signal_tape().take();
            if let Some(t) = tape.as_mut() {
                t.rewind_for_replay();
            }
            *theirs.signal_tape() = tape;
        }
    }

    /// Takes the tapes back from `other`; a tape `other` did not read to its end (its rows were
    /// not this backtest's) marks its signal lost.
    pub fn take_back_signal(&mut self, other: &mut Backtest) {
        for (mine, theirs) in self.router.pairs.iter_mut().zip(&mut other.router.pairs) {
            let mut tape = theirs.signal_tape().take();
            if let Some(t) = tape.as_mut() {
                if !t.fully_read() {
                    theirs.lose_signal();
                }
                t.clear_for_replay_end();
            }
            *mine.signal_tape() = tape;
        }
        other.router.count_unmade_rows();
    }

    /// A replayed signal went out of step with this backtest's rows: its results are not its
    /// parameters' (run it again on its own).
    pub fn signal_lost(&self) -> bool {
        self.router.pairs.iter().any(|p| p.signal_lost())
    }
}
