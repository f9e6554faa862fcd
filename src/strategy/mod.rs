//! Pair strategies: the same code in the live engine's signal stage and in `hft backtest`, so the
//! two can never disagree.
//!
//! A [`PairStrategy`] consumes [`Quote`]s of its two legs. It resamples mids onto a homogeneous
//! grid (previous-tick, so a quiet leg keeps its last value), feeds grid rows to its model's rolling
//! statistics, re-estimates slow parameters every `evaluation_secs`, and on every quote decides
//! whether to open or close a position, emitting an [`OrderIntent`] for both legs stamped with the
//! triggering tick's sequence number. Time comes only from the quotes: the strategy never reads a
//! clock, so a replay is deterministic.
//!
//! Models: [`seed`] (the original model), [`zscore`] (default), [`kalman`] and [`var`] (a VAR
//! or VECM forecast fitted on the cold model thread). Any of them can enable the [`filters`]
//! (breaks, trend, Markov regime), whose fits also run on the cold thread ([`refit`]; the
//! strategy's side of the hand-over is in `cold.rs`).

mod bands;
pub mod basket;
pub mod basket_fit;
#[cfg(test)]
mod basket_tests;
pub mod basket_value;
mod cold;
pub mod filters;
pub mod kalman;
mod position;
pub mod refit;
pub mod seed;
pub mod tape;
pub mod var;
pub mod zscore;

use crate::config::{CostParams, EngineParams, PairParams, Sizing, StrategyKind, StrategyParams};
use crate::instruments::Instruments;
use crate::stats::GridResampler;
use crate::types::{
    CloseReason, Direction, IntentKind, IntentOutcome, Leg, OrderIntent, Quote, Side,
};

pub use bands::{FilterLevels, ZScoreBands};
pub use filters::FilterSample;
pub use position::Position;

/// A model's decision on a quote.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Decision {
    Hold,
    Open(Direction),
    Close(CloseReason),
}

/// What a strategy saw on one grid row, after its model took the row: the data of the pair
/// charts (`series/<A>-<B>.csv`). Small and `Copy`, so the engine can log rows into a buffer
/// sized at start-up.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GridSample {
    /// Grid time, nanoseconds since the Unix epoch (event time).
    pub t_ns: u64,
    pub a_mid: f64,
    pub b_mid: f64,
    /// The model's hedge ratio (the seed model's beta, the mean ratio), once defined.
    pub hedge_ratio: Option<f64>,
    /// The seed model's volatility ratio; `None` for the other models.
    pub volatility_ratio: Option<f64>,
    /// The statistic the entry and exit rules compare with their thresholds: the spread's
    /// z-score (zscore), the forecast error over its standard deviation (kalman); `None` for
    /// the seed model, which has no thresholds.
    pub zscore: Option<f64>,
    /// Signed shares of A and B the strategy believes it holds (before this row's quote is
    /// decided on).
    pub position_a: i64,
    pub position_b: i64,
    /// What the pair filters and the `var` model saw (all `None` when off).
    pub filters: FilterSample,
}

/// Counters a strategy keeps (reported in summaries).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StrategyCounters {
    pub quotes: u64,
    pub grid_rows: u64,
    pub evaluations: u64,
    /// Evaluations or decisions skipped because a statistic was undefined (too few points, zero
    /// variance).
    pub undefined: u64,
    /// Entries skipped because the expected edge did not cover costs.
    pub edge_too_small: u64,
    pub intents: u64,
    /// Entries the pair filters (breaks, trend, regime) held back.
    pub filtered: u64,
    /// Outcomes from dispatch that changed what the strategy believed it held (an entry
    /// refused or unwound, a close that had nothing to close).
    pub corrected: u64,
}

/// What a model sees when deciding.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Market {
    pub a: Quote,
    pub b: Quote,
    pub t_ns: u64,
}

/// The per-pair models. One per pair, built at start-up and never moved on the hot path, so the
/// size difference between variants costs nothing; boxing would add a pointer chase per quote.
#[derive(Debug, Clone)]
#[allow(clippy::large_enum_variant)]
enum Model {
    Seed(seed::SeedModel),
    ZScore(zscore::ZScoreModel),
    Kalman(kalman::KalmanModel),
    Var(var::VarModel),
}

