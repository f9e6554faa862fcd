//! Execution policies: how the orders of a pair trade are priced (`[execution]` in params).
//!
//! Every policy runs through the same tickets, targets, risk checks, limiter, journal and
//! reconciliation; a policy only decides, when an order is written, whether it is a market
//! order or a limit at some price, and (for `passive`) when each leg is submitted.
//!
//! - `market`: market orders.
//! - `marketable_limit`: LMT IOC at the touch plus `collar_ticks` (a buy pays at most the ask
//!   plus the collar). The unfilled rest of an IOC ends its order short; the ticket re-sends
//!   what the leg lacks, as another marketable limit at the touch of that moment while the
//!   ticket has re-sent at most `reprices` times (`rest = "reprice"`), then at market
//!   (`rest = "cross"`: at market at once). The ticket's retry budget is `risk.leg_retries`
//!   plus those re-prices, so a leg always gets its market attempts.
//! - `passive`: one leg (`passive_leg`) rests as a DAY limit at its own touch or the mid; the
//!   other leg is not sent until the resting leg fills, then it is hedged at market for what
//!   the resting leg filled times the intent's ratio (pro rata, rounded to shares: the hedge
//!   ratio of the decision). Every watchdog period (50 ms) the resting order is looked at: once
//!   its side's touch moved `reprice_ticks` away from its price it is cancelled and what it
//!   lacks rests again at the new touch (a cancel and a new order: a new price loses queue
//!   priority anyway); after `give_up_ms` it is cancelled and what both legs lack then goes at
//!   market, as a legged ticket's re-send does. With `passive_price = "midprice"` or
//!   `"peg_mid"` the resting order is IB's MIDPRICE or PEG MID (offset 0) capped at the far
//!   touch it saw: the venue keeps it at the midpoint (or the near touch), and the re-price rule
//!   applies to the cap (the market ran `reprice_ticks` past it).
//! - `adaptive`: IB's Adaptive algo (`adaptive_priority`) as a market order on both legs; a
//!   leg not filled by `risk.leg_timeout_ms` is cancelled and what it lacks is re-sent at
//!   market (the ticket's retry budget is `risk.leg_retries` plus that one algo attempt).
//!
//! Reducing trades the engine decides itself (unwinds of a legged trade, flattens) are always
//! market orders: getting out never waits for a price. The strategy's closes follow the pair's
//! policy. Prices are in cents on a one-cent tick (US stocks above one dollar).

use super::combo::ComboKind;
use super::tickets::Ticket;
use super::{Dispatcher, OrderSlot, PendingOrder};
use crate::config::{AdaptivePriority, PassiveLeg, PassivePrice, Policy, RestRule};
use crate::exchange::Peg;
use crate::types::Side;

/// How an order is priced on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderKind {
    Market,
    /// A limit at `price` cents; `ioc`: immediate or cancel (else DAY).
    Limit {
        price: i64,
        ioc: bool,
    },
    /// IB's Adaptive algo on a market order (algoStrategy `Adaptive`, adaptivePriority).
    Adaptive {
        priority: AdaptivePriority,
    },
    /// IB's MIDPRICE, DAY, capped at `cap` cents (its lmtPrice).
    MidPrice {
        cap: i64,
    },
    /// IB's PEG MID with offset 0, DAY, capped at `cap` cents (its lmtPrice).
    PegMid {
        cap: i64,
    },
    /// A BAG order for both legs of a pair (`combo.rs`): the order's instrument, side and
    /// quantity are leg A's.
    Combo(ComboKind),
}

impl OrderKind {
    /// The lmtPrice in cents, if any: a limit's price, a pegged order's cap.
    ///
    /// # Examples
    /// ```
    /// use hft::dispatch::OrderKind;
    /// assert_eq!(OrderKind::MidPrice { cap: 1003 }.limit(), Some(1003));
    /// assert_eq!(OrderKind::Market.limit(), None);
    /// ```
    pub fn limit(self) -> Option<i64> {
        match self {
            // A combo's net limit is not a leg's price (see `ComboKind::net`).
            OrderKind::Market | OrderKind::Adaptive { .. } | OrderKind::Combo(_) => None,
            OrderKind::Limit { price, .. } => Some(price),
            OrderKind::MidPrice { cap } | OrderKind::PegMid { cap } => Some(cap),
        }
    }

