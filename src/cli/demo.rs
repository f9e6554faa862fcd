//! The main job until the engine lands: the paper gateway in-process on a free loopback port and
//! a bounded session of the engine's own TWS connection against it, printing what it received.

use crate::io::{ConnectError, TwsConnection};
use crate::params::SimParams;
use crate::sim::{Gateway, GatewayOptions};
use crate::wire::text::ServerMessage;
use crate::wire::{ContractSpec, HistoricalRequest, OrderRequest, Request, ids};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// Runs the session for `stream_secs` seconds of market data.
///
/// # Errors
/// Gateway start or connection failures.
pub fn run(stream_secs: f64) -> anyhow::Result<()> {
    let params = SimParams::embedded();
    let symbols: Vec<String> = params
        .market
        .symbols
        .iter()
        .map(|s| s.name.clone())
        .collect();
    let opts = GatewayOptions {
        listen: Some("127.0.0.1:0".into()),
        ..Default::default()
    };
    let gw = Gateway::start(params, opts)?;
    println!("paper gateway (in-process) on {}", gw.local_addr());
    let mut c = TwsConnection::connect(&gw.local_addr().to_string(), 1, Duration::from_secs(10))?;
    println!(
        "connected: server version {} (text protocol), account {}, next order id {}",
        c.server_version, c.accounts, c.next_valid_id
    );
    let version = c.server_version;

    for (i, s) in symbols.iter().enumerate() {
        c.send(&Request::ContractData {
            req_id: 100 + i as i32,
            contract: ContractSpec::stock(s),
        })?;
    }
    let h = HistoricalRequest {
        req_id: 200,
        contract: ContractSpec::stock(&symbols[0]),
        end_date_time: "",
        bar_size: "5 mins",
        duration: "1 D",
        use_rth: false,
        what_to_show: "MIDPOINT",
        format_date: 2,
        keep_up_to_date: false,
    };
    c.send(&Request::HistoricalData(h))?;
    for (i, s) in symbols.iter().enumerate() {
        c.send(&Request::MarketData {
            req_id: i as i32 + 1,
            contract: ContractSpec::stock(s),
            generic_ticks: "",
            snapshot: false,
        })?;
    }

    let mut quotes: BTreeMap<i32, (f64, f64)> = BTreeMap::new();
    let mut counts: BTreeMap<&'static str, u64> = BTreeMap::new();
    let started = Instant::now();
    let window = Duration::from_secs_f64(stream_secs.max(0.5));
    let mut ordered = false;
    let order_id = c.next_valid_id;
    while started.elapsed() < window {
        if !ordered && started.elapsed() > window / 2 {
            // Half way through: buy one leg and sell the other, as a pairs trade would.
            for (k, (sym, action)) in [(&symbols[0], "BUY"), (&symbols[1], "SELL")]
                .into_iter()
                .enumerate()
            {
                c.send(&Request::PlaceOrder(OrderRequest {
                    order_id: order_id + k as i32,
                    contract: ContractSpec::stock(sym),
                    action,
                    total_quantity: 100.0,
                    order_type: "MKT",
                    lmt_price: f64::MAX,
                    aux_price: f64::MAX,
                    tif: "DAY",
                    account: "",
                    order_ref: "demo",
                    transmit: true,
                    parent_id: 0,
                }))?;
            }
            ordered = true;
        }
        let body = match c.next_frame(Duration::from_millis(100)) {
            Ok(b) => b,
            Err(ConnectError::Timeout(_)) => continue,
            Err(e) => return Err(e.into()),
        };
        let msg = match ServerMessage::decode(body, version) {
            Ok(m) => m,
            Err(e) => {
                println!("  undecodable message: {e}");
                continue;
            }
        };
        let kind = match &msg {
            ServerMessage::TickPrice(t) => {
                let q = quotes.entry(t.req_id).or_insert((0.0, 0.0));
                match t.tick_type {
                    ids::tick_type::BID => q.0 = t.price,
                    ids::tick_type::ASK => q.1 = t.price,
                    _ => {}
                }
                "TICK_PRICE"
            }
            ServerMessage::TickSize(_) => "TICK_SIZE",
            ServerMessage::TickReqParams { .. } => "TICK_REQ_PARAMS",
            ServerMessage::ContractData(d) => {
                println!(
                    "  contract  {:<5} conId {} min tick {} ({})",
                    d.contract.symbol, d.contract.con_id, d.min_tick, d.long_name
                );
                "CONTRACT_DATA"
            }
            ServerMessage::HistoricalData(h) => {
                let mut h = h.clone();
                let (mut n, mut first, mut last) = (0, None, None);
                while let Ok(Some(b)) = h.next_bar() {
                    n += 1;
                    first.get_or_insert(b.close);
                    last = Some(b.close);
                }
                println!(
                    "  history   {} x 5-min bars of {}: first close {:?}, last close {:?} ({} .. {})",
                    n,
                    symbols[0],
                    first.unwrap_or(0.0),
                    last.unwrap_or(0.0),
                    h.start,
                    h.end
                );
                "HISTORICAL_DATA"
            }
            ServerMessage::Execution(e) => {
                println!(
                    "  execution {} {} {} @ {} (orderRef {}, exec id {})",
                    e.side, e.shares, e.contract.symbol, e.price, e.order_ref, e.exec_id
                );
                "EXECUTION_DATA"
            }
            ServerMessage::Commission(r) => {
                println!("  commission {} USD for {}", r.commission, r.exec_id);
                "COMMISSION_REPORT"
            }
            ServerMessage::OrderStatus(s) => {
                println!(
                    "  order {} {} filled {} remaining {} avg {}",
                    s.order_id, s.status, s.filled, s.remaining, s.avg_fill_price
                );
                "ORDER_STATUS"
            }
            ServerMessage::Error(e) => {
                println!("  notice {} (id {}): {}", e.code, e.id, e.message);
                "ERR_MSG"
            }
            ServerMessage::OpenOrder(_) => "OPEN_ORDER",
            ServerMessage::End(_) => "END_MARKER",
            _ => "OTHER",
        };
        *counts.entry(kind).or_default() += 1;
    }
    println!(
        "last quotes after {:.1} s:",
        started.elapsed().as_secs_f64()
    );
    for (req_id, (bid, ask)) in &quotes {
        println!(
            "  {:<5} bid {bid:>9.2}  ask {ask:>9.2}",
            symbols[(*req_id - 1) as usize]
        );
    }
    println!("messages received:");
    for (kind, n) in &counts {
        println!("  {kind:<18} {n}");
    }
    let snapshot = gw.snapshot();
    println!("gateway ledger:");
    for (account, symbol, qty, avg) in &snapshot.positions {
        println!("  {account} {symbol:<5} position {qty:>6} avg cost {avg:.4}");
    }
    drop(c);
    gw.shutdown();
    println!(
        "(the trading engine is not built yet: this is the gateway and the engine's TWS connection)"
    );
    Ok(())
}
