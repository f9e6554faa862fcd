//! The worked-combo rule (`combo_worked.rs`): a LMT combo out of reach rests as a child in one
//! leg's queue, fills from prints and trade-throughs, hedges the other legs at once pro rata,
//! re-pegs when another leg moves, and never fills a unit at a worse net than its limit.

use super::{
    Book, BookTop, ComboEvent, ComboLegSpec, ComboOrder, Ledger, OrderRec, OrderState, Side, Trade,
};

fn top(bid: i64, ask: i64, size: u32) -> BookTop {
    BookTop {
        bid,
        ask,
        bid_size: size,
        ask_size: size,
    }
}

fn leg(symbol: usize, side: Side, ratio: u32) -> ComboLegSpec {
    ComboLegSpec {
        symbol,
        side,
        ratio,
    }
}

fn template() -> OrderRec {
    ComboOrder::template(1, 9, "DU1", "")
}

fn trade(price: i64, size: u32) -> Option<Trade> {
    Some(Trade { price, size })
}

/// Executions as (symbol, side, shares, price in cents) from the ledger, in order.
fn execs(ledger: &Ledger, from: usize) -> Vec<(usize, Side, u32, i64)> {
    ledger.executions[from..]
        .iter()
        .map(|e| (e.symbol, e.side, e.qty, (e.price * 100.0).round() as i64))
        .collect()
}

/// Buy 1 A (4-cent spread, worked) and sell 1 B (1-cent spread) at a net of -10.00:
/// A's implied price is -10.00 + B's bid 20.00 = 10.00, A's bid.
fn one_to_one() -> (Vec<Book>, Ledger, ComboOrder) {
    let books = vec![
        Book::new(top(1000, 1004, 300), 1),
        Book::new(top(2000, 2001, 300), 1),
    ];
    let mut ledger = Ledger::new(0.0, 0.0, 1);
    let legs = [leg(0, Side::Buy, 1), leg(1, Side::Sell, 1)];
    let c = ComboOrder::new(&mut ledger, template(), &legs, 100, Some(-1000));
    (books, ledger, c)
}

#[test]
fn the_worked_leg_queues_behind_the_displayed_size_and_prints_consume_it() {
    let (mut books, mut ledger, mut c) = one_to_one();
    let mut events = Vec::new();
    c.try_fill(&mut ledger, &mut books, 0, |_, e| events.push(e));
    // Out of reach at the touches (10.04 - 20.00 = -9.96): A rests at its bid behind 300.
    assert!(events.is_empty());
    assert_eq!(c.worked(), Some((0, 1000, 300)));
    // 200 of the 300 ahead trade at the bid; a print at A's ask does not touch the queue.
    c.on_market(&mut ledger, &mut books, 0, trade(1000, 200), 1, |_, e| {
        events.push(e)
    });
    c.on_market(&mut ledger, &mut books, 0, trade(1004, 500), 1, |_, e| {
        events.push(e)
    });
    assert!(events.is_empty());
    assert_eq!(c.worked(), Some((0, 1000, 100)));
    // 150 more: 100 ahead, then 50 to the child; B is sold at its bid at once.
    c.on_market(&mut ledger, &mut books, 0, trade(1000, 150), 2, |_, e| {
        events.push(e)
    });
    assert_eq!(
        execs(&ledger, 0),
        [(0, Side::Buy, 50, 1000), (1, Side::Sell, 50, 2000)]
    );
    assert!(matches!(
        events[..],
        [
            ComboEvent::LegExecution { .. },
            ComboEvent::LegExecution { .. },
            ComboEvent::Units { units: 50, .. }
        ]
    ));
    // The next print fills the rest; the average net is the limit, not the touches' -9.96.
    c.on_market(&mut ledger, &mut books, 0, trade(1000, 500), 3, |_, e| {
        events.push(e)
    });
    assert_eq!(c.state, OrderState::Filled);
    assert!((c.avg_net(&ledger) + 10.00).abs() < 1e-9);
    assert_eq!(c.worked(), None);
}

#[test]
fn a_move_of_the_other_leg_re_pegs_the_child_and_it_loses_its_place() {
    let (mut books, mut ledger, mut c) = one_to_one();
    c.try_fill(&mut ledger, &mut books, 0, |_, _| {});
    c.on_market(&mut ledger, &mut books, 0, trade(1000, 250), 1, |_, _| {});
    assert_eq!(c.worked(), Some((0, 1000, 50)));
    // A's own quotes do not move the child's price (its size shrinking is cancels ahead).
    books[0].set_top(top(1000, 1003, 150));
    c.on_market(&mut ledger, &mut books, 0, None, 1, |_, _| {});
    assert_eq!(c.worked(), Some((0, 1000, 25)));
    assert_eq!(c.repegs(), 0);
    // B's bid rises a cent: A may pay 10.01, above its bid, alone at a new level.
    books[1].set_top(top(2001, 2002, 300));
    c.on_market(&mut ledger, &mut books, 1, None, 2, |_, _| {});
    assert_eq!(c.worked(), Some((0, 1001, 0)));
    assert_eq!(c.repegs(), 1);
    // Back down: the child rejoins 10.00 at the back, behind the 150 displayed now.
    books[1].set_top(top(2000, 2001, 300));
    c.on_market(&mut ledger, &mut books, 1, None, 3, |_, _| {});
    assert_eq!(c.worked(), Some((0, 1000, 150)));
    assert_eq!(c.repegs(), 2);
    // A print at the old place's depth no longer reaches it.
    c.on_market(&mut ledger, &mut books, 0, trade(1000, 100), 4, |_, _| {});
    assert!(ledger.executions.is_empty());
    // The quote trading 10.00 through fills the child at its price, hedged at B's bid.
    books[0].set_top(top(999, 1003, 150));
    c.on_market(&mut ledger, &mut books, 0, None, 5, |_, _| {});
    assert_eq!(
        execs(&ledger, 0),
        [(0, Side::Buy, 100, 1000), (1, Side::Sell, 100, 2000)]
    );
    assert_eq!(c.state, OrderState::Filled);
}

