//! The paper gateway driven by a real third-party IB client: the `ibapi` crate's blocking client,
//! which negotiates protocol version 226 and speaks protobuf only.

mod common;

use common::{PATIENCE, start_gateway, test_params};
use ibapi::accounts::PositionUpdate;
use ibapi::client::blocking::Client;
use ibapi::contracts::tick_types::TickType;
use ibapi::market_data::IgnoreSize;
use ibapi::market_data::historical::BarTimestamp;
use ibapi::prelude::*;

fn connect(addr: std::net::SocketAddr, client_id: i32) -> Client {
    Client::connect(&addr.to_string(), client_id).expect("ibapi connects to the paper gateway")
}

#[test]
fn contract_details_and_unknown_symbol() {
    let gw = start_gateway(test_params());
    let client = connect(gw.local_addr(), 11);
    for symbol in ["SPY", "IVV"] {
        let details = client
            .contract_details(&Contract::stock(symbol).build())
            .expect("details");
        assert_eq!(details.len(), 1);
        let d = &details[0];
        assert_eq!(d.contract.symbol.to_string(), symbol);
        assert!(d.contract.contract_id > 0);
        assert_eq!(d.contract.currency.to_string(), "USD");
        assert_eq!(d.contract.exchange.to_string(), "SMART");
        assert_eq!(d.min_tick, 0.01);
    }
    let err = client
        .contract_details(&Contract::stock("NOPE").build())
        .expect_err("unknown symbol");
    match err {
        ibapi::Error::Notice(n) => assert_eq!(n.code, 200),
        other => panic!("expected error 200, got {other:?}"),
    }
    // The connection stays usable after the error.
    let details = client
        .contract_details(&Contract::stock("KO").build())
        .expect("details after error");
    assert_eq!(details.len(), 1);
}

#[test]
fn historical_bars() {
    let gw = start_gateway(test_params());
    let client = connect(gw.local_addr(), 12);
    let contract = Contract::stock("SPY").build();
    let data = client
        .historical_data(&contract, HistoricalBarSize::Min5)
        .what_to_show(HistoricalWhatToShow::MidPoint)
        .duration(1.days())
        .fetch()
        .expect("historical data");
    assert_eq!(data.bars.len(), 288);
    assert!(data.start < data.end);
    for pair in data.bars.windows(2) {
        assert!(pair[0].date < pair[1].date, "bars are in time order");
    }
    for b in &data.bars {
        assert!(
            b.high >= b.low
                && b.high >= b.open
                && b.high >= b.close
                && b.low <= b.open
                && b.low <= b.close
        );
        assert!(matches!(b.date, BarTimestamp::DateTime(_)));
    }
    let daily = client
        .historical_data(&contract, HistoricalBarSize::Day)
        .what_to_show(HistoricalWhatToShow::Trades)
        .duration(2.weeks())
        .fetch()
        .expect("daily bars");
    assert_eq!(daily.bars.len(), 14);
    assert!(
        daily
            .bars
            .iter()
            .all(|b| matches!(b.date, BarTimestamp::Date(_)) && b.volume > 0.0)
    );
}

#[test]
fn streaming_quotes_and_tick_by_tick() {
    let gw = start_gateway(test_params());
    let client = connect(gw.local_addr(), 13);
    for symbol in ["SPY", "IVV"] {
        let contract = Contract::stock(symbol).build();
        let sub = client
            .market_data(&contract)
            .subscribe()
            .expect("market data");
        let (mut bid, mut ask) = (None, None);
        for tick in sub.timeout_iter_data(PATIENCE) {
            if let TickTypes::PriceSize(p) = tick.expect("tick decodes") {
                match p.price_tick_type {
                    TickType::Bid => bid = Some(p.price),
                    TickType::Ask => ask = Some(p.price),
                    _ => {}
                }
            }
            if bid.is_some() && ask.is_some() {
                break;
            }
        }
        let (bid, ask) = (bid.expect("a bid"), ask.expect("an ask"));
        assert!(bid > 0.0 && bid <= ask, "{symbol}: bid {bid} ask {ask}");
    }
    let contract = Contract::stock("KO").build();
    let ticks = client
        .tick_by_tick(&contract, 0)
        .bid_ask(IgnoreSize::No)
        .expect("tick by tick");
    let mut seen = 0;
    for t in ticks.timeout_iter_data(PATIENCE) {
        let t = t.expect("bid/ask decodes");
        assert!(t.bid_price > 0.0 && t.bid_price < t.ask_price);
        seen += 1;
        if seen == 3 {
            break;
        }
    }
    assert_eq!(seen, 3, "three bid/ask ticks arrive");
}

