//! `[orderflow]` through the core, driven by commands alone: each behaviour's messages, what is
//! held back until [`Core::deliver_due`] (the loop's own delivery), and the same messages for the
//! same seed.

use super::*;
use crate::config::{OrderMoment, OrderflowParams};
use crate::wire::ExecutionFilter;

fn flow_harness(flow: OrderflowParams, faults: FaultParams) -> Harness {
    let mut p = SimParams::embedded();
    p.faults = faults;
    p.orderflow = flow;
    let mut h = harness_with(p);
    h.core.fixed_clock_ns = Some(1_000_000_000);
    h
}

/// Everything held back comes due.
fn deliver_all(h: &mut Harness) {
    h.core.deliver_due(u64::MAX);
}

/// A limit buy far below the market: it rests.
fn resting<'a>(symbol: &'a str, order_id: i32, qty: f64) -> OrderRequest<'a> {
    let mut o = order(symbol, order_id, "BUY", qty);
    (o.order_type, o.lmt_price) = ("LMT", 1.0);
    o
}

fn reconcile(h: &mut Harness) {
    let filter = ExecutionFilter::default();
    h.send(1, TEXT, Request::Executions { req_id: 9, filter });
    h.send(1, TEXT, Request::OpenOrders);
    h.send(1, TEXT, Request::Positions);
}

#[test]
fn status_can_come_before_the_execution() {
    let flow = OrderflowParams {
        status_first_probability: 1.0,
        ..Default::default()
    };
    let mut h = flow_harness(flow, FaultParams::default());
    h.connect(1, TEXT, 7);
    let sym = first_symbol(&h);
    h.send(1, TEXT, Request::PlaceOrder(order(&sym, 1, "BUY", 100.0)));
    let got = h.read_text(1);
    assert_eq!(
        got[..6],
        [
            "open",
            "status Submitted",
            "status Filled",
            "open",
            "exec",
            "commission"
        ]
    );
}

#[test]
fn commissions_come_late_and_twice() {
    let flow = OrderflowParams {
        commission_delay_ms: [5, 50],
        commission_repeat_probability: 1.0,
        ..Default::default()
    };
    let mut h = flow_harness(flow, FaultParams::default());
    h.connect(1, TEXT, 7);
    let sym = first_symbol(&h);
    h.send(1, TEXT, Request::PlaceOrder(order(&sym, 1, "BUY", 100.0)));
    let got = h.read_text(1);
    assert_eq!(
        got,
        ["open", "status Submitted", "exec", "status Filled", "open"]
    );
    assert!(
        h.core.flow.next_due_ns().is_some(),
        "the loop wakes for them"
    );
    deliver_all(&mut h);
    assert_eq!(h.read_text(1), ["commission", "commission"]);
}

#[test]
fn pending_cancel_then_a_fill_then_cancelled() {
    let flow = OrderflowParams {
        pending_cancel_ms: [20, 20],
        ..Default::default()
    };
    let faults = FaultParams {
        max_fill_qty: 30,
        ..FaultParams::default()
    };
    let mut h = flow_harness(flow, faults);
    h.connect(1, TEXT, 7);
    let sym = first_symbol(&h);
    h.send(1, TEXT, Request::PlaceOrder(resting(&sym, 1, 100.0)));
    assert_eq!(h.read_text(1), ["open", "status Submitted"]);
    h.send(1, TEXT, Request::CancelOrder { order_id: 1 });
    assert_eq!(h.read_text(1), ["status PendingCancel"]);
    // Not final: the order still fills (re-sent marketable, 30 shares a fill).
    let mut marketable = resting(&sym, 1, 100.0);
    marketable.lmt_price = 1e5;
    h.send(1, TEXT, Request::PlaceOrder(marketable));
    let got = h.read_text(1);
    assert!(got.contains(&"exec".to_string()), "{got:?}");
    assert!(got.contains(&"status PendingCancel".to_string()), "{got:?}");
    deliver_all(&mut h);
    assert_eq!(h.read_text(1), ["error 202", "status Cancelled"]);
    let snap = h.snapshot();
    assert_eq!(
        (snap.orders[0].state, snap.orders[0].filled),
        ("Cancelled", 30)
    );
}

