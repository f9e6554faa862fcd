//! What every stage thread shares: how it waits for work ([`Waiter`]) and what a full queue
//! does ([`QueuePolicy`]). Below the stages, above nothing but the configuration.

mod wait;

pub use wait::{QueuePolicy, WaitStrategy, Waiter};
