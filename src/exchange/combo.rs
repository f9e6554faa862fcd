//! Combo (BAG) orders against the books: the one fill rule the paper gateway and the backtest
//! share. A combo buys `units` of its legs (each leg `ratio` shares per unit, on its side);
//! a SELL of a combo is the buy of its legs reversed at the negated net. Each leg is a child
//! order in the [`Ledger`] (its own executions and commissions, IB's per-leg reports).
//!
//! Rules (NonGuaranteed: IB works the legs separately):
//! - **MKT.** A MKT combo takes what each leg lacks from its own touch only, up to the touch's
//!   size (liquidity taken stays taken until that quote changes, as for single orders,
//!   [`Book::take`]). A leg whose touch is short fills partly and waits: the combo is then
//!   legged (one leg ahead of the other) until later quotes complete it.
//! - **LMT, in reach.** A LMT combo whose one unit, every leg at its far touch now (the ask of a
//!   bought leg, the bid of a sold one), nets at or below its limit (a buy pays at most the
//!   limit) takes whole units at the touches: as many as every leg's touch shows. It never
//!   legs, so every unit is complete when it fills and nets within the limit.
//! - **LMT, out of reach.** It rests as a child worked in one leg's queue at the price the net
//!   allows, the other legs taken at their touches on each of its fills
//!   (`combo_worked.rs`: the worked leg, the implied price, re-pegs, the hedge).
//! - **Tries.** On arrival, a modification, and every quote (with its trade print) of any of its
//!   legs ([`ComboOrder::on_market`]).
//! - **Reports.** Each leg fill is an execution of its child order; whenever the count of
//!   complete units (every leg at `ratio` times it) grows, the combo reports a BAG-level
//!   execution of those units at the combo's average net ([`ComboEvent::Units`]).
//!
//! # Examples
//! ```
//! use hft::exchange::{Book, BookTop, ComboEvent, ComboLegSpec, ComboOrder, Ledger, Side};
//! let top = |bid, ask| BookTop { bid, ask, bid_size: 100, ask_size: 100 };
//! let mut books = vec![Book::new(top(1000, 1002), 1), Book::new(top(2000, 2004), 1)];
//! let mut ledger = Ledger::new(0.005, 1.0, 1);
//! let legs = [
//!     ComboLegSpec { symbol: 0, side: Side::Buy, ratio: 2 },
//!     ComboLegSpec { symbol: 1, side: Side::Sell, ratio: 1 },
//! ];
//! // Buy 10 units at a net of at most 0.00: 2 x 10.02 - 20.00 = 0.04 is too dear, it rests.
//! let mut combo = ComboOrder::new(&mut ledger, ComboOrder::template(1, 7, "DU1", ""), &legs, 10, Some(0));
//! let mut events = Vec::new();
//! combo.try_fill(&mut ledger, &mut books, 0, |_, e| events.push(e));
//! assert!(events.is_empty());
//! books[1].set_top(top(2004, 2006)); // the sold leg's bid rises: net 2 x 10.02 - 20.04 = 0
//! combo.try_fill(&mut ledger, &mut books, 1, |_, e| events.push(e));
//! assert_eq!(combo.filled_units(&ledger), 10);
//! assert!(combo.avg_net(&ledger).abs() < 1e-9);
//! assert!(matches!(events.last(), Some(ComboEvent::Units { units: 10, .. })));
//! ```

use super::book::{Book, Fill, Side};
use super::combo_worked::WorkedChild;
use super::ledger::{Ledger, OrderRec, OrderState, Tif};

/// One leg as the combo names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ComboLegSpec {
    /// The leg's instrument (book index).
    pub symbol: usize,
    /// The leg's side when the combo is bought.
    pub side: Side,
    /// Shares of the leg per combo unit (at least 1).
    pub ratio: u32,
}

