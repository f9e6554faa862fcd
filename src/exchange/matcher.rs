//! The working-order matcher: orders are tried against the book on arrival, and what does not
//! fill rests and is tried again, in arrival order, whenever its symbol's quote changes. The
//! gateway and the backtest both run this loop, so an order fills the same way in both.
//!
//! Rules:
//! - an order fills at most what the book offers within its limit ([`Book::take`]);
//! - a limit order that rests takes a place in its price level's FIFO queue
//!   ([`super::QueuePos`], whose module documents the queue rules); trades
//!   ([`Matcher::on_trade`]) and quotes ([`Matcher::on_quote`]) move it up and fill it at its
//!   own price, a crossing quote fills it at the book's prices;
//! - a modification ([`Matcher::modify`]) that changes the price or raises the quantity loses
//!   the queue position (the order re-joins at the back); one that only lowers it keeps it;
//! - an IOC order that is still working after its first try is cancelled ([`MatchEvent::Expired`]);
//! - the fill faults ([`FillFaults`]) are an explicit input: each execution capped, fills held
//!   back for a delay after arrival, every Nth order rejected on arrival.

use super::book::{Book, Fill};
use super::ledger::{Ledger, OrderRec, OrderState, Tif};
use super::queue::QueuePos;
use std::collections::HashMap;

/// The fault hooks that concern fills. All off by default.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FillFaults {
    /// Cap each execution at this many shares (0 = no cap), so larger orders fill in parts.
    pub max_fill_qty: u32,
    /// Orders do not fill before this many nanoseconds (of the caller's clock) after arrival.
    pub fill_delay_ns: u64,
    /// Reject every Nth order on arrival (0 = never).
    pub reject_every_nth_order: u64,
}

/// What a try at filling an order produced, reported as it happens so the caller can answer in
/// the same order (an execution's status message shows the order as of that execution).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchEvent {
    /// Execution `exec` (an index in [`Ledger::executions`]) of order `order` was booked.
    Execution { order: usize, exec: usize },
    /// IOC order `order` did not fill completely and was cancelled.
    Expired { order: usize },
}

/// Resting orders and the fill loop over them.
///
/// # Examples
/// ```
/// use hft::exchange::{Book, BookTop, FillFaults, Ledger, MatchEvent, Matcher, OrderRec, OrderState, Side, Tif};
/// let top = BookTop { bid: 9999, ask: 10001, bid_size: 100, ask_size: 100 };
/// let mut books = vec![Book::new(top, 1)];
/// let mut ledger = Ledger::new(0.005, 1.0, 1);
/// let mut matcher = Matcher::new(FillFaults::default());
/// let order = OrderRec {
///     client_id: 1, order_id: 1, perm_id: 0, account: "DU1".into(), symbol: 0,
///     side: Side::Buy, total: 150, filled: 0, avg_price: 0.0, last_fill_price: 0.0,
///     limit: None, tif: Tif::Day, order_ref: String::new(), state: OrderState::Submitted,
///     commission_paid: 0.0,
/// };
/// let index = matcher.submit(&mut ledger, order, 0).unwrap();
/// let mut events = Vec::new();
/// matcher.try_fill(&mut ledger, &mut books, index, 0, 0, |_, e| events.push(e));
/// assert_eq!(events, [MatchEvent::Execution { order: index, exec: 0 }]);
/// assert_eq!(matcher.working(), [index]); // 50 shares rest
/// books[0].set_top(top);
/// matcher.on_quote(&mut ledger, &mut books, 0, 1, 0, |_, e| events.push(e));
/// assert_eq!(ledger.orders[index].state, OrderState::Filled);
/// assert!(matcher.working().is_empty());
/// ```
#[derive(Debug, Default)]
pub struct Matcher {
    faults: FillFaults,
    /// Ledger indices of the working orders, in arrival order.
    working: Vec<usize>,
    /// Orders that may not fill before this instant (caller's clock, ns): the fill delay.
    not_before: HashMap<usize, u64>,
    /// Orders submitted (for "reject every Nth").
    orders_seen: u64,
    /// Queue positions of the resting limit orders, by ledger index.
    queues: HashMap<usize, QueuePos>,
    /// Scratch for one try's fills, reused so a try does not allocate.
    fills: Vec<Fill>,
}

