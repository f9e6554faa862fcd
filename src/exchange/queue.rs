//! Queue position of a resting limit order: one FIFO queue per price level, and an estimate of
//! the displayed size ahead of the order in it. The rules (the same in the gateway and the
//! backtest; see the README's paper-gateway section):
//!
//! 1. **Arrival.** A non-marketable limit order joins its level behind the size displayed there
//!    when it arrives: the touch's size when it joins the touch, 0 when it improves the touch
//!    (it is alone at a new level), the simple book's depth ([`Book::resting_size`]) when it sits
//!    behind the touch.
//! 2. **Trades** at the order's price consume the queue ahead first; what a trade prints beyond
//!    the size ahead fills the order (partial fills). A trade at a price worse than the order's
//!    limit (a sale below a resting buy, a purchase above a resting sell) went through the
//!    order's level: the order fills up to the trade's size, at its own limit.
//! 3. **Cancels.** A displayed size decrease at the order's price while it is the touch, beyond
//!    what trades at that price since the last quote explain, is taken to be cancellations spread
//!    evenly over the queue: the size ahead shrinks in proportion (`ahead * decrease / before`,
//!    rounded down, so the estimate errs towards more ahead). The size ahead never exceeds what
//!    the touch displays. Increases join behind the order and change nothing.
//! 4. **Trade-through by quotes.** Once the level has existed (the best price on the order's side
//!    was at or past its price), a quote whose best price on that side falls short of it means
//!    the level was cleared: the order fills completely at its own price. A caller with quotes
//!    only (the backtest) relies on this rule and on crosses; a caller with trades (the gateway)
//!    gets the finer rule 2 as well.
//! 5. **Crosses** (the opposite side at or through the limit) fill at the book's prices, as a new
//!    marketable order would; the matcher handles them before the queue.
//!
//! Prices are integer cents. This module is pure arithmetic on a [`QueuePos`]; the
//! [`super::Matcher`] keeps one per resting limit order and books the fills.

use super::book::{Book, BookTop, Side};

/// Where a resting limit order stands in the FIFO queue at its price.
///
/// # Examples
/// ```
/// use hft::exchange::{Book, BookTop, QueuePos, Side};
/// let top = BookTop { bid: 1000, ask: 1002, bid_size: 300, ask_size: 100 };
/// let book = Book::new(top, 3);
/// let mut q = QueuePos::join(&book, Side::Buy, 1000);
/// assert_eq!(q.ahead(), 300); // behind the displayed bid
/// assert_eq!(q.on_trade(Side::Buy, 1000, 200, 500), 0); // 200 of the 300 ahead traded
/// assert_eq!(q.on_trade(Side::Buy, 1000, 300, 500), 200); // 100 ahead, then 200 to us
/// assert_eq!(q.ahead(), 0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueuePos {
    price: i64,
    ahead: u32,
    /// Size displayed at `price` on the last quote, while `price` was the touch.
    touch_size: Option<u32>,
    /// The level has existed since the order arrived (the best price on the order's side was at
    /// or past `price`), so the best price falling short of it is a trade-through.
    armed: bool,
    /// Volume traded at `price` since the last quote: it explains that much of a size decrease.
    traded_since_quote: u32,
}

/// The best price on `side`'s own side (the bid for a buy).
fn own_best(side: Side, top: BookTop) -> (i64, u32) {
    match side {
        Side::Buy => (top.bid, top.bid_size),
        Side::Sell => (top.ask, top.ask_size),
    }
}

/// True when `a` is a strictly better price than `b` for an order on `side`.
fn better(side: Side, a: i64, b: i64) -> bool {
    match side {
        Side::Buy => a > b,
        Side::Sell => a < b,
    }
}

impl QueuePos {
    /// A limit order on `side` at `price` joins its level in `book` (rule 1).
    pub fn join(book: &Book, side: Side, price: i64) -> Self {
        let top = book.top();
        let (best, size) = own_best(side, top);
        let quoted = best > 0;
        let (ahead, touch_size, armed) = if !quoted || better(side, price, best) {
            (0, None, false)
        } else if price == best {
            (size, Some(size), true)
        } else {
            (book.resting_size(side, price), None, true)
        };
        QueuePos {
            price,
            ahead,
            touch_size,
            armed,
            traded_since_quote: 0,
        }
    }

    /// The order's price, cents.
    pub fn price(&self) -> i64 {
        self.price
    }

    /// Shares estimated ahead of the order at its price.
    pub fn ahead(&self) -> u32 {
        self.ahead
    }

    /// A trade of `size` at `trade_price` (rules 2 and 4); returns the shares it fills of an
    /// order on `side` with `remaining` shares left, at the order's own price.
    pub fn on_trade(&mut self, side: Side, trade_price: i64, size: u32, remaining: u32) -> u32 {
        if trade_price == self.price {
            let consumed = self.ahead.min(size);
            self.ahead -= consumed;
            self.traded_since_quote = self.traded_since_quote.saturating_add(size);
            (size - consumed).min(remaining)
        } else if better(side, self.price, trade_price) {
            // A trade at a worse price than the order's went through its level first.
            self.ahead = 0;
            size.min(remaining)
        } else {
            0
        }
    }