/// What a try at a combo produced, in the order it happened.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ComboEvent {
    /// Execution `exec` (an index in [`Ledger::executions`]) of leg order `order`.
    LegExecution { order: usize, exec: usize },
    /// `units` more complete units (every leg at its ratio): a BAG-level execution at the
    /// combo's average net `net` (dollars per unit, as the order's side sees it).
    Units { units: u32, net: f64 },
}

/// A combo order at work: its legs' child orders in the ledger and its own state.
#[derive(Debug, Clone)]
pub struct ComboOrder {
    /// The legs as bought (a SELL combo's legs are reversed here).
    pub(super) legs: Vec<ComboLegSpec>,
    /// Ledger indices of the legs' child orders, in leg order.
    pub children: Vec<usize>,
    /// Combo units ordered.
    pub units: u32,
    /// Net limit per unit in cents for buying the legs as stored; `None`: market.
    pub(super) limit: Option<i64>,
    /// The order sold the combo: its limit and reported nets are negated.
    sold: bool,
    /// Complete units already reported.
    reported_units: u32,
    /// Working, or how it ended (Filled once every unit is complete, Cancelled).
    pub state: OrderState,
    /// Scratch for one leg's fills, allocated once.
    pub(super) fills: Vec<Fill>,
    /// The leg a resting LMT combo works (chosen once, when it first rests).
    pub(super) worked_leg: Option<usize>,
    /// The child resting in the worked leg's queue, while the combo rests.
    pub(super) worked: Option<WorkedChild>,
    /// Times the worked child moved to a new implied price (each loses its queue place).
    pub(super) repegs: u32,
}

impl ComboOrder {
    /// The child-order template: `client_id`, `order_id` (the BAG's: IB reports the legs'
    /// executions under it), `account`, `order_ref`.
    pub fn template(client_id: i32, order_id: i32, account: &str, order_ref: &str) -> OrderRec {
        OrderRec {
            client_id,
            order_id,
            perm_id: 0,
            account: account.to_string(),
            symbol: 0,
            side: Side::Buy,
            total: 0,
            filled: 0,
            avg_price: 0.0,
            last_fill_price: 0.0,
            limit: None,
            tif: Tif::Day,
            order_ref: order_ref.to_string(),
            state: OrderState::Submitted,
            commission_paid: 0.0,
        }
    }

    /// Books a bought combo of `units` over `legs` with net `limit` (cents per unit; `None`:
    /// market): one child order per leg, pushed to the ledger (not to a matcher: the combo
    /// fills them itself).
    pub fn new(
        ledger: &mut Ledger,
        template: OrderRec,
        legs: &[ComboLegSpec],
        units: u32,
        limit: Option<i64>,
    ) -> Self {
        let mut children = Vec::with_capacity(legs.len());
        for leg in legs {
            let mut o = template.clone();
            o.perm_id = ledger.next_perm_id();
            o.symbol = leg.symbol;
            o.side = leg.side;
            o.total = leg.ratio.saturating_mul(units);
            ledger.orders.push(o);
            children.push(ledger.orders.len() - 1);
        }
        ComboOrder {
            legs: legs.to_vec(),
            children,
            units,
            limit,
            sold: false,
            reported_units: 0,
            state: OrderState::Submitted,
            fills: Vec::with_capacity(4),
            worked_leg: None,
            worked: None,
            repegs: 0,
        }
    }

    /// [`ComboOrder::new`] for an order that SELLs the combo at `limit`: the legs reversed,
    /// the limit negated (selling at 1.00 is buying the reversed legs at -1.00).
    pub fn new_sold(
        ledger: &mut Ledger,
        template: OrderRec,
        legs: &[ComboLegSpec],
        units: u32,
        limit: Option<i64>,
    ) -> Self {
        let reversed: Vec<ComboLegSpec> = legs
            .iter()
            .map(|l| ComboLegSpec {
                side: opposite(l.side),
                ..*l
            })
            .collect();
        let mut c = Self::new(ledger, template, &reversed, units, limit.map(|p| -p));
        c.sold = true;
        c
    }