    /// True for an immediate-or-cancel order.
    pub fn is_ioc(self) -> bool {
        matches!(self, OrderKind::Limit { ioc: true, .. })
    }

    /// IB's orderType: `MKT`, `LMT`, `MIDPRICE` or `PEG MID` (Adaptive is an algo on `MKT`).
    pub fn order_type(self) -> &'static str {
        match self {
            OrderKind::Market | OrderKind::Adaptive { .. } => "MKT",
            OrderKind::Limit { .. } => "LMT",
            OrderKind::MidPrice { .. } => "MIDPRICE",
            OrderKind::PegMid { .. } => "PEG MID",
            OrderKind::Combo(c) if c.net.is_some() => "LMT",
            OrderKind::Combo(_) => "MKT",
        }
    }

    /// The Adaptive algo's priority, for an order that runs it.
    pub fn algo(self) -> Option<AdaptivePriority> {
        match self {
            OrderKind::Adaptive { priority } => Some(priority),
            _ => None,
        }
    }

    /// The venue's peg for this order placed at feed time `now_secs` (Unix seconds): the one
    /// rule set of `exchange::Peg`, which the paper gateway applies to the same wire order.
    pub fn peg(self, now_secs: i64) -> Option<Peg> {
        match self {
            OrderKind::Market | OrderKind::Limit { .. } | OrderKind::Combo(_) => None,
            OrderKind::Adaptive { priority } => Some(Peg::Adaptive {
                priority,
                cap: None,
                since: now_secs,
            }),
            OrderKind::MidPrice { cap } => Some(Peg::MidPrice { cap: Some(cap) }),
            OrderKind::PegMid { cap } => Some(Peg::Mid {
                offset: 0,
                cap: Some(cap),
            }),
        }
    }

    /// True for the resting order of a `passive` ticket (a DAY limit or a pegged DAY order).
    pub fn rests(self) -> bool {
        matches!(
            self,
            OrderKind::Limit { ioc: false, .. }
                | OrderKind::MidPrice { .. }
                | OrderKind::PegMid { .. }
        )
    }
}

/// The resting phase of a `passive` ticket.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct PassivePhase {
    /// The leg that rests; the other is hedged as it fills.
    pub leg: u8,
    /// When the phase started (the give-up clock).
    pub started_ns: u64,
    /// The resting order now (0: none yet written) and its price in cents.
    pub order_id: i32,
    pub price: i64,
    /// Its cancel was asked to re-price it (what it lacks rests again at the new touch) ...
    pub repricing: bool,
    /// ... or to give up (what the legs lack goes at market).
    pub giving_up: bool,
    /// Shares of the hedge leg the resting leg's fills do not call for yet, counted in the
    /// pair's target (and the instrument's projection): the target is what the pair will hold
    /// once the ticket completes, so a close or an entry decided meanwhile sees the hedge to
    /// come. The hedge's orders count themselves, a lost one until it ends and its re-send
    /// after: a share leaves the reservation once.
    pub reserved: f64,
}

/// What an order becomes when it is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    Market,
    /// LMT IOC at the touch plus the collar.
    Marketable,
    /// LMT DAY at the touch (or the mid) on its own side, or a pegged DAY order.
    Resting,
    /// The Adaptive algo on a market order.
    Adaptive,
}

impl Dispatcher {
    /// The policy of pair `pair` (market for anything that is not a pair's trade).
    pub(super) fn policy_of(&self, pair: u16) -> Policy {
        self.policies
            .get(pair as usize)
            .copied()
            .unwrap_or(Policy::Market)
    }

    /// Extra re-sends a ticket of `policy` gets on top of `risk.leg_retries`: the re-priced
    /// attempts of a marketable limit.
    pub(super) fn extra_retries(&self, policy: Policy) -> u8 {
        match (policy, self.execution.rest) {
            (Policy::MarketableLimit, RestRule::Reprice) => self.execution.reprices,
            (Policy::MarketableLimit, RestRule::Cross) => 1,
            (Policy::Adaptive, _) => 1,
            _ => 0,
        }
    }

