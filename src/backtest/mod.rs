//! `hft backtest`: the live engine's code over a recorded quote file, in-process and
//! deterministic. Each row goes where a tick goes in the engine, with the event time as the
//! clock:
//!
//! ```text
//!  row ──> exchange book (working orders fill)           the gateway's book, matcher and ledger
//!   └────> Normalizer (bad-tick filter) ──> PairRouter (the strategies) ──> Dispatcher
//!          (risk, pair targets, tickets, rate limiter) ──> outbox ──> exchange ──> order events
//! ```
//!
//! So bad ticks, risk refusals, pair targets, leg re-sends and partial fills behave as they do
//! live (the parity test in `tests/engine.rs` checks the order sequence against the engine on
//! the paper gateway). Market orders take the opposite touch and deeper levels; what the book
//! cannot fill rests and fills on later quotes ([`crate::exchange::Matcher`]). Outputs:
//! `orders.csv`, `fills.csv` (the engine's format), `summary.json` and each pair's grid rows in
//! `series/<A>-<B>.csv`, which `hft report` charts; the same input and parameters give
//! byte-identical files.

mod input;
mod intent_mids;
mod latency;
mod order_index;
mod orders_log;
mod shared_signal;
mod summary;
mod venue;

use crate::config::EngineParams;
use crate::dispatch::{Dispatcher, DispatcherSetup, Outbound};
use crate::instruments::Instruments;
use crate::normalize::{FeedState, Normalizer};
use crate::rundir::{
    BacktestSummary, BasketSummary, FillsLog, PairSummary, PairTrading, Pnl, PositionSummary,
    QuoteScanner, RowCounters, RowError, RunMode, StrategySummary, Summary, SymbolKeys, cents,
};
use crate::rundir::{SeriesEntry, SeriesIndex};
use crate::signal::{BasketRouter, PairRouter};
use crate::strategy::{FilterLevels, PairStrategy, ZScoreBands};
use crate::types::{CloseReason, IntentKind, OrderEvent, OrderIntent, Quote, Stamped};
use std::sync::Arc;
use summary::{PairStats, basket_summary, risk_stats, round_pnl, round6};
use venue::{Traded, Venue};

pub use summary::{BacktestOutput, write_outputs};

/// The first malformed rows are kept with their line numbers; the rest are only counted.
const KEPT_ERRORS: usize = 100;

/// A backtest in progress.
pub struct Backtest {
    strategy_name: String,
    instruments: Instruments,
    keys: SymbolKeys,
    scanner: QuoteScanner,
    normalizer: Normalizer,
    feed: Arc<FeedState>,
    router: PairRouter,
    dispatcher: Dispatcher,
    venue: Venue,
    zscore_bands: Option<ZScoreBands>,
    filter_levels: Option<FilterLevels>,
    stats: Vec<PairStats>,
    mids: Vec<f64>,
    /// Scratch, allocated once: the outbox batch, the venue's answers, the pairs that traded,
    /// the intents of one quote.
    batch: Vec<Outbound>,
    events: Vec<OrderEvent>,
    traded: Vec<Traded>,
    intents: Vec<OrderIntent>,
    /// `orders.csv`, written after the loop.
    order_lines: Vec<orders_log::OrderLine>,
    /// Instrument of each symbol id of the columns being run (`None`: not traded).
    column_instruments: Vec<Option<u16>>,
    seq: u64,
    first_ns: Option<u64>,
    last_ns: u64,
    counters: RowCounters,
    errors: Vec<RowError>,
    sample_every_ns: u64,
    next_sample_ns: u64,
    equity: Vec<f64>,
    /// The trade printed with the row being processed (taken by the exchange's book).
    row_trade: Option<crate::exchange::Trade>,
    /// Latency between the engine and the exchange (`None`: they act at the same instant).
    wire: Option<latency::Wire>,
    /// By order id: the mid of its instrument when its intent was decided.
    decision_mids: Vec<f64>,
    /// By intent sequence number: the mids of its legs' instruments when it was decided.
    intent_mids: intent_mids::IntentMids,
    /// What executions paid against those mids (USD), and their shares.
    shortfall: f64,
    shares_traded: f64,
}

