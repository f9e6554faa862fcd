//! Pegged orders: simple, documented forms of IB's MIDPRICE, PEG MID and the Adaptive algo,
//! the one definition the paper gateway and the backtest share. Each is a limit order in the
//! [`super::Matcher`] (so it queues like one, [`super::QueuePos`]) whose price is set from the
//! quote and re-set when the quote moves; a re-set is a price modification, so it loses the
//! queue position. Prices are rounded to the cent away from the other side (down for a buy, up
//! for a sell).
//!
//! - **MIDPRICE** (`cap` the optional lmtPrice): when the spread is at least two cents and the
//!   midpoint is within the cap, it fills at once at the midpoint (up to the size displayed on
//!   the other side: a midpoint match against hidden liquidity); otherwise it rests at the near
//!   touch (the bid for a buy), or at its cap when that is further away, until a later quote
//!   allows a midpoint match or the queue fills it.
//! - **PEG MID** (`offset` the auxPrice, `cap` the optional lmtPrice): pegged to the midpoint
//!   less the offset for a buy (plus for a sell), capped, re-pegged on every quote.
//! - **Adaptive** (algoStrategy Adaptive on LMT or MKT, adaptivePriority): Urgent is marketable
//!   at once (the far touch, capped by the limit); Normal works at the midpoint and crosses to
//!   the far touch after [`NORMAL_CROSS_SECS`]; Patient joins the near touch and crosses after
//!   [`PATIENT_CROSS_SECS`] (feed time, so a replay is deterministic).
//!
//! [`Pegs`] keeps the pegged orders of one matcher and re-pegs them, in order-arrival order,
//! after each quote of their symbol ([`Pegs::on_quote`]).

use super::book::{Book, BookTop, Fill, Side};
use super::ledger::Ledger;
use super::matcher::{MatchEvent, Matcher};
use crate::config::AdaptivePriority;
use std::collections::BTreeMap;

/// Feed seconds an Adaptive Normal order works before it crosses the spread.
pub const NORMAL_CROSS_SECS: i64 = 5;
/// Feed seconds an Adaptive Patient order works before it crosses the spread.
pub const PATIENT_CROSS_SECS: i64 = 30;

/// How a pegged order prices itself (prices in cents).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Peg {
    /// MIDPRICE, capped.
    MidPrice { cap: Option<i64> },
    /// PEG MID: the midpoint less `offset` for a buy (plus for a sell), capped.
    Mid { offset: i64, cap: Option<i64> },
    /// The Adaptive algo, placed at feed time `since` (Unix seconds).
    Adaptive {
        priority: AdaptivePriority,
        cap: Option<i64>,
        since: i64,
    },
}

impl Peg {
    /// The working limit price for an order on `side` against `top` at feed time `now` (Unix
    /// seconds); `None` while there is no two-sided quote.
    ///
    /// # Examples
    /// ```
    /// use hft::config::AdaptivePriority;
    /// use hft::exchange::{BookTop, Peg, Side};
    /// let top = BookTop { bid: 1000, ask: 1003, bid_size: 100, ask_size: 200 };
    /// let normal = Peg::Adaptive { priority: AdaptivePriority::Normal, cap: None, since: 0 };
    /// assert_eq!(normal.price(Side::Buy, top, 4), Some(1001)); // the midpoint, rounded down
    /// assert_eq!(normal.price(Side::Buy, top, 5), Some(1003)); // then the far touch
    /// ```
    pub fn price(&self, side: Side, top: BookTop, now: i64) -> Option<i64> {
        if top.bid <= 0 || top.ask <= top.bid {
            return None;
        }
        let (near, far) = match side {
            Side::Buy => (top.bid, top.ask),
            Side::Sell => (top.ask, top.bid),
        };
        let (raw, cap) = match *self {
            Peg::MidPrice { cap } => (near, cap),
            Peg::Mid { offset, cap } => {
                let sign = if side == Side::Buy { -1 } else { 1 };
                (passive_mid(side, top) + sign * offset, cap)
            }
            Peg::Adaptive {
                priority,
                cap,
                since,
            } => {
                let waited = now - since;
                let price = match priority {
                    AdaptivePriority::Urgent => far,
                    AdaptivePriority::Normal if waited >= NORMAL_CROSS_SECS => far,
                    AdaptivePriority::Normal => passive_mid(side, top),
                    AdaptivePriority::Patient if waited >= PATIENT_CROSS_SECS => far,
                    AdaptivePriority::Patient => near,
                };
                (price, cap)
            }
        };
        Some(capped(side, raw, cap).max(1))
    }

