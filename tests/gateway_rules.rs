//! The paper gateway enforces IB's rules and survives bad clients: malformed frames, oversized
//! length prefixes, message-rate abuse, too many market-data lines, historical pacing, duplicate
//! order ids. A bad client never harms the others.

mod common;

use common::{PATIENCE, start_gateway, test_params, text_client, wait_for};
use hft::config::{ReplayParams, SimParams};
use hft::sim::{Gateway, GatewayError, GatewayOptions};
use hft::wire::ids::codes;
use hft::wire::text::ServerMessage;
use hft::wire::{ContractSpec, FrameWriter, HistoricalRequest, OrderRequest, Request};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::atomic::Ordering;

fn error_code(conn: &mut hft::io::TwsConnection, id: i32) -> i32 {
    wait_for(conn, |m| match m {
        ServerMessage::Error(e) if e.id == id && !(2100..2200).contains(&e.code) => Some(e.code),
        _ => None,
    })
}

fn order<'a>(
    order_id: i32,
    symbol: &'a str,
    action: &'a str,
    qty: f64,
    lmt: Option<f64>,
) -> OrderRequest<'a> {
    OrderRequest {
        order_id,
        contract: ContractSpec::stock(symbol),
        action,
        total_quantity: qty,
        order_type: if lmt.is_some() { "LMT" } else { "MKT" },
        lmt_price: lmt.unwrap_or(f64::MAX),
        aux_price: f64::MAX,
        tif: "DAY",
        account: "",
        order_ref: "",
        transmit: true,
        parent_id: 0,
    }
}

/// Writes raw frames (after the handshake) on our connection's socket.
fn raw_frames(bodies: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::new();
    for b in bodies {
        let mut w = FrameWriter::begin(&mut out);
        w.bytes(b);
        w.finish();
    }
    out
}

#[test]
fn malformed_requests_get_error_320_and_the_session_survives() {
    let gw = start_gateway(test_params());
    let mut c = text_client(&gw, 1);
    let bad: [&[u8]; 5] = [
        b"9999\x001\x00",           // unknown message id
        b"1\x0011\x00x\x00",        // REQ_MKT_DATA with a non-numeric request id
        b"2\x00",                   // CANCEL_MKT_DATA with fields missing
        b"\xff\xfe\x00",            // garbage
        b"8\x001\x00no-terminator", // last field not NUL-terminated
    ];
    c.send_raw(&raw_frames(&bad)).unwrap();
    for _ in 0..bad.len() {
        assert_eq!(error_code(&mut c, -1), codes::ERROR_READING_REQUEST);
    }
    // Still usable.
    c.send(&Request::Ids { num_ids: 1 }).unwrap();
    wait_for(&mut c, |m| {
        matches!(m, ServerMessage::NextValidId(_)).then_some(())
    });
    assert_eq!(
        gw.stats().malformed_frames.load(Ordering::Relaxed),
        bad.len() as u64
    );
}

#[test]
fn oversized_frame_disconnects_only_that_client() {
    let gw = start_gateway(test_params());
    let mut good = text_client(&gw, 1);
    let bad = text_client(&gw, 2);
    let (mut stream, _) = bad.into_parts();
    stream
        .write_all(&[0x7f, 0xff, 0xff, 0xff, b'1', 0])
        .unwrap();
    let mut rest = Vec::new();
    stream.set_read_timeout(Some(PATIENCE)).unwrap();
    // The gateway closes the connection: read to EOF (or a reset).
    let _ = stream.read_to_end(&mut rest);
    good.send(&Request::MarketData {
        req_id: 1,
        contract: ContractSpec::stock("SPY"),
        generic_ticks: "",
        snapshot: false,
    })
    .unwrap();
    wait_for(&mut good, |m| {
        matches!(m, ServerMessage::TickPrice(t) if t.req_id == 1).then_some(())
    });
}

#[test]
fn garbage_instead_of_handshake_is_dropped() {
    let gw = start_gateway(test_params());
    let mut s = TcpStream::connect(gw.local_addr()).unwrap();
    s.write_all(b"GET / HTTP/1.1\r\n\r\n").unwrap();
    s.set_read_timeout(Some(PATIENCE)).unwrap();
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf);
    assert!(buf.is_empty(), "no reply to a non-TWS client");
    let _ok = text_client(&gw, 3);
}

