//! The money-safety audit's follow-up of the dispatcher: five suspected weaknesses, each
//! either a defect (its test failed before the fix) or a safe behaviour pinned by a test.

use super::super::combo_tests::{controls, reconcile};
use super::super::harness::{Harness, cancels, places};
use super::super::*;
use super::{a_filled, id, pending_cancel};
use crate::types::EndKind;
use crate::types::ExecId;
use crate::wire::ids::codes;

/// The reconciliation requests in `items`.
fn round_asked(items: &[Outbound]) -> bool {
    let c = controls(items);
    [Control::Executions, Control::OpenOrders, Control::Positions]
        .iter()
        .all(|k| c.contains(k))
}

/// Time passes by `ms` in steps of 100 ms; what the dispatcher sent meanwhile.
fn wait(h: &mut Harness, ms: u64) -> Vec<Outbound> {
    let mut out = Vec::new();
    for _ in 0..ms / 100 {
        out.extend(h.advance(100));
    }
    out
}

// Audit 5 (defect): an execution of zero shares on a flat instrument booked an average cost of
// 0 / 0 = NaN (the average-cost rule divided by the new quantity), which every later fill kept:
// realized PnL turned NaN and the loss limit (`realized < -limit`) could never trip again. It
// is no fill: nothing is booked, its order's leg is not filled, and a status reporting 0
// filled changes nothing either.
#[test]
fn an_execution_of_zero_shares_books_nothing() {
    let mut h = Harness::started(RiskParams::default());
    h.entry(1);
    h.status(100, OrderStatusKind::Submitted, 0.0);
    h.execution(100, id("zero"), 0, true, 0.0);
    h.status(100, OrderStatusKind::Submitted, 0.0);
    let a = h.d.positions()[0];
    assert_eq!((a.qty, a.avg_cost, a.realized), (0.0, 0.0, 0.0));
    assert_eq!(h.d.pair_books().next().unwrap().legs[0].avg_cost, 0.0);
    assert!(!h.d.settled(), "the leg still lacks its 100 shares");
    // The real fills book at their prices; the round trip realizes a finite PnL.
    h.execution(100, id("a1"), 0, true, 100.0);
    h.status(100, OrderStatusKind::Filled, 100.0);
    h.execution(101, id("b1"), 1, false, 200.0);
    h.status(101, OrderStatusKind::Filled, 200.0);
    assert_eq!(h.d.positions()[0].avg_cost, 100.0);
    assert_eq!(h.d.pair_books().next().unwrap().legs[0].avg_cost, 100.0);
    let out = h.close_on(0, 2);
    let p = places(&out);
    assert_eq!(p.len(), 2, "{out:?}");
    h.execution(p[0].order_id, id("a2"), 0, false, 100.0);
    h.execution(p[1].order_id, id("b2"), 1, true, 200.0);
    let a = h.d.positions()[0];
    assert_eq!((a.qty, a.avg_cost, a.realized), (0.0, 0.0, 0.0));
    assert_eq!(h.d.counters().fills, 4, "the zero execution is no fill");
}

// Audit 1 (defect): IB's 202 (order cancelled) with no final ORDER_STATUS after it (TWS
// sometimes sends only the 202; PROTOCOL.md, "Message orderings") left the order working in
// the engine forever: its leg was never re-sent nor unwound (the pair stayed legged), the
// ticket never ended, the run never settled, and a flatten (which waits for nothing to work)
// never went. The order is not ended on the 202 alone (an execution of it may still be on its
// way, and the re-send is sized from what it filled): when no final status follows within
// the grace, a reconciliation round asks the gateway, and the order ends as any order the
// gateway no longer lists does, sized by its executions.
#[test]
fn a_202_with_no_final_status_ends_the_order_through_a_reconciliation() {
    let mut h = a_filled(RiskParams::default());
    h.status(101, OrderStatusKind::Submitted, 0.0);
    let out = h.advance(6_000);
    assert_eq!(cancels(&out), [101], "leg B is late: cancelled");
    h.status(101, pending_cancel(), 0.0);
    // Only the 202 comes, with B's one execution behind it.
    h.error(101, codes::ORDER_CANCELLED);
    h.execution(101, id("b1"), 1, false, 50.0);
    let out = wait(&mut h, 3_000);
    assert!(places(&out).is_empty(), "{out:?}");
    assert!(round_asked(&out), "the gateway is asked: {out:?}");
    // Not listed, not filled: one more look (an execution may race the answers) ...
    let out = reconcile(&mut h, [100.0, -50.0]);
    assert!(places(&out).is_empty(), "{out:?}");
    let mut out = wait(&mut h, 1_100);
    assert!(round_asked(&out), "{out:?}");
    // ... then it is over, and what B lacks (150, not 200) is re-sent.
    out.extend(reconcile(&mut h, [100.0, -50.0]));
    let p = places(&out);
    assert_eq!(p.len(), 1, "{out:?}");
    assert_eq!((p[0].instrument, p[0].side, p[0].qty), (1, Side::Sell, 150));
    h.execution(p[0].order_id, id("b2"), 1, false, 150.0);
    h.status(p[0].order_id, OrderStatusKind::Filled, 150.0);
    assert_eq!(h.d.positions()[1].qty, -200.0);
    assert_eq!(h.d.pair_target(0), Some([100.0, -200.0]));
    assert!(h.d.settled());
}

