//! How a NonGuaranteed LMT combo whose net is out of reach at the touches is worked: the venue's
//! model of IB's SMART combo routing, shared by the paper gateway and the backtest (one rule).
//! IB does not publish how SMART works a resting non-guaranteed combo; this is a simple,
//! documented form of what it is seen to do (work one leg at the price the net allows, hedge
//! the others when it fills).
//!
//! Rules (prices in integer cents, a combo's legs as bought; a SELL of a combo is the buy of its
//! legs reversed at the negated net, [`ComboOrder::new_sold`]):
//! 1. **The worked leg** is the one whose quoted spread in ticks times its ratio is widest (where
//!    resting instead of crossing saves most); ties go to the first leg. It is chosen once, when
//!    the combo first rests, and kept for the life of the order ([`worked_leg`]).
//! 2. **Its implied price** is the net limit minus the other legs valued at their far touches now
//!    (the ask of a bought leg, the bid of a sold one), per unit, divided by the worked leg's
//!    ratio and rounded to the tick towards not overpaying: down for a bought leg, up for a sold
//!    one ([`implied_price`]). So one unit made of the worked leg at that price and the others at
//!    those touches never nets worse than the limit.
//! 3. **The child** rests at that price in the worked leg's FIFO queue by the queue-position model
//!    ([`QueuePos`]: behind the size displayed there when it arrived; filled when trade prints
//!    consume the queue ahead, when a print goes through its price, or when quotes trade its
//!    level through). It fills at its own price. If the worked leg's far touch reaches it, the
//!    combo's net is in reach at the touches and the combo takes the touches instead
//!    ([`ComboOrder::try_fill`]).
//! 4. **Hedges.** On each fill of the worked child the other legs are taken at their touch at
//!    once, pro rata in the ratios. The child fills in whole units only, and no more units than
//!    the other legs' touches can complete now (what is left of a print beyond that is not
//!    taken), so every unit is complete when it fills and the legs stay even. Before it fills,
//!    the unit's net at the child's price and the other legs' touches is checked against the
//!    limit again: the limit is a hard bound on every unit.
//! 5. **Re-peg.** When another leg's touch moves, the implied price moves and the child is re-pegged:
//!    it leaves its queue and joins the new price's queue at the back (it loses its place;
//!    counted, [`ComboOrder::repegs`]). Quotes of the worked leg itself do not move its price.
//! 6. **Legged combos** (legs uneven after a take at the touches on a short touch) are not worked:
//!    the rest is completed at the touches only, when the net allows it, as before.
//!
//! Trade prints reach the worked child only (not the hedge legs, which take the touch); a print's
//! volume is not shared with the ordinary orders resting at the same price. Everything depends on
//! the quotes and prints only, so the gateway and the backtest work a combo identically.

use super::book::{Book, Fill, Side, Trade};
use super::combo::{ComboEvent, ComboLegSpec, ComboOrder};
use super::ledger::Ledger;
use super::queue::QueuePos;

/// The child of a resting LMT combo that works one leg in its queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkedChild {
    /// The worked leg (an index in the combo's legs).
    pub leg: usize,
    /// Its place in the queue at its implied price.
    pub queue: QueuePos,
}

/// The far touch of `leg` now (the ask of a bought leg, the bid of a sold one), `None` when
/// that side is not quoted.
fn far_touch(leg: &ComboLegSpec, books: &[Book]) -> Option<i64> {
    let top = books[leg.symbol].top();
    let touch = match leg.side {
        Side::Buy => top.ask,
        Side::Sell => top.bid,
    };
    (touch > 0).then_some(touch)
}

fn sign(side: Side) -> i64 {
    match side {
        Side::Buy => 1,
        Side::Sell => -1,
    }
}

/// The leg a resting LMT combo works (rule 1): the widest quoted spread in ticks times the
/// ratio; ties (and unquoted legs) go to the first.
///
/// # Examples
/// ```
/// use hft::exchange::{Book, BookTop, ComboLegSpec, Side, worked_leg};
/// let top = |bid, ask| BookTop { bid, ask, bid_size: 100, ask_size: 100 };
/// let books = [Book::new(top(1000, 1002), 1), Book::new(top(2000, 2003), 1)];
/// let leg = |symbol, side, ratio| ComboLegSpec { symbol, side, ratio };
/// // 2 ticks x 2 against 3 ticks x 1: the first leg.
/// assert_eq!(worked_leg(&[leg(0, Side::Buy, 2), leg(1, Side::Sell, 1)], &books), 0);
/// assert_eq!(worked_leg(&[leg(0, Side::Buy, 1), leg(1, Side::Sell, 1)], &books), 1);
/// ```
pub fn worked_leg(legs: &[ComboLegSpec], books: &[Book]) -> usize {
    let mut best = (0, -1);
    for (i, leg) in legs.iter().enumerate() {
        let top = books[leg.symbol].top();
        let spread = if top.bid > 0 && top.ask > top.bid {
            top.ask - top.bid
        } else {
            0
        };
        let score = spread * i64::from(leg.ratio);
        if score > best.1 {
            best = (i, score);
        }
    }
    best.0
}