#[test]
fn message_rate_violations_get_error_100_then_disconnect() {
    let gw = start_gateway(test_params());
    let mut c = text_client(&gw, 1);
    // A burst just above the limit (50/s): error 100, session kept.
    let mut burst = Vec::new();
    for _ in 0..60 {
        Request::CurrentTime.encode_text(&mut burst);
    }
    c.send_raw(&burst).unwrap();
    assert_eq!(error_code(&mut c, -1), codes::MAX_RATE_EXCEEDED);
    assert!(gw.stats().rate_violations.load(Ordering::Relaxed) >= 1);

    // A client that keeps going past the disconnect threshold (100/s) is dropped.
    let mut flood = Vec::new();
    for _ in 0..300 {
        Request::CurrentTime.encode_text(&mut flood);
    }
    let mut other = text_client(&gw, 2);
    let (mut stream, _) = c.into_parts();
    let _ = stream.write_all(&flood);
    stream.set_read_timeout(Some(PATIENCE)).unwrap();
    let mut rest = Vec::new();
    let _ = stream.read_to_end(&mut rest);
    assert_eq!(gw.stats().rate_disconnects.load(Ordering::Relaxed), 1);
    other.send(&Request::CurrentTime).unwrap();
    wait_for(&mut other, |m| {
        matches!(m, ServerMessage::CurrentTime(_)).then_some(())
    });
}

#[test]
fn more_than_100_market_data_lines_get_error_101() {
    let mut params = test_params();
    params.gateway.max_messages_per_sec = 1000;
    params.gateway.disconnect_messages_per_sec = 2000;
    let gw = start_gateway(params);
    let mut c = text_client(&gw, 1);
    let symbols = ["SPY", "IVV", "KO", "PEP", "XOM", "MSFT"];
    for req_id in 1..=101 {
        let symbol = symbols[req_id as usize % symbols.len()];
        c.send(&Request::MarketData {
            req_id,
            contract: ContractSpec::stock(symbol),
            generic_ticks: "",
            snapshot: false,
        })
        .unwrap();
    }
    assert_eq!(error_code(&mut c, 101), codes::MAX_TICKERS_REACHED);
    // Cancelling a line frees it.
    c.send(&Request::CancelMarketData { req_id: 1 }).unwrap();
    c.send(&Request::MarketData {
        req_id: 102,
        contract: ContractSpec::stock("SPY"),
        generic_ticks: "",
        snapshot: false,
    })
    .unwrap();
    wait_for(&mut c, |m| {
        matches!(m, ServerMessage::TickPrice(t) if t.req_id == 102).then_some(())
    });
}

#[test]
fn identical_historical_request_violates_pacing() {
    let gw = start_gateway(test_params());
    let mut c = text_client(&gw, 1);
    let h = HistoricalRequest {
        req_id: 1,
        contract: ContractSpec::stock("KO"),
        end_date_time: "",
        bar_size: "1 hour",
        duration: "2 D",
        use_rth: false,
        what_to_show: "TRADES",
        format_date: 2,
        keep_up_to_date: false,
    };
    c.send(&Request::HistoricalData(h)).unwrap();
    wait_for(&mut c, |m| {
        matches!(m, ServerMessage::HistoricalData(h) if h.req_id == 1 && h.count == 48)
            .then_some(())
    });
    c.send(&Request::HistoricalData(HistoricalRequest {
        req_id: 2,
        ..h
    }))
    .unwrap();
    assert_eq!(error_code(&mut c, 2), codes::HISTORICAL_PACING);
    c.send(&Request::HistoricalData(HistoricalRequest {
        req_id: 3,
        duration: "1 X",
        ..h
    }))
    .unwrap();
    assert_eq!(error_code(&mut c, 3), codes::ERROR_VALIDATING_REQUEST);
}

#[test]
fn order_ids_must_increase_and_bad_orders_are_rejected() {
    let gw = start_gateway(test_params());
    let mut c = text_client(&gw, 1);
    let id = c.next_valid_id;
    c.send(&Request::PlaceOrder(order(
        id + 5,
        "SPY",
        "BUY",
        10.0,
        None,
    )))
    .unwrap();
    wait_for(&mut c, |m| {
        matches!(m, ServerMessage::OrderStatus(s) if s.order_id == id + 5 && s.status == "Filled")
            .then_some(())
    });
    c.send(&Request::PlaceOrder(order(
        id + 5,
        "SPY",
        "BUY",
        10.0,
        None,
    )))
    .unwrap();
    assert_eq!(error_code(&mut c, id + 5), codes::DUPLICATE_ORDER_ID);
    c.send(&Request::PlaceOrder(order(
        id + 3,
        "SPY",
        "BUY",
        10.0,
        None,
    )))
    .unwrap();
    assert_eq!(error_code(&mut c, id + 3), codes::DUPLICATE_ORDER_ID);
    c.send(&Request::PlaceOrder(order(
        id + 6,
        "NOPE",
        "BUY",
        10.0,
        None,
    )))
    .unwrap();
    assert_eq!(error_code(&mut c, id + 6), codes::NO_SECURITY_DEFINITION);
    c.send(&Request::PlaceOrder(order(id + 7, "SPY", "BUY", 0.5, None)))
        .unwrap();
    assert_eq!(error_code(&mut c, id + 7), codes::ORDER_REJECTED);
    c.send(&Request::CancelOrder { order_id: 999_999 }).unwrap();
    assert_eq!(error_code(&mut c, 999_999), codes::ORDER_NOT_FOUND);
    // The next valid id moves past the ids used.
    c.send(&Request::Ids { num_ids: 1 }).unwrap();
    let next = wait_for(&mut c, |m| match m {
        ServerMessage::NextValidId(n) => Some(n.order_id),
        _ => None,
    });
    assert_eq!(next, id + 8);
}

