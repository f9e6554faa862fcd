//! `summary.json`: one typed schema for the engine's run and the backtest. The sections both
//! modes have come first; `engine` and `backtest` add their own (flattened into the same
//! object, absent in the other mode).

use crate::dispatch::{CrossStats, DispatchCounters, KillReason, LegBook, PairBook, PositionState};
use crate::io::IoCounters;
use crate::normalize::NormalizeCounters;
use crate::rundir::RowProblem;
use crate::rundir::SeriesIndex;
use crate::strategy::StrategyCounters;
use serde::Serialize;
use std::collections::BTreeMap;

/// Which mode wrote the summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RunMode {
    Engine,
    Backtest,
}

/// The whole `summary.json`.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub mode: RunMode,
    /// `seed`, `zscore` or `kalman`.
    pub strategy: String,
    /// Orders written and executions counted (each once).
    pub orders: u64,
    pub fills: u64,
    pub pnl: Pnl,
    /// Per pair: both legs as its own orders traded them.
    pub pairs: Vec<PairSummary>,
    /// Per pair: what its strategy saw and decided.
    pub strategies: Vec<StrategySummary>,
    /// Per basket (`kind = "basket"`): its names, book, PnL and decisions (absent without
    /// baskets).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub baskets: Vec<BasketSummary>,
    pub positions: Vec<PositionSummary>,
    /// Pairs that end with one leg only.
    pub naked_pairs: usize,
    pub kill_switch: KillReason,
    /// What the normalizer's bad-tick filter did.
    pub bad_ticks: NormalizeCounters,
    /// What dispatch did: orders, fills, risk refusals, legging, reconciliation.
    pub dispatch: DispatchCounters,
    pub fills_log: FillsLog,
    /// The series files and the z-score bands, for `hft report`.
    pub series: SeriesIndex,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub engine: Option<EngineSummary>,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub backtest: Option<BacktestSummary>,
}

impl Summary {
    /// The backtest's own section.
    ///
    /// # Panics
    /// When the engine wrote this summary.
    pub fn backtest(&self) -> &BacktestSummary {
        self.backtest.as_ref().expect("a backtest's summary")
    }

    /// The engine's own section.
    ///
    /// # Panics
    /// When the backtest wrote this summary.
    pub fn engine(&self) -> &EngineSummary {
        self.engine.as_ref().expect("an engine run's summary")
    }
}

/// Realized, unrealized (at the last mid), commissions and net, in USD.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Pnl {
    pub realized: f64,
    pub unrealized: f64,
    pub commissions: f64,
    pub net: f64,
}

impl Pnl {
    /// The PnL of positions marked at `mid` (one per position).
    pub fn of<'a>(legs: impl IntoIterator<Item = (&'a PositionState, f64)>) -> Pnl {
        let mut p = Pnl::default();
        for (l, mid) in legs {
            p.realized += l.realized;
            p.unrealized += l.unrealized(mid);
            p.commissions += l.commissions;
        }
        p.net = p.realized + p.unrealized - p.commissions;
        p
    }
}

/// One pair's book and PnL.
#[derive(Debug, Clone, Serialize)]
pub struct PairSummary {
    pub a: String,
    pub b: String,
    pub position_a: f64,
    pub position_b: f64,
    pub naked_leg: bool,
    pub realized_pnl: f64,
    pub unrealized_pnl: f64,
    pub commissions: f64,
    pub net_pnl: f64,
    /// Backtest only: round trips closed, by stop and by timeout, the fraction of event time
    /// with a position, traded notional in USD.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub trading: Option<PairTrading>,
}

impl PairSummary {
    /// The summary of `book`, its legs marked at `mids` (by instrument).
    pub fn of(a: &str, b: &str, book: &PairBook, mids: &[f64]) -> PairSummary {
        let mid = |k: usize| {
            mids.get(book.instruments[k] as usize)
                .copied()
                .unwrap_or(0.0)
        };
        let pnl = Pnl::of([(&book.legs[0], mid(0)), (&book.legs[1], mid(1))]);
        PairSummary {
            a: a.to_string(),
            b: b.to_string(),
            position_a: book.legs[0].qty,
            position_b: book.legs[1].qty,
            naked_leg: book.is_legged(),
            realized_pnl: pnl.realized,
            unrealized_pnl: pnl.unrealized,
            commissions: pnl.commissions,
            net_pnl: pnl.net,
            trading: None,
        }
    }
}

/// Round trips and exposure of one pair (backtest).
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct PairTrading {
    pub trades: u64,
    pub stops: u64,
    pub timeouts: u64,
    pub time_in_market: f64,
    pub turnover: f64,
}

