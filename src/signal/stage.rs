//! The signal thread: quotes in, each pair's strategy, intents out (never dropped).

use super::PairRouter;
use super::model::RefitWindows;
use crate::latency::{self, now_ns};
use crate::metrics::EngineMetrics;
use crate::record::FixedLog;
use crate::runtime::{Cadence, LinkRx, Step, Waiter, Waker, consume, push_waiting};
use crate::strategy::basket::BasketSample;
use crate::strategy::{GridSample, StrategyCounters};
use crate::types::{IntentMsg, IntentOutcome, QuoteMsg};
use hdrhistogram::Histogram;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

/// What the signal thread returns.
pub struct SignalReport {
    pub queue_wait: Histogram<u64>,
    pub service: Histogram<u64>,
    /// Socket read of every quote's tick to the strategy's decision on it, whether it traded
    /// or not.
    pub tick_to_decision: Histogram<u64>,
    /// With a model thread: the service time of each quote, split by whether it overlapped a
    /// fit on that thread (`signal.service_during_refit`) or not (`signal.service_idle`);
    /// empty without one.
    pub service_during_refit: Histogram<u64>,
    pub service_idle: Histogram<u64>,
    pub quotes: u64,
    pub intents: u64,
    pub strategies: Vec<StrategyCounters>,
    pub hedge_ratios: Vec<Option<f64>>,
    /// Each pair's grid rows ([`PairRouter::with_series`]), in pair order.
    pub series: Vec<FixedLog<GridSample>>,
    /// Each basket's chart rows (one per fit), in basket order.
    pub basket_series: Vec<FixedLog<BasketSample>>,
    /// What each basket's strategy and fit did, in basket order.
    pub baskets: Vec<super::BasketReport>,
}

/// The signal thread.
pub struct SignalStage {
    /// From normalize: a FIFO or conflating slots (`engine.md_conflate`).
    pub rx: LinkRx<QuoteMsg>,
    pub tx: rtrb::Producer<IntentMsg>,
    /// What became of the intents, from dispatch: read before each quote.
    pub outcomes: rtrb::Consumer<IntentOutcome>,
    pub router: PairRouter,
    pub waiter: Waiter,
    /// Rung after each push: dispatch's doorbell (a no-op unless it blocks).
    pub waker: Waker,
    /// Set by normalize when it has stopped: drain, then stop.
    pub upstream_done: Arc<AtomicBool>,
    /// Where its counters and latency are published for the operators, and how often.
    pub metrics: Arc<EngineMetrics>,
    pub cadence: Cadence,
}

impl SignalStage {
    /// Runs until upstream is done and the queue is empty.
    pub fn run(mut self) -> SignalReport {
        let (mut quotes, mut intents) = (0u64, 0u64);
        let (router, tx, outcomes, waker) = (
            &mut self.router,
            &mut self.tx,
            &mut self.outcomes,
            &self.waker,
        );
        let cells = &self.metrics.signal;
        let mut tick_to_decision = latency::histogram();
        let windows = router.refit_windows();
        let (mut during_refit, mut idle) = (latency::histogram(), latency::histogram());
        let l = consume(
            &mut self.rx,
            &mut self.waiter,
            &self.upstream_done,
            &mut self.cadence,
            |m| m.t_enq_ns,
            |step| match step {
                Step::Item(msg, _) => {
                    // Stamped only with a model thread: the quote's service time against the
                    // thread's fitting windows.
                    let stamped = windows.as_ref().map(|w| (w.stamp(), now_ns()));
                    quotes += 1;
                    while let Ok(o) = outcomes.pop() {
                        router.on_outcome(&o);
                    }
                    let mut decided = None;
                    router.on_quote(&msg.value, |intent| {
                        intents += u64::from(!intent.kind.is_step_marker());
                        // The decision's stamp is the intent's enqueue time.
                        let t = *decided.get_or_insert_with(now_ns);
                        let m = IntentMsg {
                            value: intent,
                            t_recv_ns: msg.t_recv_ns,
                            t_enq_ns: t,
                        };
                        push_waiting(tx, m, waker);
                    });
                    let decided = decided.unwrap_or_else(now_ns);
                    latency::record(&mut tick_to_decision, decided.saturating_sub(msg.t_recv_ns));
                    if let (Some(w), Some((before, start))) = (&windows, stamped) {
                        let (end, after) = (now_ns(), w.stamp());
                        let h = if RefitWindows::overlapped(before, after) {
                            &mut during_refit
                        } else {
                            &mut idle
                        };
                        latency::record(h, end.saturating_sub(start));
                    }
                }
                Step::Publish(l, depth) => {
                    cells.quotes.set(quotes);
                    cells.intents.set(intents);
                    cells.queue_depth.set(depth as u64);
                    cells.queue_wait.publish(&l.queue_wait);
                    cells.service.publish(&l.service);
                    cells.tick_to_decision.publish(&tick_to_decision);
                }
            },
        );
        SignalReport {
            queue_wait: l.queue_wait,
            service: l.service,
            tick_to_decision,
            service_during_refit: during_refit,
            service_idle: idle,
            quotes,
            intents,
            strategies: self.router.pairs.iter().map(|p| p.counters()).collect(),
            hedge_ratios: self.router.pairs.iter().map(|p| p.hedge_ratio()).collect(),
            baskets: self.router.baskets.reports(),
            basket_series: std::mem::take(&mut self.router.baskets).into_series(),
            series: self.router.into_series(),
        }
    }
}
