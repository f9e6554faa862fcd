//! The dispatcher driven through scripted IB message sequences: no thread, socket or clock.

use super::harness::{Harness, MS, places};
use super::*;
use crate::types::{Account, EndKind, ExecId, IntentKind, Leg, OrderEvent, OrderIntent, Stamped};
use crate::wire::ids::codes;

#[test]
fn start_up_reconciles_before_subscribing_and_refuses_entries_meanwhile() {
    let mut h = Harness::new(RiskParams::default());
    h.d.start(h.now);
    let first = h.take();
    assert_eq!(
        first,
        [
            Outbound::Control(Control::Executions),
            Outbound::Control(Control::OpenOrders),
            Outbound::Control(Control::Positions),
        ]
    );
    assert!(places(&h.entry(1)).is_empty());
    assert_eq!(h.d.counters().entries_while_down, 1);
    h.event(OrderEvent::End(EndKind::Executions));
    h.event(OrderEvent::End(EndKind::OpenOrders));
    let last = h.event(OrderEvent::End(EndKind::Positions));
    // Market data only once all three answers are in.
    assert_eq!(
        last,
        [
            Outbound::Control(Control::CancelPositions),
            Outbound::Control(Control::Subscribe(0)),
            Outbound::Control(Control::Subscribe(1)),
        ]
    );
    assert_eq!(h.d.counters().reconciliations, 1);
}

#[test]
fn every_order_is_journaled_before_it_is_sent() {
    let mut h = Harness::started(RiskParams::default());
    let out = h.entry(42);
    assert_eq!(out.len(), 4, "{out:?}");
    for pair in out.chunks(2) {
        let (Outbound::Journal(JournalEntry::Order { order_id, seq, .. }), Outbound::Place(p)) =
            (pair[0], pair[1])
        else {
            panic!("journal record then order expected, got {pair:?}");
        };
        assert_eq!((order_id, seq), (p.order_id, 42));
    }
    let p = places(&out);
    assert_eq!(
        (p[0].instrument, p[0].side, p[0].qty, p[0].order_id),
        (0, Side::Buy, 100, 100)
    );
    assert_eq!(
        (p[1].instrument, p[1].side, p[1].qty, p[1].order_id),
        (1, Side::Sell, 200, 101)
    );
    assert!(
        p.iter().all(|p| p.from_tick),
        "a tick's intent triggered both"
    );
}

#[test]
fn fills_count_once_whether_status_or_execution_comes_first() {
    for status_first in [false, true] {
        let mut h = Harness::started(RiskParams::default());
        h.entry(1);
        if status_first {
            h.status(100, OrderStatusKind::Filled, 100.0);
            h.status(101, OrderStatusKind::Filled, 200.0);
        }
        let e = h.exec(100, 0, true, 100.0);
        h.exec(101, 1, false, 200.0);
        if !status_first {
            h.status(100, OrderStatusKind::Filled, 100.0);
            h.status(101, OrderStatusKind::Filled, 200.0);
        }
        // The same execution again (a replay after a reconnection) is a duplicate.
        h.event(OrderEvent::Execution {
            order_id: 100,
            exec_id: e,
            instrument: 0,
            buy: true,
            shares: 100.0,
            price: 100.0,
            cum_qty: 100.0,
        });
        let c = *h.d.counters();
        assert_eq!((c.fills, c.duplicate_fills, c.orders_filled), (2, 1, 2));
        assert_eq!(h.d.positions()[0].qty, 100.0);
        assert_eq!(h.d.positions()[1].qty, -200.0);
        assert_eq!(h.d.open_orders(), 0);
        assert!(h.d.settled(), "status_first = {status_first}");
    }
}

#[test]
fn commissions_go_to_their_execution_and_unknown_ones_are_kept_apart() {
    let mut h = Harness::started(RiskParams::default());
    h.entry(1);
    let e = h.exec(100, 0, true, 100.0);
    h.event(OrderEvent::Commission {
        exec_id: e,
        commission: 1.25,
        realized_pnl: 0.0,
    });
    h.event(OrderEvent::Commission {
        exec_id: ExecId::from("not-ours").unwrap(),
        commission: 2.0,
        realized_pnl: 0.0,
    });
    assert_eq!(h.d.positions()[0].commissions, 1.25);
    assert_eq!(h.d.unattributed_commissions(), 2.0);
    assert_eq!(h.d.fills().as_slice()[0].commission, 1.25);
    let book = h.d.pair_books().next().unwrap();
    assert_eq!(book.legs[0].commissions, 1.25);
}

