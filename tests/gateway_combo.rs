//! Combo (BAG) execution at the paper gateway, from a client's side (the text protocol): a MKT
//! combo fills leg by leg and is reported as IB reports it (one execution per leg under the
//! BAG's order id, a BAG-level execution with the BAG contract, commissions for the legs only,
//! ORDER_STATUS in units at the net average price); a LMT combo out of reach rests, is listed
//! with its BAG contract, is modified into reach and fills; a cancel ends it; a LMT combo out of
//! reach at the touches is worked in one leg's queue and the client sees that leg's execution at
//! the price the net allows, then the other leg's at its touch, then the BAG-level execution.
//! Assertions are on behaviour, never on timing.

mod common;

use common::{start_gateway, start_replay_gateway, test_params, text_client, wait_for};
use hft::io::TwsConnection;
use hft::wire::text::ServerMessage;
use hft::wire::{ComboLeg, ContractSpec, OrderExtras, OrderRequest, Request};
use std::collections::BTreeMap;

/// The first two symbols' conIds, as contract details serve them: buy one of the first per
/// unit, sell one of the second.
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

fn combo(order_id: i32, units: f64, order_type: &'static str, net: f64) -> Request<'static> {
    let o = OrderRequest {
        order_id,
        contract: ContractSpec {
            symbol: "PAIR",
            sec_type: "BAG",
            ..ContractSpec::stock("")
        },
        action: "BUY",
        total_quantity: units,
        order_type,
        lmt_price: net,
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

/// What the client heard about one combo until its final status.
#[derive(Default, Debug)]
struct Heard {
    /// Per leg symbol: (side, shares, value), and the execution ids.
    legs: BTreeMap<String, (String, f64, f64)>,
    leg_exec_ids: Vec<String>,
    bag_units: f64,
    bag_exec_ids: Vec<String>,
    commissions: Vec<String>,
    final_status: Option<(String, f64, f64, f64)>,
}

/// Reads until combo `id` is Filled or Cancelled and both legs' commissions are in.
fn listen(c: &mut TwsConnection, id: i32) -> Heard {
    let mut h = Heard::default();
    loop {
        let done =
            h.final_status.is_some() && h.leg_exec_ids.iter().all(|e| h.commissions.contains(e));
        if done {
            return h;
        }
        wait_for(c, |m| {
            match m {
                ServerMessage::Execution(e) if e.order_id == id => {
                    if e.contract.sec_type == "BAG" {
                        h.bag_units += e.shares;
                        h.bag_exec_ids.push(e.exec_id.to_string());
                    } else {
                        let leg = h.legs.entry(e.contract.symbol.to_string()).or_insert((
                            e.side.to_string(),
                            0.0,
                            0.0,
                        ));
                        leg.1 += e.shares;
                        leg.2 += e.shares * e.price;
                        h.leg_exec_ids.push(e.exec_id.to_string());
                    }
                }
                ServerMessage::Commission(r) => h.commissions.push(r.exec_id.to_string()),
                ServerMessage::OrderStatus(s)
                    if s.order_id == id && (s.status == "Filled" || s.status == "Cancelled") =>
                {
                    h.final_status = Some((
                        s.status.to_string(),
                        s.filled,
                        s.remaining,
                        s.avg_fill_price,
                    ));
                }
                ServerMessage::Error(e) if e.id == id && e.code != 202 => {
                    panic!("combo {id}: {e:?}")
                }
                _ => return None,
            }
            Some(())
        });
    }
}

#[test]
fn a_market_combo_fills_leg_by_leg_and_is_reported_as_ib_does() {
    let gw = start_gateway(test_params());
    let mut c = text_client(&gw, 1);
    let id = c.next_valid_id;
    c.send(&combo(id, 10.0, "MKT", f64::MAX)).unwrap();
    let h = listen(&mut c, id);
    // Two legs, each its ratio times the units, on its own side.
    assert_eq!(h.legs.len(), 2, "{h:?}");
    let sides: Vec<(&str, f64)> = h.legs.values().map(|l| (l.0.as_str(), l.1)).collect();
    assert!(
        sides.contains(&("BOT", 10.0)) && sides.contains(&("SLD", 20.0)),
        "{sides:?}"
    );
    // The BAG-level executions add up to the units; no commission report is about them.
    assert_eq!(h.bag_units, 10.0);
    assert!(h.bag_exec_ids.iter().all(|e| !h.commissions.contains(e)));
    assert!(h.leg_exec_ids.iter().all(|e| h.commissions.contains(e)));
    // The status: 10 units, none left, at the net of the legs' average prices.
    let (status, filled, remaining, avg) = h.final_status.unwrap();
    assert_eq!((status.as_str(), filled, remaining), ("Filled", 10.0, 0.0));
    let net: f64 = h
        .legs
        .values()
        .map(|(side, shares, value)| {
            let sign = if side == "BOT" { 1.0 } else { -1.0 };
            sign * value / shares * if side == "BOT" { 1.0 } else { 2.0 }
        })
        .sum();
    assert!((avg - net).abs() < 1e-6, "avg {avg} net {net}");
    gw.shutdown();
}

#[test]
fn a_limit_combo_rests_out_of_reach_is_modified_into_reach_and_a_cancel_ends_one() {
    let gw = start_gateway(test_params());
    let mut c = text_client(&gw, 1);
    let id = c.next_valid_id;
    // A net of -100000 per unit is never offered: it rests.
    c.send(&combo(id, 5.0, "LMT", -100_000.0)).unwrap();
    wait_for(&mut c, |m| match m {
        ServerMessage::OrderStatus(s) if s.order_id == id && s.status == "Submitted" => Some(()),
        ServerMessage::Execution(e) if e.order_id == id => panic!("filled out of reach"),
        _ => None,
    });
    // Listed as open with its BAG contract.
    c.send(&Request::OpenOrders).unwrap();
    let sec_type = wait_for(&mut c, |m| match m {
        ServerMessage::OpenOrder(o) if o.order_id == id => Some(o.contract.sec_type.to_string()),
        _ => None,
    });
    assert_eq!(sec_type, "BAG");
    // Modified (the same id) to a net every quote offers: it fills.
    c.send(&combo(id, 5.0, "LMT", 100_000.0)).unwrap();
    let h = listen(&mut c, id);
    assert_eq!(h.final_status.as_ref().unwrap().0, "Filled");
    assert_eq!(h.bag_units, 5.0);
    // Another out of reach, cancelled: 202 and Cancelled, nothing filled.
    c.send(&combo(id + 1, 5.0, "LMT", -100_000.0)).unwrap();
    wait_for(&mut c, |m| match m {
        ServerMessage::OrderStatus(s) if s.order_id == id + 1 => Some(()),
        _ => None,
    });
    c.send(&Request::CancelOrder { order_id: id + 1 }).unwrap();
    let h = listen(&mut c, id + 1);
    assert_eq!(h.final_status.unwrap().0, "Cancelled");
    assert!(h.legs.is_empty());
    gw.shutdown();
}

/// A replayed market that stands still: AAA 100.00 x 100.04 (300 x 200), BBB 50.00 x 50.01,
/// one row each per second, every AAA row printing 100 shares at its bid (BBB's rows at its
/// ask), for long enough that orders placed any time during the test meet many prints.
fn steady_quotes_with_prints(seconds: i64) -> String {
    use std::fmt::Write;
    let mut text = format!("{}\n", hft::rundir::QUOTE_HEADER_TRADES);
    for k in 0..seconds {
        let ts = (1_700_000_000 + k) as i128 * 1_000_000_000;
        let _ = writeln!(text, "{ts},AAA,100.00,300,100.04,200,100.00,100");
        let _ = writeln!(text, "{ts},BBB,50.00,300,50.01,300,50.01,100");
    }
    text
}

#[test]
fn a_limit_combo_out_of_reach_is_worked_in_a_leg_queue_and_hedged_at_the_other_touch() {
    let file = std::env::temp_dir().join(format!("hft-combo-worked-{}.csv", std::process::id()));
    std::fs::write(&file, steady_quotes_with_prints(15_000)).unwrap();
    let gw = start_replay_gateway(&file, 1);
    let mut c = text_client(&gw, 1);
    let id = c.next_valid_id;
    // Buy 1 AAA, sell 2 BBB at a net of 0.00: at the touches 100.04 - 2 x 50.00 = 0.04, out of
    // reach. AAA (4 ticks x 1 against BBB's 1 x 2) is worked at 0.00 + 2 x 50.00 = 100.00, its
    // bid, behind 300 shares: the prints fill it there and BBB is sold at its bid at once.
    c.send(&combo(id, 5.0, "LMT", 0.0)).unwrap();
    let mut heard: Vec<(String, String, f64, f64)> = Vec::new();
    let status = loop {
        let done = wait_for(&mut c, |m| match m {
            ServerMessage::Execution(e) if e.order_id == id => {
                let what = if e.contract.sec_type == "BAG" {
                    "BAG"
                } else {
                    e.contract.symbol
                };
                heard.push((what.to_string(), e.side.to_string(), e.shares, e.price));
                Some(None)
            }
            ServerMessage::OrderStatus(s) if s.order_id == id && s.status == "Filled" => {
                Some(Some((s.filled, s.remaining, s.avg_fill_price)))
            }
            ServerMessage::Error(e) if e.id == id => panic!("combo {id}: {e:?}"),
            _ => None,
        });
        if let Some(status) = done
            && heard.iter().any(|h| h.0 == "BAG")
        {
            break status;
        }
    };
    // The worked leg first, at the implied price (its bid, not its ask), then the hedge at its
    // touch, then the BAG-level execution of the complete units at the net.
    let order: Vec<&str> = heard.iter().map(|h| h.0.as_str()).collect();
    assert_eq!(order, ["AAA", "BBB", "BAG"], "{heard:?}");
    assert_eq!(heard[0], ("AAA".into(), "BOT".into(), 5.0, 100.00));
    assert_eq!(heard[1], ("BBB".into(), "SLD".into(), 10.0, 50.00));
    assert_eq!((heard[2].2, heard[2].3), (5.0, 0.0));
    let (filled, remaining, avg) = status;
    assert_eq!((filled, remaining), (5.0, 0.0));
    assert!(avg.abs() < 1e-9, "the net paid is the limit: {avg}");
    gw.shutdown();
    let _ = std::fs::remove_file(file);
}
