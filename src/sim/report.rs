//! What the gateway reports about itself: counters, the wire-to-wire measurement, and a copy of
//! its books for tests and reports.

use std::sync::atomic::{AtomicU64, Ordering};

/// Counters the gateway exposes (tests assert on them; `hft sim` prints them at exit).
#[derive(Debug, Default)]
pub struct GatewayStats {
    pub connections: AtomicU64,
    pub rate_violations: AtomicU64,
    pub rate_disconnects: AtomicU64,
    pub malformed_frames: AtomicU64,
    pub ticks_sent: AtomicU64,
    pub orders_received: AtomicU64,
    /// PLACE_ORDER requests for BAG (combo) contracts among them, new and modifications (a
    /// restarted client that re-sent a combo would show here).
    pub bag_orders_received: AtomicU64,
    pub executions: AtomicU64,
    pub slow_client_disconnects: AtomicU64,
    /// Orders and cancels rejected by `[orderflow]` (no final status): a client may then be
    /// unable to hedge.
    pub orderflow_rejects: AtomicU64,
    /// The BAG (combo) placements among `orderflow_rejects`.
    pub orderflow_bag_rejects: AtomicU64,
    /// Connections dropped by `[orderflow]` at a moment of an order's life.
    pub orderflow_disconnects: AtomicU64,
}

impl GatewayStats {
    /// Counts one event (relaxed: the counters are read only for reports).
    pub(super) fn bump(c: &AtomicU64) {
        c.fetch_add(1, Ordering::Relaxed);
    }
}

/// Wire-to-wire tick-to-trade as the gateway sees it: from the moment a tick was scheduled to be
/// sent to the moment the order it triggered (matched by orderRef = the client's tick sequence
/// number) was read from the socket. Measured from the schedule, so a stall anywhere cannot hide
/// (no coordinated omission).
#[derive(Debug, Clone)]
pub struct WireReport {
    pub tick_to_trade: hdrhistogram::Histogram<u64>,
    /// Orders whose orderRef named a tick of this session.
    pub matched: u64,
    /// Orders whose orderRef did not.
    pub unmatched: u64,
    /// Ticks sent on the schedule.
    pub ticks: u64,
}

/// One order as the gateway booked it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderSnapshot {
    pub client_id: i32,
    pub order_id: i32,
    pub symbol: String,
    pub action: &'static str,
    pub total: u32,
    pub filled: u32,
    pub state: &'static str,
    pub order_ref: String,
}

/// One execution as the gateway booked it.
#[derive(Debug, Clone, PartialEq)]
pub struct ExecSnapshot {
    pub exec_id: String,
    pub symbol: String,
    /// Signed shares (buys positive).
    pub shares: f64,
    /// The commission charged for it, USD.
    pub commission: f64,
}

/// A copy of the gateway's books, for tests and reports.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LedgerSnapshot {
    /// (account, symbol, quantity, average cost), every position ever opened.
    pub positions: Vec<(String, String, f64, f64)>,
    /// Execution ids in booking order.
    pub exec_ids: Vec<String>,
    /// Every execution, in booking order.
    pub executions: Vec<ExecSnapshot>,
    /// Every order, in arrival order.
    pub orders: Vec<OrderSnapshot>,
    /// A replay has sent its last row.
    pub replay_finished: bool,
}

impl LedgerSnapshot {
    /// The gateway's position in `symbol`, summed over its accounts (0 when never traded).
    ///
    /// # Examples
    /// ```
    /// use hft::sim::LedgerSnapshot;
    /// let snap = LedgerSnapshot {
    ///     positions: vec![
    ///         ("DU1".into(), "SPY".into(), 100.0, 450.0),
    ///         ("DU2".into(), "SPY".into(), -30.0, 451.0),
    ///         ("DU1".into(), "IVV".into(), 5.0, 500.0),
    ///     ],
    ///     ..Default::default()
    /// };
    /// assert_eq!(snap.position("SPY"), 70.0);
    /// assert_eq!(snap.position("QQQ"), 0.0);
    /// ```
    pub fn position(&self, symbol: &str) -> f64 {
        self.positions
            .iter()
            .filter(|(_, s, _, _)| s == symbol)
            .map(|(_, _, q, _)| q)
            .sum()
    }
}
