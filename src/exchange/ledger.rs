//! Orders, executions and positions, per account, for the life of a gateway (or of a backtest).
//! Positions follow the one average-cost rule of [`super::Position`]. Commissions: a per-share rate with a minimum per order (the minimum is charged on the
//! first execution of an order, later executions pay the rate only).

use super::accounting::Position;
use super::book::{Fill, Side};
use std::collections::BTreeMap;

/// Lifecycle of a gateway order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderState {
    /// Working (TWS reports `Submitted`).
    Submitted,
    Filled,
    Cancelled,
    /// Rejected after acceptance, or expired.
    Inactive,
}

impl OrderState {
    /// The status string TWS uses.
    pub fn as_str(self) -> &'static str {
        match self {
            OrderState::Submitted => "Submitted",
            OrderState::Filled => "Filled",
            OrderState::Cancelled => "Cancelled",
            OrderState::Inactive => "Inactive",
        }
    }

    /// True while the order can still fill.
    pub fn is_working(self) -> bool {
        self == OrderState::Submitted
    }
}

/// Time in force the gateway honours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tif {
    /// DAY (and GTC, which behaves the same within one gateway life).
    Day,
    /// Immediate or cancel: what does not fill on arrival is cancelled.
    Ioc,
}

/// One order as the gateway keeps it.
#[derive(Debug, Clone)]
pub struct OrderRec {
    pub client_id: i32,
    pub order_id: i32,
    pub perm_id: i64,
    pub account: String,
    pub symbol: usize,
    pub side: Side,
    pub total: u32,
    pub filled: u32,
    pub avg_price: f64,
    pub last_fill_price: f64,
    /// Limit in cents; `None` for market orders.
    pub limit: Option<i64>,
    pub tif: Tif,
    pub order_ref: String,
    pub state: OrderState,
    pub commission_paid: f64,
}

impl OrderRec {
    /// Shares still to fill.
    pub fn remaining(&self) -> u32 {
        if self.state.is_working() {
            self.total - self.filled
        } else {
            0
        }
    }

    /// `BUY` or `SELL`.
    pub fn action(&self) -> &'static str {
        match self.side {
            Side::Buy => "BUY",
            Side::Sell => "SELL",
        }
    }

    /// `MKT` or `LMT`.
    pub fn order_type(&self) -> &'static str {
        if self.limit.is_some() { "LMT" } else { "MKT" }
    }

    /// Limit price in dollars, `f64::MAX` (unset) for market orders.
    pub fn limit_price(&self) -> f64 {
        self.limit.map_or(f64::MAX, |c| c as f64 / 100.0)
    }
}

/// One execution.
#[derive(Debug, Clone)]
pub struct ExecRec {
    pub exec_id: String,
    pub order_index: usize,
    pub client_id: i32,
    pub order_id: i32,
    pub perm_id: i64,
    pub account: String,
    pub symbol: usize,
    pub side: Side,
    pub qty: u32,
    pub price: f64,
    pub cum_qty: u32,
    pub avg_price: f64,
    /// `YYYYMMDD HH:MM:SS UTC`.
    pub time: String,
    pub unix_secs: i64,
    pub order_ref: String,
    pub commission: f64,
    /// Realized PnL net of this execution's commission; `f64::MAX` when the fill opened a position.
    pub realized_pnl: f64,
}

impl ExecRec {
    /// `BOT` or `SLD`.
    pub fn side_str(&self) -> &'static str {
        match self.side {
            Side::Buy => "BOT",
            Side::Sell => "SLD",
        }
    }
}

/// The gateway's books.
#[derive(Debug)]
pub struct Ledger {
    pub orders: Vec<OrderRec>,
    pub executions: Vec<ExecRec>,
    /// (account, symbol) -> position; `realized` gross, `commissions` as charged.
    pub positions: BTreeMap<(String, usize), Position>,
    commission_per_share: f64,
    commission_min: f64,
    next_perm_id: i64,
    exec_prefix: u32,
}

impl Ledger {
    /// An empty ledger. `exec_prefix` makes execution ids unique across gateway runs.
    pub fn new(commission_per_share: f64, commission_min: f64, exec_prefix: u32) -> Self {
        Ledger {
            orders: Vec::new(),
            executions: Vec::new(),
            positions: BTreeMap::new(),
            commission_per_share,
            commission_min,
            next_perm_id: 1_000_000_001,
            exec_prefix,
        }
    }

    /// A fresh permanent id.
    pub fn next_perm_id(&mut self) -> i64 {
        let id = self.next_perm_id;
        self.next_perm_id += 1;
        id
    }

    /// The working or finished order with this client and order id.
    pub fn find(&self, client_id: i32, order_id: i32) -> Option<usize> {
        self.orders
            .iter()
            .rposition(|o| o.client_id == client_id && o.order_id == order_id)
    }