    fn style_of(&self, o: &PendingOrder) -> Style {
        let Some(t) = self.ticket(o.ticket) else {
            return Style::Market;
        };
        match t.policy {
            Policy::Market => Style::Market,
            Policy::MarketableLimit => {
                let limit_attempts = match self.execution.rest {
                    RestRule::Reprice => self.execution.reprices,
                    RestRule::Cross => 0,
                };
                if t.retries <= limit_attempts {
                    Style::Marketable
                } else {
                    Style::Market
                }
            }
            Policy::Passive => match t.passive {
                Some(ps) if ps.leg == o.leg => Style::Resting,
                _ => Style::Market,
            },
            // The algo's one attempt; a re-send goes at market.
            Policy::Adaptive if t.retries == 0 => Style::Adaptive,
            Policy::Adaptive => Style::Market,
            // The BAG is written by `send_combo`; a combo ticket's single orders (what the legs
            // lack after a give-up, re-sends) cross.
            Policy::Combo => Style::Market,
        }
    }

    /// The wire form of order `o` now, from the feed's touch. An order whose instrument has
    /// no quote yet goes at market (counted in `limits_unpriced`).
    pub(super) fn price(&mut self, o: &PendingOrder) -> OrderKind {
        let style = self.style_of(o);
        match style {
            Style::Market => return OrderKind::Market,
            Style::Adaptive => {
                return OrderKind::Adaptive {
                    priority: self.execution.adaptive_priority,
                };
            }
            Style::Marketable | Style::Resting => {}
        }
        let Some(touch) = self
            .feed
            .touch(o.instrument)
            .filter(|t| t.bid > 0 && t.ask >= t.bid)
        else {
            self.counters.limits_unpriced += 1;
            return OrderKind::Market;
        };
        let collar = i64::from(self.execution.collar_ticks);
        match (style, o.side) {
            (Style::Marketable, Side::Buy) => OrderKind::Limit {
                price: touch.ask + collar,
                ioc: true,
            },
            (Style::Marketable, Side::Sell) => OrderKind::Limit {
                price: (touch.bid - collar).max(1),
                ioc: true,
            },
            (Style::Resting, side) => {
                let rule = self.execution.passive_price;
                let price = resting_price(rule, side, touch);
                match rule {
                    PassivePrice::Join | PassivePrice::Mid => {
                        OrderKind::Limit { price, ioc: false }
                    }
                    PassivePrice::MidPrice => OrderKind::MidPrice { cap: price },
                    PassivePrice::PegMid => OrderKind::PegMid { cap: price },
                }
            }
            (Style::Market | Style::Adaptive, _) => OrderKind::Market,
        }
    }

    /// The leg that rests in a passive ticket over `legs`, by `execution.passive_leg`.
    pub(super) fn passive_leg(&self, legs: &[PendingOrder; 2]) -> u8 {
        let touch = |k: usize| self.feed.touch(legs[k].instrument).unwrap_or_default();
        // The displayed size on the side the resting order would join.
        let joined = |k: usize| match legs[k].side {
            Side::Buy => touch(k).bid_size,
            Side::Sell => touch(k).ask_size,
        };
        match self.execution.passive_leg {
            PassiveLeg::A => 0,
            PassiveLeg::B => 1,
            PassiveLeg::LessLiquid => u8::from(joined(1) < joined(0)),
            PassiveLeg::WiderSpread => u8::from(touch(1).spread() > touch(0).spread()),
            // Legs in the pair's order, as for A and B.
            PassiveLeg::Leader => self
                .leaders
                .get(legs[0].pair as usize)
                .copied()
                .unwrap_or(0),
        }
    }

    /// Replaces the pairs' leaders (tests).
    #[cfg(test)]
    pub(super) fn set_leaders(&mut self, leaders: &[u8]) {
        self.leaders = leaders.into();
    }

    /// A resting order of ticket `ticket` was written as `order_id` at `price`.
    pub(super) fn resting_written(&mut self, ticket: u32, leg: u8, order_id: i32, price: i64) {
        if let Some(ps) = self
            .ticket_mut(ticket)
            .and_then(|t| t.passive.as_mut())
            .filter(|ps| ps.leg == leg)
        {
            ps.order_id = order_id;
            ps.price = price;
            ps.repricing = false;
        }
    }