// Audit 1: the usual cancel (202, then the final status) asks nothing more of the gateway.
#[test]
fn a_202_followed_by_its_status_needs_no_reconciliation() {
    let mut h = a_filled(RiskParams::default());
    h.status(101, OrderStatusKind::Submitted, 0.0);
    h.advance(6_000);
    h.error(101, codes::ORDER_CANCELLED);
    let out = h.status(101, OrderStatusKind::Cancelled, 0.0);
    assert_eq!(places(&out).len(), 1, "B re-sent at once: {out:?}");
    let out = wait(&mut h, 3_000);
    assert!(controls(&out).is_empty(), "{out:?}");
}

// Audit 4 (defect): the control queue (reconciliation and market-data requests; cancels never
// go there, they wait with the orders) held 512 requests. With more instruments than that
// (pairs and baskets name up to thousands), the subscriptions after a reconciliation filled it:
// the names past 511 never got market data, and after a 1101 (connectivity restored, data
// lost) the round's own requests were dropped behind the resubscriptions, so the round waited
// forever for answers never asked for: trading (closes included) stayed paused. The queue now
// has room for every instrument's subscription (queued once each) beside the rounds'.
#[test]
fn every_instrument_is_subscribed_and_a_round_is_asked_whatever_the_universe() {
    let n = 600;
    let baskets = (0..6).map(|b| (b * 100..b * 100 + 100).collect()).collect();
    let mut h = Harness::baskets(RiskParams::default(), n, baskets, None);
    let subscribed = |out: &[Outbound]| {
        let mut s: Vec<u16> = controls(out)
            .into_iter()
            .filter_map(|c| match c {
                Control::Subscribe(i) => Some(i),
                _ => None,
            })
            .collect();
        s.sort_unstable();
        s.dedup();
        s
    };
    wait(&mut h, 30_000);
    let all: Vec<u16> = (0..n).collect();
    assert!(
        subscribed(&h.sent) == all,
        "{} {:?}",
        subscribed(&h.sent).len(),
        &subscribed(&h.sent)[..5]
    );
    // A 1101 while the resubscriptions still wait for the rate limiter: the round is asked
    // (and answered), and every name subscribed again.
    let mut out = h.error(-1, codes::RESTORED_DATA_LOST);
    out.extend(h.advance(100));
    out.extend(h.error(-1, codes::RESTORED_DATA_LOST));
    out.extend(wait(&mut h, 40_000));
    assert!(round_asked(&out), "the round's requests went out");
    assert!(subscribed(&out) == all, "{:?}", h.d.counters());
    assert_eq!(h.d.counters().dropped_control_full, 0);
    out = h.reconcile([EndKind::Executions, EndKind::OpenOrders, EndKind::Positions]);
    out.extend(h.reconcile([EndKind::Executions, EndKind::OpenOrders, EndKind::Positions]));
    assert!(!h.d.reconciling(), "{out:?}");
}

/// A dispatcher for `n` pairs (all of A and B), limits out of the way, started; pair 0's entry
/// (orders 100 and 101) sent with leg A filled; then entries of the other pairs until the
/// queue behind the rate limiter is full (or every pair entered).
fn queue_filled(n: u16) -> Harness {
    let risk = RiskParams {
        max_open_orders: 100_000,
        max_position: 1e9,
        max_name_notional: 1e12,
        max_gross_notional: 1e12,
        max_net_notional: 1e12,
        ..RiskParams::default()
    };
    let pairs = vec![[0, 1]; n as usize];
    let mut h = Harness::started_with(Harness::with_pairs(risk, pairs));
    assert_eq!(places(&h.entry_on(0, 1)).len(), 2);
    h.execution(100, id("a1"), 0, true, 100.0);
    h.status(100, OrderStatusKind::Filled, 100.0);
    h.status(101, OrderStatusKind::Submitted, 0.0);
    // One request the socket's owner writes on its own: what the limiter lets out at once is
    // even, so entries of two orders fill the queue to its last slot.
    assert!(h.d.take_request_slot(h.now));
    for p in 1..n {
        if h.d.queued() == PENDING {
            break;
        }
        h.entry_on(p, 1);
    }
    h
}

