//! The `combo` policy driven by hand through IB message sequences: one BAG for both legs,
//! per-leg executions into the pair's books (the BAG-level one never), rejects counted and
//! never re-sent under another policy, a legged BAG confirmed by a reconciliation and then
//! completed at market, and re-pricing.

use super::harness::{Harness, cancels, places};
use super::*;
use crate::config::ComboPrice;
use crate::types::{BAG_INSTRUMENT, EndKind, ExecId, OrderEvent};
use crate::wire::ids::codes;

pub(super) fn started(execution: ExecutionParams) -> Harness {
    let risk = RiskParams {
        leg_retries: 1,
        ..RiskParams::default()
    };
    let mut h = Harness::with_execution(risk, vec![[0, 1]], execution);
    h.touch = [(99.99, 100.01), (49.99, 50.01)];
    h.quote();
    Harness::started_with(h)
}

pub(super) fn combo(price: ComboPrice) -> ExecutionParams {
    ExecutionParams {
        policy: Policy::Combo,
        combo_price: price,
        give_up_ms: 1_000,
        ..ExecutionParams::default()
    }
}

fn kind(p: &PlaceOrder) -> ComboKind {
    match p.kind {
        OrderKind::Combo(c) => c,
        other => panic!("a combo, not {other:?}"),
    }
}

/// The BAG-level execution of `units` at `net`.
pub(super) fn bag_exec(h: &mut Harness, bag: i32, units: f64, net: f64) -> Vec<Outbound> {
    h.next_exec += 1;
    let mut id = ExecId::new();
    id.push_str(&format!("bag{}", h.next_exec));
    h.event(OrderEvent::Execution {
        order_id: bag,
        exec_id: id,
        instrument: BAG_INSTRUMENT,
        buy: true,
        shares: units,
        price: net,
        cum_qty: units,
    })
}

/// Answers the reconciliation round the dispatcher asked for, with positions `held`.
pub(super) fn reconcile(h: &mut Harness, held: [f64; 2]) -> Vec<Outbound> {
    let mut out = h.event(OrderEvent::End(EndKind::Executions));
    out.extend(h.event(OrderEvent::End(EndKind::OpenOrders)));
    for (i, q) in held.into_iter().enumerate() {
        out.extend(h.position(i as u16, q));
    }
    out.extend(h.event(OrderEvent::End(EndKind::Positions)));
    out
}

pub(super) fn controls(items: &[Outbound]) -> Vec<Control> {
    items
        .iter()
        .filter_map(|o| match o {
            Outbound::Control(c) => Some(*c),
            _ => None,
        })
        .collect()
}

#[test]
fn one_bag_for_both_legs_and_the_bag_level_execution_is_never_a_position() {
    let mut h = started(combo(ComboPrice::Mid));
    let out = h.entry(1);
    let sent = places(&out);
    assert_eq!(sent.len(), 1, "one BAG order for the pair");
    let bag = sent[0].order_id;
    assert_eq!(
        (sent[0].instrument, sent[0].side, sent[0].qty),
        (0, Side::Buy, 100)
    );
    let c = kind(&sent[0]);
    // A buy 100, B sell 200: 100 units of (+1 A, -2 B); the net mid is 100.00 - 2 x 50.00.
    assert_eq!(
        (
            c.instrument_b,
            c.side_b,
            c.qty_b,
            c.units,
            c.ratio_a,
            c.ratio_b,
            c.net
        ),
        (1, Side::Sell, 200, 100, 1, 2, Some(0))
    );
    // Each leg is journaled (write-ahead), the BAG's own id last.
    let journaled: Vec<(i32, u16)> = out
        .iter()
        .filter_map(|o| match o {
            Outbound::Journal(JournalEntry::Order {
                order_id,
                instrument,
                ..
            }) => Some((*order_id, *instrument)),
            _ => None,
        })
        .collect();
    assert_eq!(journaled, [(bag + 1, 1), (bag, 0)]);
    // IB's order: the BAG-level execution may come first; it moves nothing.
    bag_exec(&mut h, bag, 100.0, 0.0);
    assert_eq!(h.d.counters().combo_executions, 1);
    assert!(h.d.positions().iter().all(|p| p.qty == 0.0));
    let ea = h.exec(bag, 0, true, 100.0);
    let eb = h.exec(bag, 1, false, 200.0);
    h.status(bag, OrderStatusKind::Filled, 100.0);
    // Commissions per leg, late.
    assert_eq!(h.d.commissions_pending(), 2);
    h.commission(eb, 1.0);
    h.commission(ea, 1.0);
    assert_eq!(h.d.commissions_pending(), 0);
    let held: Vec<f64> = h.d.positions().iter().map(|p| p.qty).collect();
    assert_eq!(held, [100.0, -200.0]);
    let book = h.d.pair_books().next().expect("one pair");
    assert_eq!((book.legs[0].qty, book.legs[1].qty), (100.0, -200.0));
    assert_eq!(
        (book.legs[0].commissions, book.legs[1].commissions),
        (1.0, 1.0)
    );
    assert_eq!(h.d.counters().fills, 2);
    // A BAG-level execution replayed after the legs still books nothing.
    bag_exec(&mut h, bag, 100.0, 0.0);
    assert_eq!(h.d.counters().combo_executions, 2);
    assert_eq!(h.d.pair_target(0), Some([100.0, -200.0]));
    assert!(h.d.settled());
}