    /// Books one fill of order `index` at `unix_secs`; returns the index of the execution.
    pub fn apply_fill(&mut self, index: usize, fill: Fill, unix_secs: i64) -> usize {
        let price = fill.price as f64 / 100.0;
        let o = &mut self.orders[index];
        let qty = fill.qty.min(o.total - o.filled);
        let value_before = o.avg_price * o.filled as f64;
        o.filled += qty;
        o.avg_price = (value_before + price * qty as f64) / o.filled as f64;
        o.last_fill_price = price;
        if o.filled == o.total {
            o.state = OrderState::Filled;
        }
        let owed = (self.commission_per_share * o.filled as f64).max(self.commission_min);
        let commission = round_cents(owed - o.commission_paid);
        o.commission_paid += commission;

        let signed = o.side.sign() * qty as f64;
        let pos = self
            .positions
            .entry((o.account.clone(), o.symbol))
            .or_default();
        let realized = pos.apply(signed, price);
        pos.commissions += commission;

        let seq = self.executions.len() as u32 + 1;
        let exec = ExecRec {
            exec_id: exec_id_text(self.exec_prefix, seq, 1),
            order_index: index,
            client_id: o.client_id,
            order_id: o.order_id,
            perm_id: o.perm_id,
            account: o.account.clone(),
            symbol: o.symbol,
            side: o.side,
            qty,
            price,
            cum_qty: o.filled,
            avg_price: o.avg_price,
            time: crate::wire::format_tws_time(unix_secs),
            unix_secs,
            order_ref: o.order_ref.clone(),
            commission,
            realized_pnl: realized.map_or(f64::MAX, |r| r - commission),
        };
        self.executions.push(exec);
        self.executions.len() - 1
    }
}

/// The id of a venue's execution: `PPPPPPPP.SSSSSSSS.KK.01`, the prefix and the sequence number
/// in eight lowercase hex digits each, `KK` the kind (`01` an order's fill, `02` a BAG's
/// execution). Written digit by digit: every fill is stamped with one.
///
/// # Examples
/// ```
/// assert_eq!(hft::exchange::exec_id_text(0xbac7, 26, 1), "0000bac7.0000001a.01.01");
/// ```
pub fn exec_id_text(prefix: u32, seq: u32, kind: u8) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut b = *b"00000000.00000000.00.01";
    for (at, v) in [(0, prefix), (9, seq)] {
        for k in 0..8 {
            b[at + k] = HEX[((v >> (28 - 4 * k)) & 0xf) as usize];
        }
    }
    b[18] = b'0' + kind / 10 % 10;
    b[19] = b'0' + kind % 10;
    b.iter().map(|&c| c as char).collect()
}

fn round_cents(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exec_ids_are_the_formatted_text() {
        for (prefix, seq, kind) in [
            (0, 0, 1),
            (0xbac7, 1, 1),
            (u32::MAX, u32::MAX, 2),
            (0x1234_abcd, 0xfe, 2),
        ] {
            let want = format!("{prefix:08x}.{seq:08x}.{kind:02}.01");
            assert_eq!(exec_id_text(prefix, seq, kind), want);
        }
    }

    fn order(ledger: &mut Ledger, side: Side, total: u32) -> usize {
        let perm_id = ledger.next_perm_id();
        ledger.orders.push(OrderRec {
            client_id: 1,
            order_id: ledger.orders.len() as i32 + 1,
            perm_id,
            account: "DU1".into(),
            symbol: 0,
            side,
            total,
            filled: 0,
            avg_price: 0.0,
            last_fill_price: 0.0,
            limit: None,
            tif: Tif::Day,
            order_ref: String::new(),
            state: OrderState::Submitted,
            commission_paid: 0.0,
        });
        ledger.orders.len() - 1
    }

    #[test]
    fn positions_commissions_and_realized_pnl() {
        let mut l = Ledger::new(0.005, 1.0, 7);
        let buy = order(&mut l, Side::Buy, 300);
        l.apply_fill(
            buy,
            Fill {
                price: 10000,
                qty: 100,
            },
            0,
        );
        l.apply_fill(
            buy,
            Fill {
                price: 10100,
                qty: 200,
            },
            0,
        );
        let p = l.positions[&("DU1".to_string(), 0)];
        assert_eq!(p.qty, 300.0);
        assert!((p.avg_cost - 100.6666666).abs() < 1e-6);
        assert_eq!(l.executions[0].commission, 1.0);
        assert_eq!(l.executions[1].commission, 0.5);
        assert_eq!(l.orders[buy].state, OrderState::Filled);
        assert_eq!(l.executions[0].realized_pnl, f64::MAX);

        let sell = order(&mut l, Side::Sell, 400);
        l.apply_fill(
            sell,
            Fill {
                price: 10200,
                qty: 400,
            },
            0,
        );
        let p = l.positions[&("DU1".to_string(), 0)];
        assert_eq!(p.qty, -100.0);
        assert_eq!(p.avg_cost, 102.0);
        let e = &l.executions[2];
        assert!(
            (e.realized_pnl - (1.3333333 * 300.0 - 2.0)).abs() < 1e-4,
            "{}",
            e.realized_pnl
        );
        assert_eq!(e.exec_id, "00000007.00000003.01.01");
    }
}