// Audit 3 (defect): an order the full queue behind the rate limiter could not take was
// dropped, and its ticket saw a failed leg at once: it re-sent into the same full queue, each
// re-send dropped in turn, so every retry was spent in one call, then the unwind's orders
// were dropped too and the leg declared naked (the pair blocked, its filled leg left in the
// account). An entry whose legs did not all fit went out one leg short. Now an entry the
// queue has no room for is refused whole, and a re-send (a hedge leg, an unwind) waits for
// room: the ticket's timeout looks again.
#[test]
fn a_full_queue_refuses_an_entry_whole_and_a_hedge_waits_for_room() {
    let mut h = queue_filled(600);
    assert_eq!(h.d.queued(), PENDING, "the queue is full");
    assert_eq!(
        h.d.counters().dropped_rate_limit_full,
        0,
        "entries refused whole"
    );
    // Leg B of pair 0 is cancelled by the gateway: its re-send finds no room.
    let out = h.status(101, OrderStatusKind::Cancelled, 0.0);
    assert!(places(&out).is_empty(), "{out:?}");
    let c = *h.d.counters();
    assert_eq!(
        (c.naked_legs, c.leg_unwinds, c.dropped_rate_limit_full),
        (0, 0, 0)
    );
    // Another entry finds no room: refused whole, nothing of it queued or dropped.
    let refused = h.d.counters().rejected_by_risk;
    assert!(places(&h.entry_on(599, 1)).is_empty());
    assert_eq!(h.d.counters().rejected_by_risk, refused + 1);
    assert_eq!(h.d.counters().dropped_rate_limit_full, 0);
    // The queue drains; the hedge goes out at the ticket's next look and completes the pair.
    let mut resent = None;
    for _ in 0..600 {
        let out = h.advance(100);
        if let Some(p) = places(&out).into_iter().find(|p| p.pair == 0) {
            resent = Some(p);
            break;
        }
    }
    let p = resent.expect("leg B re-sent");
    assert_eq!((p.instrument, p.side, p.qty), (1, Side::Sell, 200));
    h.execution(p.order_id, id("b1"), 1, false, 200.0);
    h.status(p.order_id, OrderStatusKind::Filled, 200.0);
    let book = h.d.pair_books().next().unwrap();
    assert_eq!((book.legs[0].qty, book.legs[1].qty), (100.0, -200.0));
    let c = *h.d.counters();
    assert_eq!(
        (c.naked_legs, c.leg_unwinds, c.dropped_rate_limit_full),
        (0, 0, 0)
    );
}

// Audit 3 (defect): a cancel the full queue could not take was dropped while its order was
// marked as asked to cancel, so nothing asked again: a close waiting for the pair's entry to
// end waited for good (the entry kept working). The cancel is now asked again at the next look.
#[test]
fn a_cancel_the_full_queue_drops_is_asked_again() {
    let mut h = queue_filled(600);
    let out = h.close_on(0, 2);
    assert!(cancels(&out).is_empty(), "no room: {out:?}");
    let mut asked = false;
    for _ in 0..600 {
        if cancels(&h.advance(100)).contains(&101) {
            asked = true;
            break;
        }
    }
    assert!(asked, "leg B's cancel goes out once the queue has room");
    // Its entry over, the close goes (behind what the queue still holds).
    let mut out = h.status(101, OrderStatusKind::Cancelled, 0.0);
    for _ in 0..600 {
        if places(&out).iter().any(|p| p.pair == 0) {
            break;
        }
        out = h.advance(100);
    }
    let p: Vec<_> = places(&out).into_iter().filter(|p| p.pair == 0).collect();
    assert_eq!(p.len(), 1, "{out:?}");
    assert_eq!((p[0].instrument, p[0].side, p[0].qty), (0, Side::Sell, 100));
}