    /// The legs as bought.
    pub fn legs(&self) -> &[ComboLegSpec] {
        &self.legs
    }

    /// True while it can still fill.
    pub fn is_working(&self) -> bool {
        self.state.is_working()
    }

    /// The net limit per unit in dollars as the order states it (`None`: market).
    pub fn limit_price(&self) -> Option<f64> {
        let sign = if self.sold { -1.0 } else { 1.0 };
        self.limit.map(|c| sign * c as f64 / 100.0)
    }

    /// Complete units: every leg filled at least `ratio` times it.
    pub fn filled_units(&self, ledger: &Ledger) -> u32 {
        self.legs
            .iter()
            .zip(&self.children)
            .map(|(l, &c)| ledger.orders[c].filled / l.ratio.max(1))
            .min()
            .unwrap_or(0)
    }

    /// The average net per unit of what the legs filled (dollars, as the order's side sees
    /// it: what a buy paid, what a sell received): each leg's average price times its ratio.
    pub fn avg_net(&self, ledger: &Ledger) -> f64 {
        let net: f64 = self
            .legs
            .iter()
            .zip(&self.children)
            .map(|(l, &c)| l.side.sign() * ledger.orders[c].avg_price * f64::from(l.ratio))
            .sum();
        if self.sold { -net } else { net }
    }

    /// The net per unit in cents if what the legs lack filled at their touches now (see the
    /// module rules); `None` while a lacking leg's touch is empty.
    pub fn net_now(&self, ledger: &Ledger, books: &[Book]) -> Option<f64> {
        let mut value = 0.0;
        for (l, &c) in self.legs.iter().zip(&self.children) {
            let o = &ledger.orders[c];
            let lacking = o.total - o.filled;
            let top = books[l.symbol].top();
            let touch = match l.side {
                Side::Buy => top.ask,
                Side::Sell => top.bid,
            };
            if lacking > 0 && touch <= 0 {
                return None;
            }
            let filled_cents = o.avg_price * 100.0 * f64::from(o.filled);
            value += l.side.sign() * (filled_cents + touch as f64 * f64::from(lacking));
        }
        Some(value / f64::from(self.units.max(1)))
    }

    /// Cancels the combo and its legs' child orders (no event: the caller answers).
    pub fn cancel(&mut self, ledger: &mut Ledger) {
        self.state = OrderState::Cancelled;
        self.worked = None;
        for &c in &self.children {
            if ledger.orders[c].state.is_working() {
                ledger.orders[c].state = OrderState::Cancelled;
            }
        }
    }

    /// A modification (the same order id re-sent): new units and net limit (as the order's side
    /// states it). Fewer units than already complete are refused.
    ///
    /// # Errors
    /// The combo is not working, or `units` is 0 or below a leg's filled units.
    pub fn modify(
        &mut self,
        ledger: &mut Ledger,
        units: u32,
        limit: Option<i64>,
    ) -> Result<(), super::ModifyError> {
        if !self.is_working() {
            return Err(super::ModifyError::NotWorking);
        }
        let too_few = self
            .legs
            .iter()
            .zip(&self.children)
            .any(|(l, &c)| l.ratio.saturating_mul(units) < ledger.orders[c].filled);
        if units == 0 || too_few {
            return Err(super::ModifyError::BadQuantity);
        }
        self.units = units;
        self.limit = if self.sold { limit.map(|p| -p) } else { limit };
        // A new net: the worked child is re-pegged (or crosses) on the try that follows.
        self.worked = None;
        for (l, &c) in self.legs.iter().zip(&self.children) {
            let o = &mut ledger.orders[c];
            o.total = l.ratio * units;
            o.state = if o.filled == o.total {
                OrderState::Filled
            } else {
                OrderState::Submitted
            };
        }
        self.settle();
        Ok(())
    }

    fn settle(&mut self) {
        if self.units > 0 && self.reported_units >= self.units {
            self.state = OrderState::Filled;
        }
    }