#[test]
fn orders_fill_cancel_and_positions() {
    let gw = start_gateway(test_params());
    let client = connect(gw.local_addr(), 14);
    let contract = Contract::stock("SPY").build();

    // A market order fills, with an execution and its commission report.
    let order_id = client.next_order_id();
    let mut order = order_builder::market_order(Action::Buy, 100.0);
    order.order_ref = "tick-42".into();
    let updates = client
        .place_order(order_id, &contract, &order)
        .expect("place order");
    let outcome = client
        .wait_for_fill(order_id, PATIENCE)
        .expect("wait for fill");
    assert!(matches!(outcome, OrderOutcome::Filled(_)), "{outcome:?}");
    let (mut exec, mut commission) = (None, None);
    for item in updates.timeout_iter_data(PATIENCE) {
        match item.expect("order update decodes") {
            PlaceOrder::ExecutionData(e) => exec = Some(e),
            PlaceOrder::CommissionReport(c) => commission = Some(c),
            _ => {}
        }
        if exec.is_some() && commission.is_some() {
            break;
        }
    }
    let exec = exec.expect("an execution").execution;
    let commission = commission.expect("a commission report");
    assert_eq!(exec.order_reference, "tick-42");
    assert_eq!(exec.shares, 100.0);
    assert_eq!(commission.execution_id, exec.execution_id);
    assert_eq!(commission.commission, 1.0);

    // A limit order far below the market rests, then is cancelled.
    let limit_id = client.next_order_id();
    let limit = order_builder::limit_order(Action::Buy, 10.0, 1.0);
    let _sub = client
        .place_order(limit_id, &contract, &limit)
        .expect("place limit");
    let _cancel = client.cancel_order(limit_id, "").expect("cancel");
    let outcome = client
        .wait_for_fill(limit_id, PATIENCE)
        .expect("wait for cancel");
    assert!(matches!(outcome, OrderOutcome::Ended(_)), "{outcome:?}");

    // Positions afterwards: long 100 SPY.
    let positions = client.positions().expect("positions");
    let mut spy = None;
    while let Some(update) = positions.next_data() {
        match update.expect("position decodes") {
            PositionUpdate::Position(p) if p.contract.symbol == "SPY" => spy = Some(p.position),
            PositionUpdate::Position(_) => {}
            PositionUpdate::PositionEnd => break,
        }
    }
    assert_eq!(spy, Some(100.0));
    let snapshot = gw.snapshot();
    assert_eq!(
        snapshot
            .positions
            .iter()
            .find(|p| p.1 == "SPY")
            .map(|p| p.2),
        Some(100.0)
    );
    assert_eq!(
        gw.stats()
            .rate_violations
            .load(std::sync::atomic::Ordering::Relaxed),
        0
    );
}

#[test]
fn second_connection_with_same_client_id_gets_326() {
    let gw = start_gateway(test_params());
    let _first = connect(gw.local_addr(), 15);
    let second = Client::connect(&gw.local_addr().to_string(), 15);
    match second {
        Err(ibapi::Error::ClientIdInUse { .. }) => {}
        Err(other) => panic!("expected client id in use, got {other:?}"),
        Ok(_) => panic!("a duplicate client id must be refused"),
    }
    let _third = connect(gw.local_addr(), 16);
}
