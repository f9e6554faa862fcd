//! Stage 3, signal: the pair strategies (the same code as `hft backtest`) over normalized quotes,
//! emitting order intents for dispatch.

mod baskets;
pub mod model;
mod stage;
mod windows;

pub use baskets::{BasketReport, BasketRouter};
pub use stage::{SignalReport, SignalStage};

use crate::config::StrategyParams;
use crate::record::FixedLog;
use crate::strategy::refit::{PairFit, PairRefit, PairSnapshot};
use crate::strategy::{GridSample, PairStrategy};
use crate::types::{IntentOutcome, OrderIntent, Quote};
use model::{LinkCounters, ModelLink, ModelThread, Refit};

impl Refit for PairRefit {
    type Snapshot = PairSnapshot;
    type Params = PairFit;
    fn refit(&mut self, snapshot: &PairSnapshot) -> Option<PairFit> {
        self.fit(snapshot)
    }
}

/// Pairs indexed by instrument, built once, with each pair's log of grid rows for the charts
/// and, for pairs with cold fits (the `var` strategy, the pair filters), its [`ModelLink`]:
/// fits run inline at the row that made them due (the backtest: deterministic) until
/// [`start_model_thread`](Self::start_model_thread) moves them to the cold thread (the engine).
pub struct PairRouter {
    pub pairs: Vec<PairStrategy>,
    by_instrument: Vec<Vec<u16>>,
    /// One per pair, allocated here: recording a row never allocates.
    series: Vec<FixedLog<GridSample>>,
    /// One per pair with cold fits.
    links: Vec<Option<ModelLink<PairRefit>>>,
    /// The baskets (strategy slots after the pairs).
    pub baskets: BasketRouter,
    model_thread: Option<ModelThread>,
}

impl PairRouter {
    /// Routes quotes of `instruments` instruments to `pairs`; records no grid rows; no cold
    /// fits (see [`with_models`](Self::with_models)).
    pub fn new(pairs: Vec<PairStrategy>, instruments: usize) -> Self {
        Self::with_series(pairs, instruments, 0)
    }

    /// Builds each pair's model link for `strategy` (the params the pairs were built from):
    /// the snapshot buffers are allocated here.
    pub fn with_models(mut self, strategy: &StrategyParams) -> Self {
        self.links = self
            .pairs
            .iter()
            .map(|p| {
                p.cold_model(strategy)
                    .map(|(refit, snapshot)| ModelLink::inline(refit, snapshot))
            })
            .collect();
        self
    }

    /// Moves every pair's cold fit onto one model thread (named `hft-model`); no thread when no
    /// pair has one.
    ///
    /// # Errors
    /// When the thread cannot be started.
    pub fn start_model_thread(&mut self) -> std::io::Result<()> {
        let mut builder = ModelThread::builder();
        for link in self.links.iter_mut().flatten() {
            builder.attach(link);
        }
        self.baskets.attach(&mut builder);
        let thread = builder.spawn("hft-model")?;
        if thread.is_running() {
            self.model_thread = Some(thread);
        }
        Ok(())
    }

    /// The model thread's fitting windows (`None` without a model thread: a backtest fits
    /// inline).
    pub fn refit_windows(&self) -> Option<model::RefitWindows> {
        self.model_thread.as_ref().map(ModelThread::windows)
    }

    /// Pair `pair`'s model-link counters (`None` for a pair without cold fits).
    pub fn model_counters(&self, pair: usize) -> Option<LinkCounters> {
        self.links
            .get(pair)
            .and_then(|l| l.as_ref())
            .map(|l| l.counters())
    }

    /// Writes every series log's preallocated room once (no page fault when rows are logged).
    pub fn prefault(&mut self) {
        self.series.iter_mut().for_each(FixedLog::prefault);
        self.baskets.prefault();
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
            links: Vec::new(),
            baskets: BasketRouter::default(),
            model_thread: None,
        }
    }

    /// Adds the baskets (built with [`BasketRouter::new`]); they take quotes after the pairs.
    pub fn with_baskets(mut self, baskets: BasketRouter) -> Self {
        self.baskets = baskets;
        self
    }

    /// Feeds `q` to every pair with that instrument.
    #[inline]
    pub fn on_quote(&mut self, q: &Quote, mut emit: impl FnMut(OrderIntent)) {
        if !self.baskets.baskets.is_empty() {
            self.baskets.on_quote(q, &mut emit);
        }
        let Some(list) = self.by_instrument.get(q.instrument as usize) else {
            return;
        };
        for &p in list {
            let series = &mut self.series[p as usize];
            let pair = &mut self.pairs[p as usize];
            let mut link = self.links.get_mut(p as usize).and_then(|l| l.as_mut());
            if let Some(link) = link.as_mut()
                && let Some(fit) = link.poll()
            {
                pair.apply_fit(&fit);
            }
            let decided = pair.on_quote_with(q, |row| {
                series.push(row);
            });
            if let Some(link) = link
                && pair.take_refit_request()
            {
                link.request(|snapshot| pair.fill_snapshot(snapshot));
            }
            if let Some(intent) = decided {
                emit(intent);
            }
        }
    }

    /// What became of an intent: its pair's strategy corrects what it believes it holds.
    pub fn on_outcome(&mut self, o: &IntentOutcome) {
        match self.pairs.get_mut(o.pair as usize) {
            Some(p) => p.on_outcome(o),
            None => self.baskets.on_outcome(o),
        }
    }

    /// Whether every pair's series keeps no rows (then a pair's rows need not be made).
    pub fn keeps_no_series(&self) -> bool {
        self.series.iter().all(|s| s.limit() == 0)
    }

    /// Counts as dropped, in a series that keeps no rows, each grid row its pair took without
    /// making it (a replayed signal, `strategy::tape`): the series accounts for every row.
    pub fn count_unmade_rows(&mut self) {
        for (pair, series) in self.pairs.iter().zip(&mut self.series) {
            let seen = series.len() as u64 + series.dropped();
            let rows = pair.counters().grid_rows;
            if series.limit() == 0 && rows > seen {
                series.count_dropped(rows - seen);
            }
        }
    }

    /// Each pair's recorded grid rows, in pair order (the router is spent).
    pub fn into_series(self) -> Vec<FixedLog<GridSample>> {
        self.series
    }
}
