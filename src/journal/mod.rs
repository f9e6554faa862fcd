//! The order/execution journal: a write-ahead log of what the engine sent and received, so a run
//! killed mid-session (SIGKILL, power loss) can be recovered without losing or double-counting a
//! fill.
//!
//! Data flow: the dispatch thread (hot path) hands each [`JournalEntry`] to
//! [`JournalTx::append`], which pushes it onto a wait-free SPSC ring (`rtrb`) and never
//! allocates. A cold thread, `hft-journal`, drains the ring, formats the entries as text lines
//! into one reused buffer and writes them to [`FILE`] in the run directory, syncing to disk as
//! the [`FsyncPolicy`] says (group commit by default). On start-up, [`load`] reads a previous
//! journal back into a [`Recovered`] state.
//!
//! # What write-ahead means here
//!
//! The journal goes through a queue to another thread, so "journaled before the bytes leave"
//! is precisely this (the dispatch thread, `dispatch/stage.rs`, carries out the dispatcher's
//! outbox in order, the `O` record before its PLACE_ORDER):
//! - An order's `O` record is in the queue before its PLACE_ORDER is written to the socket.
//!   [`JournalTx::append`] waits while the queue is full (counted), so a full queue delays the
//!   order, never lets it out unjournaled.
//! - If the record cannot be queued to a writer that still writes (the writer thread is gone,
//!   or stopped writing after an I/O error: [`JournalClosed`]), the order is not sent (it ends
//!   unsent and the kill switch trips).
//! - A record in the queue reaches the file when the writer drains it (within about half a
//!   millisecond, the writer's idle park) and the disk when the [`FsyncPolicy`] syncs. A
//!   panic of the dispatch thread loses nothing queued (the writer drains the queue once the
//!   producer is gone). A crash of the whole process (SIGKILL, power loss) can lose the records
//!   queued but not yet written, i.e. the last orders sent; the next run's reconciliation
//!   finds them at the gateway (working ones are cancelled as orphans, their executions come
//!   back with REQ_EXECUTIONS and positions are adopted), so nothing is double-counted.
//! - A record queued just before the writer's first I/O error may be dropped by it; every
//!   order after the error is refused.
//!
//! # File format
//!
//! UTF-8 text, one record per line, fields separated by `,`, instruments written by symbol name.
//! A new file starts with [`HEADER`] (lines starting with `#` are comments). Records:
//!
//! ```text
//! O,t_ns,order_id,symbol,pair,BUY|SELL,qty,ticket,leg,seq    an order written to the socket
//!   [,bag_id,ratio]                                          ... a combo leg: its BAG, ratio
//! X,t_ns,order_id                                            a cancel written to the socket
//! D,t_ns,order_id,filled                                     the order is done (terminal state)
//! E,t_ns,order_id,exec_id,symbol,pair,qty,price              an execution (qty signed: + buy)
//! C,exec_id,commission                                       a commission report
//! N,t_ns,symbol,pair,qty,price                               an internal cross (no order)
//! A,exec_id,pair,qty                                         a share of an execution
//! S,ticket,leg,symbol,pair,residual                          an owner of a shared order
//! ```
//!
//! `N` and `A` come from netting across baskets (`dispatch/netting.rs`, `dispatch/shared.rs`):
//! a basket's book moved by an internal cross at a reference price, and the part of a shared
//! order's execution that went to a basket other than the order's own (written after its `E`).
//! `S` records (one per owner, the carrier among them, written before the ticket's first `O`)
//! say which baskets share ticket `ticket`'s leg `leg` and the shares each wants from the
//! market, so a restart goes on splitting a shared order still working; what each owner has
//! been given so far is what the `E` and `A` records of that ticket leg add up to. Ticket ids
//! are unique within a journal (a restart numbers its tickets past the journal's).
//!
//! For example:
//!
//! ```text
//! # hft journal v1
//! O,1718000000000000000,101,SPY,0,BUY,100,7,0,42
//! E,1718000000250000000,101,0000e0d5.6567cd7a.01.01,SPY,0,100,532.17
//! C,0000e0d5.6567cd7a.01.01,1.0
//! D,1718000000250000000,101,100
//! ```
//!
//! A combo (BAG) order is two `O` lines, one per leg, each ending in the BAG's order id and
//! the leg's ratio (the second leg's own id is the BAG's plus one and never goes on the wire;
//! `dispatch/combo.rs`), so a resumed run links both legs to the BAG again. A file without
//! them (a plain order, or a journal from before) reads as before.
//!
//! `t_ns` are Unix epoch nanoseconds. `pair` is the pair index, `65535` (`u16::MAX`) for an
//! order that belongs to no pair (a flatten). Floats are written shortest-round-trip (Rust's
//! `Display`), so they read back bit for bit. A line is written with its `\n` in the same
//! write, so a crash can only leave a final line without `\n`: [`load`] ignores it
//! ([`Recovered::truncated_tail`]) and [`spawn`] cuts it off before appending.