impl Backtest {
    /// A backtest of `params`' pairs, strategy, normalizer and risk limits.
    pub fn new(params: &EngineParams) -> Self {
        let instruments = Instruments::of(params);
        let n = instruments.len();
        let pairs = PairStrategy::for_pairs(params, &instruments);
        let feed = Arc::new(FeedState::new(n));
        let dispatcher = Dispatcher::new(
            DispatcherSetup {
                symbols: instruments.symbols().to_vec(),
                pairs: instruments.pair_legs(&params.pairs),
                baskets: instruments.basket_legs(&params.baskets),
                account: String::new(),
                client_id: 0,
                next_order_id: 1,
                risk: params.risk,
                wall_offset_ns: 0,
                fills_capacity: params.engine.fills_capacity,
                requests_sent: 0,
                feed: feed.clone(),
                execution: params.execution,
                policies: params.pair_policies(),
                leaders: params.pair_leaders(),
            },
            None,
            0,
        );
        let mut bt = Backtest {
            strategy_name: format!("{:?}", params.strategy.kind).to_lowercase(),
            keys: SymbolKeys::new(instruments.symbols()),
            scanner: QuoteScanner::default(),
            normalizer: Normalizer::new(n, params.normalize),
            feed,
            // Pairs, then baskets (dispatch's slots).
            stats: vec![PairStats::default(); params.slots()],
            router: PairRouter::with_series(pairs, n, params.engine.series_capacity)
                .with_models(&params.strategy)
                .with_baskets(BasketRouter::new(
                    &instruments.basket_legs(&params.baskets),
                    params.pairs.len(),
                    n,
                    &params.strategy,
                    params.engine.series_capacity,
                )),
            dispatcher,
            venue: Venue::new(
                n,
                params.costs.book_levels,
                params.costs.commission_per_share,
                params.costs.commission_min,
            ),
            zscore_bands: ZScoreBands::of(&params.strategy),
            filter_levels: FilterLevels::of(&params.strategy),
            mids: vec![0.0; n],
            batch: Vec::with_capacity(1024),
            events: Vec::with_capacity(1024),
            traded: Vec::with_capacity(64),
            intents: Vec::with_capacity(16),
            order_lines: Vec::with_capacity(1 << 12),
            column_instruments: Vec::new(),
            seq: 0,
            first_ns: None,
            last_ns: 0,
            counters: RowCounters::default(),
            errors: Vec::new(),
            sample_every_ns: (params.strategy.grid_secs * 1e9) as u64,
            next_sample_ns: 0,
            equity: Vec::new(),
            row_trade: None,
            wire: latency::Wire::new(&params.backtest),
            decision_mids: Vec::with_capacity(1 << 12),
            intent_mids: intent_mids::IntentMids::with_capacity(1 << 13),
            shortfall: 0.0,
            shares_traded: 0.0,
            instruments,
        };
        // The exchange answers the start-up reconciliation at once: trading from the first row.
        bt.dispatcher.start(0);
        bt.carry_out(0);
        bt
    }

    /// Draws each order's latency to the exchange from `profile` (a `.hgrm` of microseconds,
    /// e.g. a live run's `latency/end_to_end.hgrm`), with the feed latency of `params`.
    pub fn use_latency_profile(
        &mut self,
        params: &crate::config::BacktestParams,
        profile: &[crate::rundir::HgrmPoint],
    ) {
        self.wire = Some(latency::Wire::with_profile(params, profile));
    }

    /// Tilts each basket's rules by its value tilt (`pairs::valuation::basket_value_tilts`).
    pub fn use_value_tilts(
        &mut self,
        tilts: Vec<Option<crate::strategy::basket_value::ValueTilt>>,
    ) {
        let baskets = std::mem::take(&mut self.router.baskets);
        self.router.baskets = baskets.with_value_tilts(tilts);
    }

    /// Symbols in instrument-index order.
    pub fn symbols(&self) -> &[String] {
        self.instruments.symbols()
    }

