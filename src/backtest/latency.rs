//! The backtest's wire: what passes between the engine and the exchange arrives late.
//!
//! Quotes and order events reach the engine `feed_latency` after the exchange saw or produced
//! them; orders and cancels reach the exchange an order latency after the engine decided
//! them (a constant, or a draw from a `.hgrm` latency profile per order). Everything in flight
//! waits in one queue ordered by arrival time, ties in the order sent, so a run is
//! deterministic. With no latency at all the backtest does not use this queue (the engine and
//! the exchange then act at the same instant, as the parity test with the live engine needs).

use crate::config::BacktestParams;
use crate::dispatch::Outbound;
use crate::rundir::HgrmPoint;
use crate::types::{OrderEvent, Quote};
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Something on its way.
#[derive(Debug, Clone, Copy)]
pub(super) enum InFlight {
    /// A quote on its way to the engine.
    Quote(Quote),
    /// An order, cancel or request on its way to the exchange.
    ToExchange(Outbound),
    /// An order event on its way back to the engine.
    ToEngine(OrderEvent),
}

#[derive(Debug, Clone, Copy)]
struct Scheduled {
    at: u64,
    seq: u64,
    item: InFlight,
}

impl PartialEq for Scheduled {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}
impl Eq for Scheduled {}
impl PartialOrd for Scheduled {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Scheduled {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.at, self.seq).cmp(&(other.at, other.seq))
    }
}

/// How long an order takes to reach the exchange.
#[derive(Debug, Clone)]
enum OrderDelay {
    Fixed(u64),
    /// Percentile -> nanoseconds, ascending; each order draws a uniform percentile.
    Profile {
        points: Vec<(f64, u64)>,
        state: u64,
    },
}

/// The wire between the backtest's engine and its exchange.
#[derive(Debug, Clone)]
pub(super) struct Wire {
    feed_ns: u64,
    order: OrderDelay,
    queue: BinaryHeap<Reverse<Scheduled>>,
    seq: u64,
}

impl Wire {
    /// The wire `params` describe, or `None` when nothing is late.
    pub(super) fn new(params: &BacktestParams) -> Option<Self> {
        if params.feed_latency_us == 0.0 && params.order_latency_us == 0.0 {
            return None;
        }
        Some(Wire {
            feed_ns: (params.feed_latency_us * 1e3).round() as u64,
            order: OrderDelay::Fixed((params.order_latency_us * 1e3).round() as u64),
            queue: BinaryHeap::with_capacity(4096),
            seq: 0,
        })
    }

    /// A wire whose order latency is drawn from `profile` (values in microseconds), with the
    /// feed latency of `params`.
    pub(super) fn with_profile(params: &BacktestParams, profile: &[HgrmPoint]) -> Self {
        let mut points: Vec<(f64, u64)> = profile
            .iter()
            .filter(|p| p.value.is_finite() && p.value >= 0.0)
            .map(|p| (p.percentile, (p.value * 1e3).round() as u64))
            .collect();
        points.sort_by(|a, b| a.0.total_cmp(&b.0));
        Wire {
            feed_ns: (params.feed_latency_us * 1e3).round() as u64,
            order: OrderDelay::Profile {
                points,
                state: 0x5eed_1a7e,
            },
            queue: BinaryHeap::with_capacity(4096),
            seq: 0,
        }
    }

    fn push(&mut self, at: u64, item: InFlight) {
        self.seq += 1;
        self.queue.push(Reverse(Scheduled {
            at,
            seq: self.seq,
            item,
        }));
    }

    /// A quote the exchange saw at `t_ns`, on its way to the engine.
    pub(super) fn quote(&mut self, q: Quote, t_ns: u64) {
        self.push(t_ns + self.feed_ns, InFlight::Quote(q));
    }

    /// An order event the exchange produced at `t_ns`, on its way to the engine.
    pub(super) fn send_to_engine(&mut self, e: OrderEvent, t_ns: u64) {
        self.push(t_ns + self.feed_ns, InFlight::ToEngine(e));
    }

    /// Something the engine sent at `t_ns`, on its way to the exchange.
    pub(super) fn send_to_exchange(&mut self, item: Outbound, t_ns: u64) {
        let delay = self.order_delay();
        self.push(t_ns + delay, InFlight::ToExchange(item));
    }

    /// The next thing to arrive at or before `until`, with its arrival time.
    pub(super) fn next_due(&mut self, until: u64) -> Option<(u64, InFlight)> {
        if self.queue.peek().is_none_or(|Reverse(s)| s.at > until) {
            return None;
        }
        self.queue.pop().map(|Reverse(s)| (s.at, s.item))
    }