impl Model {
    fn on_row(&mut self, a: f64, b: f64) {
        match self {
            Model::Seed(m) => m.on_row(a, b),
            Model::ZScore(m) => m.on_row(a, b),
            Model::Kalman(m) => m.on_row(a, b),
            Model::Var(m) => m.on_row(a, b),
        }
    }

    /// Re-estimates slow parameters; false when a statistic is undefined.
    fn evaluate(&mut self) -> bool {
        match self {
            Model::Seed(m) => m.evaluate(),
            Model::ZScore(m) => m.evaluate(),
            Model::Kalman(m) => m.evaluate(),
            Model::Var(m) => m.evaluate(),
        }
    }

    fn decide(
        &mut self,
        mkt: &Market,
        pos: &Position,
        counters: &mut StrategyCounters,
    ) -> Decision {
        match self {
            Model::Seed(m) => m.decide(mkt, pos, counters),
            Model::ZScore(m) => m.decide(mkt, pos, counters),
            Model::Kalman(m) => m.decide(mkt, pos, counters),
            Model::Var(m) => m.decide(mkt, pos, counters),
        }
    }

    fn hedge_ratio(&self) -> Option<f64> {
        match self {
            Model::Seed(m) => m.hedge_ratio(),
            Model::ZScore(m) => m.hedge_ratio(),
            Model::Kalman(m) => m.hedge_ratio(),
            Model::Var(m) => m.hedge_ratio(),
        }
    }

    /// The chart values of a grid row at mids `a`, `b`.
    #[inline]
    fn sample(&self, t_ns: u64, a: f64, b: f64, position: &Position) -> GridSample {
        let (volatility_ratio, zscore) = match self {
            Model::Seed(m) => (m.volatility_ratio(), None),
            Model::ZScore(m) => (None, m.zscore(a, b)),
            Model::Kalman(m) => (None, m.forecast(a, b).map(|(e, sd)| e / sd)),
            Model::Var(m) => (None, m.forecast(a, b).map(|(d, sd)| d / sd)),
        };
        let (position_a, position_b) = position.signed_legs();
        GridSample {
            t_ns,
            a_mid: a,
            b_mid: b,
            hedge_ratio: self.hedge_ratio(),
            volatility_ratio,
            zscore,
            position_a,
            position_b,
            filters: FilterSample::default(),
        }
    }
}

/// One pair's strategy state: resampler, model, position and counters.
#[derive(Debug, Clone)]
pub struct PairStrategy {
    pair: u16,
    a: u16,
    b: u16,
    resampler: GridResampler,
    last_a: Option<Quote>,
    /// Sequence number of the latest intent (its outcome is the one believed).
    last_seq: u64,
    /// Event time of the latest quote.
    last_t_ns: u64,
    last_b: Option<Quote>,
    model: Model,
    position: Position,
    eval_every_ns: u64,
    next_eval_ns: u64,
    base_qty: u32,
    sizing: Sizing,
    counters: StrategyCounters,
    filters: filters::PairFilters,
    /// The rows and the schedule of the cold fits, when the pair has any.
    cold: Option<Box<cold::ColdHistory>>,
    /// The signal recorded for other strategies, or replayed from another's ([`tape`]).
    tape: Option<tape::SignalTape>,
    /// A replayed signal was out of step with the quotes: nothing is decided any more.
    signal_lost: bool,
}

impl PairStrategy {
    /// One strategy per pair of `params`, in pair order, over `instruments` (the engine and
    /// the backtest build them here).
    ///
    /// # Panics
    /// When a pair names a symbol `instruments` lacks (they are built from the same params).
    pub fn for_pairs(params: &EngineParams, instruments: &Instruments) -> Vec<PairStrategy> {
        let legs = instruments.pair_legs(&params.pairs);
        params
            .pairs
            .iter()
            .zip(legs)
            .enumerate()
            .map(|(i, (p, [a, b]))| {
                PairStrategy::new(i as u16, a, b, &params.strategy, &params.costs, p)
            })
            .collect()
    }

