//! The money-safety audit's follow-up of the dispatcher: five suspected weaknesses, each
//! either a defect (its test failed before the fix) or a safe behaviour pinned by a test.

use super::super::harness::{Harness, places};
use super::super::*;
use super::id;

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
