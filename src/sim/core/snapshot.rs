//! The gateway's ledger as a snapshot (positions, executions, orders).

use super::{Core, LedgerSnapshot};
use crate::sim::report::{ExecSnapshot, OrderSnapshot};

impl Core {
    /// What the ledger holds now: positions, executions and orders, for tests and reports.
    pub(super) fn snapshot(&self) -> LedgerSnapshot {
        let ledger = &self.orders.ledger;
        let symbol = |s: usize| self.contracts[s].symbol.clone();
        LedgerSnapshot {
            replay_finished: self.market.replay_finished(),
            positions: ledger
                .positions
                .iter()
                .map(|((a, s), p)| (a.clone(), symbol(*s), p.qty, p.avg_cost))
                .collect(),
            exec_ids: ledger
                .executions
                .iter()
                .map(|e| e.exec_id.clone())
                .collect(),
            executions: ledger
                .executions
                .iter()
                .map(|e| ExecSnapshot {
                    exec_id: e.exec_id.clone(),
                    symbol: symbol(e.symbol),
                    shares: e.side.sign() * f64::from(e.qty),
                    commission: e.commission,
                })
                .collect(),
            orders: ledger
                .orders
                .iter()
                .map(|o| OrderSnapshot {
                    client_id: o.client_id,
                    order_id: o.order_id,
                    symbol: symbol(o.symbol),
                    action: o.action(),
                    total: o.total,
                    filled: o.filled,
                    state: o.state.as_str(),
                    order_ref: o.order_ref.clone(),
                })
                .collect(),
        }
    }
}
