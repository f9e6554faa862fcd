//! Netting across baskets in one decision step: internal crosses, one net order per name,
//! fills and commissions split pro rata, all-or-none refusal, failure, journal resume.

use super::harness::{Harness, places};
use super::*;
use crate::types::{EndKind, ExecId, IntentKind, IntentOutcome, OrderEvent};
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

fn journal(items: &[Outbound]) -> Vec<JournalEntry> {
    items
        .iter()
        .filter_map(|o| match o {
            Outbound::Journal(e) => Some(*e),
            _ => None,
        })
        .collect()
}

/// Three baskets over instruments 0..4: slot 0 = {0, 1, 2}, slot 1 = {0, 1, 3}, slot 2 =
/// {0, 2, 3}.
fn three(risk: RiskParams) -> Harness {
    Harness::baskets(
        risk,
        4,
        vec![vec![0, 1, 2], vec![0, 1, 3], vec![0, 2, 3]],
        None,
    )
}

/// Slot `pair`'s book quantity of `instrument`.
fn held(h: &Harness, pair: usize, instrument: u16) -> f64 {
    let b = h.d.basket_books().nth(pair).unwrap();
    b.leg_of(instrument).map_or(0.0, |k| b.legs()[k].qty)
}

/// The invariants that hold after every step: per instrument, the baskets' books sum to the
/// account position, and their PnL at the mid (realized + open) to the account's; the
/// baskets' commissions sum to the account's; never a buy and a sell of one name in `out`.
fn check_invariants(h: &Harness, out: &[Outbound]) {
    let p = places(out);
    for a in &p {
        assert!(
            !p.iter()
                .any(|b| b.instrument == a.instrument && b.side != a.side),
            "a buy and a sell of {} in one step: {p:?}",
            a.instrument
        );
    }
    for (i, pos) in h.d.positions().iter().enumerate() {
        let mid = h.d.feed().last(i as u16).1;
        let legs: Vec<PositionState> =
            h.d.basket_books()
                .filter_map(|b| b.leg_of(i as u16).map(|k| b.legs()[k]))
                .collect();
        let qty: f64 = legs.iter().map(|l| l.qty).sum();
        assert_eq!(qty, pos.qty, "instrument {i}: books {legs:?} vs {pos:?}");
        let pnl: f64 = legs.iter().map(|l| l.realized + l.unrealized(mid)).sum();
        let account = pos.realized + pos.unrealized(mid);
        assert!(
            (pnl - account).abs() < 1e-6,
            "instrument {i}: {pnl} vs {account}"
        );
        let commissions: f64 = legs.iter().map(|l| l.commissions).sum();
        assert!(
            (commissions - pos.commissions).abs() < 1e-9,
            "instrument {i}"
        );
    }
}

#[test]
fn opposite_trades_of_two_baskets_cross_internally_without_an_order() {
    let mut h = Harness::baskets(RiskParams::default(), 3, vec![vec![0, 1], vec![0, 2]], None);
    let out = h.step(
        1,
        &[(0, &[(0, 100), (1, -200)]), (1, &[(0, -100), (2, 200)])],
    );
    // Name 0 crosses whole: only names 1 and 2 go to the market.
    let sent: Vec<_> = places(&out)
        .iter()
        .map(|p| (p.instrument, p.side, p.qty))
        .collect();
    assert_eq!(sent, [(1, Side::Sell, 200), (2, Side::Buy, 200)]);
    assert_eq!((held(&h, 0, 0), held(&h, 1, 0)), (100.0, -100.0));
    // At the reference price: the mid of name 0 (100).
    let b0 = h.d.basket_books().next().unwrap().legs()[0];
    assert_eq!((b0.avg_cost, b0.commissions), (100.0, 0.0));
    assert_eq!(h.d.positions()[0].qty, 0.0);
    let crosses = journal(&out)
        .into_iter()
        .filter(|e| matches!(e, JournalEntry::Cross { .. }))
        .count();
    assert_eq!(crosses, 2);
    assert_eq!(h.d.counters().internal_crosses, 2);
    assert_eq!(h.d.counters().net_orders_saved, 2);
    let c = h.d.basket_crosses();
    assert_eq!(
        (c[0].crossed_shares, c[0].crossed_notional),
        (100.0, 10_000.0)
    );
    assert_eq!(
        (c[1].crossed_shares, c[1].crossed_notional),
        (100.0, 10_000.0)
    );
    for p in places(&out) {
        h.exec(
            p.order_id,
            p.instrument,
            p.side == Side::Buy,
            f64::from(p.qty),
        );
        h.status(p.order_id, OrderStatusKind::Filled, f64::from(p.qty));
    }
    check_invariants(&h, &out);
    let done = outcomes(&h.sent);
    assert!(done.iter().any(|o| o.pair == 0 && o.reached));
    assert!(done.iter().any(|o| o.pair == 1 && o.reached));
    assert_eq!(h.d.slot_target(0), Some(&[100.0, -200.0][..]));
    assert_eq!(h.d.slot_target(1), Some(&[-100.0, 200.0][..]));
    assert!(h.d.settled());
}

