//! A session's account subscriptions: account updates (REQ_ACCOUNT_DATA), updates by model,
//! account summaries, PnL and single-position PnL, and the market-data type it asked for. Each
//! request is answered at once from a [`Valuation`]; [`AccountSubs::refresh`] then sends each
//! subscription the rows whose values changed since it last heard (the core calls it right after
//! an execution and on a fixed cadence while marks move).

use super::account::{PositionValue, Valuation};
use super::encode::{ContractInfo, Out};
use super::sessions::{Session, now_ms};
use crate::wire::AccountRequest;
use crate::wire::ids::codes;
use crate::wire::text::AccountMessage;
use std::collections::HashMap;

/// What one subscription was last sent: value rows by (key, currency), portfolio by symbol.
#[derive(Debug, Default)]
struct Sent {
    rows: HashMap<(&'static str, String), String>,
    portfolio: HashMap<usize, PositionValue>,
}

impl Sent {
    /// True (and remembered) when `value` differs from what was sent for `(key, currency)`.
    fn changed(&mut self, key: &'static str, currency: &str, value: &str) -> bool {
        let slot = self.rows.entry((key, currency.to_string())).or_default();
        if slot == value {
            return false;
        }
        *slot = value.to_string();
        true
    }
}

#[derive(Debug)]
struct Multi {
    req_id: i32,
    model_code: String,
    ledger: bool,
    sent: Sent,
}

#[derive(Debug)]
struct Summary {
    req_id: i32,
    tags: String,
    sent: Sent,
}

#[derive(Debug)]
struct PnlSub {
    req_id: i32,
    /// `None` for the account, `Some(symbol)` for one position.
    symbol: Option<usize>,
    last: [f64; 5],
}

/// A session's account subscriptions.
#[derive(Debug, Default)]
pub(super) struct AccountSubs {
    updates: Option<Sent>,
    multi: Vec<Multi>,
    summaries: Vec<Summary>,
    pnl: Vec<PnlSub>,
    /// The type REQ_MARKET_DATA_TYPE asked for; from then on each market-data request is told
    /// the type it gets.
    pub(super) market_data_type: Option<i32>,
}

/// What an account request is answered from.
pub(super) struct AccountView<'a> {
    /// The managed account.
    pub(super) account: &'a str,
    pub(super) contracts: &'a [ContractInfo],
    pub(super) valuation: &'a Valuation,
}

impl AccountSubs {
    /// True while any account subscription is open.
    pub(super) fn any(&self) -> bool {
        self.updates.is_some()
            || !self.multi.is_empty()
            || !self.summaries.is_empty()
            || !self.pnl.is_empty()
    }
}

/// The account a request names, if it is the managed one (an empty name means it).
fn known<'a>(view: &AccountView<'a>, account: &str) -> bool {
    account.is_empty() || account == view.account
}

fn unknown_account(s: &mut Session, req_id: i32, account: &str) {
    let msg = format!("Account {account} is not managed by this gateway");
    s.error(req_id, codes::ERROR_VALIDATING_REQUEST, &msg);
}

/// Serves one account request of session `s`.
pub(super) fn on_request(s: &mut Session, req: AccountRequest<'_>, view: &AccountView<'_>) {
    match req {
        AccountRequest::Updates { subscribe, account } => {
            if !subscribe {
                s.account.updates = None;
            } else if !known(view, account) {
                unknown_account(s, -1, account);
            } else {
                let mut sent = Sent::default();
                send_updates(s, view, &mut sent);
                s.send(Out::Account(AccountMessage::DownloadEnd {
                    account: view.account,
                }));
                s.account.updates = Some(sent);
            }
        }
        AccountRequest::UpdatesMulti {
            req_id,
            account,
            model_code,
            ledger_and_nlv,
        } => {
            if !known(view, account) {
                return unknown_account(s, req_id, account);
            }
            let mut sub = Multi {
                req_id,
                model_code: model_code.to_string(),
                ledger: ledger_and_nlv,
                sent: Sent::default(),
            };
            send_multi(s, view, &mut sub);
            s.send(Out::Account(AccountMessage::UpdateMultiEnd { req_id }));
            s.account.multi.push(sub);
        }
        AccountRequest::Summary {
            req_id,
            group,
            tags,
        } => {
            if !group.eq_ignore_ascii_case("All") {
                let msg = format!("Unknown account group {group}: the paper gateway has \"All\"");
                return s.error(req_id, codes::ERROR_VALIDATING_REQUEST, &msg);
            }
            let mut sub = Summary {
                req_id,
                tags: tags.to_string(),
                sent: Sent::default(),
            };
            send_summary(s, view, &mut sub);
            s.send(Out::Account(AccountMessage::SummaryEnd { req_id }));
            s.account.summaries.push(sub);
        }
        AccountRequest::Pnl {
            req_id, account, ..
        } => {
            if account.is_empty() || !known(view, account) {
                return unknown_account(s, req_id, account);
            }
            let mut sub = PnlSub {
                req_id,
                symbol: None,
                last: [f64::NAN; 5],
            };
            send_pnl(s, view, &mut sub);
            s.account.pnl.push(sub);
        }
        AccountRequest::PnlSingle {
            req_id,
            account,
            con_id,
            ..
        } => {
            if account.is_empty() || !known(view, account) {
                return unknown_account(s, req_id, account);
            }
            let Some(symbol) = view.contracts.iter().position(|c| c.con_id == con_id) else {
                let msg = format!("Invalid contract id {con_id}");
                return s.error(req_id, codes::ERROR_VALIDATING_REQUEST, &msg);
            };
            let mut sub = PnlSub {
                req_id,
                symbol: Some(symbol),
                last: [f64::NAN; 5],
            };
            send_pnl(s, view, &mut sub);
            s.account.pnl.push(sub);
        }
        AccountRequest::CancelUpdatesMulti { req_id } => {
            s.account.multi.retain(|m| m.req_id != req_id);
        }
        AccountRequest::CancelSummary { req_id } => {
            s.account.summaries.retain(|m| m.req_id != req_id);
        }
        AccountRequest::CancelPnl { req_id } | AccountRequest::CancelPnlSingle { req_id } => {
            s.account.pnl.retain(|m| m.req_id != req_id);
        }
    }
}

