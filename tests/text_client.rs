//! The same scenario as `ibapi_client.rs`, driven by the engine's own text-protocol connection
//! (version 178): the gateway serves both protocols, and our decoders read everything it sends.

mod common;

use common::{start_gateway, test_params, text_client, wait_for};
use hft::wire::ids::{codes, incoming, tick_type};
use hft::wire::text::ServerMessage;
use hft::wire::{
    ContractSpec, ExecutionFilter, HistoricalRequest, OrderRequest, Request, TickByTickData,
};

#[test]
fn text_client_full_scenario() {
    let gw = start_gateway(test_params());
    let mut c = text_client(&gw, 21);
    assert_eq!(c.server_version, 178);
    assert_eq!(c.accounts, "DU1234567");
    assert!(c.next_valid_id > 0);

    // Contract details for two symbols, error 200 for an unknown one.
    for (req_id, symbol) in [(1, "SPY"), (2, "IVV")] {
        c.send(&Request::ContractData {
            req_id,
            contract: ContractSpec::stock(symbol),
        })
        .unwrap();
        let (sym, con_id, tick) = wait_for(&mut c, |m| match m {
            ServerMessage::ContractData(d) if d.req_id == req_id => {
                Some((d.contract.symbol.to_string(), d.contract.con_id, d.min_tick))
            }
            _ => None,
        });
        assert_eq!(sym, symbol);
        assert!(con_id > 0);
        assert_eq!(tick, 0.01);
        wait_for(&mut c, |m| {
            matches!(m, ServerMessage::End(e) if e.msg_id == incoming::CONTRACT_DATA_END && e.req_id == req_id).then_some(())
        });
    }
    c.send(&Request::ContractData {
        req_id: 3,
        contract: ContractSpec::stock("NOPE"),
    })
    .unwrap();
    let code = wait_for(&mut c, |m| match m {
        ServerMessage::Error(e) if e.id == 3 => Some(e.code),
        _ => None,
    });
    assert_eq!(code, codes::NO_SECURITY_DEFINITION);

    // Historical bars: count, order, high >= low.
    let h = HistoricalRequest {
        req_id: 4,
        contract: ContractSpec::stock("SPY"),
        end_date_time: "",
        bar_size: "1 min",
        duration: "3600 S",
        use_rth: false,
        what_to_show: "MIDPOINT",
        format_date: 2,
        keep_up_to_date: false,
    };
    c.send(&Request::HistoricalData(h)).unwrap();
    let bars = wait_for(&mut c, |m| match m {
        ServerMessage::HistoricalData(h) if h.req_id == 4 => {
            let mut h = h.clone();
            let mut bars = Vec::new();
            while let Some(b) = h.next_bar().expect("bar decodes") {
                bars.push((b.date.parse::<i64>().expect("unix seconds"), b.high, b.low));
            }
            Some(bars)
        }
        _ => None,
    });
    assert_eq!(bars.len(), 60);
    assert!(bars.windows(2).all(|w| w[0].0 < w[1].0));
    assert!(bars.iter().all(|b| b.1 >= b.2));

    // Streaming quotes: bid <= ask for both symbols.
    for (req_id, symbol) in [(10, "SPY"), (11, "IVV")] {
        c.send(&Request::MarketData {
            req_id,
            contract: ContractSpec::stock(symbol),
            generic_ticks: "",
            snapshot: false,
        })
        .unwrap();
        let (mut bid, mut ask) = (None, None);
        wait_for(&mut c, |m| {
            if let ServerMessage::TickPrice(t) = m {
                if t.req_id == req_id && t.tick_type == tick_type::BID {
                    bid = Some(t.price);
                }
                if t.req_id == req_id && t.tick_type == tick_type::ASK {
                    ask = Some(t.price);
                }
            }
            (bid.is_some() && ask.is_some()).then_some(())
        });
        assert!(bid.unwrap() > 0.0 && bid.unwrap() <= ask.unwrap());
    }
    // Tick-by-tick BidAsk.
    c.send(&Request::TickByTick {
        req_id: 12,
        contract: ContractSpec::stock("KO"),
        tick_type: "BidAsk",
        number_of_ticks: 0,
        ignore_size: false,
    })
    .unwrap();
    for _ in 0..3 {
        let (bid, ask) = wait_for(&mut c, |m| match m {
            ServerMessage::TickByTick(t) if t.req_id == 12 => match t.data {
                TickByTickData::BidAsk { bid, ask, .. } => Some((bid, ask)),
                _ => None,
            },
            _ => None,
        });
        assert!(bid > 0.0 && bid < ask);
    }

    // A market order fills, with its execution (orderRef echoed) and commission report.
    let order_id = c.next_valid_id;
    let order = OrderRequest {
        order_id,
        contract: ContractSpec::stock("SPY"),
        action: "BUY",
        total_quantity: 100.0,
        order_type: "MKT",
        lmt_price: f64::MAX,
        aux_price: f64::MAX,
        tif: "DAY",
        account: "",
        order_ref: "tick-7",
        transmit: true,
        parent_id: 0,
    };
    c.send(&Request::PlaceOrder(order)).unwrap();
    let exec_id = wait_for(&mut c, |m| match m {
        ServerMessage::Execution(e) if e.order_id == order_id => {
            assert_eq!(e.order_ref, "tick-7");
            assert_eq!(e.side, "BOT");
            Some(e.exec_id.to_string())
        }
        _ => None,
    });
    wait_for(&mut c, |m| {
        matches!(m, ServerMessage::OrderStatus(s) if s.order_id == order_id && s.status == "Filled" && s.remaining == 0.0)
            .then_some(())
    });
    let commission = wait_for(&mut c, |m| match m {
        ServerMessage::Commission(r) if r.exec_id == exec_id => Some(r.commission),
        _ => None,
    });
    assert_eq!(commission, 1.0);

    // A limit order far from the market rests and is cancelled.
    let limit_id = order_id + 1;
    let limit = OrderRequest {
        order_id: limit_id,
        order_type: "LMT",
        lmt_price: 1.0,
        order_ref: "",
        ..order
    };
    c.send(&Request::PlaceOrder(limit)).unwrap();
    wait_for(&mut c, |m| {
        matches!(m, ServerMessage::OrderStatus(s) if s.order_id == limit_id && s.status == "Submitted").then_some(())
    });
    c.send(&Request::CancelOrder { order_id: limit_id })
        .unwrap();
    wait_for(&mut c, |m| {
        matches!(m, ServerMessage::OrderStatus(s) if s.order_id == limit_id && s.status == "Cancelled").then_some(())
    });

    // Executions and positions afterwards.
    c.send(&Request::Executions {
        req_id: 20,
        filter: ExecutionFilter::default(),
    })
    .unwrap();
    let shares = wait_for(&mut c, |m| match m {
        ServerMessage::Execution(e) if e.req_id == 20 => Some(e.shares),
        _ => None,
    });
    assert_eq!(shares, 100.0);
    c.send(&Request::Positions).unwrap();
    let position = wait_for(&mut c, |m| match m {
        ServerMessage::Position(p) if p.contract.symbol == "SPY" => Some(p.position),
        _ => None,
    });
    assert_eq!(position, 100.0);
}