    /// Processes one recorded top of book already in memory (not yet normalized): the
    /// exchange's book, the normalizer, the strategies, the dispatcher and what it sends. This
    /// is the loop the benchmark measures.
    #[inline]
    pub fn on_quote(&mut self, q: &Quote) {
        self.counters.quotes += 1;
        let now = q.t_ns;
        self.first_ns.get_or_insert(now);
        self.last_ns = now;
        if self.wire.is_some() {
            return self.on_quote_late(q);
        }
        // The exchange sees every row, as the gateway does; working orders try again.
        self.exchange_quote(q);
        if !self.events.is_empty() {
            self.deliver(now);
        }
        self.engine_quote(q, now);
    }

    /// The exchange's book takes row `q` (and the row's trade, first: queues at its price move
    /// and resting orders fill); working orders try again (their events wait in `events`).
    #[inline]
    fn exchange_quote(&mut self, q: &Quote) {
        // Field by field, as `Quote::fields` explains (a whole copy stalls store forwarding).
        let trade = self.row_trade.as_ref().map(|t| crate::exchange::Trade {
            price: t.price,
            size: t.size,
        });
        self.row_trade = None;
        let top = crate::exchange::BookTop {
            bid: cents(q.bid),
            ask: cents(q.ask),
            bid_size: q.bid_size as u32,
            ask_size: q.ask_size as u32,
        };
        self.venue.on_quote(
            q.instrument,
            top,
            trade,
            q.t_ns,
            &mut self.events,
            &mut self.traded,
        );
    }

    /// The engine's path at `now`: the row is the tick-by-tick BidAsk the gateway would send.
    #[inline]
    fn engine_quote(&mut self, q: &Quote, now: u64) {
        let i = q.instrument as usize;
        if let Some(quote) = self.normalizer.on_top(q, &self.feed, now) {
            self.mids[i] = quote.mid();
            let intents = &mut self.intents;
            self.router.on_quote(&quote, |intent| intents.push(intent));
            for k in 0..self.intents.len() {
                let intent = self.intents[k];
                self.dispatch_intent(&intent, now);
            }
            self.intents.clear();
        }
        if self.dispatcher.poll(now) || !self.dispatcher.outbox().is_empty() {
            self.carry_out(now);
        }
        if now >= self.next_sample_ns {
            self.sample_equity();
            let step = self.sample_every_ns.max(1);
            self.next_sample_ns = now - now % step + step;
        }
    }

    /// Hands an intent to the dispatcher; tracks round trips and time in market by what the
    /// pair will hold once its orders complete.
    fn dispatch_intent(&mut self, intent: &OrderIntent, now: u64) {
        if intent.kind.is_step_marker() {
            return self.dispatch_step_marker(intent, now);
        }
        let p = intent.pair as usize;
        let held_before = self.dispatcher.slot_target(intent.pair).is_some_and(held);
        let msg = Stamped {
            value: *intent,
            t_recv_ns: now,
            t_enq_ns: now,
        };
        self.stats[p].last_intent = Some((intent.seq, intent.kind));
        // One entry per sequence number: a basket's rebalance sent in parts adds each part's
        // names (two baskets deciding on one quote share its mids).
        for l in intent.legs.iter() {
            let mid = self.mids[l.instrument as usize];
            self.intent_mids.insert(intent.seq, l.instrument, mid);
        }
        self.dispatcher.on_intent(&msg, now);
        self.carry_out(now);
        let held_after = self.dispatcher.slot_target(intent.pair).is_some_and(held);
        let st = &mut self.stats[p];
        match intent.kind {
            IntentKind::Open(_) | IntentKind::Rebalance if !held_before && held_after => {
                st.open_since_ns = Some(now)
            }
            IntentKind::Close(reason) if held_before => {
                if let Some(since) = st.open_since_ns.take() {
                    st.in_market_ns += now - since;
                }
                st.trades += 1;
                match reason {
                    CloseReason::Stop => st.stops += 1,
                    CloseReason::Timeout => st.timeouts += 1,
                    CloseReason::Exit => {}
                }
            }
            _ => {}
        }
    }

