//! Fault injection of the paper gateway (`[faults]` in params/sim.toml): each fault is observable
//! by a client exactly as documented.

mod common;

use common::{PATIENCE, start_gateway, test_params, text_client, wait_for};
use hft::config::SimParams;
use hft::io::{ConnectError, TwsConnection};
use hft::wire::ids::codes;
use hft::wire::text::ServerMessage;
use hft::wire::{ContractSpec, OrderRequest, Request};
use std::time::{Duration, Instant};

fn market(order_id: i32, symbol: &str, qty: f64) -> Request<'_> {
    Request::PlaceOrder(OrderRequest {
        order_id,
        contract: ContractSpec::stock(symbol),
        action: "BUY",
        total_quantity: qty,
        order_type: "MKT",
        lmt_price: f64::MAX,
        aux_price: f64::MAX,
        tif: "DAY",
        account: "",
        order_ref: "",
        transmit: true,
        parent_id: 0,
    })
}

fn final_status(c: &mut TwsConnection, order_id: i32) -> String {
    wait_for(c, |m| match m {
        ServerMessage::OrderStatus(s)
            if s.order_id == order_id
                && matches!(s.status, "Filled" | "Inactive" | "Cancelled") =>
        {
            Some(s.status.to_string())
        }
        _ => None,
    })
}

fn with(f: impl FnOnce(&mut SimParams)) -> SimParams {
    let mut p = test_params();
    f(&mut p);
    p
}

#[test]
fn every_nth_order_is_rejected() {
    let gw = start_gateway(with(|p| p.faults.reject_every_nth_order = 2));
    let mut c = text_client(&gw, 1);
    let id = c.next_valid_id;
    for k in 0..3 {
        c.send(&market(id + k, "SPY", 10.0)).unwrap();
    }
    assert_eq!(final_status(&mut c, id), "Filled");
    assert_eq!(final_status(&mut c, id + 1), "Inactive");
    assert_eq!(final_status(&mut c, id + 2), "Filled");
    let snap = gw.snapshot();
    assert_eq!(
        snap.orders.iter().filter(|o| o.state == "Inactive").count(),
        1
    );
}

#[test]
fn capped_executions_fill_in_parts() {
    let gw = start_gateway(with(|p| p.faults.max_fill_qty = 100));
    let mut c = text_client(&gw, 1);
    let id = c.next_valid_id;
    c.send(&market(id, "SPY", 300.0)).unwrap();
    let mut shares = Vec::new();
    wait_for(&mut c, |m| {
        if let ServerMessage::Execution(e) = m {
            shares.push(e.shares);
        }
        (shares.iter().sum::<f64>() >= 300.0).then_some(())
    });
    assert!(
        shares.len() >= 3 && shares.iter().all(|&s| s <= 100.0),
        "{shares:?}"
    );
    assert_eq!(final_status(&mut c, id), "Filled");
}

#[test]
fn delayed_fills_wait_at_least_the_delay() {
    let gw = start_gateway(with(|p| p.faults.fill_delay_ms = 300));
    let mut c = text_client(&gw, 1);
    let id = c.next_valid_id;
    let sent = Instant::now();
    c.send(&market(id, "SPY", 10.0)).unwrap();
    wait_for(&mut c, |m| {
        matches!(m, ServerMessage::Execution(e) if e.order_id == id).then_some(())
    });
    // The injected delay is a lower bound: a slow machine only adds to it.
    assert!(sent.elapsed() >= Duration::from_millis(300));
}

