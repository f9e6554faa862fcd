//! The fill model: a simple book around the quoted touch.
//!
//! Level 0 is the displayed quote; level `k > 0` sits `k` cents further away with
//! `depth_lot * (k + 1)` shares. Liquidity taken at a level stays taken until the quote changes,
//! so two orders on the same quote do not both fill at the touch.

/// A trade print of the market: `size` shares at `price` cents (the synthetic market's trades,
/// a quote file's `last,last_size` columns).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Trade {
    pub price: i64,
    pub size: u32,
}

/// A top-of-book quote in integer cents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BookTop {
    pub bid: i64,
    pub ask: i64,
    pub bid_size: u32,
    pub ask_size: u32,
}

/// Shares per unit of depth beyond the touch.
const DEPTH_LOT: u32 = 500;

/// Side of an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Buy,
    Sell,
}

impl Side {
    /// +1 for buys, -1 for sells.
    pub fn sign(self) -> f64 {
        match self {
            Side::Buy => 1.0,
            Side::Sell => -1.0,
        }
    }
}

/// One fill at one price level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fill {
    pub price: i64,
    pub qty: u32,
}

/// Liquidity state of one symbol: the quote and what has been taken from it.
#[derive(Debug, Clone)]
pub struct Book {
    top: BookTop,
    levels: usize,
    taken_bid: Vec<u32>,
    taken_ask: Vec<u32>,
    /// Whether any liquidity was taken since the last quote (skips the reset otherwise).
    dirty: bool,
}

impl Book {
    /// A book with `levels` price levels per side (the touch included).
    pub fn new(top: BookTop, levels: usize) -> Self {
        let levels = levels.max(1);
        Book {
            top,
            levels,
            taken_bid: vec![0; levels],
            taken_ask: vec![0; levels],
            dirty: false,
        }
    }

    /// The current quote.
    pub fn top(&self) -> BookTop {
        self.top
    }

    /// A new quote replaces the old one and refreshes all liquidity.
    #[inline]
    pub fn set_top(&mut self, top: BookTop) {
        self.top = top;
        if self.dirty {
            self.taken_bid.iter_mut().for_each(|t| *t = 0);
            self.taken_ask.iter_mut().for_each(|t| *t = 0);
            self.dirty = false;
        }
    }

    fn level(&self, side: Side, k: usize) -> (i64, u32) {
        // A buyer takes the asks; a seller hits the bids.
        match side {
            Side::Buy => {
                let size = if k == 0 {
                    self.top.ask_size
                } else {
                    DEPTH_LOT * (k as u32 + 1)
                };
                (self.top.ask + k as i64, size)
            }
            Side::Sell => {
                let size = if k == 0 {
                    self.top.bid_size
                } else {
                    DEPTH_LOT * (k as u32 + 1)
                };
                (self.top.bid - k as i64, size)
            }
        }
    }

    /// The size displayed on `side`'s own side of the book (the bids for a buy) at `price`: the
    /// touch's size at the best price, the simple book's depth behind it (extrapolated past the
    /// modelled levels), 0 at a price better than the best.
    ///
    /// # Examples
    /// ```
    /// use hft::exchange::{Book, BookTop, Side};
    /// let book = Book::new(BookTop { bid: 9999, ask: 10001, bid_size: 100, ask_size: 200 }, 3);
    /// assert_eq!(book.resting_size(Side::Buy, 9999), 100);
    /// assert_eq!(book.resting_size(Side::Buy, 9998), 1000);
    /// assert_eq!(book.resting_size(Side::Sell, 10000), 0);
    /// ```
    pub fn resting_size(&self, side: Side, price: i64) -> u32 {
        let (best, size, behind) = match side {
            Side::Buy => (self.top.bid, self.top.bid_size, self.top.bid - price),
            Side::Sell => (self.top.ask, self.top.ask_size, price - self.top.ask),
        };
        match behind {
            _ if best <= 0 => 0,
            0 => size,
            k if k > 0 => DEPTH_LOT.saturating_mul(u32::try_from(k + 1).unwrap_or(u32::MAX)),
            _ => 0,
        }
    }