mod format;
mod load;
mod writer;

#[cfg(test)]
mod tests;

pub use load::{
    JournalError, Recovered, RecoveredAllocation, RecoveredCross, RecoveredExecution,
    RecoveredOrder, RecoveredShare, load,
};
pub use writer::{JournalClosed, JournalStats, JournalTx, spawn};

use crate::types::ExecId;

/// Name of the journal file in a run directory.
pub const FILE: &str = "journal.csv";

/// First line of a new journal file; [`load`] refuses a file whose version line differs.
pub const HEADER: &str = "# hft journal v1\n\
# O,t_ns,order_id,symbol,pair,side,qty,ticket,leg,seq[,bag_id,ratio] | X,t_ns,order_id | D,t_ns,order_id,filled \
| E,t_ns,order_id,exec_id,symbol,pair,qty,price | C,exec_id,commission \
| N,t_ns,symbol,pair,qty,price | A,exec_id,pair,qty | S,ticket,leg,symbol,pair,residual\n";

/// One journal record: fixed size, `Copy`, no heap, so the hot path can queue it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum JournalEntry {
    /// An order written to the socket.
    Order {
        t_ns: u64,
        order_id: i32,
        instrument: u16,
        /// Pair index, `u16::MAX` for none (a flatten order).
        pair: u16,
        buy: bool,
        qty: u32,
        ticket: u32,
        leg: u8,
        seq: u64,
        /// A combo leg: its BAG and ratio; `None` for a plain order.
        combo: Option<ComboLeg>,
    },
    /// A cancel written to the socket.
    Cancel { t_ns: u64, order_id: i32 },
    /// An order reached a terminal state (filled, cancelled, rejected/inactive) with `filled`
    /// shares.
    Done {
        t_ns: u64,
        order_id: i32,
        filled: f64,
    },
    /// An execution received (first time only: the engine de-duplicates before journaling).
    Execution {
        t_ns: u64,
        order_id: i32,
        exec_id: ExecId,
        instrument: u16,
        /// Pair index, `u16::MAX` for none.
        pair: u16,
        /// Signed shares: positive bought, negative sold.
        qty: f64,
        price: f64,
    },
    /// A commission report for an execution.
    Commission { exec_id: ExecId, commission: f64 },
    /// An internal cross between baskets in one decision step: basket `pair`'s book took
    /// `qty` signed shares at `price` from the step's other baskets (no order; the crosses
    /// of one instrument in one step sum to zero).
    Cross {
        t_ns: u64,
        instrument: u16,
        pair: u16,
        qty: f64,
        price: f64,
    },
    /// `qty` signed shares of the execution `exec_id` (an order shared by several baskets)
    /// went to basket `pair`; its `E` record's pair (the order's carrier) has the rest.
    Allocation {
        exec_id: ExecId,
        pair: u16,
        qty: f64,
    },
    /// Basket `pair` owns `residual` shares of ticket `ticket`'s leg `leg` (an order of
    /// `instrument` shared by several baskets, carried by the ticket's basket).
    Share {
        ticket: u32,
        leg: u8,
        instrument: u16,
        pair: u16,
        residual: u32,
    },
}

/// What links a journaled order to the combo (BAG) it is a leg of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ComboLeg {
    /// The BAG's order id (the first leg's; the one on the wire).
    pub bag_id: i32,
    /// The leg's ratio (shares per combo unit).
    pub ratio: u32,
}

/// When the journal is forced to disk (defined with the parameters it is read from).
use crate::config::FsyncPolicy;
