//! Stage 1, io, and the engine's TWS connection: the text-protocol session (handshake, requests)
//! and the io thread that reads, frames and decodes market data and order messages in place.

mod conn;
mod decode;
pub mod handoff;
pub mod stage;

pub use conn::{ConnectError, ENGINE_VERSIONS, TwsConnection};

pub use handoff::{SessionGate, WriterMailbox};
pub use stage::{IoCounters, IoReport, IoStage};