    /// Carries out the dispatcher's outbox against the exchange until nothing more comes back.
    #[inline]
    fn carry_out(&mut self, now: u64) {
        if self.dispatcher.outbox().is_empty() {
            return;
        }
        if self.wire.is_some() {
            return self.send_late(now);
        }
        loop {
            self.dispatcher.outbox().swap_into(&mut self.batch);
            if self.batch.is_empty() {
                return;
            }
            for k in 0..self.batch.len() {
                let item = self.batch[k];
                match item {
                    Outbound::Place(p) => self.log_order(&p, now),
                    Outbound::Outcome(o) => self.router.on_outcome(&o),
                    _ => {}
                }
                self.venue
                    .carry_out(&item, now, &mut self.events, &mut self.traded);
            }
            self.batch.clear();
            self.deliver(now);
        }
    }

    /// The exchange's answers into the dispatcher, in order.
    #[inline]
    fn deliver(&mut self, now: u64) {
        if self.events.is_empty() {
            return;
        }
        self.book_traded();
        for k in 0..self.events.len() {
            let msg = Stamped {
                value: self.events[k],
                t_recv_ns: now,
                t_enq_ns: now,
            };
            self.dispatcher.on_order_event(&msg, now);
        }
        self.events.clear();
        // What the dispatcher decided on those answers (re-sends, unwinds) goes out too.
        if !self.dispatcher.outbox().is_empty() {
            self.carry_out(now);
        }
    }

    /// The exchange's executions: turnover per pair, and what each paid against the mid the
    /// engine saw when it wrote the order (positive: paid away).
    fn book_traded(&mut self) {
        for k in 0..self.traded.len() {
            let t = self.traded[k];
            if let Some(st) = self.stats.get_mut(t.pair as usize) {
                st.traded_notional += t.qty * t.price;
            }
            let mid = usize::try_from(t.order_id)
                .ok()
                .and_then(|i| self.decision_mids.get(i))
                .copied()
                .unwrap_or(0.0);
            if mid > 0.0 {
                let paid = if t.buy { t.price - mid } else { mid - t.price };
                self.shortfall += paid * t.qty;
                self.shares_traded += t.qty;
            }
        }
        self.traded.clear();
    }

    /// Final marks, summary and the output files' bytes.
    pub fn finish(self) -> BacktestOutput {
        self.finish_with(true)
    }

    /// Final marks and the summary only (what a sweep keeps): no output file is formatted.
    pub fn finish_summary(self) -> Summary {
        self.finish_with(false).summary
    }