#[test]
fn reconciliation_answers_interleave_and_keep_their_own_order() {
    let flow = OrderflowParams {
        answer_delay_ms: [0, 40],
        ..Default::default()
    };
    let mut interleaved = 0;
    for seed in 0..8 {
        let mut h = flow_harness(
            OrderflowParams {
                seed,
                ..flow.clone()
            },
            FaultParams::default(),
        );
        h.connect(1, TEXT, 7);
        let sym = first_symbol(&h);
        h.send(1, TEXT, Request::PlaceOrder(order(&sym, 1, "BUY", 100.0)));
        h.send(1, TEXT, Request::PlaceOrder(resting(&sym, 2, 100.0)));
        h.read(1);
        reconcile(&mut h);
        assert!(h.read(1).is_empty(), "held back");
        deliver_all(&mut h);
        let got = h.read_text(1);
        let plain = [
            "exec",
            "commission",
            "end 55",
            "open",
            "status Submitted",
            "end 53",
            "position 100",
            "end 62",
        ];
        let mut sorted = got.clone();
        sorted.sort();
        let mut want: Vec<String> = plain.iter().map(|s| s.to_string()).collect();
        want.sort();
        assert_eq!(sorted, want, "every answer, once");
        for stream in [&plain[..3], &plain[3..6], &plain[6..]] {
            let at: Vec<usize> = stream
                .iter()
                .map(|m| got.iter().position(|g| g == m).unwrap())
                .collect();
            assert!(at.windows(2).all(|w| w[0] < w[1]), "{got:?}");
        }
        interleaved += usize::from(got != plain);
    }
    assert!(interleaved > 0, "some seed interleaves the answers");
}

#[test]
fn positions_lag_the_executions() {
    let flow = OrderflowParams {
        position_lag_probability: 1.0,
        position_lag_ms: [30, 30],
        ..Default::default()
    };
    let mut h = flow_harness(flow, FaultParams::default());
    h.connect(1, TEXT, 7);
    let sym = first_symbol(&h);
    h.send(1, TEXT, Request::Positions);
    assert_eq!(h.read_text(1), ["end 62"]);
    h.send(1, TEXT, Request::PlaceOrder(order(&sym, 1, "BUY", 100.0)));
    let got = h.read_text(1);
    assert!(!got.iter().any(|m| m.starts_with("position")), "{got:?}");
    // The executions say 100; the positions answer does not know yet.
    let filter = ExecutionFilter::default();
    h.send(1, TEXT, Request::Executions { req_id: 3, filter });
    h.send(1, TEXT, Request::Positions);
    assert_eq!(h.read_text(1), ["exec", "commission", "end 55", "end 62"]);
    deliver_all(&mut h);
    assert_eq!(h.read_text(1), ["position 100"]);
    h.send(1, TEXT, Request::Positions);
    assert_eq!(h.read_text(1), ["position 100", "end 62"]);
}

#[test]
fn the_connection_drops_after_the_ack_and_the_fill_happens_unseen() {
    let flow = OrderflowParams {
        disconnect_at: vec![OrderMoment::Acknowledged],
        disconnect_probability: 1.0,
        max_disconnects: 1,
        ..Default::default()
    };
    let mut h = flow_harness(flow, FaultParams::default());
    h.connect(1, TEXT, 7);
    let sym = first_symbol(&h);
    h.send(1, TEXT, Request::PlaceOrder(order(&sym, 1, "BUY", 100.0)));
    assert_eq!(h.read_text(1), ["open", "status Submitted"]);
    assert!(h.core.sessions.get(1).is_none(), "dropped");
    let snap = h.snapshot();
    assert_eq!(snap.orders[0].state, "Filled", "it filled while away");
    assert_eq!(
        h.core.stats.orderflow_disconnects.load(Ordering::Relaxed),
        1
    );
    // Back as the same client: only REQ_EXECUTIONS tells of the fill; no second drop.
    h.connect(2, TEXT, 7);
    h.send(2, TEXT, Request::PlaceOrder(order(&sym, 2, "SELL", 100.0)));
    assert!(h.core.sessions.get(2).is_some(), "at most one drop");
}

