//! The gateway's execution from a client's side (the text protocol): limit orders through the
//! queue model, IOC, modification, MIDPRICE, PEG MID, the Adaptive algo, unsupported types.
//! Assertions are on behaviour (what fills, at what price bound), never on timing.

mod common;

use common::{start_gateway, test_params, text_client, wait_for};
use hft::io::TwsConnection;
use hft::wire::text::ServerMessage;
use hft::wire::{ContractSpec, OrderExtras, OrderRequest, Request};

fn order(
    order_id: i32,
    action: &'static str,
    order_type: &'static str,
    lmt: f64,
) -> OrderRequest<'static> {
    OrderRequest {
        order_id,
        contract: ContractSpec::stock("SPY"),
        action,
        total_quantity: 100.0,
        order_type,
        lmt_price: lmt,
        aux_price: f64::MAX,
        tif: "DAY",
        account: "",
        order_ref: "",
        transmit: true,
        parent_id: 0,
    }
}

/// The current SPY bid and ask, from a snapshot.
fn quote(c: &mut TwsConnection, req_id: i32) -> (f64, f64) {
    c.send(&Request::MarketData {
        req_id,
        contract: ContractSpec::stock("SPY"),
        generic_ticks: "",
        snapshot: true,
    })
    .unwrap();
    let (mut bid, mut ask) = (None, None);
    while bid.is_none() || ask.is_none() {
        let (t, p) = wait_for(c, |m| match m {
            ServerMessage::TickPrice(t) if t.req_id == req_id => Some((t.tick_type, t.price)),
            _ => None,
        });
        match t {
            1 => bid = Some(p),
            2 => ask = Some(p),
            _ => {}
        }
    }
    (bid.unwrap(), ask.unwrap())
}

/// Waits for `order_id` to fill completely; returns its executions' prices.
fn fill_prices(c: &mut TwsConnection, order_id: i32) -> Vec<f64> {
    let mut prices = Vec::new();
    let mut shares = 0.0;
    while shares < 100.0 {
        let (p, q) = wait_for(c, |m| match m {
            ServerMessage::Execution(e) if e.order_id == order_id => Some((e.price, e.shares)),
            ServerMessage::Error(e) if e.id == order_id => panic!("order {order_id}: {e:?}"),
            _ => None,
        });
        prices.push(p);
        shares += q;
    }
    prices
}

fn error_code(c: &mut TwsConnection, order_id: i32) -> i32 {
    wait_for(c, |m| match m {
        ServerMessage::Error(e) if e.id == order_id => Some(e.code),
        _ => None,
    })
}

fn status(c: &mut TwsConnection, order_id: i32, want: &str) -> f64 {
    wait_for(c, |m| match m {
        ServerMessage::OrderStatus(s) if s.order_id == order_id && s.status == want => {
            Some(s.remaining)
        }
        _ => None,
    })
}

#[test]
fn limit_orders_queue_fill_within_their_limit_and_ioc_expires() {
    let gw = start_gateway(test_params());
    let mut c = text_client(&gw, 1);
    let id = c.next_valid_id;
    // Joining the bid: it waits in the queue and fills from trades, a trade-through or a cross,
    // never above its limit.
    let (bid, _) = quote(&mut c, 1);
    c.send(&Request::PlaceOrder(order(id, "BUY", "LMT", bid)))
        .unwrap();
    for p in fill_prices(&mut c, id) {
        assert!(p <= bid + 1e-9, "bought at {p} above the limit {bid}");
    }
    // IOC away from the market: cancelled after its first try.
    let ioc = OrderRequest {
        tif: "IOC",
        ..order(id + 1, "BUY", "LMT", 1.0)
    };
    c.send(&Request::PlaceOrder(ioc)).unwrap();
    status(&mut c, id + 1, "Cancelled");
    // Modification: the same id re-sent with fewer shares keeps working with the new size.
    c.send(&Request::PlaceOrder(order(id + 2, "BUY", "LMT", 1.0)))
        .unwrap();
    status(&mut c, id + 2, "Submitted");
    let fewer = OrderRequest {
        total_quantity: 40.0,
        ..order(id + 2, "BUY", "LMT", 1.0)
    };
    c.send(&Request::PlaceOrder(fewer)).unwrap();
    let remaining = wait_for(&mut c, |m| match m {
        ServerMessage::OrderStatus(s) if s.order_id == id + 2 && s.remaining == 40.0 => {
            Some(s.remaining)
        }
        _ => None,
    });
    assert_eq!(remaining, 40.0);
    gw.shutdown();
}