#[test]
fn a_rejected_combo_is_counted_and_never_resent_under_another_policy() {
    let mut h = started(combo(ComboPrice::Cross));
    let sent = places(&h.entry(1));
    let c = kind(&sent[0]);
    // Cross: 100.01 - 2 x 49.99 per unit.
    assert_eq!(c.net, Some(10_001 - 2 * 4_999));
    let out = h.error(sent[0].order_id, 201);
    assert!(places(&out).is_empty(), "no fallback to single orders");
    assert_eq!(h.d.counters().combo_rejects, 1);
    // Later polls send nothing either.
    let out = h.advance(5_000);
    assert!(places(&out).is_empty());
    assert_eq!(h.d.pair_target(0), Some([0.0, 0.0]));
    assert!(h.d.settled());
    // 10043 (NonGuaranteed missing) is a reject too.
    let sent = places(&h.entry(2));
    h.error(sent[0].order_id, 10043);
    assert_eq!(h.d.counters().combo_rejects, 2);
    assert!(h.d.settled());
}

/// What `f` returns, and what it logged (tracing's text format).
fn logged<T>(f: impl FnOnce() -> T) -> (T, String) {
    use std::sync::{Arc, Mutex};
    #[derive(Clone, Default)]
    struct Sink(Arc<Mutex<Vec<u8>>>);
    impl std::io::Write for Sink {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let sink = Sink::default();
    let writer = sink.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let out = tracing::subscriber::with_default(subscriber, f);
    let text = String::from_utf8_lossy(&sink.0.lock().unwrap()).into_owned();
    (out, text)
}

#[test]
fn a_rejected_close_combo_is_not_resent_at_market_and_the_pair_keeps_what_it_holds() {
    // Before, a close's BAG rejected fell to the reducing ticket's rules and its legs went
    // out again as market orders (`tests/engine_combo.rs`, the `[orderflow]` rejects).
    let mut h = started(combo(ComboPrice::Market));
    let bag = places(&h.entry(1))[0].order_id;
    h.exec(bag, 0, true, 100.0);
    h.exec(bag, 1, false, 200.0);
    h.status(bag, OrderStatusKind::Filled, 100.0);
    let sent = places(&h.close_on(0, 2));
    assert_eq!(sent.len(), 1, "the close is one BAG");
    assert_eq!(
        (sent[0].side, kind(&sent[0]).side_b),
        (Side::Sell, Side::Buy)
    );
    let (out, log) = logged(|| h.error(sent[0].order_id, 203));
    assert!(places(&out).is_empty(), "no fallback to single orders");
    assert_eq!(h.d.counters().combo_rejects, 1);
    assert!(
        log.contains("combo order rejected") && log.contains("code=203"),
        "logged: {log}"
    );
    // The strategy hears that its close did not happen, and what the pair holds.
    let outcome = out.iter().find_map(|o| match o {
        Outbound::Outcome(x) if x.seq == 2 => Some(*x),
        _ => None,
    });
    let outcome = outcome.expect("the close's outcome");
    assert!(!outcome.reached);
    assert_eq!(outcome.held, [100, -200]);
    let out = h.advance(10_000);
    assert!(places(&out).is_empty(), "nothing later either");
    assert_eq!(h.d.pair_target(0), Some([100.0, -200.0]));
    assert!(h.d.settled());
    // A later close is a BAG again.
    let sent = places(&h.close_on(0, 3));
    assert_eq!(sent.len(), 1);
    assert!(matches!(sent[0].kind, OrderKind::Combo(_)));
}

#[test]
fn a_legged_combo_given_up_is_confirmed_then_each_leg_completes_at_market() {
    let mut h = started(combo(ComboPrice::Mid));
    let bag = places(&h.entry(1))[0].order_id;
    // Non-guaranteed: A fills, B does not.
    h.exec(bag, 0, true, 100.0);
    h.status(bag, OrderStatusKind::Submitted, 0.0);
    let mut out = Vec::new();
    for _ in 0..20 {
        out.extend(h.advance(60));
    }
    assert_eq!(
        cancels(&out),
        [bag],
        "one cancel for both legs, after give_up_ms"
    );
    // The BAG's final status is in units (0): it cannot say what A filled. Nothing is sent
    // before a reconciliation round confirms the legs.
    let out = h.status(bag, OrderStatusKind::Cancelled, 0.0);
    assert!(places(&out).is_empty());
    assert_eq!(
        h.d.pair_target(0),
        Some([100.0, -200.0]),
        "B's completion reserved"
    );
    let out = h.advance(60);
    assert_eq!(
        controls(&out),
        [Control::Executions, Control::OpenOrders, Control::Positions]
    );
    let out = reconcile(&mut h, [100.0, 0.0]);
    let crossed = places(&out);
    assert_eq!(
        crossed
            .iter()
            .map(|p| (p.instrument, p.side, p.qty, p.kind))
            .collect::<Vec<_>>(),
        [(1, Side::Sell, 200, OrderKind::Market)]
    );
    let c = h.d.counters();
    assert_eq!((c.combo_give_ups, c.combo_legged, c.legged), (1, 1, 1));
    h.exec(crossed[0].order_id, 1, false, 200.0);
    h.status(crossed[0].order_id, OrderStatusKind::Filled, 200.0);
    let held: Vec<f64> = h.d.positions().iter().map(|p| p.qty).collect();
    assert_eq!(held, [100.0, -200.0]);
    assert!(h.d.settled());
}

#[test]
fn a_late_leg_execution_after_the_final_status_is_not_traded_twice() {
    let mut h = started(combo(ComboPrice::Mid));
    let bag = places(&h.entry(1))[0].order_id;
    h.exec(bag, 0, true, 100.0);
    for _ in 0..20 {
        h.advance(60);
    }
    h.status(bag, OrderStatusKind::Cancelled, 0.0);
    h.advance(60);
    // B's execution (filled before the cancel) arrives after the final status.
    h.exec(bag, 1, false, 120.0);
    let out = reconcile(&mut h, [100.0, -120.0]);
    let crossed = places(&out);
    assert_eq!(
        crossed
            .iter()
            .map(|p| (p.instrument, p.qty))
            .collect::<Vec<_>>(),
        [(1, 80)],
        "only what B still lacks"
    );
    assert_eq!(h.d.pair_target(0), Some([100.0, -200.0]));
}

#[test]
fn a_combo_the_market_moved_away_from_is_repriced_while_nothing_filled() {
    let mut h = started(ExecutionParams {
        give_up_ms: 60_000,
        reprice_ticks: 2,
        ..combo(ComboPrice::Mid)
    });
    let bag = places(&h.entry(1))[0].order_id;
    // A's mid rises 5 cents: the net mid is 5 cents a unit above the limit, past 2 cents a
    // share of the larger leg (B, 2 shares a unit).
    h.touch[0] = (100.02, 100.04);
    assert!(
        cancels(&h.advance(60)).is_empty(),
        "3 cents a unit: not yet"
    );
    h.touch[0] = (100.04, 100.06);
    let out = h.advance(60);
    assert_eq!(cancels(&out), [bag]);
    h.status(bag, OrderStatusKind::Cancelled, 0.0);
    h.advance(60);
    let out = reconcile(&mut h, [0.0, 0.0]);
    let again = places(&out);
    assert_eq!(again.len(), 1);
    assert_eq!(kind(&again[0]).net, Some(5));
    assert_eq!(h.d.counters().combo_reprices, 1);
}

/// IB's 202 (order cancelled) for a BAG it is cancelling is a cancel, not a reject: a legged
/// BAG still waits for its confirming round (a leg's execution may be on its way behind the
/// status: status first), and nothing is counted as a rejected combo (model seed 11439).
#[test]
fn a_202_on_a_legged_combo_is_a_cancel_and_the_legs_wait_for_the_confirming_round() {
    let mut h = started(combo(ComboPrice::Mid));
    let bag = places(&h.entry(1))[0].order_id;
    h.exec(bag, 1, false, 50.0);
    let mut out = Vec::new();
    for _ in 0..20 {
        out.extend(h.advance(60));
    }
    assert_eq!(cancels(&out), [bag]);
    // Status first: the cancel's 202 and final status before B's last executions.
    let mut out = h.error(bag, codes::ORDER_CANCELLED);
    out.extend(h.status(bag, OrderStatusKind::Cancelled, 0.0));
    assert!(
        places(&out).is_empty(),
        "nothing before the confirming round"
    );
    assert_eq!(h.d.counters().combo_rejects, 0, "a cancel is not a reject");
    h.exec(bag, 1, false, 150.0);
    let out = h.advance(60);
    assert_eq!(
        controls(&out),
        [Control::Executions, Control::OpenOrders, Control::Positions]
    );
    let out = reconcile(&mut h, [0.0, -200.0]);
    let crossed: Vec<(u16, u32)> = places(&out).iter().map(|p| (p.instrument, p.qty)).collect();
    assert_eq!(crossed, [(0, 100)], "only what A lacks: B is complete");
    assert_eq!(h.d.pair_target(0), Some([100.0, -200.0]));
}