#[test]
fn a_partial_cross_sends_only_the_net_for_the_larger_side() {
    let mut h = Harness::baskets(RiskParams::default(), 3, vec![vec![0, 1], vec![0, 2]], None);
    let out = h.step(1, &[(0, &[(0, 100)]), (1, &[(0, -30), (2, 50)])]);
    let p = places(&out);
    let sent: Vec<_> = p
        .iter()
        .map(|p| (p.instrument, p.side, p.qty, p.pair))
        .collect();
    // 30 of name 0 cross; basket 0 buys the other 70 (it alone wanted that side).
    assert_eq!(sent, [(0, Side::Buy, 70, 0), (2, Side::Buy, 50, 1)]);
    assert_eq!((held(&h, 0, 0), held(&h, 1, 0)), (30.0, -30.0));
    for o in &p {
        h.exec(
            o.order_id,
            o.instrument,
            o.side == Side::Buy,
            f64::from(o.qty),
        );
        h.status(o.order_id, OrderStatusKind::Filled, f64::from(o.qty));
    }
    assert_eq!((held(&h, 0, 0), held(&h, 1, 0)), (100.0, -30.0));
    assert_eq!(h.d.positions()[0].qty, 70.0);
    check_invariants(&h, &out);
}

#[test]
fn baskets_without_common_names_trade_as_before() {
    let mut h = Harness::baskets(RiskParams::default(), 3, vec![vec![0, 1], vec![2]], None);
    let out = h.step(1, &[(0, &[(0, 100), (1, -50)]), (1, &[(2, 40)])]);
    let sent: Vec<_> = places(&out)
        .iter()
        .map(|p| (p.instrument, p.qty, p.pair))
        .collect();
    assert_eq!(sent, [(0, 100, 0), (1, 50, 0), (2, 40, 1)]);
    assert_eq!(h.d.counters().internal_crosses, 0);
    assert_eq!(h.d.counters().net_orders_saved, 0);
}

#[test]
fn three_baskets_share_the_cross_and_the_net_order_pro_rata_with_odd_fills() {
    let mut h = three(RiskParams::default());
    // Name 0: +100, -30, +51. The 30 sold cross against the buyers pro rata by their trades
    // (100 : 51 -> 20 and 10), the 121 left go as one order, carried by basket 0 (the larger
    // residual, 80) for basket 2 too (41).
    let out = h.step(1, &[(0, &[(0, 100)]), (1, &[(0, -30)]), (2, &[(0, 51)])]);
    let p = places(&out);
    assert_eq!(p.len(), 1, "{out:?}");
    assert_eq!(
        (p[0].instrument, p[0].side, p[0].qty, p[0].pair),
        (0, Side::Buy, 121, 0)
    );
    assert_eq!(
        [held(&h, 0, 0), held(&h, 1, 0), held(&h, 2, 0)],
        [20.0, -30.0, 10.0]
    );
    assert_eq!(h.d.counters().net_orders_saved, 2);
    // Basket 2's next rebalance waits for the shared order: it is busy.
    let busy = h.step(2, &[(2, &[(0, 0)])]);
    assert!(places(&busy).is_empty());
    assert!(outcomes(&busy).iter().any(|o| o.pair == 2 && !o.reached));
    // Odd fills: 7, 1, 1, 112 shares.
    let mut pieces = Vec::new();
    let mut filled = 0.0;
    for shares in [7.0, 1.0, 1.0, 112.0] {
        let before = (held(&h, 0, 0), held(&h, 2, 0));
        let id = h.exec(p[0].order_id, 0, true, shares);
        filled += shares;
        h.commission(id, 1.0);
        let got = (held(&h, 0, 0) - before.0, held(&h, 2, 0) - before.1);
        assert_eq!(got.0 + got.1, shares, "the pieces sum to the execution");
        assert!(got.0 >= 0.0 && got.1 >= 0.0);
        pieces.push(got);
    }
    assert_eq!(pieces[0], (5.0, 2.0), "7 x 80/121 = 4.6, 7 x 41/121 = 2.4");
    h.status(p[0].order_id, OrderStatusKind::Filled, filled);
    // Every basket at its target, exactly.
    assert_eq!(
        [held(&h, 0, 0), held(&h, 1, 0), held(&h, 2, 0)],
        [100.0, -30.0, 51.0]
    );
    assert_eq!(h.d.positions()[0].qty, 121.0);
    // Four commissions of 1 USD, split like the shares: nothing lost, nothing twice.
    assert!((h.d.positions()[0].commissions - 4.0).abs() < 1e-12);
    let c2 = h.d.basket_books().nth(2).unwrap().legs()[0].commissions;
    assert!(c2 > 1.0 && c2 < 2.0, "{c2}");
    check_invariants(&h, &out);
    let done = outcomes(&h.sent);
    for pair in [0, 1, 2] {
        assert!(
            done.iter()
                .any(|o| o.pair == pair && o.seq == 1 && o.reached),
            "{pair}"
        );
    }
    assert!(h.d.settled());
    // Not busy any more.
    let out = h.step(3, &[(2, &[(0, 0)])]);
    assert_eq!(places(&out).len(), 1);
}