#[test]
fn a_stale_symbol_stops_streaming_while_others_go_on() {
    let gw = start_gateway(with(|p| {
        p.faults.stale_symbol = "SPY".into();
        p.faults.stale_for_secs = 3600.0;
    }));
    let mut c = text_client(&gw, 1);
    for (req_id, s) in [(1, "SPY"), (2, "KO")] {
        c.send(&Request::MarketData {
            req_id,
            contract: ContractSpec::stock(s),
            generic_ticks: "",
            snapshot: false,
        })
        .unwrap();
    }
    // After both snapshots (KO has streamed a while), SPY sends nothing more.
    let (mut spy_late, mut ko) = (0, 0);
    wait_for(&mut c, |m| {
        match m {
            ServerMessage::TickPrice(t) if t.req_id == 1 && ko >= 10 => spy_late += 1,
            ServerMessage::TickPrice(t) if t.req_id == 2 => ko += 1,
            _ => {}
        }
        (ko >= 60).then_some(())
    });
    assert_eq!(spy_late, 0);
}

#[test]
fn scheduled_drop_disconnects_and_reconnect_works() {
    let gw = start_gateway(with(|p| p.faults.drop_at_secs = vec![0.5]));
    let mut c = text_client(&gw, 1);
    let deadline = Instant::now() + PATIENCE;
    loop {
        match c.next_frame(Duration::from_millis(100)) {
            Err(ConnectError::Closed) | Err(ConnectError::Io(_)) => break,
            _ => assert!(
                Instant::now() < deadline,
                "the gateway did not drop the client"
            ),
        }
    }
    let mut again = text_client(&gw, 1);
    again.send(&Request::CurrentTime).unwrap();
    wait_for(&mut again, |m| {
        matches!(m, ServerMessage::CurrentTime(_)).then_some(())
    });
}

#[test]
fn daily_restart_with_data_lost_needs_a_resubscription() {
    let gw = start_gateway(with(|p| {
        p.faults.restart_at_secs = vec![0.5];
        p.faults.restart_gap_secs = 0.5;
        p.faults.restart_data_lost = true;
    }));
    let mut c = text_client(&gw, 1);
    c.send(&Request::MarketData {
        req_id: 1,
        contract: ContractSpec::stock("KO"),
        generic_ticks: "",
        snapshot: false,
    })
    .unwrap();
    let mut codes_seen = Vec::new();
    wait_for(&mut c, |m| {
        if let ServerMessage::Error(e) = m
            && (e.code == codes::CONNECTIVITY_LOST || e.code == codes::RESTORED_DATA_LOST)
        {
            codes_seen.push(e.code);
        }
        (codes_seen.last() == Some(&codes::RESTORED_DATA_LOST)).then_some(())
    });
    assert_eq!(
        codes_seen,
        [codes::CONNECTIVITY_LOST, codes::RESTORED_DATA_LOST]
    );
    // The old line is gone: resubscribing (same request id) is accepted and streams again.
    c.send(&Request::MarketData {
        req_id: 1,
        contract: ContractSpec::stock("KO"),
        generic_ticks: "",
        snapshot: false,
    })
    .unwrap();
    let mut after = 0;
    wait_for(&mut c, |m| {
        if let ServerMessage::TickPrice(t) = m
            && t.req_id == 1
        {
            after += 1;
        }
        (after >= 10).then_some(())
    });
}

#[test]
fn executions_are_replayed_to_a_reconnecting_client() {
    let gw = start_gateway(with(|p| p.faults.replay_executions_on_reconnect = true));
    let mut c = text_client(&gw, 7);
    let id = c.next_valid_id;
    c.send(&market(id, "SPY", 10.0)).unwrap();
    let exec_id = wait_for(&mut c, |m| match m {
        ServerMessage::Execution(e) if e.order_id == id => Some(e.exec_id.to_string()),
        _ => None,
    });
    drop(c);
    // The gateway frees the client id once it sees the close; retry until it has.
    let deadline = Instant::now() + PATIENCE;
    let mut again = loop {
        match TwsConnection::connect(&gw.local_addr().to_string(), 7, PATIENCE) {
            Ok(c) => break c,
            Err(e) => assert!(Instant::now() < deadline, "reconnect failed: {e}"),
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let replayed = wait_for(&mut again, |m| match m {
        ServerMessage::Execution(e) => Some(e.exec_id.to_string()),
        _ => None,
    });
    assert_eq!(replayed, exec_id);
}
