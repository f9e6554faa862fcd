//! N-leg tickets of a basket: rebalances netted per name, every leg through the risk checks
//! together, a legged basket trade unwound whole.

use super::harness::{Harness, places};
use super::*;
use crate::types::IntentOutcome;
use crate::wire::ids::codes;

fn outcomes(items: &[Outbound]) -> Vec<IntentOutcome> {
    items
        .iter()
        .filter_map(|o| match o {
            Outbound::Outcome(x) => Some(*x),
            _ => None,
        })
        .collect()
}

/// Fills order `order_id` of `instrument` whole (execution, then status).
fn fill(h: &mut Harness, order_id: i32, instrument: u16, side: Side, qty: u32) -> Vec<Outbound> {
    let before = h.sent.len();
    h.exec(order_id, instrument, side == Side::Buy, f64::from(qty));
    h.status(order_id, OrderStatusKind::Filled, f64::from(qty));
    h.sent[before..].to_vec()
}

fn fill_all(h: &mut Harness, out: &[Outbound]) -> Vec<Outbound> {
    let mut seen = Vec::new();
    for p in places(out) {
        seen.extend(fill(h, p.order_id, p.instrument, p.side, p.qty));
    }
    seen
}

fn legs(out: &[Outbound]) -> Vec<(u16, Side, u32)> {
    places(out)
        .iter()
        .map(|p| (p.instrument, p.side, p.qty))
        .collect()
}

#[test]
fn a_rebalance_sends_one_order_per_name_for_what_differs() {
    let mut h = Harness::basket(RiskParams::default(), 3);
    let out = h.basket_intent(0, 1, &[(0, 100), (1, -200), (2, 0)]);
    assert_eq!(legs(&out), [(0, Side::Buy, 100), (1, Side::Sell, 200)]);
    let done = fill_all(&mut h, &out);
    let o = outcomes(&done);
    assert_eq!(o.len(), 1, "{done:?}");
    assert!(o[0].reached && o[0].seq == 1);
    assert_eq!(o[0].held, [300, -100]);
    assert_eq!(h.d.slot_target(0), Some(&[100.0, -200.0, 0.0][..]));
    // The next step nets each name's change into one order: never a buy and a sell of one
    // name, a name left out keeps its target.
    let out = h.basket_intent(0, 2, &[(1, -100), (2, 300)]);
    assert_eq!(legs(&out), [(1, Side::Buy, 100), (2, Side::Buy, 300)]);
    fill_all(&mut h, &out);
    let held: Vec<f64> =
        h.d.basket_books()
            .next()
            .unwrap()
            .legs()
            .iter()
            .map(|l| l.qty)
            .collect();
    assert_eq!(held, [100.0, -100.0, 300.0]);
    assert_eq!(h.d.positions()[2].qty, 300.0);
    assert!(h.d.settled());
}

#[test]
fn a_rebalance_already_there_is_reached_without_orders() {
    let mut h = Harness::basket(RiskParams::default(), 3);
    let out = h.basket_intent(0, 1, &[(0, 0), (2, 0)]);
    assert!(places(&out).is_empty());
    assert!(outcomes(&out)[0].reached);
}

#[test]
fn every_leg_passes_the_risk_checks_or_none_is_sent() {
    let risk = RiskParams {
        max_position: 250.0,
        ..RiskParams::default()
    };
    let mut h = Harness::basket(risk, 3);
    // The third leg breaches the per-name share limit: the first two do not go alone.
    let out = h.basket_intent(0, 1, &[(0, 100), (1, -200), (2, 300)]);
    assert!(places(&out).is_empty(), "{out:?}");
    let o = outcomes(&out);
    assert!(!o[0].reached && o[0].held == [0, 0]);
    assert_eq!(h.d.counters().rejected_position, 1);
    assert_eq!(h.d.slot_target(0), Some(&[0.0, 0.0, 0.0][..]));
}

#[test]
fn net_and_per_name_notional_limits_apply_to_the_whole_basket() {
    let risk = RiskParams {
        max_net_notional: 10_000.0,
        max_name_notional: 12_000.0,
        ..RiskParams::default()
    };
    let mut h = Harness::basket(risk, 3);
    // Long 100 x 100 and 100 x 50: net 15,000 USD, above the limit.
    let out = h.basket_intent(0, 1, &[(0, 100), (1, 100)]);
    assert!(places(&out).is_empty());
    assert_eq!(h.d.counters().rejected_notional, 1);
    // 300 x 50 = 15,000 USD in one name, above its limit.
    let out = h.basket_intent(0, 2, &[(1, 300), (2, -300)]);
    assert!(places(&out).is_empty());
    assert_eq!(h.d.counters().rejected_position, 1);
    // Hedged: long 10,000, short 10,000, net zero.
    let out = h.basket_intent(0, 3, &[(0, 100), (1, -100), (2, -100)]);
    assert_eq!(places(&out).len(), 3);
}

