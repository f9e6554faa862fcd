//! Account data through the `ibapi` crate (protobuf, version 226) after a filled order: account
//! summary, account updates (values, portfolio, end), account updates by model, PnL and
//! single-position PnL, each checked against the gateway's ledger and the fill, and against each
//! other's accounting identities (NetLiquidation = cash + market value, daily = realized +
//! unrealized).

mod common;

use common::{PATIENCE, start_gateway, test_params};
use ibapi::accounts::types::{AccountGroup, AccountId, ContractId};
use ibapi::accounts::{AccountSummaryResult, AccountUpdate, AccountUpdateMulti};
use ibapi::client::blocking::Client;
use ibapi::prelude::*;
use std::collections::HashMap;

const ACCOUNT: &str = "DU1234567";
const STARTING_CASH: f64 = 1_000_000.0;

fn close(a: f64, b: f64, tolerance: f64) -> bool {
    (a - b).abs() <= tolerance
}

/// Buys 100 SPY at market and returns (conId, fill price, commission).
fn buy_spy(client: &Client) -> (i32, f64, f64) {
    let contract = Contract::stock("SPY").build();
    let order_id = client.next_order_id();
    let order = order_builder::market_order(Action::Buy, 100.0);
    let updates = client
        .place_order(order_id, &contract, &order)
        .expect("place order");
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
    let exec = exec.expect("an execution");
    assert_eq!(exec.execution.shares, 100.0, "one fill of the whole order");
    let commission = commission.expect("a commission report").commission;
    (exec.contract.contract_id, exec.execution.price, commission)
}