    /// One try against the books now (on arrival, a modification, or a quote of one of its
    /// legs: [`ComboOrder::on_market`] calls it), booking leg executions at `unix_secs` and
    /// reporting each through `on`. A LMT combo whose net is out of reach at the touches rests
    /// as a worked child in one leg's queue (`combo_worked.rs`).
    pub fn try_fill(
        &mut self,
        ledger: &mut Ledger,
        books: &mut [Book],
        unix_secs: i64,
        mut on: impl FnMut(&Ledger, ComboEvent),
    ) {
        if !self.is_working() {
            return;
        }
        if let Some(limit) = self.limit {
            return self.work_limit(ledger, books, limit, unix_secs, on);
        }
        let mut fills = std::mem::take(&mut self.fills);
        for (l, &c) in self.legs.iter().zip(&self.children) {
            let lacking = ledger.orders[c].remaining();
            if lacking == 0 {
                continue;
            }
            let top = books[l.symbol].top();
            let touch = match l.side {
                Side::Buy => top.ask,
                Side::Sell => top.bid,
            };
            if touch <= 0 {
                continue;
            }
            fills.clear();
            books[l.symbol].take(l.side, lacking, Some(touch), &mut fills);
            for f in &fills {
                let exec = ledger.apply_fill(c, *f, unix_secs);
                on(ledger, ComboEvent::LegExecution { order: c, exec });
            }
        }
        self.fills = fills;
        self.report_units(ledger, on);
    }

    /// Reports complete units grown since the last report (a BAG-level execution).
    pub(super) fn report_units(
        &mut self,
        ledger: &Ledger,
        mut on: impl FnMut(&Ledger, ComboEvent),
    ) {
        let units = self.filled_units(ledger);
        if units > self.reported_units {
            let grew = units - self.reported_units;
            self.reported_units = units;
            self.settle();
            on(
                ledger,
                ComboEvent::Units {
                    units: grew,
                    net: self.avg_net(ledger),
                },
            );
        }
    }

    /// True when leg `symbol` is one of the combo's legs (its quotes are worth a try).
    pub fn trades(&self, symbol: usize) -> bool {
        self.legs.iter().any(|l| l.symbol == symbol)
    }
}