#[test]
fn a_rejected_leg_is_sent_again_for_what_it_lacks() {
    let mut h = Harness::started(RiskParams::default());
    h.entry(1);
    h.exec(100, 0, true, 100.0);
    h.status(100, OrderStatusKind::Filled, 100.0);
    // Leg B rejected without a status (201): the hedge is completed with a new order.
    let out = h.event(OrderEvent::Error {
        id: 101,
        code: codes::ORDER_REJECTED,
    });
    let p = places(&out);
    assert_eq!(p.len(), 1, "{out:?}");
    assert_eq!((p[0].instrument, p[0].side, p[0].qty), (1, Side::Sell, 200));
    assert_eq!(h.d.counters().leg_resends, 1);
    h.exec(p[0].order_id, 1, false, 200.0);
    h.status(p[0].order_id, OrderStatusKind::Filled, 200.0);
    assert!(h.d.settled());
    assert_eq!(h.d.counters().naked_legs, 0);
}

#[test]
fn an_order_that_could_not_be_written_never_counts_as_sent() {
    let mut h = Harness::started(RiskParams::default());
    let out = h.entry(1);
    let p = places(&out);
    h.d.on_write_failed(&p[1], h.now);
    let after = h.take();
    // The failed leg ends (journaled) and is re-sent.
    assert!(after.iter().any(|o| matches!(
        o,
        Outbound::Journal(JournalEntry::Done { order_id: 101, .. })
    )));
    let resent = places(&after);
    assert_eq!(resent.len(), 1);
    assert_eq!((resent[0].instrument, resent[0].qty), (1, 200));
    let c = *h.d.counters();
    assert_eq!((c.write_errors, c.orders_sent, c.leg_resends), (1, 2, 1));
}

#[test]
fn the_rate_limiter_holds_orders_until_the_window_has_room() {
    let risk = RiskParams {
        max_messages_per_sec: 4,
        ..RiskParams::default()
    };
    let mut h = Harness::new(risk);
    h.d.start(h.now);
    h.take();
    for k in [EndKind::Executions, EndKind::OpenOrders, EndKind::Positions] {
        h.event(OrderEvent::End(k));
    }
    // 4 per second over 1.25 s: the window is full of control requests now.
    let out = h.entry(1);
    assert!(places(&out).is_empty(), "{out:?}");
    assert!(h.d.counters().delayed_by_rate_limit >= 2);
    h.now += 2_000 * MS;
    h.quote();
    let later = h.poll();
    assert_eq!(places(&later).len(), 2, "{later:?}");
}

#[test]
fn a_lost_session_stops_entries_and_a_new_one_reconciles() {
    let mut h = Harness::started(RiskParams::default());
    h.event(OrderEvent::Disconnected);
    assert!(h.d.link_down());
    assert!(places(&h.entry(1)).is_empty());
    assert_eq!(h.d.counters().entries_while_down, 1);
    let out = h.event(OrderEvent::Reconnected { next_valid_id: 500 });
    assert_eq!(
        out,
        [
            Outbound::Control(Control::Executions),
            Outbound::Control(Control::OpenOrders),
            Outbound::Control(Control::Positions),
        ]
    );
    for k in [EndKind::Executions, EndKind::OpenOrders, EndKind::Positions] {
        h.event(OrderEvent::End(k));
    }
    let p = places(&h.entry(2));
    // Order ids follow the new session's next valid id.
    assert_eq!(p[0].order_id, 500);
}

#[test]
fn a_gateway_position_that_differs_is_adopted_at_reconciliation() {
    let mut h = Harness::new(RiskParams::default());
    h.d.start(h.now);
    h.take();
    h.event(OrderEvent::End(EndKind::Executions));
    h.event(OrderEvent::End(EndKind::OpenOrders));
    h.event(OrderEvent::Position {
        account: Account::from("DU1").unwrap(),
        instrument: 1,
        qty: -30.0,
        avg_cost: 49.0,
    });
    h.event(OrderEvent::End(EndKind::Positions));
    assert_eq!(
        h.d.counters().position_mismatches,
        0,
        "one answer is not enough"
    );
    assert!(h.take().is_empty(), "trading waits for a second look");
    let out = h.advance(1_100);
    assert!(
        out.contains(&Outbound::Control(Control::Positions)),
        "{out:?}"
    );
    h.position(1, -30.0);
    for k in [EndKind::Executions, EndKind::OpenOrders, EndKind::Positions] {
        h.event(OrderEvent::End(k));
    }
    assert_eq!(h.d.counters().position_mismatches, 1);
    assert_eq!(h.d.positions()[1].qty, -30.0);
}

