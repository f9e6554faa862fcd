//! Stage 3, signal: the pair strategies (the same code as `hft backtest`) over normalized quotes,
//! emitting order intents for dispatch.

use crate::latency::{self, now_ns};
use crate::record::FixedLog;
use crate::runtime::Waiter;
use crate::strategy::{GridSample, PairStrategy, StrategyCounters};
use crate::types::{IntentMsg, OrderIntent, Quote, QuoteMsg};
use hdrhistogram::Histogram;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

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

    /// Each pair's recorded grid rows, in pair order (the router is spent).
    pub fn into_series(self) -> Vec<FixedLog<GridSample>> {
        self.series
    }
}

/// What the signal thread returns.
pub struct SignalReport {
    pub queue_wait: Histogram<u64>,
    pub service: Histogram<u64>,
    pub quotes: u64,
    pub intents: u64,
    pub strategies: Vec<StrategyCounters>,
    pub hedge_ratios: Vec<Option<f64>>,
    /// Each pair's grid rows ([`PairRouter::with_series`]), in pair order.
    pub series: Vec<FixedLog<GridSample>>,
}

/// The signal thread.
pub struct SignalStage {
    pub rx: rtrb::Consumer<QuoteMsg>,
    pub tx: rtrb::Producer<IntentMsg>,
    pub router: PairRouter,
    pub waiter: Waiter,
    /// Set by normalize when it has stopped: drain, then stop.
    pub upstream_done: Arc<AtomicBool>,
}

impl SignalStage {
    /// Runs until upstream is done and the queue is empty.
    pub fn run(mut self) -> SignalReport {
        let (mut queue_wait, mut service) = (latency::histogram(), latency::histogram());
        let (mut quotes, mut intents) = (0u64, 0u64);
        loop {
            match self.rx.pop() {
                Ok(msg) => {
                    self.waiter.reset();
                    let start = now_ns();
                    latency::record(&mut queue_wait, start.saturating_sub(msg.t_enq_ns));
                    quotes += 1;
                    let tx = &mut self.tx;
                    self.router.on_quote(&msg.value, |intent| {
                        intents += 1;
                        let mut m = IntentMsg {
                            value: intent,
                            t_recv_ns: msg.t_recv_ns,
                            t_enq_ns: now_ns(),
                        };
                        // Intents are never dropped.
                        while let Err(rtrb::PushError::Full(back)) = tx.push(m) {
                            m = back;
                            if tx.is_abandoned() {
                                break;
                            }
                            std::hint::spin_loop();
                        }
                    });
                    latency::record(&mut service, now_ns().saturating_sub(start));
                }
                Err(_) => {
                    if self.upstream_done.load(Ordering::Acquire) && self.rx.is_empty() {
                        break;
                    }
                    self.waiter.idle();
                }
            }
        }
        SignalReport {
            queue_wait,
            service,
            quotes,
            intents,
            strategies: self.router.pairs.iter().map(|p| p.counters()).collect(),
            hedge_ratios: self.router.pairs.iter().map(|p| p.hedge_ratio()).collect(),
            series: self.router.into_series(),
        }
    }
}