/// The price at which leg `worked` may rest so that one unit, with the other legs at their far
/// touches now, nets at most `limit` cents (rule 2); `None` while another leg's far touch is
/// not quoted or the price would not be positive.
///
/// # Examples
/// ```
/// use hft::exchange::{Book, BookTop, ComboLegSpec, Side, implied_price};
/// let top = |bid, ask| BookTop { bid, ask, bid_size: 100, ask_size: 100 };
/// let books = [Book::new(top(1000, 1002), 1), Book::new(top(2000, 2002), 1)];
/// let legs = [
///     ComboLegSpec { symbol: 0, side: Side::Buy, ratio: 2 },
///     ComboLegSpec { symbol: 1, side: Side::Sell, ratio: 1 },
/// ];
/// // Buy 2 A - 1 B at a net of 1.01: 2 x A <= 1.01 + 20.00, A <= 10.505 -> 10.50 (down).
/// assert_eq!(implied_price(&legs, &books, 101, 0), Some(1050));
/// // Working B instead: -B <= 1.01 - 2 x 10.02, B >= 19.03 (a sold leg rounds up).
/// assert_eq!(implied_price(&legs, &books, 101, 1), Some(1903));
/// ```
pub fn implied_price(
    legs: &[ComboLegSpec],
    books: &[Book],
    limit: i64,
    worked: usize,
) -> Option<i64> {
    let mut rest = limit;
    for (i, leg) in legs.iter().enumerate() {
        if i != worked {
            rest -= sign(leg.side) * i64::from(leg.ratio) * far_touch(leg, books)?;
        }
    }
    let ratio = i64::from(legs[worked].ratio.max(1));
    let price = match legs[worked].side {
        Side::Buy => rest.div_euclid(ratio),
        Side::Sell => -rest.div_euclid(ratio),
    };
    (price > 0).then_some(price)
}

/// One unit's net in cents with the legs at their far touches now, but leg `worked.0` at
/// `worked.1` when given.
fn unit_net(legs: &[ComboLegSpec], books: &[Book], worked: Option<(usize, i64)>) -> Option<i64> {
    let mut net = 0;
    for (i, leg) in legs.iter().enumerate() {
        let p = match worked {
            Some((w, price)) if w == i => price,
            _ => far_touch(leg, books)?,
        };
        net += sign(leg.side) * i64::from(leg.ratio) * p;
    }
    Some(net)
}

impl ComboOrder {
    /// The worked child while the combo rests in a leg's queue: (the leg's index in
    /// [`ComboOrder::legs`], its price in cents, the shares ahead of it).
    pub fn worked(&self) -> Option<(usize, i64, u32)> {
        self.worked
            .map(|w| (w.leg, w.queue.price(), w.queue.ahead()))
    }

    /// Times the worked child was re-pegged to a new implied price (each lost its queue place).
    pub fn repegs(&self) -> u32 {
        self.repegs
    }

    /// A market event on `symbol` (its book already holds the new quote), with the trade
    /// printed with it: the worked child, if it rests on `symbol`, moves up its queue and fills
    /// what the print reaches (then the quote, which may trade its level through), each fill
    /// hedged at once; then the combo is tried again at the touches or re-pegged
    /// ([`ComboOrder::try_fill`]). Executions are booked at `unix_secs` and reported through `on`.
    pub fn on_market(
        &mut self,
        ledger: &mut Ledger,
        books: &mut [Book],
        symbol: usize,
        trade: Option<Trade>,
        unix_secs: i64,
        mut on: impl FnMut(&Ledger, ComboEvent),
    ) {
        if !self.is_working() {
            return;
        }
        if let Some(w) = self.worked
            && self.legs[w.leg].symbol == symbol
        {
            let side = self.legs[w.leg].side;
            let mut queue = w.queue;
            if let Some(t) = trade {
                let shares = queue.on_trade(side, t.price, t.size, self.worked_remaining(ledger));
                self.worked = Some(WorkedChild { queue, ..w });
                self.fill_worked(ledger, books, shares, unix_secs, &mut on);
            }
            if self.worked.is_some() {
                let traded_through = queue.on_quote(side, books[symbol].top());
                self.worked = Some(WorkedChild { queue, ..w });
                if traded_through {
                    let shares = self.worked_remaining(ledger);
                    self.fill_worked(ledger, books, shares, unix_secs, &mut on);
                }
            }
        }
        self.try_fill(ledger, books, unix_secs, on);
    }

    /// Complete units while every leg has filled the same number of units; `None` when legged.
    fn even_units(&self, ledger: &Ledger) -> Option<u32> {
        let units = self.filled_units(ledger);
        self.legs
            .iter()
            .zip(&self.children)
            .all(|(l, &c)| ledger.orders[c].filled == l.ratio * units)
            .then_some(units)
    }