    /// The touch an order on `side` would take (the ask for a buy) and the shares still
    /// available there on this quote (the displayed size less what was taken since it came).
    ///
    /// # Examples
    /// ```
    /// use hft::exchange::{Book, BookTop, Side};
    /// let mut book = Book::new(BookTop { bid: 9999, ask: 10001, bid_size: 100, ask_size: 200 }, 3);
    /// book.take(Side::Buy, 150, None, &mut Vec::new());
    /// assert_eq!(book.touch_available(Side::Buy), (10001, 50));
    /// assert_eq!(book.touch_available(Side::Sell), (9999, 100));
    /// ```
    pub fn touch_available(&self, side: Side) -> (i64, u32) {
        let (price, size) = self.level(side, 0);
        let taken = match side {
            Side::Buy => self.taken_ask[0],
            Side::Sell => self.taken_bid[0],
        };
        (price, size.saturating_sub(taken))
    }

    /// Takes up to `qty` shares for an order on `side`, walking the levels while the price is
    /// within `limit` (cents; `None` for a market order). Appends the fills to `fills` and
    /// returns the quantity filled.
    ///
    /// # Examples
    /// ```
    /// use hft::exchange::{Book, BookTop, Side};
    /// let mut book = Book::new(BookTop { bid: 9999, ask: 10001, bid_size: 100, ask_size: 200 }, 3);
    /// let mut fills = Vec::new();
    /// assert_eq!(book.take(Side::Buy, 500, None, &mut fills), 500);
    /// assert_eq!(fills[0].price, 10001);
    /// assert_eq!(fills[0].qty, 200);
    /// assert_eq!(fills[1].price, 10002);
    /// ```
    pub fn take(&mut self, side: Side, qty: u32, limit: Option<i64>, fills: &mut Vec<Fill>) -> u32 {
        let mut left = qty;
        for k in 0..self.levels {
            if left == 0 {
                break;
            }
            let (price, size) = self.level(side, k);
            if price <= 0 {
                break;
            }
            if let Some(limit) = limit {
                let acceptable = match side {
                    Side::Buy => price <= limit,
                    Side::Sell => price >= limit,
                };
                if !acceptable {
                    break;
                }
            }
            let taken = match side {
                Side::Buy => &mut self.taken_ask[k],
                Side::Sell => &mut self.taken_bid[k],
            };
            let available = size.saturating_sub(*taken);
            let q = available.min(left);
            if q > 0 {
                self.dirty = true;
                *taken += q;
                left -= q;
                fills.push(Fill { price, qty: q });
            }
        }
        qty - left
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn book() -> Book {
        Book::new(
            BookTop {
                bid: 1000,
                ask: 1002,
                bid_size: 300,
                ask_size: 100,
            },
            5,
        )
    }

    #[test]
    fn market_order_walks_levels_and_can_be_partial() {
        let mut b = book();
        let mut fills = Vec::new();
        let total: u32 = 100 + 1000 + 1500 + 2000 + 2500;
        assert_eq!(b.take(Side::Buy, 10_000, None, &mut fills), total);
        assert_eq!(fills.len(), 5);
        assert_eq!(fills.last().unwrap().price, 1006);
        // The book is exhausted until the quote changes.
        fills.clear();
        assert_eq!(b.take(Side::Buy, 10, None, &mut fills), 0);
        b.set_top(b.top());
        assert_eq!(b.take(Side::Buy, 10, None, &mut fills), 10);
    }

    #[test]
    fn limit_stops_at_its_price() {
        let mut b = book();
        let mut fills = Vec::new();
        assert_eq!(b.take(Side::Sell, 1000, Some(1000), &mut fills), 300);
        fills.clear();
        assert_eq!(b.take(Side::Buy, 100, Some(1001), &mut fills), 0);
    }
}