/// One basket's book (every name as the basket's own orders traded it, marked at the last mids)
/// and what its strategy decided.
#[derive(Debug, Clone, Serialize)]
pub struct BasketSummary {
    /// Its names, in `[[baskets]]` order (every per-name array follows it).
    pub names: Vec<String>,
    /// Shares held per name at the end.
    pub positions: Vec<f64>,
    pub realized_pnl: f64,
    pub unrealized_pnl: f64,
    pub commissions: f64,
    /// Net PnL before commissions.
    pub gross_pnl: f64,
    pub net_pnl: f64,
    /// Quotes of its names the strategy took, and grid rows.
    pub quotes: u64,
    pub grid_rows: u64,
    /// Re-estimations of the factor model: requested (`evaluations`, every `evaluation_secs`
    /// once the window is full) and applied by the strategy (`fits_applied`).
    pub evaluations: u64,
    pub fits_applied: u64,
    /// Rebalance and close intents sent, and outcomes that corrected its beliefs.
    pub intents: u64,
    pub corrected: u64,
    /// The most names with a non-zero position at once, as the strategy held them (targets of
    /// the intents dispatch reported complete).
    pub max_names_held: usize,
    /// Netting across baskets: the shares and notional (at the reference mids) this basket
    /// crossed internally with other baskets in one decision step, and the crosses (orders
    /// saved by netting are `dispatch.net_orders_saved`).
    pub netting: CrossStats,
    /// Backtest only: round trips, time in market, traded notional.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub trading: Option<BasketTrading>,
}

impl BasketSummary {
    /// The summary of `book` marked at `mids` (by instrument), with its strategy's `counters`,
    /// the fits it applied and the most names it held.
    pub fn of(
        names: &[String],
        book: &LegBook,
        mids: &[f64],
        counters: &StrategyCounters,
        fits_applied: u64,
        max_names_held: usize,
    ) -> Self {
        let mid = |i: u16| mids.get(i as usize).copied().unwrap_or(0.0);
        let pnl = Pnl::of(
            book.legs()
                .iter()
                .zip(book.instruments())
                .map(|(l, &i)| (l, mid(i))),
        );
        BasketSummary {
            names: names.to_vec(),
            positions: book.legs().iter().map(|l| l.qty).collect(),
            realized_pnl: pnl.realized,
            unrealized_pnl: pnl.unrealized,
            commissions: pnl.commissions,
            gross_pnl: pnl.net + pnl.commissions,
            net_pnl: pnl.net,
            quotes: counters.quotes,
            grid_rows: counters.grid_rows,
            evaluations: counters.evaluations,
            fits_applied,
            intents: counters.intents,
            corrected: counters.corrected,
            max_names_held,
            netting: CrossStats::default(),
            trading: None,
        }
    }
}

/// Round trips and exposure of one basket (backtest): a trade is a close of a basket that held
/// positions; time in market the fraction of event time between a rebalance that made it hold
/// and the close; turnover the notional its orders traded, in USD.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct BasketTrading {
    pub trades: u64,
    pub time_in_market: f64,
    pub turnover: f64,
}

/// What one pair's strategy saw and decided.
#[derive(Debug, Clone, Serialize)]
pub struct StrategySummary {
    pub a: String,
    pub b: String,
    pub hedge_ratio: Option<f64>,
    pub quotes: u64,
    pub grid_rows: u64,
    pub evaluations: u64,
    pub undefined_statistics: u64,
    pub edge_too_small: u64,
    pub intents: u64,
}

impl StrategySummary {
    /// From a strategy's counters.
    pub fn of(a: &str, b: &str, hedge_ratio: Option<f64>, c: &StrategyCounters) -> Self {
        StrategySummary {
            a: a.to_string(),
            b: b.to_string(),
            hedge_ratio,
            quotes: c.quotes,
            grid_rows: c.grid_rows,
            evaluations: c.evaluations,
            undefined_statistics: c.undefined,
            edge_too_small: c.edge_too_small,
            intents: c.intents,
        }
    }
}

/// One instrument's position.
#[derive(Debug, Clone, Serialize)]
pub struct PositionSummary {
    pub symbol: String,
    pub position: f64,
    pub avg_cost: f64,
    pub realized_pnl: f64,
    pub unrealized_pnl: f64,
    pub commissions: f64,
    pub last_mid: f64,
}

impl PositionSummary {
    /// `p` marked at `mid`.
    pub fn of(symbol: &str, p: &PositionState, mid: f64) -> Self {
        PositionSummary {
            symbol: symbol.to_string(),
            position: p.qty,
            avg_cost: p.avg_cost,
            realized_pnl: p.realized,
            unrealized_pnl: p.unrealized(mid),
            commissions: p.commissions,
            last_mid: mid,
        }
    }
}

/// Executions kept for `fills.csv`, and those beyond `engine.fills_capacity`.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct FillsLog {
    pub logged: usize,
    pub dropped: u64,
}

