//! Shared helpers for integration tests: an in-process paper gateway on a free loopback port.

#![allow(dead_code)]

use hft::params::SimParams;
use hft::sim::{Gateway, GatewayOptions};

/// Generous bound for anything a test waits on; assertions are on behaviour, not time.
pub const PATIENCE: std::time::Duration = std::time::Duration::from_secs(60);

/// The embedded universe with a brisk feed, so streaming tests see changes quickly.
pub fn test_params() -> SimParams {
    let mut p = SimParams::embedded();
    p.market.ticks_per_sec = 200.0;
    p
}

/// Starts a gateway on 127.0.0.1 with a free port.
pub fn start_gateway(params: SimParams) -> Gateway {
    let opts = GatewayOptions { listen: Some("127.0.0.1:0".into()), ..Default::default() };
    Gateway::start(params, opts).expect("gateway starts")
}