#[test]
fn a_refused_net_order_refuses_the_whole_step_and_crosses_nothing() {
    let risk = RiskParams {
        max_position: 150.0,
        ..RiskParams::default()
    };
    let mut h = Harness::baskets(risk, 3, vec![vec![0, 1], vec![0, 2]], None);
    // Net +200 of name 0 is past the limit: neither basket crosses, nothing is sent.
    let out = h.step(1, &[(0, &[(0, 300)]), (1, &[(0, -100), (2, 10)])]);
    assert!(places(&out).is_empty(), "{out:?}");
    assert_eq!((held(&h, 0, 0), held(&h, 1, 0)), (0.0, 0.0));
    assert!(
        !journal(&out)
            .iter()
            .any(|e| matches!(e, JournalEntry::Cross { .. }))
    );
    let o = outcomes(&out);
    assert!(o.iter().any(|o| o.pair == 0 && !o.reached));
    assert!(o.iter().any(|o| o.pair == 1 && !o.reached));
    assert_eq!(h.d.slot_target(1), Some(&[0.0, 0.0][..]));
    assert_eq!(h.d.counters().rejected_by_risk, 1);
    // A step within the limit: the cross alone needs no order and passes.
    let out = h.step(2, &[(0, &[(0, 100)]), (1, &[(0, -100)])]);
    assert!(places(&out).is_empty());
    assert_eq!((held(&h, 0, 0), held(&h, 1, 0)), (100.0, -100.0));
    check_invariants(&h, &out);
}

#[test]
fn a_shared_order_that_fails_unwinds_every_basket_that_shared_it() {
    let risk = RiskParams {
        leg_retries: 0,
        ..RiskParams::default()
    };
    let mut h = three(risk);
    let out = h.step(1, &[(0, &[(0, 100)]), (1, &[(0, -30)]), (2, &[(0, 50)])]);
    let p = places(&out);
    assert_eq!(p.len(), 1);
    // 30 of the 120 fill, then the order is rejected: no re-send is left.
    h.exec(p[0].order_id, 0, true, 30.0);
    let after = h.error(p[0].order_id, codes::ORDER_REJECTED);
    // The carrier (basket 0) and basket 2 are unwound; basket 1 (fully crossed) keeps its book.
    let unwinds = places(&after);
    let pairs: Vec<u16> = unwinds.iter().map(|u| u.pair).collect();
    assert!(pairs.contains(&0) && pairs.contains(&2), "{unwinds:?}");
    assert!(
        unwinds
            .iter()
            .all(|u| u.instrument == 0 && u.side == Side::Sell)
    );
    for u in &unwinds {
        h.exec(u.order_id, u.instrument, false, f64::from(u.qty));
        h.status(u.order_id, OrderStatusKind::Filled, f64::from(u.qty));
    }
    assert_eq!(
        [held(&h, 0, 0), held(&h, 1, 0), held(&h, 2, 0)],
        [0.0, -30.0, 0.0]
    );
    assert_eq!(h.d.positions()[0].qty, -30.0);
    check_invariants(&h, &after);
    // Both stop trading; basket 1 does not.
    let out = h.step(2, &[(0, &[(0, 10)]), (2, &[(0, 10)])]);
    assert!(places(&out).is_empty());
    let out = h.step(3, &[(1, &[(0, 0)])]);
    assert_eq!(places(&out).len(), 1);
}

