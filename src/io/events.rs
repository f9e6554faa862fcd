//! Order-related events the io stage hands to dispatch: fixed size, `Copy`, no heap.

use arrayvec::ArrayString;

/// An IB execution id (e.g. `0000e0d5.6567cd7a.01.01`); longer ids are truncated.
pub type ExecId = ArrayString<48>;

/// Order status as TWS names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum OrderStatusKind {
    PendingSubmit,
    PreSubmitted,
    Submitted,
    Filled,
    Cancelled,
    ApiCancelled,
    Inactive,
    Other,
}

impl OrderStatusKind {
    /// Parses TWS's status string.
    pub fn parse(s: &str) -> Self {
        match s {
            "PendingSubmit" | "ApiPending" => OrderStatusKind::PendingSubmit,
            "PreSubmitted" => OrderStatusKind::PreSubmitted,
            "Submitted" => OrderStatusKind::Submitted,
            "Filled" => OrderStatusKind::Filled,
            "Cancelled" | "PendingCancel" => OrderStatusKind::Cancelled,
            "ApiCancelled" => OrderStatusKind::ApiCancelled,
            "Inactive" => OrderStatusKind::Inactive,
            _ => OrderStatusKind::Other,
        }
    }

    /// True for states after which the order can no longer fill.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            OrderStatusKind::Filled
                | OrderStatusKind::Cancelled
                | OrderStatusKind::ApiCancelled
                | OrderStatusKind::Inactive
        )
    }
}

/// What happened to an order (or the session).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum OrderEvent {
    Status {
        order_id: i32,
        status: OrderStatusKind,
        filled: f64,
        remaining: f64,
        avg_fill_price: f64,
        last_fill_price: f64,
    },
    /// `instrument` is `u16::MAX` when the symbol is not one of the engine's.
    Execution {
        order_id: i32,
        exec_id: ExecId,
        instrument: u16,
        buy: bool,
        shares: f64,
        price: f64,
        cum_qty: f64,
    },
    Commission {
        exec_id: ExecId,
        commission: f64,
        realized_pnl: f64,
    },
    Error {
        id: i32,
        code: i32,
    },
    NextValidId(i32),
    /// The gateway closed the connection (or sent something unreadable); io reconnects.
    Disconnected,
    /// io connected a new session: its writer is in the mailbox; order ids start at
    /// `next_valid_id`.
    Reconnected {
        next_valid_id: i32,
    },
    /// OPEN_ORDER (reconciliation): an order still working at the gateway.
    OpenOrder {
        order_id: i32,
        instrument: u16,
    },
    /// POSITION_DATA (reconciliation); `instrument` is `u16::MAX` for other symbols.
    Position {
        account: Account,
        instrument: u16,
        qty: f64,
        avg_cost: f64,
    },
    /// The end marker of a reconciliation request.
    End(EndKind),
}

/// An account id (longer ids are truncated).
pub type Account = ArrayString<24>;

/// Which reconciliation answer ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndKind {
    Executions,
    OpenOrders,
    Positions,
}

/// An order event with its stamps.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OrderMsg {
    pub t_recv_ns: u64,
    pub t_enq_ns: u64,
    pub event: OrderEvent,
}
