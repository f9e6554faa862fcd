//! What every stage thread shares: how it waits for work ([`Waiter`], and the [`Doorbell`] a
//! blocked stage sleeps on), what a full queue does ([`QueuePolicy`]), and the one loop a
//! queue-fed stage runs ([`consume`]). Below the stages, above nothing but the configuration and
//! latency recording.

mod conflate;
mod os;
mod stage;
mod wait;
mod wake;

pub use conflate::{ConflateRx, ConflateTx, Inbox, LinkRx, LinkTx, conflating, link};
pub use os::{
    LockError, fine_timer_slack, huge_filled, huge_vec, lock_all, prefault_queue, prefault_spare,
};
pub use stage::{Cadence, StageLatency, Step, consume, push_waiting};
pub use wait::{BLOCK_PARK_LIMIT, DEFAULT_SPIN_BEFORE_BLOCK, QueuePolicy, WaitStrategy, Waiter};
pub use wake::{Doorbell, Waker};