// Audit 2 (safe): the split ring remembers how each execution of a shared order was split, for
// its commission report, at `id % SPLITS`. A slot reused by a newer split never lends its
// pieces to an older execution's report: the split's id must match the one the execution
// kept (`shared.rs`, `book_split_commission` and `journal_split`); a report later than the
// ring goes whole to its execution's carrier, as the module rules say. Either way the account
// books it once and the baskets' books sum to it.
#[test]
fn a_commission_whose_split_the_ring_reused_goes_to_its_own_carrier() {
    let mut h = Harness::baskets(
        RiskParams::default(),
        4,
        vec![vec![0, 1, 2], vec![0, 1, 3], vec![0, 2, 3]],
        None,
    );
    let commissions = |h: &Harness, slot: usize| {
        let b = h.d.basket_books().nth(slot).unwrap();
        b.legs()[b.leg_of(0).unwrap()].commissions
    };
    // Step 1: baskets 0 and 2 buy 100 and 51 as one order carried by basket 0.
    let p = places(&h.step(1, &[(0, &[(0, 100)]), (2, &[(0, 51)])]));
    assert_eq!((p.len(), p[0].pair, p[0].qty), (1, 0, 151));
    let first = h.exec(p[0].order_id, 0, true, 151.0);
    h.status(p[0].order_id, OrderStatusKind::Filled, 151.0);
    // As if the ring went round: the next split lands in the first one's slot.
    h.d.nets.next_split += shared::SPLITS as u32 - 1;
    // Step 2: they sell 10 and 51, carried by basket 2 this time.
    let p = places(&h.step(2, &[(0, &[(0, 90)]), (2, &[(0, 0)])]));
    assert_eq!((p.len(), p[0].pair, p[0].qty), (1, 2, 61));
    let second = h.exec(p[0].order_id, 0, false, 61.0);
    h.status(p[0].order_id, OrderStatusKind::Filled, 61.0);
    h.commission(second, 1.0);
    let ring = |e: &ExecId| h.d.seen.get(e).map(|s| s.split as usize % shared::SPLITS);
    assert_eq!(ring(&first), ring(&second), "one ring slot");
    // The first execution's report comes after its slot was reused: its carrier, basket 0,
    // takes it whole (never basket 2 by the second split's pieces).
    h.commission(first, 3.0);
    assert!((commissions(&h, 0) - (3.0 + 10.0 / 61.0)).abs() < 1e-12);
    assert!((commissions(&h, 2) - 51.0 / 61.0).abs() < 1e-12);
    assert_eq!(commissions(&h, 1), 0.0);
    assert!((h.d.positions()[0].commissions - 4.0).abs() < 1e-12);
    assert_eq!(h.d.commissions_pending(), 0);
}

// Beyond the five (defect): every error naming a working combo marked it rejected, IB's 399
// (an order warning, e.g. outside regular hours, which ends nothing) included. When the BAG
// then ended legged, it skipped its confirming round: the missing leg was completed at market
// at once, before a leg's execution still on its way (status first), which traded it twice.
// Only an error that ends the order can reject it.
#[test]
fn a_warning_on_a_combo_is_no_reject() {
    use super::super::combo_tests::{combo, started};
    let mut h = started(combo(crate::config::ComboPrice::Mid));
    let bag = places(&h.entry(1))[0].order_id;
    h.error(bag, 399);
    assert_eq!(h.d.counters().combo_rejects, 0, "a warning is no reject");
    h.exec(bag, 1, false, 50.0);
    let mut out = Vec::new();
    for _ in 0..20 {
        out.extend(h.advance(60));
    }
    assert_eq!(cancels(&out), [bag]);
    let out = h.status(bag, OrderStatusKind::Cancelled, 0.0);
    assert!(
        places(&out).is_empty(),
        "nothing before the confirming round: {out:?}"
    );
}

// Audit 1, a combo: the 202 names the BAG and reaches both leg slots (`combo_route.rs`); with
// no final status, the round ends both, and the legged BAG is completed after its own
// confirming round, for what each leg lacks.
#[test]
fn a_202_alone_on_a_legged_combo_ends_both_legs_through_a_reconciliation() {
    use super::super::combo_tests::{combo, started};
    let mut h = started(combo(crate::config::ComboPrice::Mid));
    let bag = places(&h.entry(1))[0].order_id;
    h.exec(bag, 1, false, 50.0);
    let mut out = Vec::new();
    for _ in 0..20 {
        out.extend(h.advance(60));
    }
    assert_eq!(cancels(&out), [bag]);
    h.error(bag, codes::ORDER_CANCELLED);
    let mut out = wait(&mut h, 3_000);
    let mut rounds = 0;
    while round_asked(&out) && rounds < 5 {
        rounds += 1;
        assert!(places(&out).is_empty(), "{out:?}");
        out = reconcile(&mut h, [0.0, -50.0]);
        out.extend(wait(&mut h, 1_100));
    }
    let mut p: Vec<(u16, Side, u32)> = places(&out)
        .iter()
        .map(|p| (p.instrument, p.side, p.qty))
        .collect();
    p.sort_by_key(|x| x.0);
    assert_eq!(
        p,
        [(0, Side::Buy, 100), (1, Side::Sell, 150)],
        "after {rounds} rounds"
    );
    assert_eq!(h.d.pair_target(0), Some([100.0, -200.0]));
}