#[test]
fn a_close_in_a_step_nets_with_the_other_baskets_trades() {
    let mut h = Harness::baskets(RiskParams::default(), 3, vec![vec![0, 1], vec![0, 2]], None);
    let out = h.step(1, &[(0, &[(0, 100), (1, 40)])]);
    for p in places(&out) {
        h.exec(p.order_id, p.instrument, true, f64::from(p.qty));
        h.status(p.order_id, OrderStatusKind::Filled, f64::from(p.qty));
    }
    // Basket 0 closes (sells 100 of name 0, 40 of name 1) as basket 1 buys 60 of name 0.
    h.intent(0, 2, IntentKind::StepOpen, &[]);
    h.intent(
        0,
        2,
        IntentKind::Close(crate::types::CloseReason::Exit),
        &[],
    );
    h.basket_intent(1, 2, &[(0, 60)]);
    h.intent(0, 2, IntentKind::StepClose, &[]);
    let out = h.take();
    let sent: Vec<_> = places(&out)
        .iter()
        .map(|p| (p.instrument, p.side, p.qty))
        .collect();
    assert_eq!(sent, [(0, Side::Sell, 40), (1, Side::Sell, 40)]);
    assert_eq!((held(&h, 0, 0), held(&h, 1, 0)), (40.0, 60.0));
    check_invariants(&h, &out);
}

#[test]
fn a_restart_from_the_journal_restores_every_basket_book_exactly() {
    let mut h = three(RiskParams::default());
    let out = h.step(
        1,
        &[(0, &[(0, 100), (1, 20)]), (1, &[(0, -30)]), (2, &[(0, 51)])],
    );
    for p in places(&out) {
        let half = (p.qty / 2) as f64;
        let id = h.exec(p.order_id, p.instrument, p.side == Side::Buy, half);
        h.commission(id, 0.7);
        let id = h.exec(
            p.order_id,
            p.instrument,
            p.side == Side::Buy,
            p.qty as f64 - half,
        );
        h.commission(id, 1.3);
        h.status(p.order_id, OrderStatusKind::Filled, f64::from(p.qty));
    }
    // A second step moves the books again (crosses after fills: order matters).
    h.feed.publish(0, h.now, 101.0, 101.0, 100.0, 100.0);
    let out2 = h.step(2, &[(1, &[(0, 10)]), (2, &[(0, 31)])]);
    for p in places(&out2) {
        h.exec(
            p.order_id,
            p.instrument,
            p.side == Side::Buy,
            f64::from(p.qty),
        );
        h.status(p.order_id, OrderStatusKind::Filled, f64::from(p.qty));
    }
    check_invariants(&h, &out2);
    let recovered = reload(&h, "books");
    assert!(!recovered.crosses.is_empty() && !recovered.allocations.is_empty());
    let r = three_restored(&recovered);
    let before: Vec<LegBook> = h.d.basket_books().copied().collect();
    let after: Vec<LegBook> = r.d.basket_books().copied().collect();
    assert_eq!(before, after);
    assert_eq!(h.d.positions(), r.d.positions());
    // The netting counts of summary.json come back from the `N` lines too.
    assert!(h.d.basket_crosses().iter().any(|c| c.crosses > 0));
    assert_eq!(h.d.basket_crosses(), r.d.basket_crosses());
}

