//! The engine's side of the wire: its own TWS connection (text protocol), used by the io stage
//! and by tools that talk to a gateway without the `ibapi` crate.

mod conn;

pub use conn::{ConnectError, ENGINE_VERSIONS, TwsConnection};