fn opposite(side: Side) -> Side {
    match side {
        Side::Buy => Side::Sell,
        Side::Sell => Side::Buy,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exchange::BookTop;

    fn top(bid: i64, ask: i64, size: u32) -> BookTop {
        BookTop {
            bid,
            ask,
            bid_size: size,
            ask_size: size,
        }
    }

    const LEGS: [ComboLegSpec; 2] = [
        ComboLegSpec {
            symbol: 0,
            side: Side::Buy,
            ratio: 1,
        },
        ComboLegSpec {
            symbol: 1,
            side: Side::Sell,
            ratio: 1,
        },
    ];

    fn template() -> OrderRec {
        ComboOrder::template(1, 5, "DU1", "")
    }

    #[test]
    fn market_combo_fills_leg_by_leg_at_the_touches_and_legs_when_one_is_short() {
        let mut books = vec![
            Book::new(top(1000, 1001, 300), 3),
            Book::new(top(2000, 2001, 100), 3),
        ];
        let mut ledger = Ledger::new(0.005, 1.0, 1);
        let mut c = ComboOrder::new(&mut ledger, template(), &LEGS, 200, None);
        let mut events = Vec::new();
        c.try_fill(&mut ledger, &mut books, 0, |_, e| events.push(e));
        // Leg A takes 200 at its ask; leg B only the 100 its bid shows (not the depth).
        assert_eq!(ledger.orders[c.children[0]].filled, 200);
        assert_eq!(ledger.orders[c.children[1]].filled, 100);
        assert_eq!(ledger.executions[0].price, 10.01);
        assert_eq!(ledger.executions[1].price, 20.00);
        assert_eq!(c.filled_units(&ledger), 100);
        assert!(c.is_working());
        match events.last() {
            Some(&ComboEvent::Units { units, net }) => {
                assert_eq!(units, 100);
                assert!((net - (10.01 - 20.00)).abs() < 1e-9, "{net}");
            }
            other => panic!("a BAG-level report last: {other:?}"),
        }
        // Commissions per leg: the minimum on each leg's first execution.
        assert_eq!(ledger.executions[0].commission, 1.0);
        assert_eq!(ledger.executions[1].commission, 1.0);
        // The next quote of B completes it.
        books[1].set_top(top(1999, 2001, 100));
        c.try_fill(&mut ledger, &mut books, 1, |_, e| events.push(e));
        assert_eq!(c.filled_units(&ledger), 200);
        assert_eq!(c.state, OrderState::Filled);
        assert!((c.avg_net(&ledger) - (10.01 - 19.995)).abs() < 1e-9);
    }

    #[test]
    fn limit_combo_fills_whole_units_at_the_touches_and_rests_out_of_reach() {
        let mut books = vec![
            Book::new(top(1000, 1002, 100), 1),
            Book::new(top(2000, 2002, 50), 1),
        ];
        let mut ledger = Ledger::new(0.0, 0.0, 1);
        // A unit at the touches: 10.02 - 20.00 = -9.98; the limit is -9.98.
        let mut c = ComboOrder::new(&mut ledger, template(), &LEGS, 100, Some(-998));
        c.try_fill(&mut ledger, &mut books, 0, |_, _| {});
        // B shows 50: 50 whole units, the legs even (a LMT combo does not leg).
        assert_eq!(ledger.orders[c.children[0]].filled, 50);
        assert_eq!(ledger.orders[c.children[1]].filled, 50);
        // B's bid drops a cent: a unit would net -9.97, out of reach; it rests (worked).
        books[1].set_top(top(1999, 2002, 50));
        c.try_fill(&mut ledger, &mut books, 1, |_, _| {});
        assert_eq!(ledger.orders[c.children[1]].filled, 50);
        assert!(c.worked().is_some());
        // Back up: it completes at the touches.
        books[1].set_top(top(2000, 2002, 50));
        c.try_fill(&mut ledger, &mut books, 2, |_, _| {});
        assert_eq!(c.state, OrderState::Filled);
        assert!((c.avg_net(&ledger) + 9.98).abs() < 1e-9);
    }

    #[test]
    fn a_sold_combo_reverses_its_legs_and_modifications_and_cancels_apply() {
        let mut books = vec![
            Book::new(top(1000, 1002, 100), 1),
            Book::new(top(2000, 2002, 100), 1),
        ];
        let mut ledger = Ledger::new(0.0, 0.0, 1);
        // Selling (A - B) at -10.03: receive at least -10.03, i.e. buy (B - A) at 10.03 or less.
        let mut c = ComboOrder::new_sold(&mut ledger, template(), &LEGS, 10, Some(-1003));
        assert_eq!(c.legs()[0].side, Side::Sell);
        assert_eq!(c.limit_price(), Some(-10.03));
        // Now: buy B at 20.02, sell A at 10.00: 10.02 <= 10.03.
        c.try_fill(&mut ledger, &mut books, 0, |_, _| {});
        assert_eq!(c.state, OrderState::Filled);
        assert!((c.avg_net(&ledger) - (10.00 - 20.02)).abs() < 1e-9);
        let mut d = ComboOrder::new(&mut ledger, template(), &LEGS, 10, Some(-1100));
        assert_eq!(
            d.modify(&mut ledger, 0, None),
            Err(super::super::ModifyError::BadQuantity)
        );
        assert!(d.modify(&mut ledger, 20, Some(-1000)).is_ok());
        assert_eq!(ledger.orders[d.children[1]].total, 20);
        d.cancel(&mut ledger);
        assert!(!ledger.orders[d.children[0]].state.is_working());
        assert_eq!(
            d.modify(&mut ledger, 5, None),
            Err(super::super::ModifyError::NotWorking)
        );
    }
}
