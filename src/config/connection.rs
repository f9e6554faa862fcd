//! `[connection]`: where the engine connects and how it reconnects.

use super::{ParamsError, check};
use serde::Deserialize;

/// Where the engine connects.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ConnectionParams {
    /// `HOST:PORT` of TWS / IB Gateway; empty starts the paper gateway in-process.
    pub gateway: String,
    /// Client id of the engine's hot-path connection.
    pub client_id: i32,
    /// Client id of the control-plane (`ibapi`) connection used by the bootstrap.
    pub control_client_id: i32,
    /// First reconnect delay after the connection is lost; doubles per failed attempt ...
    pub reconnect_min_ms: u64,
    /// ... up to this cap (each delay is jittered by up to a half).
    pub reconnect_max_ms: u64,
}

impl Default for ConnectionParams {
    fn default() -> Self {
        ConnectionParams {
            gateway: String::new(),
            client_id: 1,
            control_client_id: 2,
            reconnect_min_ms: 250,
            reconnect_max_ms: 30_000,
        }
    }
}

impl ConnectionParams {
    /// Range checks; `prefix` is the section's key path (`connection`).
    ///
    /// # Errors
    /// The first problem found, naming its key.
    pub fn validate(&self, file: &str, prefix: &str) -> Result<(), ParamsError> {
        let key = |k: &str| format!("{prefix}.{k}");
        check(
            self.gateway.is_empty() || is_host_port(&self.gateway),
            file,
            &key("gateway"),
            "must be HOST:PORT or empty",
        )?;
        check(self.client_id >= 0, file, &key("client_id"), "must be >= 0")?;
        check(
            self.control_client_id >= 0 && self.control_client_id != self.client_id,
            file,
            &key("control_client_id"),
            &format!("must be >= 0 and differ from {}", key("client_id")),
        )?;
        check(
            self.reconnect_min_ms >= 1 && self.reconnect_min_ms <= self.reconnect_max_ms,
            file,
            &key("reconnect_min_ms"),
            &format!("must be >= 1 and <= {}", key("reconnect_max_ms")),
        )?;
        check(
            self.reconnect_max_ms <= 600_000,
            file,
            &key("reconnect_max_ms"),
            "must be at most 600000",
        )
    }
}

/// `HOST:PORT` with a numeric port (resolution is not attempted here).
fn is_host_port(s: &str) -> bool {
    s.rsplit_once(':')
        .is_some_and(|(h, p)| !h.is_empty() && p.parse::<u16>().is_ok())
}