    /// Final marks and summary; the output files' bytes when `files`, else they stay empty.
    fn finish_with(mut self, files: bool) -> BacktestOutput {
        // What is still in flight arrives (no new rows: the exchange's book stays as it is).
        self.run_until(u64::MAX);
        self.sample_equity();
        let span = self.first_ns.map_or(0, |f| self.last_ns - f).max(1) as f64;
        let symbols = self.instruments.symbols().to_vec();
        let end_ns = self.last_ns;
        let mut pairs = Vec::with_capacity(self.stats.len());
        let mut strategies = Vec::with_capacity(self.stats.len());
        let (mut trades, mut turnover, mut tim) = (0, 0.0, 0.0);
        for (p, book) in self.dispatcher.pair_books().enumerate() {
            let st = &mut self.stats[p];
            if let Some(since) = st.open_since_ns.take() {
                st.in_market_ns += end_ns - since;
            }
            let s = &self.router.pairs[p];
            let (a, b) = s.instruments();
            let (a, b) = (&symbols[a as usize], &symbols[b as usize]);
            let mut summary = PairSummary::of(a, b, &book, &self.mids);
            round_pnl(&mut summary);
            let trading = PairTrading {
                trades: st.trades,
                stops: st.stops,
                timeouts: st.timeouts,
                time_in_market: round6(st.in_market_ns as f64 / span),
                turnover: round6(st.traded_notional),
            };
            summary.trading = Some(trading);
            trades += st.trades;
            turnover += st.traded_notional;
            tim += trading.time_in_market;
            pairs.push(summary);
            strategies.push(StrategySummary::of(
                a,
                b,
                s.hedge_ratio().map(round6),
                &s.counters(),
            ));
        }
        let (sharpe, max_drawdown) = risk_stats(&self.equity, self.sample_every_ns);
        let mut series = SeriesIndex {
            zscore_bands: self.zscore_bands,
            filter_levels: self.filter_levels,
            pairs: Vec::with_capacity(pairs.len()),
        };
        let mut series_csv = Vec::with_capacity(pairs.len());
        let baskets = std::mem::take(&mut self.router.baskets);
        let n_pairs = pairs.len();
        let basket_names: Vec<Vec<String>> = baskets
            .baskets
            .iter()
            .map(|b| {
                b.instruments()
                    .map(|i| symbols[i as usize].clone())
                    .collect()
            })
            .collect();
        let basket_summaries: Vec<BasketSummary> = self
            .dispatcher
            .basket_books()
            .zip(baskets.reports())
            .zip(&basket_names)
            .enumerate()
            .map(|(b, ((book, report), names))| {
                let st = &mut self.stats[n_pairs + b];
                let mut s = basket_summary(names, book, &self.mids, &report, st, end_ns, span);
                s.netting = self.dispatcher.basket_crosses()[b];
                s
            })
            .collect();
        // The run's totals count baskets as they count pairs.
        for t in basket_summaries.iter().filter_map(|b| b.trading) {
            trades += t.trades;
            turnover += t.turnover;
            tim += t.time_in_market;
        }
        for (b, (names, log)) in basket_names.iter().zip(baskets.into_series()).enumerate() {
            if files {
                series_csv.push((
                    crate::rundir::basket_series_file(b),
                    crate::rundir::basket_series_csv(names, log.as_slice()),
                ));
            }
        }
        let legs: Vec<(u16, u16)> = self.router.pairs.iter().map(|s| s.instruments()).collect();
        for ((a, b), log) in legs.into_iter().zip(self.router.into_series()) {
            let (a, b) = (&symbols[a as usize], &symbols[b as usize]);
            let file = crate::rundir::series_file(a, b);
            if files {
                series_csv.push((file.clone(), crate::rundir::series_csv(log.as_slice())));
            }
            series.pairs.push(SeriesEntry {
                a: a.clone(),
                b: b.clone(),
                file,
                rows: log.len() as u64,
                dropped_rows: log.dropped(),
            });
        }
        let bad_ticks = self.normalizer.counters();
        let end = self.dispatcher.finish();
        let positions = end
            .positions
            .iter()
            .enumerate()
            .map(|(i, p)| PositionSummary::of(&symbols[i], p, self.mids[i]))
            .collect();
        let mut pnl = Pnl::of(end.positions.iter().zip(self.mids.iter().copied()));
        pnl.commissions += end.unattributed_commissions;
        pnl.net -= end.unattributed_commissions;
        let pnl = Pnl {
            realized: round6(pnl.realized),
            unrealized: round6(pnl.unrealized),
            commissions: round6(pnl.commissions),
            net: round6(pnl.net),
        };
        let c = end.counters;
        let slots = n_pairs + basket_summaries.len();
        let summary = Summary {
            mode: RunMode::Backtest,
            strategy: self.strategy_name.clone(),
            orders: c.orders_sent,
            fills: c.fills,
            pnl,
            naked_pairs: end.pair_books.iter().filter(|b| b.is_legged()).count(),
            pairs,
            strategies,
            baskets: basket_summaries,
            positions,
            kill_switch: end.kill_reason,
            bad_ticks,
            dispatch: c,
            fills_log: FillsLog {
                logged: end.fills.len(),
                dropped: end.fills.dropped(),
            },
            series,
            engine: None,
            backtest: Some(BacktestSummary {
                rows: self.counters,
                first_errors: self.errors.clone(),
                trades,
                gross_pnl: round6(pnl.net + pnl.commissions),
                sharpe: sharpe.map(round6),
                max_drawdown: round6(max_drawdown),
                turnover: round6(turnover),
                shortfall: round6(self.shortfall),
                shares_traded: self.shares_traded,
                time_in_market: round6(if slots == 0 { 0.0 } else { tim / slots as f64 }),
            }),
        };
        BacktestOutput {
            summary,
            orders_csv: if files {
                orders_log::orders_csv(&self.order_lines, &symbols)
            } else {
                Vec::new()
            },
            fills_csv: if files {
                crate::rundir::fills_csv(end.fills.as_slice(), &symbols, 0)
            } else {
                Vec::new()
            },
            series_csv,
        }
    }
}

/// True when a slot's target holds shares on any leg.
fn held(target: &[f64]) -> bool {
    target.iter().any(|q| q.abs() > 1e-9)
}
