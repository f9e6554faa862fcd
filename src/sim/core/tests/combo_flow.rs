//! `[orderflow]` for BAG (combo) orders through the core (`sim/combo_flow.rs`): PendingCancel
//! with fills after it, the BAG's status before its legs' executions, legs' commissions late
//! and repeated, a connection dropped with a BAG working, and BAG-level executions in the
//! REQ_EXECUTIONS replay.

use super::*;
use crate::config::{OrderMoment, OrderflowParams};
use crate::wire::{ComboLeg, ExecutionFilter, OrderExtras};

/// Buy one of the first symbol and sell two of the second per unit (their conIds as contract
/// details serve them).
const LEGS: [ComboLeg<'static>; 2] = [
    ComboLeg {
        con_id: 756_700,
        ratio: 1,
        action: "BUY",
        exchange: "SMART",
    },
    ComboLeg {
        con_id: 756_717,
        ratio: 2,
        action: "SELL",
        exchange: "SMART",
    },
];

fn flow_harness(flow: OrderflowParams) -> Harness {
    let mut p = SimParams::embedded();
    p.orderflow = flow;
    let mut h = harness_with(p);
    h.core.fixed_clock_ns = Some(1_000_000_000);
    h.connect(1, TEXT, 7);
    h
}

/// A BAG of `units`: MKT, or LMT at `net` a unit.
fn combo(order_id: i32, units: f64, net: Option<f64>) -> Request<'static> {
    let o = OrderRequest {
        order_id,
        contract: ContractSpec {
            symbol: "PAIR",
            sec_type: "BAG",
            ..ContractSpec::stock("")
        },
        action: "BUY",
        total_quantity: units,
        order_type: if net.is_some() { "LMT" } else { "MKT" },
        lmt_price: net.unwrap_or(f64::MAX),
        aux_price: f64::MAX,
        tif: "DAY",
        account: "",
        order_ref: "7",
        transmit: true,
        parent_id: 0,
    };
    let x = OrderExtras {
        non_guaranteed: true,
        ..OrderExtras::with_legs(&LEGS)
    };
    Request::PlaceOrderExt(o, x)
}

/// The executions a session was sent: (secType, shares) each, and the short words of all.
fn executions(h: &mut Harness) -> (Vec<(String, f64)>, Vec<String>) {
    let frames = h.read(1);
    let execs = frames
        .iter()
        .filter_map(|f| match ServerMessage::decode(f, 178).unwrap() {
            ServerMessage::Execution(e) => Some((e.contract.sec_type.to_string(), e.shares)),
            _ => None,
        })
        .collect();
    (execs, frames.iter().map(|f| describe(f)).collect())
}

#[test]
fn a_bag_cancel_answers_pending_cancel_and_its_legs_still_fill_before_it_takes_effect() {
    let mut h = flow_harness(OrderflowParams {
        pending_cancel_ms: [20, 20],
        ..Default::default()
    });
    // Out of reach: it rests.
    h.send(1, TEXT, combo(1, 5.0, Some(-100_000.0)));
    assert_eq!(h.read_text(1), ["open", "status Submitted"]);
    h.send(1, TEXT, Request::CancelOrder { order_id: 1 });
    assert_eq!(h.read_text(1), ["status PendingCancel"]);
    // Not final: modified into reach meanwhile, its legs fill.
    h.send(1, TEXT, combo(1, 5.0, None));
    let (execs, got) = executions(&mut h);
    assert!(execs.iter().any(|(t, _)| t == "STK"), "{got:?}");
    assert_eq!(
        got.last().map(String::as_str),
        Some("status Filled"),
        "{got:?}"
    );
    // The cancel comes due on a filled BAG: nothing more.
    h.core.deliver_due(u64::MAX);
    assert!(h.read_text(1).is_empty());

    // Another, cancelled for good: PendingCancel, then 202 and Cancelled when it is due.
    h.send(1, TEXT, combo(2, 5.0, Some(-100_000.0)));
    h.read_text(1);
    h.send(1, TEXT, Request::CancelOrder { order_id: 2 });
    assert_eq!(h.read_text(1), ["status PendingCancel"]);
    assert!(h.core.flow.next_due_ns().is_some(), "the loop wakes for it");
    h.core.deliver_due(u64::MAX);
    assert_eq!(h.read_text(1), ["error 202", "status Cancelled"]);
}

#[test]
fn a_bag_status_can_come_before_its_legs_executions() {
    let mut h = flow_harness(OrderflowParams {
        status_first_probability: 1.0,
        ..Default::default()
    });
    h.send(1, TEXT, combo(1, 5.0, None));
    let got = h.read_text(1);
    assert_eq!(got[..2], ["open", "status Submitted"], "{got:?}");
    let first_exec = got.iter().position(|w| w == "exec").expect("filled");
    assert!(got[first_exec - 1].starts_with("status"), "{got:?}");
    // The same without it: the leg's execution first.
    let mut h = flow_harness(OrderflowParams::default());
    h.send(1, TEXT, combo(1, 5.0, None));
    let got = h.read_text(1);
    assert_eq!(got[2], "exec", "{got:?}");
}