#[test]
fn the_connection_drops_between_a_partial_fill_and_the_rest() {
    let flow = OrderflowParams {
        disconnect_at: vec![OrderMoment::PartialFill],
        disconnect_probability: 1.0,
        max_disconnects: 1,
        ..Default::default()
    };
    let faults = FaultParams {
        max_fill_qty: 30,
        ..FaultParams::default()
    };
    let mut h = flow_harness(flow, faults);
    h.connect(1, TEXT, 7);
    let sym = first_symbol(&h);
    h.send(1, TEXT, Request::PlaceOrder(order(&sym, 1, "BUY", 100.0)));
    let got = h.read_text(1);
    assert_eq!(
        got,
        [
            "open",
            "status Submitted",
            "exec",
            "status Submitted",
            "open",
            "commission"
        ]
    );
    assert!(h.core.sessions.get(1).is_none());
    assert_eq!(
        h.snapshot().orders[0].state,
        "Submitted",
        "the rest still works"
    );
}

#[test]
fn rejects_end_orders_without_a_status() {
    for code in [103, 110, 200, 203] {
        let flow = OrderflowParams {
            reject_probability: 1.0,
            reject_codes: vec![code],
            ..Default::default()
        };
        let mut h = flow_harness(flow, FaultParams::default());
        h.connect(1, TEXT, 7);
        let sym = first_symbol(&h);
        h.send(1, TEXT, Request::PlaceOrder(order(&sym, 1, "BUY", 100.0)));
        assert_eq!(h.read_text(1), [format!("error {code}")]);
        assert!(h.snapshot().orders.is_empty(), "never booked");
        assert_eq!(h.core.stats.orderflow_rejects.load(Ordering::Relaxed), 1);
    }
    let flow = OrderflowParams {
        reject_probability: 1.0,
        reject_codes: vec![10147],
        ..Default::default()
    };
    let mut h = flow_harness(flow, FaultParams::default());
    h.connect(1, TEXT, 7);
    let sym = first_symbol(&h);
    h.send(1, TEXT, Request::PlaceOrder(resting(&sym, 1, 100.0)));
    assert_eq!(h.read_text(1), ["open", "status Submitted"]);
    h.send(1, TEXT, Request::CancelOrder { order_id: 1 });
    assert_eq!(h.read_text(1), ["error 10147"]);
    assert_eq!(h.snapshot().orders[0].state, "Cancelled", "ended, silently");
}

#[test]
fn the_same_seed_gives_the_same_messages() {
    let flow = |seed| OrderflowParams {
        seed,
        status_first_probability: 0.5,
        commission_delay_ms: [0, 30],
        commission_repeat_probability: 0.3,
        pending_cancel_ms: [0, 30],
        answer_delay_ms: [0, 30],
        position_lag_probability: 0.5,
        position_lag_ms: [0, 30],
        reject_probability: 0.2,
        reject_codes: vec![110, 203, 10147],
        ..Default::default()
    };
    let faults = FaultParams {
        max_fill_qty: 40,
        ..FaultParams::default()
    };
    let transcript = |seed| {
        let mut h = flow_harness(flow(seed), faults.clone());
        h.connect(1, TEXT, 7);
        let sym = first_symbol(&h);
        let mut all = Vec::new();
        h.send(1, TEXT, Request::Positions);
        for id in 1..=12 {
            let o = if id % 3 == 0 {
                resting(&sym, id, 100.0)
            } else {
                order(&sym, id, if id % 2 == 0 { "BUY" } else { "SELL" }, 100.0)
            };
            h.send(1, TEXT, Request::PlaceOrder(o));
            if id % 3 == 0 {
                h.send(1, TEXT, Request::CancelOrder { order_id: id });
            }
            all.extend(h.read_text(1));
        }
        reconcile(&mut h);
        deliver_all(&mut h);
        all.extend(h.read_text(1));
        all
    };
    assert_eq!(transcript(3), transcript(3));
    assert_ne!(transcript(3), transcript(4));
}
