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
    let opts = GatewayOptions {
        listen: Some("127.0.0.1:0".into()),
        ..Default::default()
    };
    Gateway::start(params, opts).expect("gateway starts")
}

use hft::io::{ConnectError, TwsConnection};
use hft::wire::text::ServerMessage;
use std::time::Instant;

/// Connects our own text-protocol client.
pub fn text_client(gw: &Gateway, client_id: i32) -> TwsConnection {
    TwsConnection::connect(&gw.local_addr().to_string(), client_id, PATIENCE)
        .expect("text client connects")
}

/// Reads messages until `pick` returns `Some`, failing the test after [`PATIENCE`].
pub fn wait_for<T>(
    conn: &mut TwsConnection,
    mut pick: impl FnMut(&ServerMessage<'_>) -> Option<T>,
) -> T {
    let deadline = Instant::now() + PATIENCE;
    let version = conn.server_version;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        assert!(!left.is_zero(), "the expected message did not arrive");
        let body = match conn.next_frame(left) {
            Ok(b) => b,
            Err(ConnectError::Timeout(_)) => continue,
            Err(e) => panic!("connection failed: {e}"),
        };
        let msg = ServerMessage::decode(body, version).expect("every gateway message decodes");
        if let Some(v) = pick(&msg) {
            return v;
        }
    }
}
