//! ib_async 2.x's start-up sequence, replayed by our own text-protocol client (version 178):
//! REQ_POSITIONS, REQ_OPEN_ORDERS, REQ_COMPLETED_ORDERS, REQ_ACCOUNT_DATA and
//! REQ_ACCOUNT_UPDATES_MULTI sent together, then REQ_EXECUTIONS once they are all answered. Each
//! must be answered with its end marker (ib_async waits 4 s for each, then logs a timeout); the
//! assertions are on presence and order, and a deadline loop gives up after 5 s so a busy machine
//! does not make the test flaky (speed is measured separately, by hand against ib_async).
//!
//! Also: account summary, PnL and their errors over text, and MARKET_DATA_TYPE.

mod common;

use common::{start_gateway, test_params, text_client, wait_for};
use hft::io::{ConnectError, TwsConnection};
use hft::wire::ids::{codes, incoming};
use hft::wire::text::{AccountMessage, ServerMessage};
use hft::wire::{AccountRequest, ContractSpec, ExecutionFilter, Fields, OrderRequest, Request};
use std::time::{Duration, Instant};

const ACCOUNT: &str = "DU1234567";

/// A market order for `qty` SPY, filled, on connection `c` (order ids from the next valid id).
fn buy_spy(c: &mut TwsConnection, qty: f64) {
    let order_id = c.next_valid_id;
    c.next_valid_id += 1;
    c.send(&Request::PlaceOrder(OrderRequest {
        order_id,
        contract: ContractSpec::stock("SPY"),
        action: "BUY",
        total_quantity: qty,
        order_type: "MKT",
        lmt_price: f64::MAX,
        aux_price: f64::MAX,
        tif: "DAY",
        account: ACCOUNT,
        order_ref: "",
        transmit: true,
        parent_id: 0,
    }))
    .unwrap();
    wait_for(c, |m| {
        matches!(m, ServerMessage::OrderStatus(s) if s.order_id == order_id && s.status == "Filled")
            .then_some(())
    });
}

/// Every frame read until `done` says so (or 5 s pass), as (message id, body).
fn read_until(
    c: &mut TwsConnection,
    mut done: impl FnMut(&[(i32, Vec<u8>)]) -> bool,
) -> Vec<(i32, Vec<u8>)> {
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut frames = Vec::new();
    while !done(&frames) && Instant::now() < deadline {
        let left = deadline.saturating_duration_since(Instant::now());
        match c.next_frame(left) {
            Ok(body) => {
                let msg_id = Fields::new(body).i32().expect("a message id");
                frames.push((msg_id, body.to_vec()));
            }
            Err(ConnectError::Timeout(_)) => break,
            Err(e) => panic!("connection failed: {e}"),
        }
    }
    frames
}

fn position_of(frames: &[(i32, Vec<u8>)], msg_id: i32) -> Option<usize> {
    frames.iter().position(|(id, _)| *id == msg_id)
}

fn account_messages(frames: &[(i32, Vec<u8>)]) -> Vec<AccountMessage<'_>> {
    frames
        .iter()
        .filter_map(|(_, body)| match ServerMessage::decode(body, 178) {
            Ok(ServerMessage::Account(m)) => Some(m),
            _ => None,
        })
        .collect()
}

#[test]
fn ib_async_startup_sequence_is_answered() {
    let gw = start_gateway(test_params());
    let mut trader = text_client(&gw, 41);
    buy_spy(&mut trader, 100.0);

    let mut c = text_client(&gw, 42);
    assert_eq!(c.server_version, 178);
    for req in [
        Request::Positions,
        Request::OpenOrders,
        Request::CompletedOrders { api_only: false },
        Request::Account(AccountRequest::Updates {
            subscribe: true,
            account: ACCOUNT,
        }),
        Request::Account(AccountRequest::UpdatesMulti {
            req_id: 7,
            account: ACCOUNT,
            model_code: "",
            ledger_and_nlv: false,
        }),
    ] {
        c.send(&req).unwrap();
    }
    let ends = [
        incoming::POSITION_END,
        incoming::OPEN_ORDER_END,
        incoming::COMPLETED_ORDERS_END,
        incoming::ACCT_DOWNLOAD_END,
        incoming::ACCOUNT_UPDATE_MULTI_END,
    ];
    let frames = read_until(&mut c, |f| {
        ends.iter().all(|&end| position_of(f, end).is_some())
    });
    for end in ends {
        assert!(position_of(&frames, end).is_some(), "end marker {end} came");
    }
    // Account updates: values and the SPY line before the update time, then the end.
    let value = position_of(&frames, incoming::ACCT_VALUE).expect("account values");
    let line = position_of(&frames, incoming::PORTFOLIO_VALUE).expect("a portfolio line");
    let time = position_of(&frames, incoming::ACCT_UPDATE_TIME).expect("the update time");
    let end = position_of(&frames, incoming::ACCT_DOWNLOAD_END).unwrap();
    assert!(value < time && line < time && time < end);
    let msgs = account_messages(&frames);
    let portfolio = msgs.iter().find_map(|m| match m {
        AccountMessage::Portfolio(p) => Some(*p),
        _ => None,
    });
    let p = portfolio.expect("a portfolio line decodes");
    assert_eq!(
        (p.contract.symbol, p.position, p.account),
        ("SPY", 100.0, ACCOUNT)
    );
    let snapshot = gw.snapshot();
    let avg_cost = snapshot.positions.iter().find(|p| p.1 == "SPY").unwrap().3;
    assert_eq!(p.average_cost, avg_cost);
    assert!((p.realized_pnl + 1.0).abs() < 1e-9, "the commission");
    assert!(msgs.iter().any(|m| matches!(m,
        AccountMessage::DownloadEnd { account } if *account == ACCOUNT)));
    // Account updates by model: rows under request id 7, then its end.
    let multi_rows = msgs
        .iter()
        .filter(|m| matches!(m, AccountMessage::UpdateMulti { req_id: 7, account, .. } if *account == ACCOUNT))
        .count();
    assert!(multi_rows > 10, "{multi_rows} rows");
    assert!(
        msgs.iter()
            .any(|m| matches!(m, AccountMessage::UpdateMultiEnd { req_id: 7 }))
    );

    // Then executions: the fill of the other client, and the end.
    c.send(&Request::Executions {
        req_id: 8,
        filter: ExecutionFilter::default(),
    })
    .unwrap();
    let frames = read_until(&mut c, |f| {
        position_of(f, incoming::EXECUTION_DATA_END).is_some()
    });
    let exec = position_of(&frames, incoming::EXECUTION_DATA).expect("the execution");
    assert!(exec < position_of(&frames, incoming::EXECUTION_DATA_END).expect("the end"));

    // A fill while subscribed: the SPY line is sent again with the new size.
    buy_spy(&mut trader, 50.0);
    let size = wait_for(&mut c, |m| match m {
        ServerMessage::Account(AccountMessage::Portfolio(p)) if p.position == 150.0 => {
            Some(p.position)
        }
        _ => None,
    });
    assert_eq!(size, 150.0);
}