#[test]
fn non_loopback_listen_needs_allow_remote() {
    let opts = GatewayOptions {
        listen: Some("0.0.0.0:0".into()),
        ..Default::default()
    };
    match Gateway::start(SimParams::embedded(), opts) {
        Err(GatewayError::NotLoopback(_)) => {}
        Err(e) => panic!("unexpected error {e}"),
        Ok(_) => panic!("a non-loopback address must be refused"),
    }
}

fn replay_file(name: &str, rows: &[&str]) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!("hft-test-{}-{name}.csv", std::process::id()));
    let mut text = String::from("ts_ns,symbol,bid,bid_size,ask,ask_size\n");
    for r in rows {
        text.push_str(r);
        text.push('\n');
    }
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn replayed_quotes_arrive_in_order_and_fill_limits_and_partials() {
    let file = replay_file(
        "fills",
        &[
            "1700000000000000000,SPY,100.00,300,100.02,200",
            "1700000001000000000,SPY,99.89,300,99.92,200",
            "1700000002000000000,SPY,99.80,300,99.81,100",
            "1700000003000000000,SPY,bad,300,99.81,100",
        ],
    );
    let mut params = test_params();
    params.replay = Some(ReplayParams {
        file: file.clone(),
        more_files: Vec::new(),
        symbols: Vec::new(),
        speed: 1.0,
        rate: 0.0,
    });
    let gw = start_gateway(params);
    let mut c = text_client(&gw, 1);
    let id = c.next_valid_id;
    // A buy limit at 99.95: not marketable at 100.02, fills once the ask drops to 99.92.
    c.send(&Request::PlaceOrder(order(
        id,
        "SPY",
        "BUY",
        100.0,
        Some(99.95),
    )))
    .unwrap();
    let price = wait_for(&mut c, |m| match m {
        ServerMessage::Execution(e) if e.order_id == id => Some(e.price),
        _ => None,
    });
    assert!(price <= 99.95, "filled at {price}");
    // A market order larger than the book fills partially, the rest on later quotes.
    c.send(&Request::PlaceOrder(order(
        id + 1,
        "SPY",
        "SELL",
        20_000.0,
        None,
    )))
    .unwrap();
    let (filled, remaining) = wait_for(&mut c, |m| match m {
        ServerMessage::OrderStatus(s) if s.order_id == id + 1 && s.filled > 0.0 => {
            Some((s.filled, s.remaining))
        }
        _ => None,
    });
    assert!(filled < 20_000.0 && remaining > 0.0 && filled + remaining == 20_000.0);
    let _ = std::fs::remove_file(file);
}

#[test]
fn global_cancel_ends_every_working_order_of_every_client() {
    let gw = start_gateway(test_params());
    let mut a = text_client(&gw, 1);
    let mut b = text_client(&gw, 2);
    let (ida, idb) = (a.next_valid_id, b.next_valid_id);
    // Limit orders far from the market: they work until cancelled.
    for (conn, id) in [(&mut a, ida), (&mut b, idb)] {
        conn.send(&Request::PlaceOrder(order(
            id,
            "SPY",
            "BUY",
            10.0,
            Some(1.0),
        )))
        .unwrap();
        wait_for(conn, |m| {
            matches!(m, ServerMessage::OrderStatus(s) if s.order_id == id && s.status == "Submitted")
                .then_some(())
        });
    }
    a.send(&Request::GlobalCancel).unwrap();
    for (conn, id) in [(&mut a, ida), (&mut b, idb)] {
        wait_for(conn, |m| {
            matches!(m, ServerMessage::OrderStatus(s) if s.order_id == id && s.status == "Cancelled")
                .then_some(())
        });
    }
    assert!(
        gw.snapshot().orders.iter().all(|o| o.state != "Submitted"),
        "{:?}",
        gw.snapshot().orders
    );
}