/// Why [`Matcher::modify`] refused a modification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModifyError {
    /// The order is no longer working.
    NotWorking,
    /// The new quantity is zero or below what has already filled.
    BadQuantity,
}

impl Matcher {
    /// A matcher with no working orders that applies `faults`.
    pub fn new(faults: FillFaults) -> Self {
        Matcher {
            faults,
            fills: Vec::with_capacity(64),
            ..Matcher::default()
        }
    }

    /// Ledger indices of the working orders, in arrival order.
    pub fn working(&self) -> &[usize] {
        &self.working
    }

    /// Books a new order (its `perm_id` is assigned here) at `now_ns` of the caller's clock.
    ///
    /// Returns its ledger index: `Ok` when it is working (the caller then answers and calls
    /// [`Matcher::try_fill`]), `Err` when the every-Nth fault rejected it (booked `Inactive`).
    ///
    /// # Errors
    /// `Err(index)`: the order was rejected by [`FillFaults::reject_every_nth_order`].
    pub fn submit(
        &mut self,
        ledger: &mut Ledger,
        mut order: OrderRec,
        now_ns: u64,
    ) -> Result<usize, usize> {
        self.orders_seen += 1;
        let nth = self.faults.reject_every_nth_order;
        let reject = nth > 0 && self.orders_seen.is_multiple_of(nth);
        order.perm_id = ledger.next_perm_id();
        ledger.orders.push(order);
        let index = ledger.orders.len() - 1;
        if reject {
            ledger.orders[index].state = OrderState::Inactive;
            return Err(index);
        }
        self.working.push(index);
        if self.faults.fill_delay_ns > 0 {
            self.not_before
                .insert(index, now_ns + self.faults.fill_delay_ns);
        }
        Ok(index)
    }

    /// Cancels working order `index` (no event: the caller answers).
    pub fn cancel(&mut self, ledger: &mut Ledger, index: usize) {
        ledger.orders[index].state = OrderState::Cancelled;
        self.drop_working(index);
    }

    /// The queue position of resting limit order `index`, once it rests.
    pub fn queue_position(&self, index: usize) -> Option<QueuePos> {
        self.queues.get(&index).copied()
    }

    /// Modifies working order `index` to `total` shares at `limit` (IB: the same order id
    /// re-sent). A new price or a larger quantity loses the queue position: the order moves to
    /// the back of the working list and re-joins its level on its next try. A smaller quantity
    /// keeps it. An order whose new total equals what has filled is `Filled`. Returns whether
    /// the order kept its priority; the caller then calls [`Matcher::try_fill`].
    ///
    /// # Errors
    /// [`ModifyError`]: the order is not working, or `total` is 0 or below its filled quantity.
    pub fn modify(
        &mut self,
        ledger: &mut Ledger,
        index: usize,
        total: u32,
        limit: Option<i64>,
    ) -> Result<bool, ModifyError> {
        let o = &mut ledger.orders[index];
        if !o.state.is_working() {
            return Err(ModifyError::NotWorking);
        }
        if total == 0 || total < o.filled {
            return Err(ModifyError::BadQuantity);
        }
        let keeps = limit == o.limit && total <= o.total;
        o.total = total;
        o.limit = limit;
        if o.filled == o.total {
            o.state = OrderState::Filled;
            self.drop_working(index);
            return Ok(keeps);
        }
        if !keeps {
            self.queues.remove(&index);
            self.working.retain(|&w| w != index);
            self.working.push(index);
        }
        Ok(keeps)
    }

