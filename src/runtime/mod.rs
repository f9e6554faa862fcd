//! What every stage thread shares: how it waits for work ([`Waiter`]), what a full queue does
//! ([`QueuePolicy`]), and the one loop a queue-fed stage runs ([`consume`]). Below the stages,
//! above nothing but the configuration and latency recording.

mod stage;
mod wait;

pub use stage::{Cadence, StageLatency, Step, consume, push_waiting};
pub use wait::{QueuePolicy, WaitStrategy, Waiter};
