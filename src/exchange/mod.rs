//! What the paper gateway, the backtest and the engine's dispatcher share about an exchange: the
//! book and its fill model ([`Book`]), combo (BAG) orders ([`ComboOrder`]), the working-order matcher with queue position
//! ([`Matcher`], [`QueuePos`]), the ledger of orders and
//! executions with commissions ([`Ledger`]), the one average-cost rule ([`Position`]), and the
//! pegged order types (MIDPRICE, PEG MID, Adaptive: [`Peg`], [`Pegs`]).
//!
//! This room sits below `sim`, `backtest` and `dispatch` and imports none of them.

mod accounting;
mod book;
mod combo;
mod combo_worked;
mod ledger;
mod matcher;
mod peg;
mod queue;

pub use accounting::Position;
pub use book::{Book, BookTop, Fill, Side, Trade};
pub use combo::{ComboEvent, ComboLegSpec, ComboOrder};
pub use combo_worked::{WorkedChild, implied_price, worked_leg};
pub use ledger::{ExecRec, Ledger, OrderRec, OrderState, Tif, exec_id_text};
pub use matcher::{FillFaults, MatchEvent, Matcher, ModifyError};
pub use peg::{NORMAL_CROSS_SECS, PATIENT_CROSS_SECS, Peg, PegContext, Pegs};
pub use queue::QueuePos;

#[cfg(test)]
mod combo_worked_tests;
#[cfg(test)]
mod queue_tests;