#[test]
fn winding_down_cancels_working_entries_and_flattens_when_asked() {
    let risk = RiskParams {
        flatten_on_stop: true,
        ..RiskParams::default()
    };
    let mut h = Harness::started(risk);
    h.entry(1);
    h.exec(100, 0, true, 100.0);
    h.status(100, OrderStatusKind::Filled, 100.0);
    // Leg B still working when the run ends: it is cancelled ...
    h.d.wind_down(h.now);
    let out = h.take();
    assert!(out.contains(&Outbound::Cancel { order_id: 101 }), "{out:?}");
    h.status(101, OrderStatusKind::Cancelled, 0.0);
    h.take();
    // ... and once nothing works, what is held is closed.
    assert!(h.d.wind_down(h.now));
    let flat = places(&h.take());
    assert!(
        flat.iter()
            .any(|p| p.instrument == 0 && p.side == Side::Sell && p.qty == 100),
        "{flat:?}"
    );
    // A flatten is the dispatcher's own decision: measured apart from the ticks' orders.
    assert!(flat.iter().all(|p| !p.from_tick), "{flat:?}");
}

#[test]
fn the_loss_limit_trips_the_kill_switch() {
    let risk = RiskParams {
        max_daily_loss: 10.0,
        ..RiskParams::default()
    };
    let mut h = Harness::started(risk);
    h.entry(1);
    let e = h.exec(100, 0, true, 100.0);
    h.event(OrderEvent::Commission {
        exec_id: e,
        commission: 11.0,
        realized_pnl: 0.0,
    });
    assert!(h.d.killed());
    assert_eq!(h.d.kill_reason(), KillReason::LossLimit);
    assert!(places(&h.entry(2)).is_empty());
}

#[test]
fn position_limits_count_orders_still_working() {
    // Two pairs on the same instruments; 250 shares of each at most (an entry is A +100, B -200).
    let risk = RiskParams {
        max_position: 250.0,
        max_gross_notional: 1e12,
        ..RiskParams::default()
    };
    let mut h = Harness::started_with(Harness::with_pairs(risk, vec![[0, 1], [0, 1]]));
    assert_eq!(places(&h.entry_on(0, 1)).len(), 2);
    // Nothing filled yet, but 200 shares of B are on their way out: another 200 would make 400.
    assert!(places(&h.entry_on(1, 2)).is_empty());
    assert_eq!(h.d.counters().rejected_position, 1);
}

#[test]
fn a_close_still_working_frees_its_room_for_the_next_entry() {
    let risk = RiskParams {
        max_position: 250.0,
        max_gross_notional: 1e12,
        ..RiskParams::default()
    };
    let mut h = Harness::started_with(Harness::with_pairs(risk, vec![[0, 1], [0, 1]]));
    h.entry_on(0, 1);
    h.exec(100, 0, true, 100.0);
    h.exec(101, 1, false, 200.0);
    h.status(100, OrderStatusKind::Filled, 100.0);
    h.status(101, OrderStatusKind::Filled, 200.0);
    // Pair 0 closes; its orders are working, not filled: both legs will be flat, so pair 1 may
    // enter (counting the filled positions alone, B would reach -400).
    let close = OrderIntent {
        pair: 0,
        seq: 2,
        t_ns: h.now,
        kind: IntentKind::Close(crate::types::CloseReason::Exit),
        legs: [
            Leg {
                instrument: 0,
                side: Side::Sell,
                qty: 100,
            },
            Leg {
                instrument: 1,
                side: Side::Buy,
                qty: 200,
            },
        ]
        .into(),
    };
    let msg = Stamped {
        value: close,
        t_recv_ns: h.now,
        t_enq_ns: h.now,
    };
    h.d.on_intent(&msg, h.now);
    assert_eq!(places(&h.take()).len(), 2);
    assert_eq!(places(&h.entry_on(1, 3)).len(), 2, "{:?}", h.d.counters());
}