#[test]
fn account_data_after_a_fill_matches_the_ledger() {
    let gw = start_gateway(test_params());
    let client = Client::connect(&gw.local_addr().to_string(), 31).expect("connects");
    let (con_id, price, commission) = buy_spy(&client);
    assert_eq!(commission, 1.0);
    let snapshot = gw.snapshot();
    let (_, _, qty, avg_cost) = snapshot
        .positions
        .iter()
        .find(|p| p.1 == "SPY")
        .cloned()
        .expect("the ledger holds SPY");
    assert_eq!((qty, avg_cost), (100.0, price));
    let cash = STARTING_CASH - 100.0 * price - commission;
    let account = AccountId(ACCOUNT.to_string());

    // Account summary: the tags asked for, then End; one valuation, so its identities hold.
    let tags = [
        "NetLiquidation",
        "TotalCashValue",
        "GrossPositionValue",
        "AvailableFunds",
        "BuyingPower",
        "AccountType",
        "$LEDGER",
    ];
    let summary = client
        .account_summary(&AccountGroup("All".to_string()), &tags)
        .expect("account summary");
    let mut rows: HashMap<(String, String), String> = HashMap::new();
    for item in summary.timeout_iter_data(PATIENCE) {
        match item.expect("summary decodes") {
            AccountSummaryResult::Summary(s) => {
                assert_eq!(s.account, ACCOUNT);
                rows.insert((s.tag, s.currency), s.value);
            }
            AccountSummaryResult::End => break,
        }
    }
    let num = |tag: &str, currency: &str| -> f64 {
        rows.get(&(tag.to_string(), currency.to_string()))
            .unwrap_or_else(|| panic!("{tag} {currency} in {rows:?}"))
            .parse()
            .expect("a number")
    };
    assert!(close(num("TotalCashValue", "USD"), cash, 0.005));
    assert!(close(num("CashBalance", "USD"), cash, 0.005));
    let nlv = num("NetLiquidation", "USD");
    let gross = num("GrossPositionValue", "USD");
    assert!(
        close(nlv, cash + gross, 0.011),
        "NLV {nlv} = cash + {gross}"
    );
    assert!(close(
        num("AvailableFunds", "USD"),
        nlv - 0.5 * gross,
        0.011
    ));
    assert!(close(
        num("BuyingPower", "USD"),
        4.0 * (nlv - 0.5 * gross),
        0.05
    ));
    assert!(close(num("RealizedPnL", "USD"), -commission, 0.005));
    assert_eq!(
        rows[&("AccountType".to_string(), String::new())],
        "INDIVIDUAL"
    );
    summary.cancel();

    // Account updates: values, the SPY line, the update time, then End.
    let updates = client.account_updates(&account).expect("account updates");
    let (mut values, mut line, mut time) = (HashMap::new(), None, None);
    for item in updates.timeout_iter_data(PATIENCE) {
        match item.expect("account update decodes") {
            AccountUpdate::AccountValue(v) => {
                values.insert((v.key, v.currency), v.value);
            }
            AccountUpdate::PortfolioValue(p) => line = Some(p),
            AccountUpdate::UpdateTime(t) => time = Some(t.timestamp),
            AccountUpdate::End => break,
        }
    }
    let line = line.expect("a portfolio line for SPY");
    assert_eq!(line.contract.symbol.to_string(), "SPY");
    assert_eq!(line.contract.contract_id, con_id);
    assert_eq!(line.account.as_deref(), Some(ACCOUNT));
    assert_eq!((line.position, line.average_cost), (100.0, avg_cost));
    assert!(close(line.market_value, 100.0 * line.market_price, 1e-6));
    assert!(close(
        line.unrealized_pnl,
        100.0 * (line.market_price - avg_cost),
        1e-6
    ));
    assert!(close(line.realized_pnl, -commission, 1e-9));
    let value = |key: &str| values[&(key.to_string(), "USD".to_string())].clone();
    assert_eq!(values[&("AccountCode".to_string(), String::new())], ACCOUNT);
    assert!(close(value("TotalCashValue").parse().unwrap(), cash, 0.005));
    let nlv: f64 = value("NetLiquidation").parse().unwrap();
    let stock: f64 = value("StockMarketValue").parse().unwrap();
    assert!(close(nlv, cash + stock, 0.011));
    assert!(time.is_some_and(|t| t.len() == 5 && t.as_bytes()[2] == b':'));
    updates.cancel();

    // Account updates by model: values then End.
    let multi = client
        .account_updates_multi(Some(&account), None)
        .expect("account updates multi");
    let mut multi_values = HashMap::new();
    for item in multi.timeout_iter_data(PATIENCE) {
        match item.expect("multi decodes") {
            AccountUpdateMulti::AccountMultiValue(v) => {
                assert_eq!(v.account, ACCOUNT);
                multi_values.insert((v.key, v.currency), v.value);
            }
            AccountUpdateMulti::End => break,
        }
    }
    let cash_row = &multi_values[&("TotalCashValue".to_string(), "USD".to_string())];
    assert!(close(cash_row.parse().unwrap(), cash, 0.005));
    multi.cancel();

    // PnL: realized is the commission paid; daily = realized + unrealized.
    let pnl = client.pnl(&account, None).expect("pnl");
    let p = pnl
        .timeout_iter_data(PATIENCE)
        .next()
        .expect("a PnL")
        .expect("PnL decodes");
    let (realized, unrealized) = (p.realized_pnl.unwrap(), p.unrealized_pnl.unwrap());
    assert!(close(realized, -commission, 1e-9));
    assert!(close(p.daily_pnl, realized + unrealized, 1e-6));
    pnl.cancel();

    // PnL of the SPY position: size, and value - size x average cost = unrealized.
    let single = client
        .pnl_single(&account, ContractId(con_id), None)
        .expect("pnl single");
    let p = single
        .timeout_iter_data(PATIENCE)
        .next()
        .expect("a PnL single")
        .expect("PnL single decodes");
    assert_eq!(p.position, 100.0);
    assert!(close(p.realized_pnl, -commission, 1e-9));
    assert!(close(p.value - 100.0 * avg_cost, p.unrealized_pnl, 1e-6));
    assert!(close(p.daily_pnl, p.realized_pnl + p.unrealized_pnl, 1e-6));
    single.cancel();
}

#[test]
fn fresh_account_is_all_cash() {
    let gw = start_gateway(test_params());
    let client = Client::connect(&gw.local_addr().to_string(), 32).expect("connects");
    let account = AccountId(ACCOUNT.to_string());
    let updates = client.account_updates(&account).expect("account updates");
    let (mut nlv, mut lines) = (None, 0);
    for item in updates.timeout_iter_data(PATIENCE) {
        match item.expect("account update decodes") {
            AccountUpdate::AccountValue(v) if v.key == "NetLiquidation" => nlv = Some(v.value),
            AccountUpdate::PortfolioValue(_) => lines += 1,
            AccountUpdate::End => break,
            _ => {}
        }
    }
    assert_eq!(nlv.as_deref(), Some("1000000.00"));
    assert_eq!(lines, 0);
    let pnl = client.pnl(&account, None).expect("pnl");
    let p = pnl
        .timeout_iter_data(PATIENCE)
        .next()
        .expect("a PnL")
        .expect("PnL decodes");
    assert_eq!(
        (p.daily_pnl, p.unrealized_pnl, p.realized_pnl),
        (0.0, Some(0.0), Some(0.0))
    );
}
