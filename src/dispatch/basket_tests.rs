//! N-leg tickets of a basket: rebalances netted per name, every leg through the risk checks
//! together, a legged basket trade unwound whole.

use super::harness::{Harness, places};
use super::*;
use crate::types::{IntentKind, IntentOutcome, Leg};
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

/// 100 names (IB's default market-data lines): name `k` targets a non-zero position of up to
/// 300 shares, alternately long and short.
fn targets_100() -> Vec<(u16, i64)> {
    (0..100u16)
        .map(|k| {
            let q = 100 * (1 + i64::from(k % 3));
            (k, if k % 2 == 0 { q } else { -q })
        })
        .collect()
}

/// Advances time in steps of 100 ms until `want` orders have gone out since `out` (the
/// intent's own output), returning them all and the milliseconds it took.
fn send_all(h: &mut Harness, out: Vec<Outbound>, want: usize) -> (Vec<Outbound>, u64) {
    let mut all = out;
    let mut ms = 0;
    while places(&all).len() < want && ms < 10_000 {
        all.extend(h.advance(100));
        ms += 100;
    }
    (all, ms)
}

#[test]
fn a_rebalance_of_100_names_arrives_in_parts_and_goes_out_paced_by_the_limiter() {
    let mut h = Harness::basket(RiskParams::default(), 100);
    let targets = targets_100();
    let out = h.basket_intent(0, 1, &targets);
    // 45 messages a second (start-up's requests spent this second's budget): paced.
    let first = places(&out).len();
    assert!(first <= 45, "{first} sent at once");
    let (all, ms) = send_all(&mut h, out, 100);
    assert!(
        ms >= 2_000,
        "100 orders at 45/s take more than 2 s: {ms} ms"
    );
    // One order per name, each for its whole target; nothing cancelled or timed out while
    // the later legs waited in the limiter's queue.
    let mut sent = legs(&all);
    sent.sort_by_key(|l| l.0);
    let wanted: Vec<_> = targets
        .iter()
        .map(|&(k, q)| {
            let side = if q < 0 { Side::Sell } else { Side::Buy };
            (k, side, q.unsigned_abs() as u32)
        })
        .collect();
    assert_eq!(sent, wanted);
    assert!(
        all.iter().all(|o| !matches!(o, Outbound::Cancel { .. })),
        "no cancels"
    );
    assert_eq!(h.d.counters().leg_timeout_cancels, 0);
    let done = fill_all(&mut h, &all);
    let o = outcomes(&done);
    assert_eq!(o.len(), 1, "one outcome for the whole basket");
    let gross: i64 = targets.iter().map(|t| t.1.abs()).sum();
    let net: i64 = targets.iter().map(|t| t.1).sum();
    assert!(o[0].reached && o[0].seq == 1);
    assert_eq!(o[0].held, [gross, net]);
    assert!(h.d.settled());
}

#[test]
fn every_one_of_100_legs_passes_the_risk_checks_or_none_is_sent() {
    let risk = RiskParams {
        max_position: 300.0,
        ..RiskParams::default()
    };
    let mut h = Harness::basket(risk, 100);
    // Name 77 (in the last intent but one) breaches the per-name share limit: none of the
    // other 99 legs go.
    let mut targets = targets_100();
    targets[77].1 = -400;
    let out = h.basket_intent(0, 1, &targets);
    let (all, _) = send_all(&mut h, out, 1);
    assert!(places(&all).is_empty(), "{all:?}");
    let o = outcomes(&all);
    assert!(o.len() == 1 && !o[0].reached && o[0].is_flat());
    assert_eq!(h.d.counters().rejected_position, 1);
    assert!(h.d.slot_target(0).unwrap().iter().all(|&q| q == 0.0));
    // Within the limit, all 100 go.
    targets[77].1 = -300;
    let out = h.basket_intent(0, 2, &targets);
    let (all, _) = send_all(&mut h, out, 100);
    assert_eq!(places(&all).len(), 100);
}

#[test]
fn a_rebalance_missing_a_part_or_naming_a_name_twice_is_refused_whole() {
    let mut h = Harness::basket(RiskParams::default(), 100);
    let targets = targets_100();
    let leg = |&(instrument, q): &(u16, i64)| Leg {
        instrument,
        side: if q < 0 { Side::Sell } else { Side::Buy },
        qty: q.unsigned_abs() as u32,
    };
    let all: Vec<Leg> = targets.iter().map(leg).collect();
    // The last intent alone (its parts lost on the way): the other 96 names are not named.
    h.intent(0, 1, IntentKind::Rebalance, &all[96..]);
    let out = h.take();
    assert!(places(&out).is_empty());
    assert!(!outcomes(&out)[0].reached);
    // A part of another sequence number does not count for this one.
    h.intent(0, 2, IntentKind::RebalancePart, &all[..16]);
    h.intent(0, 3, IntentKind::Rebalance, &all[16..32]);
    assert!(places(&h.take()).is_empty());
    // A name in two parts.
    for chunk in crate::types::rebalance_chunks(96) {
        h.intent(0, 4, IntentKind::RebalancePart, &all[chunk]);
    }
    h.intent(0, 4, IntentKind::RebalancePart, &all[0..1]);
    h.intent(0, 4, IntentKind::Rebalance, &all[96..]);
    let out = h.take();
    assert!(places(&out).is_empty());
    assert_eq!(h.d.counters().intents_blocked, 3);
    // Every part once: it trades.
    let out = h.basket_intent(0, 5, &targets);
    let (all, _) = send_all(&mut h, out, 100);
    assert_eq!(places(&all).len(), 100);
}

#[test]
fn a_legged_100_leg_basket_trade_is_unwound_whole() {
    let risk = RiskParams {
        leg_retries: 0,
        ..RiskParams::default()
    };
    let mut h = Harness::basket(risk, 100);
    let out = h.basket_intent(0, 1, &targets_100());
    let (all, _) = send_all(&mut h, out, 100);
    let p = places(&all);
    // 99 legs fill; leg 50 is rejected with no retries left.
    for o in p.iter().filter(|o| o.instrument != 50) {
        fill(&mut h, o.order_id, o.instrument, o.side, o.qty);
    }
    let rejected = p.iter().find(|o| o.instrument == 50).unwrap().order_id;
    let out = h.error(rejected, codes::ORDER_REJECTED);
    assert_eq!(h.d.counters().leg_unwinds, 1);
    let (unwind, _) = send_all(&mut h, out, 99);
    let back = legs(&unwind);
    assert_eq!(back.len(), 99, "every filled name taken back");
    assert!(back.iter().all(|l| l.0 != 50));
    fill_all(&mut h, &unwind);
    assert!(h.d.basket_books().next().unwrap().is_flat());
    assert!(h.d.positions().iter().all(|p| p.qty == 0.0));
}