/// Writes what `h` journaled through the real journal writer and loads it back (`name`: a
/// directory of its own per test).
fn reload(h: &Harness, name: &str) -> crate::journal::Recovered {
    let dir = std::env::temp_dir().join(format!("hft-netting-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("journal.csv");
    let _ = std::fs::remove_file(&path);
    let symbols: Vec<String> = (0..4).map(|i| format!("S{i}")).collect();
    let (mut tx, writer) = crate::journal::spawn(
        &path,
        symbols.clone(),
        crate::config::FsyncPolicy::Never,
        1024,
    )
    .unwrap();
    for e in journal(&h.sent) {
        tx.append(e).unwrap();
    }
    drop(tx);
    writer.join().unwrap();
    let recovered = crate::journal::load(&path, &symbols).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    recovered
}

/// [`three`] restored from `recovered`.
fn three_restored(recovered: &crate::journal::Recovered) -> Harness {
    Harness::baskets(
        RiskParams::default(),
        4,
        vec![vec![0, 1, 2], vec![0, 1, 3], vec![0, 2, 3]],
        Some(recovered),
    )
}

/// An execution of `shares` of instrument 0 bought at `price` for `order_id`, and its
/// commission report.
fn fill(h: &mut Harness, order_id: i32, shares: f64, price: f64, commission: f64) {
    h.next_exec += 1;
    let exec_id = ExecId::from(&format!("e{}", h.next_exec)).unwrap();
    h.event(OrderEvent::Execution {
        order_id,
        exec_id,
        instrument: 0,
        buy: true,
        shares,
        price,
        cum_qty: shares,
    });
    h.commission(exec_id, commission);
}

#[test]
fn a_shared_order_working_at_a_restart_is_split_as_without_the_restart() {
    // Name 0: +100, -30, +51: 30 cross, 121 go as one order carried by basket 0 (residual
    // 80) for basket 2 too (41).
    let trades: &[(u16, &[(u16, i64)])] = &[(0, &[(0, 100)]), (1, &[(0, -30)]), (2, &[(0, 51)])];
    let before_stop = [(7.0, 100.5, 1.0), (1.0, 100.25, 0.3)];
    let after_stop = [(1.0, 99.75, 0.3), (5.0, 101.0, 0.9), (107.0, 100.0, 2.1)];
    // Without a restart.
    let mut h = three(RiskParams::default());
    let p = places(&h.step(1, trades));
    assert_eq!((p.len(), p[0].qty, p[0].pair), (1, 121, 0));
    let order_id = p[0].order_id;
    for (shares, price, c) in before_stop.into_iter().chain(after_stop) {
        fill(&mut h, order_id, shares, price, c);
    }
    h.status(order_id, OrderStatusKind::Filled, 121.0);
    // With a restart after the first fills: the journal says who shares the order.
    let mut a = three(RiskParams::default());
    let p = places(&a.step(1, trades));
    assert_eq!(p[0].order_id, order_id);
    for (shares, price, c) in before_stop {
        fill(&mut a, order_id, shares, price, c);
    }
    let recovered = reload(&a, "shared");
    assert_eq!(recovered.shares.len(), 2, "{:?}", recovered.shares);
    assert_eq!(recovered.open_orders().count(), 1);
    let mut r = three_restored(&recovered);
    r.next_exec = a.next_exec;
    for (shares, price, c) in after_stop {
        fill(&mut r, order_id, shares, price, c);
    }
    r.status(order_id, OrderStatusKind::Filled, 121.0);
    // Every basket's book (shares, average cost, realized, commissions) as without the
    // restart, and the targets with them.
    let want: Vec<Vec<PositionState>> = h.d.basket_books().map(|b| b.legs().to_vec()).collect();
    let got: Vec<Vec<PositionState>> = r.d.basket_books().map(|b| b.legs().to_vec()).collect();
    assert_eq!(want, got);
    assert_eq!(
        [held(&r, 0, 0), held(&r, 1, 0), held(&r, 2, 0)],
        [100.0, -30.0, 51.0]
    );
    for pair in 0..3 {
        assert_eq!(h.d.slot_target(pair), r.d.slot_target(pair), "slot {pair}");
    }
    assert_eq!(h.d.positions(), r.d.positions());
    assert_eq!(h.d.basket_crosses(), r.d.basket_crosses());
    check_invariants(&r, &[]);
    // The order ended: nobody shares anything any more.
    assert!((0..3).all(|pair| !r.d.shares_pending(pair)));
}

#[test]
fn a_shared_order_survives_two_restarts_and_new_tickets_do_not_reuse_its_id() {
    let trades: &[(u16, &[(u16, i64)])] = &[(0, &[(0, 100)]), (1, &[(0, -30)]), (2, &[(0, 51)])];
    let fills = [(7.0, 100.5), (3.0, 99.5), (11.0, 101.25), (100.0, 100.0)];
    let mut h = three(RiskParams::default());
    let order_id = places(&h.step(1, trades))[0].order_id;
    for (shares, price) in fills {
        fill(&mut h, order_id, shares, price, 0.5);
    }
    h.status(order_id, OrderStatusKind::Filled, 121.0);
    // Stopped after the first fill and again after the second.
    let mut a = three(RiskParams::default());
    places(&a.step(1, trades));
    fill(&mut a, order_id, fills[0].0, fills[0].1, 0.5);
    let mut b = three_restored(&reload(&a, "twice-1"));
    b.next_exec = a.next_exec;
    fill(&mut b, order_id, fills[1].0, fills[1].1, 0.5);
    // The second run's journal is the first's with its own records appended.
    b.sent.splice(0..0, a.sent.iter().copied());
    let mut c = three_restored(&reload(&b, "twice-2"));
    c.next_exec = b.next_exec;
    for (shares, price) in &fills[2..] {
        fill(&mut c, order_id, *shares, *price, 0.5);
    }
    c.status(order_id, OrderStatusKind::Filled, 121.0);
    let want: Vec<Vec<PositionState>> = h.d.basket_books().map(|b| b.legs().to_vec()).collect();
    let got: Vec<Vec<PositionState>> = c.d.basket_books().map(|b| b.legs().to_vec()).collect();
    assert_eq!(want, got);
    check_invariants(&c, &[]);
    // A new shared order after the restarts (once the gateway's answers agree): its `S` lines
    // name a ticket the journal never had.
    c.advance(60_000);
    c.position(0, 121.0);
    c.reconcile([EndKind::Executions, EndKind::OpenOrders, EndKind::Positions]);
    let out = c.step(2, &[(0, &[(0, 110)]), (2, &[(0, 61)])]);
    let shares: Vec<u32> = journal(&out)
        .iter()
        .filter_map(|e| match e {
            JournalEntry::Share { ticket, .. } => Some(*ticket),
            _ => None,
        })
        .collect();
    let old: Vec<u32> = journal(&a.sent)
        .iter()
        .filter_map(|e| match e {
            JournalEntry::Share { ticket, .. } => Some(*ticket),
            _ => None,
        })
        .collect();
    assert_eq!((shares.len(), old.len()), (2, 2), "{out:?}");
    assert!(
        shares.iter().all(|t| !old.contains(t)),
        "{shares:?} {old:?}"
    );
}

/// Fills every order in `out` at once (an execution and a final status each).
fn fill_places(h: &mut Harness, out: &[Outbound]) {
    for p in places(out) {
        let qty = f64::from(p.qty);
        h.exec(p.order_id, p.instrument, p.side == Side::Buy, qty);
        h.status(p.order_id, OrderStatusKind::Filled, qty);
    }
}

// The audit's ticket-table fix: a new ticket skips the ids of tickets still working, so the
// id a step's shared legs are registered under (before their ticket opens) is the one their
// ticket gets, also when it skips one.
#[test]
fn a_shared_leg_finds_its_ticket_when_ticket_ids_skip_a_working_one() {
    let mut h = three(RiskParams {
        leg_timeout_ms: 100_000_000,
        ..RiskParams::default()
    });
    // Ticket 1: basket 1's order of name 3, left working.
    assert_eq!(places(&h.basket_intent(1, 1, &[(3, 10)])).len(), 1);
    // Tickets 2 to 1024: basket 0 in and out of name 1, filled.
    for k in 0..TICKETS as u64 - 1 {
        h.advance(1_000);
        let q = if k % 2 == 0 { 10 } else { 0 };
        let out = h.basket_intent(0, 2 + k, &[(1, q)]);
        assert_eq!(places(&out).len(), 1, "{k}: {out:?}");
        fill_places(&mut h, &out);
    }
    // The step's order of name 0 (baskets 0 and 2) would be ticket 1025, ticket 1's entry.
    h.advance(1_000);
    let out = h.step(5_000, &[(0, &[(0, 100)]), (2, &[(0, 50)])]);
    let p = places(&out);
    assert_eq!(p.len(), 1, "{out:?}");
    assert_eq!((p[0].instrument, p[0].qty), (0, 150));
    fill_places(&mut h, &out);
    assert_eq!([held(&h, 0, 0), held(&h, 2, 0)], [100.0, 50.0]);
    // Ticket 1 still hears its order.
    let q = places(&h.sent)[0];
    h.exec(q.order_id, 3, true, 10.0);
    h.status(q.order_id, OrderStatusKind::Filled, 10.0);
    assert_eq!(held(&h, 1, 3), 10.0);
    assert!(h.d.settled());
}