/// Sends every subscription of `s` what changed since it last heard.
pub(super) fn refresh(s: &mut Session, view: &AccountView<'_>) {
    let mut subs = std::mem::take(&mut s.account);
    if let Some(sent) = subs.updates.as_mut() {
        send_updates(s, view, sent);
    }
    for m in &mut subs.multi {
        send_multi(s, view, m);
    }
    for m in &mut subs.summaries {
        send_summary(s, view, m);
    }
    for p in &mut subs.pnl {
        send_pnl(s, view, p);
    }
    s.account = subs;
}

/// Tells a new market-data line `req_id` its data type, once the client asked for one: the
/// synthetic market is always open and the paper account has every permission, so it is live
/// (1) whatever was asked, as TWS serves live data to a user entitled to it.
pub(super) fn announce_data_type(s: &mut Session, req_id: i32) {
    if s.account.market_data_type.is_some() {
        s.send(Out::Account(AccountMessage::MarketDataType {
            req_id,
            data_type: 1,
        }));
    }
}

/// ACCT_VALUE rows and PORTFOLIO_VALUE lines that changed, then ACCT_UPDATE_TIME if any did.
fn send_updates(s: &mut Session, view: &AccountView<'_>, sent: &mut Sent) {
    let mut any = false;
    for (key, value, currency) in view.valuation.values(view.account, true) {
        if sent.changed(key, currency, &value) {
            any = true;
            s.send(Out::Account(AccountMessage::Value {
                key,
                value: &value,
                currency,
                account: view.account,
            }));
        }
    }
    for p in &view.valuation.positions {
        if sent.portfolio.get(&p.symbol) == Some(p) {
            continue;
        }
        sent.portfolio.insert(p.symbol, *p);
        any = true;
        s.send(Out::Portfolio {
            contract: &view.contracts[p.symbol],
            value: p,
            account: view.account,
        });
    }
    if any {
        let (_, _, _, hh, mm, _) = crate::wire::civil_from_unix(now_ms() / 1000);
        let time = format!("{hh:02}:{mm:02}");
        s.send(Out::Account(AccountMessage::UpdateTime(&time)));
    }
}

fn send_multi(s: &mut Session, view: &AccountView<'_>, sub: &mut Multi) {
    for (key, value, currency) in view.valuation.values(view.account, sub.ledger) {
        if sub.sent.changed(key, currency, &value) {
            s.send(Out::Account(AccountMessage::UpdateMulti {
                req_id: sub.req_id,
                account: view.account,
                model_code: &sub.model_code,
                key,
                value: &value,
                currency,
            }));
        }
    }
}

fn send_summary(s: &mut Session, view: &AccountView<'_>, sub: &mut Summary) {
    for (tag, value, currency) in view.valuation.summary(&sub.tags) {
        if sub.sent.changed(tag, currency, &value) {
            s.send(Out::Account(AccountMessage::Summary {
                req_id: sub.req_id,
                account: view.account,
                tag,
                value: &value,
                currency,
            }));
        }
    }
}

fn send_pnl(s: &mut Session, view: &AccountView<'_>, sub: &mut PnlSub) {
    let v = view.valuation;
    let now = match sub.symbol {
        None => [v.daily(), v.unrealized, v.realized, 0.0, 0.0],
        Some(sym) => match v.position(sym) {
            Some(p) => [
                p.realized + p.unrealized,
                p.unrealized,
                p.realized,
                p.qty,
                p.market_value,
            ],
            None => [0.0; 5],
        },
    };
    if now == sub.last {
        return;
    }
    sub.last = now;
    let [daily, unrealized, realized, position, value] = now;
    let req_id = sub.req_id;
    s.send(Out::Account(match sub.symbol {
        None => AccountMessage::Pnl {
            req_id,
            daily,
            unrealized,
            realized,
        },
        Some(_) => AccountMessage::PnlSingle {
            req_id,
            position,
            daily,
            unrealized,
            realized,
            value,
        },
    }));
}