#[test]
fn an_intent_naming_a_name_twice_or_outside_the_basket_is_refused() {
    let mut h = Harness::basket(RiskParams::default(), 3);
    let out = h.basket_intent(0, 1, &[(0, 100), (0, -100)]);
    assert!(places(&out).is_empty());
    assert_eq!(h.d.counters().intents_blocked, 1);
    // A name the engine does not quote is refused before anything else.
    let out = h.basket_intent(0, 2, &[(0, 100), (5, 100)]);
    assert!(places(&out).is_empty());
    let c = h.d.counters();
    assert_eq!(c.intents_blocked + c.entries_stale, 2);
}

#[test]
fn a_rebalance_while_the_basket_trades_is_refused() {
    let mut h = Harness::basket(RiskParams::default(), 3);
    let first = h.basket_intent(0, 1, &[(0, 100), (1, -200)]);
    let out = h.basket_intent(0, 2, &[(0, 200)]);
    assert!(places(&out).is_empty());
    assert_eq!(h.d.counters().entries_not_flat, 1);
    // Once the first completes, asking again trades the difference.
    fill_all(&mut h, &first);
    let out = h.basket_intent(0, 3, &[(0, 200)]);
    assert_eq!(legs(&out), [(0, Side::Buy, 100)]);
}

#[test]
fn a_legged_basket_trade_is_unwound_whole_and_the_basket_stops() {
    let risk = RiskParams {
        leg_retries: 0,
        ..RiskParams::default()
    };
    let mut h = Harness::basket(risk, 3);
    let out = h.basket_intent(0, 1, &[(0, 100), (1, -200), (2, 100)]);
    let p = places(&out);
    assert_eq!(p.len(), 3);
    fill(&mut h, p[0].order_id, 0, Side::Buy, 100);
    fill(&mut h, p[2].order_id, 2, Side::Buy, 100);
    // The middle leg is rejected; no retries are left: what the basket holds is taken back.
    let out = h.error(p[1].order_id, codes::ORDER_REJECTED);
    assert_eq!(
        legs(&out),
        [(0, Side::Sell, 100), (2, Side::Sell, 100)],
        "{out:?}"
    );
    assert_eq!(h.d.counters().leg_unwinds, 1);
    let done = fill_all(&mut h, &out);
    assert!(h.d.basket_books().next().unwrap().is_flat());
    assert!(h.d.positions().iter().all(|p| p.qty == 0.0));
    // The strategy hears the intent ended flat, not reached.
    let o = outcomes(&done);
    assert!(o.iter().all(|o| !o.reached) && o.last().unwrap().is_flat());
    // The basket stops trading.
    let out = h.basket_intent(0, 2, &[(0, 100)]);
    assert!(places(&out).is_empty());
    assert_eq!(h.d.counters().intents_blocked, 1);
}

#[test]
fn a_basket_close_takes_back_every_name_as_one_reducing_ticket() {
    let mut h = Harness::basket(RiskParams::default(), 3);
    let out = h.basket_intent(0, 1, &[(0, 100), (1, -200), (2, 100)]);
    fill_all(&mut h, &out);
    let out = h.basket_intent(0, 2, &[]);
    assert_eq!(
        legs(&out),
        [
            (0, Side::Sell, 100),
            (1, Side::Buy, 200),
            (2, Side::Sell, 100)
        ]
    );
    let done = fill_all(&mut h, &out);
    let o = outcomes(&done);
    assert!(o[0].reached && o[0].is_flat());
    assert!(h.d.settled());
}

#[test]
fn a_pair_slot_refuses_a_rebalance_and_a_basket_an_entry() {
    let mut h = Harness::started(RiskParams::default());
    let out = h.basket_intent(0, 1, &[(0, 100)]);
    assert!(places(&out).is_empty());
    let mut b = Harness::basket(RiskParams::default(), 3);
    let out = b.entry_on(0, 1);
    assert!(places(&out).is_empty());
    assert_eq!(
        (
            h.d.counters().intents_blocked,
            b.d.counters().intents_blocked
        ),
        (1, 1)
    );
}