#[test]
fn summary_pnl_and_bad_requests_over_text() {
    let gw = start_gateway(test_params());
    let mut c = text_client(&gw, 43);
    buy_spy(&mut c, 10.0);
    let con_id = wait_con_id(&mut c);
    c.send(&Request::Account(AccountRequest::Summary {
        req_id: 1,
        group: "All",
        tags: "NetLiquidation,TotalCashValue,$LEDGER:ALL",
    }))
    .unwrap();
    let mut tags = Vec::new();
    wait_for(&mut c, |m| match m {
        ServerMessage::Account(AccountMessage::Summary {
            req_id: 1,
            tag,
            currency,
            ..
        }) => {
            tags.push(format!("{tag}/{currency}"));
            None
        }
        ServerMessage::Account(AccountMessage::SummaryEnd { req_id: 1 }) => Some(()),
        _ => None,
    });
    assert_eq!(&tags[..2], ["NetLiquidation/USD", "TotalCashValue/USD"]);
    assert!(tags.contains(&"CashBalance/BASE".to_string()));

    c.send(&Request::Account(AccountRequest::PnlSingle {
        req_id: 2,
        account: ACCOUNT,
        model_code: "",
        con_id,
    }))
    .unwrap();
    let (position, realized) = wait_for(&mut c, |m| match m {
        ServerMessage::Account(AccountMessage::PnlSingle {
            req_id: 2,
            position,
            realized,
            ..
        }) => Some((*position, *realized)),
        _ => None,
    });
    assert_eq!((position, realized), (10.0, -1.0));

    // Bad input: an unknown account, an unknown group, an unknown contract, a malformed body;
    // each gets an error and the session goes on.
    let bad = [
        (
            3,
            Request::Account(AccountRequest::Pnl {
                req_id: 3,
                account: "DU0000000",
                model_code: "",
            }),
        ),
        (
            4,
            Request::Account(AccountRequest::Summary {
                req_id: 4,
                group: "Advisors",
                tags: "NetLiquidation",
            }),
        ),
        (
            5,
            Request::Account(AccountRequest::PnlSingle {
                req_id: 5,
                account: ACCOUNT,
                model_code: "",
                con_id: 1,
            }),
        ),
    ];
    for (req_id, req) in bad {
        c.send(&req).unwrap();
        let code = wait_for(&mut c, |m| match m {
            ServerMessage::Error(e) if e.id == req_id => Some(e.code),
            _ => None,
        });
        assert_eq!(code, codes::ERROR_VALIDATING_REQUEST);
    }
    // REQ_PNL with its request id missing.
    c.send_raw(b"\x00\x00\x00\x0392\x00").unwrap();
    let code = wait_for(&mut c, |m| match m {
        ServerMessage::Error(e) if e.id == -1 => Some(e.code),
        _ => None,
    });
    assert_eq!(code, codes::ERROR_READING_REQUEST);

    // MARKET_DATA_TYPE: after REQ_MARKET_DATA_TYPE, each market-data line is told it is live.
    c.send(&Request::MarketDataType { data_type: 3 }).unwrap();
    c.send(&Request::MarketData {
        req_id: 9,
        contract: ContractSpec::stock("KO"),
        generic_ticks: "",
        snapshot: false,
    })
    .unwrap();
    let data_type = wait_for(&mut c, |m| match m {
        ServerMessage::MarketDataType {
            req_id: 9,
            data_type,
        } => Some(*data_type),
        _ => None,
    });
    assert_eq!(data_type, 1);
    // Cancels are accepted without an answer, and the session goes on.
    c.send(&Request::Account(AccountRequest::CancelPnlSingle {
        req_id: 2,
    }))
    .unwrap();
    c.send(&Request::Account(AccountRequest::CancelSummary {
        req_id: 1,
    }))
    .unwrap();
    c.send(&Request::CurrentTime).unwrap();
    wait_for(&mut c, |m| {
        matches!(m, ServerMessage::CurrentTime(_)).then_some(())
    });
}

/// SPY's contract id, from contract details.
fn wait_con_id(c: &mut TwsConnection) -> i32 {
    c.send(&Request::ContractData {
        req_id: 99,
        contract: ContractSpec::stock("SPY"),
    })
    .unwrap();
    wait_for(c, |m| match m {
        ServerMessage::ContractData(d) if d.req_id == 99 => Some(d.contract.con_id as i32),
        _ => None,
    })
}