    /// What leg `leg` of ticket `id` has working or queued and not yet filled (shares).
    pub(super) fn leg_in_flight(&self, id: u32, leg: u8) -> f64 {
        self.leg_cover(id, leg).0
    }

    /// [`leg_in_flight`](Self::leg_in_flight), and the number of orders it comes from.
    pub(super) fn leg_cover(&self, id: u32, leg: u8) -> (f64, usize) {
        let (mut shares, mut orders) = (0.0, 0);
        let working = self
            .live
            .iter()
            .filter_map(|&i| self.slots[i as usize])
            .filter(|s: &OrderSlot| s.ticket == id && s.leg == leg);
        for s in working {
            shares += (s.qty - s.filled()).max(0.0);
            orders += 1;
        }
        let queued = self
            .pending
            .iter()
            .filter(|o| o.cancel_id == 0 && o.ticket == id && o.leg == leg);
        for o in queued {
            shares += f64::from(o.qty);
            orders += 1;
        }
        (shares, orders)
    }

    /// The passive phase of ticket `t` after a change: hedges what the resting leg filled,
    /// re-posts a re-priced rest. False when the phase is over and the ticket's ordinary rules
    /// take over (the resting leg ended short on a give-up, a rejection, or winding down).
    pub(super) fn passive_step(
        &mut self,
        t: &Ticket,
        ps: PassivePhase,
        winding_down: bool,
    ) -> bool {
        let k = ps.leg as usize;
        let h = 1 - k;
        let (rest, hedge) = (t.legs[k], t.legs[h]);
        if !winding_down && rest.qty > 0.0 {
            // The hedge of the decision: the other leg in the intent's ratio, pro rata.
            let want = (rest.filled / rest.qty * hedge.qty).round().min(hedge.qty);
            // The reservation is the hedge the resting leg's fills do not call for yet: what
            // they call for leaves it once (a hedge order that is lost and re-sent counts
            // itself again; it was released when first sent).
            let reserved = self
                .ticket(t.id)
                .and_then(|t| t.passive)
                .map_or(0.0, |p| p.reserved);
            self.release_reserved(t.id, reserved - (hedge.qty - want));
            let covered = hedge.filled + self.leg_in_flight(t.id, h as u8);
            let lacking = (want - covered).round();
            if lacking >= 1.0 {
                self.counters.passive_hedges += 1;
                // A submitted order counts itself in the target.
                self.leg_order_started(t.id, h as u8);
                self.submit_started(t.leg_order(h as u8, lacking as u32, self.now));
            }
        }
        if rest.live > 0 {
            return true;
        }
        if rest.filled + 1e-9 >= rest.qty || winding_down {
            // Filled (its hedge is out), or winding down: the ordinary rules from here.
            self.end_passive(t.id);
            return false;
        }
        // The resting order ended short.
        if ps.repricing && !ps.giving_up {
            self.counters.passive_reprices += 1;
            self.leg_order_started(t.id, ps.leg);
            let qty = (rest.qty - rest.filled).round() as u32;
            self.submit_started(t.leg_order(ps.leg, qty, self.now));
            return true;
        }
        let now = self.now;
        self.end_passive(t.id);
        if let Some(tm) = self.ticket_mut(t.id) {
            tm.opened_ns = now;
        }
        if !ps.giving_up {
            // Rejected, or cancelled by someone else: the ordinary rules.
            return false;
        }
        // Given up: what each leg lacks crosses now (the hedge of what did fill included).
        self.counters.passive_give_ups += 1;
        for leg in 0..2u8 {
            let l = t.legs[leg as usize];
            let lacking = (l.qty - l.filled - self.leg_in_flight(t.id, leg)).round();
            if lacking < 1.0 {
                continue;
            }
            self.leg_order_started(t.id, leg);
            self.submit_started(t.leg_order(leg, lacking as u32, now));
        }
        true
    }

    /// Takes up to `qty` shares of ticket `id`'s hedge reservation out of its pair's target.
    fn release_reserved(&mut self, id: u32, qty: f64) {
        let Some(t) = self.ticket_mut(id).cloned() else {
            return;
        };
        let Some(ps) = t.passive else { return };
        let released = qty.min(ps.reserved);
        if released <= 0.0 {
            return;
        }
        let hedge = t.legs[1 - ps.leg as usize];
        if let Some(p) = self.ticket_mut(id).and_then(|t| t.passive.as_mut()) {
            p.reserved -= released;
        }
        self.adjust_target(t.pair, hedge.instrument, hedge.side == Side::Buy, -released);
    }