    /// Books `fill` of working order `index` directly (a midpoint match the caller decided,
    /// outside the book), reporting it through `on`; capped at what remains.
    pub fn fill_at(
        &mut self,
        ledger: &mut Ledger,
        index: usize,
        fill: Fill,
        unix_secs: i64,
        mut on: impl FnMut(&Ledger, MatchEvent),
    ) {
        let remaining = ledger.orders[index].remaining();
        let qty = fill.qty.min(remaining).min(self.cap());
        if qty == 0 {
            return;
        }
        let exec = ledger.apply_fill(index, Fill { qty, ..fill }, unix_secs);
        on(ledger, MatchEvent::Execution { order: index, exec });
        if !ledger.orders[index].state.is_working() {
            self.drop_working(index);
        }
    }

    /// A trade of `size` shares at `price` (cents) on `symbol`: resting limit orders at that
    /// price move up their queues and fill with what the trade prints beyond the size ahead of
    /// them, in arrival order, sharing the trade's volume; orders whose limit the trade went
    /// through fill at their limit (see [`QueuePos::on_trade`]). Call it before
    /// [`Matcher::on_quote`] for the quote that came with the trade.
    #[allow(clippy::too_many_arguments)]
    pub fn on_trade(
        &mut self,
        ledger: &mut Ledger,
        symbol: usize,
        price: i64,
        size: u32,
        unix_secs: i64,
        now_ns: u64,
        mut on: impl FnMut(&Ledger, MatchEvent),
    ) {
        let mut volume_left = size;
        let cap = self.cap();
        let mut k = 0;
        while k < self.working.len() {
            let index = self.working[k];
            let o = &ledger.orders[index];
            k += 1;
            if o.symbol != symbol || volume_left == 0 || !self.may_fill(index, now_ns) {
                continue;
            }
            let Some(q) = self.queues.get_mut(&index) else {
                continue;
            };
            let qty = q
                .on_trade(o.side, price, size, o.remaining())
                .min(volume_left);
            let qty = qty.min(cap);
            if qty == 0 {
                continue;
            }
            volume_left -= qty;
            let fill = Fill {
                price: q.price(),
                qty,
            };
            let exec = ledger.apply_fill(index, fill, unix_secs);
            on(ledger, MatchEvent::Execution { order: index, exec });
            if !ledger.orders[index].state.is_working() {
                k -= 1;
                self.drop_working(index);
            }
        }
    }

    fn cap(&self) -> u32 {
        match self.faults.max_fill_qty {
            0 => u32::MAX,
            n => n,
        }
    }

    /// False while order `index` is held back by the fill delay.
    fn may_fill(&mut self, index: usize, now_ns: u64) -> bool {
        if !self.not_before.is_empty()
            && let Some(&t) = self.not_before.get(&index)
        {
            if now_ns < t {
                return false;
            }
            self.not_before.remove(&index);
        }
        true
    }

    fn drop_working(&mut self, index: usize) {
        self.working.retain(|&w| w != index);
        self.queues.remove(&index);
        self.not_before.remove(&index);
    }

    /// Tries to fill order `index` against its symbol's book now (on arrival, or after a
    /// modification), booking executions at `unix_secs` and reporting each through `on`.
    pub fn try_fill(
        &mut self,
        ledger: &mut Ledger,
        books: &mut [Book],
        index: usize,
        unix_secs: i64,
        now_ns: u64,
        on: impl FnMut(&Ledger, MatchEvent),
    ) {
        if self.fill_once(ledger, books, index, unix_secs, now_ns, on) {
            self.drop_working(index);
        }
    }

    /// Tries every working order on `symbol`, in arrival order, after its quote changed.
    pub fn on_quote(
        &mut self,
        ledger: &mut Ledger,
        books: &mut [Book],
        symbol: usize,
        unix_secs: i64,
        now_ns: u64,
        mut on: impl FnMut(&Ledger, MatchEvent),
    ) {
        let mut k = 0;
        while k < self.working.len() {
            let index = self.working[k];
            if ledger.orders[index].symbol == symbol
                && self.fill_once(ledger, books, index, unix_secs, now_ns, &mut on)
            {
                self.working.remove(k);
                self.queues.remove(&index);
            } else {
                k += 1;
            }
        }
    }