    /// A MIDPRICE order's midpoint match against `top`: the price, when the spread allows one
    /// (two cents or more) within the cap.
    pub fn mid_match(&self, side: Side, top: BookTop) -> Option<i64> {
        let Peg::MidPrice { cap } = *self else {
            return None;
        };
        if top.bid <= 0 || top.ask - top.bid < 2 {
            return None;
        }
        let mid = passive_mid(side, top);
        (capped(side, mid, cap) == mid).then_some(mid)
    }
}

/// The midpoint rounded to the cent away from the other side.
fn passive_mid(side: Side, top: BookTop) -> i64 {
    let twice = top.bid + top.ask;
    match side {
        Side::Buy => twice.div_euclid(2),
        Side::Sell => (twice + 1).div_euclid(2),
    }
}

fn capped(side: Side, price: i64, cap: Option<i64>) -> i64 {
    match (side, cap) {
        (Side::Buy, Some(c)) => price.min(c),
        (Side::Sell, Some(c)) => price.max(c),
        (_, None) => price,
    }
}

/// The pegged orders of one matcher, by ledger index (iterated in index order, which is arrival
/// order, so a run is deterministic).
#[derive(Debug, Default)]
pub struct Pegs {
    by_order: BTreeMap<usize, Peg>,
    /// Scratch for one pass over them.
    scan: Vec<usize>,
}

/// What a re-peg needs of its caller: the matcher's state and the clocks.
pub struct PegContext<'a> {
    pub matcher: &'a mut Matcher,
    pub ledger: &'a mut Ledger,
    pub books: &'a mut [Book],
    /// Feed time, Unix seconds: the Adaptive clock.
    pub now_secs: i64,
    /// The time executions are stamped with, Unix seconds.
    pub unix_secs: i64,
    /// The caller's clock for the matcher's fill delay (ns).
    pub now_ns: u64,
}

impl Pegs {
    /// Order `index` (working in the matcher) is pegged by `peg`.
    pub fn insert(&mut self, index: usize, peg: Peg) {
        self.by_order.insert(index, peg);
    }

    /// True when order `index` is pegged (its price follows the quote, not its client).
    pub fn contains(&self, index: usize) -> bool {
        self.by_order.contains_key(&index)
    }

    /// True when no pegged order is working.
    pub fn is_empty(&self) -> bool {
        self.by_order.is_empty()
    }

    /// After a quote on `symbol` (the matcher has seen it): every pegged order on it re-pegs
    /// ([`Pegs::repeg`]); orders no longer working are forgotten.
    pub fn on_quote(
        &mut self,
        cx: &mut PegContext<'_>,
        symbol: usize,
        on: &mut impl FnMut(&Ledger, MatchEvent),
    ) {
        if self.by_order.is_empty() {
            return;
        }
        let mut scan = std::mem::take(&mut self.scan);
        scan.clear();
        scan.extend(self.by_order.keys().copied());
        for &index in &scan {
            if !cx.ledger.orders[index].state.is_working() {
                self.by_order.remove(&index);
            } else if cx.ledger.orders[index].symbol == symbol {
                self.repeg(cx, index, on);
            }
        }
        self.scan = scan;
    }