    /// A strategy for pair `pair` over instruments `a` and `b`.
    pub fn new(
        pair: u16,
        a: u16,
        b: u16,
        params: &StrategyParams,
        costs: &CostParams,
        seed_stats: &PairParams,
    ) -> Self {
        let window = ((params.window_secs / params.grid_secs).round() as usize).max(2);
        let model = match params.kind {
            StrategyKind::Seed => Model::Seed(seed::SeedModel::new(window, params)),
            // A basket params file has no pairs (validated); a pair built from one anyway (a
            // test, `hft measure`) runs the default model.
            StrategyKind::Zscore | StrategyKind::Basket => {
                Model::ZScore(zscore::ZScoreModel::new(params, *costs))
            }
            StrategyKind::Kalman => {
                Model::Kalman(kalman::KalmanModel::new(params.kalman, seed_stats))
            }
            StrategyKind::Var => Model::Var(var::VarModel::new(params, *costs)),
        };
        let step_ns = (params.grid_secs * 1e9) as u64;
        PairStrategy {
            pair,
            a,
            b,
            resampler: GridResampler::new(2, step_ns),
            last_a: None,
            last_seq: 0,
            last_t_ns: 0,
            last_b: None,
            model,
            position: Position::Flat,
            eval_every_ns: (params.evaluation_secs * 1e9) as u64,
            next_eval_ns: 0,
            base_qty: params.base_qty,
            sizing: params.sizing,
            counters: StrategyCounters::default(),
            filters: filters::PairFilters::new(params.filters),
            cold: cold::ColdHistory::for_params(params, window, step_ns),
            tape: None,
            signal_lost: false,
        }
    }

    /// The pair index.
    pub fn pair(&self) -> u16 {
        self.pair
    }

    /// The two instruments (A, B).
    pub fn instruments(&self) -> (u16, u16) {
        (self.a, self.b)
    }

    /// What dispatch says the latest intent came to: the strategy believes what the pair
    /// holds, not what it asked for. Outcomes of older intents are ignored (the latest one's
    /// comes after them). Holdings that are not a spread (one leg, or both the same way) are
    /// being unwound by dispatch: the strategy holds nothing.
    ///
    /// A spread held as `(qty_a, -qty_b)` is a long spread with those quantities.
    pub fn on_outcome(&mut self, o: &IntentOutcome) {
        if o.seq == 0 || o.seq != self.last_seq {
            return;
        }
        let [a, b] = o.held;
        let believed = match (a.signum(), b.signum()) {
            (1, -1) | (-1, 1) => {
                let direction = if a > 0 {
                    Direction::LongSpread
                } else {
                    Direction::ShortSpread
                };
                let since_ns = match self.position {
                    Position::Open { since_ns, .. } => since_ns,
                    Position::Flat => self.last_t_ns,
                };
                Position::Open {
                    direction,
                    since_ns,
                    qty_a: a.unsigned_abs().min(u32::MAX as u64) as u32,
                    qty_b: b.unsigned_abs().min(u32::MAX as u64) as u32,
                }
            }
            _ => Position::Flat,
        };
        if believed != self.position {
            self.counters.corrected += 1;
            self.position = believed;
        }
    }

    /// The position the strategy believes it holds.
    pub fn position(&self) -> Position {
        self.position
    }

    /// Counters so far.
    pub fn counters(&self) -> StrategyCounters {
        self.counters
    }

    /// The current hedge ratio, when defined.
    pub fn hedge_ratio(&self) -> Option<f64> {
        self.model.hedge_ratio()
    }

    /// Feeds one historical grid row (bootstrap warm-up), so the strategy can trade from the first
    /// live tick.
    pub fn warm(&mut self, a_mid: f64, b_mid: f64) {
        if a_mid.is_finite() && b_mid.is_finite() && a_mid > 0.0 && b_mid > 0.0 {
            self.model.on_row(a_mid, b_mid);
            self.counters.grid_rows += 1;
        }
    }

