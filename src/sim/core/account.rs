//! The core's account data: requests routed to [`crate::sim::account_subs`], valued from the
//! ledger at the books' midpoints, and the refresh cadence of open subscriptions.
//!
//! Cadence: every subscription hears what changed right after an execution (a position, cash,
//! realized PnL) and otherwise every [`ACCOUNT_REFRESH`] while marks move (TWS pushes account
//! updates about every three minutes and PnL about every second; one short period serves both).

use super::Core;
use crate::sim::account::{Valuation, mid_mark};
use crate::sim::account_subs::{self, AccountView};
use crate::wire::AccountRequest;
use crate::wire::ids::codes;
use std::time::{Duration, Instant};

/// How often open account subscriptions are re-valued at the current marks.
pub(super) const ACCOUNT_REFRESH: Duration = Duration::from_secs(1);

/// When account subscriptions were last brought up to date.
#[derive(Debug)]
pub(super) struct AccountClock {
    executions_seen: usize,
    last: Instant,
}

impl Default for AccountClock {
    fn default() -> Self {
        AccountClock {
            executions_seen: 0,
            last: Instant::now(),
        }
    }
}

impl Core {
    /// The managed account valued now.
    fn valuation(&self) -> Valuation {
        let books = &self.market.books;
        Valuation::compute(&self.orders.ledger, &self.p.account, |sym| {
            books.get(sym).and_then(|b| mid_mark(b.top()))
        })
    }

    /// Serves an account request of `conn`.
    pub(super) fn account_request(&mut self, conn: u64, req: AccountRequest<'_>) {
        let valuation = self.valuation();
        let view = AccountView {
            account: &self.p.account,
            contracts: &self.contracts,
            valuation: &valuation,
        };
        if let Some(s) = self.sessions.get_mut(conn) {
            account_subs::on_request(s, req, &view);
        }
    }

    /// REQ_MARKET_DATA_TYPE: remembered for the session's later market-data requests.
    pub(super) fn market_data_type(&mut self, conn: u64, data_type: i32) {
        let Some(s) = self.sessions.get_mut(conn) else {
            return;
        };
        if (1..=4).contains(&data_type) {
            s.account.market_data_type = Some(data_type);
        } else {
            let msg = format!("Invalid market data type {data_type}");
            s.error(-1, codes::ERROR_VALIDATING_REQUEST, &msg);
        }
    }

    /// How long the loop may wait before open subscriptions are due a refresh.
    pub(super) fn account_wait(&mut self) -> Option<Duration> {
        self.sessions
            .iter_mut()
            .any(|s| s.account.any())
            .then(|| ACCOUNT_REFRESH.saturating_sub(self.account_clock.last.elapsed()))
    }

    /// Brings open subscriptions up to date after an execution, or when the cadence is due.
    pub(super) fn refresh_accounts(&mut self) {
        let executions = self.orders.ledger.executions.len();
        let clock = &self.account_clock;
        if executions == clock.executions_seen && clock.last.elapsed() < ACCOUNT_REFRESH {
            return;
        }
        self.account_clock = AccountClock {
            executions_seen: executions,
            last: Instant::now(),
        };
        if !self.sessions.iter_mut().any(|s| s.account.any()) {
            return;
        }
        let valuation = self.valuation();
        let view = AccountView {
            account: &self.p.account,
            contracts: &self.contracts,
            valuation: &valuation,
        };
        for s in self.sessions.iter_mut().filter(|s| s.account.any()) {
            account_subs::refresh(s, &view);
        }
    }
}