    /// Pegged order `index` against its symbol's quote: a MIDPRICE midpoint match fills at once
    /// (up to the other side's displayed size); otherwise a changed working price is a
    /// modification (the queue position is lost) and the order is tried again.
    pub fn repeg(
        &mut self,
        cx: &mut PegContext<'_>,
        index: usize,
        on: &mut impl FnMut(&Ledger, MatchEvent),
    ) {
        let Some(peg) = self.by_order.get(&index).copied() else {
            return;
        };
        let o = &cx.ledger.orders[index];
        let top = cx.books[o.symbol].top();
        if let Some(mid) = peg.mid_match(o.side, top) {
            let qty = match o.side {
                Side::Buy => top.ask_size,
                Side::Sell => top.bid_size,
            };
            let fill = Fill { price: mid, qty };
            cx.matcher
                .fill_at(cx.ledger, index, fill, cx.unix_secs, &mut *on);
            if !cx.ledger.orders[index].state.is_working() {
                self.by_order.remove(&index);
                return;
            }
        }
        let o = &cx.ledger.orders[index];
        let Some(price) = peg.price(o.side, top, cx.now_secs) else {
            return;
        };
        if o.limit != Some(price) {
            let total = o.total;
            if cx
                .matcher
                .modify(cx.ledger, index, total, Some(price))
                .is_ok()
            {
                cx.matcher.try_fill(
                    cx.ledger,
                    cx.books,
                    index,
                    cx.unix_secs,
                    cx.now_ns,
                    &mut *on,
                );
            }
        }
        if !cx.ledger.orders[index].state.is_working() {
            self.by_order.remove(&index);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exchange::{FillFaults, OrderRec, OrderState, Tif};

    const TOP: BookTop = BookTop {
        bid: 1000,
        ask: 1003,
        bid_size: 100,
        ask_size: 200,
    };

    #[test]
    fn prices_of_each_form() {
        let capped_below_mid = Peg::MidPrice { cap: Some(1000) };
        assert_eq!(capped_below_mid.price(Side::Buy, TOP, 0), Some(1000));
        assert_eq!(capped_below_mid.mid_match(Side::Buy, TOP), None);
        let mid = Peg::MidPrice { cap: None };
        assert_eq!(mid.mid_match(Side::Buy, TOP), Some(1001));
        assert_eq!(mid.mid_match(Side::Sell, TOP), Some(1002));
        let tight = BookTop { ask: 1001, ..TOP };
        assert_eq!(mid.mid_match(Side::Buy, tight), None);
        let peg = Peg::Mid {
            offset: 1,
            cap: Some(1005),
        };
        assert_eq!(peg.price(Side::Buy, TOP, 0), Some(1000));
        // For a sell the cap is a floor: the mid 10.02 plus the offset is below 10.05.
        assert_eq!(peg.price(Side::Sell, TOP, 0), Some(1005));
        let uncapped = Peg::Mid {
            offset: 1,
            cap: None,
        };
        assert_eq!(uncapped.price(Side::Sell, TOP, 0), Some(1003));
        let normal = Peg::Adaptive {
            priority: AdaptivePriority::Normal,
            cap: Some(1002),
            since: 0,
        };
        assert_eq!(normal.price(Side::Buy, TOP, 4), Some(1001));
        assert_eq!(normal.price(Side::Buy, TOP, 5), Some(1002)); // the far touch, capped
        let patient = Peg::Adaptive {
            priority: AdaptivePriority::Patient,
            cap: None,
            since: 0,
        };
        assert_eq!(patient.price(Side::Sell, TOP, 29), Some(1003));
        assert_eq!(patient.price(Side::Sell, TOP, 30), Some(1000));
        let urgent = Peg::Adaptive {
            priority: AdaptivePriority::Urgent,
            cap: None,
            since: 0,
        };
        assert_eq!(urgent.price(Side::Buy, TOP, 0), Some(1003));
    }

    #[test]
    fn repeg_follows_the_quote_and_midprice_matches() {
        let mut books = vec![Book::new(TOP, 1)];
        let mut ledger = Ledger::new(0.0, 0.0, 1);
        let mut matcher = Matcher::new(FillFaults::default());
        let mut pegs = Pegs::default();
        let order = |limit| OrderRec {
            client_id: 1,
            order_id: 1,
            perm_id: 0,
            account: String::new(),
            symbol: 0,
            side: Side::Buy,
            total: 300,
            filled: 0,
            avg_price: 0.0,
            last_fill_price: 0.0,
            limit: Some(limit),
            tif: Tif::Day,
            order_ref: String::new(),
            state: OrderState::Submitted,
            commission_paid: 0.0,
        };
        let normal = Peg::Adaptive {
            priority: AdaptivePriority::Normal,
            cap: None,
            since: 0,
        };
        let a = matcher.submit(&mut ledger, order(1001), 0).unwrap();
        pegs.insert(a, normal);
        let mut events = Vec::new();
        let mut on = |_: &Ledger, e| events.push(e);
        let mut cx = PegContext {
            matcher: &mut matcher,
            ledger: &mut ledger,
            books: &mut books,
            now_secs: 1,
            unix_secs: 1,
            now_ns: 0,
        };
        // The quote moves up: the peg follows the midpoint (10.04 / 10.07 -> 10.05).
        let up = BookTop {
            bid: 1004,
            ask: 1007,
            ..TOP
        };
        cx.books[0].set_top(up);
        pegs.on_quote(&mut cx, 0, &mut on);
        assert_eq!(cx.ledger.orders[a].limit, Some(1005));
        // Five seconds on, it crosses: 200 at the ask, the rest works at the far touch.
        cx.now_secs = 5;
        pegs.on_quote(&mut cx, 0, &mut on);
        assert_eq!(cx.ledger.orders[a].filled, 200);
        assert_eq!(cx.ledger.orders[a].limit, Some(1007));
        // A MIDPRICE order on a two-cent spread matches at the midpoint at once.
        let b = cx.matcher.submit(cx.ledger, order(1004), 0).unwrap();
        pegs.insert(b, Peg::MidPrice { cap: None });
        pegs.repeg(&mut cx, b, &mut on);
        assert_eq!(cx.ledger.orders[b].state, OrderState::Submitted);
        assert_eq!(cx.ledger.orders[b].filled, 200);
        assert_eq!(cx.ledger.orders[b].avg_price, 10.05);
        assert_eq!(events.len(), 2);
    }
}