#[test]
fn midprice_fills_inside_the_spread_and_peg_mid_rests_at_its_cap() {
    let gw = start_gateway(test_params());
    let mut c = text_client(&gw, 1);
    let id = c.next_valid_id;
    // MIDPRICE without a cap: a midpoint match, or the queue at the bid, fills it.
    c.send(&Request::PlaceOrder(order(
        id,
        "SELL",
        "MIDPRICE",
        f64::MAX,
    )))
    .unwrap();
    assert!(!fill_prices(&mut c, id).is_empty());
    // PEG MID capped far below the market rests at its cap, and cancels.
    let peg = OrderRequest {
        aux_price: 0.01,
        ..order(id + 1, "BUY", "PEG MID", 1.0)
    };
    c.send(&Request::PlaceOrder(peg)).unwrap();
    status(&mut c, id + 1, "Submitted");
    c.send(&Request::CancelOrder { order_id: id + 1 }).unwrap();
    status(&mut c, id + 1, "Cancelled");
    // PEG MID without a cap follows the mid and fills.
    let peg = OrderRequest {
        aux_price: 0.0,
        ..order(id + 2, "BUY", "PEG MID", f64::MAX)
    };
    c.send(&Request::PlaceOrder(peg)).unwrap();
    assert!(!fill_prices(&mut c, id + 2).is_empty());
    gw.shutdown();
}

#[test]
fn adaptive_urgent_crosses_at_once_and_normal_fills_within_its_cap() {
    let gw = start_gateway(test_params());
    let mut c = text_client(&gw, 1);
    let id = c.next_valid_id;
    let adaptive = |priority| OrderExtras {
        algo_strategy: "Adaptive",
        adaptive_priority: priority,
        ..OrderExtras::default()
    };
    let (_, ask) = quote(&mut c, 1);
    let urgent = order(id, "BUY", "MKT", f64::MAX);
    c.send(&Request::PlaceOrderExt(urgent, adaptive("Urgent")))
        .unwrap();
    assert!(!fill_prices(&mut c, id).is_empty());
    let cap = ask + 1.0;
    let normal = order(id + 1, "BUY", "LMT", cap);
    c.send(&Request::PlaceOrderExt(normal, adaptive("Normal")))
        .unwrap();
    for p in fill_prices(&mut c, id + 1) {
        assert!(p <= cap + 1e-9);
    }
    gw.shutdown();
}

#[test]
fn unsupported_types_and_algos_are_rejected_and_the_session_continues() {
    let gw = start_gateway(test_params());
    let mut c = text_client(&gw, 1);
    let id = c.next_valid_id;
    c.send(&Request::PlaceOrder(order(id, "BUY", "STP", 1.0)))
        .unwrap();
    assert_eq!(error_code(&mut c, id), 201);
    let vwap = OrderExtras {
        algo_strategy: "Vwap",
        ..OrderExtras::default()
    };
    c.send(&Request::PlaceOrderExt(
        order(id + 1, "BUY", "LMT", 1.0),
        vwap,
    ))
    .unwrap();
    assert_eq!(error_code(&mut c, id + 1), 201);
    let odd = OrderExtras {
        algo_strategy: "Adaptive",
        adaptive_priority: "Sleepy",
        ..OrderExtras::default()
    };
    c.send(&Request::PlaceOrderExt(
        order(id + 2, "BUY", "LMT", 1.0),
        odd,
    ))
    .unwrap();
    assert_eq!(error_code(&mut c, id + 2), 201);
    c.send(&Request::PlaceOrder(order(id + 3, "BUY", "MKT", f64::MAX)))
        .unwrap();
    assert!(!fill_prices(&mut c, id + 3).is_empty());
    gw.shutdown();
}

fn pair_combo(
    order_id: i32,
    legs: &[hft::wire::ComboLeg<'static>],
    non_guaranteed: bool,
) -> Request<'static> {
    let contract = ContractSpec {
        symbol: "SPY,QQQ",
        sec_type: "BAG",
        ..ContractSpec::stock("")
    };
    let o = OrderRequest {
        contract,
        ..order(order_id, "BUY", "LMT", 1.25)
    };
    let x = OrderExtras {
        non_guaranteed,
        ..OrderExtras::with_legs(legs)
    };
    Request::PlaceOrderExt(o, x)
}

#[test]
fn combo_checks_answer_ib_codes_and_the_session_continues() {
    use hft::wire::ComboLeg;
    let gw = start_gateway(test_params());
    let mut c = text_client(&gw, 1);
    let id = c.next_valid_id;
    // The first two symbols' conIds, as contract details serve them.
    let leg = |con_id, ratio, action| ComboLeg {
        con_id,
        ratio,
        action,
        exchange: "SMART",
    };
    let good = [leg(756_700, 1, "BUY"), leg(756_717, 1, "SELL")];
    c.send(&pair_combo(id, &good, false)).unwrap();
    assert_eq!(error_code(&mut c, id), 10043);
    let unknown = [leg(756_700, 1, "BUY"), leg(42, 1, "SELL")];
    c.send(&pair_combo(id + 1, &unknown, true)).unwrap();
    assert_eq!(error_code(&mut c, id + 1), 200);
    let zero = [leg(756_700, 0, "BUY"), leg(756_717, 1, "SELL")];
    c.send(&pair_combo(id + 2, &zero, true)).unwrap();
    assert_eq!(error_code(&mut c, id + 2), 201);
    // The session goes on: a plain order still fills.
    c.send(&Request::PlaceOrder(order(id + 3, "BUY", "MKT", f64::MAX)))
        .unwrap();
    assert!(!fill_prices(&mut c, id + 3).is_empty());
    gw.shutdown();
}