#[test]
fn partial_fills_are_whole_units_hedged_pro_rata_up_to_the_hedge_touch() {
    // Buy 3 A, sell 2 B at -10.00 a unit: 3 x A <= -10.00 + 2 x 20.00, A <= 10.00 (its bid).
    let mut books = vec![
        Book::new(top(1000, 1004, 300), 1),
        Book::new(top(2000, 2001, 5), 1),
    ];
    let mut ledger = Ledger::new(0.0, 0.0, 1);
    let legs = [leg(0, Side::Buy, 3), leg(1, Side::Sell, 2)];
    let mut c = ComboOrder::new(&mut ledger, template(), &legs, 10, Some(-1000));
    c.try_fill(&mut ledger, &mut books, 0, |_, _| {});
    assert_eq!(c.worked(), Some((0, 1000, 300)));
    // 7 shares past the queue: 2 whole units (B shows 5: 2 units' 4 shares).
    c.on_market(&mut ledger, &mut books, 0, trade(1000, 307), 1, |_, _| {});
    assert_eq!(
        execs(&ledger, 0),
        [(0, Side::Buy, 6, 1000), (1, Side::Sell, 4, 2000)]
    );
    assert_eq!(c.filled_units(&ledger), 2);
    // B's touch has 1 share left on this quote: no whole unit can be hedged, nothing fills.
    c.on_market(&mut ledger, &mut books, 0, trade(1000, 300), 2, |_, _| {});
    assert_eq!(ledger.executions.len(), 2);
    // B quotes again (the same prices, no re-peg): the next print fills 2 more units.
    books[1].set_top(top(2000, 2001, 5));
    c.on_market(&mut ledger, &mut books, 1, None, 3, |_, _| {});
    assert_eq!(c.repegs(), 0);
    c.on_market(&mut ledger, &mut books, 0, trade(1000, 2), 4, |_, _| {});
    assert_eq!(ledger.executions.len(), 2, "2 shares are no whole unit");
    c.on_market(&mut ledger, &mut books, 0, trade(1000, 30), 5, |_, _| {});
    assert_eq!(
        execs(&ledger, 2),
        [(0, Side::Buy, 6, 1000), (1, Side::Sell, 4, 2000)]
    );
    assert_eq!(c.filled_units(&ledger), 4);
    assert!((c.avg_net(&ledger) + 10.00).abs() < 1e-9);
}

#[test]
fn a_sold_combo_works_its_leg_on_the_other_side_and_rounds_up() {
    // Sell (2 A - 1 B) for at least 0.02: sell 2 A, buy 1 B. At the touches it receives
    // 2 x 10.00 - 20.01 = -0.01: out of reach. A (3 ticks x 2) is worked: 2 x A >= 0.02 +
    // 20.01, A >= 10.015 -> 10.02, inside A's spread, so alone at a new level on the ask side.
    let mut books = vec![
        Book::new(top(1000, 1003, 300), 1),
        Book::new(top(2000, 2001, 300), 1),
    ];
    let mut ledger = Ledger::new(0.0, 0.0, 1);
    let legs = [leg(0, Side::Buy, 2), leg(1, Side::Sell, 1)];
    let mut c = ComboOrder::new_sold(&mut ledger, template(), &legs, 10, Some(2));
    let mut events = Vec::new();
    c.try_fill(&mut ledger, &mut books, 0, |_, e| events.push(e));
    assert_eq!(c.worked(), Some((0, 1002, 0)));
    // A buyer lifts 10.02 for 20 shares: 10 units, B bought at its ask at once.
    c.on_market(&mut ledger, &mut books, 0, trade(1002, 20), 1, |_, e| {
        events.push(e)
    });
    assert_eq!(
        execs(&ledger, 0),
        [(0, Side::Sell, 20, 1002), (1, Side::Buy, 10, 2001)]
    );
    assert_eq!(c.state, OrderState::Filled);
    // Received 2 x 10.02 - 20.01 = 0.03 a unit, at least the limit.
    match events.last() {
        Some(&ComboEvent::Units { units: 10, net }) => assert!((net - 0.03).abs() < 1e-9),
        other => panic!("{other:?}"),
    }
}