    /// Ends ticket `id`'s passive phase (if any), releasing what it still reserves.
    pub(super) fn end_passive(&mut self, id: u32) {
        self.release_reserved(id, f64::INFINITY);
        if let Some(t) = self.ticket_mut(id) {
            t.passive = None;
        }
    }

    /// Every watchdog period: resting orders the market moved away from are re-priced, those
    /// past `give_up_ms` given up (both by a cancel; the ticket acts when it has ended).
    pub(super) fn check_resting(&mut self) {
        let give_up_ns = self.execution.give_up_ms * 1_000_000;
        let away = i64::from(self.execution.reprice_ticks);
        for k in 0..self.open_tickets.len() {
            let id = self.open_tickets[k];
            let Some(t) = self.ticket_mut(id).cloned() else {
                continue;
            };
            let Some(ps) = t.passive else { continue };
            if ps.order_id == 0 || ps.repricing || ps.giving_up || t.superseded {
                continue;
            }
            let Some(i) = self.slot_index(ps.order_id) else {
                continue;
            };
            let Some(slot) = self.slots[i].filter(|s| !s.status.is_terminal() && !s.cancel_asked)
            else {
                continue;
            };
            let give_up = self.now.saturating_sub(ps.started_ns) >= give_up_ns;
            let moved = self.feed.touch(slot.instrument).is_some_and(|touch| {
                if slot.buy {
                    touch.bid >= ps.price + away
                } else {
                    touch.ask <= ps.price - away
                }
            });
            if !give_up && !moved {
                continue;
            }
            if let Some(p) = self.ticket_mut(id).and_then(|t| t.passive.as_mut()) {
                p.giving_up = give_up;
                p.repricing = !give_up;
            }
            if let Some(s) = self.slots[i].as_mut() {
                s.cancel_asked = true;
            }
            self.queue_cancel(ps.order_id);
        }
    }
}

/// Where a resting order on `side` goes: its own touch, or the mid rounded to the tick towards
/// its own side (never through the other side); for a pegged order (MIDPRICE, PEG MID) the cap
/// it is sent with, the far touch (a buy never pays more than the ask it saw).
fn resting_price(rule: PassivePrice, side: Side, touch: crate::normalize::Touch) -> i64 {
    match (rule, side) {
        (PassivePrice::MidPrice | PassivePrice::PegMid, Side::Buy) => touch.ask,
        (PassivePrice::MidPrice | PassivePrice::PegMid, Side::Sell) => touch.bid,
        (PassivePrice::Join, Side::Buy) => touch.bid,
        (PassivePrice::Join, Side::Sell) => touch.ask,
        (PassivePrice::Mid, Side::Buy) => (touch.bid + touch.ask).div_euclid(2),
        (PassivePrice::Mid, Side::Sell) => (touch.bid + touch.ask + 1).div_euclid(2),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::Touch;

    #[test]
    fn resting_prices_stay_on_their_side() {
        let wide = Touch {
            bid: 10_000,
            ask: 10_005,
            bid_size: 100,
            ask_size: 100,
        };
        assert_eq!(resting_price(PassivePrice::Join, Side::Buy, wide), 10_000);
        assert_eq!(resting_price(PassivePrice::Join, Side::Sell, wide), 10_005);
        assert_eq!(resting_price(PassivePrice::Mid, Side::Buy, wide), 10_002);
        assert_eq!(resting_price(PassivePrice::Mid, Side::Sell, wide), 10_003);
        // Pegged orders are capped at the far touch.
        assert_eq!(
            resting_price(PassivePrice::MidPrice, Side::Buy, wide),
            10_005
        );
        assert_eq!(
            resting_price(PassivePrice::PegMid, Side::Sell, wide),
            10_000
        );
        let tight = Touch {
            ask: 10_001,
            ..wide
        };
        assert_eq!(resting_price(PassivePrice::Mid, Side::Buy, tight), 10_000);
        assert_eq!(resting_price(PassivePrice::Mid, Side::Sell, tight), 10_001);
    }
}