    /// Shares the worked child still has to fill.
    fn worked_remaining(&self, ledger: &Ledger) -> u32 {
        match (self.worked, self.even_units(ledger)) {
            (Some(w), Some(done)) => self.units.saturating_sub(done) * self.legs[w.leg].ratio,
            _ => 0,
        }
    }

    /// The combo's net is out of reach at the touches: the worked child rests at the implied
    /// price (rules 1, 2, 5), or nothing rests (a legged combo, an unquoted leg, a MKT combo).
    pub(super) fn rest(&mut self, ledger: &Ledger, books: &[Book]) {
        let (Some(limit), Some(_)) = (self.limit, self.even_units(ledger)) else {
            self.worked = None;
            return;
        };
        let leg = *self
            .worked_leg
            .get_or_insert_with(|| worked_leg(&self.legs, books));
        let Some(price) = implied_price(&self.legs, books, limit, leg) else {
            self.worked = None;
            return;
        };
        match self.worked {
            Some(w) if w.queue.price() == price => {}
            before => {
                if before.is_some() {
                    self.repegs += 1;
                }
                let spec = self.legs[leg];
                let queue = QueuePos::join(&books[spec.symbol], spec.side, price);
                self.worked = Some(WorkedChild { leg, queue });
            }
        }
    }

    /// `shares` of the worked child fill at its price (rule 4): in whole units, no more than
    /// the other legs' touches complete now, each unit checked against the limit; the other
    /// legs are taken at their touches at once, pro rata.
    fn fill_worked(
        &mut self,
        ledger: &mut Ledger,
        books: &mut [Book],
        shares: u32,
        unix_secs: i64,
        on: &mut impl FnMut(&Ledger, ComboEvent),
    ) {
        let (Some(w), Some(limit), Some(done)) = (self.worked, self.limit, self.even_units(ledger))
        else {
            return;
        };
        let price = w.queue.price();
        if unit_net(&self.legs, books, Some((w.leg, price))).is_none_or(|net| net > limit) {
            return;
        }
        let wanted = (shares / self.legs[w.leg].ratio.max(1)).min(self.units - done);
        let units = self.units_at_touches(books, wanted, Some(w.leg));
        if units == 0 {
            return;
        }
        let child = self.children[w.leg];
        let fill = Fill {
            price,
            qty: units * self.legs[w.leg].ratio,
        };
        let exec = ledger.apply_fill(child, fill, unix_secs);
        on(ledger, ComboEvent::LegExecution { order: child, exec });
        self.take_units(ledger, books, units, Some(w.leg), unix_secs, on);
        if !self.is_working() {
            self.worked = None;
        }
    }

    /// A LMT combo tried now (rules 0 and 2-5): whole units at the touches while one unit there
    /// nets within the limit, else the worked child rests.
    pub(super) fn work_limit(
        &mut self,
        ledger: &mut Ledger,
        books: &mut [Book],
        limit: i64,
        unix_secs: i64,
        mut on: impl FnMut(&Ledger, ComboEvent),
    ) {
        let Some(done) = self.even_units(ledger) else {
            debug_assert!(false, "a LMT combo fills whole units: its legs stay even");
            return;
        };
        if unit_net(&self.legs, books, None).is_none_or(|net| net > limit) {
            return self.rest(ledger, books);
        }
        // In reach at the touches: the worked child, if any, gives way to taking them.
        self.worked = None;
        let units = self.units_at_touches(books, self.units - done, None);
        if units > 0 {
            self.take_units(ledger, books, units, None, unix_secs, &mut on);
        }
    }

    /// At most `wanted` units, as many as every leg but `skip` can complete at its touch now.
    fn units_at_touches(&self, books: &[Book], wanted: u32, skip: Option<usize>) -> u32 {
        let mut units = wanted;
        for (i, leg) in self.legs.iter().enumerate() {
            if Some(i) != skip {
                let (_, available) = books[leg.symbol].touch_available(leg.side);
                units = units.min(available / leg.ratio.max(1));
            }
        }
        units
    }

    /// Every leg but `skip` takes `units` times its ratio at its touch (which shows them: see
    /// [`ComboOrder::units_at_touches`]); then complete units are reported.
    fn take_units(
        &mut self,
        ledger: &mut Ledger,
        books: &mut [Book],
        units: u32,
        skip: Option<usize>,
        unix_secs: i64,
        on: &mut impl FnMut(&Ledger, ComboEvent),
    ) {
        let mut fills = std::mem::take(&mut self.fills);
        for (i, leg) in self.legs.iter().enumerate() {
            if Some(i) == skip {
                continue;
            }
            let (touch, _) = books[leg.symbol].touch_available(leg.side);
            fills.clear();
            books[leg.symbol].take(leg.side, units * leg.ratio, Some(touch), &mut fills);
            for f in &fills {
                let exec = ledger.apply_fill(self.children[i], *f, unix_secs);
                on(
                    ledger,
                    ComboEvent::LegExecution {
                        order: self.children[i],
                        exec,
                    },
                );
            }
        }
        self.fills = fills;
        self.report_units(ledger, on);
    }
}