/// What only the engine reports.
#[derive(Debug, Clone, Serialize)]
pub struct EngineSummary {
    pub duration_secs: f64,
    pub placement: PlacementSummary,
    /// Per histogram: count and percentiles in nanoseconds.
    pub latency: BTreeMap<String, Percentiles>,
    pub counters: EngineCounters,
    /// Sessions lost and re-established, by the io stage.
    pub connectivity: IoCounters,
    pub journal: JournalSummary,
    /// The session was down when the engine stopped.
    pub disconnected: bool,
    /// The last connection problem, if any.
    pub io_error: Option<String>,
    /// Stages whose thread panicked (the run was stopped; their counters are empty).
    pub stages_panicked: Vec<String>,
    /// Every position was flat and no order was working or unsent when dispatch stopped.
    pub ended_flat: bool,
    /// Orders still working, and orders or cancels never sent, when dispatch stopped.
    pub orders_working_at_end: usize,
    pub orders_unsent_at_end: usize,
    /// REQ_GLOBAL_CANCEL sent at shutdown (orders still working past the drain deadline).
    pub global_cancels: u32,
}

/// Where the stages ran and how they waited.
#[derive(Debug, Clone, Serialize)]
pub struct PlacementSummary {
    pub wait: String,
    pub cores: [Option<usize>; 4],
    pub note: String,
}

/// Count and percentiles of one latency histogram, in nanoseconds.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Percentiles {
    pub count: u64,
    pub p50_ns: u64,
    pub p90_ns: u64,
    pub p99_ns: u64,
    pub p99_9_ns: u64,
    pub p99_99_ns: u64,
    pub max_ns: u64,
}

impl Percentiles {
    /// The percentiles of `h` (all 0 when it is empty).
    pub fn of(h: &hdrhistogram::Histogram<u64>) -> Self {
        let p = |q: f64| {
            if h.is_empty() {
                0
            } else {
                h.value_at_percentile(q)
            }
        };
        Percentiles {
            count: h.len(),
            p50_ns: p(50.0),
            p90_ns: p(90.0),
            p99_ns: p(99.0),
            p99_9_ns: p(99.9),
            p99_99_ns: p(99.99),
            max_ns: h.max(),
        }
    }
}

/// The engine's stage counters.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct EngineCounters {
    pub ticks: u64,
    pub frames: u64,
    pub malformed_frames: u64,
    pub skipped_frames: u64,
    pub md_queue_full: u64,
    pub md_dropped: u64,
    pub quote_queue_full: u64,
    /// Quotes replaced in their slot before signal read them (`engine.md_conflate`).
    pub quotes_conflated: u64,
    pub quotes: u64,
    pub signals: u64,
    /// Rows written to `quotes.csv` (`engine.record_quotes`), and tops of book dropped because
    /// the recorder's queue was full (never silently: a dropped row breaks an exact replay).
    pub quotes_recorded: u64,
    pub quotes_record_dropped: u64,
    /// Rows written to `md_events.csv` (`engine.record_events`) and events dropped there.
    pub md_events_recorded: u64,
    pub md_events_record_dropped: u64,
}

/// The journal writer's end state.
#[derive(Debug, Clone, Serialize)]
pub struct JournalSummary {
    pub records: u64,
    pub bytes: u64,
    pub fsyncs: u64,
    pub dropped: u64,
    pub error: Option<String>,
    pub policy: crate::config::FsyncPolicy,
}

/// What only the backtest reports.
#[derive(Debug, Clone, Serialize)]
pub struct BacktestSummary {
    pub rows: RowCounters,
    /// The first malformed rows, by line.
    pub first_errors: Vec<RowError>,
    /// Round trips closed, by pairs and baskets.
    pub trades: u64,
    /// Net PnL before commissions (the net is in `pnl`).
    pub gross_pnl: f64,
    /// Annualized (252 days of 6.5 h) from equity changes sampled on the strategy grid.
    pub sharpe: Option<f64>,
    pub max_drawdown: f64,
    /// Traded notional in USD, of pairs and baskets.
    pub turnover: f64,
    /// Implementation shortfall in USD: what the executions paid against the mid of their
    /// instrument when the intent behind each order was decided (positive: paid away; half the
    /// spread per share for a market order at a steady touch; a resting order that fills late
    /// pays what the market moved meanwhile), before commissions.
    pub shortfall: f64,
    /// Shares executed.
    pub shares_traded: f64,
    /// Mean over pairs and baskets of the fraction of event time with a position.
    pub time_in_market: f64,
}

/// A skipped row of a quote file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RowError {
    pub line: u64,
    pub problem: RowProblem,
}

/// Rows of a quote file: read, accepted as quotes, and skipped by reason.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct RowCounters {
    pub rows: u64,
    pub quotes: u64,
    pub field_count: u64,
    pub bad_timestamp: u64,
    pub bad_number: u64,
    pub unknown_symbol: u64,
    pub time_backwards: u64,
    pub crossed_quote: u64,
}
