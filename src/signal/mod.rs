//! Stage 3, signal: the pair strategies (the same code as `hft backtest`) over normalized quotes,
//! emitting order intents for dispatch.

pub mod model;
mod stage;

pub use stage::{SignalReport, SignalStage};

use crate::record::FixedLog;
use crate::strategy::{GridSample, PairStrategy};
use crate::types::{IntentOutcome, OrderIntent, Quote};

/// Pairs indexed by instrument, built once, with each pair's log of grid rows for the charts.
pub struct PairRouter {
    pub pairs: Vec<PairStrategy>,
    by_instrument: Vec<Vec<u16>>,
    /// One per pair, allocated here: recording a row never allocates.
    series: Vec<FixedLog<GridSample>>,
}

impl PairRouter {
    /// Routes quotes of `instruments` instruments to `pairs`; records no grid rows.
    pub fn new(pairs: Vec<PairStrategy>, instruments: usize) -> Self {
        Self::with_series(pairs, instruments, 0)
    }

    /// As [`new`](Self::new), recording up to `series_capacity` grid rows per pair (all storage
    /// allocated now; later rows are counted as dropped).
    pub fn with_series(
        pairs: Vec<PairStrategy>,
        instruments: usize,
        series_capacity: usize,
    ) -> Self {
        let mut by_instrument = vec![Vec::new(); instruments];
        for (i, p) in pairs.iter().enumerate() {
            let (a, b) = p.instruments();
            by_instrument[a as usize].push(i as u16);
            by_instrument[b as usize].push(i as u16);
        }
        PairRouter {
            series: (0..pairs.len())
                .map(|_| FixedLog::preallocated(series_capacity))
                .collect(),
            pairs,
            by_instrument,
        }
    }

    /// Feeds `q` to every pair with that instrument.
    #[inline]
    pub fn on_quote(&mut self, q: &Quote, mut emit: impl FnMut(OrderIntent)) {
        let Some(list) = self.by_instrument.get(q.instrument as usize) else {
            return;
        };
        for &p in list {
            let series = &mut self.series[p as usize];
            let decided = self.pairs[p as usize].on_quote_with(q, |row| {
                series.push(row);
            });
            if let Some(intent) = decided {
                emit(intent);
            }
        }
    }

    /// What became of an intent: its pair's strategy corrects what it believes it holds.
    pub fn on_outcome(&mut self, o: &IntentOutcome) {
        if let Some(p) = self.pairs.get_mut(o.pair as usize) {
            p.on_outcome(o);
        }
    }

    /// Each pair's recorded grid rows, in pair order (the router is spent).
    pub fn into_series(self) -> Vec<FixedLog<GridSample>> {
        self.series
    }
}