#[test]
fn leg_commissions_come_late_and_twice_never_for_the_bag() {
    let mut h = flow_harness(OrderflowParams {
        commission_delay_ms: [5, 50],
        commission_repeat_probability: 1.0,
        ..Default::default()
    });
    h.send(1, TEXT, combo(1, 5.0, None));
    let (execs, got) = executions(&mut h);
    assert!(!got.contains(&"commission".to_string()), "{got:?}");
    let legs = execs.iter().filter(|(t, _)| t == "STK").count();
    assert!(legs >= 2, "{execs:?}");
    h.core.deliver_due(u64::MAX);
    let later = h.read_text(1);
    assert_eq!(later.len(), 2 * legs, "two per leg execution: {later:?}");
    assert!(later.iter().all(|w| w == "commission"));
}

#[test]
fn the_connection_drops_with_a_bag_working_and_the_replay_tells_what_filled() {
    let mut h = flow_harness(OrderflowParams {
        disconnect_at: vec![OrderMoment::Acknowledged],
        disconnect_probability: 1.0,
        max_disconnects: 1,
        ..Default::default()
    });
    h.send(1, TEXT, combo(1, 5.0, None));
    assert_eq!(h.read_text(1), ["open", "status Submitted"]);
    assert!(h.core.sessions.get(1).is_none(), "dropped");
    // Back as the same client: REQ_EXECUTIONS tells of the legs that filled while away.
    h.connect(2, TEXT, 7);
    h.read(2);
    let filter = ExecutionFilter::default();
    h.send(2, TEXT, Request::Executions { req_id: 9, filter });
    let frames = h.read(2);
    let legs: f64 = frames
        .iter()
        .filter_map(|f| match ServerMessage::decode(f, 178).unwrap() {
            ServerMessage::Execution(e) if e.contract.sec_type == "STK" => Some(e.shares),
            _ => None,
        })
        .sum();
    assert_eq!(legs, 15.0, "5 units of 1 + 2 shares");
}

#[test]
fn bag_level_executions_are_replayed_only_when_switched_on() {
    for on in [false, true] {
        let mut h = flow_harness(OrderflowParams {
            bag_executions_in_replay: on,
            ..Default::default()
        });
        h.send(1, TEXT, combo(1, 5.0, None));
        let (live, _) = executions(&mut h);
        let bags = |x: &[(String, f64)]| -> f64 {
            x.iter().filter(|(t, _)| t == "BAG").map(|(_, q)| q).sum()
        };
        assert_eq!(bags(&live), 5.0, "{live:?}");
        let filter = ExecutionFilter::default();
        h.send(1, TEXT, Request::Executions { req_id: 9, filter });
        let (replayed, words) = executions(&mut h);
        assert_eq!(bags(&replayed), if on { 5.0 } else { 0.0 }, "{replayed:?}");
        // Each BAG-level one right after a leg's execution and its commission.
        if on {
            let at = words.iter().rposition(|w| w == "exec").unwrap();
            assert_eq!(words[at - 1], "commission", "{words:?}");
        }
        let legs: f64 = replayed
            .iter()
            .filter(|(t, _)| t == "STK")
            .map(|(_, q)| q)
            .sum();
        assert_eq!(legs, 15.0);
    }
}

#[test]
fn an_orderflow_reject_ends_a_bag_with_its_code_and_no_status() {
    for code in [103, 110, 200, 203] {
        let mut h = flow_harness(OrderflowParams {
            reject_probability: 1.0,
            reject_codes: vec![code],
            ..Default::default()
        });
        h.send(1, TEXT, combo(1, 5.0, None));
        assert_eq!(
            h.read_text(1),
            [format!("error {code}")],
            "no status, no fill"
        );
        let snap = h.snapshot();
        assert!(
            snap.orders.is_empty() && snap.executions.is_empty(),
            "legs never booked"
        );
        let stats = h.core.stats.clone();
        assert_eq!(stats.orderflow_rejects.load(Ordering::Relaxed), 1);
        assert_eq!(stats.orderflow_bag_rejects.load(Ordering::Relaxed), 1);
        assert_eq!(stats.bag_orders_received.load(Ordering::Relaxed), 1);
        // A plain order drawn by the same rule is not a BAG's.
        let sym = first_symbol(&h);
        h.send(1, TEXT, Request::PlaceOrder(order(&sym, 2, "BUY", 100.0)));
        assert_eq!(h.read_text(1), [format!("error {code}")]);
        assert_eq!(stats.orderflow_rejects.load(Ordering::Relaxed), 2);
        assert_eq!(stats.orderflow_bag_rejects.load(Ordering::Relaxed), 1);
    }
}

#[test]
fn bags_and_plain_orders_draw_their_rejects_from_one_sequence() {
    let flow = || OrderflowParams {
        seed: 5,
        reject_probability: 0.5,
        reject_codes: vec![110, 203],
        ..Default::default()
    };
    // The same seed: a BAG in the place of a plain order gets the plain order's draw.
    let verdicts = |bags: bool| {
        let mut h = flow_harness(flow());
        let sym = first_symbol(&h);
        (1..=24)
            .map(|id| {
                let req = if bags && id % 2 == 0 {
                    combo(id, 1.0, None)
                } else {
                    Request::PlaceOrder(order(&sym, id, "BUY", 1.0))
                };
                h.send(1, TEXT, req);
                h.read_text(1).into_iter().find(|w| w.starts_with("error"))
            })
            .collect::<Vec<_>>()
    };
    let (plain, mixed) = (verdicts(false), verdicts(true));
    assert_eq!(plain, mixed);
    assert!(mixed.iter().any(Option::is_some) && mixed.iter().any(Option::is_none));
}