#[test]
fn market_and_reachable_combos_still_take_the_touches() {
    let (mut books, mut ledger, _) = one_to_one();
    let legs = [leg(0, Side::Buy, 1), leg(1, Side::Sell, 1)];
    let mut at_touches = ComboOrder::new(&mut ledger, template(), &legs, 100, Some(-996));
    at_touches.try_fill(&mut ledger, &mut books, 0, |_, _| {});
    assert_eq!(at_touches.state, OrderState::Filled);
    assert_eq!(at_touches.worked(), None);
    assert_eq!(
        execs(&ledger, 0),
        [(0, Side::Buy, 100, 1004), (1, Side::Sell, 100, 2000)]
    );
}

/// A small deterministic generator (64-bit LCG, high bits).
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

/// The net per unit in cents of executions `execs` (as bought legs), over `units`.
fn group_net(ledger: &Ledger, execs: &[usize], legs: &[ComboLegSpec], units: u32) -> f64 {
    let cents: f64 = execs
        .iter()
        .map(|&i| {
            let e = &ledger.executions[i];
            let bought = legs.iter().find(|l| l.symbol == e.symbol).unwrap().side;
            bought.sign() * e.price * 100.0 * f64::from(e.qty)
        })
        .sum();
    cents / f64::from(units)
}

#[test]
fn no_unit_ever_fills_at_a_worse_net_than_the_limit() {
    for (ratio_a, ratio_b) in [(1, 1), (2, 1), (3, 2), (2, 3)] {
        for sold in [false, true] {
            let mut rng = Lcg(u64::from(ratio_a * 10 + ratio_b) + u64::from(sold));
            let mut tops = [top(1000, 1003, 200), top(2000, 2002, 200)];
            let mut books: Vec<Book> = tops.iter().map(|&t| Book::new(t, 2)).collect();
            let mut ledger = Ledger::new(0.0, 0.0, 1);
            let legs = [leg(0, Side::Buy, ratio_a), leg(1, Side::Sell, ratio_b)];
            // The limit at the net mid, rounded in the order's favour.
            let mid = |t: &BookTop| (t.bid + t.ask) as f64 / 2.0;
            let net_mid = f64::from(ratio_a) * mid(&tops[0]) - f64::from(ratio_b) * mid(&tops[1]);
            let mut c = if sold {
                let limit = net_mid.ceil() as i64;
                ComboOrder::new_sold(&mut ledger, template(), &legs, 400, Some(limit))
            } else {
                let limit = net_mid.floor() as i64;
                ComboOrder::new(&mut ledger, template(), &legs, 400, Some(limit))
            };
            let limit = c.limit_price().unwrap();
            let stored = c.legs().to_vec();
            let mut worked_fills = 0;
            let worse = |net: f64| {
                if sold {
                    net < limit - 1e-9
                } else {
                    net > limit + 1e-9
                }
            };
            c.try_fill(&mut ledger, &mut books, 0, |_, _| {});
            for step in 0..3_000i64 {
                if !c.is_working() {
                    break;
                }
                let s = rng.below(2) as usize;
                let t = &mut tops[s];
                t.bid += rng.below(3) as i64 - 1;
                t.ask = t.bid + 1 + rng.below(4) as i64;
                t.bid_size = 50 + 50 * rng.below(6) as u32;
                t.ask_size = 50 + 50 * rng.below(6) as u32;
                books[s].set_top(*t);
                let print = match rng.below(4) {
                    0 => None,
                    1 => trade(t.bid, 50 * rng.below(10) as u32),
                    2 => trade(t.ask, 50 * rng.below(10) as u32),
                    _ => trade(t.bid + rng.below((t.ask - t.bid + 1) as u64) as i64, 100),
                };
                let before = c
                    .worked()
                    .map(|(leg, price, _)| (stored[leg].symbol, price));
                let mut events = Vec::new();
                c.on_market(&mut ledger, &mut books, s, print, step, |_, e| {
                    events.push(e)
                });
                let mut group = Vec::new();
                for e in events {
                    match e {
                        ComboEvent::LegExecution { exec, .. } => group.push(exec),
                        ComboEvent::Units { units, net } => {
                            // The BAG-level report: the average net over all units so far.
                            assert!(!worse(net), "{ratio_a}:{ratio_b} sold {sold}: {net}");
                            // Whole units: this group's own units at their own net.
                            let unit = group_net(&ledger, &group, &stored, units) / 100.0;
                            let as_ordered = if sold { -unit } else { unit };
                            assert!(!worse(as_ordered), "{ratio_a}:{ratio_b} {as_ordered}");
                            let x = &ledger.executions[group[0]];
                            if before == Some((x.symbol, (x.price * 100.0).round() as i64)) {
                                worked_fills += 1;
                            }
                            group.clear();
                        }
                    }
                }
            }
            assert!(
                worked_fills > 0,
                "{ratio_a}:{ratio_b} sold {sold}: no worked fill"
            );
            assert!(c.repegs() > 0, "{ratio_a}:{ratio_b} sold {sold}: no re-peg");
            assert!(!worse(c.avg_net(&ledger)));
        }
    }
}