    /// [`warm`](Self::warm) for a historical row at grid time `t_ns`, re-estimating every
    /// `evaluation_secs` of bar time as live rows do; returns the row as the charts draw it (the
    /// statistics as they stood after it), or `None` for a row that was not fed.
    pub fn warm_at(&mut self, t_ns: u64, a_mid: f64, b_mid: f64) -> Option<GridSample> {
        let fed = self.counters.grid_rows;
        self.warm(a_mid, b_mid);
        if self.counters.grid_rows == fed {
            return None;
        }
        if t_ns >= self.next_eval_ns {
            self.model.evaluate();
            self.next_eval_ns = t_ns.saturating_add(self.eval_every_ns.max(1));
        }
        Some(
            self.model
                .sample(t_ns, a_mid, b_mid, &self.position)
                .with_filters(&self.model, &self.filters),
        )
    }

    /// Ends the warm-up: re-estimates the slow statistics from the rows fed so far (the first
    /// live quote re-estimates again, whatever the warm-up's bar times were).
    pub fn finish_warmup(&mut self) {
        if !self.model.evaluate() {
            self.counters.undefined += 1;
        }
        self.next_eval_ns = 0;
    }

    /// Processes one quote of leg A or B; returns an intent when the model acts.
    #[inline]
    pub fn on_quote(&mut self, q: &Quote) -> Option<OrderIntent> {
        self.on_quote_with(q, |_| {})
    }

    /// [`on_quote`](Self::on_quote), handing `on_row` a [`GridSample`] for every grid row the
    /// quote completes (none for most quotes; several when it crosses several grid times). The
    /// sample is built only for `on_row`: with a no-op closure this is `on_quote`.
    ///
    /// # Examples
    /// ```
    /// use hft::config::{CostParams, EngineParams, PairParams};
    /// use hft::strategy::PairStrategy;
    /// use hft::types::Quote;
    ///
    /// let params = EngineParams::embedded(); // 1 s grid
    /// let mut s = PairStrategy::new(0, 0, 1, &params.strategy, &CostParams::default(),
    ///                               &params.pairs[0]);
    /// let mut rows = Vec::new();
    /// for (i, t) in [(0, 100), (1, 200), (0, 2_500_000_000)] {
    ///     let q = Quote { instrument: i, t_ns: t, bid: 10.0, ask: 10.02, ..Default::default() };
    ///     s.on_quote_with(&q, |row| rows.push(row));
    /// }
    /// // The third quote, at 2.5 s, completes the rows at 1 s and 2 s.
    /// assert_eq!(rows.iter().map(|r| r.t_ns).collect::<Vec<_>>(), [1_000_000_000, 2_000_000_000]);
    /// assert_eq!(rows[0].a_mid, 10.01);
    /// ```
    #[inline]
    pub fn on_quote_with(
        &mut self,
        q: &Quote,
        on_row: impl FnMut(GridSample),
    ) -> Option<OrderIntent> {
        if q.instrument == self.a {
            self.last_a = Some(q.fields_of(self.a));
        } else if q.instrument == self.b {
            self.last_b = Some(q.fields_of(self.b));
        } else {
            return None;
        }
        self.counters.quotes += 1;
        self.last_t_ns = q.t_ns;
        match self.tape.as_mut() {
            Some(tape) if tape.replaying() => {
                let step = tape.next(q.t_ns, q.instrument);
                self.replay_step(step)?;
            }
            _ => {
                let undefined = self.counters.undefined;
                self.signal_step(q, on_row);
                if let (Some(tape), Model::ZScore(m)) = (self.tape.as_mut(), &self.model) {
                    let c = &self.counters;
                    let counts = (c.grid_rows, c.evaluations);
                    let step = tape::SignalStep::new(
                        q.t_ns,
                        q.instrument,
                        c.undefined != undefined,
                        counts,
                        m.signal(),
                    );
                    tape.record(step);
                }
            }
        }
        let (Some(a), Some(b)) = (self.last_a, self.last_b) else {
            return None;
        };
        let mkt = Market { a, b, t_ns: q.t_ns };
        let decision = match self.model.decide(&mkt, &self.position, &mut self.counters) {
            Decision::Open(_) if !self.filters.entry_allowed(q.t_ns) => {
                self.counters.filtered += 1;
                Decision::Hold
            }
            _ if self.filters.take_flatten() && self.position != Position::Flat => {
                Decision::Close(CloseReason::Stop)
            }
            d => d,
        };
        match decision {
            Decision::Hold => None,
            Decision::Open(direction) => {
                let (qty_a, qty_b) = self.quantities(&a, &b)?;
                self.position = Position::Open {
                    direction,
                    since_ns: q.t_ns,
                    qty_a,
                    qty_b,
                };
                let (side_a, side_b) = match direction {
                    Direction::LongSpread => (Side::Buy, Side::Sell),
                    Direction::ShortSpread => (Side::Sell, Side::Buy),
                };
                Some(self.intent(q, IntentKind::Open(direction), side_a, qty_a, side_b, qty_b))
            }
            Decision::Close(reason) => {
                let Position::Open {
                    direction,
                    qty_a,
                    qty_b,
                    ..
                } = self.position
                else {
                    return None;
                };
                self.position = Position::Flat;
                let (side_a, side_b) = match direction {
                    Direction::LongSpread => (Side::Sell, Side::Buy),
                    Direction::ShortSpread => (Side::Buy, Side::Sell),
                };
                Some(self.intent(q, IntentKind::Close(reason), side_a, qty_a, side_b, qty_b))
            }
        }
    }