    /// One try at order `index`; true when it was working and no longer is (the caller drops it
    /// from the working list). An order that was not working is left where it is.
    fn fill_once(
        &mut self,
        ledger: &mut Ledger,
        books: &mut [Book],
        index: usize,
        unix_secs: i64,
        now_ns: u64,
        mut on: impl FnMut(&Ledger, MatchEvent),
    ) -> bool {
        let o = &ledger.orders[index];
        if !o.state.is_working() || !self.may_fill(index, now_ns) {
            return false;
        }
        let (symbol, side, limit) = (o.symbol, o.side, o.limit);
        let cap = self.cap();
        // A cross (or a market order) takes from the book at the book's prices.
        let mut fills = std::mem::take(&mut self.fills);
        fills.clear();
        books[symbol].take(side, o.remaining().min(cap), limit, &mut fills);
        for f in &fills {
            let exec = ledger.apply_fill(index, *f, unix_secs);
            on(ledger, MatchEvent::Execution { order: index, exec });
        }
        self.fills = fills;
        let o = &mut ledger.orders[index];
        if o.state.is_working() && o.tif == Tif::Ioc {
            o.state = OrderState::Cancelled;
            on(ledger, MatchEvent::Expired { order: index });
        } else if o.state.is_working()
            && let Some(limit) = limit
        {
            // What rests queues at its price; a level traded through fills at the limit.
            let top = books[symbol].top();
            let through = match self.queues.get_mut(&index) {
                Some(q) => q.on_quote(side, top),
                None => {
                    let q = QueuePos::join(&books[symbol], side, limit);
                    self.queues.insert(index, q);
                    false
                }
            };
            if through {
                let qty = o.remaining().min(cap);
                let exec = ledger.apply_fill(index, Fill { price: limit, qty }, unix_secs);
                on(ledger, MatchEvent::Execution { order: index, exec });
            }
        }
        !ledger.orders[index].state.is_working()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exchange::{BookTop, Side};

    fn order(tif: Tif, total: u32, limit: Option<i64>) -> OrderRec {
        OrderRec {
            client_id: 1,
            order_id: 1,
            perm_id: 0,
            account: "DU1".into(),
            symbol: 0,
            side: Side::Buy,
            total,
            filled: 0,
            avg_price: 0.0,
            last_fill_price: 0.0,
            limit,
            tif,
            order_ref: String::new(),
            state: OrderState::Submitted,
            commission_paid: 0.0,
        }
    }

    fn books() -> Vec<Book> {
        let top = BookTop {
            bid: 1000,
            ask: 1002,
            bid_size: 100,
            ask_size: 100,
        };
        vec![Book::new(top, 1)]
    }

    #[test]
    fn ioc_expires_and_faults_apply() {
        let mut ledger = Ledger::new(0.0, 0.0, 1);
        let mut books = books();
        let faults = FillFaults {
            max_fill_qty: 30,
            fill_delay_ns: 10,
            reject_every_nth_order: 3,
        };
        let mut m = Matcher::new(faults);
        let mut events = Vec::new();
        let ioc = m.submit(&mut ledger, order(Tif::Ioc, 50, None), 0).unwrap();
        // Delayed: nothing fills before 10 ns.
        m.try_fill(&mut ledger, &mut books, ioc, 0, 5, |_, e| events.push(e));
        assert!(events.is_empty());
        assert_eq!(m.working(), [ioc]);
        m.on_quote(&mut ledger, &mut books, 0, 0, 10, |_, e| events.push(e));
        assert_eq!(
            events,
            [
                MatchEvent::Execution {
                    order: ioc,
                    exec: 0
                },
                MatchEvent::Expired { order: ioc }
            ]
        );
        assert_eq!(ledger.executions[0].qty, 30);
        assert!(m.working().is_empty());
        let day = m.submit(&mut ledger, order(Tif::Day, 50, Some(1001)), 20);
        assert!(day.is_ok());
        let third = m.submit(&mut ledger, order(Tif::Day, 50, None), 20);
        let third = third.expect_err("every third order is rejected");
        assert_eq!(ledger.orders[third].state, OrderState::Inactive);
        m.cancel(&mut ledger, day.unwrap());
        assert!(m.working().is_empty());
    }
}
