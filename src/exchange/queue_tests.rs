//! The queue rules through the matcher, as the gateway and the backtest drive it: one test per
//! rule, and a property that no fill is worse than the limit or beyond the quantity.

use super::*;
use proptest::prelude::*;

const TOP: BookTop = BookTop {
    bid: 1000,
    ask: 1002,
    bid_size: 300,
    ask_size: 400,
};

fn order(side: Side, total: u32, limit: Option<i64>, tif: Tif) -> OrderRec {
    OrderRec {
        client_id: 1,
        order_id: 1,
        perm_id: 0,
        account: "DU1".into(),
        symbol: 0,
        side,
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

struct Venue {
    books: Vec<Book>,
    ledger: Ledger,
    matcher: Matcher,
}

impl Venue {
    fn new(top: BookTop) -> Self {
        Venue {
            books: vec![Book::new(top, 3)],
            ledger: Ledger::new(0.0, 0.0, 1),
            matcher: Matcher::new(FillFaults::default()),
        }
    }

    fn place(&mut self, o: OrderRec) -> usize {
        let i = self.matcher.submit(&mut self.ledger, o, 0).unwrap();
        let (l, b) = (&mut self.ledger, &mut self.books);
        self.matcher.try_fill(l, b, i, 0, 0, |_, _| {});
        i
    }

    fn quote(&mut self, top: BookTop) {
        self.books[0].set_top(top);
        let (l, b) = (&mut self.ledger, &mut self.books);
        self.matcher.on_quote(l, b, 0, 0, 0, |_, _| {});
    }

    fn trade(&mut self, price: i64, size: u32) {
        self.matcher
            .on_trade(&mut self.ledger, 0, price, size, 0, 0, |_, _| {});
    }

    fn filled(&self, i: usize) -> u32 {
        self.ledger.orders[i].filled
    }

    fn ahead(&self, i: usize) -> u32 {
        self.matcher.queue_position(i).expect("resting").ahead()
    }
}

fn bid(bid: i64, bid_size: u32) -> BookTop {
    BookTop {
        bid,
        bid_size,
        ..TOP
    }
}

#[test]
fn join_the_bid_waits_behind_the_displayed_size() {
    let mut v = Venue::new(TOP);
    let i = v.place(order(Side::Buy, 100, Some(1000), Tif::Day));
    assert_eq!((v.filled(i), v.ahead(i)), (0, 300));
    v.trade(1000, 300);
    assert_eq!(v.filled(i), 0);
    v.trade(1000, 60);
    assert_eq!(v.filled(i), 60);
}

#[test]
fn improving_the_touch_is_first_in_line() {
    let mut v = Venue::new(TOP);
    let i = v.place(order(Side::Buy, 100, Some(1001), Tif::Day));
    assert_eq!(v.ahead(i), 0);
    v.trade(1001, 40);
    assert_eq!(v.filled(i), 40);
}

#[test]
fn behind_the_touch_waits_behind_the_simple_book_depth() {
    let mut v = Venue::new(TOP);
    let i = v.place(order(Side::Sell, 100, Some(1003), Tif::Day));
    assert_eq!(v.ahead(i), 1000);
    v.trade(1003, 1050);
    assert_eq!(v.filled(i), 50);
}

#[test]
fn size_decrease_without_a_trade_shrinks_the_queue() {
    let mut v = Venue::new(TOP);
    let i = v.place(order(Side::Buy, 100, Some(1000), Tif::Day));
    v.quote(bid(1000, 200)); // 100 of 300 cancelled: a third of the queue ahead
    assert_eq!(v.ahead(i), 200);
    v.trade(1000, 100);
    v.quote(bid(1000, 100)); // the decrease is the trade: no cancel
    assert_eq!(v.ahead(i), 100);
}

#[test]
fn trades_consume_the_queue_and_fill_in_parts() {
    let mut v = Venue::new(TOP);
    let i = v.place(order(Side::Buy, 500, Some(1000), Tif::Day));
    v.trade(1000, 400);
    assert_eq!(v.filled(i), 100);
    v.trade(1000, 200);
    assert_eq!(v.filled(i), 300);
    assert_eq!(v.ledger.orders[i].state, OrderState::Submitted);
    v.trade(1000, 900);
    assert_eq!(v.filled(i), 500);
    assert!(v.matcher.working().is_empty());
    assert!(v.ledger.executions.iter().all(|e| e.price == 10.0));
}

#[test]
fn two_resting_orders_share_a_trade_in_arrival_order() {
    let mut v = Venue::new(TOP);
    let a = v.place(order(Side::Buy, 100, Some(1001), Tif::Day));
    let b = v.place(order(Side::Buy, 100, Some(1001), Tif::Day));
    v.trade(1001, 150);
    assert_eq!((v.filled(a), v.filled(b)), (100, 50));
}

#[test]
fn level_traded_through_fills_at_the_limit() {
    let mut v = Venue::new(TOP);
    let i = v.place(order(Side::Buy, 100, Some(1000), Tif::Day));
    v.quote(bid(999, 500)); // the bid fell past the order
    assert_eq!(v.filled(i), 100);
    assert_eq!(v.ledger.executions[0].price, 10.0);
    // A trade below a resting buy's limit went through it too (up to the trade's size).
    let j = v.place(order(Side::Buy, 100, Some(999), Tif::Day));
    v.trade(998, 70);
    assert_eq!(v.filled(j), 70);
    assert_eq!(v.ledger.executions[1].price, 9.99);
}

#[test]
fn opposite_side_crossing_fills_at_the_book_prices() {
    let mut v = Venue::new(TOP);
    let i = v.place(order(Side::Buy, 100, Some(1001), Tif::Day));
    v.quote(BookTop {
        ask: 1000,
        bid: 999,
        ..TOP
    });
    assert_eq!(v.filled(i), 100);
    assert_eq!(v.ledger.executions[0].price, 10.0); // the ask, better than the limit
}

#[test]
fn ioc_expires_after_its_first_try() {
    let mut v = Venue::new(TOP);
    let i = v.place(order(Side::Buy, 100, Some(1001), Tif::Ioc));
    assert_eq!(v.ledger.orders[i].state, OrderState::Cancelled);
    assert!(v.matcher.working().is_empty());
    assert!(v.matcher.queue_position(i).is_none());
}

#[test]
fn repricing_or_more_shares_lose_priority_fewer_keep_it() {
    let mut v = Venue::new(TOP);
    let i = v.place(order(Side::Buy, 100, Some(1000), Tif::Day));
    let later = v.place(order(Side::Buy, 100, Some(1000), Tif::Day));
    v.trade(1000, 250); // 50 ahead of i now
    assert_eq!(v.ahead(i), 50);
    // Fewer shares: same place.
    assert_eq!(v.matcher.modify(&mut v.ledger, i, 80, Some(1000)), Ok(true));
    assert_eq!(v.ahead(i), 50);
    assert_eq!(v.matcher.working(), [i, later]);
    // More shares: to the back, re-joining behind what the touch displays now.
    assert_eq!(
        v.matcher.modify(&mut v.ledger, i, 120, Some(1000)),
        Ok(false)
    );
    assert!(v.matcher.queue_position(i).is_none());
    assert_eq!(v.matcher.working(), [later, i]);
    let (l, b) = (&mut v.ledger, &mut v.books);
    v.matcher.try_fill(l, b, i, 0, 0, |_, _| {});
    assert_eq!(v.ahead(i), 300);
    // A new price: to the back as well.
    assert_eq!(
        v.matcher.modify(&mut v.ledger, later, 100, Some(999)),
        Ok(false)
    );
    assert_eq!(v.matcher.working(), [i, later]);
    assert_eq!(
        v.matcher.modify(&mut v.ledger, i, 0, Some(1000)),
        Err(ModifyError::BadQuantity)
    );
}

#[test]
fn market_orders_never_queue() {
    let mut v = Venue::new(TOP);
    let i = v.place(order(Side::Buy, 100, None, Tif::Day));
    assert_eq!(v.filled(i), 100);
    assert!(v.matcher.queue_position(i).is_none());
}

#[derive(Debug, Clone)]
enum Step {
    Quote {
        bid: i64,
        spread: i64,
        bid_size: u32,
        ask_size: u32,
    },
    Trade {
        price: i64,
        size: u32,
    },
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        (990i64..1010, 1i64..4, 0u32..2000, 0u32..2000).prop_map(
            |(bid, spread, bid_size, ask_size)| Step::Quote {
                bid,
                spread,
                bid_size,
                ask_size
            }
        ),
        (985i64..1015, 1u32..1500).prop_map(|(price, size)| Step::Trade { price, size }),
    ]
}

proptest! {
    #[test]
    fn limit_orders_never_fill_worse_than_the_limit_nor_beyond_the_quantity(
        buy in any::<bool>(),
        limit in 990i64..1010,
        qty in 1u32..3000,
        ioc in any::<bool>(),
        steps in proptest::collection::vec(step(), 0..40),
    ) {
        let side = if buy { Side::Buy } else { Side::Sell };
        let tif = if ioc { Tif::Ioc } else { Tif::Day };
        let mut v = Venue::new(TOP);
        let i = v.place(order(side, qty, Some(limit), tif));
        for s in steps {
            match s {
                Step::Quote { bid, spread, bid_size, ask_size } => {
                    v.quote(BookTop { bid, ask: bid + spread, bid_size, ask_size })
                }
                Step::Trade { price, size } => v.trade(price, size),
            }
        }
        let mut total = 0;
        for e in &v.ledger.executions {
            let cents = (e.price * 100.0).round() as i64;
            match side {
                Side::Buy => prop_assert!(cents <= limit, "bought at {cents} above {limit}"),
                Side::Sell => prop_assert!(cents >= limit, "sold at {cents} below {limit}"),
            }
            total += e.qty;
        }
        prop_assert!(total <= qty);
        prop_assert_eq!(total, v.filled(i));
    }
}