    /// The signal's part of a quote: grid rows into the model, the re-estimation when due.
    #[inline]
    fn signal_step(&mut self, q: &Quote, mut on_row: impl FnMut(GridSample)) {
        let leg = if q.instrument == self.a { 0 } else { 1 };
        let (model, counters, position, cold, filters) = (
            &mut self.model,
            &mut self.counters,
            &self.position,
            &mut self.cold,
            &self.filters,
        );
        self.resampler.on_tick(leg, q.t_ns, q.mid(), |t, row| {
            model.on_row(row[0], row[1]);
            counters.grid_rows += 1;
            if let Some(c) = cold {
                c.on_row(t, row[0], row[1]);
            }
            on_row(
                model
                    .sample(t, row[0], row[1], position)
                    .with_filters(model, filters),
            );
        });
        if q.t_ns >= self.next_eval_ns {
            self.counters.evaluations += 1;
            if !self.model.evaluate() {
                self.counters.undefined += 1;
            }
            self.next_eval_ns = q.t_ns.saturating_add(self.eval_every_ns.max(1));
        }
    }

    fn quantities(&mut self, a: &Quote, b: &Quote) -> Option<(u32, u32)> {
        let qa = self.base_qty;
        let qb = match self.sizing {
            Sizing::Equal => qa as f64,
            Sizing::Beta => match self.model.hedge_ratio() {
                Some(h) if h.is_finite() => qa as f64 * h.abs(),
                _ => {
                    self.counters.undefined += 1;
                    return None;
                }
            },
            Sizing::Dollar => qa as f64 * a.mid() / b.mid(),
        };
        let qb = qb.round();
        if !(1.0..=1e7).contains(&qb) {
            self.counters.undefined += 1;
            return None;
        }
        Some((qa, qb as u32))
    }

    fn intent(
        &mut self,
        q: &Quote,
        kind: IntentKind,
        side_a: Side,
        qty_a: u32,
        side_b: Side,
        qty_b: u32,
    ) -> OrderIntent {
        self.counters.intents += 1;
        self.last_seq = q.seq;
        OrderIntent {
            pair: self.pair,
            seq: q.seq,
            t_ns: q.t_ns,
            kind,
            legs: [
                Leg {
                    instrument: self.a,
                    side: side_a,
                    qty: qty_a,
                },
                Leg {
                    instrument: self.b,
                    side: side_b,
                    qty: qty_b,
                },
            ]
            .into(),
        }
    }
}

/// Round-trip cost of a pair trade of `qa` A and `qb` B at the current quotes, relative to mids:
/// half of each leg's bid-ask spread going in and half coming out (at today's width), plus
/// commissions in and out.
#[inline]
pub(crate) fn round_trip_cost(mkt: &Market, qa: f64, qb: f64, costs: &CostParams) -> f64 {
    let commission = |q: f64| (q * costs.commission_per_share).max(costs.commission_min);
    let spreads = (mkt.a.ask - mkt.a.bid) * qa + (mkt.b.ask - mkt.b.bid) * qb;
    spreads + 2.0 * (commission(qa) + commission(qb))
}