    /// A new quote (rules 3 and 4). Returns true when the order's level was traded through:
    /// the caller fills what remains at the order's price.
    pub fn on_quote(&mut self, side: Side, top: BookTop) -> bool {
        let traded = std::mem::take(&mut self.traded_since_quote);
        let (best, size) = own_best(side, top);
        if best <= 0 {
            return false; // no quote on the order's side: nothing to learn
        }
        if better(side, self.price, best) {
            // The best price falls short of the order: traded through if the level existed.
            self.touch_size = None;
            return self.armed;
        }
        self.armed = true;
        if best != self.price {
            // Behind the touch: the simple book's depth says nothing about cancels there.
            self.touch_size = None;
            return false;
        }
        if let Some(before) = self.touch_size {
            let decrease = before.saturating_sub(size).saturating_sub(traded);
            if decrease > 0 && before > 0 {
                let cancelled_ahead =
                    u64::from(self.ahead) * u64::from(decrease) / u64::from(before);
                self.ahead -= cancelled_ahead as u32;
            }
        }
        self.ahead = self.ahead.min(size);
        self.touch_size = Some(size);
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOP: BookTop = BookTop {
        bid: 1000,
        ask: 1002,
        bid_size: 300,
        ask_size: 400,
    };

    fn with(bid: i64, bid_size: u32) -> BookTop {
        BookTop {
            bid,
            bid_size,
            ..TOP
        }
    }

    #[test]
    fn join_the_bid_improve_and_behind_the_touch() {
        let book = Book::new(TOP, 3);
        assert_eq!(QueuePos::join(&book, Side::Buy, 1000).ahead(), 300);
        assert_eq!(QueuePos::join(&book, Side::Buy, 1001).ahead(), 0);
        // One cent behind the bid: the simple book's second level (2 lots of 500).
        assert_eq!(QueuePos::join(&book, Side::Buy, 999).ahead(), 1000);
        assert_eq!(QueuePos::join(&book, Side::Sell, 1002).ahead(), 400);
        assert_eq!(QueuePos::join(&book, Side::Sell, 1004).ahead(), 1500);
    }

    #[test]
    fn size_decrease_without_trades_shrinks_the_queue_proportionally() {
        let book = Book::new(TOP, 3);
        let mut q = QueuePos::join(&book, Side::Buy, 1000);
        // 300 displayed, 300 ahead; 150 cancelled: half of the queue ahead goes.
        assert!(!q.on_quote(Side::Buy, with(1000, 150)));
        assert_eq!(q.ahead(), 150);
        // Size grows: newcomers queue behind.
        assert!(!q.on_quote(Side::Buy, with(1000, 900)));
        assert_eq!(q.ahead(), 150);
        // 900 -> 600 with 200 traded at the price: 200 traded off the front (ahead 150 -> 0,
        // 50 to us), 100 unexplained cancels spread over an empty queue ahead.
        assert_eq!(q.on_trade(Side::Buy, 1000, 200, 100), 50);
        assert!(!q.on_quote(Side::Buy, with(1000, 600)));
        assert_eq!(q.ahead(), 0);
    }

    #[test]
    fn decrease_explained_by_trades_is_not_a_cancel() {
        let book = Book::new(with(1000, 1000), 3);
        let mut q = QueuePos::join(&book, Side::Buy, 1000);
        assert_eq!(q.on_trade(Side::Buy, 1000, 400, 100), 0);
        assert_eq!(q.ahead(), 600);
        assert!(!q.on_quote(Side::Buy, with(1000, 600)));
        assert_eq!(q.ahead(), 600);
        // The touch never shows less than is ahead of us.
        assert!(!q.on_quote(Side::Buy, with(1000, 100)));
        assert!(q.ahead() <= 100);
    }

    #[test]
    fn trade_consumption_and_partial_fills() {
        let book = Book::new(TOP, 3);
        let mut q = QueuePos::join(&book, Side::Buy, 1000);
        assert_eq!(q.on_trade(Side::Buy, 1000, 250, 200), 0);
        assert_eq!(q.on_trade(Side::Buy, 1000, 100, 200), 50);
        assert_eq!(q.on_trade(Side::Buy, 1000, 500, 150), 150);
        // Trades at better prices for the other side do not touch a buy.
        assert_eq!(q.on_trade(Side::Buy, 1001, 500, 150), 0);
    }

    #[test]
    fn trade_at_a_worse_price_goes_through_the_level() {
        let book = Book::new(TOP, 3);
        let mut q = QueuePos::join(&book, Side::Buy, 1001); // improves the bid
        assert_eq!(q.on_trade(Side::Buy, 1000, 300, 500), 300);
        let mut s = QueuePos::join(&book, Side::Sell, 1002);
        assert_eq!(s.on_trade(Side::Sell, 1003, 100, 50), 50);
    }

    #[test]
    fn quote_trade_through_needs_the_level_to_have_existed() {
        let book = Book::new(TOP, 3);
        let mut improving = QueuePos::join(&book, Side::Buy, 1001);
        assert!(!improving.on_quote(Side::Buy, TOP)); // still alone above the bid
        assert!(!improving.on_quote(Side::Buy, with(1001, 200))); // others join at 1001
        assert!(improving.on_quote(Side::Buy, with(1000, 200))); // 1001 cleared
        let mut joined = QueuePos::join(&book, Side::Buy, 1000);
        assert!(!joined.on_quote(Side::Buy, with(1001, 100))); // now behind the touch
        assert!(joined.on_quote(Side::Buy, with(999, 100)));
    }
}