    fn order_delay(&mut self) -> u64 {
        match &mut self.order {
            OrderDelay::Fixed(ns) => *ns,
            OrderDelay::Profile { points, state } => {
                // splitmix64: one uniform draw per order, the same sequence every run.
                *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
                let mut z = *state;
                z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
                z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
                z ^= z >> 31;
                let u = (z >> 11) as f64 / (1u64 << 53) as f64;
                points
                    .iter()
                    .find(|(pct, _)| *pct >= u)
                    .or(points.last())
                    .map_or(0, |(_, ns)| *ns)
            }
        }
    }
}

impl super::Backtest {
    /// Row `q` with latency: what was in flight arrives first (in time order), then the
    /// exchange sees the row now and the engine sees it a feed latency later.
    pub(super) fn on_quote_late(&mut self, q: &Quote) {
        let now = q.t_ns;
        self.run_until(now);
        self.exchange_quote(q);
        self.events_to_engine(now);
        if let Some(w) = self.wire.as_mut() {
            w.quote(*q, now);
        }
    }

    /// Everything in flight that arrives at or before `until`, each at its arrival time.
    pub(super) fn run_until(&mut self, until: u64) {
        while let Some((at, item)) = self.wire.as_mut().and_then(|w| w.next_due(until)) {
            match item {
                InFlight::Quote(q) => self.engine_quote(&q, at),
                InFlight::ToExchange(out) => {
                    self.venue
                        .carry_out(&out, at, &mut self.events, &mut self.traded);
                    self.events_to_engine(at);
                }
                InFlight::ToEngine(e) => {
                    let msg = crate::types::Stamped {
                        value: e,
                        t_recv_ns: at,
                        t_enq_ns: at,
                    };
                    self.dispatcher.on_order_event(&msg, at);
                    self.carry_out(at);
                }
            }
        }
    }

    /// The exchange's answers in `events`, produced at `t_ns`, start their way to the engine.
    fn events_to_engine(&mut self, t_ns: u64) {
        self.book_traded();
        if let Some(w) = self.wire.as_mut() {
            for &e in &self.events {
                w.send_to_engine(e, t_ns);
            }
        }
        self.events.clear();
    }

    /// The dispatcher's outbox at `now`: orders, cancels and requests start their way to the
    /// exchange; outcomes go to the strategies at once (they are in the same process live).
    pub(super) fn send_late(&mut self, now: u64) {
        self.dispatcher.outbox().swap_into(&mut self.batch);
        for k in 0..self.batch.len() {
            let item = self.batch[k];
            match item {
                Outbound::Place(p) => self.log_order(&p, now),
                Outbound::Outcome(o) => self.router.on_outcome(&o),
                _ => {}
            }
            if matches!(
                item,
                Outbound::Place(_) | Outbound::Cancel { .. } | Outbound::Control(_)
            ) && let Some(w) = self.wire.as_mut()
            {
                w.send_to_exchange(item, now);
            }
        }
        self.batch.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrivals_come_in_time_order_ties_in_the_order_sent() {
        let params = BacktestParams {
            feed_latency_us: 10.0,
            order_latency_us: 5.0,
            ..BacktestParams::default()
        };
        let mut w = Wire::new(&params).unwrap();
        let e = OrderEvent::End(crate::types::EndKind::Executions);
        w.send_to_engine(e, 1_000); // arrives at 11_000
        w.send_to_exchange(Outbound::Cancel { order_id: 1 }, 6_000); // 11_000, sent later
        w.send_to_exchange(Outbound::Cancel { order_id: 2 }, 0); // 5_000
        assert!(w.next_due(4_999).is_none());
        assert!(matches!(
            w.next_due(u64::MAX),
            Some((
                5_000,
                InFlight::ToExchange(Outbound::Cancel { order_id: 2 })
            ))
        ));
        assert!(matches!(
            w.next_due(11_000),
            Some((11_000, InFlight::ToEngine(_)))
        ));
        assert!(matches!(
            w.next_due(11_000),
            Some((11_000, InFlight::ToExchange(_)))
        ));
        assert!(w.next_due(u64::MAX).is_none());
    }

    #[test]
    fn a_profile_draws_its_distribution_the_same_every_run() {
        let profile = [(0.5, 100.0), (0.9, 200.0), (1.0, 1_000.0)].map(|(p, v)| HgrmPoint {
            value: v,
            percentile: p,
            total_count: 0,
        });
        let params = BacktestParams::default();
        let draws = |n: usize| {
            let mut w = Wire::with_profile(&params, &profile);
            (0..n).map(|_| w.order_delay()).collect::<Vec<_>>()
        };
        let d = draws(10_000);
        assert_eq!(d, draws(10_000), "deterministic");
        let at = |ns: u64| d.iter().filter(|&&x| x == ns).count() as f64 / d.len() as f64;
        assert!((at(100_000) - 0.5).abs() < 0.02, "{}", at(100_000));
        assert!((at(200_000) - 0.4).abs() < 0.02);
        assert!((at(1_000_000) - 0.1).abs() < 0.02);
    }
}
